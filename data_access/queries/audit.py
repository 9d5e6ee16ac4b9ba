"""The audit trail: the event log filtered by actor, object, type and time, newest first.

The log holds millions of rows, so every filter has an index to walk (data_access/models.py):
the actor with `ix_event_log_actor_seq` (an ingest source by the log's unique (source, event_id)),
the object with `ix_event_log_subject_seq` on the subject expression, the type and the time
with their own. Pages are cut by sequence number (`before`), never by OFFSET, so the thousandth
page costs what the first does. Exports read the same query up to a cap.

The administration events' hashes are never returned (dashboard/domain/audit.py `summary_of`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, literal_column, or_, select

from dashboard.domain.audit import subject_of, summary_of
from dashboard.domain.roles import Scope
from data_access.models import EVENT_SUBJECT_SQL, EventRecord
from data_access.scope import scoped

__all__ = ["PAGE_SIZE", "AuditFilter", "AuditRow", "audit_page", "audit_rows"]

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; an empty field does not filter."""

    actor: str | None = None  # a user (the acting one) or an ingest source
    subject: str | None = None  # the object's id: an incident, a cylinder code, a username...
    types: tuple[str, ...] = field(default_factory=tuple)
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    occurred_at: datetime
    actor: str  # the acting user, else the source that sent it
    source: str
    type: str
    subject: str | None
    summary: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    older: int | None  # the `before` of the next (older) page; None: this is the last


def audit_page(
    engine: Engine,
    scope: Scope,
    wanted: AuditFilter,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:
    """One page, newest first, of events older than seq `before` (None: from the newest)."""
    query = _query(scope, wanted)
    if before is not None:
        query = query.where(EventRecord.seq < before)
    with engine.connect() as connection:
        rows = [_row(record) for record in connection.execute(query.limit(limit + 1))]
    more = len(rows) > limit
    return AuditPage(rows[:limit], rows[limit - 1].seq if more else None)


def audit_rows(engine: Engine, scope: Scope, wanted: AuditFilter, cap: int) -> Iterator[AuditRow]:
    """Up to `cap` matching events, newest first, streamed (an export)."""
    query = _query(scope, wanted).limit(cap)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=2000).execute(query)
        for record in result:
            yield _row(record)


def _query(scope: Scope, wanted: AuditFilter) -> Select[Any]:
    log = EventRecord
    query = select(log.seq, log.occurred_at, log.actor, log.source, log.type, log.data).order_by(
        log.seq.desc()
    )
    if wanted.actor:
        query = query.where(or_(log.actor == wanted.actor, log.source == wanted.actor))
    if wanted.subject:
        query = query.where(_subject() == wanted.subject)
    if wanted.types:
        query = query.where(log.type.in_(wanted.types))
    if wanted.since is not None:
        query = query.where(log.occurred_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(log.occurred_at < wanted.until)
    return scoped(query, scope, EventRecord)


def _subject() -> Any:
    """The subject as the index has it: the same SQL text, or the index is not used."""
    return literal_column(EVENT_SUBJECT_SQL)


def _row(record: Any) -> AuditRow:
    data = record.data if isinstance(record.data, dict) else {}
    return AuditRow(
        seq=record.seq,
        occurred_at=record.occurred_at,
        actor=record.actor or record.source,
        source=record.source,
        type=record.type,
        subject=subject_of(data),
        summary=summary_of(data),
    )
