"""The One Map's district safety index theme through Dash's endpoint, on the seeded demo city:
the districts coloured by the rankings' own figures for the current quarter, each labelled with
its index and band, the legend's bands and version from the configuration, in the user's scope."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from dashboard import ids
from dashboard.demo import DEMO_DISTRICT
from dashboard.domain.roles import CITYWIDE
from dashboard.domain.scoring import BAND_COLOURS, current_quarter, district_band, load_config_file
from data_access.queries.rankings import district_ranking
from tests.conftest import sign_in
from tests.dash_endpoint import post_callback
from tests.integration.test_screen import inspect_one

CONFIG = load_config_file()
BAND_WORDS = {"blue": "蓝", "yellow": "黄", "orange": "橙", "red": "红"}


def themed(client, username: str) -> dict:
    sign_in(client, username)
    response = post_callback(
        client, ids.MAP_METRIC, "value", "safety_index", {f"{ids.MAP_AREA_LEVEL}.value": "grid"}
    )
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


def test_each_district_has_the_rankings_index_band_and_rank(client, demo_app) -> None:
    engine = demo_app.server.config["GASCC_ENGINE"]
    inspect_one(engine)  # coverage applies: every district has an index
    answer = themed(client, "leader")
    features = answer[ids.MAP_DISTRICTS]["data"]["features"]
    assert len(features) == 13 and not any(f["properties"].get("grid") for f in features)
    now = datetime.now(UTC)
    rows = {
        row.code: row
        for row in district_ranking(engine, CITYWIDE, current_quarter(now), CONFIG, now).rows
    }
    for feature in features:
        props = feature["properties"]
        row = rows[props["code"]]
        assert props["value"] == row.score.index
        assert row.score.index is not None
        band = district_band(row.score.index, CONFIG)
        assert band == row.score.band
        assert props["fill"] == BAND_COLOURS[band]
        assert props["shown"] == f"{row.score.index:.1f} · {BAND_WORDS[band]}"
        assert f"第 {row.rank} 名 / " in props["tooltip"]
    labels = answer[ids.MAP_LABELS]["data"]["features"]
    shown = [label["properties"]["shown"] for label in labels]
    assert any(re.fullmatch(r"\d+\.\d · [蓝黄橙红]", text) for text in shown), shown
    legend = json.dumps(answer[ids.MAP_LEGEND]["children"], ensure_ascii=False)
    assert '"data-theme": "safety_index"' in legend
    assert f'"data-version": "{CONFIG.version}"' in legend
    assert all(f"{word}  " in legend for word in BAND_WORDS.values())
    assert "≥ 85" in legend and "< 60" in legend and "/rankings?period=" in legend


def test_a_district_officer_sees_their_district_coloured_with_its_city_rank(client, demo_app):
    inspect_one(demo_app.server.config["GASCC_ENGINE"])
    features = themed(client, "jiangan")[ids.MAP_DISTRICTS]["data"]["features"]
    valued = [f["properties"] for f in features if f["properties"]["value"] is not None]
    assert [p["code"] for p in valued] == [DEMO_DISTRICT]
    assert re.search(r"第 \d+ 名(?! /)", valued[0]["tooltip"])  # the city's rank, no "of 1"


def test_a_click_on_a_district_opens_its_components_with_the_way_to_rankings(client, demo_app):
    inspect_one(demo_app.server.config["GASCC_ENGINE"])
    sign_in(client, "leader")
    feature = {"type": "Feature", "properties": {"code": DEMO_DISTRICT}}
    others = {f"{ids.MAP_METRIC}.value": "safety_index"}
    response = post_callback(client, ids.MAP_DISTRICTS, "clickData", feature, others)
    assert response.status_code == 200, response.data[:300]
    answer = response.get_json()["response"]
    assert answer[ids.MAP_DETAIL]["is_open"] is True
    body = json.dumps(answer[ids.MAP_DETAIL_BODY]["children"], ensure_ascii=False)
    period = current_quarter(datetime.now(UTC)).label
    assert f"/rankings?period={period}&district={DEMO_DISTRICT}" in body
    assert "检查覆盖率" in body and "1 / " in body  # the inspection behind coverage
    # other themes leave district clicks alone; another district's officer gets nothing
    others = {f"{ids.MAP_METRIC}.value": "coverage"}
    assert unchanged(post_callback(client, ids.MAP_DISTRICTS, "clickData", feature, others))
    officer = client.application.test_client()
    sign_in(officer, "jiangan")
    wuchang = {"type": "Feature", "properties": {"code": "420106"}}
    others = {f"{ids.MAP_METRIC}.value": "safety_index"}
    assert unchanged(post_callback(officer, ids.MAP_DISTRICTS, "clickData", wuchang, others))


def unchanged(response) -> bool:
    """Nothing updated: Dash answers 204, or (outputs allowing duplicates) no outputs at all."""
    return response.status_code == 204 or response.get_json()["response"] == {}
