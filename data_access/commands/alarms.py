"""The desk's actions on sensor alarms: acknowledge one, or escalate it to an incident."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Row, select

from dashboard.domain.events import AlarmAcknowledged, IncidentReported
from dashboard.domain.policy import Action, Place, Refused, unknown
from dashboard.domain.roles import User
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.commands.incidents import new_incident_id
from data_access.models import Alarm, Sensor

__all__ = ["acknowledge_alarm", "escalate_alarm"]


def acknowledge_alarm(engine: Engine, user: User, alarm_id: str, note: str | None = None) -> Result:
    """Record that the user saw an active alarm; refuses unknown and cleared alarms."""

    def body(act: Act) -> Done:
        _active_alarm(act, Action.ACKNOWLEDGE_ALARM, alarm_id)
        data = AlarmAcknowledged(alarm_id=alarm_id, by=act.user.username, note=note)
        return Done(alarm_id, act.append(data, prefix=f"ack-{alarm_id}"))

    return run(engine, user, body)


def escalate_alarm(
    engine: Engine,
    user: User,
    alarm_id: str,
    kind: str | None = None,
    severity: int | None = None,
) -> Result:
    """Open an incident at an active alarm's place (channel "sensor"); `Done.subject` is the new
    incident's id. By default gas in the air is a leak and a pipe's pressure or flow out of band
    is damage to the network, until someone on site says otherwise; a critical alarm opens a
    level-3 incident, a warning a level 2."""

    def body(act: Act) -> Done:
        alarm = _active_alarm(act, Action.ESCALATE_ALARM, alarm_id)
        sensor = None
        if alarm.sensor_id is not None:
            query = select(Sensor.id, Sensor.kind).where(Sensor.id == alarm.sensor_id)
            sensor = act.connection.execute(query).first()
        where = f"sensor {sensor.id} ({sensor.kind})" if sensor is not None else f"alarm {alarm.id}"
        description = f"escalated from alarm {alarm.id} ({alarm.kind}, {alarm.level})"
        if alarm.value is not None:
            description += f", reading {alarm.value:g}"
        incident_id = new_incident_id(act.connection, act.now)
        data = IncidentReported(
            incident_id=incident_id,
            kind=kind or ("leak" if alarm.kind.startswith("methane") else "pipeline_damage"),  # type: ignore[arg-type]
            channel="sensor",
            lat=alarm.lat,
            lon=alarm.lon,
            address=where,
            severity=severity or (3 if alarm.level == "critical" else 2),
            description=description,
        )
        return Done(incident_id, act.append(data))

    return run(engine, user, body)


def _active_alarm(act: Act, action: Action, alarm_id: str) -> Row[Any]:
    """The alarm, if the user may take `action` on it and it is not cleared."""
    act.require(action)
    alarms = Alarm.__table__
    alarm = act.connection.execute(select(alarms).where(alarms.c.id == alarm_id)).first()
    if alarm is None:
        raise Refusal(unknown("alarm", alarm_id, "alarm_id"))
    act.require(action, Place("alarm", alarm_id, alarm.district))
    if alarm.status == "cleared":
        message = f"alarm {alarm_id!r} is already cleared"
        raise Refusal(Refused("alarm_cleared", message, field="alarm_id", params={"id": alarm_id}))
    return alarm
