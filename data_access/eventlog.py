"""The event log: the single write path of every change (DESIGN.md section 3).

`append_events` appends a batch of validated events in ONE transaction: duplicates (same source and
event id, already logged or earlier in the batch) and events naming unknown objects change
nothing; every other event is inserted into `event_log` with the next sequence number and applied
to the projections (`data_access.projections`) in order. Rules may append system events (an alarm
raised by a reading) right after the event that caused them, in the same transaction.

Appends are serialised: SQLite takes its write lock up front (BEGIN IMMEDIATE), PostgreSQL a
transaction-scoped advisory lock. Under that single-writer lock sequence numbers are assigned
from max(seq), so they are gap-free and commit in order, and a live client resuming "after seq N"
can never miss an event committed later with a smaller number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, func, select, text

from dashboard.domain.events import Event, Rejection
from data_access.bulk import JsonText, insert_rows
from data_access.models import EventRecord, table_of
from data_access.projections import Projector

__all__ = [
    "SYSTEM_SOURCE",
    "Accepted",
    "Duplicate",
    "Incoming",
    "LogWriter",
    "Outcome",
    "append_events",
    "events_since",
    "last_seq",
    "on_commit",
    "write_transaction",
]

log = logging.getLogger(__name__)

SYSTEM_SOURCE = "system"
_PG_APPEND_LOCK = 0x6761_7363_6C6F_67  # any constant; "gasclog"
_CHUNK = 500


@dataclass(frozen=True)
class Incoming:
    """One validated event to append."""

    source: str  # the ingest token's source, or "system" / "user:<name>" for actions
    event: Event
    actor: str | None = None
    # The enterprise the source's token is bound to: it may act only on that enterprise's objects.
    enterprise: str | None = None


@dataclass(frozen=True)
class Accepted:
    event_id: str
    seq: int


@dataclass(frozen=True)
class Duplicate:
    event_id: str


Outcome = Accepted | Duplicate | Rejection

_LOG = table_of(EventRecord)
_LOG_COLUMNS = tuple(column.name for column in _LOG.columns)


def append_events(
    engine: Engine, items: Sequence[Incoming], *, received_at: datetime | None = None
) -> list[Outcome]:
    """Append `items` in one transaction; one outcome per item, in order.

    Raises only when the database fails, and then nothing of the batch is committed.
    """
    if not items:
        return []
    with write_transaction(engine, received_at=received_at) as log:
        return log.append(items)


class LogWriter:
    """The event log inside one write transaction: read what an action depends on through
    `connection`, then `append`. Nothing another writer commits can come in between."""

    def __init__(self, connection: Connection, received_at: datetime) -> None:
        self.connection = connection
        self.received_at = received_at
        self.newest = 0  # the highest seq appended in this transaction

    def append(self, items: Sequence[Incoming]) -> list[Outcome]:
        """Append `items` (may be called more than once); one outcome per item, in order."""
        if not items:
            return []
        outcomes = _Append(self.connection, self.received_at).run(items)
        seqs = [o.seq for o in outcomes if isinstance(o, Accepted)]
        self.newest = max([self.newest, *seqs])
        return outcomes


@contextmanager
def write_transaction(
    engine: Engine, *, received_at: datetime | None = None
) -> Iterator[LogWriter]:
    """One transaction holding the log's single-writer lock: committed when the block ends,
    rolled back (nothing of it kept) when it raises. After a commit that appended events, the
    engine's commit listeners hear of it (`on_commit`)."""
    with engine.connect() as connection, connection.begin():
        _take_write_lock(connection)
        writer = LogWriter(connection, received_at or datetime.now(UTC))
        yield writer
    if writer.newest:
        _committed(engine, writer.newest)


# Who hears of commits through an engine: the live hubs' Redis channel, the notifier's wake-up.
CommitListener = Callable[[int], None]  # called with the newest committed seq
_listeners: WeakKeyDictionary[Engine, list[CommitListener]] = WeakKeyDictionary()


def on_commit(engine: Engine, listener: CommitListener) -> None:
    """Call `listener(newest_seq)` after each commit through `engine` that appended events.
    It runs in the committing thread and must be quick; its errors are logged, never raised
    (the events are committed whatever a listener does)."""
    _listeners.setdefault(engine, []).append(listener)


def _committed(engine: Engine, newest: int) -> None:
    for listener in _listeners.get(engine, ()):
        try:
            listener(newest)
        except Exception:
            log.exception("a commit listener failed (seq %s)", newest)


class _Append:
    def __init__(self, connection: Connection, received_at: datetime) -> None:
        self.connection = connection
        self.received_at = received_at
        self.rows: list[dict[str, Any]] = []
        self.seq = 0
        self.projector: Projector | None = None

    def run(self, items: Sequence[Incoming]) -> list[Outcome]:
        connection = self.connection
        seen = _logged_pairs(connection, items)
        projector = self.projector = Projector(connection, [item.event for item in items])
        projector.set_emitter(self._emit)
        self.seq = connection.scalar(select(func.coalesce(func.max(_LOG.c.seq), 0))) or 0
        outcomes: list[Outcome] = []
        for item in items:
            event = item.event
            key = (item.source, event.id)
            if key in seen:
                outcomes.append(Duplicate(event.id))
                continue
            rejection = projector.check(event, item.enterprise, item.source)
            if rejection is not None:
                outcomes.append(rejection)
                continue
            seen.add(key)
            outcomes.append(Accepted(event.id, self._append(item.source, event, item.actor)))
        if self.rows:
            insert_rows(connection, _LOG, self.rows, _LOG_COLUMNS)
            projector.flush()
            if connection.dialect.name == "postgresql":
                # Keep the column's sequence in step with the explicit numbers.
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence('event_log', 'seq'), :seq)"),
                    {"seq": self.seq},
                )
        return outcomes

    def _append(self, source: str, event: Event, actor: str | None) -> int:
        assert self.projector is not None
        self.seq += 1
        seq = self.seq
        self.rows.append(
            {
                "seq": seq,
                "source": source,
                "event_id": event.id,
                "type": event.type,
                "occurred_at": event.occurred_at,
                "received_at": self.received_at,
                "actor": actor,
                "district": self.projector.district_of(event),
                "data": JsonText(event.data.model_dump_json(exclude_none=True)),
            }
        )
        self.projector.apply(event, seq, source)
        return seq

    def _emit(self, event: Event) -> int:
        return self._append(SYSTEM_SOURCE, event, None)


def _take_write_lock(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # The sqlite3 driver would begin a deferred transaction at the first write; taking the
        # write lock first means no other writer can slip in between our reads and writes.
        # (An engine configured to BEGIN by itself already has a transaction: keep it.)
        if not getattr(connection.connection.dbapi_connection, "in_transaction", False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_APPEND_LOCK})


def _logged_pairs(connection: Connection, items: Sequence[Incoming]) -> set[tuple[str, str]]:
    """The (source, event id) pairs of `items` that are already in the log."""
    wanted = {(item.source, item.event.id) for item in items}
    ids = sorted({event_id for _, event_id in wanted})
    sources = sorted({source for source, _ in wanted})
    found: set[tuple[str, str]] = set()
    for start in range(0, len(ids), _CHUNK):
        query = select(_LOG.c.source, _LOG.c.event_id).where(
            _LOG.c.event_id.in_(ids[start : start + _CHUNK]), _LOG.c.source.in_(sources)
        )
        found.update((source, event_id) for source, event_id in connection.execute(query))
    return found & wanted


def last_seq(engine: Engine) -> int:
    """The newest sequence number in the log (0 when it is empty)."""
    with engine.connect() as connection:
        return int(connection.scalar(select(func.coalesce(func.max(_LOG.c.seq), 0))) or 0)


def events_since(
    engine: Engine,
    after_seq: int,
    *,
    district: str | None = None,
    limit: int = 1000,
    exclude_types: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Logged events after `after_seq`, oldest first, at most `limit`; optionally one district,
    and without the `exclude_types`."""
    query = select(
        _LOG.c.seq,
        _LOG.c.source,
        _LOG.c.event_id,
        _LOG.c.type,
        _LOG.c.occurred_at,
        _LOG.c.district,
        _LOG.c.data,
    ).where(_LOG.c.seq > after_seq)
    if district is not None:
        query = query.where(_LOG.c.district == district)
    if exclude_types:
        query = query.where(_LOG.c.type.not_in(sorted(exclude_types)))
    query = query.order_by(_LOG.c.seq).limit(limit)
    with engine.connect() as connection:
        return [
            {
                "seq": seq,
                "source": source,
                "id": event_id,
                "type": kind,
                "occurred_at": occurred_at.isoformat(),
                "district": where,
                "data": data,
            }
            for seq, source, event_id, kind, occurred_at, where, data in connection.execute(query)
        ]
