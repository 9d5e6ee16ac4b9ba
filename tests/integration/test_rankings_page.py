"""The rankings page (/rankings) through Dash's endpoint on the seeded demo city: the layout reads
its state from the URL, the callbacks draw exactly what the rankings queries compute (the
queries' own numbers are tested in their own module), the drill-down reaches the objects behind
a count with links to their pages, the URL follows, both exports download, and roles without
the page get nothing."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.domain.events import Event, IncidentReported, TeamStatus
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.domain.scoring import COMPONENTS, current_quarter, parse_period
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Team
from data_access.queries import rankings, scoring_config
from tests.conftest import sign_in
from tests.dash_endpoint import post_callback
from tests.security.conftest import PAGES_ROUTER, output_specs
from tests.security.test_matrix_pages import is_refusal, layout_of
from tests.support import report_hazard

JIANGAN, WUCHANG = "420102", "420106"
PLACES = {WUCHANG: (30.55, 114.31), JIANGAN: (30.60, 114.30)}
NOW = datetime.now(UTC)
AT = NOW - timedelta(minutes=45)  # when the fixture's events happened
QUARTER = current_quarter(AT).label
# (incident, district, minutes to the first team on scene): Wuchang 1 of 1 within 20 minutes,
# Jiang'an 1 of 2
INCIDENTS = [("RK-1", WUCHANG, 12), ("RK-2", JIANGAN, 8), ("RK-3", JIANGAN, 30)]


def engine_of(app: Any) -> Engine:
    return app.server.config["GASCC_ENGINE"]


def load_quarter(engine: Engine) -> None:
    """Three incidents and one hazard (open) in the quarter, through the event log. The indexes
    (dashboard/scoring.toml 2026.1; only the components with something counted apply):
    Wuchang: emergency response 1/1 (weight 10) alone -> 100.00, blue;
    Jiang'an: emergency response 1/2 (10), hazard closure 0/1 (10) -> 100 x 5 / 20 = 25.00, red;
    the other districts: nothing counted, no index."""
    with engine.connect() as connection:
        team = connection.scalar(select(Team.id).order_by(Team.id).limit(1))
    items = []
    for incident_id, district, minutes in INCIDENTS:
        lat, lon = PLACES[district]
        reported = IncidentReported(
            incident_id=incident_id,
            kind="leak",
            channel="patrol",
            lat=lat,
            lon=lon,
            address="测试地址",
            severity=2,
            description="测试",
        )
        on_scene = TeamStatus(team_id=team, status="on_scene", incident_id=incident_id)
        for number, (offset, data) in enumerate(((0, reported), (minutes, on_scene))):
            event = Event.of(
                data, id=f"{incident_id}-{number}", occurred_at=AT + timedelta(minutes=offset)
            )
            items.append(Incoming("field-app", event))
    assert all(isinstance(o, Accepted) for o in append_events(engine, items))
    report_hazard(engine, "RK-H1", JIANGAN, occurred_at=AT)


@pytest.fixture
def ranked(demo_app):
    load_quarter(engine_of(demo_app))
    return demo_app


def rendered(client: Any, search: str = "") -> Any:
    """/rankings with a query, as Dash's page router renders it for the browser."""
    body = {
        "output": PAGES_ROUTER,
        "outputs": output_specs(PAGES_ROUTER),
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/rankings"},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    return layout_of(client.post("/_dash-update-component", json=body))


def find(node: Any, component_id: Any) -> dict | None:
    """The component with this id in a rendered tree."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if isinstance(props, dict) and props.get("id") == component_id:
            return node
        for value in props.values() if isinstance(props, dict) else node.values():
            hit = find(value, component_id)
            if hit is not None:
                return hit
    elif isinstance(node, list):
        for item in node:
            hit = find(item, component_id)
            if hit is not None:
                return hit
    return None


def with_attribute(node: Any, name: str) -> list[dict]:
    """Every component carrying the attribute `name` (e.g. data-district), in order."""
    found: list[dict] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            props = value.get("props", {})
            if isinstance(props, dict) and name in props:
                found.append(props)
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node)
    return found


def period_values(period: str = QUARTER, version: str | None = None) -> dict[str, Any]:
    return {
        f"{ids.RK_FROM}.value": None,
        f"{ids.RK_TO}.value": None,
        f"{ids.RK_VERSION_PICK}.value": version,
        f"{ids.RK_DRILL}.data": {"district": None, "measure": None, "page": 1},
        f"{ids.RK_PERIOD}.value": period,
    }


def answer(response: Any) -> dict:
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


class Writing:
    """A test client whose Dash dependencies are narrowed to the callbacks writing `output`,
    so that post_callback fires that one (several callbacks share the period's inputs)."""

    def __init__(self, client: Any, output: str) -> None:
        self.client, self.output = client, output

    def get(self, path: str) -> Any:
        found = self.client.get(path)
        if path != "/_dash-dependencies":
            return found
        wanted = [d for d in found.get_json() if f"{self.output}." in d["output"]]
        return type("Answer", (), {"get_json": lambda _self: wanted})()

    def post(self, path: str, json: Any) -> Any:
        return self.client.post(path, json=json)


def ask(client: Any, output: str, trigger: str, prop: str, value: Any, others: dict) -> dict:
    return answer(post_callback(Writing(client, output), trigger, prop, value, others))


def districts_answer(client: Any, version: str | None = None) -> dict:
    """The chart's callback's answer and the table's, for the quarter under `version`."""
    others = period_values(version=version)
    got = ask(client, ids.RK_CHART, ids.RK_VERSION_PICK, "value", version, others)
    return {**got, **ask(client, ids.RK_TABLE, ids.RK_VERSION_PICK, "value", version, others)}


def drill_answer(client: Any, district: str, measure: str | None, page: int = 1) -> dict:
    others = period_values()
    drill = {"district": district, "measure": measure, "page": page}
    return ask(client, ids.RK_DRILL_VIEW, ids.RK_DRILL, "data", drill, others)


def ranking_now(app: Any, scope: Scope = CITYWIDE) -> rankings.DistrictRanking:
    engine = engine_of(app)
    config = scoring_config.active_config(engine)
    return rankings.district_ranking(engine, scope, parse_period(QUARTER), config, NOW)


# --- the state in the URL -------------------------------------------------------------------


def test_the_url_is_read_leniently(demo_app):
    from pages.rankings import CUSTOM, wanted_of  # registers a page: after the app

    assert wanted_of({}, NOW).choice == QUARTER
    custom = wanted_of({"period": "2026-10-01..2026-11-15", "district": JIANGAN}, NOW)
    assert (custom.choice, custom.first, custom.last) == (CUSTOM, "2026-10-01", "2026-11-15")
    drilled = wanted_of({"district": JIANGAN, "measure": "hazard_closure", "page": "3"}, NOW)
    assert (drilled.district, drilled.measure, drilled.page) == (JIANGAN, "hazard_closure", 3)
    odd = wanted_of({"period": "2026Q9", "measure": "nonsense", "tab": "x", "page": "-2"}, NOW)
    assert (odd.choice, odd.measure, odd.tab, odd.page) == (QUARTER, None, "districts", 1)
    assert wanted_of({"measure": "hazard_closure"}, NOW).measure is None  # needs a district


def test_a_custom_range_needs_both_days_and_falls_back_to_the_quarter(demo_app):
    from pages.rankings import CUSTOM, chosen_period

    period, bad = chosen_period(CUSTOM, "2026-10-01", "2026-10-31", NOW)
    assert (period.start.isoformat(), period.days, bad) == ("2026-10-01", 31, False)
    assert chosen_period(CUSTOM, "2026-10-01", None, NOW) == (current_quarter(NOW), True)
    assert chosen_period(CUSTOM, "2026-10-31", "2026-10-01", NOW) == (current_quarter(NOW), True)


def test_the_layout_takes_its_state_from_the_url(client, ranked):
    sign_in(client, "leader")
    search = f"?period=2026-10-01..2026-11-15&district={JIANGAN}&measure=hazard_closure&tab=lists"
    layout = rendered(client, search)
    assert find(layout, ids.RK_PERIOD)["props"]["value"] == "custom"
    assert find(layout, ids.RK_FROM)["props"]["value"] == "2026-10-01"
    assert find(layout, ids.RK_TO)["props"]["value"] == "2026-11-15"
    assert find(layout, ids.RK_TABS)["props"]["active_tab"] == "lists"
    drill = find(layout, ids.RK_DRILL)["props"]["data"]
    assert drill == {"district": JIANGAN, "measure": "hazard_closure", "page": 1}
    active = scoring_config.active_config(engine_of(ranked)).version
    assert find(layout, ids.RK_VERSION)["props"]["data-version"] == active


def test_the_url_follows_the_page(client, ranked):
    sign_in(client, "leader")
    others = {
        **period_values(),
        f"{ids.RK_TABS}.active_tab": "districts",
        f"{ids.RK_KIND}.value": "bottled",
        f"{ids.RK_DRILL}.data": {"district": JIANGAN, "measure": "hazard_closure", "page": 2},
    }
    query = ask(client, ids.RK_QUERY, ids.RK_TABS, "active_tab", "districts", others)
    text = query[ids.RK_QUERY]["data"]
    assert parse_qs(text) == {
        "period": [QUARTER],
        "kind": ["bottled"],
        "district": [JIANGAN],
        "measure": ["hazard_closure"],
        "page": ["2"],
    }


# --- the district ranking -------------------------------------------------------------------


def test_the_table_and_chart_show_the_ranking_best_first(client, ranked):
    sign_in(client, "leader")
    expected = ranking_now(ranked)
    got = districts_answer(client)
    rows = with_attribute(got[ids.RK_TABLE]["children"], "data-district")
    assert [r["data-district"] for r in rows] == [row.code for row in expected.rows]
    for shown, row in zip(rows, expected.rows, strict=True):
        index = row.score.index
        assert shown["data-index"] == ("" if index is None else f"{index:.2f}")
        assert shown["data-band"] == (row.score.band or "")
        assert shown["data-rank"] == ("" if row.rank is None else str(row.rank))
    bars = got[ids.RK_CHART]["figure"]["data"][0]
    scored = [row for row in expected.rows if row.score.index is not None]
    assert bars["customdata"] == [row.code for row in scored]
    assert bars["x"] == [row.score.index for row in scored]
    assert got[ids.RK_VERSION_BOX]["children"]["props"]["data-version"] == expected.version
    trend = got[ids.RK_TREND]["figure"]["data"]
    assert len(trend) == len(expected.rows) and all(len(line["x"]) == 4 for line in trend)
    assert got[ids.RK_RANGE_BOX]["style"] == {"display": "none"}
    # the fixture's figures (load_quarter), worked out by hand
    first, second = rows[0], rows[1]
    assert (first["data-district"], first["data-index"], first["data-band"]) == (
        WUCHANG,
        "100.00",
        "blue",
    )
    assert (second["data-district"], second["data-index"], second["data-band"]) == (
        JIANGAN,
        "25.00",
        "red",
    )
    assert (first["data-rank"], second["data-rank"]) == ("1", "2")
    assert all(r["data-index"] == "" and r["data-rank"] == "" for r in rows[2:])


def test_a_district_officer_sees_their_district_only(client, ranked):
    sign_in(client, "jiangan")
    rows = with_attribute(districts_answer(client)[ids.RK_TABLE]["children"], "data-district")
    assert [r["data-district"] for r in rows] == [JIANGAN]
    # and another district's drill-down shows nothing of it
    other = next(row.code for row in ranking_now(ranked).rows if row.code != JIANGAN)
    view = drill_answer(client, other, "hazard_closure")[ids.RK_DRILL_VIEW]["children"]
    assert not with_attribute(view, "data-object") and not with_attribute(view, "data-measure")


def test_an_unknown_version_falls_back_to_the_one_in_force_and_says_so(client, ranked):
    sign_in(client, "leader")
    got = districts_answer(client, "no-such-version")
    active = scoring_config.active_config(engine_of(ranked)).version
    assert got[ids.RK_VERSION_BOX]["children"]["props"]["data-version"] == active
    assert "no-such-version" in json.dumps(got[ids.RK_NOTICE]["children"], ensure_ascii=False)


def test_a_new_version_shows_by_default_and_the_old_one_recomputes_the_old_figures(client, ranked):
    from data_access import commands
    from data_access.commands import Done
    from data_access.users import find_login

    engine = engine_of(ranked)
    old = scoring_config.active_config(engine)
    before = ranking_now(ranked)
    admin = find_login(engine, "admin")
    assert admin is not None
    done = commands.set_scoring_value(engine, admin[0], "district.weights.hazard_closure", 0)
    assert isinstance(done, Done)
    new = scoring_config.active_config(engine)
    assert new.version != old.version
    sign_in(client, "leader")
    assert find(rendered(client), ids.RK_VERSION)["props"]["data-version"] == new.version
    shown = {}
    for version in (new.version, old.version):
        got = districts_answer(client, version)
        assert got[ids.RK_VERSION_BOX]["children"]["props"]["data-version"] == version
        rows = with_attribute(got[ids.RK_TABLE]["children"], "data-district")
        shown[version] = {r["data-district"]: r["data-index"] for r in rows}
    expected_old = {
        row.code: "" if row.score.index is None else f"{row.score.index:.2f}" for row in before.rows
    }
    assert shown[old.version] == expected_old  # the old version reproduces the old figures
    assert shown[old.version][JIANGAN] == "25.00"
    # hazard closure left out: Jiang'an is judged on its response alone, 1 of 2
    assert shown[new.version] == {**expected_old, JIANGAN: "50.00"}


# --- the drill-down -------------------------------------------------------------------------


def test_a_district_opens_to_its_components_and_deductions(client, ranked):
    sign_in(client, "leader")
    row = ranking_now(ranked).rows[0]
    view = drill_answer(client, row.code, None)[ids.RK_DRILL_VIEW]["children"]
    assert view["props"]["data-level"] == "district"
    measures = [props["data-measure"] for props in with_attribute(view, "data-measure")]
    assert measures == [c.name for c in row.score.components] + [
        d.name for d in row.score.deductions
    ]
    assert measures[: len(COMPONENTS)] == list(COMPONENTS)


def busiest_count(app: Any) -> tuple[str, str, rankings.CountObjects]:
    """A district and component whose count has objects (the demo city has hazards)."""
    engine, period = engine_of(app), parse_period(QUARTER)
    for row in ranking_now(app).rows:
        for name in ("hazard_closure", "inspection_coverage", "on_time_rectification"):
            objects = rankings.count_objects(engine, CITYWIDE, period, NOW, row.code, name)
            if objects.total:
                return row.code, name, objects
    raise AssertionError("the demo city has no objects behind any count")


def test_a_count_opens_to_its_objects_each_linking_to_its_page(client, ranked):
    sign_in(client, "leader")
    district, measure, expected = busiest_count(ranked)
    view = drill_answer(client, district, measure)[ids.RK_DRILL_VIEW]["children"]
    assert (view["props"]["data-level"], view["props"]["data-measure"]) == ("measure", measure)
    shown = with_attribute(view, "data-object")
    assert [props["data-object"] for props in shown] == [obj.id for obj in expected.rows]
    assert len(shown) == min(expected.total, rankings.OBJECTS_PAGE)
    text = json.dumps(view, ensure_ascii=False)
    for obj in expected.rows:
        if obj.href:
            assert json.dumps(obj.href) in text
    if expected.total > rankings.OBJECTS_PAGE:  # a pager moves to the second page
        assert find(view, {"type": ids.RK_PAGE_TO, "page": 2}) is not None


def drill_body(trigger: Any, prop: str, value: Any, drill: dict) -> dict:
    """The drill-down callback's request: one of its pattern buttons clicked (the others: none
    shown), or the chart clicked."""
    patterns = [
        (ids.RK_OPEN_DISTRICT, "district"),
        (ids.RK_OPEN_MEASURE, "measure"),
        (ids.RK_PAGE_TO, "page"),
    ]
    inputs: list[Any] = []
    for pattern, _name in patterns:
        hit = isinstance(trigger, dict) and trigger["type"] == pattern
        inputs.append([{"id": trigger, "property": prop, "value": value}] if hit else [])
    chart = value if trigger == ids.RK_CHART else None
    inputs.append({"id": ids.RK_CHART, "property": "clickData", "value": chart})
    changed = (
        trigger
        if isinstance(trigger, str)
        else json.dumps(trigger, sort_keys=True, separators=(",", ":"))
    )
    return {
        "output": f"{ids.RK_DRILL}.data",
        "outputs": {"id": ids.RK_DRILL, "property": "data"},
        "inputs": inputs,
        "changedPropIds": [f"{changed}.{prop}"],
        "state": [{"id": ids.RK_DRILL, "property": "data", "value": drill}],
    }


def drill_click(client: Any, kind: str, key: str, value: str, clicks: int, drill: dict) -> Any:
    body = drill_body({"type": kind, key: value}, "n_clicks", clicks, drill)
    return client.post("/_dash-update-component", json=body)


def test_clicks_move_the_drill_down_and_new_buttons_move_nothing(client, ranked):
    sign_in(client, "leader")
    top = {"district": None, "measure": None, "page": 1}
    opened = drill_click(client, ids.RK_OPEN_DISTRICT, "district", JIANGAN, 1, top)
    assert answer(opened)[ids.RK_DRILL]["data"] == {**top, "district": JIANGAN}
    there = {"district": JIANGAN, "measure": None, "page": 1}
    measured = drill_click(client, ids.RK_OPEN_MEASURE, "measure", "hazard_closure", 1, there)
    assert answer(measured)[ids.RK_DRILL]["data"] == {**there, "measure": "hazard_closure"}
    back = drill_click(client, ids.RK_OPEN_MEASURE, "measure", "", 1, there)
    assert answer(back)[ids.RK_DRILL]["data"]["measure"] is None
    appeared = drill_click(client, ids.RK_OPEN_DISTRICT, "district", JIANGAN, 0, top)
    assert appeared.status_code == 204


def test_a_click_on_a_bar_opens_its_district(client, ranked):
    sign_in(client, "leader")
    click = {"points": [{"customdata": JIANGAN, "x": 80, "y": "江岸区"}]}
    top = {"district": None, "measure": None, "page": 1}
    body = drill_body(ids.RK_CHART, "clickData", click, top)
    got = answer(client.post("/_dash-update-component", json=body))
    assert got[ids.RK_DRILL]["data"] == {"district": JIANGAN, "measure": None, "page": 1}


# --- the enterprises ------------------------------------------------------------------------


def test_the_enterprise_tabs_show_the_scores_lists_and_points(client, ranked):
    sign_in(client, "supervisor")
    engine = engine_of(ranked)
    config = scoring_config.active_config(engine)
    period = parse_period(QUARTER)
    expected = rankings.enterprise_ranking(engine, CITYWIDE, period, config, NOW)
    others = {**period_values(), f"{ids.RK_KIND}.value": "all"}
    got = ask(client, ids.RK_ENTERPRISES, ids.RK_KIND, "value", "all", others)
    rows = with_attribute(got[ids.RK_ENTERPRISES]["children"], "data-enterprise")
    assert [r["data-enterprise"] for r in rows] == [row.id for row in expected.rows]
    assert [r["data-colour"] for r in rows] == [row.score.colour for row in expected.rows]
    listed = [
        p["data-enterprise"]
        for p in with_attribute(got[ids.RK_LISTS]["children"], "data-enterprise")
    ]
    assert listed == list(expected.lists.red) + list(expected.lists.black)
    overdue = with_attribute(got[ids.RK_OVERDUE]["children"], "data-enterprise")
    assert [p["data-enterprise"] for p in overdue] == expected.overdue
    assert str(period.start.year) in json.dumps(got[ids.RK_POINTS]["children"])
    bottled = rankings.enterprise_ranking(engine, CITYWIDE, period, config, NOW, kind="bottled")
    others[f"{ids.RK_KIND}.value"] = "bottled"
    got = ask(client, ids.RK_ENTERPRISES, ids.RK_KIND, "value", "bottled", others)
    rows = with_attribute(got[ids.RK_ENTERPRISES]["children"], "data-enterprise")
    assert [r["data-enterprise"] for r in rows] == [row.id for row in bottled.rows]


# --- the exports ----------------------------------------------------------------------------


def export(client: Any, button: str) -> tuple[bytes, str]:
    others = {
        f"{ids.RK_PERIOD}.value": QUARTER,
        f"{ids.RK_FROM}.value": None,
        f"{ids.RK_TO}.value": None,
        f"{ids.RK_VERSION_PICK}.value": None,
    }
    got = answer(post_callback(client, button, "n_clicks", 1, others))
    download = got[ids.RK_DOWNLOAD]["data"]
    assert download["base64"] is True
    return base64.b64decode(download["content"]), download["filename"]


def test_both_exports_download_and_open(client, ranked):
    sign_in(client, "leader")
    workbook, name = export(client, ids.RK_XLSX)
    assert name.endswith(".xlsx") and QUARTER in name
    sheets = pd.read_excel(BytesIO(workbook), sheet_name=None)
    assert len(sheets) >= 6
    pdf, name = export(client, ids.RK_PDF)
    assert name.endswith(".pdf")
    reader = PdfReader(BytesIO(pdf))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert ranking_now(ranked).rows[0].name_zh in text


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["enterprise", "screen"])
def test_roles_without_the_page_get_neither_page_nor_figures(client, ranked, username):
    sign_in(client, username)
    assert is_refusal(rendered(client))
    drill = {"district": JIANGAN, "measure": "hazard_closure", "page": 1}
    asked = [
        (ids.RK_CHART, ids.RK_PERIOD, "value", QUARTER),
        (ids.RK_TABLE, ids.RK_PERIOD, "value", QUARTER),
        (ids.RK_DRILL_VIEW, ids.RK_DRILL, "data", drill),
        (ids.RK_ENTERPRISES, ids.RK_KIND, "value", "all"),
        (ids.RK_QUERY, ids.RK_TABS, "active_tab", "lists"),
        (ids.RK_DOWNLOAD, ids.RK_XLSX, "n_clicks", 1),
    ]
    for output, trigger, prop, value in asked:
        response = post_callback(Writing(client, output), trigger, prop, value, period_values())
        assert response.status_code == 204, output  # PreventUpdate: nothing sent


def test_the_objects_behind_jiangans_counts_are_the_fixtures(client, ranked):
    sign_in(client, "leader")
    view = drill_answer(client, JIANGAN, "emergency_response")[ids.RK_DRILL_VIEW]["children"]
    shown = {p["data-object"]: p["data-counted"] for p in with_attribute(view, "data-object")}
    assert shown == {"RK-2": "true", "RK-3": "false"}  # on scene in 8 minutes; in 30
    assert '"/incident/RK-2"' in json.dumps(view)
    view = drill_answer(client, JIANGAN, "hazard_closure")[ids.RK_DRILL_VIEW]["children"]
    shown = {p["data-object"]: p["data-counted"] for p in with_attribute(view, "data-object")}
    assert shown == {"RK-H1": "false"}  # reported, not closed
    assert '"/hazard/RK-H1"' in json.dumps(view)
    assert "1 / 2" in json.dumps(drill_answer(client, JIANGAN, None), ensure_ascii=False)
