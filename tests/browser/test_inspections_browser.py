"""/inspections in the browser: an inspection with a failed item sent through /ingest is listed;
the city's supervisor (Chinese) sees the coverage KPIs, the map and the table, opens the row and
follows its item to the hazard it became; the enterprise (English) opens its own history from a
link (`?target=enterprise:<id>`) and, from its list, the inspection's items. No console errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard import ids
from dashboard.domain.hazards import rule_hazard_id
from data_access.db import make_engine
from data_access.queries.registry import first_enterprise_id
from tests.browser.conftest import ingest_token, send, sign_in
from tests.support import IN_JIANGAN, JIANGAN

pytestmark = pytest.mark.browser

INSPECTION = "INS-BROWSER-COVERAGE-1"


@pytest.fixture(scope="module")
def inspected(demo_server) -> str:
    """The demo enterprise's id, after an inspection of it with one failed item."""
    engine = make_engine(f"sqlite:///{demo_server.data_dir / 'gascc.sqlite3'}")
    enterprise = first_enterprise_id(engine)
    engine.dispose()
    assert enterprise is not None
    token = ingest_token(demo_server, "inspection.completed", source="inspection-app")
    event = {
        "id": INSPECTION,
        "type": "inspection.completed",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {
            "inspection_id": INSPECTION,
            "kind": "special",
            "target_type": "enterprise",
            "target_id": enterprise,
            "district": JIANGAN,
            "inspector_id": "INSP-420102-07",
            "items": [
                {"item": "消防器材配置齐全有效", "passed": True},
                {"item": "可燃气体报警器完好有效", "passed": False, "note": "报警器未通电"},
            ],
            "lat": IN_JIANGAN[0],
            "lon": IN_JIANGAN[1],
        },
    }
    ack = send(demo_server, token, [event])
    assert ack["accepted"] == [INSPECTION], ack
    return enterprise


def test_the_supervisor_opens_an_inspection_and_its_hazard(demo_server, inspected, new_tab):
    tab = new_tab(1920, 1080)
    page = tab.page
    sign_in(tab, demo_server.url, "supervisor", landing="/inspections?kind=special", language="zh")
    page.wait_for_selector(f"#{ids.INSP_KPIS} [data-kpi='all']", timeout=30_000)
    page.wait_for_selector(f"#{ids.INSP_COVERAGE} tr[data-code]", timeout=30_000)
    page.wait_for_selector(f"#{ids.INSP_MAP} path.district-shape", timeout=30_000)
    assert "巡检覆盖率" in page.inner_text(f"#{ids.INSP_KPIS}")
    row = page.locator(f"#{ids.INSP_LIST} tr[data-inspection='{INSPECTION}']")
    row.wait_for(timeout=30_000)
    row.locator(".insp-open").click()
    page.wait_for_selector(f"#{ids.INSP_DETAIL} [data-inspection='{INSPECTION}']", timeout=30_000)
    detail = page.inner_text(f"#{ids.INSP_DETAIL}")
    assert "报警器未通电" in detail and "不合格" in detail
    page.wait_for_function("() => window.location.search.includes('inspection=')")
    page.click(f"#{ids.INSP_DETAIL} a.insp-hazard")
    page.wait_for_url(f"**/hazard/{rule_hazard_id(INSPECTION, 1)}", timeout=30_000)
    page.wait_for_selector(f"#{ids.HAZARD_HEADER} [data-status]", timeout=30_000)
    assert tab.console_errors == []


def test_an_enterprise_opens_its_own_history_and_an_inspection(demo_server, inspected, new_tab):
    tab = new_tab(1366, 768)
    page = tab.page
    target = f"enterprise:{inspected}"
    sign_in(tab, demo_server.url, "enterprise", landing=f"/inspections?target={target}",
            language="en")  # fmt: skip
    page.wait_for_selector(f"#{ids.INSP_DETAIL} [data-detail='history']", timeout=30_000)
    history = page.inner_text(f"#{ids.INSP_DETAIL}")
    assert "Inspection history" in history and "Special" in history
    page.wait_for_selector(f"#{ids.INSP_KPIS} [data-kpi='all']", timeout=30_000)
    assert "Your sites this quarter" in page.inner_text(f"#{ids.INSP_KPIS}")
    page.select_option(f"#{ids.INSP_RESULT}", "failed")
    page.wait_for_function("() => window.location.search.includes('result=failed')")
    # the list redrawn with the failed ones only (a click on the list it replaces is lost)
    page.wait_for_function(
        f"() => [...document.querySelectorAll('#{ids.INSP_LIST} tr[data-inspection]')]"
        ".every(row => row.dataset.passed === 'false')"
    )
    row = page.locator(f"#{ids.INSP_LIST} tr[data-inspection='{INSPECTION}']")
    row.wait_for(timeout=30_000)
    row.locator(".insp-open").click()
    page.wait_for_selector(f"#{ids.INSP_DETAIL} [data-detail='inspection']", timeout=30_000)
    assert "Failed" in page.inner_text(f"#{ids.INSP_DETAIL}")
    assert tab.console_errors == []
