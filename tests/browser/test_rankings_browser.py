"""The rankings page in a browser (the issue's "browser test"): from the district ranking, drill
down to a district's components, to the objects behind a count, and open one (its own page
loads); both exports download and open (the workbook with pandas, the PDF with pypdf, Chinese in
it); the URL carries each level; no console errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from dashboard import ids
from data_access.db import make_engine
from tests.browser.conftest import own_demo, sign_in
from tests.support import DemoProcess, report_hazard

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
JIANGAN = "420102"
# The counts whose objects have pages of their own, in the order the test prefers them.
PREFERRED = ("hazard_closure", "on_time_rectification", "inspection_coverage")


@pytest.fixture(scope="module")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path
) -> Iterator[DemoProcess]:
    """A demo of this module's own with two hazards reported in Jiang'an this quarter (through
    the event log), so that its hazard closure has objects to drill down to."""
    with own_demo(tmp_path_factory, demo_database_template, "rankings") as demo:
        engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
        try:
            at = datetime.now(UTC) - timedelta(minutes=30)
            for hazard_id in ("RKB-1", "RKB-2"):
                report_hazard(engine, hazard_id, JIANGAN, occurred_at=at)
        finally:
            engine.dispose()
        yield demo


def open_rankings(tab, base_url: str, username: str = "leader", language: str = "zh") -> None:
    sign_in(tab, base_url, username, landing="/rankings", language=language)
    tab.page.wait_for_selector(f"#{ids.RK_TABLE} tr[data-district]", timeout=WAIT_MS)


def a_measure_with_objects(page) -> str:
    """The first of PREFERRED whose count has a denominator in the district shown."""
    for measure in PREFERRED:
        row = page.locator(f"#{ids.RK_DRILL_VIEW} tr[data-measure='{measure}']")
        if int(row.get_attribute("data-denominator") or 0) > 0:
            return measure
    raise AssertionError("no count with objects in this district")


def test_drill_down_to_an_object_and_open_it(demo_server, new_tab):
    tab = new_tab(1920, 1080)
    page = tab.page
    open_rankings(tab, demo_server.url)
    assert page.locator(f"#{ids.RK_VERSION}").get_attribute("data-version")
    district = JIANGAN  # the one with an index: first in the ranking
    first = page.locator(f"#{ids.RK_TABLE} tr[data-district]").first
    assert first.get_attribute("data-district") == district
    assert first.get_attribute("data-rank") == "1"
    first.locator("button").click()
    page.wait_for_selector(
        f"#{ids.RK_DRILL_VIEW} [data-level='district'][data-district='{district}']",
        timeout=WAIT_MS,
    )
    page.wait_for_function(f"() => location.search.includes('district={district}')")
    measure = a_measure_with_objects(page)
    page.locator(f"#{ids.RK_DRILL_VIEW} tr[data-measure='{measure}'] button").click()
    page.wait_for_selector(f"#{ids.RK_DRILL_VIEW} tr[data-object]", timeout=WAIT_MS)
    page.wait_for_function(f"() => location.search.includes('measure={measure}')")
    link = page.locator(f"#{ids.RK_DRILL_VIEW} .rk-object a").first
    href, label = link.get_attribute("href"), link.inner_text()
    assert href and label
    link.click()
    page.wait_for_function(f"() => location.pathname === {href.split('?')[0]!r}")
    page.wait_for_selector(".rk-page", state="detached", timeout=WAIT_MS)
    page.get_by_text(label).first.wait_for(timeout=WAIT_MS)  # its own page heads it
    # back: the ranking comes back at the same level, from the URL
    page.go_back()
    page.wait_for_selector(f"#{ids.RK_DRILL_VIEW} tr[data-object]", timeout=WAIT_MS)
    assert tab.console_errors == []


def test_both_exports_download_and_open(demo_server, new_tab, tmp_path: Path):
    tab = new_tab(1366, 768)
    page = tab.page
    open_rankings(tab, demo_server.url)
    names = page.locator(f"#{ids.RK_TABLE} tr[data-district] button").all_inner_texts()
    with page.expect_download(timeout=WAIT_MS) as download:
        page.click(f"#{ids.RK_XLSX}")
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = tmp_path / "rankings.xlsx"
    download.value.save_as(workbook)
    sheets = pd.read_excel(workbook, sheet_name=None)
    assert len(sheets) >= 6
    with page.expect_download(timeout=WAIT_MS) as download:
        page.click(f"#{ids.RK_PDF}")
    assert download.value.suggested_filename.endswith(".pdf")
    pdf = tmp_path / "briefing.pdf"
    download.value.save_as(pdf)
    reader = PdfReader(BytesIO(pdf.read_bytes()))
    text = "".join(p.extract_text() or "" for p in reader.pages)
    assert names and names[0] in text  # the best district's Chinese name
    assert tab.console_errors == []


def test_a_district_officer_sees_their_own_district_in_english(demo_server, new_tab):
    tab = new_tab(1366, 768)
    open_rankings(tab, demo_server.url, "jiangan", language="en")
    rows = tab.page.locator(f"#{ids.RK_TABLE} tr[data-district]")
    assert rows.count() == 1 and rows.first.get_attribute("data-district") == "420102"
    assert tab.page.locator(f"#{ids.RK_TABLE} button").first.inner_text() == "Jiang'an"
    assert tab.console_errors == []
