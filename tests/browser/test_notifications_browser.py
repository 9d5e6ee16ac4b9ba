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

from dashboard import ids
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.roles import system_user
from data_access import commands
from data_access.commands import Done
from data_access.db import make_engine
from tests.browser.conftest import sign_in
from tests.support import IN_JIANGAN, IN_WUCHANG, desk_user, free_port

pytestmark = pytest.mark.browser

FAILED = "tr[data-outcome='failed']"


@pytest.fixture
def demo_engine(demo_server) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo_server.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def notified_incident(engine: Engine, place: tuple[float, float] = IN_WUCHANG) -> str:
    """A new incident (in Wuchang unless told), notified in-app (delivered) and by a webhook
    nobody answers."""
    draft = IncidentDraft(
        kind="leak",
        severity=2,
        channel="hotline_96511",
        lat=place[0],
        lon=place[1],
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
    sign_in(tab, base_url, user, landing="/notifications")
    tab.page.wait_for_selector(f"#{ids.NOTIFY_SUMMARY} [data-failed]", timeout=30_000)


def test_a_failed_webhook_delivery_shows_on_top_in_red(demo_server, demo_engine, new_tab):
    incident_id = notified_incident(demo_engine)
    tab = new_tab(1920, 1080)
    open_centre(tab, demo_server.url)
    page = tab.page
    first = page.locator(f"#{ids.NOTIFY_LIST} tbody tr").first
    first.wait_for(timeout=30_000)
    assert first.get_attribute("data-outcome") == "failed"
    assert "notify-failed-row" in first.get_attribute("class")
    failed = page.locator(FAILED, has_text=incident_id)
    assert failed.count() == 1
    text = failed.inner_text()
    assert "Webhook" in text and "发送失败" in text
    assert "无法连接" in text and "Connection refused" in text  # in words, then as recorded
    assert failed.locator("td").nth(6).inner_text().strip() == "2"  # attempts
    background = failed.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    red, green, blue = (int(v) for v in background[background.index("(") + 1 : -1].split(",")[:3])
    assert red > 2 * max(green, blue)  # red, whatever the exact shade
    delivered = page.locator("tr[data-outcome='delivered']", has_text=incident_id)
    assert delivered.count() == 1 and "站内通知" in delivered.inner_text()
    summary = page.locator(f"#{ids.NOTIFY_SUMMARY} [data-failed]")
    assert int(summary.get_attribute("data-failed")) >= 1
    link = failed.locator(f"a[href='/incident/{incident_id}']")
    assert link.count() == 1
    assert tab.console_errors == []


def test_a_new_failure_appears_live_and_the_filters_narrow_the_list(
    demo_server, demo_engine, new_tab
):
    tab = new_tab(1366, 768)
    open_centre(tab, demo_server.url)
    page = tab.page
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    incident_id = notified_incident(demo_engine)  # while the page is open
    page.locator(FAILED, has_text=incident_id).wait_for(timeout=25_000)

    page.locator(f"#{ids.NOTIFY_FAILED_ONLY}").check()
    page.wait_for_selector(f"#{ids.NOTIFY_LIST} tr[data-outcome='delivered']", state="detached")
    assert page.locator(FAILED, has_text=incident_id).count() == 1
    page.locator(f"#{ids.NOTIFY_FAILED_ONLY}").uncheck()
    page.select_option(f"#{ids.NOTIFY_CHANNEL}", "in_app")
    page.wait_for_selector(f"#{ids.NOTIFY_LIST} {FAILED}", state="detached")
    channels = page.eval_on_selector_all(
        f"#{ids.NOTIFY_LIST} tbody tr", "rows => [...new Set(rows.map(r => r.dataset.channel))]"
    )
    assert channels == ["in_app"]
    assert tab.console_errors == []


def test_a_district_officer_sees_only_their_districts_notifications(
    demo_server, demo_engine, new_tab
):
    incident_id = notified_incident(demo_engine)  # in Wuchang
    own = notified_incident(demo_engine, IN_JIANGAN)  # and one the officer must see
    tab = new_tab(1366, 768)
    open_centre(tab, demo_server.url, "jiangan")  # Jiang'an's officer
    tab.page.locator(f"#{ids.NOTIFY_LIST}", has_text=own).wait_for(timeout=30_000)
    assert tab.page.locator(f"#{ids.NOTIFY_LIST}", has_text=incident_id).count() == 0
    assert tab.console_errors == []
