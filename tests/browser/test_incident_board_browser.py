"""The incident board as the duty officer uses it: incidents arrive live, late ones stand out,
and the new-incident form refuses bad input field by field before it accepts a good report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard import ids
from tests.browser.conftest import ingest_token, send, sign_in
from tests.support import IN_JIANGAN, IN_WUCHANG, incident

pytestmark = pytest.mark.browser

LIVE_WAIT_MS = 10_000  # well under the board's 30 s fallback: only the live channel gets there


def open_board(tab, base_url: str, user: str = "duty") -> None:
    sign_in(tab, base_url, user, landing="/incidents")
    page = tab.page
    page.wait_for_selector(f"#{ids.BOARD_COUNTS} .kpi-card", timeout=30_000)
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)


def error_of(page, field: str) -> str:
    return page.locator(f"[data-field='{field}'] .invalid-feedback").inner_text().strip()


def test_an_ingested_incident_appears_on_the_open_board_and_a_late_one_is_marked(
    demo_server, new_tab
) -> None:
    tab = new_tab()
    open_board(tab, demo_server.url)
    page = tab.page
    late = incident("BOARD-LATE", *IN_WUCHANG)
    late["occurred_at"] = (datetime.now(UTC) - timedelta(minutes=25)).isoformat()
    late["data"]["severity"] = 4
    ack = send(
        demo_server,
        ingest_token(demo_server, "incident.reported"),
        [incident("BOARD-NEW", *IN_JIANGAN), late],
    )
    assert ack["accepted"] == ["BOARD-NEW", "BOARD-LATE"], ack

    page.wait_for_selector("tr[data-incident='BOARD-NEW']", timeout=LIVE_WAIT_MS)
    page.wait_for_selector("tr[data-incident='BOARD-LATE'][data-breach='1']", timeout=10_000)
    row = page.locator("tr[data-incident='BOARD-NEW']")
    assert row.get_attribute("data-breach") is None
    assert "燃气泄漏" in row.inner_text() and "江岸区" in row.inner_text()
    assert row.locator("a[href='/incident/BOARD-NEW']").count() == 1
    # the clock ticks in the browser; the late one shows red
    page.wait_for_function(
        """() => /\\d+:\\d\\d/.test(document.querySelector(
            "tr[data-incident='BOARD-NEW'] .response-clock").textContent)"""
    )
    assert page.locator("tr[data-incident='BOARD-LATE'] .response-clock.breach").count() == 1
    # most severe first: the severity-4 incident is above the severity-2 one
    order = page.locator("tr[data-incident]").evaluate_all(
        "rows => rows.map(r => r.dataset.incident)"
    )
    assert order.index("BOARD-LATE") < order.index("BOARD-NEW")
    assert int(page.locator("[data-kpi='board.count.breaching'] .kpi-value").inner_text()) >= 1
    assert tab.console_errors == []


def test_the_form_refuses_bad_input_field_by_field_then_reports(demo_server, new_tab) -> None:
    tab = new_tab()
    open_board(tab, demo_server.url)
    page = tab.page
    page.click(f"#{ids.BOARD_NEW}")
    page.wait_for_selector(f"#{ids.FORM_MAP} path.district-shape", timeout=15_000)

    page.select_option(f"#{ids.FORM_KIND}", "leak")
    page.locator(f"#{ids.FORM_SEVERITY} label", has_text="重大").first.click()
    page.fill(f"#{ids.FORM_ADDRESS}", "武昌区 测试街 9 号")
    page.fill(f"#{ids.FORM_COORDS}", "25.0, 110.0")  # far outside Wuhan
    page.click(f"#{ids.FORM_SUBMIT}")
    page.wait_for_selector("[data-field='description'] .invalid-feedback:not(:empty)")
    assert error_of(page, "description") == "请描述现场情况。"
    assert error_of(page, "location") == "该位置不在本市范围内。"
    assert error_of(page, "kind") == "" and error_of(page, "severity") == ""
    assert page.locator(f"#{ids.FORM_COORDS}.is-invalid").count() == 1
    assert page.locator(f"#{ids.FORM_ADDRESS}").input_value() == "武昌区 测试街 9 号"

    page.fill(f"#{ids.FORM_COORDS}", "114.31, 30.55")  # longitude first
    page.click(f"#{ids.FORM_SUBMIT}")
    page.wait_for_function(
        """() => document.querySelector("[data-field='location'] .invalid-feedback")
            .textContent.includes("写反")"""
    )

    # a place from the registry fills the coordinates and the address; the marker shows it
    page.fill(f"#{ids.FORM_PLACE_QUERY}", "液化气")
    page.wait_for_selector(".place-result", timeout=10_000)
    page.locator(".place-result").first.click()
    page.wait_for_function(
        f"() => document.querySelector('#{ids.FORM_COORDS}').value.includes(',')"
    )
    page.wait_for_selector(f"#{ids.FORM_MAP} path.form-marker", timeout=10_000)
    assert "液化气" in page.locator(f"#{ids.FORM_ADDRESS}").input_value()

    # a click on the map moves the point there
    before = page.locator(f"#{ids.FORM_COORDS}").input_value()
    page.locator(f"#{ids.FORM_MAP}").click(position={"x": 260, "y": 170})
    page.wait_for_function(
        f"before => document.querySelector('#{ids.FORM_COORDS}').value !== before",
        arg=before,
    )

    page.fill(f"#{ids.FORM_DESCRIPTION}", "用户报告厨房有燃气味，已关闭阀门")
    page.fill(f"#{ids.FORM_COORDS}", f"{IN_WUCHANG[0]}, {IN_WUCHANG[1]}")
    page.click(f"#{ids.FORM_SUBMIT}")
    page.wait_for_selector(f"#{ids.FORM_MODAL}", state="hidden", timeout=10_000)
    notice = page.locator(f"#{ids.BOARD_NOTICE} [data-incident]")
    notice.wait_for(timeout=10_000)
    incident_id = notice.get_attribute("data-incident")
    assert incident_id and incident_id.startswith("INC-")
    assert notice.locator(f"a[href='/incident/{incident_id}']").count() == 1
    page.wait_for_selector(f"tr[data-incident='{incident_id}']", timeout=10_000)
    assert "武昌区" in page.locator(f"tr[data-incident='{incident_id}']").inner_text()

    # the form opens again empty, ready for the next call
    page.click(f"#{ids.BOARD_NEW}")
    page.wait_for_selector(f"#{ids.FORM_DESCRIPTION}")
    assert page.locator(f"#{ids.FORM_DESCRIPTION}").input_value() == ""
    assert tab.console_errors == []


def test_a_district_officer_cannot_report_outside_their_district(demo_server, new_tab) -> None:
    tab = new_tab(1366, 768)
    open_board(tab, demo_server.url, "jiangan")
    page = tab.page
    page.click(f"#{ids.BOARD_NEW}")
    page.wait_for_selector(f"#{ids.FORM_MAP}")
    page.select_option(f"#{ids.FORM_KIND}", "odor")
    page.locator(f"#{ids.FORM_SEVERITY} label", has_text="一般").first.click()
    page.fill(f"#{ids.FORM_ADDRESS}", "武昌区 某小区")
    page.fill(f"#{ids.FORM_DESCRIPTION}", "巡查闻到异味")
    page.fill(f"#{ids.FORM_COORDS}", f"{IN_WUCHANG[0]}, {IN_WUCHANG[1]}")
    page.click(f"#{ids.FORM_SUBMIT}")
    page.wait_for_selector("[data-field='location'] .invalid-feedback:not(:empty)")
    assert "辖区（江岸区）" in error_of(page, "location")
    assert page.locator(f"#{ids.FORM_MODAL}").is_visible()
    assert tab.console_errors == []


def test_read_only_roles_see_the_board_without_the_form(demo_server, new_tab) -> None:
    tab = new_tab()
    open_board(tab, demo_server.url, "leader")
    assert tab.page.locator(f"#{ids.BOARD_NEW}").count() == 0
    assert tab.console_errors == []
