"""Sensor readings against their thresholds, and the alarms they raise and clear.

A reading outside the sensor's [low, high] band while no alarm is active for the sensor appends a
system `alarm.raised` (source "system", id f"alarm-{sensor_id}-{seq}") right after the reading, in
the same transaction; a reading back inside the band clears the active alarm with a system
`alarm.cleared`. Both are projected like any other event.
"""

from __future__ import annotations

from typing import Any, Literal

from dashboard.domain.events import AlarmCleared, AlarmRaised, Event, Rejection
from data_access.projections.batch import Batch
from data_access.projections.projection import (
    Projection,
    References,
    Wanted,
    check_references,
    want_references,
)

CRITICAL_BEYOND = 0.2  # more than 20 % of the band (or of the bound) outside it: critical

AlarmLevel = Literal["warning", "critical"]
ACTIVE = ("raised", "acknowledged")
_REFERENCES: References = {  # rows an event names, which must be known
    "sensor.reading": (("sensor_id", "sensors"),),
    "alarm.acknowledged": (("alarm_id", "alarms"),),
    "alarm.cleared": (("alarm_id", "alarms"),),
}


def wants(event: Event, wanted: Wanted) -> None:
    data: Any = event.data
    want_references(event, wanted, _REFERENCES)
    if event.type == "alarm.raised":
        wanted.keys["alarms"].add(data.alarm_id)
    if event.type in ("sensor.reading", "alarm.raised") and data.sensor_id is not None:
        wanted.more["sensors"].append(data.sensor_id)  # their active alarms
        wanted.keys["sensors"].add(data.sensor_id)


def load(b: Batch, wanted: Wanted) -> None:
    """Second round: the active alarms of the sensors the batch's readings and alarms name."""
    if wanted.more["sensors"]:
        b.load_active_alarms(wanted.more["sensors"])


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    return check_references(b, event, _REFERENCES)


def district(b: Batch, event: Event) -> str | None:
    if event.type == "sensor.reading":
        return sensor_district(b, event)
    return alarm_district(b, event)


def apply_reading(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    sensor = b["sensors"].get(data.sensor_id)
    if sensor is None:
        return
    low, high, value = sensor["low"], sensor["high"], data.value
    alarm_id = b.active_alarm.get(data.sensor_id)
    outside = (low is not None and value < low) or (high is not None and value > high)
    if outside and alarm_id is None:
        alarm_id = f"alarm-{data.sensor_id}-{seq}"
        raised = AlarmRaised(
            alarm_id=alarm_id,
            sensor_id=data.sensor_id,
            kind=f"{sensor['kind']}_{'high' if high is not None and value > high else 'low'}",
            level=_level(low, high, value),
            value=value,
            lat=sensor["lat"],
            lon=sensor["lon"],
        )
        b.emit(Event.of(raised, id=alarm_id, occurred_at=event.occurred_at))
    elif not outside and alarm_id is not None:
        alarm = b["alarms"].get(alarm_id)
        if alarm is not None and event.occurred_at >= alarm["raised_at"]:
            cleared = AlarmCleared(alarm_id=alarm_id, by="system")
            clear_id = f"{alarm_id}-cleared" if len(alarm_id) <= 120 else f"alarm-cleared-{seq}"
            b.emit(Event.of(cleared, id=clear_id, occurred_at=event.occurred_at))


def _level(low: float | None, high: float | None, value: float) -> AlarmLevel:
    if low is not None and high is not None and high > low:
        scale = high - low
    else:
        bound = high if high is not None and value > high else low
        scale = abs(bound) if bound else 1.0
    beyond = value - high if high is not None and value > high else (low or 0.0) - value
    return "critical" if beyond > CRITICAL_BEYOND * scale else "warning"


def sensor_district(b: Batch, event: Event) -> str | None:
    sensor = b["sensors"].get(event.data.sensor_id)  # type: ignore[attr-defined]
    return sensor["district"] if sensor else None


def alarm_district(b: Batch, event: Event) -> str | None:
    data: Any = event.data
    if event.type == "alarm.raised":
        sensor = b["sensors"].get(data.sensor_id)
        return sensor["district"] if sensor else b.nearest_district(data.lat, data.lon)
    alarm = b["alarms"].get(data.alarm_id)
    return alarm["district"] if alarm else None


def apply_alarm(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    alarms = b["alarms"]
    row = alarms.get(data.alarm_id)
    if event.type == "alarm.raised":
        if row is not None:
            return
        district = alarm_district(b, event)
        row = {
            "id": data.alarm_id,
            "sensor_id": data.sensor_id,
            "kind": data.kind,
            "level": data.level,
            "value": data.value,
            "district": district,
            "lat": data.lat,
            "lon": data.lon,
            "status": "raised",
            "raised_at": event.occurred_at,
            "acknowledged_by": None,
            "cleared_at": None,
        }
        alarms.put(row)
        if data.sensor_id is not None:
            b.active_alarm[data.sensor_id] = data.alarm_id
        b.count(district, "alarms_active", 1)
        return
    if row is None or row["status"] == "cleared":
        return  # an acknowledgement or clearing of a cleared alarm changes nothing
    if event.type == "alarm.acknowledged":
        row["status"] = "acknowledged"
        row["acknowledged_by"] = data.by
    else:
        row["status"] = "cleared"
        row["cleared_at"] = event.occurred_at
        if row["sensor_id"] is not None and b.active_alarm.get(row["sensor_id"]) == row["id"]:
            b.active_alarm[row["sensor_id"]] = None
        b.count(row["district"], "alarms_active", -1)
    alarms.put(row)


PROJECTION = Projection(
    apply={
        "sensor.reading": apply_reading,
        "alarm.raised": apply_alarm,
        "alarm.acknowledged": apply_alarm,
        "alarm.cleared": apply_alarm,
    },
    wants=wants,
    check=check,
    district=district,
    load=load,
)
