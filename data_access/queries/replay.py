"""The city as it was at a past moment, for the One Map's time slider (the last 24 hours).

Two sources, each the right one for its question: the projections keep when things began and
ended (alarms raised/cleared, incidents reported/closed, hazards reported/closed/due), which
answers "was it open at T" with one range query; the event log holds what has no history in a
projection (where each team was and what it was doing, which scans happened), replayed up to T.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select

from dashboard.domain.flows import FlowLine
from dashboard.domain.periods import city_periods
from dashboard.domain.roles import Scope
from data_access.cache import cached
from data_access.models import Alarm, EventRecord, Hazard, Incident, SafetyCheck, Team
from data_access.queries.map_layers import (
    SCAN_STAGE,
    EmergencyCounts,
    LiveKpis,
    cylinder_flows,
    hazards_per_area,
    objects_due,
    objects_inspected,
    rate,
)
from data_access.queries.one_map import AreaValues, MovingPoint
from data_access.scope import scoped

REPLAY_SPAN = timedelta(hours=24)
REPLAY_CACHE_S = 60  # a moment of the past does not change; the slider moves by minutes
# A team's last report before T is looked for this far back; older ones put it at its base.
TEAM_LOOKBACK = timedelta(hours=24)


# The One Map's themes that rewind with the slider (areas_at); the others show the present and
# their legend says so.
REWINDING_THEMES = frozenset({"coverage", "hazards_open", "hazards_overdue"})


def moment_of(minutes: float | None, now: datetime) -> datetime | None:
    """The slider's value (minutes before now, 0 or None: live) as a UTC moment, in whole
    minutes (so that a replayed moment is cached), at most REPLAY_SPAN back."""
    if not minutes or minutes >= 0:
        return None
    whole_minute = now.replace(second=0, microsecond=0)
    return whole_minute + max(timedelta(minutes=minutes), -REPLAY_SPAN)


@cached(REPLAY_CACHE_S)
def areas_at(engine: Engine, scope: Scope, level: str, at: datetime, time_zone: str) -> AreaValues:
    """What the rewinding themes read per district or grid cell, as it was at `at`: inspection
    coverage of the quarter `at` lies in, counting inspections up to `at` only
    (dashboard/domain/coverage.py: the objects due are today's registry, which has no history),
    and the hazards open then (reported by `at`, not closed by then) and of those the overdue."""
    quarter_start = city_periods(at, time_zone).quarter_start
    is_open = _open_at(Hazard.reported_at, Hazard.closed_at, at)
    values: AreaValues = {}

    def add(name: str, counts: dict[str, int]) -> None:
        for code, value in counts.items():
            if code is not None:
                values.setdefault(code, {})[name] = int(value)

    with engine.connect() as connection:
        add("due", objects_due(connection, scope, level))
        add("inspected", objects_inspected(connection, scope, level, quarter_start, until=at))
        add("hazards_open", hazards_per_area(connection, scope, level, is_open))
        overdue = and_(is_open, Hazard.due_at < at)
        add("hazards_overdue", hazards_per_area(connection, scope, level, overdue))
    return values


@dataclass(frozen=True, slots=True)
class CityMoment:
    """What the One Map shows for one past moment: moving points, flow and the KPI strip."""

    at: datetime
    points: list[MovingPoint]  # as live_points() gives them now
    flows: list[FlowLine]  # the hour of cylinder flow before `at`
    kpis: LiveKpis


@cached(REPLAY_CACHE_S)
def city_at(engine: Engine, scope: Scope, at: datetime, time_zone: str) -> CityMoment:
    """The moving points, the flow and the headline counts as they were at `at` (UTC)."""
    day_start = city_periods(at, time_zone).day_start
    points: list[MovingPoint] = []
    emergency = None
    with engine.connect() as connection:
        scans = _scans_by_stage(connection, scope, day_start, at)
        checks = _safety_checks(connection, scope, day_start, at)
        hazards_open, hazards_overdue = _hazards_at(connection, scope, at)
        # An enterprise's strip has no emergency cards (map_layers.live_kpis).
        if scope.enterprise_id is None:
            alarms = _open_alarms(connection, scope, at)
            incidents = _open_incidents(connection, scope, at)
            teams = _teams_at(connection, scope, at)
            points = [*alarms, *incidents, *teams]
            emergency = EmergencyCounts(
                incidents_open=len(incidents),
                teams_available=sum(1 for team in teams if team.state == "available"),
                alarms_active=len(alarms),
            )
    kpis = LiveKpis(
        fillings_today=scans.get("filling", 0),
        deliveries_today=scans.get("delivery", 0),
        safety_check_rate=rate(checks, scans.get("delivery", 0)),
        hazards_open=hazards_open,
        hazards_overdue=hazards_overdue,
        emergency=emergency,
    )
    return CityMoment(at, points, cylinder_flows(engine, scope, at), kpis)


def _scans_by_stage(
    connection: Connection, scope: Scope, since: datetime, until: datetime
) -> dict[str, int]:
    query = (
        select(SCAN_STAGE, func.count())
        .where(
            EventRecord.type == "cylinder.scanned",
            EventRecord.occurred_at >= since,
            EventRecord.occurred_at <= until,
        )
        .group_by(SCAN_STAGE)
    )
    rows = connection.execute(scoped(query, scope, EventRecord))
    return {name: int(count) for name, count in rows}


def _safety_checks(connection: Connection, scope: Scope, since: datetime, until: datetime) -> int:
    query = select(func.count()).where(
        SafetyCheck.occurred_at >= since,
        SafetyCheck.occurred_at <= until,
        SafetyCheck.photos_complete.is_(True),
    )
    return int(connection.scalar(scoped(query, scope, SafetyCheck)) or 0)


def _open_at(began: Any, ended: Any, at: datetime) -> ColumnElement[bool]:
    return and_(began <= at, or_(ended.is_(None), ended > at))


def _open_alarms(connection: Connection, scope: Scope, at: datetime) -> list[MovingPoint]:
    query = select(Alarm.id, Alarm.level, Alarm.kind, Alarm.lat, Alarm.lon, Alarm.district).where(
        _open_at(Alarm.raised_at, Alarm.cleared_at, at)
    )
    return [MovingPoint("alarm", *row) for row in connection.execute(scoped(query, scope, Alarm))]


def _open_incidents(connection: Connection, scope: Scope, at: datetime) -> list[MovingPoint]:
    query = select(
        Incident.id,
        Incident.severity,
        Incident.kind,
        Incident.lat,
        Incident.lon,
        Incident.district,
    ).where(_open_at(Incident.reported_at, Incident.closed_at, at))
    rows = connection.execute(scoped(query, scope, Incident))
    return [MovingPoint("incident", *row) for row in rows]


def _hazards_at(connection: Connection, scope: Scope, at: datetime) -> tuple[int, int]:
    """Hazards open at `at`, and of those the ones past their due time."""
    is_open = _open_at(Hazard.reported_at, Hazard.closed_at, at)
    query = select(func.count(), func.count().filter(Hazard.due_at < at)).where(is_open)
    open_count, overdue = connection.execute(scoped(query, scope, Hazard)).one()
    return int(open_count), int(overdue)


def _teams_at(connection: Connection, scope: Scope, at: datetime) -> list[MovingPoint]:
    """Each team in scope where its last report before `at` put it, else at its base."""
    query = select(Team.id, Team.name, Team.lat, Team.lon, Team.district)
    teams = {
        row.id: {
            "state": "available",
            "label": row.name,
            "lat": row.lat,
            "lon": row.lon,
            "district": row.district,
        }
        for row in connection.execute(scoped(query, scope, Team))
    }
    reports = (
        select(EventRecord.type, EventRecord.data)
        .where(
            EventRecord.type.in_(("team.position", "team.status")),
            EventRecord.occurred_at > at - TEAM_LOOKBACK,
            EventRecord.occurred_at <= at,
        )
        .order_by(EventRecord.occurred_at, EventRecord.seq)
    )
    for kind, data in connection.execute(reports):
        team = teams.get(data.get("team_id"))
        if team is None:
            continue
        if kind == "team.status":
            team["state"] = data["status"]
        else:
            team["lat"], team["lon"] = data["lat"], data["lon"]
    return [
        MovingPoint("team", team_id, t["state"], t["label"], t["lat"], t["lon"], t["district"])
        for team_id, t in teams.items()
    ]
