"""One file per enterprise in the browser: the enterprise user signs in and lands on its own file
(Chinese, 1366x768), finds the menu's "our file" link, and opens a hazard it must rectify from
the file; a supervisor (English, 1920x1080) searches the enterprise list, opens a file from it,
and the list's URL keeps the search. No console errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.domain.events import Event, HazardReported
from data_access.db import make_engine
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Enterprise, Site
from data_access.queries.registry import first_enterprise_id
from tests.browser.conftest import own_demo, sign_in

pytestmark = pytest.mark.browser

HAZARD = "HZ-EF-BROWSER-1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path):
    with own_demo(tmp_path_factory, demo_database_template, "enterprise-file") as running:
        yield running


@pytest.fixture
def engine(demo) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def report_own_hazard(engine: Engine, enterprise: str) -> None:
    """A hazard at one of the enterprise's own sites (it must rectify it)."""
    with engine.connect() as connection:
        site = connection.execute(
            select(Site.id, Site.district, Site.lat, Site.lon)
            .where(Site.enterprise_id == enterprise)
            .order_by(Site.id)
        ).first()
    now = datetime.now(UTC)
    data = HazardReported(
        hazard_id=HAZARD, target_type="site", target_id=site.id, district=site.district,
        category="气瓶存放不规范", level="general", description="供应站气瓶露天存放",
        lat=site.lat, lon=site.lon, due_at=now + timedelta(days=7),
    )  # fmt: skip
    (outcome,) = append_events(
        engine, [Incoming("inspection-app", Event.of(data, id=HAZARD, occurred_at=now))]
    )
    assert isinstance(outcome, Accepted), outcome


def test_the_enterprise_user_lands_on_its_file_and_opens_a_hazard(demo, engine, new_tab):
    own = first_enterprise_id(engine)
    assert own
    report_own_hazard(engine, own)
    tab = new_tab(1366, 768)
    sign_in(tab, demo.url, "enterprise", language="zh")
    page = tab.page
    page.wait_for_url(f"**/enterprise/{own}", timeout=30_000)
    page.wait_for_selector(f"#{ids.ENT_SECTION}-overview [data-kpi='hazards']", timeout=30_000)
    assert page.get_attribute(f"#{ids.ENT_BODY} [data-enterprise]", "data-enterprise") == own
    own_file = page.locator(f"#{ids.NAVBAR} a[href='/enterprise/{own}']")
    assert own_file.count() == 1 and "本企业档案" in own_file.inner_text()
    assert page.locator(f"#{ids.NAVBAR} a[href='/enterprises']").count() == 0
    # the scores' slot is there for the rankings issue, and shows nothing yet
    assert page.locator(f"#{ids.ENT_SCORES}").is_hidden()
    page.click(f"#{ids.ENT_SECTION}-hazards a[href='/hazard/{HAZARD}']")
    page.wait_for_url(f"**/hazard/{HAZARD}", timeout=30_000)
    page.wait_for_selector(f"#{ids.HAZARD_HEADER} [data-status]", timeout=30_000)
    assert tab.console_errors == []


def test_a_supervisor_searches_the_list_and_opens_a_file(demo, engine, new_tab):
    with engine.connect() as connection:
        enterprise, name = connection.execute(
            select(Enterprise.id, Enterprise.name).order_by(Enterprise.id.desc())
        ).first()
    tab = new_tab(1920, 1080)
    sign_in(tab, demo.url, "supervisor", landing="/enterprises", language="en")
    page = tab.page
    page.wait_for_selector(f"#{ids.EL_LIST} tr[data-enterprise]", timeout=30_000)
    page.fill(f"#{ids.EL_TEXT}", name)
    page.press(f"#{ids.EL_TEXT}", "Enter")
    page.wait_for_function(
        f"() => document.querySelectorAll('#{ids.EL_LIST} tr[data-enterprise]').length === 1",
        timeout=30_000,
    )
    page.wait_for_function("() => window.location.search.includes('q=')", timeout=30_000)
    page.click(f"#{ids.EL_LIST} tr[data-enterprise='{enterprise}'] a")
    page.wait_for_url(f"**/enterprise/{enterprise}", timeout=30_000)
    page.wait_for_selector(f"#{ids.ENT_SECTION}-points [data-subject]", timeout=30_000)
    assert name in page.inner_text(f"#{ids.ENT_BODY}")
    assert "Staff" in page.inner_text(f"#{ids.ENT_SECTION}-workers")
    assert tab.console_errors == []
