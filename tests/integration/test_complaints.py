"""Complaints down the chain (逐级转办) on SQLite and PostgreSQL: each step by the roles that may
take it and only in their scope, the time limits and the late escalation (超时督办) exactly once
per missed limit on a fixed clock, also from two engines at once, and turning a complaint into a
hazard or an incident in one action."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from dashboard.domain.roles import CITYWIDE, Role
from data_access import commands
from data_access.commands import Done, Refused
from data_access.db import make_engine
from data_access.models import AreaCount, Cylinder, EventRecord, Hazard, Incident
from data_access.queries import hazard_board
from tests.complaint_support import complaint_row, enterprises_in, receive_complaint
from tests.support import JIANGAN, WUCHANG, desk_user

SUPERVISOR = desk_user("supervisor", Role.SUPERVISOR)
DUTY = desk_user("duty", Role.DUTY_OFFICER)
ADMIN = desk_user("admin", Role.ADMIN)
LEADER = desk_user("leader", Role.LEADER)
JIANGAN_OFFICER = desk_user("jiangan", Role.DISTRICT_OFFICER, district=JIANGAN)
WUCHANG_OFFICER = desk_user("wuchang", Role.DISTRICT_OFFICER, district=WUCHANG)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # past: the rule is applied at fixed times


def enterprise_user(enterprise_id: str) -> object:
    return desk_user(f"ent-{enterprise_id}", Role.ENTERPRISE, enterprise_id=enterprise_id)


def done(result: object) -> Done:
    assert isinstance(result, Done), result
    return result


def refused(result: object, reason: str) -> None:
    assert isinstance(result, Refused), result
    assert result.reason == reason, result


def open_count(engine: Engine, district: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                select(AreaCount.value).where(
                    AreaCount.area_type == "district",
                    AreaCount.area_code == district,
                    AreaCount.metric == "complaints_open",
                )
            )
            or 0
        )


def log_size(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(EventRecord)) or 0)


def bottled_in(engine: Engine, district: str) -> tuple[str, str]:
    """(an enterprise of the district with cylinders, one of its cylinders)."""
    with engine.connect() as connection:
        code, owner = connection.execute(
            select(Cylinder.code, Cylinder.enterprise_id)
            .where(Cylinder.enterprise_id.in_(enterprises_in(engine, district)))
            .order_by(Cylinder.code)
            .limit(1)
        ).one()
    return owner, code


def test_a_complaint_goes_down_the_chain_and_is_closed_with_satisfaction(city):
    enterprise, code = bottled_in(city, JIANGAN)
    before = open_count(city, JIANGAN)
    received = datetime.now(UTC) - timedelta(hours=1)
    receive_complaint(city, "CMP-CHAIN", category="检验超期", channel="qr_check", code=code,
                      received_at=received)  # fmt: skip
    row = complaint_row(city, "CMP-CHAIN")
    assert (row.status, row.handler, row.enterprise_id) == ("received", "city", enterprise)
    assert row.due_at == received + timedelta(hours=24)  # an overdue cylinder: a day
    assert row.lat is not None and row.escalations == 0
    assert open_count(city, JIANGAN) == before + 1

    done(commands.assign_complaint(city, SUPERVISOR, "CMP-CHAIN"))
    row = complaint_row(city, "CMP-CHAIN")
    assert (row.status, row.handler) == ("assigned", "district")

    ent = enterprise_user(enterprise)
    refused(commands.reply_complaint(city, ent, "CMP-CHAIN", "已处理"),
            "complaint_holder.reply_enterprise")  # fmt: skip
    done(commands.assign_complaint(city, JIANGAN_OFFICER, "CMP-CHAIN", enterprise, "请核实"))
    row = complaint_row(city, "CMP-CHAIN")
    assert (row.handler, row.enterprise_id) == ("enterprise", enterprise)

    done(commands.reply_complaint(city, ent, "CMP-CHAIN", "已回收该气瓶送检，并致电用户说明"))
    row = complaint_row(city, "CMP-CHAIN")
    assert row.status == "replied" and row.reply.startswith("已回收")
    assert row.replied_at is not None

    refused(commands.close_complaint(city, JIANGAN_OFFICER, "CMP-CHAIN", 6),
            "complaint_satisfaction")  # fmt: skip
    done(commands.close_complaint(city, JIANGAN_OFFICER, "CMP-CHAIN", 5, "回访满意"))
    row = complaint_row(city, "CMP-CHAIN")
    assert (row.status, row.satisfaction) == ("closed", 5)
    assert row.closed_at is not None and row.closed_at <= row.due_at
    assert open_count(city, JIANGAN) == before
    refused(commands.reply_complaint(city, ent, "CMP-CHAIN", "再次回复"),
            "complaint_status.closed")  # fmt: skip


def test_each_step_is_refused_outside_its_role_scope_and_holder(city):
    own, *others = enterprises_in(city, JIANGAN)
    elsewhere = enterprises_in(city, WUCHANG)[0]
    receive_complaint(city, "CMP-REFUSE")
    size = log_size(city)
    # roles that may not take a step at all
    refused(commands.assign_complaint(city, LEADER, "CMP-REFUSE"), "role.assign_complaint")
    refused(commands.assign_complaint(city, enterprise_user(own), "CMP-REFUSE"),
            "role.assign_complaint")  # fmt: skip
    refused(commands.escalate_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", "催办"),
            "role.escalate_complaint")  # fmt: skip
    refused(commands.close_complaint(city, enterprise_user(own), "CMP-REFUSE", 5),
            "role.close_complaint")  # fmt: skip
    # another district's officer, an enterprise it does not name: as if it did not exist
    refused(commands.assign_complaint(city, WUCHANG_OFFICER, "CMP-REFUSE"), "unknown")
    refused(commands.reply_complaint(city, enterprise_user(own), "CMP-REFUSE", "x"), "unknown")
    # the holder: the city passes it to the district first
    refused(commands.assign_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", own),
            "complaint_holder.assign_city")  # fmt: skip
    refused(commands.reply_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", "x"),
            "complaint_holder.reply_district")  # fmt: skip
    refused(
        commands.close_complaint(city, SUPERVISOR, "CMP-REFUSE", 4), "complaint_status.received"
    )
    refused(commands.assign_complaint(city, SUPERVISOR, "CMP-NOPE"), "unknown")
    assert log_size(city) == size  # nothing of a refusal is recorded

    done(commands.assign_complaint(city, DUTY, "CMP-REFUSE"))
    refused(commands.assign_complaint(city, SUPERVISOR, "CMP-REFUSE", own),
            "complaint_holder.assign_district")  # fmt: skip
    refused(
        commands.assign_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE"),
        "missing.complaint_enterprise",
    )
    refused(commands.assign_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", "ENT-NOT-THERE"),
            "unknown")  # fmt: skip
    refused(commands.assign_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", elsewhere), "unknown")
    refused(
        commands.reply_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", "  "),
        "missing.complaint_reply",
    )
    done(commands.assign_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", own))
    refused(commands.assign_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", own),
            "complaint_holder.assign_bottom")  # fmt: skip
    if others:  # another enterprise of the district: not its complaint
        refused(commands.reply_complaint(city, enterprise_user(others[0]), "CMP-REFUSE", "x"),
                "unknown")  # fmt: skip
    # the district office may answer on the enterprise's behalf
    done(
        commands.reply_complaint(city, JIANGAN_OFFICER, "CMP-REFUSE", "区燃气办已协调企业上门处理")
    )
    refused(commands.close_complaint(city, WUCHANG_OFFICER, "CMP-REFUSE", 4), "unknown")
    done(commands.close_complaint(city, SUPERVISOR, "CMP-REFUSE", 3))


def escalation_ids(engine: Engine, complaint_id: str) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(EventRecord.event_id, EventRecord.actor, EventRecord.data)
            .where(EventRecord.type == "complaint.updated")
            .order_by(EventRecord.seq)
        ).all()
    return [
        (event_id, actor)
        for event_id, actor, data in rows
        if data["complaint_id"] == complaint_id and data["status"] == "escalated"
    ]


def test_a_late_complaint_is_escalated_once_per_missed_limit_on_a_fixed_clock(city):
    receive_complaint(city, "CMP-LATE", category="燃气异味", received_at=T0)  # 12 hours
    receive_complaint(city, "CMP-REPLIED", category="燃气异味", received_at=T0)
    receive_complaint(city, "CMP-INTIME", category="服务态度", received_at=T0)  # 5 days
    done(commands.assign_complaint(city, SUPERVISOR, "CMP-REPLIED"))
    done(commands.reply_complaint(city, JIANGAN_OFFICER, "CMP-REPLIED", "已上门检查，无泄漏"))
    due = T0 + timedelta(hours=12)
    assert complaint_row(city, "CMP-LATE").due_at == due
    rule = commands.escalate_late_complaints
    assert rule(city, due) == 0
    assert rule(city, due + timedelta(seconds=1)) == 1
    assert rule(city, due + timedelta(hours=6)) == 0  # the same limit: escalated already
    assert escalation_ids(city, "CMP-LATE") == [("complaint-late:CMP-LATE:1", "rules")]
    row = complaint_row(city, "CMP-LATE")
    assert (row.status, row.escalations, row.due_at) == ("escalated", 1, due)  # due stays
    assert rule(city, due + timedelta(hours=12, seconds=1)) == 1  # the next limit missed
    assert rule(city, due + timedelta(hours=13)) == 0
    assert [i for i, _ in escalation_ids(city, "CMP-LATE")] == [
        "complaint-late:CMP-LATE:1",
        "complaint-late:CMP-LATE:2",
    ]
    assert complaint_row(city, "CMP-LATE").escalations == 2
    assert escalation_ids(city, "CMP-REPLIED") == []  # answered: not escalated
    assert escalation_ids(city, "CMP-INTIME") == []
    # answered late: escalations stop; closed late: not timely
    done(commands.assign_complaint(city, SUPERVISOR, "CMP-LATE"))
    done(commands.reply_complaint(city, JIANGAN_OFFICER, "CMP-LATE", "已处理"))
    assert rule(city, due + timedelta(days=5)) == 1  # only CMP-INTIME, now past its 5 days
    assert escalation_ids(city, "CMP-INTIME") == [("complaint-late:CMP-INTIME:1", "rules")]


def test_the_rules_runner_applies_the_complaint_rule(city):
    from dashboard.rules_runner import RULES

    assert commands.escalate_late_complaints in [rule for _, rule in RULES]


def test_two_engines_at_once_escalate_each_missed_limit_once(city):
    for n in range(5):
        receive_complaint(city, f"CMP-TWO-{n}", category="燃气异味", received_at=T0)
    url = city.url.render_as_string(hide_password=False)
    other = make_engine(url)
    written: list[int] = []
    start = threading.Barrier(2)
    when = T0 + timedelta(hours=13)

    def run(engine: Engine) -> None:
        start.wait()
        written.append(commands.escalate_late_complaints(engine, when))

    try:
        threads = [threading.Thread(target=run, args=(e,)) for e in (city, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sum(written) == 5
        assert commands.escalate_late_complaints(other, when) == 0  # a restart: nothing again
    finally:
        other.dispose()
    for n in range(5):
        assert escalation_ids(city, f"CMP-TWO-{n}") == [(f"complaint-late:CMP-TWO-{n}:1", "rules")]
        assert complaint_row(city, f"CMP-TWO-{n}").escalations == 1


def test_the_city_escalates_by_hand_and_that_counts_for_the_limit(city):
    receive_complaint(city, "CMP-HAND", category="燃气异味", received_at=T0)
    refused(
        commands.escalate_complaint(city, SUPERVISOR, "CMP-HAND", " "), "missing.complaint_note"
    )
    done(commands.escalate_complaint(city, SUPERVISOR, "CMP-HAND", "市民多次来电，市级督办"))
    row = complaint_row(city, "CMP-HAND")
    assert (row.status, row.escalations, row.handler) == ("escalated", 1, "city")
    assert commands.escalate_late_complaints(city, T0 + timedelta(hours=13)) == 0
    assert commands.escalate_late_complaints(city, T0 + timedelta(hours=25)) == 1


def test_a_complaint_becomes_a_hazard_in_one_action(city):
    enterprise = enterprises_in(city, JIANGAN)[0]
    receive_complaint(city, "CMP-HZ", category="燃气异味", enterprise_id=enterprise)
    refused(commands.turn_complaint_into_hazard(city, DUTY, "CMP-HZ"), "role.complaint_to_hazard")
    refused(commands.turn_complaint_into_hazard(city, WUCHANG_OFFICER, "CMP-HZ"), "unknown")
    refused(commands.turn_complaint_into_hazard(city, JIANGAN_OFFICER, "CMP-HZ", "huge"),
            "complaint_choice")  # fmt: skip
    result = done(commands.turn_complaint_into_hazard(city, JIANGAN_OFFICER, "CMP-HZ", "major"))
    with city.connect() as connection:
        hazard = connection.execute(select(Hazard).where(Hazard.id == result.subject)).one()
    assert (hazard.origin, hazard.enterprise_id, hazard.level) == ("complaint", enterprise, "major")
    assert hazard.district == JIANGAN and hazard.number.startswith(f"YH-{JIANGAN}-")
    row = complaint_row(city, "CMP-HZ")
    assert (row.hazard_id, row.status, row.escalations) == (result.subject, "assigned", 0)
    detail = hazard_board.hazard_detail(city, CITYWIDE, result.subject)
    assert detail is not None and detail.complaint_id == "CMP-HZ"  # the hazard links back
    refused(commands.turn_complaint_into_hazard(city, SUPERVISOR, "CMP-HZ"), "complaint_converted")
    refused(commands.turn_complaint_into_incident(city, DUTY, "CMP-HZ"), "complaint_converted")


@pytest.mark.parametrize(("channel", "expected"), [("hotline_96511", "hotline_96511"),
                                                   ("qr_check", "public")])  # fmt: skip
def test_a_complaint_becomes_an_incident_in_one_action(city, channel, expected):
    complaint_id = f"CMP-INC-{channel}"
    receive_complaint(city, complaint_id, category="燃气异味", channel=channel, position=None)
    refused(commands.turn_complaint_into_incident(city, SUPERVISOR, complaint_id),
            "role.complaint_to_incident")  # fmt: skip
    result = done(commands.turn_complaint_into_incident(city, DUTY, complaint_id, 3))
    with city.connect() as connection:
        incident = connection.execute(select(Incident).where(Incident.id == result.subject)).one()
    assert incident.channel == expected and incident.severity == 3
    row = complaint_row(city, complaint_id)
    assert row.incident_id == result.subject and row.status == "assigned"


# --- the simulated staff and the backfill -----------------------------------------------------


def test_the_simulated_staff_take_complaints_down_the_chain_through_the_commands(city):
    from simulators.complaint_desk import ComplaintDesk, DeskTiming

    enterprise = enterprises_in(city, JIANGAN)[0]
    ids = [receive_complaint(city, f"CMP-DESK-{n}", enterprise_id=enterprise) for n in range(6)]
    later = datetime.now(UTC) + timedelta(minutes=1)
    desk = ComplaintDesk(city, timing=DeskTiming(0, (0, 0), (0, 0), (0, 0)), clock=lambda: later)
    for _ in range(5):
        desk.step()
    rows = [complaint_row(city, complaint_id) for complaint_id in ids]
    closed = [row for row in rows if row.status == "closed"]
    left = [row for row in rows if row.status != "closed"]
    assert closed and all(1 <= row.satisfaction <= 5 for row in closed)
    assert all(row.enterprise_id == enterprise and row.reply for row in closed)
    # the few an enterprise leaves: held by it until the rule escalates them, then answered
    assert all((row.handler, row.escalations) == ("enterprise", 0) for row in left)
    with city.connect() as connection:
        actors = set(
            connection.scalars(
                select(EventRecord.actor).where(EventRecord.type == "complaint.updated")
            )
        )
    assert {"96511-sim", f"GASOFFICE-{JIANGAN}", enterprise} <= actors
    if left:
        assert commands.escalate_late_complaints(city, later + timedelta(days=6)) == len(left)
        for _ in range(3):
            desk.step()
        assert {complaint_row(city, row.id).status for row in left} == {"closed"}


def test_a_backfilled_month_holds_the_chain_replies_satisfaction_and_late_escalations(
    tmp_path, sqlite_city_template
):
    import math
    import shutil
    import time

    from dashboard.citypack import load_city_pack
    from data_access.models import Complaint
    from simulators.backfill import backfill
    from simulators.world import load_world

    path = tmp_path / "complaints.sqlite3"
    shutil.copy(sqlite_city_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        end = math.floor(time.time()) - 3_600
        world = load_world(engine, load_city_pack("wuhan"))
        result = backfill(
            engine, world, days=20, end=end, seed=0, streams=frozenset({"complaints"})
        )
        with engine.connect() as connection:
            rows = connection.execute(select(Complaint)).all()
            late_ids = connection.scalars(
                select(EventRecord.event_id).where(EventRecord.event_id.like("complaint-late:%"))
            ).all()
        now = datetime.fromtimestamp(end, UTC)
        escalated = [row for row in rows if row.escalations]
        assert escalated and len(late_ids) == result.system["complaint.updated"]
        assert sum(row.escalations for row in rows) == len(late_ids)
        assert all(row.due_at < (row.replied_at or now) for row in escalated)  # late when escalated
        closed = [row for row in rows if row.status == "closed"]
        assert len(closed) >= len(rows) // 2
        assert all(row.reply and 1 <= row.satisfaction <= 5 for row in closed)
        assert any(row.handler == "enterprise" for row in closed)
        timely = sum(row.closed_at <= row.due_at for row in closed) / len(closed)
        assert 0.6 <= timely < 1.0, timely
        # the live rule after the backfill: nothing escalated twice
        before = len(late_ids)
        written = commands.escalate_late_complaints(engine, now)
        with engine.connect() as connection:
            after = connection.scalar(
                select(func.count())
                .select_from(EventRecord)
                .where(EventRecord.event_id.like("complaint-late:%"))
            )
        assert after == before + written
        rows = {row.id: row for row in rows}
        with engine.connect() as connection:
            for row in connection.execute(select(Complaint).where(Complaint.escalations > 0)):
                assert row.escalations >= rows[row.id].escalations
    finally:
        engine.dispose()
