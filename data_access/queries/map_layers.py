"""Queries behind the One Map's layers: area metrics, hazards, flows, resources, networks, KPIs.

Every function takes the user's `Scope` and applies it through data_access/scope.py: a district
officer sees one district, an enterprise its own objects (and none of the authorities' emergency
data). Times are aware UTC; "today" and "this quarter" are computed by the caller in the city's
time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select

from dashboard.domain import hazards
from dashboard.domain.coverage import (
    COUNTED_KINDS,
    CUSTOMER_TARGET_TYPE,
    REGISTRY_TARGET_TYPES,
    SUPERVISED_CUSTOMER_KINDS,
)
from dashboard.domain.flows import FlowLine, Place, flow_counts, flow_lines
from dashboard.domain.roles import Scope
from data_access.cache import cache_for, cached
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
)
from data_access.queries.one_map import (
    SHAPES_CACHE_S,
    AreaValues,
    district_counts,
    district_shapes,
    site_points,
)
from data_access.queries.registry_themes import DUE_METRICS, cylinders_due
from data_access.queries.rules import hazard_open, hazard_overdue, incident_open
from data_access.scope import scoped

CYLINDER_FINDINGS = ("black_cylinder", "overdue_filling", "stage_out_of_order")
HAZARD_LIMIT = 5000  # the newest-due hazards shown; the count says when there are more
SCAN_STAGE = EventRecord.data["stage"].as_string()
SCAN_SITE = EventRecord.data["site_id"].as_string()
SCAN_CODE = EventRecord.data["code"].as_string()

COUNTS_CACHE_S = 2  # live screens of one scope share one recount
AREA_CACHE_S = 60  # coverage and hazard counts per area: heavier, and slow to change
FLOW_CACHE_S = 30
FLOW_WINDOW = timedelta(hours=1)  # the cylinder flow drawn: the hour before now
TALLY_KEEP_S = 26 * 3600  # a day's scan tally, kept a little past the day


# --- areas: districts and grid cells -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GridShape:
    code: str
    district: str
    name_zh: str
    name_en: str
    area_km2: float
    centroid_lat: float
    centroid_lon: float
    geometry: dict[str, Any]  # GeoJSON
    population: None = None  # a grid cell has none of its own (districts do)


@cached(SHAPES_CACHE_S)
def grid_shapes(engine: Engine, scope: Scope) -> list[GridShape]:
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
    with engine.connect() as connection:
        return [GridShape(*row) for row in connection.execute(scoped(query, scope, GridCell))]


def area_values(
    engine: Engine,
    scope: Scope,
    level: str,
    now: datetime,
    quarter_start: datetime,
    today: date | None = None,
) -> AreaValues:
    """What the One Map's themes read per area: `area_metrics` (kept a minute), and for
    districts the registry themes' counts over them: the kept area counts, read as they are
    (one_map.district_counts: the registry projection keeps them with every registration), and,
    when `today` (the city's day) is given, the cylinders overdue and past scrap as of that day
    (registry_themes: computed when read, so only for the theme that shows them)."""
    kept = _kept_area_metrics(engine, scope, level, now, quarter_start)
    values = {code: dict(counts) for code, counts in kept.items()}  # the kept copy stays whole
    if level == "district":
        for code, counts in district_counts(engine, scope).items():
            stored = {m: v for m, v in counts.items() if m not in DUE_METRICS}  # seeding's day
            values.setdefault(code, {}).update(stored)
        if today is None:
            return values
        due = cylinders_due(engine, scope, today)
        for code in values.keys() | due.keys():
            counts = values.setdefault(code, {})
            for metric in DUE_METRICS:  # a district with none overdue has 0, not "no data"
                counts[metric] = due.get(code, {}).get(metric, 0)
    return values


@cached(AREA_CACHE_S, key=lambda scope, level, now, quarter_start: (scope, level))
def _kept_area_metrics(
    engine: Engine, scope: Scope, level: str, now: datetime, quarter_start: datetime
) -> AreaValues:
    return area_metrics(engine, scope, level, now, quarter_start)


def area_metrics(
    engine: Engine, scope: Scope, level: str, now: datetime, quarter_start: datetime
) -> AreaValues:
    """Per district (level "district") or grid cell ("grid"): what the themes read. Keys: due,
    inspected, hazards_open, hazards_overdue (the district safety index is the rankings'
    theme: data_access/queries/rankings.py)."""
    metrics: AreaValues = {}

    def add(name: str, counts: dict[str, int]) -> None:
        for code, value in counts.items():
            if code is not None:
                metrics.setdefault(code, {})[name] = int(value)

    with engine.connect() as connection:
        add("due", objects_due(connection, scope, level))
        add("inspected", objects_inspected(connection, scope, level, quarter_start))
        for name, where in _hazard_kinds(now).items():
            add(name, hazards_per_area(connection, scope, level, where))
    return metrics


def _area_column(level: str, district: Any, grid: Any) -> Any:
    return district if level == "district" else grid


def _grouped(connection: Connection, query: Any) -> dict[str, int]:
    return {code: count for code, count in connection.execute(query)}


AreaType = tuple[str, str]  # (district or grid cell code, object type)


def _per_area(by_type: dict[AreaType, int]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for (code, _type), count in by_type.items():
        totals[code] += count
    return dict(totals)


def _grouped_by_type(connection: Connection, query: Any, object_type: str) -> dict[AreaType, int]:
    return {(code, object_type): count for code, count in connection.execute(query)}


def objects_due(connection: Connection, scope: Scope, level: str) -> dict[str, int]:
    """The objects due an inspection this quarter (dashboard/domain/coverage.py) per area:
    enterprises (districts only: they have no grid cell), sites, supervised customers."""
    return _per_area(objects_due_by_type(connection, scope, level))


def objects_due_by_type(connection: Connection, scope: Scope, level: str) -> dict[AreaType, int]:
    """`objects_due` per area and object type (enterprise, site, customer): the one count, which
    /inspections shows by type and the map and the wall sum per area."""
    sites_area = _area_column(level, Site.district, Site.grid_cell)
    sites = select(sites_area, func.count()).group_by(sites_area)
    totals = _grouped_by_type(connection, scoped(sites, scope, Site), "site")
    if scope.enterprise_id is not None:
        # An enterprise's coverage is that of its own sites: the enterprises and the supervised
        # customers are the authorities' inspection plan.
        return totals
    customers_area = _area_column(level, Customer.district, Customer.grid_cell)
    customers = (
        select(customers_area, func.count())
        .where(Customer.kind.in_(SUPERVISED_CUSTOMER_KINDS))
        .group_by(customers_area)
    )
    enterprises = select(Enterprise.district, func.count()).group_by(Enterprise.district)
    totals.update(
        _grouped_by_type(connection, scoped(customers, scope, Customer), CUSTOMER_TARGET_TYPE)
    )
    if level == "district":
        totals.update(
            _grouped_by_type(connection, scoped(enterprises, scope, Enterprise), "enterprise")
        )
    return totals


def objects_inspected(
    connection: Connection,
    scope: Scope,
    level: str,
    quarter_start: datetime,
    until: datetime | None = None,
) -> dict[str, int]:
    """Of the objects due, those inspected at least once since the quarter began (and, for a
    past moment, no later than `until`: the One Map's replay), per area."""
    return _per_area(objects_inspected_by_type(connection, scope, level, quarter_start, until))


def objects_inspected_by_type(
    connection: Connection,
    scope: Scope,
    level: str,
    quarter_start: datetime,
    until: datetime | None = None,
) -> dict[AreaType, int]:
    """`objects_inspected` per area and object type (enterprise, site, customer)."""
    this_quarter = and_(
        InspectionRecord.occurred_at >= quarter_start, InspectionRecord.kind.in_(COUNTED_KINDS)
    )
    if until is not None:
        this_quarter = and_(this_quarter, InspectionRecord.occurred_at <= until)
    supervised = Customer.kind.in_(SUPERVISED_CUSTOMER_KINDS)
    totals: Counter[AreaType] = Counter()
    # The authorities' districts count every object due by the inspections' own district; an
    # enterprise (its sites only, as in objects_due) and grid cells go through the objects.
    if level == "district" and scope.enterprise_id is None:
        registry = (
            select(
                InspectionRecord.district,
                InspectionRecord.target_type,
                func.count(InspectionRecord.target_id.distinct()),
            )
            .where(this_quarter, InspectionRecord.target_type.in_(REGISTRY_TARGET_TYPES))
            .group_by(InspectionRecord.district, InspectionRecord.target_type)
        )
        customers = (
            select(
                InspectionRecord.district,
                InspectionRecord.target_type,
                func.count(InspectionRecord.target_id.distinct()),
            )
            .join(Customer, Customer.id == InspectionRecord.target_id)
            .where(this_quarter, InspectionRecord.target_type == CUSTOMER_TARGET_TYPE, supervised)
            .group_by(InspectionRecord.district, InspectionRecord.target_type)
        )
        for query in (registry, customers):
            for code, target_type, count in connection.execute(
                scoped(query, scope, InspectionRecord)
            ):
                totals[(code, target_type)] += count
        return dict(totals)
    for target_type, model in (("site", Site), (CUSTOMER_TARGET_TYPE, Customer)):
        if scope.enterprise_id is not None and model is Customer:
            continue  # its own sites only, as in objects_due
        area = _area_column(level, model.district, model.grid_cell)
        query = (
            select(area, func.count(InspectionRecord.target_id.distinct()))
            .select_from(InspectionRecord)
            .join(model, model.id == InspectionRecord.target_id)
            .where(this_quarter, InspectionRecord.target_type == target_type)
            .group_by(area)
        )
        if model is Customer:
            query = query.where(supervised)
        totals.update(_grouped_by_type(connection, scoped(query, scope, model), target_type))
    return dict(totals)


def _hazard_kinds(now: datetime) -> dict[str, ColumnElement[bool]]:
    is_open = hazard_open()
    overdue = hazard_overdue(now)
    return {
        "hazards_open": is_open,
        "hazards_overdue": overdue,
    }


def hazards_per_area(
    connection: Connection, scope: Scope, level: str, where: Any
) -> dict[str, int]:
    """The hazards matching `where` per district, or per grid cell of their target."""
    if level == "district":
        by_district = select(Hazard.district, func.count()).where(where).group_by(Hazard.district)
        return _grouped(connection, scoped(by_district, scope, Hazard))
    totals: Counter[str] = Counter()
    for target_type, model in (("site", Site), ("customer", Customer)):
        query = (
            select(model.grid_cell, func.count())
            .select_from(Hazard)
            .join(model, model.id == Hazard.target_id)
            .where(where, Hazard.target_type == target_type)
            .group_by(model.grid_cell)
        )
        totals.update(_grouped(connection, scoped(query, scope, Hazard)))
    return dict(totals)


# --- hazards --------------------------------------------------------------------------------

HazardState = Literal["open", "overdue", "closed_today"]


@dataclass(frozen=True, slots=True)
class HazardPoint:
    id: str
    level: str
    category: str
    status: str
    due_at: datetime
    lat: float
    lon: float
    escalation: str | None  # district | city: 督办
    number: str | None
    state: HazardState


def hazard_points(
    engine: Engine, scope: Scope, now: datetime, day_start: datetime, limit: int = HAZARD_LIMIT
) -> tuple[list[HazardPoint], int]:
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
        Hazard.escalation,
        Hazard.number,
    )
    query = scoped(select(*columns).where(wanted), scope, Hazard)
    total = scoped(select(func.count()).select_from(Hazard).where(wanted), scope, Hazard)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(Hazard.due_at).limit(limit)).all()
        count = int(connection.scalar(total) or 0)
    return [
        HazardPoint(*row, state=_hazard_state(row.status, row.due_at, now)) for row in rows
    ], count


def _hazard_state(status: str, due_at: datetime, now: datetime) -> HazardState:
    if not hazards.is_open(status):
        return "closed_today"
    return "overdue" if hazards.is_overdue(status, due_at, now) else "open"


# --- cylinder flow --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scan:
    """One `cylinder.scanned` event: which cylinder, at which stage, where."""

    code: str
    stage: str
    site_id: str | None
    district: str | None
    lat: float | None
    lon: float | None


def recent_scans(
    engine: Engine, scope: Scope, since: datetime, until: datetime | None = None
) -> list[Scan]:
    """`cylinder.scanned` events since `since` (up to `until`), oldest first: code, stage,
    site, place."""
    query = (
        select(SCAN_CODE, SCAN_STAGE, SCAN_SITE, EventRecord.district, EventRecord.data)
        .where(EventRecord.type == "cylinder.scanned", EventRecord.occurred_at >= since)
        .order_by(EventRecord.seq)
    )
    if until is not None:
        query = query.where(EventRecord.occurred_at <= until)
    with engine.connect() as connection:
        rows = connection.execute(scoped(query, scope, EventRecord)).all()
    return [
        Scan(code, stage, site_id, district, data.get("lat"), data.get("lon"))
        for code, stage, site_id, district, data in rows
    ]


@dataclass(frozen=True, slots=True)
class CylinderAnomaly:
    """An open cylinder finding, where the cylinder was last seen."""

    id: int
    kind: str
    subject_id: str  # the cylinder's code
    detail: str
    occurred_at: datetime
    lat: float
    lon: float


def cylinder_anomalies(engine: Engine, scope: Scope, limit: int = 500) -> list[CylinderAnomaly]:
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
    with engine.connect() as connection:
        return [CylinderAnomaly(*row) for row in connection.execute(scoped(query, scope, Finding))]


def cylinder_flows(engine: Engine, scope: Scope, until: datetime) -> list[FlowLine]:
    """The hour of cylinder flow before `until` as weighted lines (dashboard/domain/flows.py)."""
    scans = recent_scans(engine, scope, until - FLOW_WINDOW, until)
    positions: dict[Place, tuple[float, float]] = {
        ("site", site.id): (site.lat, site.lon) for site in site_points(engine, scope)
    }
    for shape in district_shapes(engine):
        positions[("district", shape.code)] = (shape.centroid_lat, shape.centroid_lon)
    return flow_lines(flow_counts(scans), positions)


@dataclass(frozen=True, slots=True)
class FlowLayer:
    """The One Map's flow overlay: the last hour's lines and the open cylinder findings."""

    lines: list[FlowLine]
    anomalies: list[CylinderAnomaly]


@cached(FLOW_CACHE_S, key=lambda scope, now: scope)
def live_flows(engine: Engine, scope: Scope, now: datetime) -> FlowLayer:
    """The flow overlay as of `now`, shared FLOW_CACHE_S by every map of one scope."""
    return FlowLayer(cylinder_flows(engine, scope, now), cylinder_anomalies(engine, scope))


# --- emergency resources --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourcePoint:
    id: str
    kind: str  # vehicle | supply_depot | expert
    name: str
    team_id: str | None
    lat: float
    lon: float


def resource_points(engine: Engine, scope: Scope) -> list[ResourcePoint]:
    """Vehicles, supply depots and experts with a place; none for an enterprise's view."""
    query = select(
        Resource.id, Resource.kind, Resource.name, Resource.team_id, Resource.lat, Resource.lon
    ).where(Resource.lat.is_not(None), Resource.lon.is_not(None))
    with engine.connect() as connection:
        rows = connection.execute(scoped(query, scope, Resource).order_by(Resource.id))
        return [
            ResourcePoint(id_, kind, name, team, cast(float, lat), cast(float, lon))  # placed
            for id_, kind, name, team, lat, lon in rows
        ]


@dataclass(frozen=True, slots=True)
class IncidentClock:
    """An open incident with the times its response clock reads."""

    id: str
    kind: str
    severity: int
    status: str
    address: str
    reported_at: datetime
    on_scene_at: datetime | None
    lat: float
    lon: float


def incident_clocks(engine: Engine, scope: Scope) -> list[IncidentClock]:
    """Open incidents with the times their response clock reads."""
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
    with engine.connect() as connection:
        return [IncidentClock(*row) for row in connection.execute(scoped(query, scope, Incident))]


# --- networks: pipelines, excavations, sensors ----------------------------------------------


@dataclass(frozen=True, slots=True)
class PipelineLine:
    id: str
    pressure_class: str  # low | medium | high
    material: str
    laid_year: int
    coords: list[list[float]]  # [[lat, lon], ...]


def pipeline_lines(engine: Engine, scope: Scope) -> list[PipelineLine]:
    """Pipeline segments with their polylines (simplified by the caller)."""
    query = select(
        PipelineSegment.id,
        PipelineSegment.pressure_class,
        PipelineSegment.material,
        PipelineSegment.laid_year,
        PipelineSegment.coords,
    )
    with engine.connect() as connection:
        rows = connection.execute(scoped(query, scope, PipelineSegment))
        return [PipelineLine(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class ExcavationSite:
    id: str
    contractor: str
    lat: float
    lon: float
    radius_m: float
    starts_on: date
    ends_on: date
    agreement_signed: bool


def excavation_sites(engine: Engine, scope: Scope, today: date) -> list[ExcavationSite]:
    """Digs not yet over, with their buffer radius; the authorities' view only."""
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
    with engine.connect() as connection:
        rows = connection.execute(scoped(query, scope, Excavation))
        return [ExcavationSite(*row) for row in rows]


SensorState = Literal["normal", "alarm"]


def sensors_in_alarm(engine: Engine, sensor_ids: list[str]) -> set[str]:
    """Those of `sensor_ids` with an alarm not yet cleared."""
    if not sensor_ids:
        return set()
    query = select(Alarm.sensor_id).where(
        Alarm.sensor_id.in_(sensor_ids), Alarm.status != "cleared"
    )
    with engine.connect() as connection:
        return {sensor_id for sensor_id in connection.scalars(query) if sensor_id is not None}


@dataclass(frozen=True, slots=True)
class SensorPoint:
    id: str
    kind: str  # pressure | flow | methane
    lat: float
    lon: float
    site_id: str | None
    state: SensorState  # "alarm" while an alarm of theirs is not cleared


def sensor_points(engine: Engine, scope: Scope) -> list[SensorPoint]:
    """Sensors with their state: "alarm" while an alarm of theirs is not cleared."""
    alarmed = select(Alarm.sensor_id).where(Alarm.status != "cleared", Alarm.sensor_id.is_not(None))
    query = select(Sensor.id, Sensor.kind, Sensor.lat, Sensor.lon, Sensor.site_id)
    with engine.connect() as connection:
        in_alarm = set(connection.scalars(alarmed))
        rows = connection.execute(scoped(query, scope, Sensor).order_by(Sensor.id)).all()
    return [SensorPoint(*row, state="alarm" if row.id in in_alarm else "normal") for row in rows]


# --- the KPI strip --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
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


def todays_scans(engine: Engine, scope: Scope, day_start: datetime) -> dict[str, int]:
    """Today's filling and delivery scans in `scope`, counting only what the log got since the
    last call: the running tally is kept in the engine's query cache (data_access/cache.py),
    shared by the One Map's KPI strip and the wall's KPI band. Without a cache, the whole day."""
    cache = cache_for(engine)
    key = f"{__name__}.todays_scans:{scope!r}"
    kept = cache.get(key) if cache is not None else None
    tally = tally_scans(engine, scope, day_start, kept)
    if cache is not None and tally is not kept:
        cache.set(key, tally, TALLY_KEEP_S)
    return tally.stages


@dataclass(frozen=True, slots=True)
class EmergencyCounts:
    incidents_open: int
    teams_available: int
    alarms_active: int


@dataclass(frozen=True, slots=True)
class LiveKpis:
    """The live strip's numbers in one scope."""

    fillings_today: int
    deliveries_today: int
    safety_check_rate: float | None  # % of today's deliveries; None: no delivery yet
    hazards_open: int
    hazards_overdue: int
    emergency: EmergencyCounts | None  # None for an enterprise: the authorities' view

    def by_name(self) -> dict[str, int | float | None]:
        """The numbers keyed as the strips' cards are (the emergency ones when there are)."""
        numbers: dict[str, int | float | None] = {
            "fillings_today": self.fillings_today,
            "deliveries_today": self.deliveries_today,
            "safety_check_rate": self.safety_check_rate,
            "hazards_open": self.hazards_open,
            "hazards_overdue": self.hazards_overdue,
        }
        if self.emergency is not None:
            numbers["incidents_open"] = self.emergency.incidents_open
            numbers["teams_available"] = self.emergency.teams_available
            numbers["alarms_active"] = self.emergency.alarms_active
        return numbers


def live_kpis(
    engine: Engine,
    scope: Scope,
    now: datetime,
    day_start: datetime,
    scans: Mapping[str, int] | None = None,
) -> LiveKpis:
    """Today's fillings and deliveries, the safety-check rate, hazards, incidents, teams, alarms.

    `scans`: today's scans by stage when the caller keeps a running tally (`tally_scans`)."""
    with engine.connect() as connection:
        stages = scans if scans is not None else _scans_today(connection, scope, day_start)
        checks = _complete_checks_today(connection, scope, day_start)
        hazards_open = _count_hazards(connection, scope, hazard_open())
        hazards_overdue = _count_hazards(connection, scope, hazard_overdue(now))
        # The strip of an enterprise has no emergency cards at all, rather than zeros.
        emergency = _emergency_counts(connection, scope) if scope.enterprise_id is None else None
    return LiveKpis(
        fillings_today=stages.get("filling", 0),
        deliveries_today=stages.get("delivery", 0),
        safety_check_rate=rate(checks, stages.get("delivery", 0)),
        hazards_open=hazards_open,
        hazards_overdue=hazards_overdue,
        emergency=emergency,
    )


@cached(COUNTS_CACHE_S, key=lambda scope, now, day_start: (scope, day_start), follows_log=True)
def current_kpis(engine: Engine, scope: Scope, now: datetime, day_start: datetime) -> LiveKpis:
    """`live_kpis` on today's running scan tally, shared COUNTS_CACHE_S by one scope's maps."""
    return live_kpis(engine, scope, now, day_start, todays_scans(engine, scope, day_start))


def rate(part: int, whole: int) -> float | None:
    """`part` in % of `whole` (at most 100), None when there is no whole."""
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
    return _grouped(connection, scoped(query, scope, EventRecord).group_by(SCAN_STAGE))


def _count_hazards(connection: Connection, scope: Scope, where: Any) -> int:
    query = select(func.count()).select_from(Hazard).where(where)
    return int(connection.scalar(scoped(query, scope, Hazard)) or 0)


def _complete_checks_today(connection: Connection, scope: Scope, day_start: datetime) -> int:
    """Safety checks today recorded with all four photos (passed or with findings recorded)."""
    query = (
        select(func.count())
        .select_from(SafetyCheck)
        .where(SafetyCheck.occurred_at >= day_start, SafetyCheck.photos_complete.is_(True))
    )
    return int(connection.scalar(scoped(query, scope, SafetyCheck)) or 0)


def _emergency_counts(connection: Connection, scope: Scope) -> EmergencyCounts:
    incidents = select(func.count()).select_from(Incident).where(incident_open())
    alarms = select(func.count()).select_from(Alarm).where(Alarm.status != "cleared")
    # A team that has reported no state yet is on standby at its base: available.
    busy = select(TeamState.team_id).where(TeamState.status != "available")
    teams = select(func.count()).select_from(Team).where(Team.id.not_in(busy))
    return EmergencyCounts(
        incidents_open=int(connection.scalar(scoped(incidents, scope, Incident)) or 0),
        teams_available=int(connection.scalar(scoped(teams, scope, Team)) or 0),
        alarms_active=int(connection.scalar(scoped(alarms, scope, Alarm)) or 0),
    )
