"""Whether the demo's simulators are on the air: an event from a source (no acting user) logged
after a given point of the log. `python -m dashboard demo` waits for it before saying "ready"."""

from __future__ import annotations

from sqlalchemy import Engine, select

from data_access.models import EventRecord


def sources_heard_since(engine: Engine, seq: int) -> bool:
    """Whether an ingest source's event (it has no actor) came in after `seq`."""
    query = select(EventRecord.seq).where(EventRecord.seq > seq, EventRecord.actor.is_(None))
    with engine.connect() as connection:
        return connection.scalar(query.limit(1)) is not None
