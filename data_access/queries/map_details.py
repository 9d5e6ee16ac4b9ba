"""What the One Map's detail panel shows for a clicked feature, within the user's scope.

Each function returns None when the object does not exist OR lies outside the scope: the panel
cannot tell the two apart, so it reveals nothing about other districts' or enterprises' objects.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TypeVarTuple

from sqlalchemy import Engine, Row, Select, func, select

from dashboard.domain.roles import Scope
from data_access.models import (
    Alarm,
    Cylinder,
    CylinderState,
    District,
    Enterprise,
    EventRecord,
    Excavation,
    Finding,
    Hazard,
    HazardStatusChange,
    InspectionRecord,
    PipelineSegment,
    Resource,
    Sensor,
    Site,
    Team,
    TeamState,
    UserAccount,
    Worker,
)
from data_access.projections.excavations import EXCAVATION_MARGIN_M, M_PER_DEG_LAT, distance_m
from data_access.projections.findings import EXCAVATION
from data_access.queries import incident_view
from data_access.queries.cylinder_trace import scans_statement
from data_access.queries.map_layers import SCAN_STAGE, SensorState, sensors_in_alarm
from data_access.queries.rules import hazard_open
from data_access.scope import scoped, sees

CHAIN_LIMIT = 50  # a cylinder's newest scans shown
TIMELINE_LIMIT = 100


# Rows are typed by their columns, so a row and the dataclass built from it cannot drift apart.
# SQLAlchemy types the first nine columns of a select; rows wider than that are built by name.
Columns = TypeVarTuple("Columns")
DISTRICT_ZH = District.name_zh.label("district_zh")  # the district's names, by a join
DISTRICT_EN = District.name_en.label("district_en")


def _rows(engine: Engine, query: Select[*Columns]) -> list[Row[*Columns]]:
    with engine.connect() as connection:
        return list(connection.execute(query))


def _first(engine: Engine, query: Select[*Columns]) -> Row[*Columns] | None:
    with engine.connect() as connection:
        return connection.execute(query).first()


USER_PREFIX = "user:"  # the source (actor) of an event a signed-in user's command wrote


def display_names(engine: Engine, codes: Iterable[str | None]) -> dict[str, str]:
    """The names a person reads for codes a detail shows: an enterprise's, a site's or a
    worker's name for its id, a user's display name for `user:<username>`. Codes with no name
    (a source such as `field-app`, an inspector's id) are left out: the panel words them."""
    wanted = {code for code in codes if code}
    users = {code.removeprefix(USER_PREFIX) for code in wanted if code.startswith(USER_PREFIX)}
    ids = list(wanted - {USER_PREFIX + name for name in users})
    names: dict[str, str] = {}
    if users:
        query = select(UserAccount.username, UserAccount.display_name)
        for username, name in _rows(engine, query.where(UserAccount.username.in_(users))):
            names[USER_PREFIX + username] = name
    if ids:
        for model in (Enterprise, Site, Worker):
            for id_, name in _rows(engine, select(model.id, model.name).where(model.id.in_(ids))):
                names.setdefault(id_, name)
    return names


# --- what moves and what is wrong: cylinders, hazards, incidents, teams ---------------------


@dataclass(frozen=True, slots=True)
class ChainScan:
    occurred_at: datetime
    stage: str | None
    site_id: str | None
    worker_id: str | None
    customer_id: str | None


@dataclass(frozen=True, slots=True)
class CylinderChain:
    code: str
    enterprise_id: str | None  # None: registered by no enterprise
    stage: str | None  # None: never scanned
    is_black: bool
    scans: list[ChainScan]  # newest first
    names: dict[str, str]  # the enterprise's and the sites' names by id


def cylinder_chain(engine: Engine, scope: Scope, code: str) -> CylinderChain | None:
    """A cylinder's current state and its `cylinder.scanned` events, newest first."""
    state = _first(
        engine,
        select(CylinderState.stage, CylinderState.is_black, CylinderState.district).where(
            CylinderState.code == code
        ),
    )
    enterprise = _first(engine, select(Cylinder.enterprise_id).where(Cylinder.code == code))
    if state is None and enterprise is None:
        return None
    owner = enterprise.enterprise_id if enterprise is not None else None
    if not sees(scope, state.district if state is not None else None, owner):
        return None
    # by the log's subject index, as the trace reads them (docs/benchmarks.md "Cylinder trace")
    events = _rows(engine, scans_statement(code, CHAIN_LIMIT))
    scanned = [
        ChainScan(
            occurred_at,
            data.get("stage"),
            data.get("site_id"),
            data.get("worker_id"),
            data.get("customer_id"),
        )
        for _seq, occurred_at, data in events
    ]
    return CylinderChain(
        code=code,
        enterprise_id=owner,
        stage=state.stage if state is not None else None,
        is_black=bool(state.is_black) if state is not None else owner is None,
        scans=scanned,
        names=display_names(engine, [owner, *(scan.site_id for scan in scanned)]),
    )


@dataclass(frozen=True, slots=True)
class HazardChange:
    status: str
    actor: str
    note: str | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class HazardHistory:
    id: str
    category: str
    level: str
    description: str
    status: str
    reported_at: datetime
    due_at: datetime
    closed_at: datetime | None
    history: list[HazardChange]  # oldest first
    names: dict[str, str]  # the actors' names (display_names)


def hazard_history(engine: Engine, scope: Scope, hazard_id: str) -> HazardHistory | None:
    """A hazard and its status changes, oldest first."""
    query = select(
        Hazard.id,
        Hazard.category,
        Hazard.level,
        Hazard.description,
        Hazard.status,
        Hazard.reported_at,
        Hazard.due_at,
        Hazard.closed_at,
    ).where(Hazard.id == hazard_id)
    hazard = _first(engine, scoped(query, scope, Hazard))
    if hazard is None:
        return None
    history = _rows(
        engine,
        select(
            HazardStatusChange.status,
            HazardStatusChange.actor,
            HazardStatusChange.note,
            HazardStatusChange.occurred_at,
        )
        .where(HazardStatusChange.hazard_id == hazard_id)
        .order_by(HazardStatusChange.seq, HazardStatusChange.id),
    )
    changes = [HazardChange(*row) for row in history]
    return HazardHistory(
        *hazard, changes, display_names(engine, [change.actor for change in changes])
    )


@dataclass(frozen=True, slots=True)
class IncidentTimeline:
    id: str
    kind: str
    status: str
    address: str
    reported_at: datetime
    timeline: list[incident_view.TimelineRow]  # the newest TIMELINE_LIMIT, oldest first


def incident_timeline(engine: Engine, scope: Scope, incident_id: str) -> IncidentTimeline | None:
    """An incident and its newest timeline entries, oldest first; authorities only (the
    incident view's own queries)."""
    facts = incident_view.incident(engine, incident_id, scope)
    if facts is None:
        return None
    entries = incident_view.timeline(engine, incident_id, newest=TIMELINE_LIMIT)
    return IncidentTimeline(
        facts.id, facts.kind, facts.status, facts.address, facts.reported_at, entries
    )


@dataclass(frozen=True, slots=True)
class TeamDetail:
    id: str
    name: str
    level: str
    district: str
    members: int
    capabilities: list[str]
    status: str | None  # None: no report yet
    incident_id: str | None


def team_detail(engine: Engine, scope: Scope, team_id: str) -> TeamDetail | None:
    """A team: its registry record, current status and place, and the incident it serves."""
    query = (
        select(
            Team.id,
            Team.name,
            Team.level,
            Team.district,
            Team.members,
            Team.capabilities,
            TeamState.status,
            TeamState.incident_id,
        )
        .join(TeamState, TeamState.team_id == Team.id, isouter=True)
        .where(Team.id == team_id)
    )
    row = _first(engine, scoped(query, scope, Team))
    return None if row is None else TeamDetail(*row)


# --- the registry's objects on the map: sites, resources, pipelines, sensors, digs ----------

LIST_LIMIT = 20  # rows per list in a detail (hazards, alarms, digs, sensors)
READINGS_LIMIT = 10
# Added to a dig's radius when looking for pipes near it: the same margin as the projection's
# excavation rule (a phone's GPS fix against a pipeline map of a few tens of metres).
NEAR_MARGIN_M = EXCAVATION_MARGIN_M


@dataclass(frozen=True, slots=True)
class SiteHazard:
    id: str
    category: str
    level: str
    status: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class LastInspection:
    id: str
    kind: str
    passed: bool
    inspector_id: str
    occurred_at: datetime
    inspector: str | None = None  # the inspector's name, when the registry has one


@dataclass(frozen=True, slots=True)
class SiteDetail:
    id: str
    name: str
    kind: str
    district: str
    enterprise_id: str
    enterprise: str  # its name
    licence_no: str | None
    district_zh: str | None
    district_en: str | None
    scans_today: dict[str, int]  # stage -> scans at the site since the city's midnight
    open_hazards: list[SiteHazard]  # soonest due first
    last_inspection: LastInspection | None


def site_detail(
    engine: Engine, scope: Scope, site_id: str, day_start: datetime
) -> SiteDetail | None:
    """A site, its enterprise, today's scans there by stage, its open hazards, last inspection."""
    query = (
        select(
            Site.id,
            Site.name,
            Site.kind,
            Site.district,
            Site.enterprise_id,
            Enterprise.name.label("enterprise"),
            Enterprise.licence_no,
            DISTRICT_ZH,
            DISTRICT_EN,
        )
        .join(Enterprise, Enterprise.id == Site.enterprise_id)
        .join(District, District.code == Site.district, isouter=True)
        .where(Site.id == site_id)
    )
    site = _first(engine, scoped(query, scope, Site))
    if site is None:
        return None
    scans = (
        select(SCAN_STAGE, func.count())
        .where(
            EventRecord.type == "cylinder.scanned",
            EventRecord.occurred_at >= day_start,
            EventRecord.data["site_id"].as_string() == site_id,
        )
        .group_by(SCAN_STAGE)
    )
    hazards = (
        select(Hazard.id, Hazard.category, Hazard.level, Hazard.status, Hazard.due_at)
        .where(Hazard.target_type == "site", Hazard.target_id == site_id, hazard_open())
        .order_by(Hazard.due_at)
        .limit(LIST_LIMIT)
    )
    inspections = (
        select(
            InspectionRecord.id,
            InspectionRecord.kind,
            InspectionRecord.passed,
            InspectionRecord.inspector_id,
            InspectionRecord.occurred_at,
        )
        .where(InspectionRecord.target_type == "site", InspectionRecord.target_id == site_id)
        .order_by(InspectionRecord.occurred_at.desc())
        .limit(1)
    )
    last = _first(engine, inspections)
    return SiteDetail(
        *site,
        {stage: int(count) for stage, count in _rows(engine, scans)},
        [SiteHazard(*row) for row in _rows(engine, hazards)],
        None if last is None else _with_inspector(engine, LastInspection(*last)),
    )


def _with_inspector(engine: Engine, last: LastInspection) -> LastInspection:
    name = display_names(engine, [last.inspector_id]).get(last.inspector_id)
    return replace(last, inspector=name)


@dataclass(frozen=True, slots=True)
class ResourceDetail:
    id: str
    kind: str  # vehicle | supply_depot | expert
    name: str
    district: str | None
    skills: list[str] | None
    team_id: str | None
    team: str | None  # its name
    team_status: str | None  # None: no report yet, or no team
    district_zh: str | None
    district_en: str | None


def resource_detail(engine: Engine, scope: Scope, resource_id: str) -> ResourceDetail | None:
    """A vehicle, supply depot or expert, with its team's name and status; authorities only."""
    query = (
        select(
            Resource.id,
            Resource.kind,
            Resource.name,
            Resource.district,
            Resource.skills,
            Resource.team_id,
            Team.name.label("team"),
            TeamState.status.label("team_status"),
            DISTRICT_ZH,
            DISTRICT_EN,
        )
        .join(Team, Team.id == Resource.team_id, isouter=True)
        .join(District, District.code == Resource.district, isouter=True)
        .join(TeamState, TeamState.team_id == Resource.team_id, isouter=True)
        .where(Resource.id == resource_id)
    )
    row = _first(engine, scoped(query, scope, Resource))
    return None if row is None else ResourceDetail(**row._mapping)


@dataclass(frozen=True, slots=True)
class SegmentSensor:
    id: str
    kind: str
    state: SensorState


@dataclass(frozen=True, slots=True)
class NearDig:
    id: str
    contractor: str
    radius_m: float
    starts_on: date
    ends_on: date
    agreement_signed: bool


@dataclass(frozen=True, slots=True)
class PipelineDetail:
    id: str
    pressure_class: str
    material: str
    laid_year: int
    length_m: float
    district: str
    enterprise_id: str
    enterprise: str  # its name
    district_zh: str | None
    district_en: str | None
    sensors: list[SegmentSensor]
    excavations: list[NearDig]  # digs not yet over near it, newest first


def pipeline_detail(
    engine: Engine, scope: Scope, segment_id: str, today: date
) -> PipelineDetail | None:
    """A segment, its owner, its sensors (with state) and the digs not yet over near it."""
    query = (
        select(
            PipelineSegment.id,
            PipelineSegment.pressure_class,
            PipelineSegment.material,
            PipelineSegment.laid_year,
            PipelineSegment.length_m,
            PipelineSegment.district,
            PipelineSegment.enterprise_id,
            Enterprise.name.label("enterprise"),
            DISTRICT_ZH,
            DISTRICT_EN,
            PipelineSegment.min_lat,
            PipelineSegment.min_lon,
            PipelineSegment.max_lat,
            PipelineSegment.max_lon,
        )
        .join(Enterprise, Enterprise.id == PipelineSegment.enterprise_id)
        .join(District, District.code == PipelineSegment.district, isouter=True)
        .where(PipelineSegment.id == segment_id)
    )
    segment = _first(engine, scoped(query, scope, PipelineSegment))
    if segment is None:
        return None
    facts = dict(segment._mapping)
    corners = [facts.pop(name) for name in ("min_lat", "min_lon", "max_lat", "max_lon")]
    sensors = _rows(
        engine,
        select(Sensor.id, Sensor.kind)
        .where(Sensor.segment_id == segment_id)
        .order_by(Sensor.id)
        .limit(LIST_LIMIT),
    )
    in_alarm = sensors_in_alarm(engine, [sensor.id for sensor in sensors])
    box = None if None in corners else (corners[0], corners[1], corners[2], corners[3])
    return PipelineDetail(
        **facts,
        sensors=[
            SegmentSensor(id_, kind, "alarm" if id_ in in_alarm else "normal")
            for id_, kind in sensors
        ],
        excavations=_digs_near(engine, scope, box, today),
    )


def _digs_near(
    engine: Engine, scope: Scope, box: tuple[float, float, float, float] | None, today: date
) -> list[NearDig]:
    """Digs not yet over whose buffer (radius + margin) reaches the segment's bounding box
    (min_lat, min_lon, max_lat, max_lon).

    Linear in SQL on both databases: a degree of longitude is taken at the box's middle latitude
    (a segment spans a few km at most, so the error is far below the margin). The authorities'
    view only, like the excavation layer."""
    if box is None:
        return []
    min_lat, min_lon, max_lat, max_lon = box
    middle = (min_lat + max_lat) / 2
    per_lat = 1 / M_PER_DEG_LAT
    per_lon = 1 / (M_PER_DEG_LAT * max(math.cos(math.radians(middle)), 1e-6))
    reach = Excavation.radius_m + NEAR_MARGIN_M
    query = (
        select(
            Excavation.id,
            Excavation.contractor,
            Excavation.radius_m,
            Excavation.starts_on,
            Excavation.ends_on,
            Excavation.agreement_signed,
        )
        .where(
            Excavation.ends_on >= today,
            Excavation.lat + reach * per_lat >= min_lat,
            Excavation.lat - reach * per_lat <= max_lat,
            Excavation.lon + reach * per_lon >= min_lon,
            Excavation.lon - reach * per_lon <= max_lon,
        )
        .order_by(Excavation.starts_on.desc(), Excavation.id)
        .limit(LIST_LIMIT)
    )
    return [NearDig(*row) for row in _rows(engine, scoped(query, scope, Excavation))]


@dataclass(frozen=True, slots=True)
class Reading:
    occurred_at: datetime
    value: float | None


@dataclass(frozen=True, slots=True)
class SensorAlarm:
    id: str
    kind: str
    level: str
    value: float | None
    status: str
    raised_at: datetime


@dataclass(frozen=True, slots=True)
class SensorDetail:
    id: str
    kind: str
    low: float | None
    high: float | None
    district: str
    site_id: str | None
    segment_id: str | None
    site: str | None  # the site's name
    district_zh: str | None
    district_en: str | None
    state: SensorState
    readings: list[Reading]  # newest first
    alarms: list[SensorAlarm]  # newest first


def sensor_detail(engine: Engine, scope: Scope, sensor_id: str) -> SensorDetail | None:
    """A sensor, where it sits (site or segment), its newest readings and its alarms."""
    query = (
        select(
            Sensor.id,
            Sensor.kind,
            Sensor.low,
            Sensor.high,
            Sensor.district,
            Sensor.site_id,
            Sensor.segment_id,
            Site.name.label("site"),
            DISTRICT_ZH,
            DISTRICT_EN,
        )
        .join(District, District.code == Sensor.district, isouter=True)
        .join(Site, Site.id == Sensor.site_id, isouter=True)
        .where(Sensor.id == sensor_id)
    )
    sensor = _first(engine, scoped(query, scope, Sensor))
    if sensor is None:
        return None
    readings = (
        select(EventRecord.occurred_at, EventRecord.data)
        .where(
            EventRecord.type == "sensor.reading",
            EventRecord.data["sensor_id"].as_string() == sensor_id,
        )
        .order_by(EventRecord.seq.desc())
        .limit(READINGS_LIMIT)
    )
    alarms = (
        select(Alarm.id, Alarm.kind, Alarm.level, Alarm.value, Alarm.status, Alarm.raised_at)
        .where(Alarm.sensor_id == sensor_id)
        .order_by(Alarm.raised_at.desc(), Alarm.id)
        .limit(LIST_LIMIT)
    )
    alarm_rows = [SensorAlarm(*row) for row in _rows(engine, alarms)]
    return SensorDetail(
        **sensor._mapping,
        state="alarm" if any(a.status != "cleared" for a in alarm_rows) else "normal",
        readings=[Reading(at, data.get("value")) for at, data in _rows(engine, readings)],
        alarms=alarm_rows,
    )


@dataclass(frozen=True, slots=True)
class DigFinding:
    detail: str
    resolved: bool
    resolution: str | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class NearSegment:
    id: str
    pressure_class: str
    enterprise_id: str
    distance_m: float
    enterprise: str  # the owner's name


@dataclass(frozen=True, slots=True)
class ExcavationDetail:
    id: str  # the permit
    contractor: str
    district: str
    lat: float
    lon: float
    radius_m: float
    starts_on: date
    ends_on: date
    agreement_signed: bool
    occurred_at: datetime
    district_zh: str | None
    district_en: str | None
    finding: DigFinding | None  # the newest, open or resolved
    segments: list[NearSegment]  # within its reach, nearest first


def excavation_detail(engine: Engine, scope: Scope, permit_id: str) -> ExcavationDetail | None:
    """A dig, its rule finding (newest, open or resolved) and the segments within its reach,
    nearest first; the authorities' view only, like the excavation layer."""
    query = (
        select(
            Excavation.id,
            Excavation.contractor,
            Excavation.district,
            Excavation.lat,
            Excavation.lon,
            Excavation.radius_m,
            Excavation.starts_on,
            Excavation.ends_on,
            Excavation.agreement_signed,
            Excavation.occurred_at,
            DISTRICT_ZH,
            DISTRICT_EN,
        )
        .join(District, District.code == Excavation.district, isouter=True)
        .where(Excavation.id == permit_id)
    )
    dig = _first(engine, scoped(query, scope, Excavation))
    if dig is None:
        return None
    finding = _first(
        engine,
        select(Finding.detail, Finding.resolved, Finding.resolution, Finding.occurred_at)
        .where(Finding.subject_id == permit_id, Finding.kind == EXCAVATION)
        .order_by(Finding.seq.desc())
        .limit(1),
    )
    return ExcavationDetail(
        **dig._mapping,
        finding=None if finding is None else DigFinding(*finding),
        segments=_segments_near(engine, scope, dig.lat, dig.lon, dig.radius_m),
    )


def _segments_near(
    engine: Engine, scope: Scope, lat: float, lon: float, radius_m: float
) -> list[NearSegment]:
    """Segments whose polyline comes within the dig's radius + margin, with the distance."""
    reach = radius_m + NEAR_MARGIN_M
    query = incident_view.segments_reaching(
        select(
            PipelineSegment.id,
            PipelineSegment.pressure_class,
            PipelineSegment.enterprise_id,
            PipelineSegment.coords,
            Enterprise.name,
        ).join(Enterprise, Enterprise.id == PipelineSegment.enterprise_id),
        lat,
        lon,
        reach,
    )
    near = []
    rows = _rows(engine, scoped(query, scope, PipelineSegment))
    for id_, pressure, owner, coords, owner_name in rows:
        distance = distance_m(lat, lon, coords)
        if distance <= reach:
            near.append(NearSegment(id_, pressure, owner, distance, owner_name))
    return sorted(near, key=lambda s: s.distance_m)[:LIST_LIMIT]
