"""The demo as a person uses it: sign in, see the One Map, switch language, sign out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dashboard import ids
from tests.browser.conftest import ingest_token, own_demo, send, sign_in
from tests.support import IN_WUCHANG, DemoProcess, incident

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path
) -> Iterator[DemoProcess]:
    """This module's own demo: the first test relies on the map's caches being cold (the flow
    layer is kept 30 s per scope, whichever page of another module drew it first)."""
    with own_demo(tmp_path_factory, demo_database_template, "one-map") as demo:
        yield demo


WUHAN_DISTRICTS = 13
KPI_KEYS = 8  # fillings, deliveries, check rate, open and overdue hazards, incidents, teams, alarms


def wait_for_map(tab) -> None:
    tab.page.wait_for_selector("path.district-shape", timeout=30_000)
    tab.page.wait_for_selector(".kpi-card", timeout=30_000)


LAYER_TYPES = "cylinder.scanned,hazard.reported,excavation.registered,incident.reported"
STATION = ("SITE-0001", 30.631988, 114.292871)  # a filling station of the demo city (seed 7)
CYLINDER = "WH0000000001"  # registered, in date: its scans raise no finding
PIPES = "path.pipe-low, path.pipe-medium, path.pipe-high"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def city_events() -> list[dict]:
    """A filling and a delivery of one cylinder, an overdue hazard, a dig, an incident."""
    site, lat, lon = STATION
    scan = {"code": CYLINDER, "lat": lat, "lon": lon}
    return [
        {
            "id": "L-SCAN-1",
            "type": "cylinder.scanned",
            "occurred_at": _now(),
            "data": {**scan, "stage": "filling", "site_id": site},
        },
        {
            "id": "L-SCAN-2",
            "type": "cylinder.scanned",
            "occurred_at": _now(),
            "data": {**scan, "stage": "delivery", "lat": IN_WUCHANG[0], "lon": IN_WUCHANG[1]},
        },
        {
            "id": "L-HZ-1",
            "type": "hazard.reported",
            "occurred_at": _now(),
            "data": {
                "hazard_id": "L-HZ-1",
                "target_type": "site",
                "target_id": site,
                "district": "420102",
                "category": "valve_leak",
                "level": "major",
                "description": "阀门漏气",
                "lat": lat + 0.01,
                "lon": lon + 0.01,
                "due_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            },
        },
        {
            "id": "L-DIG-1",
            "type": "excavation.registered",
            "occurred_at": _now(),
            "data": {
                "permit_id": "L-DIG-1",
                "contractor": "测试施工队",
                "district": "420106",
                "lat": IN_WUCHANG[0],
                "lon": IN_WUCHANG[1],
                "radius_m": 300,
                "starts_on": date.today().isoformat(),
                "ends_on": (date.today() + timedelta(days=3)).isoformat(),
                "agreement_signed": False,
            },
        },
        incident("L-INC-1", *IN_WUCHANG),
    ]


def kpi_value(page, key: str) -> int:
    return int(page.locator(f"[data-kpi='{key}'] .kpi-value").inner_text().replace(",", ""))


def wait_for_kpi(page, key: str, expected: int) -> None:
    page.wait_for_function(
        """([key, expected]) => Number(document.querySelector(`[data-kpi='${key}'] .kpi-value`)
            .innerText.replace(/,/g, "")) === expected""",
        arg=[key, expected],
        timeout=15_000,
    )


def switch_on(page, layer: str) -> None:
    page.locator(".leaflet-control-layers label", has_text=layer).click()
    page.wait_for_selector(f".layer-legend[data-layer]:has-text('{layer}')", timeout=15_000)


def open_detail(page, selector: str, kind: str) -> None:
    page.locator(selector).first.dispatch_event("click")
    page.wait_for_selector(f"#{ids.MAP_DETAIL} [data-detail='{kind}']", timeout=15_000)
    page.locator(f"#{ids.MAP_DETAIL} .btn-close").click()
    page.wait_for_selector(f"#{ids.MAP_DETAIL}", state="hidden", timeout=15_000)


def test_every_layer_shows_and_an_ingested_event_reaches_map_and_kpis(demo_server, new_tab):
    """First in this module: the demo's flow cache is still cold here."""
    token = ingest_token(demo_server, LAYER_TYPES)
    # A filling and a delivery before the page opens: the cylinder flow, which the map reloads
    # every 30 s (and the server caches as long), draws their line from its first load.
    earlier = [{**event, "id": f"L-FLOW-{n}"} for n, event in enumerate(city_events()[:2])]
    assert len(send(demo_server, token, earlier)["accepted"]) == 2
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty", language="en")
    page = tab.page
    wait_for_map(tab)
    page.wait_for_selector(".leaflet-control-layers label:has-text('Hazards')", timeout=30_000)
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    fillings = kpi_value(page, "map.kpi.fillings_today")
    incidents = kpi_value(page, "kpi.incidents_open")
    overdue = kpi_value(page, "map.kpi.hazards_overdue")

    ack = send(demo_server, token, city_events())
    assert len(ack["accepted"]) == 5, ack

    page.wait_for_selector("path.scan-pulse", timeout=15_000)  # live, from the channel
    page.wait_for_selector("path.live-incident", timeout=15_000)
    page.wait_for_selector(".clock-tip .incident-clock", timeout=15_000)
    wait_for_kpi(page, "map.kpi.fillings_today", fillings + 1)
    wait_for_kpi(page, "kpi.incidents_open", incidents + 1)
    wait_for_kpi(page, "map.kpi.hazards_overdue", overdue + 1)

    # default-on layers: theme map with its legend, sites, flow, emergency resources
    assert page.locator(f"#{ids.MAP_LEGEND} [data-theme='coverage']").count() == 1
    for layer in ("flow", "emergency"):
        assert page.locator(f".layer-legend[data-layer='{layer}']").count() == 1
    assert page.locator(".resource-mark").count() > 0
    page.wait_for_selector("path.flow-line", timeout=15_000)

    # lazy layers: nothing until switched on
    assert page.locator("path[class*='pipe-']").count() == 0
    switch_on(page, "Hazards")
    page.wait_for_selector("path.hazard-overdue, .hazard-cluster.flagged", timeout=15_000)
    switch_on(page, "Pipelines")
    page.wait_for_selector(PIPES, state="attached", timeout=15_000)  # some are a pixel long
    switch_on(page, "Excavations")
    page.wait_for_selector("path.excavation-buffer", timeout=15_000)
    switch_on(page, "Sensors")
    page.wait_for_selector("path.sensor-normal, .sensor-cluster", timeout=15_000)

    # switching a layer off takes its legend away
    page.locator(".leaflet-control-layers label", has_text="Pipelines").click()
    page.wait_for_selector(".layer-legend[data-layer='pipelines']", state="detached")

    open_detail(page, "path.live-incident", "incident")
    open_detail(page, "path.hazard-overdue", "hazard")
    assert tab.console_errors == []


def test_themes_switch_between_districts_and_grid_cells(demo_server, new_tab) -> None:
    # a hazard this quarter: Jiang'an has an index whatever ran before (closure 0 of 1)
    hazard = {**city_events()[2], "id": "L-HZ-INDEX"}
    hazard["data"] = {**hazard["data"], "hazard_id": "L-HZ-INDEX"}
    assert send(demo_server, ingest_token(demo_server, "hazard.reported"), [hazard])["accepted"]
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty")
    wait_for_map(tab)
    page = tab.page
    # the district safety index: the four bands with their bounds, the version it was computed with
    assert page.locator(f"#{ids.MAP_METRIC} option[value='risk_band']").count() == 0
    page.select_option(f"#{ids.MAP_METRIC}", "safety_index")
    page.wait_for_selector(f"#{ids.MAP_LEGEND} [data-theme='safety_index']", timeout=30_000)
    key = page.locator(f"#{ids.MAP_LEGEND}").inner_text()
    assert all(band in key for band in ("蓝", "黄", "橙", "红")) and "版本" in key
    page.wait_for_function(
        "() => [...document.querySelectorAll('.district-label b')].some("
        "b => / · [蓝黄橙红]$/.test(b.textContent))",
        timeout=30_000,
    )
    page.select_option(f"#{ids.MAP_METRIC}", "coverage")
    page.wait_for_selector(f"#{ids.MAP_LEGEND} [data-theme='coverage']", timeout=15_000)
    page.locator("label", has_text="网格").click()
    page.wait_for_function(
        "() => document.querySelectorAll('path.district-shape').length > 13", timeout=30_000
    )
    assert page.locator(".district-label").count() == 0  # cell labels would be noise
    assert tab.console_errors == []


def test_login_page_shows_without_errors(demo_server, new_tab) -> None:
    tab = new_tab()
    tab.page.goto(demo_server.url + "/")
    assert tab.page.url.startswith(demo_server.url + "/login")
    assert tab.page.locator("#username").is_visible()
    assert tab.console_errors == []


def test_duty_officer_sees_the_one_map_with_the_13_districts(demo_server, new_tab) -> None:
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty")
    wait_for_map(tab)
    page = tab.page
    assert page.locator("path.district-shape").count() == WUHAN_DISTRICTS
    coloured = page.eval_on_selector_all(
        "path.district-shape", "els => els.filter(e => e.getAttribute('fill') !== '#2b3a4a').length"
    )
    assert coloured == WUHAN_DISTRICTS  # every district has a value for the default theme
    fillings = page.locator("[data-kpi='map.kpi.fillings_today'] .kpi-value").inner_text()
    assert re.fullmatch(r"[\d,]+", fillings)
    assert page.locator(".kpi-card").count() == KPI_KEYS
    assert page.locator(".site-cluster, path.leaflet-interactive:not(.district-shape)").count() > 0
    assert tab.console_errors == []


def test_changing_the_theme_recolours_the_map_and_legend(demo_server, new_tab) -> None:
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty")
    wait_for_map(tab)
    page = tab.page
    page.select_option(f"#{ids.MAP_METRIC}", "sites")
    page.wait_for_function(
        f"() => document.querySelector('#{ids.MAP_LEGEND} .legend-title')"
        ".innerText.includes('燃气场站')"
    )
    assert tab.console_errors == []


def test_english_switch_relabels_the_page(demo_server, new_tab) -> None:
    tab = new_tab(1366, 768)
    sign_in(tab, demo_server.url, "duty")
    wait_for_map(tab)
    tab.page.click(f"#{ids.LANG_SWITCH}")
    tab.page.wait_for_selector("text=Fillings today", timeout=30_000)
    # on a laptop the title gives way to its shield in the bar, and stays its tooltip
    brand = tab.page.locator(".navbar-brand")
    assert brand.get_attribute("title") == "City Gas Safety Command Center"
    assert tab.console_errors == []


def test_district_officer_sees_only_their_district_coloured(demo_server, new_tab) -> None:
    tab = new_tab()
    sign_in(tab, demo_server.url, "jiangan")
    wait_for_map(tab)
    coloured = tab.page.eval_on_selector_all(
        "path.district-shape", "els => els.filter(e => e.getAttribute('fill') !== '#2b3a4a').length"
    )
    assert coloured == 1
    assert tab.console_errors == []


def test_sign_out_returns_to_the_login_page(demo_server, new_tab) -> None:
    tab = new_tab()
    sign_in(tab, demo_server.url, "screen")
    tab.page.wait_for_load_state("networkidle")
    tab.page.goto(demo_server.url + "/")  # a screen account lands on /screen; the map has it too
    wait_for_map(tab)
    tab.page.click(f"#{ids.LOGOUT}")
    tab.page.wait_for_selector("#username")
    tab.page.goto(demo_server.url + "/")
    assert "/login" in tab.page.url


def drag_replay_to(page, fraction: float) -> str:
    """Click the time slider at `fraction` of its length (0: 24 h ago); the label it then shows."""
    before = page.inner_text(f"#{ids.MAP_REPLAY_LABEL}")
    box = page.locator(f"#{ids.MAP_REPLAY} .dash-slider-root").bounding_box()
    page.mouse.click(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)
    page.wait_for_function(
        f"before => document.querySelector('#{ids.MAP_REPLAY_LABEL}').innerText !== before",
        arg=before,
        timeout=15_000,
    )
    return page.inner_text(f"#{ids.MAP_REPLAY_LABEL}")


def test_the_time_slider_replays_the_city_and_returns_to_live(demo_server, new_tab) -> None:
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty", language="en")
    page = tab.page
    wait_for_map(tab)
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    three_hours_ago = incident("REPLAY-1", *IN_WUCHANG)
    three_hours_ago["occurred_at"] = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    ack = send(demo_server, ingest_token(demo_server, "incident.reported"), [three_hours_ago])
    assert ack["accepted"], ack
    wait_for_kpi(page, "kpi.incidents_open", kpi_value(page, "kpi.incidents_open") + 1)
    live_incidents = kpi_value(page, "kpi.incidents_open")

    # six hours ago: before every incident the tests sent
    assert drag_replay_to(page, 0.75).startswith("Replay")
    assert "replaying" in page.get_attribute(f"#{ids.MAP_FRAME}", "class")
    wait_for_kpi(page, "kpi.incidents_open", 0)
    assert "not live" in page.inner_text(f"#{ids.MAP_UPDATED}")
    # the themed districts rewind too, and the legend says so
    page.wait_for_selector(f"#{ids.MAP_LEGEND} .replay-note", timeout=15_000)
    assert "replayed moment" in page.inner_text(f"#{ids.MAP_LEGEND}")
    page.wait_for_selector("path.live-incident", state="detached", timeout=15_000)

    # about two hours ago: only the incident reported three hours ago is open
    assert drag_replay_to(page, 0.92).startswith("Replay")
    wait_for_kpi(page, "kpi.incidents_open", 1)
    assert page.locator("path.live-incident").count() == 1

    # live again: everything reloads from the server
    page.focus(f"#{ids.MAP_REPLAY} .dash-slider-thumb")
    page.keyboard.press("End")  # the slider's far end: live
    page.wait_for_function(
        f"() => document.querySelector('#{ids.MAP_REPLAY_LABEL}').innerText === 'Live'",
        timeout=15_000,
    )
    wait_for_kpi(page, "kpi.incidents_open", live_incidents)
    page.wait_for_selector(f"#{ids.MAP_LEGEND} .replay-note", state="detached", timeout=15_000)
    assert "replaying" not in page.get_attribute(f"#{ids.MAP_FRAME}", "class")
    assert tab.console_errors == []


def test_playing_the_replay_steps_forward_and_pauses(demo_server, new_tab) -> None:
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty")
    page = tab.page
    wait_for_map(tab)
    page.click(f"#{ids.MAP_REPLAY_PLAY}")
    page.wait_for_selector(f"#{ids.MAP_REPLAY_PLAY} .bi-pause-fill", timeout=15_000)
    first = page.inner_text(f"#{ids.MAP_REPLAY_LABEL}")
    page.wait_for_function(
        f"first => document.querySelector('#{ids.MAP_REPLAY_LABEL}').innerText !== first",
        arg=first,
        timeout=15_000,
    )
    page.click(f"#{ids.MAP_REPLAY_PLAY}")
    page.wait_for_selector(f"#{ids.MAP_REPLAY_PLAY} .bi-play-fill", timeout=15_000)
    paused = page.inner_text(f"#{ids.MAP_REPLAY_LABEL}")
    page.wait_for_timeout(3_000)  # two timer periods: a paused replay stays where it is
    assert page.inner_text(f"#{ids.MAP_REPLAY_LABEL}") == paused
    page.click(f"#{ids.MAP_REPLAY_PLAY}")  # and played again, it moves on from there
    page.wait_for_function(
        f"paused => document.querySelector('#{ids.MAP_REPLAY_LABEL}').innerText !== paused",
        arg=paused,
        timeout=15_000,
    )
    assert tab.console_errors == []


def test_clicking_a_sensor_a_pipeline_or_a_resource_opens_its_detail(demo_server, new_tab):
    """Every object on the map opens its detail in the same panel (issue 5)."""
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty", language="en")
    page = tab.page
    wait_for_map(tab)
    page.wait_for_selector(".leaflet-control-layers label:has-text('Sensors')", timeout=30_000)
    page.wait_for_selector(".resource-mark", timeout=30_000)
    open_detail(page, ".resource-mark", "resource")

    switch_on(page, "Sensors")
    # An outlying sensor stands alone at the city's zoom (the rest are clustered).
    page.wait_for_selector("path.sensor-normal, path.sensor-alarm", timeout=15_000)
    page.locator("path.sensor-normal, path.sensor-alarm").first.dispatch_event("click")
    detail = page.locator(f"#{ids.MAP_DETAIL} [data-detail='sensor']")
    detail.wait_for(timeout=15_000)
    assert detail.locator("h5").inner_text().startswith("Sensor · ")
    for label in ("Kind", "High threshold", "Installed at", "Latest readings", "Alarms"):
        assert label in detail.inner_text()
    page.locator(f"#{ids.MAP_DETAIL} .btn-close").click()
    page.wait_for_selector(f"#{ids.MAP_DETAIL}", state="hidden", timeout=15_000)

    switch_on(page, "Pipelines")
    page.wait_for_selector(PIPES, state="attached", timeout=15_000)  # some are a pixel long
    open_detail(page, PIPES, "pipeline")
    assert tab.console_errors == []
