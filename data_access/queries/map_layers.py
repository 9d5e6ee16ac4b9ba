"""Queries behind the One Map's layers: area metrics, hazards, flows, resources, networks, KPIs.

Every function takes the user's `Scope` and filters on it: a district officer sees one district,
an enterprise its own objects (and none of the authorities' emergency data). Times are aware UTC;
"today" and "this quarter" are computed by the caller in the city's time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select

from dashboard.domain import hazards
from dashboard.domain.coverage import (
    CUSTOMER_TARGET_TYPE,
    REGISTRY_TARGET_TYPES,
    SUPERVISED_CUSTOMER_KINDS,
)
from dashboard.domain.roles import Scope
from data_access.models import (
    Alarm,
    Customer,
    CylinderState,
    Enterprise,
    EventRecord,
    Excavation,
    Finding,
    GridCell,
    Hazard,
    Incident,
    InspectionRecord,
    PipelineSegment,
    Resource,
    SafetyCheck,
    Sensor,
    Site,
    Team,
    TeamState,
    Violation,
)
from data_access.queries.rules import hazard_open, hazard_overdue, incident_open

CYLINDER_FINDINGS = ("black_cylinder", "overdue_filling", "stage_out_of_order")
HAZARD_LIMIT = 5000  # the newest-due hazards shown; the count says when there are more
SCAN_STAGE = EventRecord.data["stage"].as_string()
SCAN_SITE = EventRecord.data["site_id"].as_string()
SCAN_CODE = EventRecord.data["code"].as_string()


# --- areas: districts and grid cells -------------------------------------------------------


def grid_shapes(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Grid cells with outlines (a district officer gets only their district's cells)."""
    query = select(
        GridCell.code,
        GridCell.district,
        GridCell.name_zh,
        GridCell.name_en,
        GridCell.area_km2,
        GridCell.centroid_lat,
        GridCell.centroid_lon,
        GridCell.geometry,
    ).order_by(GridCell.code)
    if scope.district is not None:
        query = query.where(GridCell.district == scope.district)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def area_metrics(
    engine: Engine, scope: Scope, level: str, now: datetime, quarter_start: datetime
) -> dict[str, dict[str, int]]:
    """Per district (level "district") or grid cell ("grid"): what the themes and the risk band
    read. Keys: due, inspected, hazards_open, hazards_overdue, major_open, major_overdue,
    incidents_90d, violation_points."""
    metrics: dict[str, dict[str, int]] = {}

    def add(name: str, counts: dict[str, int]) -> None:
        for code, value in counts.items():
            if code is not None:
                metrics.setdefault(code, {})[name] = int(value)

    with engine.connect() as connection:
        add("due", objects_due(connection, scope, level))
        add("inspected", objects_inspected(connection, scope, level, quarter_start))
        for name, where in _hazard_kinds(now).items():
            add(name, _hazards(connection, scope, level, where))
        if level == "district" and scope.enterprise_id is None:
            add("incidents_90d", _incidents_since(connection, scope, now - timedelta(days=90)))
            add("violation_points", _violation_points(connection, scope, now.year))
    return metrics


def _area_column(level: str, district: Any, grid: Any) -> Any:
    return district if level == "district" else grid


def _grouped(connection: Connection, query: Any) -> dict[str, int]:
    return {code: count for code, count in connection.execute(query)}


def objects_due(connection: Connection, scope: Scope, level: str) -> dict[str, int]:
    """The objects due an inspection this quarter (dashboard/domain/coverage.py) per area:
    enterprises (districts only: they have no grid cell), sites, supervised customers."""
    sites_area = _area_column(level, Site.district, Site.grid_cell)
    sites = select(sites_area, func.count()).group_by(sites_area)
    sites = _scoped_sites(sites, scope)
    totals = Counter(_grouped(connection, sites))
    if scope.enterprise_id is not None:
        return dict(totals)
    customers_area = _area_column(level, Customer.district, Customer.grid_cell)
    customers = (
        select(customers_area, func.count())
        .where(Customer.kind.in_(SUPERVISED_CUSTOMER_KINDS))
        .group_by(customers_area)
    )
    enterprises = select(Enterprise.district, func.count()).group_by(Enterprise.district)
    if scope.district is not None:
        customers = customers.where(Customer.district == scope.district)
        enterprises = enterprises.where(Enterprise.district == scope.district)
    totals.update(_grouped(connection, customers))
    if level == "district":
        totals.update(_grouped(connection, enterprises))
    return dict(totals)


def _scoped_sites(query: Any, scope: Scope) -> Any:
    if scope.district is not None:
        query = query.where(Site.district == scope.district)
    if scope.enterprise_id is not None:
        query = query.where(Site.enterprise_id == scope.enterprise_id)
    return query


def objects_inspected(
    connection: Connection, scope: Scope, level: str, quarter_start: datetime
) -> dict[str, int]:
    """Of the objects due, those inspected at least once since the quarter began, per area."""
    this_quarter = InspectionRecord.occurred_at >= quarter_start
    supervised = Customer.kind.in_(SUPERVISED_CUSTOMER_KINDS)
    totals: Counter[str] = Counter()
    if level == "district" and scope.enterprise_id is None:
        registry = (
            select(InspectionRecord.district, func.count(InspectionRecord.target_id.distinct()))
            .where(this_quarter, InspectionRecord.target_type.in_(REGISTRY_TARGET_TYPES))
            .group_by(InspectionRecord.district, InspectionRecord.target_type)
        )
        customers = (
            select(InspectionRecord.district, func.count(InspectionRecord.target_id.distinct()))
            .join(Customer, Customer.id == InspectionRecord.target_id)
            .where(this_quarter, InspectionRecord.target_type == CUSTOMER_TARGET_TYPE, supervised)
            .group_by(InspectionRecord.district)
        )
        for query in (registry, customers):
            if scope.district is not None:
                query = query.where(InspectionRecord.district == scope.district)
            for code, count in connection.execute(query):
                totals[code] += count
        return dict(totals)
    for target_type, model in (("site", Site), (CUSTOMER_TARGET_TYPE, Customer)):
        if scope.enterprise_id is not None and model is Customer:
            continue
        area = _area_column(level, model.district, model.grid_cell)
        query = (
            select(area, func.count(InspectionRecord.target_id.distinct()))
            .select_from(InspectionRecord)
            .join(model, model.id == InspectionRecord.target_id)
            .where(this_quarter, InspectionRecord.target_type == target_type)
            .group_by(area)
        )
        if model is Site:
            query = _scoped_sites(query, scope)
        else:
            query = query.where(supervised)
            if scope.district is not None:
                query = query.where(Customer.district == scope.district)
        totals.update(_grouped(connection, query))
    return dict(totals)


def _hazard_kinds(now: datetime) -> dict[str, Any]:
    is_open = hazard_open()
    overdue = hazard_overdue(now)
    return {
        "hazards_open": is_open,
        "hazards_overdue": overdue,
        "major_open": and_(is_open, Hazard.level == "major"),
        "major_overdue": and_(overdue, Hazard.level == "major"),
    }


def _hazards(connection: Connection, scope: Scope, level: str, where: Any) -> dict[str, int]:
    if level == "district":
        by_district = select(Hazard.district, func.count()).where(where).group_by(Hazard.district)
        return _grouped(connection, _scoped_hazards(by_district, scope))
    totals: Counter[str] = Counter()
    for target_type, model in (("site", Site), ("customer", Customer)):
        query = (
            select(model.grid_cell, func.count())
            .select_from(Hazard)
            .join(model, model.id == Hazard.target_id)
            .where(where, Hazard.target_type == target_type)
            .group_by(model.grid_cell)
        )
        totals.update(_grouped(connection, _scoped_hazards(query, scope)))
    return dict(totals)


def _scoped_hazards(query: Any, scope: Scope) -> Any:
    """A district's hazards; an enterprise's: those found at it or at its sites."""
    if scope.district is not None:
        query = query.where(Hazard.district == scope.district)
    if scope.enterprise_id is not None:
        own_sites = select(Site.id).where(Site.enterprise_id == scope.enterprise_id)
        query = query.where(
            or_(
                and_(Hazard.target_type == "enterprise", Hazard.target_id == scope.enterprise_id),
                and_(Hazard.target_type == "site", Hazard.target_id.in_(own_sites)),
            )
        )
    return query


def _incidents_since(connection: Connection, scope: Scope, since: datetime) -> dict[str, int]:
    query = (
        select(Incident.district, func.count())
        .where(Incident.reported_at >= since)
        .group_by(Incident.district)
    )
    if scope.district is not None:
        query = query.where(Incident.district == scope.district)
    return _grouped(connection, query)


def _violation_points(connection: Connection, scope: Scope, year: int) -> dict[str, int]:
    query = (
        select(Violation.district, func.sum(Violation.points))
        .where(Violation.year == year)
        .group_by(Violation.district)
    )
    if scope.district is not None:
        query = query.where(Violation.district == scope.district)
    return _grouped(connection, query)


# --- hazards --------------------------------------------------------------------------------


def hazard_points(
    engine: Engine, scope: Scope, now: datetime, day_start: datetime, limit: int = HAZARD_LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """Open hazards (soonest due first) and those closed today; and how many there are in all."""
    wanted = or_(hazard_open(), Hazard.closed_at >= day_start)
    columns = (
        Hazard.id,
        Hazard.level,
        Hazard.category,
        Hazard.status,
        Hazard.due_at,
        Hazard.lat,
        Hazard.lon,
    )
    query = _scoped_hazards(select(*columns).where(wanted), scope)
    total = _scoped_hazards(select(func.count()).select_from(Hazard).where(wanted), scope)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(Hazard.due_at).limit(limit)).all()
        count = int(connection.scalar(total) or 0)
    points = []
    for row in rows:
        point = dict(row._mapping)
        point["state"] = (
            "closed_today"
            if not hazards.is_open(row.status)
            else "overdue"
            if hazards.is_overdue(row.status, row.due_at, now)
            else "open"
        )
        points.append(point)
    return points, count


# --- cylinder flow --------------------------------------------------------------------------


def recent_scans(
    engine: Engine, scope: Scope, since: datetime, until: datetime | None = None
) -> list[dict[str, Any]]:
    """`cylinder.scanned` events since `since` (up to `until`), oldest first: code, stage,
    site, place."""
    query = (
        select(
            SCAN_CODE.label("code"),
            SCAN_STAGE.label("stage"),
            SCAN_SITE.label("site_id"),
            EventRecord.district,
            EventRecord.data,
        )
        .where(EventRecord.type == "cylinder.scanned", EventRecord.occurred_at >= since)
        .order_by(EventRecord.seq)
    )
    if until is not None:
        query = query.where(EventRecord.occurred_at <= until)
    if scope.district is not None:
        query = query.where(EventRecord.district == scope.district)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        own = _enterprise_sites(connection, scope)
    scans = []
    for code, stage, site_id, district, data in rows:
        if own is not None and site_id not in own:
            continue
        scans.append(
            {
                "code": code,
                "stage": stage,
                "site_id": site_id,
                "district": district,
                "lat": data.get("lat"),
                "lon": data.get("lon"),
            }
        )
    return scans


def _enterprise_sites(connection: Connection, scope: Scope) -> set[str] | None:
    if scope.enterprise_id is None:
        return None
    query = select(Site.id).where(Site.enterprise_id == scope.enterprise_id)
    return set(connection.scalars(query))


def cylinder_anomalies(engine: Engine, scope: Scope, limit: int = 500) -> list[dict[str, Any]]:
    """Open cylinder findings (black cylinders, overdue fillings, broken chains) where the
    cylinder was last seen, newest first."""
    query = (
        select(
            Finding.id,
            Finding.kind,
            Finding.subject_id,
            Finding.detail,
            Finding.occurred_at,
            CylinderState.lat,
            CylinderState.lon,
        )
        .join(CylinderState, CylinderState.code == Finding.subject_id)
        .where(Finding.resolved.is_(False), Finding.kind.in_(CYLINDER_FINDINGS))
        .order_by(Finding.seq.desc())
        .limit(limit)
    )
    if scope.district is not None:
        query = query.where(Finding.district == scope.district)
    if scope.enterprise_id is not None:
        query = query.where(Finding.enterprise_id == scope.enterprise_id)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


# --- emergency resources --------------------------------------------------------------------


def resource_points(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Vehicles, supply depots and experts with a place; none for an enterprise's view."""
    if scope.enterprise_id is not None:
        return []
    query = select(
        Resource.id, Resource.kind, Resource.name, Resource.team_id, Resource.lat, Resource.lon
    ).where(Resource.lat.is_not(None), Resource.lon.is_not(None))
    if scope.district is not None:
        query = query.where(Resource.district == scope.district)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query.order_by(Resource.id))]


def incident_clocks(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Open incidents with the times their response clock reads."""
    if scope.enterprise_id is not None:
        return []
    query = select(
        Incident.id,
        Incident.kind,
        Incident.severity,
        Incident.status,
        Incident.address,
        Incident.reported_at,
        Incident.on_scene_at,
        Incident.lat,
        Incident.lon,
    ).where(incident_open())
    if scope.district is not None:
        query = query.where(Incident.district == scope.district)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


# --- networks: pipelines, excavations, sensors ----------------------------------------------


def pipeline_lines(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Pipeline segments with their polylines (simplified by the caller)."""
    query = select(
        PipelineSegment.id,
        PipelineSegment.pressure_class,
        PipelineSegment.material,
        PipelineSegment.laid_year,
        PipelineSegment.coords,
    )
    if scope.district is not None:
        query = query.where(PipelineSegment.district == scope.district)
    if scope.enterprise_id is not None:
        query = query.where(PipelineSegment.enterprise_id == scope.enterprise_id)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def excavation_sites(engine: Engine, scope: Scope, today: Any) -> list[dict[str, Any]]:
    """Digs not yet over, with their buffer radius; the authorities' view only."""
    if scope.enterprise_id is not None:
        return []
    query = select(
        Excavation.id,
        Excavation.contractor,
        Excavation.lat,
        Excavation.lon,
        Excavation.radius_m,
        Excavation.starts_on,
        Excavation.ends_on,
        Excavation.agreement_signed,
    ).where(Excavation.ends_on >= today)
    if scope.district is not None:
        query = query.where(Excavation.district == scope.district)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def with_alarm_state(engine: Engine, sensors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each sensor with "state": "alarm" while one of its alarms is not cleared, else "normal"."""
    ids = [s["id"] for s in sensors]
    in_alarm: set[str] = set()
    if ids:
        query = select(Alarm.sensor_id).where(Alarm.sensor_id.in_(ids), Alarm.status != "cleared")
        with engine.connect() as connection:
            in_alarm = set(connection.scalars(query))
    return [{**s, "state": "alarm" if s["id"] in in_alarm else "normal"} for s in sensors]


def sensor_points(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Sensors with their state: "alarm" while an alarm of theirs is not cleared."""
    alarmed = select(Alarm.sensor_id).where(Alarm.status != "cleared", Alarm.sensor_id.is_not(None))
    query = select(Sensor.id, Sensor.kind, Sensor.lat, Sensor.lon, Sensor.site_id)
    if scope.district is not None:
        query = query.where(Sensor.district == scope.district)
    if scope.enterprise_id is not None:
        own_sites = select(Site.id).where(Site.enterprise_id == scope.enterprise_id)
        own_segments = select(PipelineSegment.id).where(
            PipelineSegment.enterprise_id == scope.enterprise_id
        )
        query = query.where(or_(Sensor.site_id.in_(own_sites), Sensor.segment_id.in_(own_segments)))
    with engine.connect() as connection:
        in_alarm = set(connection.scalars(alarmed))
        rows = [dict(row._mapping) for row in connection.execute(query.order_by(Sensor.id))]
    for row in rows:
        row["state"] = "alarm" if row["id"] in in_alarm else "normal"
    return rows


# --- the KPI strip --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanTally:
    """Today's filling and delivery scans in one scope, counted up to `seq` of the log."""

    day_start: datetime
    seq: int
    stages: dict[str, int]


def tally_scans(
    engine: Engine, scope: Scope, day_start: datetime, tally: ScanTally | None = None
) -> ScanTally:
    """Count on from `tally` (the whole day when None, or when it is another day's).

    A refresh then reads only the part of the log written since the last one, not the day's
    scans again: with 400,000 scans in a day (Wuhan makes about half a million), recounting took
    240-270 ms a refresh, counting on 0.6 ms (bench/kpi_refresh.py). Appends take one write
    lock and number events in commit order, so everything up to the newest sequence number a
    reader sees is already there.
    """
    if tally is None or tally.day_start != day_start:
        tally = ScanTally(day_start, 0, {})
    with engine.connect() as connection:
        newest = connection.scalar(select(func.coalesce(func.max(EventRecord.seq), 0))) or 0
        if newest <= tally.seq:
            return tally
        new_part = and_(EventRecord.seq > tally.seq, EventRecord.seq <= newest)
        found = _scans_today(connection, scope, day_start, new_part)
    stages = Counter(tally.stages)
    stages.update(found)
    return ScanTally(day_start, newest, dict(stages))


def live_kpis(
    engine: Engine,
    scope: Scope,
    now: datetime,
    day_start: datetime,
    scans: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Today's fillings and deliveries, the safety-check rate, hazards, incidents, teams, alarms.

    `scans`: today's scans by stage when the caller keeps a running tally (`tally_scans`)."""
    with engine.connect() as connection:
        stages = scans if scans is not None else _scans_today(connection, scope, day_start)
        checks = _complete_checks_today(connection, scope, day_start)
        kpis: dict[str, Any] = {
            "fillings_today": stages.get("filling", 0),
            "deliveries_today": stages.get("delivery", 0),
            "safety_check_rate": _rate(checks, stages.get("delivery", 0)),
        }
        for name, where in _hazard_kinds(now).items():
            if name in ("hazards_open", "hazards_overdue"):
                query = select(func.count()).select_from(Hazard).where(where)
                kpis[name] = int(connection.scalar(_scoped_hazards(query, scope)) or 0)
        if scope.enterprise_id is None:
            kpis |= _emergency_counts(connection, scope)
    return kpis


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else min(100.0, part * 100.0 / whole)


def _scans_today(
    connection: Connection, scope: Scope, day_start: datetime, *where: Any
) -> dict[str, int]:
    query = select(SCAN_STAGE, func.count()).where(
        EventRecord.type == "cylinder.scanned",
        EventRecord.occurred_at >= day_start,
        SCAN_STAGE.in_(("filling", "delivery")),
        *where,
    )
    if scope.district is not None:
        query = query.where(EventRecord.district == scope.district)
    if scope.enterprise_id is not None:
        own_sites = select(Site.id).where(Site.enterprise_id == scope.enterprise_id)
        query = query.where(SCAN_SITE.in_(own_sites))
    return _grouped(connection, query.group_by(SCAN_STAGE))


def _complete_checks_today(connection: Connection, scope: Scope, day_start: datetime) -> int:
    """Safety checks today recorded with all four photos (passed or with findings recorded)."""
    query = (
        select(func.count())
        .select_from(SafetyCheck)
        .where(SafetyCheck.occurred_at >= day_start, SafetyCheck.photos_complete.is_(True))
    )
    if scope.district is not None:
        query = query.where(SafetyCheck.district == scope.district)
    if scope.enterprise_id is not None:
        query = query.where(SafetyCheck.enterprise_id == scope.enterprise_id)
    return int(connection.scalar(query) or 0)


def _emergency_counts(connection: Connection, scope: Scope) -> dict[str, int]:
    incidents = select(func.count()).select_from(Incident).where(incident_open())
    alarms = select(func.count()).select_from(Alarm).where(Alarm.status != "cleared")
    # A team that has reported no state yet is on standby at its base: available.
    busy = select(TeamState.team_id).where(TeamState.status != "available")
    teams = select(func.count()).select_from(Team).where(Team.id.not_in(busy))
    if scope.district is not None:
        incidents = incidents.where(Incident.district == scope.district)
        alarms = alarms.where(Alarm.district == scope.district)
        teams = teams.where(Team.district == scope.district)
    return {
        "incidents_open": int(connection.scalar(incidents) or 0),
        "teams_available": int(connection.scalar(teams) or 0),
        "alarms_active": int(connection.scalar(alarms) or 0),
    }
