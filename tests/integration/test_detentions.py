"""Online detention (在线扣瓶): the state machine by role, scope refusals, the late-recall rule on a
fixed clock, and the detained_in_use finding; on SQLite and PostgreSQL (the `city` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import Engine, func, select

from dashboard.domain.detentions import deadline, recall_late_id, today
from dashboard.domain.events import CylinderRegistered, CylinderScanned, Event
from dashboard.domain.roles import Role, User
from dashboard.rules_runner import RulesRunner
from data_access import commands
from data_access.commands import Done, Refused
from data_access.db import make_engine
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import CylinderDetention, CylinderState, EventRecord, Finding, Site
from tests.support import IN_JIANGAN, JIANGAN, WUCHANG, desk_user

ENTERPRISE = "ENT-0001"
SUPERVISOR = desk_user("supervisor", Role.SUPERVISOR)
JIANGAN_OFFICER = desk_user("jiangan", Role.DISTRICT_OFFICER, district=JIANGAN)
WUCHANG_OFFICER = desk_user("wuchang", Role.DISTRICT_OFFICER, district=WUCHANG)
OWNER = desk_user("ent", Role.ENTERPRISE, enterprise_id=ENTERPRISE)
_codes = count()


def enterprise_user(enterprise_id: str) -> User:
    return desk_user(f"ent-{enterprise_id}", Role.ENTERPRISE, enterprise_id=enterprise_id)


def cylinder(
    engine: Engine,
    enterprise_id: str = ENTERPRISE,
    stage: str = "inspection",
    at: tuple[float, float] = IN_JIANGAN,
    overdue: bool = False,
) -> str:
    """A new cylinder of `enterprise_id`, registered and last scanned `at` (in Jiang'an)."""
    code = f"DT-{next(_codes):05d}-{enterprise_id}"
    now = datetime.now(UTC)
    registered = CylinderRegistered(
        code=code,
        enterprise_id=enterprise_id,
        capacity_kg=14.5,
        manufactured_on=date(2020, 1, 1),
        last_inspected_on=date(2025, 1, 1),
        next_inspection_due=date(2025, 1, 1) if overdue else date(2029, 1, 1),
        scrap_due=date(2036, 1, 1),
    )
    scanned = CylinderScanned(code=code, stage=stage, lat=at[0], lon=at[1])
    events = [
        Event.of(registered, id=f"reg-{code}", occurred_at=now - timedelta(minutes=2)),
        Event.of(scanned, id=f"scan-{code}", occurred_at=now - timedelta(minutes=1)),
    ]
    outcomes = append_events(engine, [Incoming("registry", event) for event in events])
    assert all(isinstance(outcome, Accepted) for outcome in outcomes), outcomes
    return code


def scan(engine: Engine, code: str, stage: str) -> None:
    data = CylinderScanned(code=code, stage=stage, lat=IN_JIANGAN[0], lon=IN_JIANGAN[1])
    event = Event.of(data, id=f"scan-{code}-{stage}", occurred_at=datetime.now(UTC))
    (outcome,) = append_events(engine, [Incoming("filling-station", event)])
    assert isinstance(outcome, Accepted), outcome


def site_of(engine: Engine, enterprise_id: str = ENTERPRISE, other: bool = False) -> str:
    """The first site of `enterprise_id` (other: of another enterprise)."""
    owned = Site.enterprise_id != enterprise_id if other else Site.enterprise_id == enterprise_id
    with engine.connect() as connection:
        site = connection.scalar(select(Site.id).where(owned).order_by(Site.id).limit(1))
    assert site is not None
    return site


def detention(engine: Engine, detention_id: str) -> Any:
    table = CylinderDetention.__table__
    with engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.id == detention_id)).first()
    assert row is not None
    return row


def detained_flag(engine: Engine, code: str) -> tuple[bool, str]:
    with engine.connect() as connection:
        row = connection.execute(
            select(CylinderState.detained, CylinderState.stage).where(CylinderState.code == code)
        ).one()
    return bool(row.detained), row.stage


def log_size(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(EventRecord)) or 0)


def detain(engine: Engine, code: str, user: User = SUPERVISOR, days: int = 3) -> str:
    recall_by = today(datetime.now(UTC)) + timedelta(days=days)
    result = commands.detain_cylinder(
        engine, user, code, reason="超期未检仍在流通", recall_by=recall_by
    )
    assert isinstance(result, Done), result
    return result.subject


def refused(result: object, reason: str) -> None:
    assert isinstance(result, Refused), result
    assert result.reason == reason, result


def test_detained_recalled_released_each_by_its_role(city):
    code = cylinder(city)
    soon = today(datetime.now(UTC)) + timedelta(days=3)
    refused(
        commands.detain_cylinder(city, OWNER, code, reason="x", recall_by=soon),
        "role.detain_cylinder",
    )
    detention_id = detain(city, code)
    row = detention(city, detention_id)
    assert (row.status, row.enterprise_id, row.district) == ("detained", ENTERPRISE, JIANGAN)
    assert row.detained_by == "supervisor" and row.recall_by == soon
    assert detained_flag(city, code) == (True, "inspection")
    # one open detention per cylinder
    refused(commands.detain_cylinder(city, SUPERVISOR, code, reason="再扣", recall_by=soon),
            "already_detained")  # fmt: skip
    # disposed of only after the recall; recalled only by the enterprise
    refused(commands.release_cylinder(city, SUPERVISOR, detention_id), "detention_is_detained")
    site = site_of(city)
    refused(commands.record_recall(city, SUPERVISOR, detention_id, site), "role.recall_cylinder")
    assert isinstance(commands.record_recall(city, OWNER, detention_id, site, note="已收回"), Done)
    row = detention(city, detention_id)
    assert (row.status, row.recalled_site_id, row.recalled_by) == ("recalled", site, "ent")
    refused(commands.record_recall(city, OWNER, detention_id, site), "detention_is_recalled")
    refused(commands.release_cylinder(city, OWNER, detention_id), "role.close_detention")
    assert isinstance(commands.release_cylinder(city, JIANGAN_OFFICER, detention_id), Done)
    row = detention(city, detention_id)
    assert (row.status, row.closed_by) == ("released", "jiangan")
    assert detained_flag(city, code) == (False, "inspection")
    refused(commands.scrap_cylinder(city, SUPERVISOR, detention_id, note="x"),
            "detention_is_released")  # fmt: skip
    # detained again after its release: a new detention
    assert detain(city, code) != detention_id


def test_scrapping_takes_the_cylinder_out_of_service(city):
    code = cylinder(city)
    detention_id = detain(city, code, user=JIANGAN_OFFICER)
    assert isinstance(commands.record_recall(city, OWNER, detention_id, site_of(city)), Done)
    refused(commands.scrap_cylinder(city, SUPERVISOR, detention_id, note=" "), "missing.scrap_note")
    assert isinstance(
        commands.scrap_cylinder(city, SUPERVISOR, detention_id, note="瓶体腐蚀"), Done
    )
    row = detention(city, detention_id)
    assert (row.status, row.close_note) == ("scrapped", "瓶体腐蚀")
    assert detained_flag(city, code) == (False, "scrap")
    scan(city, code, "filling")  # a scrapped cylinder back in the chain breaks it
    with city.connect() as connection:
        kinds = connection.scalars(
            select(Finding.kind).where(Finding.subject_id == code, Finding.resolved.is_(False))
        ).all()
    assert "stage_out_of_order" in kinds


def test_what_a_detention_must_carry(city):
    code = cylinder(city)
    now = datetime.now(UTC)
    yesterday = today(now) - timedelta(days=1)
    refused(commands.detain_cylinder(city, SUPERVISOR, code, reason="x", recall_by=yesterday),
            "recall_by_past")  # fmt: skip
    refused(commands.detain_cylinder(city, SUPERVISOR, code, reason="x", recall_by=None),
            "missing.recall_by")  # fmt: skip
    far = today(now) + timedelta(days=400)
    refused(commands.detain_cylinder(city, SUPERVISOR, code, reason="x", recall_by=far),
            "recall_by_too_far")  # fmt: skip
    refused(commands.detain_cylinder(city, SUPERVISOR, code, reason="  ", recall_by=today(now)),
            "missing.detention_reason")  # fmt: skip
    refused(
        commands.detain_cylinder(
            city, SUPERVISOR, "NO-SUCH-CODE", reason="x", recall_by=today(now)
        ),
        "unknown",
    )


def test_objects_out_of_scope_are_refused_as_unknown_and_record_nothing(city):
    code = cylinder(city)
    soon = today(datetime.now(UTC)) + timedelta(days=2)
    before = log_size(city)
    # a district officer outside the cylinder's district
    refused(commands.detain_cylinder(city, WUCHANG_OFFICER, code, reason="x", recall_by=soon),
            "unknown")  # fmt: skip
    assert log_size(city) == before
    detention_id = detain(city, code)
    before = log_size(city)
    # another enterprise cannot recall this enterprise's cylinder, even to its own site
    other_site = site_of(city, other=True)
    with city.connect() as connection:
        other = connection.scalar(select(Site.enterprise_id).where(Site.id == other_site))
    refused(
        commands.record_recall(city, enterprise_user(other), detention_id, other_site), "unknown"
    )
    # the enterprise cannot name another enterprise's site
    result = commands.record_recall(city, OWNER, detention_id, other_site)
    refused(result, "unknown")
    assert isinstance(result, Refused) and result.params["noun"] == "site"
    # a district officer elsewhere cannot see, so cannot dispose of, the detention
    assert isinstance(commands.record_recall(city, OWNER, detention_id, site_of(city)), Done)
    before = log_size(city)
    refused(commands.release_cylinder(city, WUCHANG_OFFICER, detention_id), "unknown")
    refused(commands.release_cylinder(city, SUPERVISOR, "no-such-detention"), "unknown")
    assert log_size(city) == before


def runner(engine: Engine, when: datetime) -> RulesRunner:
    return RulesRunner(engine, clock=lambda: when)


def escalations(engine: Engine, code: str) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(EventRecord.event_id).where(
                    EventRecord.type == "cylinder.recall_escalated",
                    EventRecord.data["code"].as_string() == code,
                )
            )
        )


def test_a_late_recall_is_escalated_once_on_a_fixed_clock(city):
    code = cylinder(city)
    detention_id = detain(city, code, days=1)
    due = deadline(detention(city, detention_id).recall_by)
    assert commands.escalate_late_recalls(city, due - timedelta(seconds=1)) == 0
    assert commands.escalate_late_recalls(city, due + timedelta(hours=1)) == 1
    assert commands.escalate_late_recalls(city, due + timedelta(hours=2)) == 0
    url = city.url.render_as_string(hide_password=False)
    second = make_engine(url)  # another process's runner: nothing remembered but the database
    try:
        assert commands.escalate_late_recalls(second, due + timedelta(days=3)) == 0
        assert runner(second, due + timedelta(days=4)).run_once() == 0
    finally:
        second.dispose()
    assert escalations(city, code) == [recall_late_id(detention_id)]
    row = detention(city, detention_id)
    assert row.escalated_at is not None and row.status == "detained"
    # late, it can still be recalled, then disposed of
    assert isinstance(commands.record_recall(city, OWNER, detention_id, site_of(city)), Done)
    assert detention(city, detention_id).escalated_at is not None


def test_a_recall_in_time_is_never_escalated(city):
    code = cylinder(city)
    detention_id = detain(city, code, days=0)
    assert isinstance(commands.record_recall(city, OWNER, detention_id, site_of(city)), Done)
    due = deadline(detention(city, detention_id).recall_by)
    assert commands.escalate_late_recalls(city, due + timedelta(days=5)) == 0
    assert escalations(city, code) == []


def test_a_detained_cylinder_scanned_for_filling_raises_a_finding_at_once(city):
    code = cylinder(city, stage="recovery")
    detention_id = detain(city, code)

    def open_kinds() -> list[str]:
        with city.connect() as connection:
            return list(
                connection.scalars(
                    select(Finding.kind).where(
                        Finding.subject_id == code, Finding.resolved.is_(False)
                    )
                )
            )

    scan(city, code, "filling")
    assert open_kinds() == ["detained_in_use"]
    assert detained_flag(city, code) == (True, "filling")  # a scan keeps it detained
    assert isinstance(commands.record_recall(city, OWNER, detention_id, site_of(city)), Done)
    assert isinstance(commands.release_cylinder(city, SUPERVISOR, detention_id), Done)
    assert open_kinds() == []
    with city.connect() as connection:
        resolution = connection.scalar(
            select(Finding.resolution).where(
                Finding.subject_id == code, Finding.kind == "detained_in_use"
            )
        )
    assert resolution is not None and "released" in resolution


def test_the_backfill_writes_a_history_of_detentions(tmp_path, sqlite_city_template):
    """Thirty days of the cylinder chain: detentions of problem fillings, recalled (some late,
    escalated under the live rule's ids at the end of their recall day), released or scrapped;
    the live rule finds nothing more to escalate at the history's end."""
    import math
    import shutil
    import time

    from dashboard.citypack import load_city_pack
    from simulators.backfill import backfill
    from simulators.world import load_world

    path = tmp_path / "detentions.sqlite3"
    shutil.copy(sqlite_city_template, path)
    engine = make_engine(f"sqlite:///{path}")
    end = math.floor(time.time()) - 3_600
    world = load_world(engine, load_city_pack("wuhan"))
    result = backfill(engine, world, days=30, end=end, seed=0, streams=frozenset({"cylinders"}))
    table = CylinderDetention.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(table)).all()
        escalated = connection.execute(
            select(EventRecord.event_id, EventRecord.occurred_at).where(
                EventRecord.type == "cylinder.recall_escalated"
            )
        ).all()
    try:
        assert result.system["cylinder.detained"] == len(rows) >= 5
        statuses = {row.status for row in rows}
        assert {"released", "recalled"} & statuses and "released" in statuses
        assert any(row.escalated_at is not None for row in rows)
        for event_id, _ in escalated:
            assert event_id.startswith("recall-late:")
        late_ones = {event_id.removeprefix("recall-late:") for event_id, _ in escalated}
        for row in rows:
            if row.id in late_ones:  # escalated a minute after its recall day ended
                assert row.escalated_at.astimezone(UTC) >= deadline(row.recall_by)
                assert row.recalled_at is None or row.recalled_at > row.escalated_at
        history_end = datetime.fromtimestamp(end, UTC)
        assert commands.escalate_late_recalls(engine, history_end) == 0
    finally:
        engine.dispose()


def test_the_simulated_desk_detains_recalls_and_disposes_through_the_commands(city):
    from simulators.detention_desk import DetentionDesk, DetentionTiming

    code = cylinder(city, stage="recovery", overdue=True)
    scan(city, code, "filling")  # filled past its inspection date: a problem cylinder
    now = datetime.now(UTC)
    clock = {"now": now}
    quick = DetentionTiming(poll_s=0, detain_every=(0, 0), recall_after=(0, 0),
                            late_recall_after=(0, 0), close_after=(0, 0))  # fmt: skip
    desk = DetentionDesk(city, timing=quick, clock=lambda: clock["now"])
    desk.step()
    assert desk.counts["detained"] == 1
    with city.connect() as connection:
        row = connection.execute(
            select(CylinderDetention.__table__).where(CylinderDetention.code == code)
        ).one()
    assert row.status == "detained" and row.detained_by == "detention-sim"
    clock["now"] = now + timedelta(minutes=1)
    desk.step()
    if desk.counts["recalled"] == 0:  # this enterprise is one of the late ones: after 督办
        assert commands.escalate_late_recalls(city, deadline(row.recall_by) + timedelta(hours=1))
        desk.step()
    assert desk.counts["recalled"] == 1 and detention(city, row.id).status == "recalled"
    clock["now"] = now + timedelta(minutes=2)
    desk.step()
    assert detention(city, row.id).status in ("released", "scrapped")
    assert desk.counts["refused"] == 0
