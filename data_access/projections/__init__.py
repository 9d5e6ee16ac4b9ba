"""Projections: the current state derived from the event log, applied in the log's transaction.

`Projector` is used by `data_access.eventlog.append_events` only: it preloads, per batch, every
row the batch's events refer to (a few IN queries per table), checks references, derives each
event's district, applies the events in order in memory and writes the changed rows back with
executemany. One module per area:

- `registry`: `*.registered` events upsert registry rows;
- `cylinders`: cylinder states, detention, delivery safety checks and the cylinder findings;
- `operations`: inspections (and the hazards their failed items create), hazards and their
  history, complaints;
- `incidents`: incidents, their timeline, dispatched teams and notifications; team states;
- `alarms`: sensor thresholds, system alarm events, alarm states;
- `excavations`: excavation permits and the dig-near-a-pipeline-without-agreement finding;
- `violations`: the 12-point system, points per subject and year;
- `findings`: raising the supervisors' findings and resolving them automatically;
- `permits`: what a source bound to one enterprise may act on (not_permitted);
- `batch`: the per-batch working set and the area counts (area_type "district").
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from dashboard.domain.events import EVENT_TYPES, Event, Rejection
from data_access.projections import (
    alarms,
    cylinders,
    excavations,
    incidents,
    operations,
    permits,
    registry,
    violations,
)
from data_access.projections.batch import CACHED_TABLES, Batch

__all__ = ["AREA_METRICS", "Projector"]

# The area_counts metrics the event log keeps up to date (incrementally, per district).
AREA_METRICS = (
    "hazards_open",
    "incidents_open",
    "alarms_active",
    "black_cylinders",
    "findings_open",
    "complaints_open",
)

Apply = Callable[[Batch, Event, int, str], None]


def _ignore_source(handler: Callable[[Batch, Event, int], None]) -> Apply:
    return lambda b, event, seq, source: handler(b, event, seq)


_APPLY: dict[str, Apply] = {
    **{kind: _ignore_source(registry.apply) for kind in registry.REGISTRY},
    "cylinder.scanned": _ignore_source(cylinders.apply_scan),
    "delivery.safety_checked": _ignore_source(cylinders.apply_safety_check),
    "cylinder.detained": _ignore_source(cylinders.apply_detention),
    "cylinder.released": _ignore_source(cylinders.apply_detention),
    "inspection.completed": _ignore_source(operations.apply_inspection),
    "hazard.reported": operations.apply_hazard_reported,
    "hazard.updated": _ignore_source(operations.apply_hazard_updated),
    "hazard.escalated": _ignore_source(operations.apply_hazard_escalated),
    **{
        kind: incidents.apply_incident
        for kind in (
            "incident.reported",
            "incident.dispatched",
            "incident.notified",
            "incident.notify_requested",
            "incident.update",
            "incident.closed",
        )
    },
    "team.position": incidents.apply_team,
    "team.status": incidents.apply_team,
    "complaint.received": _ignore_source(operations.apply_complaint),
    "complaint.updated": _ignore_source(operations.apply_complaint),
    "sensor.reading": _ignore_source(alarms.apply_reading),
    "alarm.raised": _ignore_source(alarms.apply_alarm),
    "alarm.acknowledged": _ignore_source(alarms.apply_alarm),
    "alarm.cleared": _ignore_source(alarms.apply_alarm),
    "excavation.registered": _ignore_source(excavations.apply),
    "violation.recorded": _ignore_source(violations.apply),
}
# Every type of the catalogue has a projection (tests/unit/test_projection_rules.py checks it).

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
    fields = EVENT_TYPES[event_type].model_fields
    return tuple((name, limit) for name, limit in FIELD_LIMITS.items() if name in fields)


_CYLINDER_TYPES = frozenset(
    {"cylinder.scanned", "cylinder.detained", "cylinder.released", "delivery.safety_checked"}
)


@dataclass
class _Wanted:
    """What a batch's events need read before the first of them is applied."""

    keys: dict[str, set[Any]] = field(
        default_factory=lambda: {name: set() for name, _ in CACHED_TABLES}
    )
    sensors: set[str] = field(default_factory=set)  # their active alarms
    delivered: set[str] = field(default_factory=set)  # codes delivered: who holds them now
    digs: list[Any] = field(default_factory=list)  # pipeline segments near them
    violated: list[Event] = field(default_factory=list)  # their subjects' enterprises
    subjects: set[str] = field(default_factory=set)  # whose open findings may be resolved

    def add(self, event: Event) -> None:
        data: Any = event.data
        if event.type in registry.REGISTRY:
            registry.preload_keys(event, self.keys)
            if event.type == "cylinder.registered":
                self.subjects.add(data.code)
        elif event.type in _CYLINDER_TYPES:
            cylinders.preload_keys(event, self.keys)
            if getattr(data, "stage", None) == "delivery":
                self.delivered.add(data.code)
            if (code := cylinders.finding_subject(event)) is not None:
                self.subjects.add(code)
        elif event.type == "excavation.registered":
            excavations.preload_keys(event, self.keys)
            self.digs.append(data)
            self.subjects.add(data.permit_id)
        elif event.type == "violation.recorded":
            violations.preload_keys(event, self.keys)
            self.violated.append(event)
        else:
            operations.preload_keys(event, self.keys)
        if event.type in ("sensor.reading", "alarm.raised") and data.sensor_id is not None:
            self.sensors.add(data.sensor_id)
            self.keys["sensors"].add(data.sensor_id)


class Projector:
    """The projections of one batch, bound to the batch's connection and transaction."""

    def __init__(self, connection: Connection, events: Sequence[Event]) -> None:
        self.batch = b = Batch(connection)
        self.events = events
        self._owners_loaded = False  # permits.preload, once a bound source's event is checked
        wanted = _Wanted()
        for event in events:
            wanted.add(event)
        for name, _ in CACHED_TABLES:  # sites before sensors, teams before team states, ...
            b[name].load(connection, wanted.keys[name])
        if wanted.keys["cylinder_states"]:
            cylinders.preload_more(b, wanted.delivered)
        if wanted.sensors:
            alarms.preload_sensors(b, wanted.sensors)
        if wanted.digs:
            excavations.preload_segments(b, wanted.digs)
        if wanted.violated:
            violations.preload_more(b, wanted.violated)
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
        if event.type in registry.REGISTRY:
            return registry.check(self.batch, event)
        if event.type in _CYLINDER_TYPES:
            return cylinders.check(self.batch, event)
        if event.type == "excavation.registered":
            return excavations.check(self.batch, event)
        if event.type == "violation.recorded":
            return violations.check(self.batch, event)
        return operations.check(self.batch, event, source)

    def district_of(self, event: Event) -> str | None:
        """The district an event belongs to, for scoped replay (None when it has none)."""
        b = self.batch
        if event.type in registry.REGISTRY:
            return registry.district(b, event)
        if event.type in _CYLINDER_TYPES:
            return cylinders.district(b, event)
        if event.type == "sensor.reading":
            return alarms.sensor_district(b, event)
        if event.type.startswith("alarm."):
            return alarms.alarm_district(b, event)
        if event.type == "excavation.registered":
            return excavations.district(b, event)
        if event.type == "violation.recorded":
            return violations.district(b, event)
        return operations.district(b, event)

    def apply(self, event: Event, seq: int, source: str) -> None:
        handler = _APPLY.get(event.type)
        if handler is not None:
            handler(self.batch, event, seq, source)

    def flush(self) -> None:
        self.batch.flush()
