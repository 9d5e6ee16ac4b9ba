"""Queries behind the One Map: district shapes and metrics, site points, city counts."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.domain.roles import Scope
from data_access.models import (
    Alarm,
    AreaCount,
    Cylinder,
    District,
    Enterprise,
    Incident,
    Site,
    Team,
    TeamState,
    Worker,
)
from data_access.queries.rules import incident_open


def district_shapes(engine: Engine) -> list[dict[str, Any]]:
    """Every district with its outline; boundaries are public, so not scoped."""
    query = select(
        District.code,
        District.name_zh,
        District.name_en,
        District.population,
        District.area_km2,
        District.centroid_lat,
        District.centroid_lon,
        District.geometry,
    ).order_by(District.code)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def district_counts(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per district in scope, one column per counted metric (area_counts)."""
    if scope.enterprise_id is not None:
        return _enterprise_district_counts(engine, scope.enterprise_id)
    query = select(AreaCount.area_code, AreaCount.metric, AreaCount.value).where(
        AreaCount.area_type == "district"
    )
    if scope.district is not None:
        query = query.where(AreaCount.area_code == scope.district)
    with engine.connect() as connection:
        long = pd.DataFrame(connection.execute(query).all(), columns=["code", "metric", "value"])
    if long.empty:
        return pd.DataFrame(columns=["code"])
    return long.pivot_table(
        index="code", columns="metric", values="value", aggfunc="sum"
    ).reset_index()


def _enterprise_district_counts(engine: Engine, enterprise_id: str) -> pd.DataFrame:
    query = (
        select(Site.district.label("code"), func.count().label("sites"))
        .where(Site.enterprise_id == enterprise_id)
        .group_by(Site.district)
    )
    with engine.connect() as connection:
        return pd.DataFrame(connection.execute(query).all(), columns=["code", "sites"])


def site_points(engine: Engine, scope: Scope) -> pd.DataFrame:
    query = select(
        Site.id,
        Site.name,
        Site.kind,
        Site.district,
        Site.lat,
        Site.lon,
        Enterprise.name.label("enterprise"),
    ).join(Enterprise, Enterprise.id == Site.enterprise_id)
    if scope.district is not None:
        query = query.where(Site.district == scope.district)
    if scope.enterprise_id is not None:
        query = query.where(Site.enterprise_id == scope.enterprise_id)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(Site.id)).all()
    columns = ["id", "name", "kind", "district", "lat", "lon", "enterprise"]
    return pd.DataFrame(rows, columns=columns)


def city_counts(engine: Engine, scope: Scope) -> dict[str, int]:
    """Headline counts for the strip above the map, within the user's scope."""
    if scope.enterprise_id is not None:
        return _enterprise_counts(engine, scope.enterprise_id)
    counts = district_counts(engine, scope)
    return {metric: int(counts[metric].sum()) for metric in counts.columns if metric != "code"}


def _enterprise_counts(engine: Engine, enterprise_id: str) -> dict[str, int]:
    def count(model: Any, *where: Any) -> int:
        query = select(func.count()).select_from(model).where(*where)
        with engine.connect() as connection:
            return int(connection.scalar(query) or 0)

    return {
        "sites": count(Site, Site.enterprise_id == enterprise_id),
        "cylinders": count(Cylinder, Cylinder.enterprise_id == enterprise_id),
        "workers": count(Worker, Worker.enterprise_id == enterprise_id),
    }


def live_points(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """What moves on the map: active alarms, open incidents and team positions, in scope."""
    if scope.enterprise_id is not None:
        return []  # enterprises see their own sites; emergencies are the authorities' view
    alarms = select(Alarm.id, Alarm.level, Alarm.kind, Alarm.lat, Alarm.lon, Alarm.district).where(
        Alarm.status != "cleared"
    )
    incidents = select(
        Incident.id, Incident.severity, Incident.kind, Incident.lat, Incident.lon, Incident.district
    ).where(incident_open())
    # A team that has reported nothing yet stands by at its base.
    teams = select(
        Team.id,
        func.coalesce(TeamState.status, "available"),
        Team.name,
        func.coalesce(TeamState.lat, Team.lat),
        func.coalesce(TeamState.lon, Team.lon),
        Team.district,
    ).join(TeamState, TeamState.team_id == Team.id, isouter=True)
    if scope.district is not None:
        alarms = alarms.where(Alarm.district == scope.district)
        incidents = incidents.where(Incident.district == scope.district)
        teams = teams.where(Team.district == scope.district)
    with engine.connect() as connection:
        return [
            *(moving_point("alarm", *row) for row in connection.execute(alarms)),
            *(moving_point("incident", *row) for row in connection.execute(incidents)),
            *(moving_point("team", *row) for row in connection.execute(teams)),
        ]


def moving_point(
    kind: str, id_: str, state: Any, label: str, lat: float, lon: float, district: Any
) -> dict[str, Any]:
    """One alarm, incident or team as the live layer and the replay describe it."""
    return {
        "kind": kind,
        "id": id_,
        "state": state,
        "label": label,
        "lat": lat,
        "lon": lon,
        "district": district,
    }


def active_alarms(engine: Engine, scope: Scope, limit: int = 8) -> list[dict[str, Any]]:
    """The newest alarms not yet cleared, for the duty desk's list."""
    if scope.enterprise_id is not None:
        return []
    query = (
        select(
            Alarm.id,
            Alarm.kind,
            Alarm.level,
            Alarm.status,
            Alarm.value,
            Alarm.district,
            Alarm.raised_at,
            Alarm.acknowledged_by,
            District.name_zh,
            District.name_en,
        )
        .join(District, District.code == Alarm.district, isouter=True)
        .where(Alarm.status != "cleared")
        .order_by(Alarm.raised_at.desc())
        .limit(limit)
    )
    if scope.district is not None:
        query = query.where(Alarm.district == scope.district)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]
