"""The record each projection module exports (`Projection`), and what a batch wants read first.

The `Projector` (data_access/projections/__init__.py) finds an event's projection by its type and
calls the record's functions: `wants` for every event of the batch before any is applied, then
`load` once per batch, `check` and `district` for every event before it is logged, and `apply`
in log order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.domain.events import Event, Rejection
from data_access.projections.batch import CACHED_TABLES, Batch

# (batch, event, seq, source): change the projected state; the event is in the log as `seq`.
Apply = Callable[[Batch, Event, int, str], None]
# event type -> ((data field, cached table), ...) that must name a known row when set
References = Mapping[str, tuple[tuple[str, str], ...]]


@dataclass
class Wanted:
    """What a batch's events need read before the first of them is applied."""

    # cached table -> primary keys, read in CACHED_TABLES order (the first round)
    keys: dict[str, set[Any]] = field(
        default_factory=lambda: {name: set() for name, _ in CACHED_TABLES}
    )
    # subjects whose open findings the events may resolve (read last)
    subjects: set[str] = field(default_factory=set)
    # what a projection's own `load` needs (the second round), under a name the projection
    # chooses: "digs", "delivered", ...
    more: defaultdict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True, slots=True)
class Projection:
    """The event types of one area and what the Projector does with each of their events."""

    # event type -> its apply function; the keys are the types this projection owns
    apply: Mapping[str, Apply]
    # (event, wanted): add what the event will need read to `wanted`
    wants: Callable[[Event, Wanted], None]
    # (batch, event, source): why the event may not be applied (it names what nobody knows, ...),
    # else None; run after the field length limits and before the permits (permits.py)
    check: Callable[[Batch, Event, str | None], Rejection | None]
    # (batch, event): the event's district, for scoped replay (None when it has none)
    district: Callable[[Batch, Event], str | None]
    # (batch, wanted): a second round of reads after the first (rows the first round's rows
    # point to, ...); called once per batch whatever its events
    load: Callable[[Batch, Wanted], None] | None = None

    @property
    def types(self) -> frozenset[str]:
        return frozenset(self.apply)


def want_references(event: Event, wanted: Wanted, references: References) -> None:
    """Add to `wanted` the rows the event names, per `references`."""
    data = event.data
    for field_name, table in references.get(event.type, ()):
        wanted.keys[table].add(getattr(data, field_name))


def check_references(b: Batch, event: Event, references: References) -> Rejection | None:
    """unknown_reference for the first row the event names (per `references`) that is unknown."""
    data = event.data
    for field_name, table in references.get(event.type, ()):
        key = getattr(data, field_name)
        if key is not None and b[table].get(key) is None:
            noun = field_name.removesuffix("_id")
            message = f"{noun} {key!r} is not known"
            return Rejection("unknown_reference", f"data.{field_name}", message, event.id)
    return None
