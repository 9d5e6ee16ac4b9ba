"""`python -m dashboard scoring ...`: the scoring weights and thresholds (docs/rankings.md,
"Weights and versions").

    show                          the configuration in force, one dotted key a line
    versions                      every recorded change, newest first
    set KEY VALUE [--reason ..]   change one key: a new version
    load FILE [--reason ..]       put a whole TOML file in force: a new version
    export [--version V] --out F  write a version (default: the one in force) as TOML

A change goes through the command (data_access/commands/scoring.py) with the operator as the
actor (`--by`, dashboard/cli/__init__.py), so the event log says who changed what and why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dashboard.cli.errors import CommandError
from dashboard.domain.roles import User
from dashboard.domain.scoring import ScoringConfig, ScoringConfigError, load_config_file
from data_access import commands
from data_access.commands import Done, Result
from data_access.queries import scoring_config


def show(engine: Engine) -> int:
    config = scoring_config.active_config(engine)
    print(f"version = {config.version}")
    for key, value in flat(config.as_dict()):
        if key != "version":
            print(f"{key} = {_shown(value)}")
    return 0


def versions(engine: Engine, time_zone: str) -> int:
    rows = scoring_config.versions(engine)
    if not rows:
        shipped = load_config_file()
        print(f"{shipped.version}  (the shipped file, dashboard/scoring.toml; no change recorded)")
        return 0
    zone = ZoneInfo(time_zone)
    for row in rows:
        when = f"{row.changed_at.astimezone(zone):%Y-%m-%d %H:%M}"
        keys = ", ".join(row.keys)
        reason = f"  ({row.reason})" if row.reason else ""
        head = f"{row.version:<12} from {row.previous_version:<12} {when}  {row.changed_by}"
        print(f"{head}: {keys}{reason}")
    return 0


def set_value(engine: Engine, by: User, key: str, value: str, reason: str | None) -> int:
    result = commands.set_scoring_value(engine, by, key, number(value), reason)
    version = _done(result).subject
    print(f"scoring version {version} is in force ({key} = {value})")
    return 0


def load(engine: Engine, by: User, path: Path, reason: str | None) -> int:
    try:
        config = load_config_file(path)
    except ScoringConfigError as error:
        raise CommandError(f"{path}: {error}") from None
    version = _done(commands.change_scoring(engine, by, config.as_dict(), reason)).subject
    print(f"scoring version {version} is in force (from {path})")
    return 0


def export(engine: Engine, version: str | None, out: Path) -> int:
    config: ScoringConfig | None
    if version is None:
        config = scoring_config.active_config(engine)
    else:
        config = scoring_config.config_of_version(engine, version)
        if config is None:
            raise CommandError(f"no scoring version {version!r} (see `scoring versions`)")
    try:
        out.write_text(to_toml(config.as_dict()), encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error.strerror}") from None
    print(f"wrote scoring version {config.version} to {out}")
    return 0


def number(text: str) -> float:
    """A value given on the command line: a finite number."""
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"VALUE must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise CommandError(f"VALUE must be a finite number, not {text!r}")
    return int(value) if value.is_integer() else value


def flat(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of every leaf, in the configuration's own order."""
    for name, value in data.items():
        if isinstance(value, Mapping):
            yield from flat(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def to_toml(data: Mapping[str, Any]) -> str:
    """The configuration as TOML that load_config_file reads back to the same values (its
    leaves are strings and numbers: no arrays, no dates)."""
    lines: list[str] = []
    _table(data, [], lines)
    return "\n".join(lines).strip() + "\n"


def _table(data: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    leaves = [(k, v) for k, v in data.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    if path and leaves:
        lines.extend(["", f"[{'.'.join(path)}]"])
    lines.extend(f"{name} = {_shown(value)}" for name, value in leaves)
    for name, value in tables:
        _table(value, [*path, name], lines)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _done(result: Result) -> Done:
    """The command's `Done`; a refusal ends the command with its message."""
    if not isinstance(result, Done):
        raise CommandError(f"refused: {result.message}")
    return result
