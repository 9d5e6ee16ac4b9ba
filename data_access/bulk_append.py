"""The one write path in bulk: history written in large batches (simulators/backfill.py).

Each batch is one `append_events` call, so one transaction holding the log's single-writer lock:
its events are checked by the projections (references, enterprise bindings, duplicates) and
applied exactly as the gateway's are, with the same outcomes. What differs from the gateway is
only the size of the batches (thousands of events instead of a frame's worth) and the time of
receipt: history is recorded as received when its batch's newest event happened, so nothing
looks received before it occurred.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select

from dashboard.domain.events import Rejection
from data_access.eventlog import Accepted, Duplicate, Incoming, append_events
from data_access.models import EventRecord, table_of

__all__ = ["BulkTally", "append_batches", "history_between", "logged_with_prefix"]

_LOG = table_of(EventRecord)


@dataclass
class BulkTally:
    """What became of the events of a bulk append."""

    accepted: int = 0
    duplicate: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # by rejection code
    samples: dict[str, str] = field(default_factory=dict)  # a message per code
    batches: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.duplicate + sum(self.rejected.values())

    def count(self, outcome: Accepted | Duplicate | Rejection) -> None:
        if isinstance(outcome, Accepted):
            self.accepted += 1
        elif isinstance(outcome, Duplicate):
            self.duplicate += 1
        else:
            self.rejected[outcome.code] += 1
            self.samples.setdefault(outcome.code, f"{outcome.event_id}: {outcome.message}")


def append_batches(
    engine: Engine,
    batches: Iterable[Sequence[Incoming]],
    *,
    on_batch: Callable[[Sequence[Incoming], BulkTally], None] | None = None,
) -> BulkTally:
    """Append each batch in one transaction, in order; `on_batch(batch, tally)` after each
    commit (progress). A database failure raises; the batches committed before it stay."""
    tally = BulkTally()
    for batch in batches:
        if not batch:
            continue
        newest = max(item.event.occurred_at for item in batch)
        for outcome in append_events(engine, batch, received_at=newest):
            tally.count(outcome)
        tally.batches += 1
        if on_batch is not None:
            on_batch(batch, tally)
    return tally


def history_between(engine: Engine, types: Collection[str], start: datetime, end: datetime) -> int:
    """How many logged events of `types` happened in [start, end)."""
    query = (
        select(func.count())
        .select_from(_LOG)
        .where(
            _LOG.c.type.in_(sorted(types)), _LOG.c.occurred_at >= start, _LOG.c.occurred_at < end
        )
    )
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def logged_with_prefix(engine: Engine, prefix: str) -> bool:
    """Whether the log holds an event whose id starts with `prefix` (letters, digits, "-")."""
    query = select(_LOG.c.seq).where(_LOG.c.event_id.startswith(prefix, autoescape=True))
    with engine.connect() as connection:
        return connection.scalar(query.limit(1)) is not None
