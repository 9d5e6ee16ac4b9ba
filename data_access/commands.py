"""Duty-officer actions: each one an event appended through the single write path.

Every action is an event from the source "user:<name>" with the acting user as its actor, so the
event log is the audit trail. Each returns the append's `Outcome`: Accepted, or a `Rejection`
that says which field is wrong and why (callers show it to the user as it is)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from dashboard.domain.dispatch import FREE
from dashboard.domain.events import (
    AlarmAcknowledged,
    Event,
    EventData,
    IncidentClosed,
    IncidentDispatched,
    IncidentNotified,
    IncidentReported,
    IncidentUpdate,
    Rejection,
    TeamStatus,
)
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.incidents import is_open
from data_access.eventlog import Incoming, Outcome, append_events
from data_access.models import Alarm, Incident, Sensor, TeamState

__all__ = [
    "acknowledge_alarm",
    "close_incident",
    "dispatch_teams",
    "escalate_alarm",
    "post_incident_update",
    "record_notification",
    "report_incident",
    "report_team_status",
    "user_source",
]


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


# --- incidents ------------------------------------------------------------------------------


def _append(engine: Engine, user: str, *data: EventData, prefix: str) -> Outcome:
    """Append one action (possibly several events); the outcome of the first is the answer."""
    now = datetime.now(UTC)
    events = [Event.of(item, id=f"{prefix}-{uuid.uuid4().hex}", occurred_at=now) for item in data]
    outcomes = append_events(engine, [Incoming(user_source(user), e, actor=user) for e in events])
    return outcomes[0]


def new_incident_id(now: datetime | None = None) -> str:
    """Ids of incidents opened at the desk: readable, and unique without asking the database."""
    when = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"desk-{when}-{uuid.uuid4().hex[:6]}"


def report_incident(engine: Engine, draft: IncidentDraft, user: str) -> tuple[str, Outcome]:
    """Open an incident by hand (a validated draft); returns its id and the outcome."""
    incident_id = new_incident_id()
    data = IncidentReported(incident_id=incident_id, **draft.as_event_fields())
    return incident_id, _append(engine, user, data, prefix="report")


def escalate_alarm(
    engine: Engine, alarm_id: str, user: str, kind: str | None = None, severity: int | None = None
) -> tuple[str | None, Outcome]:
    """Open an incident at a sensor alarm's place (channel "sensor"). By default gas in the air
    is a leak and a pipe's pressure or flow out of band is damage to the network, until someone
    on site says otherwise; a critical alarm opens a level-3 incident, a warning a level 2."""
    alarms = Alarm.__table__
    with engine.connect() as connection:
        alarm = connection.execute(select(alarms).where(alarms.c.id == alarm_id)).first()
        sensor = None
        if alarm is not None and alarm.sensor_id is not None:
            sensor = connection.execute(
                select(Sensor.id, Sensor.kind).where(Sensor.id == alarm.sensor_id)
            ).first()
    if alarm is None:
        return None, Rejection("unknown_reference", "alarm_id", f"alarm {alarm_id!r} is not known")
    where = f"sensor {sensor.id} ({sensor.kind})" if sensor is not None else f"alarm {alarm.id}"
    description = f"escalated from alarm {alarm.id} ({alarm.kind}, {alarm.level})"
    if alarm.value is not None:
        description += f", reading {alarm.value:g}"
    incident_id = new_incident_id()
    data = IncidentReported(
        incident_id=incident_id,
        kind=kind or ("leak" if alarm.kind.startswith("methane") else "pipeline_damage"),
        channel="sensor",
        lat=alarm.lat,
        lon=alarm.lon,
        address=where,
        severity=severity or (3 if alarm.level == "critical" else 2),
        description=description,
    )
    return incident_id, _append(engine, user, data, prefix="escalate")


def dispatch_teams(
    engine: Engine, incident_id: str, team_ids: Sequence[str], user: str, eta_minutes: float
) -> Outcome:
    """Send teams; refused (not_permitted) when one of them is no longer free, so of two
    officers sending the same team at the same moment one succeeds and one is told why not."""
    if not team_ids:
        return Rejection("missing_field", "team_ids", "choose at least one team")
    data = IncidentDispatched(
        incident_id=incident_id,
        team_ids=list(team_ids),
        by=user,
        eta_minutes=round(max(eta_minutes, 0.0), 1),
    )
    return _append(engine, user, data, prefix="dispatch")


def report_team_status(
    engine: Engine, team_id: str, status: str, incident_id: str | None, user: str
) -> Outcome:
    """A team's status as radioed to the desk (en route, on scene, returning ...)."""
    data = TeamStatus(team_id=team_id, status=status, incident_id=incident_id)
    return _append(engine, user, data, prefix="team")


def post_incident_update(
    engine: Engine,
    incident_id: str,
    user: str,
    text: str,
    status: str | None = None,
    photos: Sequence[str] | None = None,
) -> Outcome:
    """An update from the desk for the incident's timeline, optionally moving its status on."""
    if not text.strip():
        return Rejection("missing_field", "text", "write what happened")
    data = IncidentUpdate(
        incident_id=incident_id,
        author=user,
        text=text.strip(),
        status=status,
        photos=list(photos) if photos else None,
    )
    return _append(engine, user, data, prefix="update")


def close_incident(
    engine: Engine, incident_id: str, user: str, summary: str, casualties: int | None = None
) -> Outcome:
    """Close with a summary (required); the teams still on the incident head back."""
    if not summary.strip():
        return Rejection("missing_field", "summary", "closing needs a summary")
    if casualties is not None and casualties < 0:
        return Rejection("out_of_range", "casualties", "casualties cannot be negative")
    with engine.connect() as connection:
        status = connection.scalar(select(Incident.status).where(Incident.id == incident_id))
        on_it = connection.scalars(
            select(TeamState.team_id).where(
                TeamState.incident_id == incident_id, TeamState.status.not_in(FREE)
            )
        ).all()
    if status is None:
        message = f"incident {incident_id!r} is not known"
        return Rejection("unknown_reference", "incident_id", message)
    if not is_open(status):
        return Rejection("not_permitted", "incident_id", f"incident {incident_id!r} is closed")
    closed = IncidentClosed(
        incident_id=incident_id, by=user, summary=summary.strip(), casualties=casualties
    )
    back = [TeamStatus(team_id=t, status="returning", incident_id=incident_id) for t in on_it]
    return _append(engine, user, closed, *back, prefix="close")


def record_notification(
    engine: Engine,
    incident_id: str,
    levels: Sequence[str],
    recipients: Sequence[str],
    channel: str,
    user: str,
    *,
    delivered: bool,
    attempts: int,
    error: str | None = None,
) -> Outcome:
    """What became of one notification (see dashboard/notifier.py): failures are kept too."""
    data = IncidentNotified(
        incident_id=incident_id,
        levels=list(levels),
        recipients=[r[:200] for r in recipients],
        channel=channel[:200],
        outcome="delivered" if delivered else "failed",
        attempts=max(1, min(attempts, 100)),
        error=error[:4000] if error else None,
    )
    return _append(engine, user, data, prefix="notify")
