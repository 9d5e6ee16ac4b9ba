"""The close-out report and the response-time statistics as a person opens them: the report of
a closed incident with its PDF download, and the statistics page, with no console errors."""

from __future__ import annotations

import pytest

from dashboard import ids
from data_access.db import make_engine
from tests.browser.conftest import sign_in
from tests.integration.test_incident_report import INCIDENT, build_incident

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def closed_incident(demo_server) -> str:
    """A closed incident written into the running demo's database through the write path."""
    engine = make_engine(f"sqlite:///{demo_server.data_dir / 'gascc.sqlite3'}")
    try:
        build_incident(engine)
    finally:
        engine.dispose()
    return INCIDENT


def test_the_report_page_shows_the_incident_and_downloads_its_pdf(
    demo_server, new_tab, closed_incident
):
    tab = new_tab(1366, 768)
    page = tab.page
    sign_in(tab, demo_server.url, "duty", landing=f"/report/{closed_incident}")
    page.wait_for_selector(f"#{ids.REPORT} .report-sheet", timeout=30_000)
    assert page.locator(".report-title").inner_text() == "燃气突发事件处置报告"
    assert page.locator(f"#{ids.REPORT_OPEN_BANNER}").count() == 0  # closed: no "not closed" banner
    assert page.locator(".report-section").count() == 6
    # A document as of its generation time: no "live" dot claims that it moves (assets/report.css)
    assert page.locator(f"#{ids.LIVE_STATUS}").count() == 1
    assert not page.locator(f"#{ids.LIVE_STATUS}").is_visible()
    assert page.locator(".report-section-response .tone-good").first.inner_text() == "14.0 分钟"
    assert page.locator(f"#{ids.REPORT_BACK}").get_attribute("href") == (
        f"/incident/{closed_incident}"
    )
    with page.expect_download() as download:
        page.click(f"#{ids.REPORT_PDF}")
    assert download.value.suggested_filename == f"incident-report-{closed_incident}.pdf"
    assert tab.console_errors == []


def test_an_unknown_report_says_not_found(demo_server, new_tab):
    tab = new_tab()
    page = tab.page
    sign_in(tab, demo_server.url, "duty", landing="/report/INC-NOPE")
    page.wait_for_selector(f"#{ids.REPORT_NOT_FOUND}", timeout=30_000)
    assert tab.console_errors == []


def test_the_statistics_page_shows_the_table_and_the_chart(demo_server, new_tab, closed_incident):
    tab = new_tab(1920, 1080)
    page = tab.page
    sign_in(tab, demo_server.url, "duty")
    page.wait_for_selector(f"#{ids.NAVBAR}", timeout=30_000)
    page.click(f"#{ids.NAVBAR} a[href='/response-times']")  # it is in the menu
    page.wait_for_selector(".rt-table tr[data-district='total']", timeout=30_000)
    page.wait_for_selector(f"#{ids.RT_CHART} .main-svg", timeout=30_000)
    # The responsive chart fills its frame (22rem), not the few pixels a bare parent would give.
    assert page.locator(f"#{ids.RT_CHART}").bounding_box()["height"] > 250
    rows = page.locator(".rt-table tbody tr").count()
    assert rows == 13  # every district of the city pack
    total = page.locator(".rt-table tr[data-district='total'] td").first.inner_text()
    assert int(total.replace(",", "")) >= 1  # the closed incident at least
    assert page.locator(".rt-grid thead th").count() == 1 + 12  # district and twelve months
    assert tab.console_errors == []
