"""The scoring weights and thresholds (dashboard/domain/scoring.py): an administrator's change
is a new version, recorded as one `scoring.changed` event (who: the event's actor and source;
when: its time; old and new: the whole configuration before and after; the keys that changed;
the reason given). The projection (data_access/projections/scoring.py) keeps `scoring_versions`,
whose newest row is the configuration in force (data_access/queries/scoring_config.py).

The new configuration is validated here first (`config_from_dict`): a bad one is refused naming
its first bad key (`Refused.field` is the dotted key, e.g. "district.weights.hazard_closure"),
so the admin page can show the refusal beside that field. A change that changes nothing is
refused. The version: a new one given is taken as it is; none given, the current one, or any
one used before (an old version's file loaded again to go back to its values) becomes the next
after the current one: its last number plus one ("2026.1" → "2026.2", "city-7" → "city-8"), or
".2" appended when it ends in no number ("shenzhen" → "shenzhen.2"), skipping any version
already used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, select

from dashboard.domain.events import ScoringChanged
from dashboard.domain.policy import Action, Refused
from dashboard.domain.roles import User
from dashboard.domain.scoring import (
    ScoringConfig,
    ScoringConfigError,
    changed_keys,
    config_from_dict,
    load_config_file,
    with_value,
)
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.models import ScoringVersion

__all__ = ["change_scoring", "next_version", "set_scoring_value"]

UNCOUNTED_KEYS = ("version",)  # a new name alone is no change
MAX_REASON = 500


def change_scoring(
    engine: Engine, user: User, new_config: Mapping[str, Any], reason: str | None = None
) -> Result:
    """Put `new_config` (a whole configuration, as dashboard/scoring.toml holds it) in force as
    a new version; `Done.subject` is the new version's name."""

    def body(act: Act) -> Done:
        act.require(Action.CHANGE_SCORING)
        current = in_force(act.connection)
        return _record(act, current, dict(new_config), reason)

    return run(engine, user, body)


def set_scoring_value(
    engine: Engine, user: User, key: str, value: float, reason: str | None = None
) -> Result:
    """Change one dotted key of the configuration in force (e.g. district.weights.hazard_closure)
    as a new version."""

    def body(act: Act) -> Done:
        act.require(Action.CHANGE_SCORING)
        current = in_force(act.connection)
        try:
            changed = with_value(current, key, value)
        except ScoringConfigError as error:
            raise Refusal(invalid(error)) from None
        return _record(act, current, changed, reason)

    return run(engine, user, body)


def _record(act: Act, current: ScoringConfig, wanted: dict[str, Any], reason: str | None) -> Done:
    used = _used_versions(act.connection, current)
    if str(wanted.get("version") or "") in used | {""}:
        wanted["version"] = next_version(current.version, used)
    try:
        new = config_from_dict(wanted)
    except ScoringConfigError as error:
        raise Refusal(invalid(error)) from None
    old_dict, new_dict = current.as_dict(), new.as_dict()
    keys = [key for key in changed_keys(old_dict, new_dict) if key not in UNCOUNTED_KEYS]
    if not keys:
        message = f"nothing changes: the values are those of version {current.version}"
        raise Refusal(
            Refused(
                "scoring_unchanged",
                message,
                code="invalid_field",
                params={"version": current.version},
            )
        )
    data = ScoringChanged(
        version=new.version,
        old_version=current.version,
        old=old_dict,
        new=new_dict,
        keys=keys,
        reason=(reason or "").strip()[:MAX_REASON] or None,
    )
    return Done(new.version, act.append(data, prefix="scoring"))


def invalid(error: ScoringConfigError) -> Refused:
    """A configuration that does not validate, naming its first bad key."""
    return Refused(
        "scoring_invalid",
        str(error),
        code="invalid_field",
        field=error.key,
        params={"key": error.key or "-", "message": error.message},
    )


def in_force(connection: Connection) -> ScoringConfig:
    """The configuration in force, read in the command's own transaction (as
    scoring_config.active_config reads it outside one)."""
    newest = connection.scalar(
        select(ScoringVersion.config).order_by(ScoringVersion.seq.desc()).limit(1)
    )
    return config_from_dict(newest) if newest is not None else load_config_file()


def _used_versions(connection: Connection, current: ScoringConfig) -> set[str]:
    recorded = set(connection.scalars(select(ScoringVersion.version)))
    return recorded | {current.version, load_config_file().version}


_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def next_version(version: str, used: set[str] | frozenset[str] = frozenset()) -> str:
    """The version after `version` not in `used`: the trailing number plus one ("2026.1" →
    "2026.2"), or ".2" appended when there is none ("shenzhen" → "shenzhen.2")."""
    match = _TRAILING_NUMBER.match(version)
    stem, number = (match.group(1), int(match.group(2))) if match else (f"{version}.", 1)
    candidate = f"{stem}{number + 1}"
    while candidate in used or candidate == version:
        number += 1
        candidate = f"{stem}{number + 1}"
    return candidate
