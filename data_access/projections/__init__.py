"""Projections: the current state derived from the event log, applied in the log's transaction.

`Projector` is used by `data_access.eventlog.append_events` only: it preloads, per batch, every
row the batch's events refer to (a few IN queries per table), checks references, derives each
event's district, applies the events in order in memory and writes the changed rows back with
executemany. One module per area:

- `registry`: `*.registered` events upsert registry rows;
- `cylinders`: cylinder states, detention and the supervisors' findings;
- `operations`: inspections, hazards and their history, incidents, team states, complaints;
- `alarms`: sensor thresholds, system alarm events, alarm states;
- `batch`: the per-batch working set and the area counts (area_type "district").
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from dashboard.domain.events import EVENT_TYPES, Event, Rejection
from data_access.projections import alarms, cylinders, operations, registry
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
    "cylinder.detained": _ignore_source(cylinders.apply_detention),
    "cylinder.released": _ignore_source(cylinders.apply_detention),
    "inspection.completed": _ignore_source(operations.apply_inspection),
    "hazard.reported": operations.apply_hazard_reported,
    "hazard.updated": _ignore_source(operations.apply_hazard_updated),
    "hazard.escalated": _ignore_source(operations.apply_hazard_escalated),
    **{
        kind: _ignore_source(operations.apply_incident)
        for kind in (
            "incident.reported",
            "incident.dispatched",
            "incident.notified",
            "incident.update",
            "incident.closed",
        )
    },
    "team.position": _ignore_source(operations.apply_team),
    "team.status": _ignore_source(operations.apply_team),
    "complaint.received": _ignore_source(operations.apply_complaint),
    "complaint.updated": _ignore_source(operations.apply_complaint),
    "sensor.reading": _ignore_source(alarms.apply_reading),
    "alarm.raised": _ignore_source(alarms.apply_alarm),
    "alarm.acknowledged": _ignore_source(alarms.apply_alarm),
    "alarm.cleared": _ignore_source(alarms.apply_alarm),
}
# Logged only, no projection yet: delivery.safety_checked, excavation.registered,
# violation.recorded.

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


_CYLINDER_TYPES = frozenset({"cylinder.scanned", "cylinder.detained", "cylinder.released"})


class Projector:
    """The projections of one batch, bound to the batch's connection and transaction."""

    def __init__(self, connection: Connection, events: Sequence[Event]) -> None:
        self.batch = Batch(connection)
        keys: dict[str, set[Any]] = {name: set() for name, _ in CACHED_TABLES}
        sensors: set[str] = set()
        delivered: set[str] = set()
        for event in events:
            if event.type in registry.REGISTRY:
                registry.preload_keys(event, keys)
            elif event.type in _CYLINDER_TYPES:
                cylinders.preload_keys(event, keys)
                if getattr(event.data, "stage", None) == "delivery":
                    delivered.add(event.data.code)  # type: ignore[attr-defined]
            else:
                operations.preload_keys(event, keys)
            if event.type in ("sensor.reading", "alarm.raised"):
                sensor_id = event.data.sensor_id  # type: ignore[attr-defined]
                if sensor_id is not None:
                    sensors.add(sensor_id)
                    keys["sensors"].add(sensor_id)
        for name, _ in CACHED_TABLES:  # sites before sensors, teams before team states, ...
            self.batch[name].load(connection, keys[name])
        if keys["cylinder_states"]:
            cylinders.preload_more(self.batch, delivered)
        if sensors:
            alarms.preload_sensors(self.batch, sensors)

    def set_emitter(self, emit: Callable[[Event], int]) -> None:
        """How projections append system events (alarm.raised, ...) to the log."""
        self.batch.emit = emit

    def check(self, event: Event) -> Rejection | None:
        """An unknown_reference rejection when the event names an object nobody knows."""
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
        return operations.check(self.batch, event)

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
        if event.type == "delivery.safety_checked":
            customer = b["customers"].get(event.data.customer_id)  # type: ignore[attr-defined]
            return customer["district"] if customer else None
        if event.type == "violation.recorded":
            return None
        return operations.district(b, event)

    def apply(self, event: Event, seq: int, source: str) -> None:
        handler = _APPLY.get(event.type)
        if handler is not None:
            handler(self.batch, event, seq, source)

    def flush(self) -> None:
        self.batch.flush()
