"""Queries behind the incident board (/incidents): the active incidents in a user's scope, the
most urgent first, and the ones closed in the last day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, case, func, select

from dashboard.domain.incidents import CLOSED
from dashboard.domain.response import late_without_team
from dashboard.domain.roles import Scope
from data_access.models import Incident, IncidentDispatch
from data_access.queries.rules import incident_late_without_team, incident_open
from data_access.scope import scoped

ACTIVE_LIMIT = 300  # a board longer than this is read by its counts, not row by row
CLOSED_WINDOW = timedelta(hours=24)
CLOSED_LIMIT = 100


@dataclass(frozen=True, slots=True)
class BoardIncident:
    """One line of the board: the incident and how many teams are still on it."""

    id: str
    kind: str
    channel: str
    address: str
    district: str | None
    severity: int
    status: str
    lat: float
    lon: float
    reported_at: datetime
    dispatched_at: datetime | None
    on_scene_at: datetime | None
    closed_at: datetime | None
    teams: int  # sent, and not yet returning or available again
    breach: bool  # open, late and no team on scene (response.late_without_team): act now


@dataclass(frozen=True, slots=True)
class BoardCounts:
    """The numbers above the list, over every active incident in scope."""

    active: int
    breaching: int  # late now
    no_team: int  # not yet given any team


_COLUMNS = (
    Incident.id,
    Incident.kind,
    Incident.channel,
    Incident.address,
    Incident.district,
    Incident.severity,
    Incident.status,
    Incident.lat,
    Incident.lon,
    Incident.reported_at,
    Incident.dispatched_at,
    Incident.on_scene_at,
    Incident.closed_at,
)


def _teams_out() -> Any:
    """Teams still on each incident: sent, and not yet returning or available again."""
    return (
        select(IncidentDispatch.incident_id, func.count().label("teams"))
        .where(IncidentDispatch.released_at.is_(None))
        .group_by(IncidentDispatch.incident_id)
        .subquery()
    )


def _board_query(scope: Scope) -> Select:
    teams = _teams_out()
    query = select(*_COLUMNS, func.coalesce(teams.c.teams, 0).label("teams")).outerjoin(
        teams, teams.c.incident_id == Incident.id
    )
    return scoped(query, scope, Incident)


def active_incidents(
    engine: Engine, scope: Scope, now: datetime, limit: int = ACTIVE_LIMIT
) -> list[BoardIncident]:
    """Incidents not closed, in scope: the most severe first, then the longest waiting; each
    with `teams` (still on it) and `breach` (late now)."""
    query = _board_query(scope)
    query = (
        query.where(incident_open())
        .order_by(Incident.severity.desc(), Incident.reported_at, Incident.id)
        .limit(limit)
    )
    with engine.connect() as connection:  # by name: wider than SQLAlchemy types rows (10)
        return [
            BoardIncident(
                **row._mapping, breach=late_without_team(row.reported_at, row.on_scene_at, now)
            )
            for row in connection.execute(query)
        ]


def board_counts(engine: Engine, scope: Scope, now: datetime) -> BoardCounts:
    """The numbers above the list, over every active incident in scope (not just the rows
    shown): active, late now, and not yet given any team."""

    def count_of(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = scoped(
        select(
            func.count().label("active"),
            count_of(incident_late_without_team(now)).label("breaching"),
            count_of(Incident.dispatched_at.is_(None)).label("no_team"),
        ).where(incident_open()),
        scope,
        Incident,
    )
    with engine.connect() as connection:
        active, late, no_team = connection.execute(query).one()
    return BoardCounts(int(active), int(late), int(no_team))


def recently_closed(
    engine: Engine, scope: Scope, now: datetime, limit: int = CLOSED_LIMIT
) -> list[BoardIncident]:
    """Incidents closed in the last 24 hours, in scope, the latest first (none breaching: no
    one is waiting any more)."""
    query = _board_query(scope)
    query = (
        query.where(Incident.status == CLOSED, Incident.closed_at >= now - CLOSED_WINDOW)
        .order_by(Incident.closed_at.desc(), Incident.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [BoardIncident(**row._mapping, breach=False) for row in connection.execute(query)]
