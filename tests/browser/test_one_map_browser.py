"""The demo as a person uses it: sign in, see the One Map, switch language, sign out."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

WUHAN_DISTRICTS = 13


def wait_for_map(tab) -> None:
    tab.page.wait_for_selector("path.district-shape", timeout=30_000)
    tab.page.wait_for_selector(".kpi-card", timeout=30_000)


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
    customers = page.locator("[data-kpi='kpi.customers'] .kpi-value").inner_text()
    assert re.fullmatch(r"[\d,]+", customers) and int(customers.replace(",", "")) > 0
    assert page.locator(".site-cluster, path.leaflet-interactive:not(.district-shape)").count() > 0
    assert tab.console_errors == []


def test_changing_the_theme_recolours_the_map_and_legend(demo_server, new_tab) -> None:
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty")
    wait_for_map(tab)
    page = tab.page
    page.select_option("#one-map-metric", "sites")
    page.wait_for_function(
        "document.querySelector('#one-map-legend .legend-title').innerText.includes('燃气场站')"
    )
    assert tab.console_errors == []


def test_english_switch_relabels_the_page(demo_server, new_tab) -> None:
    tab = new_tab(1366, 768)
    sign_in(tab, demo_server.url, "duty")
    wait_for_map(tab)
    tab.page.click("#lang-switch")
    tab.page.wait_for_selector("text=Gas users", timeout=30_000)
    assert (
        tab.page.locator(".navbar-brand").inner_text().strip() == "City Gas Safety Command Center"
    )
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
    wait_for_map(tab)
    tab.page.click("#logout")
    tab.page.wait_for_selector("#username")
    tab.page.goto(demo_server.url + "/")
    assert "/login" in tab.page.url
