"""The scoring weights page in a real browser: an administrator sees a bad value refused beside
its field (nothing saved), changes a weight, sees the new version and the change in the
versions table (old → new), and /rankings then computes with the new version. On a demo of its
own: a new version would change the figures other modules' pages show."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import own_demo, sign_in

pytestmark = pytest.mark.browser

WEIGHT = "district.weights.hazard_closure"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path):
    with own_demo(tmp_path_factory, demo_database_template, "scoring-admin") as running:
        yield running


def test_an_admin_changes_a_weight_and_the_rankings_use_the_new_version(demo, new_tab) -> None:
    tab = new_tab(1366, 768)
    page = tab.page
    sign_in(tab, demo.url, "admin", landing="/admin/scoring", language="en")
    page.wait_for_selector("#as-version[data-version='2026.1']")
    field = page.locator(f"[data-key='{WEIGHT}'] input")
    assert field.input_value() == "10"

    # a negative weight: refused beside the field, in English, and nothing saved
    field.fill("-4")
    page.click("#as-save")
    page.wait_for_selector(f"[data-key='{WEIGHT}'] >> text=must be at least 0")
    feedback = page.wait_for_selector("#as-feedback .alert-danger").inner_text()
    assert "Hazard closure" in feedback and WEIGHT not in feedback  # in words, no raw key
    assert page.locator("#as-version").get_attribute("data-version") == "2026.1"

    # bands that do not descend: the group's title, and the refusal beside each of its keys
    field.fill("10")
    page.locator("[data-key='district.bands.blue'] input").fill("50")
    page.click("#as-save")
    page.wait_for_selector("[data-key='district.bands.orange'] >> text=the bounds must descend")
    feedback = page.wait_for_selector(
        "#as-feedback .alert-danger >> text=colour bands"
    ).inner_text()
    assert "district.bands" not in feedback
    page.locator("[data-key='district.bands.blue'] input").fill("85")

    # a good one: a new version, listed with who, old and new, and the reason
    field.fill("5")
    page.fill("#as-reason", "browser test")
    page.click("#as-save")
    page.wait_for_selector("#as-version[data-version='2026.2']")
    page.wait_for_selector("#as-feedback .alert-success")
    row = page.locator("#as-versions tr[data-version='2026.2']")
    row.wait_for()
    assert "admin" in row.inner_text()
    assert "browser test" in row.inner_text()
    assert "10 → 5" in row.locator(f"li[data-key='{WEIGHT}']").inner_text()
    assert page.locator(f"[data-key='{WEIGHT}'] input").input_value() == "5"

    # the rankings compute with the version in force
    page.goto(f"{demo.url}/rankings")
    page.wait_for_selector("#rk-version[data-version='2026.2']", timeout=60_000)
    assert tab.console_errors == []


def test_the_page_in_chinese_at_1920(demo, new_tab) -> None:
    tab = new_tab(1920, 1080)
    page = tab.page
    sign_in(tab, demo.url, "admin", landing="/admin/scoring", language="zh")
    page.wait_for_selector("#as-version[data-version]")
    assert "评分权重与阈值" in page.inner_text("h1")
    assert page.locator("[data-key] input").count() == 38  # every key: 37 numbers and the note
    assert tab.console_errors == []


def test_a_leader_is_not_shown_the_page(demo, new_tab) -> None:
    tab = new_tab(1366, 768)
    page = tab.page
    sign_in(tab, demo.url, "leader", landing="/admin/scoring", language="en")
    page.wait_for_selector("text=Your role may not view this page.")
    assert page.locator("#as-save").count() == 0
