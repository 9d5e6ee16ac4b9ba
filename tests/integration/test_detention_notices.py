"""The enterprise is told of a detention (在线扣瓶) through the notifier, as a hazard's escalation
is: detaining fills the `detention_notices` outbox in the same transaction; notifiers deliver it
on every channel (a local webhook and SMS gateway, tests/unit/test_notifier.py's endpoints) and
record `cylinder.notified` once per channel however many run; a late recall also tells the
district office and the city; a failed delivery is retried, recorded, and shown failed on the
enterprise's queue in its language. On SQLite and PostgreSQL (the `city` fixture)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.citypack import load_city_pack
from dashboard.domain.detentions import deadline, recall_late_id, today
from dashboard.notifier import Directory, InAppChannel, Notifier, SmsGatewayChannel, WebhookChannel
from data_access import commands
from data_access.models import DetentionNotice, Enterprise, EventRecord
from data_access.outbox import detention_delivery_id
from data_access.queries import detentions as queries
from data_access.queries.registry import first_enterprise_id
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback
from tests.integration.test_detentions import ENTERPRISE, OWNER, SUPERVISOR, cylinder, detain
from tests.unit.test_notifier import start_endpoint

ENTERPRISE_PHONE = "13800000001"


def notifier(engine: Engine, *channels: object, retries: int = 3) -> Notifier:
    directory = Directory(engine, load_city_pack("wuhan"))
    return Notifier(engine, channels, directory, retries=retries, base_delay=0.01)  # type: ignore[arg-type]


def notices(engine: Engine, detention_id: str) -> list[Any]:
    with engine.connect() as connection:
        return connection.execute(
            select(DetentionNotice)
            .where(DetentionNotice.detention_id == detention_id)
            .order_by(DetentionNotice.seq)
        ).all()


def told(engine: Engine, detention_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(event id, data) of the detention's `cylinder.notified`, in the log's order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(EventRecord.event_id, EventRecord.data, EventRecord.actor)
            .where(EventRecord.type == "cylinder.notified")
            .order_by(EventRecord.seq)
        ).all()
    assert {row.actor for row in rows} <= {"notifier"}
    return [(row.event_id, row.data) for row in rows if row.data["detention_id"] == detention_id]


def other_enterprise(engine: Engine) -> str:
    with engine.connect() as connection:
        found = connection.scalar(
            select(Enterprise.id).where(Enterprise.id != ENTERPRISE).order_by(Enterprise.id)
        )
    assert found is not None
    return str(found)


def enterprise_name(engine: Engine, enterprise_id: str = ENTERPRISE) -> str:
    with engine.connect() as connection:
        name = connection.scalar(select(Enterprise.name).where(Enterprise.id == enterprise_id))
    assert name
    return str(name)


def test_detaining_fills_the_outbox_with_the_detention(city):
    code = cylinder(city)
    refused = commands.detain_cylinder(city, OWNER, code, reason="x", recall_by=None)
    assert isinstance(refused, commands.Refused)
    with city.connect() as connection:
        assert connection.execute(select(DetentionNotice.id)).all() == []
    detention_id = detain(city, code)
    [row] = notices(city, detention_id)
    assert (row.id, row.reason, row.done_at, row.outcomes) == (
        detention_id,
        "detained",
        None,
        None,
    )


def test_two_notifiers_tell_the_enterprise_once_on_every_channel(city):
    code = cylinder(city)
    detention_id = detain(city, code)
    other = detain(city, cylinder(city, other_enterprise(city)))  # told to its own enterprise
    hook, stop_hook = start_endpoint(200, 200, 200)
    sms, stop_sms = start_endpoint(200, 200, 200)
    phones = {"enterprise": [ENTERPRISE_PHONE]}
    workers = [
        notifier(city, InAppChannel(), WebhookChannel(hook.url), SmsGatewayChannel(sms.url, phones))
        for _ in range(2)
    ]
    try:
        start = threading.Barrier(2)

        def run(worker: Notifier) -> None:
            start.wait()
            worker.run_once()

        threads = [threading.Thread(target=run, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert all(worker.drain(30) for worker in workers)
        assert all(worker.run_once() == 0 for worker in workers)  # nothing left to tell
    finally:
        for worker in workers:
            worker.close()
        stop_hook()
        stop_sms()
    recorded = told(city, detention_id)
    assert sorted(event_id for event_id, _ in recorded) == sorted(
        detention_delivery_id(detention_id, channel) for channel in ("in_app", "sms", "webhook")
    )
    assert {event_id.startswith(f"cyl-notified-{detention_id}-") for event_id, _ in recorded} == {
        True
    }
    name = enterprise_name(city)
    for _, data in recorded:
        assert (data["code"], data["reason"], data["request_id"]) == (
            code,
            "detained",
            detention_id,
        )
        assert data["levels"] == ["enterprise"] and data["outcome"] == "delivered"
    by_channel = {data["channel"]: data["recipients"] for _, data in recorded}
    assert by_channel["in_app"] == [name] and by_channel["sms"] == [f"{name} {ENTERPRISE_PHONE}"]
    assert {request["json"]["detention_id"] for request in hook.requests} == {detention_id, other}
    [body] = [r["json"] for r in hook.requests if r["json"]["detention_id"] == detention_id]
    recall_by = today(datetime.now(UTC)) + timedelta(days=3)
    assert body["type"] == "cylinder.detention" and body["request_id"] == detention_id
    assert (body["code"], body["reason"], body["link"]) == (code, "detained", "/detentions")
    assert body["recall_by"] == recall_by.isoformat()
    assert code in body["text"] and recall_by.isoformat() in body["text"]
    assert "/detentions" in body["text"] and body["text"].startswith("【在线扣瓶】")
    assert len(sms.requests) == 2  # one message per detention, to the enterprises' numbers
    assert {"to": [ENTERPRISE_PHONE], "text": body["text"]} in [r["json"] for r in sms.requests]
    [row] = notices(city, detention_id)
    assert row.done_at is not None and set(row.outcomes) == {"in_app", "sms", "webhook"}
    # the enterprise sees them (its in-app view), another enterprise does not
    seen = queries.notice_outcomes(city, OWNER.scope)
    assert sorted(n.channel for n in seen) == ["in_app", "sms", "webhook"]
    assert {(n.code, n.reason, n.outcome) for n in seen} == {(code, "detained", "delivered")}
    assert len(told(city, other)) == 3


def test_a_late_recall_tells_the_enterprise_the_district_and_the_city(city):
    code = cylinder(city)
    detention_id = detain(city, code, days=1)
    hook, stop = start_endpoint(*([200] * 6))
    try:
        first = notifier(city, InAppChannel(), WebhookChannel(hook.url))
        assert first.drain(30)  # the detention itself
        due = deadline(queries.detention(city, SUPERVISOR.scope, detention_id).recall_by)  # type: ignore[union-attr]
        assert commands.escalate_late_recalls(city, due + timedelta(hours=1)) == 1
        assert commands.escalate_late_recalls(city, due + timedelta(hours=2)) == 0
        assert first.drain(30)
        first.close()
    finally:
        stop()
    escalation = recall_late_id(detention_id)
    assert [row.id for row in notices(city, detention_id)] == [detention_id, escalation]
    late = [data for event_id, data in told(city, detention_id) if data["request_id"] == escalation]
    assert sorted(data["channel"] for data in late) == ["in_app", "webhook"]
    assert detention_delivery_id(escalation, "webhook") == f"cyl-notified-{escalation}-webhook"
    name = enterprise_name(city)
    for data in late:
        assert data["reason"] == "recall_escalated"
        assert data["levels"] == ["city", "district", "enterprise"]
        assert data["recipients"] == ["武汉市燃气主管部门", "江岸区燃气管理办公室", name]
    bodies = [request["json"] for request in hook.requests]
    assert [body["reason"] for body in bodies] == ["detained", "recall_escalated"]
    assert bodies[1]["text"].startswith("【扣瓶督办】") and code in bodies[1]["text"]
    assert "江岸区燃气管理办公室" in bodies[1]["text"] and "/detentions" in bodies[1]["text"]


def test_a_failed_delivery_is_retried_recorded_and_shown_failed_in_the_users_language(
    demo_app, client
):
    engine = demo_app.server.config["GASCC_ENGINE"]
    demo_app.server.config["GASCC"].notifier.close()  # ours delivers, to the failing endpoint
    enterprise = first_enterprise_id(engine)
    code = cylinder(engine, enterprise)
    detention_id = detain(engine, code)
    hook, stop = start_endpoint(500, 500, 500)
    try:
        worker = notifier(engine, InAppChannel(), WebhookChannel(hook.url))
        assert worker.drain(30) and worker.run_once() == 0  # failed: recorded, tried no more
        worker.close()
    finally:
        stop()
    assert len(hook.requests) == 3  # the first attempt and two retries
    outcomes = {data["channel"]: data for _, data in told(engine, detention_id)}
    webhook = outcomes["webhook"]
    assert (webhook["outcome"], webhook["attempts"]) == ("failed", 3)
    assert webhook["error"].startswith("HTTP 500")
    assert outcomes["in_app"]["outcome"] == "delivered"

    def queue() -> str:
        answer = post_callback(
            client, ids.DT_REFRESH, "n_intervals", 1, {f"{ids.DT_STATUS}.value": "open"}
        )
        assert answer.status_code == 200, answer.data[:300]
        return answer_text(answer)

    sign_in(client, "enterprise")
    text = queue()
    assert "扣瓶通知记录" in text and code in text and "扣押通知" in text
    assert "发送失败" in text and "对方拒收（HTTP 500）" in text and "尝试 3 次" in text
    assert "站内通知" in text and "已送达" in text
    client.get("/lang/en")
    text = queue()
    assert "Detention notices sent to you" in text and "Refused (HTTP 500)" in text
    assert "Failed" in text and "3 attempts" in text and "Delivered" in text
    # the city's supervisor has the notification centre; the banner is the enterprise's only
    client.get("/logout")
    sign_in(client, "supervisor")
    text = queue()
    assert "扣瓶通知记录" not in text and "Detention notices" not in text


def test_the_backfill_tells_of_its_detentions_as_the_notifier_would(tmp_path, sqlite_city_template):
    """The history's detentions and late recalls were told in-app a minute later: the demo's
    notifier starts with nothing of the history left to send."""
    import math
    import shutil
    import time

    from data_access.db import make_engine
    from simulators.backfill import backfill
    from simulators.world import load_world

    path = tmp_path / "notices.sqlite3"
    shutil.copy(sqlite_city_template, path)
    engine = make_engine(f"sqlite:///{path}")
    end = math.floor(time.time()) - 3_600
    world = load_world(engine, load_city_pack("wuhan"))
    try:
        result = backfill(engine, world, days=30, end=end, seed=0, streams=frozenset({"cylinders"}))
        with engine.connect() as connection:
            rows = connection.execute(select(DetentionNotice.id, DetentionNotice.reason)).all()
        assert {reason for _, reason in rows} == {"detained", "recall_escalated"}
        assert result.system["cylinder.notified"] == len(rows)
        worker = notifier(engine, InAppChannel())
        assert worker.drain(30) and worker.run_once() == 0
        worker.close()
        with engine.connect() as connection:
            recorded = connection.scalars(
                select(EventRecord.event_id).where(EventRecord.type == "cylinder.notified")
            ).all()
        assert sorted(recorded) == sorted(detention_delivery_id(n, "in_app") for n, _ in rows)
    finally:
        engine.dispose()
