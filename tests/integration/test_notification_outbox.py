"""The notification outbox across a crash of the whole app: a dispatch made at the desk asks for
the four-level notification in its own transaction; the app is killed (kill -9 of every process)
while the webhook is being sent; after a restart the webhook is delivered, once recorded."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from data_access.db import make_engine
from data_access.models import Incident, IncidentNotification, NotificationRequest, Team, TeamState
from tests.dash_endpoint import HttpSession, post_callback
from tests.support import IN_WUCHANG, WUCHANG, start_demo
from tests.unit.test_notifier import start_endpoint

pytestmark = pytest.mark.slow


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def outcomes(engine: Engine, incident_id: str) -> list[tuple[str, str, str | None]]:
    query = select(
        IncidentNotification.channel, IncidentNotification.outcome, IncidentNotification.request_id
    ).where(IncidentNotification.incident_id == incident_id)
    with engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(query))


def report_and_dispatch(session: HttpSession, engine: Engine) -> str:
    """As the duty officer would in the browser: a new incident, then a free team sent."""
    form = {
        f"{ids.FORM_KIND}.value": "leak",
        f"{ids.FORM_SEVERITY}.value": 3,
        f"{ids.FORM_CHANNEL}.value": "hotline_96511",
        f"{ids.FORM_COORDS}.value": f"{IN_WUCHANG[0]}, {IN_WUCHANG[1]}",
        f"{ids.FORM_ADDRESS}.value": "武汉市武昌区中华路街解放路88号",
        f"{ids.FORM_DESCRIPTION}.value": "居民报告燃气味",
    }
    assert post_callback(session, ids.FORM_SUBMIT, "n_clicks", 1, form).status_code == 200
    with engine.connect() as connection:
        incident_id = connection.scalar(select(Incident.id))
        busy = set(connection.scalars(select(TeamState.team_id)))
        team = next(
            t
            for t in connection.scalars(select(Team.id).where(Team.district == WUCHANG))
            if t not in busy
        )
    picked = {f"{ids.INCIDENT_PICKED}.data": [team], f"{ids.INCIDENT_ID}.data": incident_id}
    answer = post_callback(session, ids.INCIDENT_DISPATCH_CONFIRM, "n_clicks", 1, picked)
    assert answer.status_code == 200, answer.data[:300]
    return incident_id


def test_a_webhook_cut_short_by_a_crash_is_delivered_after_the_restart(
    tmp_path, demo_database_template
):
    hook, stop_hook = start_endpoint("hang", 200)  # the first delivery never gets an answer
    settings = {
        "GASCC_NOTIFY_WEBHOOK_URL": hook.url,
        "GASCC_NOTIFY_RETRIES": "1",
        "GASCC_NOTIFY_LEASE_S": "3",  # how long a dead notifier's claim keeps others off
        "GASCC_WORKERS": "1",
    }
    data_dir = tmp_path / "demo"
    data_dir.mkdir()  # the run's seeded city: the demo need not seed its own
    shutil.copy(demo_database_template, data_dir / "gascc.sqlite3")
    demo = start_demo(data_dir, settings=settings)
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    try:
        incident_id = report_and_dispatch(HttpSession(demo.url, "duty"), engine)
        wait_for(lambda: hook.requests, "the app to send the webhook")
        demo.crash()  # while the webhook call hangs
        with engine.connect() as connection:
            [request_id] = connection.scalars(
                select(NotificationRequest.id).where(NotificationRequest.incident_id == incident_id)
            ).all()
        assert ("webhook", "delivered", request_id) not in outcomes(engine, incident_id)

        demo = start_demo(data_dir, settings=settings)  # the same data: the outbox survived
        wait_for(
            lambda: ("webhook", "delivered", request_id) in outcomes(engine, incident_id),
            "the webhook delivered after the restart",
        )
        assert outcomes(engine, incident_id) == [
            ("in_app", "delivered", request_id),
            ("webhook", "delivered", request_id),
        ]
        assert [r["json"]["request_id"] for r in hook.requests] == [request_id, request_id]
        assert {r["json"]["incident_id"] for r in hook.requests} == {incident_id}
    finally:
        if demo.process.poll() is None:
            demo.stop()
        stop_hook()
        engine.dispose()
