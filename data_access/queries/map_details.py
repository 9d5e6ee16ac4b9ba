"""What the One Map's detail panel shows for a clicked feature, within the user's scope.

Each function returns None when the object does not exist OR lies outside the scope: the panel
cannot tell the two apart, so it reveals nothing about other districts' or enterprises' objects.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select

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
)
from data_access.projections.excavations import EXCAVATION_MARGIN_M, M_PER_DEG_LAT, distance_m
from data_access.projections.findings import EXCAVATION
from data_access.queries import incident_view
from data_access.queries.map_layers import SCAN_STAGE, with_alarm_state
from data_access.queries.rules import hazard_open

CHAIN_LIMIT = 50  # a cylinder's newest scans shown
TIMELINE_LIMIT = 100


def _rows(engine: Engine, query: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def cylinder_chain(engine: Engine, scope: Scope, code: str) -> dict[str, Any] | None:
    """A cylinder's current state and its `cylinder.scanned` events, newest first."""
    state = _rows(engine, select(CylinderState.__table__).where(CylinderState.code == code))
    owner = _rows(engine, select(Cylinder.enterprise_id).where(Cylinder.code == code))
    if not state and not owner:
        return None
    enterprise = owner[0]["enterprise_id"] if owner else None
    district = state[0]["district"] if state else None
    if scope.enterprise_id is not None and enterprise != scope.enterprise_id:
        return None
    if scope.district is not None and district != scope.district:
        return None
    scans = select(EventRecord.seq, EventRecord.occurred_at, EventRecord.district, EventRecord.data)
    scans = scans.where(
        EventRecord.type == "cylinder.scanned",
        EventRecord.data["code"].as_string() == code,
    )
    events = _rows(engine, scans.order_by(EventRecord.seq.desc()).limit(CHAIN_LIMIT))
    current = state[0] if state else None
    return {
        "code": code,
        "enterprise_id": enterprise,
        "stage": current["stage"] if current else None,
        "is_black": bool(current["is_black"]) if current else enterprise is None,
        "scans": [
            {
                "occurred_at": e["occurred_at"],
                "stage": e["data"].get("stage"),
                "site_id": e["data"].get("site_id"),
                "worker_id": e["data"].get("worker_id"),
                "customer_id": e["data"].get("customer_id"),
            }
            for e in events
        ],
    }


def hazard_history(engine: Engine, scope: Scope, hazard_id: str) -> dict[str, Any] | None:
    """A hazard and its status changes, oldest first."""
    hazards = _rows(engine, select(Hazard.__table__).where(Hazard.id == hazard_id))
    if not hazards or not _hazard_in_scope(engine, scope, hazards[0]):
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
    return {**hazards[0], "history": history}


def _hazard_in_scope(engine: Engine, scope: Scope, hazard: dict[str, Any]) -> bool:
    if scope.district is not None and hazard["district"] != scope.district:
        return False
    if scope.enterprise_id is None:
        return True
    if hazard["target_type"] == "enterprise":
        return hazard["target_id"] == scope.enterprise_id
    if hazard["target_type"] != "site":
        return False
    owner = _rows(engine, select(Site.enterprise_id).where(Site.id == hazard["target_id"]))
    return bool(owner) and owner[0]["enterprise_id"] == scope.enterprise_id


def incident_timeline(engine: Engine, scope: Scope, incident_id: str) -> dict[str, Any] | None:
    """An incident and its newest timeline entries, oldest first; authorities only."""
    incident = incident_view.incident(engine, incident_id, scope)
    if incident is None:
        return None
    timeline = incident_view.timeline(engine, incident_id)[-TIMELINE_LIMIT:]
    return {**asdict(incident), "timeline": [asdict(entry) for entry in timeline]}


def team_detail(engine: Engine, scope: Scope, team_id: str) -> dict[str, Any] | None:
    """A team: its registry record, current status and place, and the incident it serves."""
    if scope.enterprise_id is not None:
        return None
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
            TeamState.speed_kmh,
            TeamState.updated_at,
        )
        .join(TeamState, TeamState.team_id == Team.id, isouter=True)
        .where(Team.id == team_id)
    )
    if scope.district is not None:
        query = query.where(Team.district == scope.district)
    rows = _rows(engine, query)
    return rows[0] if rows else None


# --- the registry's objects on the map: sites, resources, pipelines, sensors, digs ----------

LIST_LIMIT = 20  # rows per list in a detail (hazards, alarms, digs, sensors)
READINGS_LIMIT = 10
# Added to a dig's radius when looking for pipes near it: the same margin as the projection's
# excavation rule (a phone's GPS fix against a pipeline map of a few tens of metres).
NEAR_MARGIN_M = EXCAVATION_MARGIN_M


def site_detail(
    engine: Engine, scope: Scope, site_id: str, day_start: datetime
) -> dict[str, Any] | None:
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
            *_district_names(),
        )
        .join(Enterprise, Enterprise.id == Site.enterprise_id)
        .join(District, District.code == Site.district, isouter=True)
        .where(Site.id == site_id)
    )
    sites = _rows(engine, _scoped(query, scope, Site.district, Site.enterprise_id))
    if not sites:
        return None
    scans = (
        select(SCAN_STAGE.label("stage"), func.count().label("count"))
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
    last = _rows(engine, inspections)
    return {
        **sites[0],
        "scans_today": {r["stage"]: int(r["count"]) for r in _rows(engine, scans)},
        "open_hazards": _rows(engine, hazards),
        "last_inspection": last[0] if last else None,
    }


def _district_names() -> tuple[Any, Any]:
    """The district's names (district_zh, district_en), from a join with `districts`."""
    return District.name_zh.label("district_zh"), District.name_en.label("district_en")


def _scoped(query: Any, scope: Scope, district: Any, enterprise: Any) -> Any:
    """`query` narrowed to the scope's district and enterprise (by the given columns)."""
    if scope.district is not None:
        query = query.where(district == scope.district)
    if scope.enterprise_id is not None:
        query = query.where(enterprise == scope.enterprise_id)
    return query


def resource_detail(engine: Engine, scope: Scope, resource_id: str) -> dict[str, Any] | None:
    """A vehicle, supply depot or expert, with its team's name and status; authorities only."""
    if scope.enterprise_id is not None:
        return None
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
            *_district_names(),
        )
        .join(Team, Team.id == Resource.team_id, isouter=True)
        .join(District, District.code == Resource.district, isouter=True)
        .join(TeamState, TeamState.team_id == Resource.team_id, isouter=True)
        .where(Resource.id == resource_id)
    )
    if scope.district is not None:
        query = query.where(Resource.district == scope.district)
    rows = _rows(engine, query)
    return rows[0] if rows else None


def pipeline_detail(
    engine: Engine, scope: Scope, segment_id: str, today: date
) -> dict[str, Any] | None:
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
            PipelineSegment.min_lat,
            PipelineSegment.min_lon,
            PipelineSegment.max_lat,
            PipelineSegment.max_lon,
            Enterprise.name.label("enterprise"),
            *_district_names(),
        )
        .join(Enterprise, Enterprise.id == PipelineSegment.enterprise_id)
        .join(District, District.code == PipelineSegment.district, isouter=True)
        .where(PipelineSegment.id == segment_id)
    )
    segments = _rows(
        engine, _scoped(query, scope, PipelineSegment.district, PipelineSegment.enterprise_id)
    )
    if not segments:
        return None
    segment = segments[0]
    sensors = with_alarm_state(
        engine,
        _rows(
            engine,
            select(Sensor.id, Sensor.kind)
            .where(Sensor.segment_id == segment_id)
            .order_by(Sensor.id)
            .limit(LIST_LIMIT),
        ),
    )
    return {**segment, "sensors": sensors, "excavations": _digs_near(engine, scope, segment, today)}


def _digs_near(
    engine: Engine, scope: Scope, box: dict[str, Any], today: date
) -> list[dict[str, Any]]:
    """Digs not yet over whose buffer (radius + margin) reaches the segment's bounding box.

    Linear in SQL on both databases: a degree of longitude is taken at the box's middle latitude
    (a segment spans a few km at most, so the error is far below the margin). The authorities'
    view only, like the excavation layer."""
    if scope.enterprise_id is not None or box["min_lat"] is None:
        return []
    middle = (box["min_lat"] + box["max_lat"]) / 2
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
            Excavation.lat + reach * per_lat >= box["min_lat"],
            Excavation.lat - reach * per_lat <= box["max_lat"],
            Excavation.lon + reach * per_lon >= box["min_lon"],
            Excavation.lon - reach * per_lon <= box["max_lon"],
        )
        .order_by(Excavation.starts_on.desc(), Excavation.id)
        .limit(LIST_LIMIT)
    )
    if scope.district is not None:
        query = query.where(Excavation.district == scope.district)
    return _rows(engine, query)


def sensor_detail(engine: Engine, scope: Scope, sensor_id: str) -> dict[str, Any] | None:
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
            func.coalesce(Site.enterprise_id, PipelineSegment.enterprise_id).label("owner"),
            *_district_names(),
        )
        .join(District, District.code == Sensor.district, isouter=True)
        .join(Site, Site.id == Sensor.site_id, isouter=True)
        .join(PipelineSegment, PipelineSegment.id == Sensor.segment_id, isouter=True)
        .where(Sensor.id == sensor_id)
    )
    sensors = _rows(engine, query)
    if not sensors:
        return None
    sensor = sensors[0]
    if scope.district is not None and sensor["district"] != scope.district:
        return None
    if scope.enterprise_id is not None and sensor["owner"] != scope.enterprise_id:
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
    alarm_rows = _rows(engine, alarms)
    return {
        **sensor,
        "state": "alarm" if any(a["status"] != "cleared" for a in alarm_rows) else "normal",
        "readings": [
            {"occurred_at": r["occurred_at"], "value": r["data"].get("value")}
            for r in _rows(engine, readings)
        ],
        "alarms": alarm_rows,
    }


def excavation_detail(engine: Engine, scope: Scope, permit_id: str) -> dict[str, Any] | None:
    """A dig, its rule finding (newest, open or resolved) and the segments within its reach,
    nearest first; the authorities' view only, like the excavation layer."""
    if scope.enterprise_id is not None:
        return None
    query = (
        select(Excavation.__table__, *_district_names())
        .join(District, District.code == Excavation.district, isouter=True)
        .where(Excavation.id == permit_id)
    )
    if scope.district is not None:
        query = query.where(Excavation.district == scope.district)
    digs = _rows(engine, query)
    if not digs:
        return None
    dig = digs[0]
    finding = _rows(
        engine,
        select(Finding.detail, Finding.resolved, Finding.resolution, Finding.occurred_at)
        .where(Finding.subject_id == permit_id, Finding.kind == EXCAVATION)
        .order_by(Finding.seq.desc())
        .limit(1),
    )
    return {
        **dig,
        "finding": finding[0] if finding else None,
        "segments": _segments_near(engine, scope, dig),
    }


def _segments_near(engine: Engine, scope: Scope, dig: dict[str, Any]) -> list[dict[str, Any]]:
    """Segments whose polyline comes within the dig's radius + margin, with the distance."""
    reach = dig["radius_m"] + NEAR_MARGIN_M
    dlat = reach / M_PER_DEG_LAT
    dlon = reach / (M_PER_DEG_LAT * max(math.cos(math.radians(dig["lat"])), 1e-6))
    query = select(
        PipelineSegment.id,
        PipelineSegment.pressure_class,
        PipelineSegment.enterprise_id,
        PipelineSegment.coords,
    ).where(
        PipelineSegment.min_lat <= dig["lat"] + dlat,
        PipelineSegment.max_lat >= dig["lat"] - dlat,
        PipelineSegment.min_lon <= dig["lon"] + dlon,
        PipelineSegment.max_lon >= dig["lon"] - dlon,
    )
    if scope.district is not None:
        query = query.where(PipelineSegment.district == scope.district)
    near = []
    for row in _rows(engine, query):
        coords = row.pop("coords")
        distance = distance_m(dig["lat"], dig["lon"], coords)
        if distance <= reach:
            near.append({**row, "distance_m": distance})
    return sorted(near, key=lambda s: s["distance_m"])[:LIST_LIMIT]
