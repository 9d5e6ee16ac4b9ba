"""What the incident view shows: the incident, its timeline and teams, what lies around it, and
the teams that could go, with their positions for the dispatch ranking.

Everything is scoped like the incident list (data_access/queries/incident_scope.py): a district
officer sees their district's incidents, teams and surroundings; an enterprise sees none.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, and_, func, select

from dashboard.domain.dispatch import TeamPosition
from dashboard.domain.roles import Scope
from dashboard.geo import haversine_km
from data_access.models import (
    Customer,
    CylinderState,
    Enterprise,
    Excavation,
    Incident,
    IncidentDispatch,
    IncidentTimelineEntry,
    PipelineSegment,
    Resource,
    SafetyCheck,
    Sensor,
    Team,
    TeamState,
)
from data_access.projections.excavations import M_PER_DEG_LAT
from data_access.queries.incident_scope import scoped
from data_access.queries.map_layers import with_alarm_state

NEAR_M = 1000  # pipelines, sensors and digs worth knowing about around an incident
ADDRESS_M = 60  # "registered at this address": a building and its neighbours
LIST_LIMIT = 30
NEAREST_DEPOTS = 3
NEAREST_EXPERTS = 6


def _rows(engine: Engine, query: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def _box(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """Half the side of a box of `metres` around a point, in degrees of latitude and longitude."""
    d_lat = metres / M_PER_DEG_LAT
    d_lon = metres / (M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return d_lat, d_lon


def _within(query: Select, lat_col: Any, lon_col: Any, lat: float, lon: float, m: float) -> Select:
    d_lat, d_lon = _box(lat, lon, m)
    return query.where(
        lat_col.between(lat - d_lat, lat + d_lat), lon_col.between(lon - d_lon, lon + d_lon)
    )


def incident(engine: Engine, incident_id: str, scope: Scope) -> dict[str, Any] | None:
    rows = _rows(
        engine, scoped(select(Incident.__table__), scope).where(Incident.id == incident_id)
    )
    return rows[0] if rows else None


def timeline(engine: Engine, incident_id: str) -> list[dict[str, Any]]:
    """Every entry, oldest first, with the team's name for team entries."""
    query = (
        select(IncidentTimelineEntry.__table__, Team.name.label("team_name"))
        .join(Team, Team.id == IncidentTimelineEntry.team_id, isouter=True)
        .where(IncidentTimelineEntry.incident_id == incident_id)
        .order_by(IncidentTimelineEntry.seq)
    )
    return _rows(engine, query)


def dispatched_teams(engine: Engine, incident_id: str) -> list[dict[str, Any]]:
    """The teams sent, first sent first, with what each is doing now."""
    query = (
        select(
            IncidentDispatch.__table__,
            Team.name,
            Team.level,
            Team.members,
            TeamState.status,
            TeamState.incident_id.label("now_on"),
            TeamState.lat,
            TeamState.lon,
        )
        .join(Team, Team.id == IncidentDispatch.team_id)
        .join(TeamState, TeamState.team_id == IncidentDispatch.team_id, isouter=True)
        .where(IncidentDispatch.incident_id == incident_id)
        .order_by(IncidentDispatch.dispatched_at, IncidentDispatch.team_id)
    )
    return _rows(engine, query)


def team_positions(engine: Engine, scope: Scope) -> list[TeamPosition]:
    """Every team in scope where it is now (at base, available, if it never reported)."""
    if scope.enterprise_id is not None:
        return []
    query = select(
        Team.id,
        Team.name,
        Team.capabilities,
        func.coalesce(TeamState.status, "available").label("status"),
        func.coalesce(TeamState.lat, Team.lat).label("lat"),
        func.coalesce(TeamState.lon, Team.lon).label("lon"),
    ).join(TeamState, TeamState.team_id == Team.id, isouter=True)
    if scope.district is not None:
        query = query.where(Team.district == scope.district)
    return [
        TeamPosition(
            id=row["id"],
            name=row["name"],
            capabilities=tuple(row["capabilities"] or ()),
            status=row["status"],
            lat=row["lat"],
            lon=row["lon"],
        )
        for row in _rows(engine, query.order_by(Team.id))
    ]


# --- what lies around the incident ----------------------------------------------------------


def surroundings(
    engine: Engine, lat: float, lon: float, scope: Scope, today: date
) -> dict[str, Any]:
    """Pipelines, sensors and digs within NEAR_M, customers at the address, depots, experts."""
    return {
        "pipelines": pipelines_near(engine, lat, lon, scope),
        "sensors": sensors_near(engine, lat, lon, scope),
        "excavations": digs_near(engine, lat, lon, scope, today),
        "customers": customers_at(engine, lat, lon, scope),
        "depots": nearest_resources(engine, lat, lon, scope, "supply_depot", NEAREST_DEPOTS),
        "experts": experts(engine, lat, lon, scope),
    }


def pipelines_near(engine: Engine, lat: float, lon: float, scope: Scope) -> list[dict[str, Any]]:
    """Segments whose bounding box reaches within NEAR_M of the point."""
    d_lat, d_lon = _box(lat, lon, NEAR_M)
    query = (
        select(
            PipelineSegment.id,
            PipelineSegment.pressure_class,
            PipelineSegment.material,
            PipelineSegment.laid_year,
            PipelineSegment.coords,
            Enterprise.name.label("enterprise"),
        )
        .join(Enterprise, Enterprise.id == PipelineSegment.enterprise_id)
        .where(
            PipelineSegment.min_lat <= lat + d_lat,
            PipelineSegment.max_lat >= lat - d_lat,
            PipelineSegment.min_lon <= lon + d_lon,
            PipelineSegment.max_lon >= lon - d_lon,
        )
        .order_by(PipelineSegment.pressure_class.desc(), PipelineSegment.id)
        .limit(LIST_LIMIT)
    )
    if scope.district is not None:
        query = query.where(PipelineSegment.district == scope.district)
    return _rows(engine, query)


def sensors_near(engine: Engine, lat: float, lon: float, scope: Scope) -> list[dict[str, Any]]:
    """Sensors within NEAR_M, with "alarm" while one of their alarms is not cleared."""
    query = _within(
        select(Sensor.id, Sensor.kind, Sensor.lat, Sensor.lon, Sensor.segment_id, Sensor.site_id),
        Sensor.lat,
        Sensor.lon,
        lat,
        lon,
        NEAR_M,
    )
    if scope.district is not None:
        query = query.where(Sensor.district == scope.district)
    return with_alarm_state(engine, _rows(engine, query.order_by(Sensor.id).limit(LIST_LIMIT)))


def digs_near(
    engine: Engine, lat: float, lon: float, scope: Scope, today: date
) -> list[dict[str, Any]]:
    """Excavations not yet over within NEAR_M (their centre), newest first."""
    query = _within(
        select(
            Excavation.id,
            Excavation.contractor,
            Excavation.lat,
            Excavation.lon,
            Excavation.radius_m,
            Excavation.starts_on,
            Excavation.ends_on,
            Excavation.agreement_signed,
        ).where(Excavation.ends_on >= today),
        Excavation.lat,
        Excavation.lon,
        lat,
        lon,
        NEAR_M,
    )
    if scope.district is not None:
        query = query.where(Excavation.district == scope.district)
    return _rows(engine, query.order_by(Excavation.starts_on.desc()).limit(LIST_LIMIT))


def customers_at(engine: Engine, lat: float, lon: float, scope: Scope) -> list[dict[str, Any]]:
    """Customers registered within ADDRESS_M, nearest first, each with their last delivery's
    safety check (随瓶安检: one per delivery) and the cylinder it was for, where it is now."""
    query = _within(
        select(
            Customer.id,
            Customer.kind,
            Customer.real_name_verified,
            Customer.lat,
            Customer.lon,
            Enterprise.name.label("enterprise"),
        ).join(Enterprise, Enterprise.id == Customer.enterprise_id, isouter=True),
        Customer.lat,
        Customer.lon,
        lat,
        lon,
        ADDRESS_M,
    )
    if scope.district is not None:
        query = query.where(Customer.district == scope.district)
    customers = _rows(engine, query.limit(200))
    for customer in customers:
        customer["distance_m"] = _metres(lat, lon, customer["lat"], customer["lon"])
    customers.sort(key=lambda c: c["distance_m"])
    customers = customers[:LIST_LIMIT]
    last = _last_checks(engine, [c["id"] for c in customers])
    return [{**c, **last.get(c["id"], {})} for c in customers]


def _last_checks(engine: Engine, customer_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not customer_ids:
        return {}
    newest = (
        select(SafetyCheck.customer_id, func.max(SafetyCheck.seq).label("seq"))
        .where(SafetyCheck.customer_id.in_(customer_ids))
        .group_by(SafetyCheck.customer_id)
        .subquery()
    )
    query = (
        select(
            SafetyCheck.customer_id,
            SafetyCheck.code,
            SafetyCheck.passed.label("check_passed"),
            SafetyCheck.occurred_at.label("last_delivery_at"),
            CylinderState.stage.label("cylinder_stage"),
        )
        .join(
            newest,
            and_(newest.c.customer_id == SafetyCheck.customer_id, newest.c.seq == SafetyCheck.seq),
        )
        .join(CylinderState, CylinderState.code == SafetyCheck.code, isouter=True)
    )
    return {row.pop("customer_id"): row for row in _rows(engine, query)}


def nearest_resources(
    engine: Engine, lat: float, lon: float, scope: Scope, kind: str, limit: int
) -> list[dict[str, Any]]:
    """Resources of a kind with a place, nearest first, with their straight-line distance."""
    query = select(
        Resource.id, Resource.name, Resource.lat, Resource.lon, Resource.skills, Resource.district
    ).where(Resource.kind == kind, Resource.lat.is_not(None), Resource.lon.is_not(None))
    if scope.district is not None:
        query = query.where(Resource.district == scope.district)
    rows = _rows(engine, query)
    for row in rows:
        row["distance_km"] = _metres(lat, lon, row["lat"], row["lon"]) / 1000
    return sorted(rows, key=lambda r: (r["distance_km"], r["id"]))[:limit]


def experts(engine: Engine, lat: float, lon: float, scope: Scope) -> list[dict[str, Any]]:
    """Every expert in scope with skills; the distance where the registry gives a place (most
    experts are reached by phone and have none)."""
    query = select(
        Resource.id, Resource.name, Resource.lat, Resource.lon, Resource.skills, Resource.district
    ).where(Resource.kind == "expert")
    if scope.district is not None:
        query = query.where(Resource.district == scope.district)
    rows = _rows(engine, query.order_by(Resource.id))
    for row in rows:
        known = row["lat"] is not None and row["lon"] is not None
        row["distance_km"] = _metres(lat, lon, row["lat"], row["lon"]) / 1000 if known else None
    return rows


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return haversine_km(lat1, lon1, lat2, lon2) * 1000
