"""The hazard closed loop (seeds/000: 发现、上报、生成、整改、销号) through its commands, on
SQLite and PostgreSQL: numbers and responsible enterprises, every step by every role, refused
steps that change nothing, and the history with its photos.

Who may take each step is written out here, independently of dashboard/domain/policy.py, so that a
change of the policy shows up as a failing line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from dashboard.domain.roles import Role, User
from dashboard.i18n import refusal_text
from data_access import commands
from data_access.commands import Done, Refused
from data_access.models import EventRecord, Hazard, HazardStatusChange
from tests.support import JIANGAN, WUCHANG, desk_user, report_hazard

PHOTO = "sha256:" + "a" * 64
_ids = count(1)


def actors(enterprise: str) -> dict[str, User]:
    """Everyone who might try, around a hazard in Jiang'an that `enterprise` must rectify."""
    return {
        "admin": desk_user("admin", Role.ADMIN),
        "leader": desk_user("leader", Role.LEADER),
        "duty_officer": desk_user("duty", Role.DUTY_OFFICER),
        "supervisor": desk_user("city", Role.SUPERVISOR),
        "district_officer": desk_user("jiangan", Role.DISTRICT_OFFICER, district=JIANGAN),
        "district_officer_elsewhere": desk_user("wuchang", Role.DISTRICT_OFFICER, district=WUCHANG),
        "enterprise": desk_user("ent", Role.ENTERPRISE, enterprise_id=enterprise),
        "enterprise_elsewhere": desk_user("other", Role.ENTERPRISE, enterprise_id="ENT-9999"),
        "screen": desk_user("screen", Role.SCREEN),
    }


OFFICES = {"admin", "supervisor", "district_officer"}
ALLOWED = {
    "assign": OFFICES,
    "redate": OFFICES,
    "start": {"admin", "enterprise"},
    "rectified": {"admin", "enterprise"},
    "verify": OFFICES,
    "reject": OFFICES,
    "close": OFFICES,
}
ROLE_REFUSAL = {
    "assign": "role.assign_hazard",
    "redate": "role.assign_hazard",
    "start": "role.rectify_hazard",
    "rectified": "role.rectify_hazard",
    "verify": "role.verify_hazard",
    "reject": "role.verify_hazard",
    "close": "role.close_hazard",
}
# What each step carries, and the steps (by the admin) that bring a new hazard to where it starts.
ARGUMENTS = {
    "assign": {"note": "交责任企业整改"},
    "redate": {"due_at": datetime.now(UTC) + timedelta(days=30), "note": "企业申请延期"},
    "start": {},
    "rectified": {"photos": [PHOTO], "note": "已更换报警器"},
    "verify": {"note": "现场复查合格"},
    "reject": {"note": "报警器仍未通电"},
    "close": {},
}
BEFORE = {
    "assign": [],
    "redate": [],
    "start": ["assign"],
    "rectified": ["assign", "start"],
    "verify": ["assign", "start", "rectified"],
    "reject": ["assign", "start", "rectified"],
    "close": ["assign", "start", "rectified", "verify"],
}
ADMIN = desk_user("admin", Role.ADMIN)


def new_hazard(engine: Engine, steps: list[str] = ()) -> tuple[str, str]:  # type: ignore[assignment]
    hazard_id, enterprise = report_hazard(engine, f"HZ-LOOP-{next(_ids)}")
    for step in steps:
        assert isinstance(take(engine, ADMIN, hazard_id, step), Done), step
    return hazard_id, enterprise


def take(engine: Engine, user: User, hazard_id: str, step: str, **changes) -> object:
    return commands.move_hazard(engine, user, hazard_id, step, **{**ARGUMENTS[step], **changes})


def hazard(engine: Engine, hazard_id: str):
    with engine.connect() as connection:
        return connection.execute(select(Hazard).where(Hazard.id == hazard_id)).one()


def newest_seq(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.coalesce(func.max(EventRecord.seq), 0))) or 0)


def test_a_reported_hazard_gets_a_number_of_its_district_and_year_and_its_enterprise(city):
    first, enterprise = report_hazard(city, "HZ-NUMBER-1")
    second, _ = report_hazard(city, "HZ-NUMBER-2")
    elsewhere, _ = report_hazard(city, "HZ-NUMBER-3", district=WUCHANG)
    year = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).year
    assert hazard(city, first).number == f"YH-{JIANGAN}-{year}-00001"
    assert hazard(city, second).number == f"YH-{JIANGAN}-{year}-00002"
    assert hazard(city, elsewhere).number == f"YH-{WUCHANG}-{year}-00001"
    assert hazard(city, first).enterprise_id == enterprise is not None


@pytest.mark.parametrize("step", sorted(ALLOWED))
def test_each_role_may_take_its_steps_and_a_refused_step_records_nothing(city, step):
    for actor, user in actors(new_hazard(city)[1]).items():
        hazard_id, _ = new_hazard(city, BEFORE[step])
        status = hazard(city, hazard_id).status
        before = newest_seq(city)
        result = take(city, user, hazard_id, step)
        if actor in ALLOWED[step]:
            assert isinstance(result, Done), (step, actor, result)
            assert hazard(city, hazard_id).status != status or step == "redate"
            continue
        assert isinstance(result, Refused), (step, actor, result)
        # where the role may act, what lies outside the user's scope is refused as unknown
        elsewhere = (
            actor.endswith("_elsewhere") and actor.removesuffix("_elsewhere") in ALLOWED[step]
        )
        assert result.reason == ("unknown" if elsewhere else ROLE_REFUSAL[step]), (step, actor)
        assert newest_seq(city) == before, (step, actor)
        assert hazard(city, hazard_id).status == status


def test_the_whole_loop_with_a_rejection_keeps_every_step_in_the_history(city):
    hazard_id, enterprise = new_hazard(city)
    users = actors(enterprise)
    company, district, city_office = (
        users["enterprise"],
        users["district_officer"],
        users["supervisor"],
    )
    for user, step, extra in (
        (district, "assign", {}),
        (company, "start", {}),
        (company, "rectified", {}),
        (district, "reject", {}),
        (company, "rectified", {"photos": [PHOTO, "sha256:" + "b" * 64], "note": "已通电并测试"}),
        (district, "verify", {}),
        (city_office, "close", {}),
    ):
        result = take(city, user, hazard_id, step, **extra)
        assert isinstance(result, Done), (step, result)
    row = hazard(city, hazard_id)
    assert (row.status, row.closed_at is not None) == ("closed", True)
    with city.connect() as connection:
        history = connection.execute(
            select(HazardStatusChange.status, HazardStatusChange.actor, HazardStatusChange.photos)
            .where(HazardStatusChange.hazard_id == hazard_id)
            .order_by(HazardStatusChange.seq)
        ).all()
    assert [(status, actor) for status, actor, _ in history] == [
        ("reported", "inspection-app"),
        ("assigned", "jiangan"),
        ("rectifying", "ent"),
        ("rectified", "ent"),
        ("reopened", "jiangan"),
        ("rectified", "ent"),
        ("verified", "jiangan"),
        ("closed", "city"),
    ]
    assert history[3].photos == [PHOTO]
    assert history[5].photos == [PHOTO, "sha256:" + "b" * 64]


@pytest.mark.parametrize(
    ("steps_before", "step", "changes", "reason"),
    [
        ([], "close", {}, "hazard_status"),  # closing a hazard nobody verified
        (["assign"], "verify", {}, "hazard_status"),  # verifying what was not rectified
        (["assign", "start"], "rectified", {"photos": []}, "missing.photos"),
        (["assign", "start"], "rectified", {"photos": ["../etc/passwd"]}, "bad_photo"),
        (["assign", "start", "rectified"], "reject", {"note": "  "}, "missing.reason"),
        ([], "redate", {"due_at": None}, "missing.due_at"),
        ([], "redate", {"due_at": datetime.now(UTC) - timedelta(hours=1)}, "due_in_past"),
        ([], "unmake", {}, "bad_choice"),
    ],
)
def test_a_step_the_hazard_cannot_take_is_refused_with_its_reason(
    city, steps_before, step, changes, reason
):
    hazard_id, _ = new_hazard(city, steps_before)
    status, before = hazard(city, hazard_id).status, newest_seq(city)
    if step in ARGUMENTS:
        result = take(city, ADMIN, hazard_id, step, **changes)
    else:
        result = commands.move_hazard(city, ADMIN, hazard_id, step)
    assert isinstance(result, Refused) and result.reason == reason, result
    assert (hazard(city, hazard_id).status, newest_seq(city)) == (status, before)
    assert refusal_text(result, "zh") != result.message  # worded for the user


def test_a_refused_step_says_in_words_what_the_hazard_is_and_what_was_asked(city):
    hazard_id, _ = new_hazard(city)
    result = take(city, ADMIN, hazard_id, "close")
    number = hazard(city, hazard_id).number
    assert refusal_text(result, "zh") == f"隐患 {number} 当前状态为“已上报”，不能执行“销号”。"
    assert (
        refusal_text(result, "en")
        == f"Hazard {number} is Reported: it cannot be given “Close out”."
    )


def test_an_enterprise_sees_the_hazards_it_must_rectify_and_no_others(city):
    from data_access.scope import scoped

    mine, enterprise = new_hazard(city)
    theirs, other = report_hazard(city, "HZ-LOOP-THEIRS", district=WUCHANG, not_of=enterprise)
    assert other != enterprise
    scope = actors(enterprise)["enterprise"].scope
    with city.connect() as connection:
        seen = set(connection.scalars(scoped(select(Hazard.id), scope, Hazard)))
    assert mine in seen and theirs not in seen


def test_a_new_due_date_moves_the_due_time_and_is_in_the_history(city):
    hazard_id, _ = new_hazard(city)
    new_due = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    assert isinstance(take(city, ADMIN, hazard_id, "redate", due_at=new_due), Done)
    assert hazard(city, hazard_id).due_at == new_due
    with city.connect() as connection:
        last = connection.execute(
            select(HazardStatusChange.status, HazardStatusChange.due_at)
            .where(HazardStatusChange.hazard_id == hazard_id)
            .order_by(HazardStatusChange.seq.desc())
        ).first()
    assert tuple(last) == ("redated", new_due)
