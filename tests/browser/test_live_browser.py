"""Live: an event accepted by the gateway reaches an open One Map without a reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard import ids
from tests.browser.conftest import ingest_token, send, sign_in
from tests.support import IN_JIANGAN, IN_WUCHANG, incident

pytestmark = pytest.mark.browser


def kpi(page, key: str) -> int:
    return int(page.locator(f"[data-kpi='{key}'] .kpi-value").inner_text().replace(",", ""))


def test_the_indicator_says_live_when_the_channel_is_up(demo_server, new_tab) -> None:
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty")
    tab.page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    assert tab.console_errors == []


def test_a_reported_incident_appears_on_the_open_map_and_in_the_counts(demo_server, new_tab):
    tab = new_tab()
    sign_in(tab, demo_server.url, "duty")
    page = tab.page
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    page.wait_for_selector("[data-kpi='kpi.incidents_open']", timeout=30_000)
    before = kpi(page, "kpi.incidents_open")

    ack = send(
        demo_server,
        ingest_token(demo_server, "incident.reported"),
        [incident("INC-T1", *IN_JIANGAN)],
    )
    assert ack["accepted"] == ["INC-T1"], ack

    page.wait_for_selector("path.live-incident", timeout=10_000)
    page.wait_for_function(
        """expected => Number(document
            .querySelector("[data-kpi='kpi.incidents_open'] .kpi-value")
            .innerText.replace(/,/g, "")) === expected""",
        arg=before + 1,
        timeout=10_000,
    )
    assert tab.console_errors == []


def test_a_district_officer_does_not_see_another_districts_incident(demo_server, new_tab):
    tab = new_tab()
    sign_in(tab, demo_server.url, "jiangan")  # 江岸区; the incident below is in 武昌区
    page = tab.page
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    page.wait_for_selector(".kpi-card", timeout=30_000)
    before = page.locator("path.live-incident").count()  # open incidents in 江岸区, if any
    wuchang = incident("INC-T2", *IN_WUCHANG)
    # Then one in Jiang'an, with a reporting time of its own to find its marker by: once it is
    # drawn, the Wuchang one, earlier in the log, would have been drawn too.
    reported = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=7)
    jiangan = incident("INC-T3", *IN_JIANGAN) | {"occurred_at": reported.isoformat()}
    token = ingest_token(demo_server, "incident.reported")
    ack = send(demo_server, token, [wuchang, jiangan])
    assert ack["accepted"] == ["INC-T2", "INC-T3"], ack
    reported_ms = int(reported.timestamp() * 1000)
    page.wait_for_selector(f".incident-clock[data-reported='{reported_ms}']", timeout=10_000)
    assert page.locator("path.live-incident").count() == before + 1
    assert tab.console_errors == []
