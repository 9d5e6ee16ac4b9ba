"""The escalation (督办) of overdue hazards by the rules runner, on a fixed clock, on SQLite and
PostgreSQL: each step when its time comes, exactly once however often and by however many
runners, after a restart, and never for a hazard closed out in time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from dashboard.citypack import load_city_pack
from dashboard.domain.events import Event, HazardEscalated
from dashboard.domain.hazards import escalation_id
from dashboard.domain.roles import Role
from dashboard.notifier import Directory, InAppChannel, Notifier, WebhookChannel
from dashboard.rules_runner import RulesRunner
from data_access import commands
from data_access.commands import Done
from data_access.db import make_engine
from data_access.eventlog import SYSTEM_SOURCE, Accepted, Incoming, append_events
from data_access.models import EventRecord, Hazard, HazardStatusChange
from tests.support import desk_user, report_hazard
from tests.unit.test_notifier import start_endpoint

DUE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # past: the rules are applied at fixed times
ADMIN = desk_user("admin", Role.ADMIN)


def runner(engine: Engine, when: datetime) -> RulesRunner:
    return RulesRunner(engine, clock=lambda: when)


def escalations(engine: Engine, hazard_id: str) -> list[tuple[str, str, str | None]]:
    """(event id, level, actor) of the hazard's escalations in the log, in order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(EventRecord.event_id, EventRecord.data, EventRecord.actor)
            .where(EventRecord.type == "hazard.escalated")
            .order_by(EventRecord.seq)
        ).all()
    return [(e, data["level"], actor) for e, data, actor in rows if data["hazard_id"] == hazard_id]


def escalation_of(engine: Engine, hazard_id: str) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(select(Hazard.escalation).where(Hazard.id == hazard_id))


def overdue_hazard(engine: Engine, hazard_id: str, level: str = "general") -> str:
    return report_hazard(
        engine, hazard_id, level=level, due_at=DUE, occurred_at=DUE - timedelta(days=7)
    )[0]


def test_a_general_hazard_goes_to_the_district_after_a_day_and_to_the_city_after_a_week(city):
    hazard_id = overdue_hazard(city, "HZ-ESC-GENERAL")
    assert runner(city, DUE + timedelta(hours=23)).run_once() == 0
    assert escalation_of(city, hazard_id) is None
    assert runner(city, DUE + timedelta(days=1, seconds=1)).run_once() == 1
    assert escalation_of(city, hazard_id) == "district"
    assert runner(city, DUE + timedelta(days=6)).run_once() == 0
    assert runner(city, DUE + timedelta(days=7, seconds=1)).run_once() == 1
    assert escalations(city, hazard_id) == [
        (escalation_id(hazard_id, "district"), "district", "rules"),
        (escalation_id(hazard_id, "city"), "city", "rules"),
    ]
    assert escalation_of(city, hazard_id) == "city"


def test_a_major_hazard_goes_to_the_city_as_soon_as_it_is_overdue(city):
    hazard_id = overdue_hazard(city, "HZ-ESC-MAJOR", level="major")
    assert runner(city, DUE - timedelta(seconds=1)).run_once() == 0
    assert runner(city, DUE + timedelta(seconds=1)).run_once() == 1
    assert [level for _, level, _ in escalations(city, hazard_id)] == ["city"]


def test_a_runner_that_comes_late_writes_every_step_it_missed_in_order(city):
    hazard_id = overdue_hazard(city, "HZ-ESC-LATE")
    assert runner(city, DUE + timedelta(days=30)).run_once() == 2
    assert [level for _, level, _ in escalations(city, hazard_id)] == ["district", "city"]


def test_each_step_is_written_once_however_often_the_rules_run(city):
    hazard_id = overdue_hazard(city, "HZ-ESC-ONCE")
    later = runner(city, DUE + timedelta(days=2))
    assert [later.run_once() for _ in range(3)] == [1, 0, 0]
    assert len(escalations(city, hazard_id)) == 1


def test_two_runners_at_once_write_each_step_once(city):
    hazards = [overdue_hazard(city, f"HZ-ESC-TWO-{n}") for n in range(6)]
    written: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        written.append(runner(city, DUE + timedelta(days=8)).run_once())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(written) == 12  # six hazards, two steps each, between the two runners
    for hazard_id in hazards:
        assert [level for _, level, _ in escalations(city, hazard_id)] == ["district", "city"]


def test_after_a_restart_nothing_is_escalated_again(city):
    hazard_id = overdue_hazard(city, "HZ-ESC-RESTART")
    assert runner(city, DUE + timedelta(days=2)).run_once() == 1
    url = city.url.render_as_string(hide_password=False)
    restarted = make_engine(url)  # a new process: nothing remembered but the database
    try:
        assert runner(restarted, DUE + timedelta(days=2)).run_once() == 0
        assert runner(restarted, DUE + timedelta(days=8)).run_once() == 1
    finally:
        restarted.dispose()
    assert [level for _, level, _ in escalations(city, hazard_id)] == ["district", "city"]


def test_an_escalation_the_backfill_wrote_is_not_written_again(city):
    hazard_id = overdue_hazard(city, "HZ-ESC-BACKFILLED")
    backfilled = HazardEscalated(hazard_id=hazard_id, level="district", by="system", note="超期")
    event = Event.of(
        backfilled, id=escalation_id(hazard_id, "district"), occurred_at=DUE + timedelta(days=1)
    )
    (outcome,) = append_events(city, [Incoming(SYSTEM_SOURCE, event, actor="demo")])
    assert isinstance(outcome, Accepted)
    assert runner(city, DUE + timedelta(days=3)).run_once() == 0
    assert len(escalations(city, hazard_id)) == 1


def test_a_hazard_closed_out_in_time_is_never_escalated(city):
    hazard_id = overdue_hazard(city, "HZ-ESC-CLOSED")
    photo = "sha256:" + "c" * 64
    for step, extra in (
        ("start", {}),
        ("rectified", {"photos": [photo]}),
        ("verify", {}),
        ("close", {}),
    ):
        assert isinstance(commands.move_hazard(city, ADMIN, hazard_id, step, **extra), Done)
    assert runner(city, DUE + timedelta(days=30)).run_once() == 0
    assert escalations(city, hazard_id) == []


# --- the responsible levels are told ------------------------------------------------------------


def escalation_notifier(engine: Engine, *channels: object) -> Notifier:
    directory = Directory(engine, load_city_pack("wuhan"))
    return Notifier(engine, channels or (InAppChannel(),), directory, base_delay=0.01)  # type: ignore[arg-type]


def notices(engine: Engine, hazard_id: str) -> list[tuple[str, str, dict]]:
    """(event id, channel, data) of the hazard's escalation notices in the log, in order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(EventRecord.event_id, EventRecord.data)
            .where(EventRecord.type == "hazard.notified")
            .order_by(EventRecord.seq)
        ).all()
    return [(e, d["channel"], d) for e, d in rows if d["hazard_id"] == hazard_id]


def test_each_escalation_is_told_to_its_levels_once_on_every_channel(city):
    hazard = overdue_hazard(city, "HZ-NOTICE")
    endpoint, stop = start_endpoint(200, 200, 200)
    try:
        runner(city, DUE + timedelta(days=8)).run_once()  # to the district, then the city
        first = escalation_notifier(city, InAppChannel(), WebhookChannel(endpoint.url))
        assert first.drain(30)
        first.close()
        again = escalation_notifier(city, InAppChannel(), WebhookChannel(endpoint.url))
        assert again.run_once() == 0 and again.drain(5)  # nothing left to tell
        again.close()
    finally:
        stop()
    told = notices(city, hazard)
    assert sorted(channel for _, channel, _ in told) == ["in_app", "in_app", "webhook", "webhook"]
    by_request = {data["request_id"]: data["levels"] for _, _, data in told}
    assert by_request == {
        escalation_id(hazard, "district"): ["district", "enterprise"],
        escalation_id(hazard, "city"): ["city", "district", "enterprise"],
    }
    bodies = [request["json"] for request in endpoint.requests]
    assert [body["escalation"] for body in bodies] == ["district", "city"]
    assert all(body["type"] == "hazard.escalation" for body in bodies)
    assert bodies[1]["link"] == f"/hazard/{hazard}" and "已超期" in bodies[1]["text"]
    assert "已升级为市级督办" in bodies[1]["text"] and "武汉市燃气主管部门" in bodies[1]["text"]
    with city.connect() as connection:
        history = connection.execute(
            select(HazardStatusChange.status, HazardStatusChange.actor, HazardStatusChange.note)
            .where(HazardStatusChange.hazard_id == hazard)
            .order_by(HazardStatusChange.seq)
        ).all()
    notified = [row for row in history if row.status == "notified"]
    assert len(notified) == 4 and {row.actor for row in notified} == {"notifier"}
    assert any(row.note.startswith("webhook: 江岸区燃气管理办公室") for row in notified)


def test_a_failed_delivery_is_recorded_and_tried_no_more(city):
    hazard = overdue_hazard(city, "HZ-NOTICE-FAIL")
    endpoint, stop = start_endpoint(500, 500, 500)
    try:
        runner(city, DUE + timedelta(days=2)).run_once()
        worker = escalation_notifier(city, WebhookChannel(endpoint.url))
        assert worker.drain(30)
        worker.close()
    finally:
        stop()
    [(_, channel, data)] = notices(city, hazard)
    assert (channel, data["outcome"], data["attempts"]) == ("webhook", "failed", 3)
    assert len(endpoint.requests) == 3
