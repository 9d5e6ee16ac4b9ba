"""The big screen (/screen): its queries on a seeded demo city, scoped, and its page and callbacks
through the Flask test client (real SQLite; the queries also on PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from callbacks.screen import incident_row, ranking_panel
from dashboard.demo import DEMO_DISTRICT
from dashboard.domain.events import CylinderScanned, Event, IncidentReported, InspectionCompleted
from dashboard.domain.periods import Periods, city_periods
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.domain.scoring import current_quarter, load_config_file
from data_access.eventlog import Incoming, append_events
from data_access.models import Cylinder, Site
from data_access.queries import screen as queries
from tests.conftest import sign_in
from tests.support import IN_JIANGAN, IN_WUCHANG

ZONE = "Asia/Shanghai"
JIANGAN = Scope(district=DEMO_DISTRICT)
ENTERPRISE = Scope(enterprise_id="ENT-0001")


def report(engine: Engine, incident_id: str, where: tuple[float, float], minutes_ago: int) -> None:
    when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    data = IncidentReported(
        incident_id=incident_id,
        kind="leak",
        channel="hotline_96511",
        lat=where[0],
        lon=where[1],
        address="江汉路 88 号",
        severity=2,
        description="居民报告闻到燃气味",
    )
    append_events(engine, [Incoming("fire-119", Event.of(data, id=incident_id, occurred_at=when))])


def fill_one(engine: Engine, at: datetime) -> None:
    """A registered cylinder filled at `at` at a Jiang'an filling station."""
    with engine.connect() as connection:
        code = connection.scalar(select(Cylinder.code).limit(1))
        site = connection.execute(
            select(Site.id, Site.lat, Site.lon).where(Site.district == DEMO_DISTRICT).limit(1)
        ).one()
    scan = CylinderScanned(code=code, stage="filling", site_id=site.id, lat=site.lat, lon=site.lon)
    event = Event.of(scan, id="fill-1", occurred_at=at)
    append_events(engine, [Incoming("ENT-test", event)])


@pytest.fixture
def demo_engine(demo_app) -> Engine:
    return demo_app.server.config["GASCC_ENGINE"]


def inspect_one(engine: Engine) -> None:
    """An authority inspection of a Jiang'an site this quarter: from then on coverage applies to
    every district (the seeded city has no inspection: a period before its records)."""
    inspect_site(engine, DEMO_DISTRICT)


def inspect_site(engine: Engine, district: str) -> None:
    with engine.connect() as connection:
        site = connection.execute(
            select(Site.id, Site.lat, Site.lon).where(Site.district == district).limit(1)
        ).one()
    data = InspectionCompleted(
        inspection_id=f"S-INSP-{site.id}",
        kind="daily",
        target_type="site",
        target_id=site.id,
        district=district,
        inspector_id="inspector-1",
        items=[{"item": "valves", "passed": True}],
        lat=site.lat,
        lon=site.lon,
    )
    event = Event.of(data, id=f"s-insp-{site.id}", occurred_at=datetime.now(UTC))
    append_events(engine, [Incoming("tests", event)])


def periods_now() -> Periods:
    """Today's periods, taken once per test: a test that runs over midnight keeps its day."""
    return city_periods(datetime.now(UTC), ZONE)


def test_day_and_quarter_start_at_the_citys_midnight() -> None:
    periods = city_periods(datetime(2026, 5, 20, 17, 30, tzinfo=UTC), ZONE)  # 01:30, 21 May
    assert periods.day_start == datetime(2026, 5, 20, 16, 0, tzinfo=UTC)
    assert periods.quarter_start == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


def test_kpis_count_what_is_open_in_scope(demo_engine) -> None:
    periods = periods_now()
    before = queries.kpis(demo_engine, CITYWIDE, periods.now, periods.day_start)
    report(demo_engine, "S-W", IN_WUCHANG, minutes_ago=5)
    report(demo_engine, "S-J", IN_JIANGAN, minutes_ago=5)
    fill_one(demo_engine, at=periods.now)
    city = queries.kpis(demo_engine, CITYWIDE, periods.now, periods.day_start)
    jiangan = queries.kpis(demo_engine, JIANGAN, periods.now, periods.day_start)
    assert city.emergency.incidents_open == before.emergency.incidents_open + 2
    assert city.fillings_today == before.fillings_today + 1
    assert jiangan.emergency.incidents_open == 1
    assert jiangan.fillings_today == 1
    assert 0 < jiangan.emergency.teams_available < city.emergency.teams_available
    assert queries.kpis(demo_engine, ENTERPRISE, periods.now, periods.day_start) is None


def test_active_incidents_put_the_late_ones_first_and_respect_the_district(demo_engine) -> None:
    report(demo_engine, "S-NEW", IN_WUCHANG, minutes_ago=2)
    report(demo_engine, "S-LATE", IN_WUCHANG, minutes_ago=35)
    report(demo_engine, "S-JA", IN_JIANGAN, minutes_ago=1)
    city = [row.id for row in queries.active_incidents(demo_engine, CITYWIDE)]
    assert city[:3] == ["S-LATE", "S-NEW", "S-JA"]
    assert [row.id for row in queries.active_incidents(demo_engine, JIANGAN)] == ["S-JA"]
    assert queries.active_incidents(demo_engine, ENTERPRISE) == []


def test_the_wall_counts_every_open_incident_beyond_its_rows(demo_engine) -> None:
    before = queries.open_incident_count(demo_engine, CITYWIDE)
    for n in range(3):
        report(demo_engine, f"S-MORE-{n}", IN_WUCHANG, minutes_ago=n + 1)
    report(demo_engine, "S-JA", IN_JIANGAN, minutes_ago=1)
    assert queries.open_incident_count(demo_engine, CITYWIDE) == before + 4
    shown = queries.active_incidents(demo_engine, CITYWIDE, limit=2)
    assert len(shown) == 2 and queries.open_incident_count(demo_engine, CITYWIDE) > len(shown)
    assert queries.open_incident_count(demo_engine, JIANGAN) == 1
    assert queries.open_incident_count(demo_engine, ENTERPRISE) == 0


def wall_ranking(engine: Engine, scope: Scope) -> queries.WallRanking | None:
    now = datetime.now(UTC)
    return queries.wall_ranking(engine, scope, current_quarter(now), load_config_file(), now)


def test_the_ranking_panel_has_every_district_best_first_with_the_citys_ranks(demo_engine):
    inspect_one(demo_engine)
    city = wall_ranking(demo_engine, CITYWIDE)
    assert city is not None and len(city.ranking.rows) == 13
    assert city.ranking.period == current_quarter(datetime.now(UTC))
    assert city.ranking.version == load_config_file().version
    scored = [row for row in city.ranking.rows if row.score.index is not None]
    assert len(scored) == 13  # coverage applies to every district
    indexes = [row.score.index for row in scored]
    assert indexes == sorted(indexes, reverse=True)  # type: ignore[type-var]
    # competition ranks: 1 first, a tie shares its rank, the next one skips (1, 2, 2, 4)
    for place, row in enumerate(scored, start=1):
        earlier = scored[place - 2] if place > 1 else None
        tied = earlier is not None and earlier.score.index == row.score.index
        assert row.rank == (earlier.rank if tied and earlier else place)
    assert all(row.rank is None for row in city.ranking.rows[len(scored) :])
    assert all(row.score.band is not None for row in scored)
    # a district officer's wall: their district, with its place in the city
    (own,) = wall_ranking(demo_engine, JIANGAN).ranking.rows  # type: ignore[union-attr]
    assert own.code == DEMO_DISTRICT
    assert own.rank == next(r.rank for r in city.ranking.rows if r.code == DEMO_DISTRICT)
    assert wall_ranking(demo_engine, ENTERPRISE) is None  # the authorities' comparison


def test_the_ranking_panel_shows_rank_index_band_and_change(demo_engine) -> None:
    inspect_one(demo_engine)
    views = wall_ranking(demo_engine, CITYWIDE)
    assert views is not None
    panel = ranking_panel(views, load_config_file(), "zh")
    drawn = [(row.to_plotly_json()["props"]["data-district"], row) for row in _find_rows(panel)]
    assert [code for code, _ in drawn] == [row.code for row in views.ranking.rows]
    first = views.ranking.rows[0]
    props = drawn[0][1].to_plotly_json()["props"]
    assert props["data-rank"] == "1" and props["data-band"] == first.score.band
    text = json.dumps(panel.to_plotly_json(), default=str, ensure_ascii=False)
    assert f"{first.score.index:.1f}" in text and load_config_file().version in text
    assert "蓝 ≥ 85" in text  # the bands' bounds, from the configuration


def _find_rows(component) -> list:
    """The table rows of the panel that stand for a district."""
    found = []
    stack = [component]
    while stack:
        node = stack.pop()
        props = node.to_plotly_json()["props"] if hasattr(node, "to_plotly_json") else {}
        if "data-district" in props and node.__class__.__name__ == "Tr":
            found.append(node)
        children = props.get("children")
        if isinstance(children, list | tuple):
            stack.extend(reversed([c for c in children if hasattr(c, "to_plotly_json")]))
        elif hasattr(children, "to_plotly_json"):
            stack.append(children)
    return found


@pytest.mark.parametrize(("seconds", "late"), [(1200, False), (1200.999, False), (1201, True)])
def test_the_walls_clock_is_red_from_twenty_minutes_and_one_second(seconds, late) -> None:
    now = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
    row = queries.ActiveIncident(
        id="S-EDGE",
        kind="leak",
        severity=2,
        address="江汉路 88 号",
        reported_at=now - timedelta(seconds=seconds),
        dispatched_at=None,
        on_scene_at=None,
        name_zh="武昌区",
        name_en="Wuchang",
    )
    drawn = incident_row(row, now, ZoneInfo(ZONE), "en")
    assert (drawn.className == "breach") is late
    clock = drawn.children[-1]
    assert clock.children == ("20:01" if late else "20:00")
    assert ("late" in clock.className.split()) is late


def test_the_cylinder_chain_counts_todays_fillings_by_district(demo_engine) -> None:
    periods = periods_now()
    fill_one(demo_engine, at=periods.now)
    day_start = periods.day_start
    rows = {row.code: row for row in queries.cylinder_chain(demo_engine, CITYWIDE, day_start)}
    assert len(rows) == 13
    assert rows[DEMO_DISTRICT].fillings == 1
    scoped = queries.cylinder_chain(demo_engine, JIANGAN, day_start)
    assert [row.code for row in scoped] == [DEMO_DISTRICT]


def test_every_query_runs_on_an_empty_database(engine) -> None:
    """SQLite and PostgreSQL: the JSON stage lookup and the casts compile on both."""
    now = datetime.now(UTC)
    assert queries.kpis(engine, CITYWIDE, now, now).fillings_today == 0
    assert queries.escalated_hazards(engine, CITYWIDE) == {}
    ranking = queries.wall_ranking(engine, CITYWIDE, current_quarter(now), load_config_file(), now)
    assert ranking is not None and ranking.ranking.rows == []
    assert queries.active_incidents(engine, JIANGAN) == []
    assert queries.cylinder_chain(engine, CITYWIDE, now) == []
    assert queries.cylinder_stage_counts(engine, JIANGAN, now) == {"filling": {}, "delivery": {}}


# --- the page, through the Flask test client ------------------------------------------------


def test_a_screen_account_lands_on_the_big_screen(client) -> None:
    response = sign_in(client, "screen")
    assert response.status_code == 302 and response.headers["Location"] == "/screen"
    assert sign_in(client, "duty").headers["Location"] == "/"


def test_the_screen_frame_has_no_navigation_but_keeps_the_live_channel(client) -> None:
    sign_in(client, "screen")
    layout = client.get("/_dash-layout", headers={"Referer": "http://x/screen?rotate=5"}).json
    text = json.dumps(layout)
    assert "shell-navbar" not in text and "logout" not in text
    assert all(key in text for key in ('"live-status"', '"live-events"', '"live-resync"'))
    assert "shell-navbar" in json.dumps(client.get("/_dash-layout").json)  # other pages keep it


def refresh(client, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]]) -> dict:
    """Fire one of the wall's refresh callbacks (both listen to screen-refresh, so it is named by
    its outputs) as its interval does; the callback's response."""
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": ["screen-refresh.n_intervals"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return response.json["response"]


def refresh_live(client) -> dict:
    outputs = [
        ("screen-kpis", "children"),
        ("screen-incidents", "children"),
        ("screen-points", "data"),
        ("screen-updated", "children"),
        ("screen-updated", "data-at"),
    ]
    inputs = [
        ("screen-refresh", "n_intervals", 1),
        ("screen-tick", "data", None),
        ("live-resync", "data", None),
    ]
    return refresh(client, outputs, inputs)


def test_the_live_refresh_shows_a_late_incident_as_a_breach_in_scope(client, demo_engine) -> None:
    report(demo_engine, "S-LATE", IN_WUCHANG, minutes_ago=35)
    sign_in(client, "screen")
    city = json.dumps(refresh_live(client))
    assert '"data-incident": "S-LATE"' in city and '"className": "breach"' in city
    assert '"data-kpi": "incidents_open"' in city

    officer = client.application.test_client()
    sign_in(officer, "jiangan")  # 江岸区: the Wuchang incident is not theirs
    assert "S-LATE" not in json.dumps(refresh_live(officer))


def refresh_slow(client) -> dict:
    outputs = [
        ("screen-districts", "data"),
        ("screen-labels", "children"),
        ("screen-legend", "children"),
        ("screen-rankings", "children"),
        ("screen-cylinders", "children"),
    ]
    return refresh(
        client, outputs, [("screen-refresh", "n_intervals", 1), ("live-resync", "data", None)]
    )


def test_the_wall_refresh_draws_the_ranking_panel_in_scope(client, demo_engine) -> None:
    inspect_one(demo_engine)
    sign_in(client, "screen")
    panel = json.dumps(refresh_slow(client)["screen-rankings"], ensure_ascii=False)
    version = load_config_file().version
    assert '"data-rank": "1"' in panel and f'"data-version": "{version}"' in panel
    assert panel.count('"data-district"') == 13 and "较上季度" in panel

    officer = client.application.test_client()
    sign_in(officer, "jiangan")
    own = json.dumps(refresh_slow(officer)["screen-rankings"], ensure_ascii=False)
    assert own.count('"data-district"') == 1 and f'"data-district": "{DEMO_DISTRICT}"' in own


def test_rotation_pace_comes_from_the_query_or_the_setting() -> None:
    from pages.screen import rotation_seconds

    assert rotation_seconds(None, 30) == 30
    assert rotation_seconds("2", 30) == 2
    assert rotation_seconds("0", 30) == 2  # never faster than the eye
    assert rotation_seconds("soon", 30) == 30
