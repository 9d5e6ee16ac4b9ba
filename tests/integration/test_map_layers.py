"""The One Map's layer, KPI and detail queries on a seeded city, on SQLite and PostgreSQL.

Events go through the real event log (append_events), so the projections the queries read are
the ones the gateway would write.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from dashboard.domain.events import (
    CylinderScanned,
    Event,
    ExcavationRegistered,
    HazardReported,
    HazardUpdated,
    IncidentDispatched,
    IncidentReported,
    InspectionCompleted,
    SensorReading,
    TeamStatus,
)
from dashboard.domain.periods import Periods, city_periods
from dashboard.domain.roles import Scope
from dashboard.domain.scoring import current_quarter, load_config_file
from data_access.cache import MemoryCache, use_cache
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import (
    Alarm,
    Customer,
    Cylinder,
    EventRecord,
    Excavation,
    Finding,
    Hazard,
    Incident,
    PipelineSegment,
    Resource,
    Sensor,
    Site,
    Team,
)
from data_access.queries import map_details, map_layers, one_map, screen
from tests.support import IN_JIANGAN, IN_WUCHANG

JIANGAN, WUCHANG = "420102", "420106"
CITYWIDE = Scope()
CONFIG = load_config_file()


def _append(engine: Engine, *data, minutes_ago: float = 1, at: datetime | None = None) -> None:
    when = at or datetime.now(UTC) - timedelta(minutes=minutes_ago)
    items = [
        Incoming("test", Event.of(d, id=f"e-{i}-{when.timestamp()}", occurred_at=when))
        for i, d in enumerate(data)
    ]
    outcomes = append_events(engine, items)
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes


def earlier_today(periods: Periods, minutes: float) -> datetime:
    """`minutes` (under 60) before `periods.now`, or proportionally less in the first hour of the
    city's day: always today, whatever the time, and moments keep their order."""
    share = min(1.0, (periods.now - periods.day_start) / timedelta(hours=1))
    return periods.now - timedelta(minutes=minutes) * share


def _first(engine: Engine, query):
    with engine.connect() as connection:
        return connection.execute(query).first()


def _site(engine: Engine, district: str, kind: str = "filling_station"):
    return _first(engine, select(Site).where(Site.district == district, Site.kind == kind))


def test_a_running_scan_tally_counts_on_and_agrees_with_a_full_count(city: Engine) -> None:
    station = _site(city, JIANGAN)
    cylinder = _first(
        city, select(Cylinder.code).where(Cylinder.enterprise_id == station.enterprise_id)
    )
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    day_start = periods.day_start

    def filling(at: datetime) -> None:
        scan = CylinderScanned(
            code=cylinder.code, stage="filling", site_id=station.id, lat=station.lat,
            lon=station.lon,
        )  # fmt: skip
        _append(city, scan, at=at)

    first = map_layers.tally_scans(city, CITYWIDE, day_start)
    filling(at=earlier_today(periods, 0.5))
    filling(at=day_start - timedelta(minutes=30))  # arrives now, happened before midnight
    on = map_layers.tally_scans(city, CITYWIDE, day_start, first)
    assert on.seq > first.seq
    assert on.stages.get("filling", 0) == first.stages.get("filling", 0) + 1
    assert on == map_layers.tally_scans(city, CITYWIDE, day_start)  # same as counting afresh
    assert map_layers.tally_scans(city, CITYWIDE, day_start, on) is on  # nothing new: no query

    yesterday = day_start - timedelta(days=1)
    restarted = map_layers.tally_scans(city, CITYWIDE, yesterday, on)
    assert restarted == map_layers.tally_scans(city, CITYWIDE, yesterday)


def test_flows_kpis_and_a_cylinders_scan_chain(city: Engine) -> None:
    station = _site(city, JIANGAN)
    cylinder = _first(
        city, select(Cylinder.code).where(Cylinder.enterprise_id == station.enterprise_id)
    )
    customer = _first(city, select(Customer.id).where(Customer.district == WUCHANG))
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    before = map_layers.live_kpis(city, CITYWIDE, periods.now, periods.day_start)
    _append(
        city,
        CylinderScanned(
            code=cylinder.code,
            stage="filling",
            site_id=station.id,
            lat=station.lat,
            lon=station.lon,
        ),
        at=earlier_today(periods, 3),
    )
    _append(
        city,
        CylinderScanned(
            code=cylinder.code, stage="delivery", customer_id=customer.id, lat=30.55, lon=114.31
        ),
        at=earlier_today(periods, 1),
    )
    after = map_layers.live_kpis(city, CITYWIDE, periods.now, periods.day_start)
    assert after.fillings_today == before.fillings_today + 1
    assert after.deliveries_today == before.deliveries_today + 1

    scans = map_layers.recent_scans(city, CITYWIDE, datetime.now(UTC) - timedelta(hours=1))
    mine = [s for s in scans if s.code == cylinder.code]
    assert [s.stage for s in mine] == ["filling", "delivery"]
    assert mine[0].site_id == station.id and mine[1].district == WUCHANG

    chain = map_details.cylinder_chain(city, CITYWIDE, cylinder.code)
    assert chain is not None
    assert [s.stage for s in chain.scans][:2] == ["delivery", "filling"]  # newest first
    assert (
        map_details.cylinder_chain(city, Scope(enterprise_id="ENT-NOT-MINE"), cylinder.code) is None
    )


def test_hazards_coverage_and_the_risk_inputs_per_district(city: Engine) -> None:
    site = _site(city, JIANGAN)
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    now = periods.now
    _append(
        city,
        HazardReported(
            hazard_id="HZ-T1",
            target_type="site",
            target_id=site.id,
            district=JIANGAN,
            category="leak",
            level="major",
            description="阀门漏气",
            lat=site.lat,
            lon=site.lon,
            due_at=now - timedelta(hours=2),  # already overdue
        ),
        InspectionCompleted(
            inspection_id="INSP-T1",
            kind="daily",
            target_type="site",
            target_id=site.id,
            district=JIANGAN,
            inspector_id="inspector-1",
            items=[{"item": "valves", "passed": True}],
            lat=site.lat,
            lon=site.lon,
        ),
        at=earlier_today(periods, 2),
    )
    metrics = map_layers.area_metrics(
        city, CITYWIDE, "district", periods.now, periods.quarter_start
    )
    jiangan = metrics[JIANGAN]
    assert jiangan["hazards_open"] >= 1 and jiangan["hazards_overdue"] >= 1
    assert jiangan["inspected"] >= 1 and jiangan["due"] > jiangan["inspected"]

    grid = map_layers.area_metrics(city, CITYWIDE, "grid", periods.now, periods.quarter_start)
    assert grid[site.grid_cell]["hazards_overdue"] >= 1 and grid[site.grid_cell]["inspected"] >= 1

    points, total = map_layers.hazard_points(city, CITYWIDE, periods.now, periods.day_start)
    mine = next(p for p in points if p.id == "HZ-T1")
    assert mine.state == "overdue" and total >= 1
    wuchang_points, _ = map_layers.hazard_points(
        city, Scope(district=WUCHANG), periods.now, periods.day_start
    )
    assert all(p.id != "HZ-T1" for p in wuchang_points)

    closed = HazardUpdated(hazard_id="HZ-T1", status="closed", actor="inspector-1")
    _append(city, closed, at=earlier_today(periods, 1))
    points, _ = map_layers.hazard_points(city, CITYWIDE, periods.now, periods.day_start)
    assert next(p for p in points if p.id == "HZ-T1").state == "closed_today"
    history = map_details.hazard_history(city, CITYWIDE, "HZ-T1")
    assert history is not None and history.history[-1].status == "closed"
    assert map_details.hazard_history(city, Scope(district=WUCHANG), "HZ-T1") is None


def test_coverage_counts_supervised_objects_only_and_the_wall_agrees(city: Engine) -> None:
    """Households are not due an inspection (dashboard/domain/coverage.py): inspecting one
    changes no coverage; a restaurant's inspection counts once on the map's districts, its grid
    cells and the wall's safety ranking alike."""
    kinds = {}
    for kind in ("household", "commercial"):
        kinds[kind] = _first(
            city, select(Customer).where(Customer.district == JIANGAN, Customer.kind == kind)
        )

    def inspected() -> tuple[int, int]:
        periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
        args = (city, CITYWIDE)
        district = map_layers.area_metrics(*args, "district", periods.now, periods.quarter_start)
        grid = map_layers.area_metrics(*args, "grid", periods.now, periods.quarter_start)
        wall = screen.wall_ranking(*args, current_quarter(periods.now), CONFIG, periods.now)
        assert wall is not None
        anything = any(counts.get("inspected") for counts in district.values())
        for row in wall.ranking.rows:  # the wall's ranking reads the same counts as the map
            counts, rate = district.get(row.code, {}), row.counts.rates["inspection_coverage"]
            if not anything:  # nothing inspected in the city: coverage does not apply yet
                assert rate.denominator == 0
                continue
            assert (rate.denominator, rate.numerator) == (counts["due"], counts.get("inspected", 0))
        in_cells = sum(cell.get("inspected", 0) for cell in grid.values())
        return district[JIANGAN].get("inspected", 0), in_cells

    before = inspected()
    _append(
        city,
        *(
            InspectionCompleted(
                inspection_id=f"INSP-{kind}",
                kind="daily",
                target_type="customer",
                target_id=customer.id,
                district=JIANGAN,
                inspector_id="inspector-1",
                items=[{"item": "hose", "passed": True}],
                lat=customer.lat,
                lon=customer.lon,
            )
            for kind, customer in kinds.items()
        ),
    )
    assert inspected() == (before[0] + 1, before[1] + 1)


def test_emergency_and_network_layers_respect_the_scope(city: Engine) -> None:
    _append(
        city,
        IncidentReported(
            incident_id="INC-M1",
            kind="leak",
            channel="hotline_96511",
            lat=30.55,
            lon=114.31,
            address="武昌某路 1 号",
            severity=2,
            description="燃气味",
        ),
        ExcavationRegistered(
            permit_id="DIG-M1",
            contractor="某施工队",
            district=WUCHANG,
            lat=30.55,
            lon=114.31,
            radius_m=80,
            starts_on=datetime.now(UTC).date() - timedelta(days=1),
            ends_on=datetime.now(UTC).date() + timedelta(days=5),
            agreement_signed=False,
        ),
    )
    today = city_periods(datetime.now(UTC), "Asia/Shanghai").today
    assert any(i.id == "INC-M1" for i in map_layers.incident_clocks(city, CITYWIDE))
    assert not map_layers.incident_clocks(city, Scope(district=JIANGAN)) or all(
        i.id != "INC-M1" for i in map_layers.incident_clocks(city, Scope(district=JIANGAN))
    )
    digs = map_layers.excavation_sites(city, CITYWIDE, today)
    assert [d.radius_m for d in digs if d.id == "DIG-M1"] == [80]
    assert map_layers.excavation_sites(city, Scope(enterprise_id="ENT-0007"), today) == []

    timeline = map_details.incident_timeline(city, CITYWIDE, "INC-M1")
    assert timeline is not None and timeline.timeline[0].kind == "reported"
    assert map_details.incident_timeline(city, Scope(enterprise_id="ENT-0007"), "INC-M1") is None

    pipes = map_layers.pipeline_lines(city, CITYWIDE)
    assert pipes and {p.pressure_class for p in pipes} <= {"low", "medium", "high"}
    jiangan_pipes = map_layers.pipeline_lines(city, Scope(district=JIANGAN))
    assert 0 < len(jiangan_pipes) < len(pipes)
    sensors = map_layers.sensor_points(city, CITYWIDE)
    assert sensors and {s.state for s in sensors} <= {"normal", "alarm"}
    assert map_layers.resource_points(city, CITYWIDE)
    assert map_layers.resource_points(city, Scope(enterprise_id="ENT-0007")) == []

    team = _first(city, select(Team.id, Team.district))
    assert map_details.team_detail(city, CITYWIDE, team.id).members > 0
    other = WUCHANG if team.district != WUCHANG else JIANGAN
    assert map_details.team_detail(city, Scope(district=other), team.id) is None


def test_an_incident_whose_team_is_on_its_way_stays_on_the_map_and_in_the_count(city):
    """En route is open (dashboard/domain/incidents.py): its clock and the KPI keep it."""
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    before = map_layers.live_kpis(city, CITYWIDE, periods.now, periods.day_start)
    team = _first(city, select(Team.id).order_by(Team.id)).id
    _append(
        city,
        IncidentReported(
            incident_id="INC-ER",
            kind="leak",
            channel="hotline_96511",
            lat=30.55,
            lon=114.31,
            address="武昌某路 2 号",
            severity=2,
            description="燃气味",
        ),
        IncidentDispatched(incident_id="INC-ER", team_ids=[team], by="duty", eta_minutes=8),
        TeamStatus(team_id=team, status="en_route", incident_id="INC-ER"),
    )
    with city.connect() as connection:
        assert connection.scalar(select(Incident.status).where(Incident.id == "INC-ER")) == (
            "en_route"
        )
    assert "INC-ER" in {i.id for i in map_layers.incident_clocks(city, CITYWIDE)}
    assert ("incident", "INC-ER") in {(p.kind, p.id) for p in one_map.live_points(city, CITYWIDE)}
    after = map_layers.live_kpis(city, CITYWIDE, datetime.now(UTC), periods.day_start)
    assert after.emergency.incidents_open == before.emergency.incidents_open + 1


def test_an_enterprise_sees_only_its_own_kpis(city: Engine) -> None:
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    kpis = map_layers.live_kpis(
        city, Scope(enterprise_id="ENT-0007"), periods.now, periods.day_start
    )
    assert "incidents_open" not in kpis.by_name() and "alarms_active" not in kpis.by_name()
    assert {"fillings_today", "deliveries_today", "hazards_open"} <= set(kpis.by_name())


# --- every layer: a district officer and an enterprise get their slice of the city's answer --


def _incident_at(incident_id: str, where: tuple[float, float]) -> IncidentReported:
    return IncidentReported(incident_id=incident_id, kind="leak", channel="hotline_96511",
                            lat=where[0], lon=where[1], address="某路 1 号", severity=2,
                            description="燃气味")  # fmt: skip


def _dig(permit: str, district: str, where: tuple[float, float]) -> ExcavationRegistered:
    today = datetime.now(UTC).date()
    return ExcavationRegistered(permit_id=permit, contractor="某施工队", district=district,
                                lat=where[0], lon=where[1], radius_m=50,
                                starts_on=today - timedelta(days=1),
                                ends_on=today + timedelta(days=5),
                                agreement_signed=False)  # fmt: skip


def _two_enterprises_at_work(city: Engine) -> tuple[Site, Site]:
    """A station of one enterprise in Jiang'an, one of another in Wuchang, each with a hazard,
    a filling, a black cylinder scanned, an alarming sensor nearby, an incident and a dig."""
    mine = _site(city, JIANGAN)
    other = _first(
        city,
        select(Site).where(Site.district == WUCHANG, Site.enterprise_id != mine.enterprise_id),
    )
    events: list = []
    for site, where in ((mine, IN_JIANGAN), (other, IN_WUCHANG)):
        code = _first(
            city, select(Cylinder.code).where(Cylinder.enterprise_id == site.enterprise_id)
        ).code
        sensor = _first(
            city,
            select(Sensor).where(Sensor.district == site.district, Sensor.high.is_not(None)),
        )
        place = {"site_id": site.id, "lat": site.lat, "lon": site.lon}
        events += [
            HazardReported(
                hazard_id=f"HZ-{site.id}",
                target_type="site",
                target_id=site.id,
                district=site.district,
                category="leak",
                level="major",
                description="阀门漏气",
                lat=site.lat,
                lon=site.lon,
                due_at=datetime.now(UTC) + timedelta(days=3),
            ),
            CylinderScanned(code=code, stage="filling", **place),
            CylinderScanned(code=f"BLACK-{site.id}", stage="filling", **place),
            SensorReading(sensor_id=sensor.id, value=sensor.high + 100),
            _incident_at(f"INC-{site.id}", where),
            _dig(f"DIG-{site.id}", site.district, where),
        ]
    _append(city, *events)
    return mine, other


def _where(city: Engine) -> dict[str, dict]:
    """Each object's (district, owning enterprise or None), by kind, read from the tables."""
    with city.connect() as connection:
        sites = {r.id: (r.district, r.enterprise_id) for r in connection.execute(select(Site))}
        segments = {
            r.id: (r.district, r.enterprise_id) for r in connection.execute(select(PipelineSegment))
        }
        hazards = {  # found at an enterprise, or at one of its sites
            r.id: (r.district, r.target_id if r.target_type == "enterprise" else None)
            if r.target_type != "site"
            else (r.district, sites[r.target_id][1])
            for r in connection.execute(select(Hazard))
        }
        sensors = {
            r.id: (
                r.district,
                (sites.get(r.site_id) or segments.get(r.segment_id) or (None, None))[1],
            )
            for r in connection.execute(select(Sensor))
        }

        def public(model) -> dict:  # the authorities' objects: no enterprise owns them
            return {r.id: (r.district, None) for r in connection.execute(select(model))}

        findings = {
            r.id: (r.district, r.enterprise_id) for r in connection.execute(select(Finding))
        }
        return {
            "site": sites,
            "pipeline": segments,
            "hazard": hazards,
            "sensor": sensors,
            "finding": findings,
            "alarm": public(Alarm),
            "incident": public(Incident),
            "team": public(Team),
            "resource": public(Resource),
            "excavation": public(Excavation),
        }


def test_each_layer_gives_a_district_officer_and_an_enterprise_their_slice(city: Engine) -> None:
    """What a district officer or an enterprise gets of a layer is exactly what Scope.covers lets
    them see of the city-wide answer (data_access/scope.py and the domain's rule agree)."""
    mine, _other = _two_enterprises_at_work(city)
    where = _where(city)
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    # layer -> (ids of what it shows, where each id's object belongs)
    layers = {
        "sites": (lambda s: {p.id for p in one_map.site_points(city, s)}, where["site"]),
        "moving": (
            lambda s: {(p.kind, p.id) for p in one_map.live_points(city, s)},
            {
                (kind, i): w
                for kind in ("alarm", "incident", "team")
                for i, w in where[kind].items()
            },
        ),
        "alarms": (lambda s: {a.id for a in one_map.active_alarms(city, s)}, where["alarm"]),
        "hazards": (
            lambda s: {
                h.id for h in map_layers.hazard_points(city, s, periods.now, periods.day_start)[0]
            },
            where["hazard"],
        ),
        "scans": (
            lambda s: {(x.code, x.site_id) for x in map_layers.recent_scans(city, s, hour_ago)},
            {
                (x.code, x.site_id): where["site"][x.site_id]
                for x in map_layers.recent_scans(city, Scope(), hour_ago)
            },
        ),
        "anomalies": (
            lambda s: {a.id for a in map_layers.cylinder_anomalies(city, s)},
            where["finding"],
        ),
        "resources": (
            lambda s: {r.id for r in map_layers.resource_points(city, s)},
            where["resource"],
        ),
        "clocks": (
            lambda s: {c.id for c in map_layers.incident_clocks(city, s)},
            where["incident"],
        ),
        "pipelines": (
            lambda s: {p.id for p in map_layers.pipeline_lines(city, s)},
            where["pipeline"],
        ),
        "digs": (
            lambda s: {d.id for d in map_layers.excavation_sites(city, s, periods.today)},
            where["excavation"],
        ),
        "sensors": (lambda s: {x.id for x in map_layers.sensor_points(city, s)}, where["sensor"]),
    }
    officer, enterprise = Scope(district=JIANGAN), Scope(enterprise_id=mine.enterprise_id)
    for name, (shown, belongs) in layers.items():
        everything = shown(CITYWIDE)
        for scope in (officer, enterprise):
            expected = {i for i in everything if scope.covers(*belongs[i])}
            assert shown(scope) == expected, (name, scope)
            if scope is officer or name in ("sites", "hazards", "scans", "anomalies"):
                assert expected, (name, scope)  # the test sees something to slice
            elif name in ("moving", "alarms", "resources", "clocks", "digs"):
                assert not expected and everything  # the authorities' own


def test_area_counts_of_a_district_officer_and_an_enterprise(city: Engine) -> None:
    mine, _other = _two_enterprises_at_work(city)
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    officer, enterprise = Scope(district=JIANGAN), Scope(enterprise_id=mine.enterprise_id)

    def metrics(scope: Scope, level: str) -> dict:
        return map_layers.area_metrics(city, scope, level, periods.now, periods.quarter_start)

    city_districts, city_cells = metrics(CITYWIDE, "district"), metrics(CITYWIDE, "grid")
    assert metrics(officer, "district") == {JIANGAN: city_districts[JIANGAN]}
    cells = {c.code for c in map_layers.grid_shapes(city, officer)}
    assert cells and all(c.district == JIANGAN for c in map_layers.grid_shapes(city, officer))
    assert metrics(officer, "grid") == {c: v for c, v in city_cells.items() if c in cells}
    assert len(map_layers.grid_shapes(city, enterprise)) == len(
        map_layers.grid_shapes(city, CITYWIDE)
    )

    with city.connect() as connection:
        own_sites = connection.execute(
            select(Site.district, func.count())
            .where(Site.enterprise_id == mine.enterprise_id)
            .group_by(Site.district)
        ).all()
    assert one_map.district_counts(city, enterprise) == {d: {"sites": n} for d, n in own_sites}
    own = metrics(enterprise, "district")
    assert {d: v["due"] for d, v in own.items() if "due" in v} == dict(own_sites)
    assert own[JIANGAN]["hazards_open"] == 1  # its own hazard, not the other's in Wuchang
    assert WUCHANG not in own or "hazards_open" not in own[WUCHANG]
    assert one_map.city_counts(city, enterprise)["sites"] == sum(n for _, n in own_sites)


class _KeptCache(MemoryCache):
    """An in-process query cache that remembers what was kept in it."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[tuple[str, object]] = []

    def set(self, key: str, value, seconds: float) -> None:
        self.kept.append((key, value))
        super().set(key, value, seconds)


def test_todays_scans_count_on_from_a_tally_kept_in_the_engines_cache(city: Engine) -> None:
    """The KPI strips' running tally lives in data_access's query cache, one per scope; it
    agrees with counting the day afresh."""
    cache = _KeptCache()
    use_cache(city, cache)
    station = _site(city, JIANGAN)
    code = _first(
        city, select(Cylinder.code).where(Cylinder.enterprise_id == station.enterprise_id)
    )
    day_start = city_periods(datetime.now(UTC), "Asia/Shanghai").day_start
    officer = Scope(district=JIANGAN)
    before = map_layers.todays_scans(city, officer, day_start)
    scan = CylinderScanned(code=code.code, stage="filling", site_id=station.id, lat=station.lat,
                           lon=station.lon)  # fmt: skip
    _append(city, scan, minutes_ago=0.5)
    after = map_layers.todays_scans(city, officer, day_start)
    assert after.get("filling", 0) == before.get("filling", 0) + 1
    assert after == map_layers.tally_scans(city, officer, day_start).stages
    tallies = [v for _, v in cache.kept if isinstance(v, map_layers.ScanTally)]
    with city.connect() as connection:
        newest = connection.scalar(select(func.max(EventRecord.seq)))
    assert len({key for key, _ in cache.kept}) == 1  # one tally for the scope
    assert [t.seq for t in tallies] == [0, newest]  # the day so far, then counted on
    kpis = map_layers.current_kpis(city, officer, datetime.now(UTC), day_start)
    assert kpis.fillings_today == after["filling"] and kpis.emergency is not None
