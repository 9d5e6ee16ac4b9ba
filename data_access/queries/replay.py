"""The city as it was at a past moment, for the One Map's time slider (the last 24 hours).

Two sources, each the right one for its question: the projections keep when things began and
ended (alarms raised/cleared, incidents reported/closed, hazards reported/closed/due), which
answers "was it open at T" with one range query; the event log holds what has no history in a
projection (where each team was and what it was doing, which scans happened), replayed up to T.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from dashboard.domain.periods import city_periods
from dashboard.domain.roles import Scope
from data_access.models import Alarm, EventRecord, Hazard, Incident, SafetyCheck, Site, Team
from data_access.queries.map_layers import SCAN_SITE, SCAN_STAGE
from data_access.queries.one_map import moving_point

REPLAY_SPAN = timedelta(hours=24)
# A team's last report before T is looked for this far back; older ones put it at its base.
TEAM_LOOKBACK = timedelta(hours=24)


@dataclass
class CityMoment:
    """What the One Map shows for one past moment: moving points and the KPI counts."""

    at: datetime
    points: list[dict[str, Any]] = field(default_factory=list)  # same shape as live_points()
    counts: dict[str, int | None] = field(default_factory=dict)


def city_at(engine: Engine, scope: Scope, at: datetime, time_zone: str) -> CityMoment:
    """The moving points and the headline counts as they were at `at` (a UTC datetime)."""
    day_start = city_periods(at, time_zone).day_start
    with engine.connect() as connection:
        scans = _scans_by_stage(connection, scope, day_start, at)
        moment = CityMoment(at=at)
        moment.counts = {
            "fillings_today": scans.get("filling", 0),
            "deliveries_today": scans.get("delivery", 0),
            "safety_checks_today": _safety_checks(connection, scope, day_start, at),
        }
        if scope.enterprise_id is None:  # emergencies are the authorities' view (live_points)
            alarms = _open_alarms(connection, scope, at)
            incidents = _open_incidents(connection, scope, at)
            teams = _teams_at(connection, scope, at)
            moment.points = [*alarms, *incidents, *teams]
            moment.counts |= {
                "alarms_active": len(alarms),
                "incidents_open": len(incidents),
                "teams_available": sum(1 for team in teams if team["state"] == "available"),
                **_hazards_at(connection, scope, at),
            }
    return moment


def _scans_by_stage(connection, scope: Scope, since: datetime, until: datetime) -> dict[str, int]:
    query = (
        select(SCAN_STAGE, func.count())
        .where(
            EventRecord.type == "cylinder.scanned",
            EventRecord.occurred_at >= since,
            EventRecord.occurred_at <= until,
        )
        .group_by(SCAN_STAGE)
    )
    if scope.district is not None:
        query = query.where(EventRecord.district == scope.district)
    if scope.enterprise_id is not None:
        own_sites = select(Site.id).where(Site.enterprise_id == scope.enterprise_id)
        query = query.where(SCAN_SITE.in_(own_sites))
    return {name: int(count) for name, count in connection.execute(query)}


def _safety_checks(connection, scope: Scope, since: datetime, until: datetime) -> int:
    query = select(func.count()).where(
        SafetyCheck.occurred_at >= since,
        SafetyCheck.occurred_at <= until,
        SafetyCheck.photos_complete.is_(True),
    )
    if scope.district is not None:
        query = query.where(SafetyCheck.district == scope.district)
    if scope.enterprise_id is not None:
        query = query.where(SafetyCheck.enterprise_id == scope.enterprise_id)
    return int(connection.scalar(query) or 0)


def _open_at(began: Any, ended: Any, at: datetime):
    return and_(began <= at, or_(ended.is_(None), ended > at))


def _open_alarms(connection, scope: Scope, at: datetime) -> list[dict[str, Any]]:
    query = select(Alarm.id, Alarm.level, Alarm.kind, Alarm.lat, Alarm.lon, Alarm.district).where(
        _open_at(Alarm.raised_at, Alarm.cleared_at, at)
    )
    if scope.district is not None:
        query = query.where(Alarm.district == scope.district)
    return [moving_point("alarm", *row) for row in connection.execute(query)]


def _open_incidents(connection, scope: Scope, at: datetime) -> list[dict[str, Any]]:
    query = select(
        Incident.id,
        Incident.severity,
        Incident.kind,
        Incident.lat,
        Incident.lon,
        Incident.district,
    ).where(_open_at(Incident.reported_at, Incident.closed_at, at))
    if scope.district is not None:
        query = query.where(Incident.district == scope.district)
    return [moving_point("incident", *row) for row in connection.execute(query)]


def _hazards_at(connection, scope: Scope, at: datetime) -> dict[str, int]:
    is_open = _open_at(Hazard.reported_at, Hazard.closed_at, at)
    query = select(func.count(), func.count().filter(Hazard.due_at < at)).where(is_open)
    if scope.district is not None:
        query = query.where(Hazard.district == scope.district)
    open_count, overdue = connection.execute(query).one()
    return {"hazards_open": int(open_count), "hazards_overdue": int(overdue)}


def _teams_at(connection, scope: Scope, at: datetime) -> list[dict[str, Any]]:
    """Each team in scope where its last report before `at` put it, else at its base."""
    query = select(Team.id, Team.name, Team.lat, Team.lon, Team.district)
    if scope.district is not None:
        query = query.where(Team.district == scope.district)
    teams = {
        row.id: {
            "state": "available",
            "label": row.name,
            "lat": row.lat,
            "lon": row.lon,
            "district": row.district,
        }
        for row in connection.execute(query)
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
        moving_point("team", team_id, t["state"], t["label"], t["lat"], t["lon"], t["district"])
        for team_id, t in teams.items()
    ]
