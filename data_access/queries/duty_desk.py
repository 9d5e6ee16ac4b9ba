"""What the simulated duty desk (simulators/duty_desk.py) watches: the open incidents in its
scope and how far each has come (teams sent, notification asked for, resolved when).

The desk acts only through data_access.commands; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, exists, func, or_, select

from dashboard.domain.incidents import PROGRESS
from dashboard.domain.roles import Scope
from data_access.models import Incident, IncidentDispatch, IncidentTimelineEntry
from data_access.models import NotificationRequest as Asked
from data_access.queries.rules import incident_open
from data_access.scope import scoped

RESOLVED = PROGRESS[PROGRESS.index("closed") - 1]  # the last step before closing
WATCHED_LIMIT = 500  # the oldest open incidents first; a demo city has a few dozen at most


@dataclass(frozen=True, slots=True)
class DeskIncident:
    """An open incident as the desk decides what to do with it."""

    id: str
    kind: str
    severity: int
    lat: float
    lon: float
    status: str
    reported_at: datetime
    dispatched: bool  # a team was sent (by a desk or by a field system)
    notify_asked: bool  # a notification was asked for (levels are told only on request)
    resolved_at: datetime | None  # when an update first said resolved; None: not resolved


def open_incidents(engine: Engine, scope: Scope) -> list[DeskIncident]:
    """The open incidents in `scope`, oldest report first."""
    sent = exists().where(IncidentDispatch.incident_id == Incident.id)
    asked = exists().where(Asked.incident_id == Incident.id)
    resolved = (
        select(func.min(IncidentTimelineEntry.occurred_at))
        .where(
            IncidentTimelineEntry.incident_id == Incident.id,
            IncidentTimelineEntry.status == RESOLVED,
        )
        .scalar_subquery()
    )
    query = select(
        Incident.id,
        Incident.kind,
        Incident.severity,
        Incident.lat,
        Incident.lon,
        Incident.status,
        Incident.reported_at,
        or_(Incident.dispatched_at.is_not(None), sent).label("dispatched"),
        asked.label("notify_asked"),
        resolved.label("resolved_at"),
    ).where(incident_open())
    query = scoped(query, scope, Incident).order_by(Incident.reported_at, Incident.id)
    with engine.connect() as connection:
        rows = connection.execute(query.limit(WATCHED_LIMIT)).all()
    return [
        DeskIncident(
            row.id,
            row.kind,
            row.severity,
            row.lat,
            row.lon,
            row.status,
            row.reported_at,
            bool(row.dispatched),
            bool(row.notify_asked),
            row.resolved_at,
        )
        for row in rows
    ]
