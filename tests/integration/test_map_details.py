"""The One Map's details of registry objects (site, resource, pipeline, sensor, excavation) on the
demo city, on SQLite and PostgreSQL: their content comes from events appended through the real
event log, and a district officer or an enterprise gets nothing outside its scope.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from dashboard.domain.events import (
    CylinderScanned,
    Event,
    ExcavationRegistered,
    HazardReported,
    InspectionCompleted,
    SensorReading,
    TeamStatus,
)
from dashboard.domain.periods import city_periods
from dashboard.domain.roles import Scope
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import PipelineSegment, Resource, Sensor, Site
from data_access.queries import map_details
from tests.integration.test_map_layers import (  # the same seeded city and helpers
    CITYWIDE,
    JIANGAN,
    WUCHANG,
    _append,
    _first,
    earlier_today,
)

STRANGER = Scope(enterprise_id="ENT-NOT-MINE")


def _other(district: str) -> str:
    return WUCHANG if district != WUCHANG else JIANGAN


def _segment_sensor(engine: Engine):
    """A sensor on a pipeline segment with a high threshold, and its segment."""
    sensor = _first(
        engine,
        select(Sensor)
        .where(Sensor.segment_id.is_not(None), Sensor.high.is_not(None))
        .order_by(Sensor.id),
    )
    assert sensor is not None, "the demo city has sensors on its pipelines"
    segment = _first(engine, select(PipelineSegment).where(PipelineSegment.id == sensor.segment_id))
    return sensor, segment


def _dig_on(segment, permit: str, signed: bool = False) -> ExcavationRegistered:
    """A dig of 30 m right on the segment's first vertex, running through the coming days."""
    lat, lon = segment.coords[0]
    today = city_periods(datetime.now(UTC), "Asia/Shanghai").today
    return ExcavationRegistered(
        permit_id=permit,
        contractor="测试施工队",
        district=segment.district,
        lat=lat,
        lon=lon,
        radius_m=30,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=5),
        agreement_signed=signed,
    )


def test_a_sites_detail_counts_todays_scans_and_lists_hazards_and_the_last_inspection(
    city: Engine,
) -> None:
    site = _first(
        city, select(Site).where(Site.district == JIANGAN, Site.kind == "filling_station")
    )
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    day_start = periods.day_start
    before = map_details.site_detail(city, CITYWIDE, site.id, day_start)
    assert before is not None
    fillings = before.scans_today.get("filling", 0)
    scan = {"stage": "filling", "site_id": site.id, "lat": site.lat, "lon": site.lon}
    _append(
        city,
        CylinderScanned(code="DETAIL-CYL-1", **scan),
        CylinderScanned(code="DETAIL-CYL-2", **scan),
        HazardReported(
            hazard_id="HZ-DETAIL-1",
            target_type="site",
            target_id=site.id,
            district=JIANGAN,
            category="leak",
            level="major",
            description="阀门漏气",
            lat=site.lat,
            lon=site.lon,
            due_at=datetime.now(UTC) + timedelta(days=3),
        ),
        InspectionCompleted(
            inspection_id="INSP-DETAIL-1",
            kind="special",
            target_type="site",
            target_id=site.id,
            district=JIANGAN,
            inspector_id="inspector-9",
            items=[{"item": "valves", "passed": False}],
            lat=site.lat,
            lon=site.lon,
        ),
        at=earlier_today(periods, 0.5),
    )
    detail = map_details.site_detail(city, CITYWIDE, site.id, day_start)
    assert detail is not None
    assert detail.name == site.name and detail.kind == "filling_station"
    assert detail.enterprise_id == site.enterprise_id and detail.enterprise
    assert detail.district == JIANGAN and detail.district_zh
    assert detail.scans_today["filling"] == fillings + 2
    assert "HZ-DETAIL-1" in [h.id for h in detail.open_hazards]
    assert detail.last_inspection.id == "INSP-DETAIL-1"
    assert detail.last_inspection.passed is False

    own = Scope(enterprise_id=site.enterprise_id)
    assert map_details.site_detail(city, own, site.id, day_start) is not None
    assert map_details.site_detail(city, Scope(district=JIANGAN), site.id, day_start) is not None
    assert map_details.site_detail(city, Scope(district=WUCHANG), site.id, day_start) is None
    assert map_details.site_detail(city, STRANGER, site.id, day_start) is None
    assert map_details.site_detail(city, CITYWIDE, "SITE-NONE", day_start) is None


def test_a_resources_detail_names_its_team_and_the_teams_status(city: Engine) -> None:
    resource = _first(
        city,
        select(Resource)
        .where(Resource.team_id.is_not(None), Resource.district.is_not(None))
        .order_by(Resource.id),
    )
    assert resource is not None
    detail = map_details.resource_detail(city, CITYWIDE, resource.id)
    assert detail is not None
    assert detail.kind == resource.kind and detail.name == resource.name
    assert detail.team and detail.skills == resource.skills

    _append(city, TeamStatus(team_id=resource.team_id, status="off_duty"))
    detail = map_details.resource_detail(city, CITYWIDE, resource.id)
    assert detail is not None and detail.team_status == "off_duty"

    home = Scope(district=resource.district)
    assert map_details.resource_detail(city, home, resource.id) is not None
    assert (
        map_details.resource_detail(city, Scope(district=_other(resource.district)), resource.id)
        is None
    )
    assert map_details.resource_detail(city, STRANGER, resource.id) is None


def test_a_pipelines_detail_shows_its_sensors_state_and_digs_near_it(city: Engine) -> None:
    sensor, segment = _segment_sensor(city)
    today = city_periods(datetime.now(UTC), "Asia/Shanghai").today
    _append(
        city,
        SensorReading(sensor_id=sensor.id, value=sensor.high + 100),  # raises an alarm
        _dig_on(segment, "DIG-DETAIL-P"),
    )
    detail = map_details.pipeline_detail(city, CITYWIDE, segment.id, today)
    assert detail is not None
    assert detail.pressure_class == segment.pressure_class
    assert detail.material == segment.material and detail.laid_year == segment.laid_year
    assert detail.length_m == pytest.approx(segment.length_m)
    assert detail.enterprise_id == segment.enterprise_id and detail.enterprise
    states = {s.id: s.state for s in detail.sensors}
    assert states[sensor.id] == "alarm"
    assert "DIG-DETAIL-P" in [d.id for d in detail.excavations]

    # A dig that is over is no longer shown.
    assert all(
        d.id != "DIG-DETAIL-P"
        for d in map_details.pipeline_detail(
            city, CITYWIDE, segment.id, today + timedelta(days=30)
        ).excavations
    )

    own = map_details.pipeline_detail(
        city, Scope(enterprise_id=segment.enterprise_id), segment.id, today
    )
    assert own is not None and own.excavations == []  # digs are the authorities' view
    other = Scope(district=_other(segment.district))
    assert map_details.pipeline_detail(city, other, segment.id, today) is None
    assert map_details.pipeline_detail(city, STRANGER, segment.id, today) is None


def test_a_sensors_detail_lists_its_newest_readings_and_its_alarms(city: Engine) -> None:
    sensor, segment = _segment_sensor(city)
    normal = sensor.high - 0.001 if sensor.low is None else (sensor.low + sensor.high) / 2
    _append(city, SensorReading(sensor_id=sensor.id, value=normal), minutes_ago=3)
    _append(city, SensorReading(sensor_id=sensor.id, value=sensor.high + 100), minutes_ago=2)
    detail = map_details.sensor_detail(city, CITYWIDE, sensor.id)
    assert detail is not None
    assert detail.kind == sensor.kind and detail.high == sensor.high
    assert detail.segment_id == segment.id
    assert [r.value for r in detail.readings[:2]] == [sensor.high + 100, normal]
    assert len(detail.readings) <= map_details.READINGS_LIMIT
    assert detail.state == "alarm"
    assert detail.alarms[0].status == "raised"

    _append(city, SensorReading(sensor_id=sensor.id, value=normal), minutes_ago=1)  # clears it
    detail = map_details.sensor_detail(city, CITYWIDE, sensor.id)
    assert detail is not None and detail.state == "normal"
    assert detail.alarms[0].status == "cleared"

    own = Scope(enterprise_id=segment.enterprise_id)
    assert map_details.sensor_detail(city, own, sensor.id) is not None
    assert map_details.sensor_detail(city, Scope(district=sensor.district), sensor.id) is not None
    assert (
        map_details.sensor_detail(city, Scope(district=_other(sensor.district)), sensor.id) is None
    )
    assert map_details.sensor_detail(city, STRANGER, sensor.id) is None
    assert map_details.sensor_detail(city, CITYWIDE, "SENSOR-NONE") is None


def test_an_excavations_detail_shows_its_finding_and_the_pipes_in_reach(city: Engine) -> None:
    _sensor, segment = _segment_sensor(city)
    _append(city, _dig_on(segment, "DIG-DETAIL-X"), minutes_ago=2)
    detail = map_details.excavation_detail(city, CITYWIDE, "DIG-DETAIL-X")
    assert detail is not None
    assert detail.contractor == "测试施工队" and detail.radius_m == 30
    assert detail.agreement_signed is False and detail.starts_on < detail.ends_on
    assert detail.finding is not None and detail.finding.resolved is False
    near = {s.id: s.distance_m for s in detail.segments}
    assert near[segment.id] < 1  # the dig sits on the segment's first vertex

    _append(city, _dig_on(segment, "DIG-DETAIL-X", signed=True), minutes_ago=1)
    detail = map_details.excavation_detail(city, CITYWIDE, "DIG-DETAIL-X")
    assert detail is not None and detail.agreement_signed is True
    assert detail.finding.resolved is True

    home = Scope(district=segment.district)
    assert map_details.excavation_detail(city, home, "DIG-DETAIL-X") is not None
    other = Scope(district=_other(segment.district))
    assert map_details.excavation_detail(city, other, "DIG-DETAIL-X") is None
    owner = Scope(enterprise_id=segment.enterprise_id)
    assert map_details.excavation_detail(city, owner, "DIG-DETAIL-X") is None


def test_an_incidents_timeline_reads_in_the_users_language(demo_app) -> None:
    from dash.development.base_component import Component

    from callbacks.one_map_detail import incident_detail
    from dashboard.domain.events import IncidentReported, TeamStatus
    from data_access.models import Team

    engine = demo_app.server.config["GASCC_ENGINE"]
    team = _first(engine, select(Team.id))
    when = datetime.now(UTC)
    report = IncidentReported(incident_id="I-LANG", kind="explosion", channel="fire_119",
                              lat=30.55, lon=114.31, address="武昌区某路1号", severity=4,
                              description="餐馆爆炸")  # fmt: skip
    moving = TeamStatus(team_id=team.id, status="en_route", incident_id="I-LANG")
    items = [
        Incoming("fire-119", Event.of(report, id="lang-1", occurred_at=when)),
        Incoming("field", Event.of(moving, id="lang-2", occurred_at=when)),
    ]
    assert all(isinstance(o, Accepted) for o in append_events(engine, items))

    def text(node) -> str:
        if isinstance(node, Component):
            return text(getattr(node, "children", None))
        if isinstance(node, list | tuple):
            return " ".join(text(child) for child in node)
        return "" if node is None else str(node)

    with demo_app.server.app_context():
        chinese = text(incident_detail(Scope(), "I-LANG", "zh"))
        english = text(incident_detail(Scope(), "I-LANG", "en"))
    assert "爆炸" in chinese and "接报" in chinese and "出动中" in chinese
    assert "Explosion" in english and "Reported" in english and "En route" in english
    assert "incident.reported" not in chinese + english


def test_an_enterprise_reads_the_history_of_its_own_hazards_only(city: Engine) -> None:
    site = _first(city, select(Site).where(Site.district == JIANGAN).order_by(Site.id))
    found = {"district": JIANGAN, "category": "leak", "level": "general",
             "description": "软管老化", "lat": site.lat, "lon": site.lon,
             "due_at": datetime.now(UTC) + timedelta(days=3)}  # fmt: skip
    _append(
        city,
        HazardReported(hazard_id="HZ-AT-SITE", target_type="site", target_id=site.id, **found),
        HazardReported(
            hazard_id="HZ-AT-ENT", target_type="enterprise", target_id=site.enterprise_id, **found
        ),
    )
    own = Scope(enterprise_id=site.enterprise_id)
    for hazard_id in ("HZ-AT-SITE", "HZ-AT-ENT"):
        history = map_details.hazard_history(city, own, hazard_id)
        assert history is not None and history.history[0].status == "reported"
        assert map_details.hazard_history(city, STRANGER, hazard_id) is None
        assert map_details.hazard_history(city, Scope(district=JIANGAN), hazard_id) is not None
        assert map_details.hazard_history(city, Scope(district=WUCHANG), hazard_id) is None
