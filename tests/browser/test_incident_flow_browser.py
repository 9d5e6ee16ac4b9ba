"""The whole incident flow in a browser, as the duty desk lives it: an incident sent through
/ingest appears on the board and the One Map, the officer dispatches the nearest team, the team
moves, an on-site update appears live, the incident is closed with a summary, the report opens."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from dashboard import ids
from tests.browser.conftest import ingest_token, send, sign_in
from tests.support import IN_WUCHANG, incident

pytestmark = pytest.mark.browser

FIELD_TYPES = "incident.reported,incident.update,team.position,team.status"


def send_all(demo_server, token: str, events: list[dict]) -> None:
    ack = send(demo_server, token, events)
    assert ack["accepted"] == [e["id"] for e in events], ack


def event(event_id: str, kind: str, data: dict) -> dict:
    return {
        "id": event_id,
        "type": kind,
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": data,
    }


def test_an_incident_goes_from_report_to_close_out_report(demo_server, new_tab) -> None:
    token = ingest_token(demo_server, FIELD_TYPES, source="field-app-test")
    desk, wall = new_tab(), new_tab()
    sign_in(desk, demo_server.url, "duty", landing="/incidents")
    sign_in(wall, demo_server.url, "duty")  # the One Map
    page = desk.page
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    wall.page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)

    incident_id = "INC-FLOW-1"
    sent_at = time.monotonic()
    send_all(demo_server, token, [incident(incident_id, *IN_WUCHANG)])
    row = f"[data-incident='{incident_id}']"
    page.wait_for_selector(row, timeout=10_000)
    on_board_s = time.monotonic() - sent_at
    wall.page.wait_for_selector("path.live-incident", timeout=10_000)
    print(f"incident on the board {on_board_s:.2f} s after it was sent")

    page.click(f"{row} a[href='/incident/{incident_id}']")
    page.wait_for_selector(".team-ranking .candidate", timeout=20_000)
    free = page.locator(".team-ranking .team-option:not(.unavailable)").first
    team_id = free.locator(".candidate").get_attribute("data-team")
    free.locator("input").check()
    page.click(f"#{ids.INCIDENT_DISPATCH}")
    page.wait_for_selector(f"#{ids.INCIDENT_DISPATCH_CONFIRM}", state="visible", timeout=10_000)
    page.click(f"#{ids.INCIDENT_DISPATCH_CONFIRM}")
    page.wait_for_selector(".action-feedback[data-outcome='done']", timeout=10_000)
    sent_row = f".dispatched-table tr[data-team='{team_id}']"
    page.wait_for_selector(f"{sent_row}[data-status='dispatched']", timeout=10_000)
    page.wait_for_selector(".incident-status[data-status='dispatched']", timeout=10_000)

    marker = f"path.team-marker.team-{team_id}"
    before = page.locator(marker).get_attribute("d")
    send_all(
        demo_server,
        token,
        [
            event(
                "st-1",
                "team.status",
                {"team_id": team_id, "status": "en_route", "incident_id": incident_id},
            ),
            event(
                "pos-1",
                "team.position",
                {
                    "team_id": team_id,
                    "lat": IN_WUCHANG[0] + 0.003,
                    "lon": IN_WUCHANG[1] + 0.003,
                    "speed_kmh": 40,
                },
            ),
        ],
    )
    page.wait_for_selector(f"{sent_row}[data-status='en_route']", timeout=10_000)
    page.wait_for_function(
        "([sel, d]) => document.querySelector(sel)?.getAttribute('d') !== d",
        arg=[marker, before],
        timeout=10_000,
    )

    send_all(
        demo_server,
        token,
        [
            event(
                "upd-1",
                "incident.update",
                {
                    "incident_id": incident_id,
                    "author": "field-07",
                    "text": "现场已关闭总阀，正在通风",
                    "status": "contained",
                },
            )
        ],
    )
    page.wait_for_selector(".timeline-entry:has-text('现场已关闭总阀')", timeout=10_000)
    page.wait_for_selector(".incident-status[data-status='contained']", timeout=10_000)

    page.click(f"#{ids.INCIDENT_CLOSE}")
    page.wait_for_selector(f"#{ids.INCIDENT_CLOSE_CONFIRM}", state="visible", timeout=10_000)
    page.click(f"#{ids.INCIDENT_CLOSE_CONFIRM}")
    no_summary_yet = f"#{ids.INCIDENT_CLOSE_ERROR}:not(:empty)"
    page.wait_for_selector(no_summary_yet, timeout=10_000)
    page.fill(f"#{ids.INCIDENT_CLOSE_SUMMARY}", "漏点已修复，恢复供气，无人员伤亡")
    page.click(f"#{ids.INCIDENT_CLOSE_CONFIRM}")
    page.wait_for_selector(".incident-status[data-status='closed']", timeout=10_000)

    page.click(".action-feedback a[href^='/report/']")
    page.wait_for_url(f"**/report/{incident_id}", timeout=10_000)
    page.wait_for_selector("text=漏点已修复，恢复供气，无人员伤亡", timeout=10_000)
    page.goto(f"{demo_server.url}/incidents")
    page.wait_for_selector(f"#{ids.BOARD_CLOSED} {row}", state="attached", timeout=10_000)
    assert page.locator(f"#{ids.BOARD_LIST} {row}").count() == 0  # no longer active
    assert desk.console_errors == [] and wall.console_errors == []
