"""What the simulated duty desk (simulators/duty_desk.py) watches: the open incidents in its
scope and how far each has come (teams sent, notification asked for, resolved when).

The desk acts only through data_access.commands; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, exists, func, or_, select

from dashboard.domain.dispatch import FREE
from dashboard.domain.incidents import PROGRESS
from dashboard.domain.roles import Scope
from data_access.models import (
    Hazard,
    Incident,
    IncidentDispatch,
    IncidentTimelineEntry,
    Team,
    TeamState,
)
from data_access.models import NotificationRequest as Asked
from data_access.queries.rules import hazard_open, incident_open
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


@dataclass(frozen=True, slots=True)
class CityPulse:
    """The city's steady state as the demo soak (bench/demo_soak.py) samples it."""

    active_incidents: int
    free_teams: int
    teams: int
    open_hazards: int
    response_s: list[float]  # report -> first team on scene, incidents reported since `since`


def city_pulse(engine: Engine, since: datetime, until: datetime | None = None) -> CityPulse:
    """Open incidents, free teams (a team that never reported is at base), open hazards now,
    and the response times of the incidents reported from `since` to `until` that have had a
    team on scene."""
    busy = select(func.count()).select_from(TeamState).where(TeamState.status.not_in(FREE))
    responded = select(Incident.reported_at, Incident.on_scene_at).where(
        Incident.reported_at >= since, Incident.on_scene_at.is_not(None)
    )
    if until is not None:
        responded = responded.where(Incident.reported_at < until)
    with engine.connect() as connection:
        active = (
            connection.scalar(select(func.count()).select_from(Incident).where(incident_open()))
            or 0
        )
        teams = connection.scalar(select(func.count()).select_from(Team)) or 0
        hazards = (
            connection.scalar(select(func.count()).select_from(Hazard).where(hazard_open())) or 0
        )
        in_use = connection.scalar(busy) or 0
        times = [
            (on_scene - reported).total_seconds()
            for reported, on_scene in connection.execute(responded)
            if on_scene is not None
        ]
    return CityPulse(active, teams - in_use, teams, hazards, times)
