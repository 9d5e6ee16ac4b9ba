"""Duty-officer actions: each one an event appended through the single write path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from dashboard.domain.events import AlarmAcknowledged, Event, Rejection
from data_access.eventlog import Incoming, Outcome, append_events
from data_access.models import Alarm

__all__ = ["acknowledge_alarm", "user_source"]


def user_source(user: str) -> str:
    """The event-log source of a user's actions."""
    return f"user:{user}"


def acknowledge_alarm(engine: Engine, alarm_id: str, user: str, note: str | None = None) -> Outcome:
    """Record that `user` acknowledged an alarm; refuses unknown and cleared alarms."""
    ack_id = f"ack-{alarm_id}-{uuid.uuid4().hex[:12]}"
    if len(ack_id) > 128:  # the longest id an event may have
        ack_id = f"ack-{uuid.uuid4().hex}"
    with engine.connect() as connection:
        status = connection.scalar(select(Alarm.status).where(Alarm.id == alarm_id))
    if status is None:
        message = f"alarm {alarm_id!r} is not known"
        return Rejection("unknown_reference", "data.alarm_id", message, ack_id)
    if status == "cleared":
        message = f"alarm {alarm_id!r} is already cleared"
        return Rejection("not_permitted", "data.alarm_id", message, ack_id)
    data = AlarmAcknowledged(alarm_id=alarm_id, by=user, note=note)
    event = Event.of(data, id=ack_id, occurred_at=datetime.now(UTC))
    [outcome] = append_events(engine, [Incoming(user_source(user), event, actor=user)])
    return outcome
