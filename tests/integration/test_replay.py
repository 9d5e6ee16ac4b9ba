"""The time slider's replay: the city at a past moment, from the projections and the log."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from dashboard.choropleth import METRICS
from dashboard.domain.periods import city_periods
from dashboard.domain.roles import Scope
from data_access.queries.map_layers import area_values
from data_access.queries.one_map import MovingPoint
from data_access.queries.replay import areas_at, city_at, moment_of
from tests.integration.test_eventlog import accepted, append, at, ev, scan, seed_city

WEST, EAST = "420102", "420106"
CITY = Scope()
ZONE = "Asia/Shanghai"


def incident(event_id: str, minutes: float, incident_id: str, lat: float, lon: float):
    return ev("incident.reported", event_id, minutes, incident_id=incident_id, kind="leak",
              channel="hotline_96511", lat=lat, lon=lon, address="somewhere", severity=2,
              description="smell of gas")  # fmt: skip


def story(engine: Engine) -> None:
    """Minute 10 an incident in the west, the team drives there at 20-30, closed at minute 60."""
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("s-fill", "Y1", "filling", 5, site_id="s1", worker_id="w1"),
            incident("i-rep", 10, "I1", 30.61, 114.31),
            ev("team.status", "t-go", 20, team_id="t1", status="en_route", incident_id="I1"),
            ev("team.position", "t-p1", 25, team_id="t1", lat=30.605, lon=114.305),
            ev("team.position", "t-p2", 30, team_id="t1", lat=30.61, lon=114.31),
            ev("team.status", "t-on", 30, team_id="t1", status="on_scene", incident_id="I1"),
            ev("incident.closed", "i-close", 60, incident_id="I1", by="duty", summary="fixed"),
            ev("team.status", "t-back", 61, team_id="t1", status="available"),
        )
    )


def points(moment, kind: str) -> dict[str, MovingPoint]:
    return {p.id: p for p in moment.points if p.kind == kind}


def test_before_the_incident_the_city_is_quiet(engine: Engine) -> None:
    story(engine)
    moment = city_at(engine, CITY, at(9), ZONE)
    assert points(moment, "incident") == {}
    assert points(moment, "team")["t1"].state == "available"
    assert moment.kpis.emergency.incidents_open == 0
    assert moment.kpis.emergency.teams_available == 1


def test_mid_response_the_team_is_where_its_last_report_put_it(engine: Engine) -> None:
    story(engine)
    moment = city_at(engine, CITY, at(27), ZONE)
    team = points(moment, "team")["t1"]
    assert (team.state, team.lat, team.lon) == ("en_route", 30.605, 114.305)
    assert set(points(moment, "incident")) == {"I1"}
    assert moment.kpis.emergency.incidents_open == 1
    assert moment.kpis.emergency.teams_available == 0


def test_after_the_close_the_incident_is_gone_and_the_team_free(engine: Engine) -> None:
    story(engine)
    moment = city_at(engine, CITY, at(90), ZONE)
    assert points(moment, "incident") == {}
    assert points(moment, "team")["t1"].state == "available"


def test_scans_count_from_local_midnight_up_to_the_moment(engine: Engine) -> None:
    story(engine)
    assert city_at(engine, CITY, at(4), ZONE).kpis.fillings_today == 0
    assert city_at(engine, CITY, at(6), ZONE).kpis.fillings_today == 1
    # 08:05 UTC is 16:05 in Shanghai: the next local day starts at 16:00 UTC
    next_day = at(0).replace(hour=16, minute=30)
    assert city_at(engine, CITY, next_day, ZONE).kpis.fillings_today == 0


def test_hazards_open_and_overdue_at_the_moment(engine: Engine) -> None:
    seed_city(engine)
    due = at(30).isoformat()
    accepted(
        append(
            engine,
            ev("hazard.reported", "h-rep", 0, hazard_id="H1", target_type="site", target_id="s1",
               district=WEST, category="hose", level="general", description="old hose",
               lat=30.6, lon=114.3, due_at=due),
            ev("hazard.updated", "h-close", 50, hazard_id="H1", status="closed", actor="x"),
        )
    )  # fmt: skip
    counts = [city_at(engine, CITY, at(m), ZONE).kpis for m in (-1, 10, 40, 55)]
    assert [(c.hazards_open, c.hazards_overdue) for c in counts] == [
        (0, 0),
        (1, 0),
        (1, 1),
        (0, 0),
    ]


def test_a_district_officer_replays_only_their_district(engine: Engine) -> None:
    story(engine)
    east = city_at(engine, Scope(district=EAST), at(27), ZONE)
    assert east.points == []  # the incident and the team are in the west
    assert east.kpis.emergency.incidents_open == 0
    west = city_at(engine, Scope(district=WEST), at(27), ZONE)
    assert {p.id for p in west.points} == {"I1", "t1"}


def test_an_enterprise_sees_its_own_scans_and_no_emergencies(engine: Engine) -> None:
    story(engine)
    mine = city_at(engine, Scope(enterprise_id="e1"), at(27), ZONE)
    assert (mine.points, mine.kpis.fillings_today) == ([], 1)
    other = city_at(engine, Scope(enterprise_id="e2"), at(27), ZONE)
    assert other.kpis.fillings_today == 0


def test_replayed_coverage_and_hazards_are_as_of_the_moment_not_today(engine: Engine) -> None:
    """Station s1 (west) inspected at minute 100; a hazard reported at 120 and closed at 200:
    before 100 the west's coverage is what it was then, not today's."""
    seed_city(engine)
    due = at(150).isoformat()
    accepted(
        append(
            engine,
            ev("inspection.completed", "in-1", 100, inspection_id="in-1", kind="daily",
               target_type="site", target_id="s1", district=WEST, inspector_id="insp-7",
               items=[{"item": "hose", "passed": True}], lat=30.6, lon=114.3),
            ev("hazard.reported", "h-rep", 120, hazard_id="H1", target_type="site",
               target_id="s1", district=WEST, category="hose", level="general",
               description="old hose", lat=30.6, lon=114.3, due_at=due),
            ev("hazard.updated", "h-close", 200, hazard_id="H1", status="closed", actor="x"),
        )
    )  # fmt: skip
    coverage = METRICS["coverage"].compute
    periods = city_periods(datetime.now(UTC), ZONE)
    today = area_values(engine, CITY, "district", periods.now, periods.quarter_start)[WEST]
    before = areas_at(engine, CITY, "district", at(50), ZONE)[WEST]
    after = areas_at(engine, CITY, "district", at(160), ZONE)[WEST]
    assert (before["due"], before.get("inspected", 0)) == (today["due"], 0)
    assert today["inspected"] == after["inspected"] == 1
    assert coverage(before) == 0.0 and coverage(today) == coverage(after) > 0.0
    hazards = [
        (m.get("hazards_open", 0), m.get("hazards_overdue", 0)) for m in (before, after, today)
    ]
    assert hazards == [(0, 0), (1, 1), (0, 0)]
    # the grid cells rewind the same way (s1's cell)
    cells = areas_at(engine, CITY, "grid", at(50), ZONE)
    assert all(values.get("inspected", 0) == 0 for values in cells.values())


def test_inspections_of_an_earlier_quarter_do_not_count_at_a_replayed_moment(
    engine: Engine,
) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            ev("inspection.completed", "in-1", 0, inspection_id="in-1", kind="daily",
               target_type="site", target_id="s1", district=WEST, inspector_id="insp-7",
               items=[{"item": "hose", "passed": True}], lat=30.6, lon=114.3),
        )
    )  # fmt: skip
    next_quarter = datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
    assert areas_at(engine, CITY, "district", next_quarter, ZONE)[WEST].get("inspected", 0) == 0
    assert areas_at(engine, CITY, "district", at(10), ZONE)[WEST]["inspected"] == 1


def test_the_slider_value_becomes_a_whole_minute_at_most_a_day_back() -> None:
    now = datetime(2026, 12, 3, 1, 0, 30, tzinfo=UTC)
    assert moment_of(0, now) is None and moment_of(None, now) is None
    assert moment_of(-10, now) == datetime(2026, 12, 3, 0, 50, tzinfo=UTC)
    assert moment_of(-5000, now) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
