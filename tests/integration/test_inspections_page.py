"""/inspections on a small city whose coverage is worked out by hand, on SQLite and PostgreSQL:
the One Map's metric, the wall's safety ranking and this page's query and text give the same
numbers;
the inspection list's filters, paging and scope; one inspection's items and hazards; an
object's history; the exports.

The city: two districts, A (Jiang'an) and B (Wuchang); grid cells A1, A2 (in A) and B1 (in B).
  enterprises E1 (A, bottled: the demo's enterprise login), E2 (B)
  sites       S1 (E1, A1), S2 (E1, A2), S3 (E2, B1)
  customers   C1 commercial (A1), C2 industrial (B1), H1 household (A1: not due)
Due: A = E1 S1 S2 C1 = 4, B = E2 S3 C2 = 3; cells A1 = S1 C1 = 2, A2 = S2 = 1, B1 = S3 C2 = 2;
types: enterprise 2, site 3, customer 2.

Inspections (this quarter unless said):
  I1 daily S1 passed, I2 special S1 with a failed item (S1 counts once), I3 third_party E1,
  I4 daily C1, I5 daily S2 LAST quarter, I6 self_check S3 (an enterprise's own: not counted),
  I7 daily pipeline P1 in B (a patrol: not an object due), I8 daily H1 (household: not due),
  I9 daily C2 for task T-1.
Inspected: A = S1 E1 C1 = 3 of 4 (75 %), B = C2 = 1 of 3 (33 %), all 4 of 7 (57 %);
cells A1 = 2/2, A2 = 0/1, B1 = 1/2; types enterprise 1/2, site 1/3, customer 2/2.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from dashboard import ids
from dashboard.domain.events import Event, InspectionCompleted
from dashboard.domain.hazards import rule_hazard_id
from dashboard.domain.periods import city_periods
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.domain.scoring import Rate, current_quarter, load_config_file
from dashboard.inspection_export import (
    COVERAGE_KEYS,
    LIST_KEYS,
    coverage_cells,
    headers,
    list_cells,
    to_csv,
    to_xlsx,
)
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.queries import inspections as queries
from data_access.queries import map_layers, screen
from data_access.registry import insert_rows
from tests.conftest import sign_in
from tests.dash_endpoint import post_callback
from tests.support import IN_JIANGAN, IN_WUCHANG, JIANGAN, WUCHANG

ZONE = "Asia/Shanghai"
A1, A2, B1 = "420102-001", "420102-002", "420106-001"
EXPECTED_DISTRICTS = {JIANGAN: (4, 3), WUCHANG: (3, 1)}  # (due, inspected)
EXPECTED_CELLS = {A1: (2, 2), A2: (1, 0), B1: (2, 1)}
EXPECTED_TYPES = {"enterprise": (2, 1), "site": (3, 1), "customer": (2, 2)}
E1_SCOPE = Scope(enterprise_id="E1")
CONFIG = load_config_file()


def _square(lat: float, lon: float, half: float = 0.02) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def _registry(engine: Engine) -> None:
    (a_lat, a_lon), (b_lat, b_lon) = IN_JIANGAN, IN_WUCHANG
    area = {"area_km2": 10.0}
    insert_rows(engine, "districts", [
        {"code": JIANGAN, "name_zh": "江岸区", "name_en": "Jiang'an", "population": 900_000,
         "centroid_lat": a_lat, "centroid_lon": a_lon, "geometry": _square(a_lat, a_lon), **area},
        {"code": WUCHANG, "name_zh": "武昌区", "name_en": "Wuchang", "population": 1_200_000,
         "centroid_lat": b_lat, "centroid_lon": b_lon, "geometry": _square(b_lat, b_lon), **area},
    ])  # fmt: skip
    insert_rows(engine, "grid_cells", [
        {"code": code, "district": district, "name_zh": f"网格{code[-1]}",
         "name_en": f"Cell {code[-1]}", "centroid_lat": lat, "centroid_lon": lon,
         "geometry": _square(lat, lon, 0.005), **area}
        for code, district, lat, lon in ((A1, JIANGAN, a_lat, a_lon),
                                         (A2, JIANGAN, a_lat + 0.01, a_lon),
                                         (B1, WUCHANG, b_lat, b_lon))
    ])  # fmt: skip
    insert_rows(engine, "enterprises", [
        {"id": "E1", "name": "江岸燃气", "kind": "bottled", "district": JIANGAN,
         "licence_no": None, "lat": a_lat, "lon": a_lon},
        {"id": "E2", "name": "武昌燃气", "kind": "pipeline", "district": WUCHANG,
         "licence_no": None, "lat": b_lat, "lon": b_lon},
    ])  # fmt: skip
    insert_rows(engine, "sites", [
        {"id": id_, "enterprise_id": owner, "kind": "filling_station", "name": name,
         "district": district, "grid_cell": cell, "lat": lat, "lon": lon}
        for id_, owner, name, district, cell, lat, lon in (
            ("S1", "E1", "一号充装站", JIANGAN, A1, a_lat, a_lon),
            ("S2", "E1", "二号供应站", JIANGAN, A2, a_lat + 0.01, a_lon),
            ("S3", "E2", "三号门站", WUCHANG, B1, b_lat, b_lon),
        )
    ])  # fmt: skip
    insert_rows(engine, "customers", [
        {"id": id_, "kind": kind, "district": district, "grid_cell": cell,
         "real_name_verified": True, "lat": lat, "lon": lon, "enterprise_id": owner}
        for id_, kind, district, cell, lat, lon, owner in (
            ("C1", "commercial", JIANGAN, A1, a_lat, a_lon, "E1"),
            ("C2", "industrial", WUCHANG, B1, b_lat, b_lon, "E2"),
            ("H1", "household", JIANGAN, A1, a_lat, a_lon, "E1"),
        )
    ])  # fmt: skip


def _inspection(
    inspection_id: str, kind: str, target: str, district: str, *, failed: bool = False,
    task_id: str | None = None, inspector: str = "inspector-1",
) -> InspectionCompleted:  # fmt: skip
    target_type, target_id = target.split(":")
    lat, lon = IN_JIANGAN if district == JIANGAN else IN_WUCHANG
    items = [{"item": "阀门", "passed": True}]
    if failed:
        items.append({"item": "软管老化", "passed": False, "note": "软管龟裂需更换"})
    return InspectionCompleted(
        inspection_id=inspection_id, kind=kind, target_type=target_type, target_id=target_id,
        district=district, inspector_id=inspector, items=items, lat=lat, lon=lon,
        task_id=task_id,
    )  # fmt: skip


def _append(engine: Engine, data: InspectionCompleted, when: datetime) -> None:
    event = Event.of(data, id=f"ev-{data.inspection_id}", occurred_at=when)
    outcomes = append_events(engine, [Incoming("test", event)])
    assert all(isinstance(outcome, Accepted) for outcome in outcomes), outcomes


@pytest.fixture
def small_city(engine: Engine) -> Engine:
    _registry(engine)
    periods = city_periods(datetime.now(UTC), ZONE)
    this_quarter = periods.quarter_start + (periods.now - periods.quarter_start) / 2
    last_quarter = periods.quarter_start - timedelta(days=1)
    plan = [
        (_inspection("I1", "daily", "site:S1", JIANGAN), this_quarter),
        (_inspection("I2", "special", "site:S1", JIANGAN, failed=True, inspector="inspector-2"),
         this_quarter + timedelta(seconds=1)),
        (_inspection("I3", "third_party", "enterprise:E1", JIANGAN), this_quarter),
        (_inspection("I4", "daily", "customer:C1", JIANGAN), this_quarter),
        (_inspection("I5", "daily", "site:S2", JIANGAN), last_quarter),
        (_inspection("I6", "self_check", "site:S3", WUCHANG), this_quarter),
        (_inspection("I7", "daily", "pipeline:P1", WUCHANG), this_quarter),
        (_inspection("I8", "daily", "customer:H1", JIANGAN), this_quarter),
        (_inspection("I9", "daily", "customer:C2", WUCHANG, task_id="T-1"), this_quarter),
    ]  # fmt: skip
    for data, when in plan:
        _append(engine, data, when)
    return engine


def _quarter_start() -> datetime:
    return city_periods(datetime.now(UTC), ZONE).quarter_start


def _pairs(coverage: queries.Coverage) -> dict[str, tuple[int, int]]:
    return {row.code: (row.due, row.inspected) for row in coverage.rows}


# --- one coverage -------------------------------------------------------------------------------


def test_the_map_the_wall_and_the_query_count_the_hand_computed_coverage(small_city):
    start, now = _quarter_start(), datetime.now(UTC)
    for level, expected in (("district", EXPECTED_DISTRICTS), ("grid", EXPECTED_CELLS)):
        on_map = map_layers.area_metrics(small_city, CITYWIDE, level, now, start)
        assert {code: (v["due"], v.get("inspected", 0)) for code, v in on_map.items()} == expected
        assert _pairs(queries.quarter_coverage(small_city, CITYWIDE, level, start)) == expected
    panel = screen.wall_ranking(small_city, CITYWIDE, current_quarter(now), CONFIG, now)
    assert panel is not None
    league = {row.code: row.counts.rates["inspection_coverage"] for row in panel.ranking.rows}
    assert {code: (r.denominator, r.numerator) for code, r in league.items()} == EXPECTED_DISTRICTS
    # the wall's ranks by hand: B is judged on coverage alone, 1/3 -> 33.33; A on coverage 3/4
    # (weight 25) and I2's failed item, a hazard reported and open (closure 0/1, weight 10), which
    # once past its due time is also late (on-time 0/1, weight 20): 100 x 25 x 0.75 / 55 = 34.09,
    # or / 35 = 53.57 while it is not yet due. Either way A ranks first.
    rows = {row.code: row for row in panel.ranking.rows}
    a, b = rows[JIANGAN], rows[WUCHANG]
    late = a.counts.rates["on_time_rectification"].denominator == 1
    assert a.counts.rates["hazard_closure"] == Rate(0, 1)
    assert (a.score.index, b.score.index) == (34.09 if late else 53.57, 33.33)
    assert [(row.code, row.rank) for row in panel.ranking.rows] == [(JIANGAN, 1), (WUCHANG, 2)]
    by_type = queries.quarter_coverage(small_city, CITYWIDE, "type", start)
    assert _pairs(by_type) == EXPECTED_TYPES
    assert (by_type.total.due, by_type.total.inspected) == (7, 4)
    # the grid's whole is the districts' (enterprises have no grid cell)
    grid = queries.quarter_coverage(small_city, CITYWIDE, "grid", start)
    assert (grid.total.due, grid.total.inspected) == (7, 4)


def test_a_district_officer_and_an_enterprise_get_their_slice_of_the_same_count(small_city):
    start = _quarter_start()
    officer = queries.quarter_coverage(small_city, Scope(district=WUCHANG), "district", start)
    assert _pairs(officer) == {WUCHANG: (3, 1)}
    assert (officer.total.due, officer.total.inspected) == (3, 1)
    # an enterprise: its own sites only, as on its One Map (S1 inspected, S2 only last quarter)
    own = queries.quarter_coverage(small_city, E1_SCOPE, "type", start)
    assert _pairs(own) == {"enterprise": (0, 0), "site": (2, 1), "customer": (0, 0)}
    on_map = map_layers.area_metrics(small_city, E1_SCOPE, "district", datetime.now(UTC), start)
    assert {code: (v["due"], v.get("inspected", 0)) for code, v in on_map.items()} == {
        JIANGAN: (2, 1)
    }


# --- the list -----------------------------------------------------------------------------------


def _ids(engine: Engine, scope: Scope = CITYWIDE, **wanted) -> set[str]:
    found = queries.inspection_list(engine, scope, queries.InspectionFilter(**wanted))
    assert found.total == len(found.rows)
    return {row.id for row in found.rows}


def test_the_list_filters_on_the_server(small_city):
    everything = queries.inspection_list(small_city, CITYWIDE, queries.InspectionFilter())
    assert everything.total == 9
    assert everything.rows[0].id == "I2"  # the newest first
    assert _ids(small_city, district=WUCHANG) == {"I6", "I7", "I9"}
    assert _ids(small_city, grid_cell=A1) == {"I1", "I2", "I4", "I8"}
    assert _ids(small_city, target_type="enterprise") == {"I3"}
    assert _ids(small_city, kind="self_check") == {"I6"}
    assert _ids(small_city, result="failed") == {"I2"}
    assert _ids(small_city, inspector="inspector-2") == {"I2"}
    assert _ids(small_city, task_id="T-1") == {"I9"}
    assert _ids(small_city, until=_quarter_start()) == {"I5"}
    assert "I5" not in _ids(small_city, since=_quarter_start())
    i2 = next(row for row in everything.rows if row.id == "I2")
    assert (i2.target_name, i2.items, i2.failed_items, i2.passed) == ("一号充装站", 2, 1, False)
    c1 = next(row for row in everything.rows if row.id == "I4")
    assert (c1.target_name, c1.customer_kind) == (None, "commercial")
    failed_first = queries.inspection_list(
        small_city, CITYWIDE, queries.InspectionFilter(sort="failed")
    )
    assert failed_first.rows[0].id == "I2"


def test_the_list_pages_and_keeps_the_last_page_in_range(small_city, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 4)
    pages = [
        queries.inspection_list(small_city, CITYWIDE, queries.InspectionFilter(page=n))
        for n in (1, 2, 3, 99)
    ]
    assert [len(page.rows) for page in pages] == [4, 4, 1, 1]
    assert pages[0].pages == 3 and pages[3].page == 3
    seen = [row.id for page in pages[:3] for row in page.rows]
    assert len(set(seen)) == 9


def test_the_list_keeps_to_the_scope(small_city):
    assert _ids(small_city, Scope(district=WUCHANG)) == {"I6", "I7", "I9"}
    assert _ids(small_city, Scope(district=WUCHANG), district=JIANGAN) == set()
    # an enterprise: the inspections of itself and of its sites, not of customers or others
    assert _ids(small_city, E1_SCOPE) == {"I1", "I2", "I3", "I5"}
    assert _ids(small_city, Scope(enterprise_id="E2")) == {"I6"}


# --- one inspection, one object -------------------------------------------------------------------


def test_an_inspections_items_link_the_hazards_they_became(small_city):
    detail = queries.inspection_detail(small_city, CITYWIDE, "I2")
    assert detail is not None
    assert [(item.item, item.passed) for item in detail.items] == [
        ("阀门", True),
        ("软管老化", False),
    ]
    assert detail.items[1].note == "软管龟裂需更换"
    hazard = detail.items[1].hazard
    assert hazard is not None and hazard.id == rule_hazard_id("I2", 1)
    assert hazard.number and hazard.status == "reported"
    assert detail.items[0].hazard is None
    assert queries.inspection_detail(small_city, E1_SCOPE, "I2") is not None  # its own site
    assert queries.inspection_detail(small_city, Scope(enterprise_id="E2"), "I2") is None
    assert queries.inspection_detail(small_city, Scope(district=WUCHANG), "I2") is None
    assert queries.inspection_detail(small_city, CITYWIDE, "nope") is None


def test_an_objects_history_is_its_inspections_in_scope(small_city):
    history = queries.object_history(small_city, CITYWIDE, "site", "S1")
    assert history is not None
    assert [row.id for row in history.rows] == ["I2", "I1"] and history.total == 2
    assert (history.name, history.district) == ("一号充装站", JIANGAN)
    never = queries.object_history(small_city, CITYWIDE, "site", "S3")
    assert never is not None and [row.id for row in never.rows] == ["I6"]
    assert queries.object_history(small_city, Scope(enterprise_id="E2"), "site", "S1") is None
    assert queries.object_history(small_city, Scope(district=WUCHANG), "site", "S1") is None
    pipeline = queries.object_history(small_city, CITYWIDE, "pipeline", "P1")
    assert pipeline is not None and pipeline.total == 1
    assert queries.object_history(small_city, CITYWIDE, "site", "nowhere") is None


# --- the exports ----------------------------------------------------------------------------------


def test_the_exports_hold_the_tables_with_their_filters_and_scope(small_city):
    start = _quarter_start()
    by_type = queries.quarter_coverage(small_city, CITYWIDE, "type", start)
    names = {"enterprise": "企业", "site": "场站", "customer": "非居民用户", "all": "合计"}
    content = to_csv(
        headers(COVERAGE_KEYS, "zh"), coverage_cells([*by_type.rows, by_type.total], names)
    )
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0] == ["区域 / 类型", "应检对象", "已检对象", "覆盖率"]
    assert lines[1:] == [
        ["企业", "2", "1", "50%"],
        ["场站", "3", "1", "33%"],
        ["非居民用户", "2", "2", "100%"],
        ["合计", "7", "4", "57%"],
    ]
    wanted = queries.InspectionFilter(result="failed")
    rows = queries.inspection_rows(small_city, E1_SCOPE, wanted, cap=100)
    zone = ZoneInfo(ZONE)
    book = load_workbook(
        io.BytesIO(
            to_xlsx("Inspections", headers(LIST_KEYS, "en"),
                    list_cells(rows, {JIANGAN: "Jiang'an"}, zone, "en"))
        )
    )  # fmt: skip
    sheet = book.active
    assert sheet is not None and sheet.max_row == 2
    assert [sheet.cell(1, n).value for n in (1, 7, 12)] == ["Time", "Result", "Inspection id"]
    assert [sheet.cell(2, n).value for n in (2, 4, 7, 9, 12)] == [
        "Jiang'an", "一号充装站", "Failed", 1, "I2"
    ]  # fmt: skip
    assert queries.inspection_rows(small_city, Scope(district=WUCHANG), wanted, cap=100) == []


# --- the page, through Dash's endpoint ------------------------------------------------------------


@pytest.fixture
def client_on(small_city: Engine, tmp_path: Path) -> Iterator:
    """An app on the small city, and a function signing a test client in as a demo login."""
    from dashboard.app import create_app
    from dashboard.demo import ensure_demo_users
    from dashboard.settings import Settings

    ensure_demo_users(small_city)
    env = {"GASCC_TILE_URL": "none", "SECRET_KEY": "test-secret-key-0123456789"}
    app = create_app(Settings.from_env(env, data_dir=tmp_path), engine=small_city)

    def signed_in(username: str):
        client = app.server.test_client()
        sign_in(client, username)
        return client

    yield signed_in
    app.server.config["GASCC"].notifier.close()


def _answer(response) -> dict:
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


def _marked(node: object, attribute: str) -> list[dict]:
    """The props of every component in an answer that carries `attribute` (data-...)."""
    found: list[dict] = []
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and attribute in props:
            found.append(props)
        for value in node.values():
            found += _marked(value, attribute)
    elif isinstance(node, list):
        for value in node:
            found += _marked(value, attribute)
    return found


def _counts(answer: dict, attribute: str) -> dict[str, tuple[int, int]]:
    return {
        props[attribute]: (int(props["data-due"]), int(props["data-inspected"]))
        for props in _marked(answer, attribute)
    }


def test_the_page_shows_the_same_coverage_as_the_one_map(client_on):
    supervisor = client_on("supervisor")
    shown = _answer(post_callback(supervisor, ids.INSP_COVERAGE_LEVEL, "value", "district"))
    assert _counts(shown, "data-code") == {**EXPECTED_DISTRICTS, "all": (7, 4)}
    assert _counts(shown, "data-kpi") == {"all": (7, 4), **EXPECTED_TYPES}
    text = json.dumps(shown, ensure_ascii=False)
    assert "57%" in text and "75%" in text and "33%" in text
    by_type = _answer(post_callback(supervisor, ids.INSP_COVERAGE_LEVEL, "value", "type"))
    assert _counts(by_type, "data-code") == {**EXPECTED_TYPES, "all": (7, 4)}
    cells = _answer(post_callback(supervisor, ids.INSP_COVERAGE_LEVEL, "value", "grid"))
    assert _counts(cells, "data-code") == {**EXPECTED_CELLS, "all": (7, 4)}
    # the page's map and the One Map colour the districts alike, from the same values
    ours = _answer(post_callback(supervisor, ids.INSP_MAP_LEVEL, "value", "district"))
    one_map = _answer(
        post_callback(
            supervisor,
            ids.MAP_METRIC,
            "value",
            "coverage",
            {f"{ids.MAP_AREA_LEVEL}.value": "district"},
        )
    )

    def areas(features: dict) -> dict[str, tuple]:
        return {
            f["properties"]["code"]: (f["properties"]["value"], f["properties"]["fill"])
            for f in features["features"]
        }

    mine = areas(ours[ids.INSP_AREAS]["data"])
    assert mine == areas(one_map[ids.MAP_DISTRICTS]["data"])
    assert mine[JIANGAN][0] == 75.0
    grid = _answer(post_callback(supervisor, ids.INSP_MAP_LEVEL, "value", "grid"))
    assert areas(grid[ids.INSP_AREAS]["data"])[A1][0] == 100.0
    officer = _answer(
        post_callback(client_on("jiangan"), ids.INSP_COVERAGE_LEVEL, "value", "district")
    )
    assert _counts(officer, "data-code") == {JIANGAN: (4, 3), "all": (4, 3)}


def test_the_page_lists_opens_details_and_keeps_to_the_scope(client_on):
    supervisor = client_on("supervisor")
    listed = json.dumps(
        _answer(post_callback(supervisor, ids.INSP_RESULT, "value", "failed")),
        ensure_ascii=False,
    )
    assert {props["data-inspection"] for props in _marked(json.loads(listed), "data-passed")} == {
        "I2"
    }
    assert "result=failed" in listed  # the URL follows the filters
    detail = json.dumps(
        _answer(post_callback(supervisor, ids.INSP_SELECTED, "data", {"inspection": "I2"})),
        ensure_ascii=False,
    )
    assert f"/hazard/{rule_hazard_id('I2', 1)}" in detail and "软管龟裂需更换" in detail
    task = json.dumps(
        _answer(post_callback(supervisor, ids.INSP_SELECTED, "data", {"inspection": "I9"}))
    )
    assert "/tasks?task=T-1" in task
    history = json.dumps(
        _answer(post_callback(supervisor, ids.INSP_SELECTED, "data", {"target": "site:S1"})),
        ensure_ascii=False,
    )
    assert [props["data-detail"] for props in _marked(json.loads(history), "data-detail")] == [
        "history"
    ]
    assert {
        props["data-inspection"] for props in _marked(json.loads(history), "data-inspection")
    } == {"I1", "I2"}
    enterprise = client_on("enterprise")  # E1's safety officer
    own = _answer(post_callback(enterprise, ids.INSP_SORT, "value", "newest"))
    assert {props["data-inspection"] for props in _marked(own, "data-passed")} == {
        "I1",
        "I2",
        "I3",
        "I5",
    }
    refused = json.dumps(
        _answer(post_callback(enterprise, ids.INSP_SELECTED, "data", {"inspection": "I9"})),
        ensure_ascii=False,
    )
    assert "I9" not in refused and '"data-detail"' not in refused
    exported = _answer(
        post_callback(enterprise, ids.INSP_CSV, "n_clicks", 1, {f"{ids.INSP_RESULT}.value": "all"})
    )
    content = exported[ids.INSP_DOWNLOAD]["data"]["content"]
    lines = base64.b64decode(content).decode("utf-8-sig").splitlines()
    assert len(lines) == 5  # the header and E1's four
