"""The scoring configuration in force and its versions (dashboard/domain/scoring.py): the newest
`scoring_versions` row (written by the projection of `scoring.changed`), else the shipped file
dashboard/scoring.toml, which is version 1 of every city."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select

from dashboard.domain.scoring import (
    DEFAULT_CONFIG_FILE,
    ScoringConfig,
    config_from_dict,
    load_config_file,
)
from data_access.models import ScoringVersion


@dataclass(frozen=True, slots=True)
class VersionRow:
    version: str
    previous_version: str
    keys: tuple[str, ...]
    reason: str | None
    changed_by: str
    changed_at: datetime


def active_config(engine: Engine, file: Path = DEFAULT_CONFIG_FILE) -> ScoringConfig:
    """The configuration in force: the newest recorded version, else the file's."""
    with engine.connect() as connection:
        newest = connection.scalar(
            select(ScoringVersion.config).order_by(ScoringVersion.seq.desc()).limit(1)
        )
    return config_from_dict(newest) if newest is not None else load_config_file(file)


def config_of_version(
    engine: Engine, version: str, file: Path = DEFAULT_CONFIG_FILE
) -> ScoringConfig | None:
    """A past or present version by name (the file's own version too); None if unknown."""
    with engine.connect() as connection:
        recorded = connection.scalar(
            select(ScoringVersion.config).where(ScoringVersion.version == version)
        )
    if recorded is not None:
        return config_from_dict(recorded)
    shipped = load_config_file(file)
    return shipped if shipped.version == version else None


def versions(engine: Engine) -> list[VersionRow]:
    """Every recorded change, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                ScoringVersion.version,
                ScoringVersion.previous_version,
                ScoringVersion.keys,
                ScoringVersion.reason,
                ScoringVersion.changed_by,
                ScoringVersion.changed_at,
            ).order_by(ScoringVersion.seq.desc())
        ).all()
    return [
        VersionRow(
            version=row.version,
            previous_version=row.previous_version,
            keys=tuple(row.keys or ()),
            reason=row.reason,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
        )
        for row in rows
    ]
