"""The notification centre as the duty desk sees it: a webhook delivery that failed (nothing
listens on its port) shows on top in red with its attempts and error, a new one arrives live,
the filters work, and a district officer does not see another district's notifications.

The notifications are recorded in the test process through the notifier's own command
(data_access.commands.record_notification), into the demo's database, as the app's notifier
records them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.roles import system_user
from data_access import commands
from data_access.commands import Done
from data_access.db import make_engine
from tests.browser.conftest import sign_in
from tests.support import IN_WUCHANG, desk_user, free_port

pytestmark = pytest.mark.browser

FAILED = "tr[data-outcome='failed']"


@pytest.fixture
def demo_engine(demo_server) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo_server.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def notified_incident(engine: Engine) -> str:
    """A new Wuchang incident, notified in-app (delivered) and by a webhook nobody answers."""
    draft = IncidentDraft(
        kind="leak",
        severity=2,
        channel="hotline_96511",
        lat=IN_WUCHANG[0],
        lon=IN_WUCHANG[1],
        address="武汉市武昌区中华路街解放路88号",
        description="居民报告燃气味",
    )
    outcome = commands.report_incident(engine, desk_user(), draft)
    assert isinstance(outcome, Done), outcome
    incident_id = outcome.subject
    # What the app's notifier records for it: in-app delivered, the webhook failed (nothing
    # listens on its port). Recorded directly: the demo's own notifier must not race for it.
    levels = ["city", "district", "street", "enterprise"]
    worker, request = system_user("notifier"), f"browser-{incident_id}"
    recipients = ["武汉市应急管理办公室", "武昌区燃气管理办公室"]
    for channel, delivered, error in (
        ("in_app", True, None),
        ("webhook", False, f"connection failed: [Errno 111] Connection refused ({free_port()})"),
    ):
        recorded = commands.record_notification(
            engine, worker, request, incident_id, levels, recipients, channel,
            delivered=delivered, attempts=1 if delivered else 2, error=error,
        )  # fmt: skip
        assert isinstance(recorded, Done), recorded
    return incident_id


def open_centre(tab, base_url: str, user: str = "duty") -> None:
    sign_in(tab, base_url, user)
    tab.page.wait_for_selector("#live-status", timeout=30_000)
    tab.page.goto(f"{base_url}/notifications")
    tab.page.wait_for_selector("#notify-summary [data-failed]", timeout=30_000)


def test_a_failed_webhook_delivery_shows_on_top_in_red(demo_server, demo_engine, new_tab):
    incident_id = notified_incident(demo_engine)
    tab = new_tab(1920, 1080)
    open_centre(tab, demo_server.url)
    page = tab.page
    first = page.locator("#notify-list tbody tr").first
    first.wait_for(timeout=30_000)
    assert first.get_attribute("data-outcome") == "failed"
    assert "notify-failed-row" in first.get_attribute("class")
    failed = page.locator(FAILED, has_text=incident_id)
    assert failed.count() == 1
    text = failed.inner_text()
    assert "Webhook" in text and "发送失败" in text
    assert "connection failed" in text
    assert failed.locator("td").nth(6).inner_text().strip() == "2"  # attempts
    background = failed.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    red, green, blue = (int(v) for v in background[background.index("(") + 1 : -1].split(",")[:3])
    assert red > 2 * max(green, blue)  # red, whatever the exact shade
    delivered = page.locator("tr[data-outcome='delivered']", has_text=incident_id)
    assert delivered.count() == 1 and "站内通知" in delivered.inner_text()
    assert int(page.locator("#notify-summary [data-failed]").get_attribute("data-failed")) >= 1
    link = failed.locator(f"a[href='/incident/{incident_id}']")
    assert link.count() == 1
    assert tab.console_errors == []


def test_a_new_failure_appears_live_and_the_filters_narrow_the_list(
    demo_server, demo_engine, new_tab
):
    tab = new_tab(1366, 768)
    open_centre(tab, demo_server.url)
    page = tab.page
    page.wait_for_selector("#live-status[data-state='live']", timeout=30_000)
    incident_id = notified_incident(demo_engine)  # while the page is open
    page.locator(FAILED, has_text=incident_id).wait_for(timeout=25_000)

    page.locator("#notify-failed-only").check()
    page.wait_for_selector("#notify-list tr[data-outcome='delivered']", state="detached")
    assert page.locator(FAILED, has_text=incident_id).count() == 1
    page.locator("#notify-failed-only").uncheck()
    page.select_option("#notify-channel", "in_app")
    page.wait_for_selector(f"#notify-list {FAILED}", state="detached")
    channels = page.eval_on_selector_all(
        "#notify-list tbody tr", "rows => [...new Set(rows.map(r => r.dataset.channel))]"
    )
    assert channels == ["in_app"]
    assert tab.console_errors == []


def test_a_district_officer_sees_only_their_districts_notifications(
    demo_server, demo_engine, new_tab
):
    incident_id = notified_incident(demo_engine)  # in Wuchang
    tab = new_tab(1366, 768)
    open_centre(tab, demo_server.url, "jiangan")  # Jiang'an's officer
    tab.page.wait_for_selector("#notify-list > *", timeout=30_000)
    assert tab.page.locator("#notify-list", has_text=incident_id).count() == 0
    assert tab.console_errors == []
