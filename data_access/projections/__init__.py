"""Projections: the current state derived from the event log, applied in the log's transaction.

`Projector` is used by `data_access.eventlog.append_events` only: it preloads, per batch, every
row the batch's events refer to (a few IN queries per table), checks references, derives each
event's district, applies the events in order in memory and writes the changed rows back with
executemany. One module per area, each exporting one `PROJECTION` record (projection.py) that
owns its event types:

- `registry`: `*.registered` events upsert registry rows and keep the registry themes' area
  counts (districts and grid cells; docs/one-map.md, "Registry themes");
- `cylinders`: cylinder states, delivery safety checks and the cylinder findings, and the
  daily tallies of sales, deliveries and checks the rankings read (`tallies`, written with the
  batch);
- `detentions`: online detention (在线扣瓶): detentions, recalls, escalations, release or scrap;
- `operations`: inspections (and the hazards their failed items create), hazards and their
  history, complaints;
- `incidents`: incidents, their timeline, dispatched teams and notifications; team states;
- `alarms`: sensor thresholds, system alarm events, alarm states;
- `excavations`: excavation permits and the dig-near-a-pipeline-without-agreement finding;
- `violations`: the 12-point system, points per subject and year;
- `findings`: raising the supervisors' findings and resolving them automatically;
- `accounts`: user accounts and ingest tokens (the administration events);
- `scoring`: the versions of the scoring weights and thresholds (scoring.changed);
- `tasks`: checklists and the inspection tasks issued downward;
- `permits`: what a source bound to one enterprise may act on (not_permitted);
- `projection`: the record each area exports, and what a batch wants read first;
- `batch`: the per-batch working set, the open findings it may resolve and the area counts
  (area_type "district", and "grid" for grid cells).

To add an event type (after adding it to the catalogue, dashboard.domain.events): give its
apply function to the `PROJECTION` of the module of its area (a new area: a new module with its
own `PROJECTION`, listed in `PROJECTIONS` below), and have that record's `wants`, `check` and
`district` handle it. Nothing else changes: the index below finds the projection of every type,
and refuses to import when a type of the catalogue has no projection or two.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from dashboard.domain.events import LOGGED_EVENT_TYPES, Event, Rejection
from data_access.projections import (
    accounts,
    alarms,
    cylinders,
    detentions,
    excavations,
    incidents,
    operations,
    permits,
    registry,
    scoring,
    tasks,
    violations,
)
from data_access.projections.batch import CACHED_TABLES, Batch
from data_access.projections.projection import Projection, Wanted

__all__ = ["AREA_METRICS", "BY_TYPE", "FIELD_LIMITS", "PROJECTIONS", "Projector"]

# The area_counts metrics the event log keeps up to date (incrementally, per district).
AREA_METRICS = (
    "hazards_open",
    "incidents_open",
    "alarms_active",
    "black_cylinders",
    "findings_open",
    "complaints_open",
)

# In this order the projections' second rounds of reads run (`Projection.load`).
PROJECTIONS: tuple[Projection, ...] = (
    registry.PROJECTION,
    cylinders.PROJECTION,
    detentions.PROJECTION,
    operations.PROJECTION,
    incidents.PROJECTION,
    alarms.PROJECTION,
    excavations.PROJECTION,
    violations.PROJECTION,
    accounts.PROJECTION,
    scoring.PROJECTION,
    tasks.PROJECTION,
)


def _by_type(projections: Sequence[Projection]) -> dict[str, Projection]:
    """Each event type's projection; every type the log holds (the catalogue's and the
    administration's) has exactly one."""
    index: dict[str, Projection] = {}
    for projection in projections:
        for kind in projection.types:
            if kind in index:
                raise RuntimeError(f"event type {kind!r} has two projections")
            index[kind] = projection
    if index.keys() != LOGGED_EVENT_TYPES.keys():
        missing = LOGGED_EVENT_TYPES.keys() - index.keys()
        unknown = index.keys() - LOGGED_EVENT_TYPES.keys()
        raise RuntimeError(
            f"event types without a projection: {sorted(missing)}; "
            f"projections of types not in the catalogue: {sorted(unknown)}"
        )
    return index


BY_TYPE = _by_type(PROJECTIONS)

# Data fields stored in columns narrower than the wire allows: longer values are rejected, so that
# one event can never fail the whole batch's transaction on PostgreSQL.
FIELD_LIMITS = {
    "code": 64,
    "site_id": 64,
    "worker_id": 64,
    "customer_id": 64,
    "enterprise_id": 64,
    "sensor_id": 64,
    "team_id": 64,
    "segment_id": 64,
    "resource_id": 64,
    "owner_id": 64,
    "subject_id": 64,
    "inspector_id": 64,
    "actor": 64,
    "by": 64,
    "licence_no": 64,
    "certificate_no": 64,
    "category": 64,
    "material": 32,
    "kind": 24,
    "target_type": 16,
    "district": 12,
    "address": 300,
}


@functools.cache
def _limits(event_type: str) -> tuple[tuple[str, int], ...]:
    fields = LOGGED_EVENT_TYPES[event_type].model_fields
    return tuple((name, limit) for name, limit in FIELD_LIMITS.items() if name in fields)


class Projector:
    """The projections of one batch, bound to the batch's connection and transaction."""

    def __init__(self, connection: Connection, events: Sequence[Event]) -> None:
        self.batch = b = Batch(connection)
        self.events = events
        self._owners_loaded = False  # permits.preload, once a bound source's event is checked
        wanted = Wanted()
        for event in events:
            BY_TYPE[event.type].wants(event, wanted)
        for name, _ in CACHED_TABLES:  # sites before sensors, teams before team states, ...
            b[name].load(connection, wanted.keys[name])
        for projection in PROJECTIONS:
            if projection.load is not None:
                projection.load(b, wanted)
        if wanted.subjects:
            b.open_findings.load(connection, wanted.subjects)

    def set_emitter(self, emit: Callable[[Event], int]) -> None:
        """How projections append system events (alarm.raised, ...) to the log."""
        self.batch.emit = emit

    def check(
        self, event: Event, enterprise: str | None = None, source: str | None = None
    ) -> Rejection | None:
        """A rejection when the event names an object nobody knows (unknown_reference), or,
        from a source bound to `enterprise`, acts on another's object (not_permitted), or is a
        duty officer's dispatch of a team that is no longer free (not_permitted)."""
        rejection = self._check_references(event, source)
        if rejection is not None or enterprise is None:
            return rejection
        if not self._owners_loaded:
            permits.preload(self.batch, self.events)
            self._owners_loaded = True
        return permits.check(self.batch, event, enterprise)

    def _check_references(self, event: Event, source: str | None) -> Rejection | None:
        fields = event.data.__dict__
        for name, limit in _limits(event.type):
            value = fields.get(name)
            if isinstance(value, str) and len(value) > limit:
                message = f"data.{name} is too long: {len(value)} characters, at most {limit}"
                return Rejection("invalid_field", f"data.{name}", message, event.id)
        return BY_TYPE[event.type].check(self.batch, event, source)

    def district_of(self, event: Event) -> str | None:
        """The district an event belongs to, for scoped replay (None when it has none)."""
        return BY_TYPE[event.type].district(self.batch, event)

    def apply(self, event: Event, seq: int, source: str) -> None:
        BY_TYPE[event.type].apply[event.type](self.batch, event, seq, source)

    def flush(self) -> None:
        self.batch.flush()
