"""The versions of the scoring weights and thresholds, as the projection of `scoring.changed`
(appended only by data_access/commands/scoring.py): one `scoring_versions` row per change, its
whole new configuration, the keys that changed, the reason, and who changed it (the event's
source without "user:", as the API tokens record their actor: "admin", "cli:ops").

`check` is the log's last line of defence behind the command: a version is recorded once, the
change starts from the version in force (two admins saving at once: the second is refused),
and the new configuration validates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dashboard.domain.events import Event, Rejection
from dashboard.domain.scoring import ScoringConfigError, config_from_dict, load_config_file
from data_access.models import ScoringVersion, table_of
from data_access.projections.batch import Batch
from data_access.projections.projection import Projection, Wanted

_VERSIONS = table_of(ScoringVersion)
USER_SOURCE_PREFIX = "user:"  # as data_access.commands.base writes a user's source
EVENT_TYPE = "scoring.changed"


def wants(event: Event, wanted: Wanted) -> None:
    return None  # reads its own small table, nothing of the batch's caches


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    data: Any = event.data
    versions = _VERSIONS.c
    known = b.connection.scalar(select(versions.version).where(versions.version == data.version))
    if known is not None or data.version == data.old_version:
        return _rejection(event, "version", f"version {data.version!r} was recorded before")
    newest = b.connection.scalar(select(versions.version).order_by(versions.seq.desc()).limit(1))
    in_force = newest if newest is not None else load_config_file().version
    if data.old_version != in_force:
        message = f"the change starts from {data.old_version!r} but {in_force!r} is in force"
        return _rejection(event, "old_version", message)
    try:
        config = config_from_dict(data.new)
    except ScoringConfigError as error:
        return _rejection(event, f"new.{error.key}", str(error))
    if config.version != data.version:
        return _rejection(event, "new.version", "the new configuration names another version")
    return None


def district(b: Batch, event: Event) -> str | None:
    return None  # the whole city's rules: no district (never replayed to a screen)


def apply(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    b.connection.execute(
        _VERSIONS.insert().values(
            version=data.version,
            config=data.new,
            previous_version=data.old_version,
            keys=list(data.keys),
            reason=data.reason,
            changed_by=source.removeprefix(USER_SOURCE_PREFIX)[:64],
            changed_at=event.occurred_at,
            seq=seq,
        )
    )


def _rejection(event: Event, field: str, message: str) -> Rejection:
    return Rejection("invalid_field", f"data.{field}", message, event.id)


PROJECTION = Projection(apply={EVENT_TYPE: apply}, wants=wants, check=check, district=district)
