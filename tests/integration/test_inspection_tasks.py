"""Inspection tasks issued downward (dashboard/domain/tasks.py) through their commands and
queries, on SQLite and PostgreSQL: who may issue, complete and cancel (written out here, apart
from dashboard/domain/policy.py), the refusals that change nothing, progress moved by inspections
naming the task through the write path, the comparison with the enterprises' self-checks, scope,
and the exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from dashboard.domain.events import Event, InspectionCompleted, InspectionItem
from dashboard.domain.roles import CITYWIDE, Role, Scope, User
from dashboard.domain.tasks import may_complete, may_withdraw
from dashboard.i18n import refusal_text
from dashboard.task_export import objects_to_csv, tasks_to_csv, tasks_to_xlsx
from data_access import commands
from data_access.commands import Done, Refused
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import (
    Checklist,
    Customer,
    Enterprise,
    EventRecord,
    InspectionTask,
)
from data_access.queries import inspection_tasks as queries
from tests.support import JIANGAN, WUCHANG, desk_user

CAMPAIGN, DAILY = "lpg-restaurants-8", "daily-supervision"
ZONE = ZoneInfo("Asia/Shanghai")
_ids = count(1)


def actors() -> dict[str, User]:
    return {
        "admin": desk_user("admin", Role.ADMIN),
        "leader": desk_user("leader", Role.LEADER),
        "duty_officer": desk_user("duty", Role.DUTY_OFFICER),
        "supervisor": desk_user("city", Role.SUPERVISOR),
        "district_officer": desk_user("jiangan", Role.DISTRICT_OFFICER, district=JIANGAN),
        "district_officer_elsewhere": desk_user("wuchang", Role.DISTRICT_OFFICER, district=WUCHANG),
        "enterprise": desk_user("ent", Role.ENTERPRISE, enterprise_id="ENT-0001"),
        "screen": desk_user("screen", Role.SCREEN),
    }


ACTORS = actors()
CITY, OFFICER, ADMIN = ACTORS["supervisor"], ACTORS["district_officer"], ACTORS["admin"]
# Who may issue a task to Jiang'an, and why the others are refused.
ISSUERS = {"admin", "supervisor", "district_officer"}
ISSUE_REFUSAL = {
    "leader": "role.issue_task",
    "duty_officer": "role.issue_task",
    "enterprise": "role.issue_task",
    "screen": "role.issue_task",
    "district_officer_elsewhere": "unknown",
}


@pytest.fixture
def tasks_city(city: Engine) -> Engine:
    assert commands.publish_builtin_checklists(city) == 2
    return city


def deadline(days: int = 14) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def issue(engine: Engine, user: User = CITY, **changes: object) -> Done | Refused:
    arguments: dict[str, object] = {
        "title": "瓶装液化石油气餐饮用户安全专项检查",
        "checklist_id": CAMPAIGN,
        "districts": [JIANGAN],
        "target_types": [],
        "deadline": deadline(),
    }
    arguments.update(changes)
    return commands.issue_task(engine, user, **arguments)  # type: ignore[arg-type]


def issued(engine: Engine, user: User = CITY, **changes: object) -> str:
    result = issue(engine, user, **changes)
    assert isinstance(result, Done), result
    return result.subject


def events(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(EventRecord)) or 0)


def lpg_restaurants(engine: Engine, district: str = JIANGAN) -> list[tuple[str, float, float]]:
    """(id, lat, lon) of the commercial customers of bottled-gas enterprises in `district`."""
    bottled = select(Enterprise.id).where(Enterprise.kind == "bottled")
    query = (
        select(Customer.id, Customer.lat, Customer.lon)
        .where(
            Customer.district == district,
            Customer.kind == "commercial",
            Customer.enterprise_id.in_(bottled),
        )
        .order_by(Customer.id)
    )
    with engine.connect() as connection:
        return [(row.id, row.lat, row.lon) for row in connection.execute(query)]


def inspect(
    engine: Engine,
    customer: tuple[str, float, float],
    *,
    kind: str = "special",
    task_id: str | None = None,
    passed: bool = True,
    district: str = JIANGAN,
) -> str:
    """An inspection of a customer as an inspector's (or the enterprise's) app sends it."""
    inspection_id = f"INS-TASK-{next(_ids)}"
    customer_id, lat, lon = customer
    data = InspectionCompleted(
        inspection_id=inspection_id,
        kind=kind,  # type: ignore[arg-type]
        target_type="customer",
        target_id=customer_id,
        district=district,
        inspector_id="insp-7",
        items=[
            InspectionItem(item="钢瓶合格且在检验有效期内、有追溯标签", passed=True),
            InspectionItem(item="灶具有熄火保护装置", passed=passed),
        ],
        lat=lat,
        lon=lon,
        task_id=task_id,
    )
    event = Event.of(data, id=inspection_id, occurred_at=datetime.now(UTC))
    (outcome,) = append_events(engine, [Incoming("inspection-app", event)])
    assert isinstance(outcome, Accepted), outcome
    return inspection_id


def the_task(engine: Engine, task_id: str, scope: Scope = CITYWIDE) -> queries.TaskRow:
    detail = queries.task_detail(engine, scope, task_id, datetime.now(UTC))
    assert detail is not None
    return detail.task


# --- checklists -----------------------------------------------------------------------------


def test_the_builtin_checklists_are_published_once(tasks_city: Engine) -> None:
    before = events(tasks_city)
    assert commands.publish_builtin_checklists(tasks_city) == 0
    assert events(tasks_city) == before
    found = {row.id: row for row in queries.checklists(tasks_city)}
    assert set(found) == {CAMPAIGN, DAILY}
    assert found[CAMPAIGN].campaign and len(found[CAMPAIGN].items) == 8
    assert queries.checklists(tasks_city)[0].id == CAMPAIGN  # campaigns first


@pytest.mark.parametrize("who", sorted(ACTORS))
def test_who_may_publish_a_checklist(tasks_city: Engine, who: str) -> None:
    result = commands.publish_checklist(
        tasks_city, ACTORS[who], "own-1", "燃气表检查", ["表具完好"]
    )
    if who in {"admin", "supervisor"}:
        assert isinstance(result, Done)
        with tasks_city.connect() as connection:
            assert connection.scalar(select(Checklist.title).where(Checklist.id == "own-1"))
    else:
        assert isinstance(result, Refused) and result.reason == "role.publish_checklist"
        assert refusal_text(result, "zh") != result.message
        assert refusal_text(result, "en") != result.message


# --- issuing --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", sorted(ACTORS))
def test_who_may_issue_a_task_to_jiangan(tasks_city: Engine, who: str) -> None:
    before = events(tasks_city)
    result = issue(tasks_city, ACTORS[who])
    if who in ISSUERS:
        assert isinstance(result, Done), result
        row = the_task(tasks_city, result.subject)
        assert row.assignee == JIANGAN and row.status == "issued"
        assert row.office == ("district" if who == "district_officer" else "city")
    else:
        assert isinstance(result, Refused), result
        assert result.reason == ISSUE_REFUSAL[who]
        assert events(tasks_city) == before
        for lang in ("zh", "en"):
            assert "{" not in refusal_text(result, lang)


def test_a_district_officer_issues_to_its_own_district_only(tasks_city: Engine) -> None:
    result = issue(tasks_city, OFFICER, districts=[JIANGAN, WUCHANG])
    assert isinstance(result, Refused) and result.reason == "unknown"
    assert not queries.task_list(tasks_city, CITYWIDE, queries.TaskFilter(), datetime.now(UTC))


def test_the_city_issues_one_task_per_district(tasks_city: Engine) -> None:
    ids = issued(tasks_city, districts=[JIANGAN, WUCHANG]).split(",")
    assert len(ids) == 2
    rows = {
        the_task(tasks_city, task_id).assignee: the_task(tasks_city, task_id) for task_id in ids
    }
    assert set(rows) == {JIANGAN, WUCHANG}
    assert all(row.districts == (JIANGAN, WUCHANG) for row in rows.values())


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"deadline": datetime.now(UTC) - timedelta(hours=1)}, "deadline_in_past"),
        ({"deadline": None}, "missing.deadline"),
        ({"districts": []}, "missing.districts"),
        ({"districts": ["999999"]}, "unknown"),
        ({"title": "  "}, "missing.title"),
        ({"checklist_id": "no-such-list"}, "unknown"),
        ({"checklist_id": DAILY, "target_types": []}, "missing.target_types"),
        ({"checklist_id": DAILY, "target_types": ["pipeline"]}, "bad_choice"),
        ({"checklist_id": DAILY, "target_types": ["site"], "target_ids": ["nope"]}, "task_empty"),
    ],
)
def test_a_task_that_cannot_be_done_is_refused_and_records_nothing(
    tasks_city: Engine, changes: dict[str, object], reason: str
) -> None:
    before = events(tasks_city)
    result = issue(tasks_city, **changes)
    assert isinstance(result, Refused) and result.reason == reason, result
    assert events(tasks_city) == before
    for lang in ("zh", "en"):
        assert refusal_text(result, lang) != result.message or reason == "rejected"


def test_the_campaign_covers_the_commercial_customers_of_the_bottled_gas_enterprises(
    tasks_city: Engine,
) -> None:
    restaurants = lpg_restaurants(tasks_city)
    assert len(restaurants) >= 5, "the demo city has too few LPG restaurants in Jiang'an"
    task_id = issued(tasks_city, target_types=["site"])  # the campaign decides, not the form
    row = the_task(tasks_city, task_id)
    assert row.target_types == ("customer",)
    assert (row.done, row.due) == (0, len(restaurants))
    with tasks_city.connect() as connection:
        stored = connection.execute(
            select(InspectionTask.customer_kinds, InspectionTask.enterprise_ids)
        ).one()
    assert stored.customer_kinds == ["commercial"] and stored.enterprise_ids


# --- progress and the comparison -------------------------------------------------------------


def test_progress_moves_with_inspections_naming_the_task(tasks_city: Engine) -> None:
    task_id = issued(tasks_city)
    one, two, three, four = lpg_restaurants(tasks_city)[:4]
    due = the_task(tasks_city, task_id).due
    inspect(tasks_city, one, task_id=task_id)
    assert the_task(tasks_city, task_id).done == 1
    inspect(tasks_city, one, kind="daily", task_id=task_id, passed=False)  # the same object again
    inspect(tasks_city, two, kind="self_check", task_id=task_id)  # the enterprise's own: no
    inspect(tasks_city, three)  # names no task
    inspect(tasks_city, four, task_id="task-of-nobody")  # an unknown task: stored, counts nowhere
    row = the_task(tasks_city, task_id)
    assert (row.done, row.due) == (1, due)
    inspect(tasks_city, two, kind="third_party", task_id=task_id)
    assert the_task(tasks_city, task_id).done == 2


def test_the_comparison_with_the_enterprises_own_checks(tasks_city: Engine) -> None:
    task_id = issued(tasks_city)
    agree, missed, stricter, alone = lpg_restaurants(tasks_city)[:4]
    inspect(tasks_city, agree, kind="self_check")
    inspect(tasks_city, agree, task_id=task_id)
    inspect(tasks_city, missed, kind="self_check")
    inspect(tasks_city, missed, task_id=task_id, passed=False)
    inspect(tasks_city, stricter, kind="self_check", passed=False)
    inspect(tasks_city, stricter, task_id=task_id)
    inspect(tasks_city, alone, task_id=task_id)
    detail = queries.task_detail(tasks_city, CITYWIDE, task_id, datetime.now(UTC))
    assert detail is not None and len(detail.checklist_items) == 8
    verdicts = {row.target_id: row for row in detail.objects}
    assert verdicts[agree[0]].verdict == "agree"
    assert verdicts[missed[0]].verdict == "self_check_missed"
    assert verdicts[missed[0]].failed_items == ("灶具有熄火保护装置",)
    assert verdicts[stricter[0]].verdict == "self_check_stricter"
    assert verdicts[alone[0]].verdict == "no_self_check"
    due = detail.task.due
    assert detail.totals == {
        "agree": 1,
        "self_check_missed": 1,
        "self_check_stricter": 1,
        "no_self_check": 1,
        "not_inspected": due - 4,
    }
    assert detail.objects[0].verdict == "agree"  # in the verdicts' order
    only = queries.task_detail(
        tasks_city, CITYWIDE, task_id, datetime.now(UTC), "self_check_missed"
    )
    assert only is not None and [row.target_id for row in only.objects] == [missed[0]]
    assert only.totals == detail.totals


# --- scope ----------------------------------------------------------------------------------


def test_each_scope_sees_its_own_tasks(tasks_city: Engine) -> None:
    jiangan, wuchang = issued(tasks_city, districts=[JIANGAN, WUCHANG]).split(",")
    now = datetime.now(UTC)

    def listed(user: User) -> set[str]:
        return {
            row.id for row in queries.task_list(tasks_city, user.scope, queries.TaskFilter(), now)
        }

    assert listed(CITY) == {jiangan, wuchang}
    assert listed(ACTORS["leader"]) == {jiangan, wuchang}
    assert listed(OFFICER) == {jiangan}
    assert listed(ACTORS["district_officer_elsewhere"]) == {wuchang}
    assert listed(ACTORS["enterprise"]) == set()
    assert queries.task_detail(tasks_city, OFFICER.scope, wuchang, now) is None
    assert queries.task_detail(tasks_city, ACTORS["enterprise"].scope, jiangan, now) is None


def test_the_list_filters_by_status_district_and_overdue(tasks_city: Engine) -> None:
    open_one, other = issued(tasks_city, districts=[JIANGAN, WUCHANG]).split(",")
    cancelled = issued(tasks_city, districts=[WUCHANG])
    assert isinstance(commands.cancel_task(tasks_city, CITY, cancelled, "重复下发"), Done)
    now = datetime.now(UTC)

    def ids(**wanted: object) -> set[str]:
        found = queries.task_list(tasks_city, CITYWIDE, queries.TaskFilter(**wanted), now)  # type: ignore[arg-type]
        return {row.id for row in found}

    assert ids() == {open_one, other}
    assert ids(status=None) == {open_one, other, cancelled}
    assert ids(status="cancelled") == {cancelled}
    assert ids(district=JIANGAN) == {open_one}
    assert ids(overdue=True) == set()
    later = now + timedelta(days=30)  # past the deadline: overdue while open
    overdue = queries.task_list(tasks_city, CITYWIDE, queries.TaskFilter(overdue=True), later)
    assert {row.id for row in overdue} == {open_one, other}
    assert all(row.overdue for row in overdue)


# --- completing and cancelling ---------------------------------------------------------------

COMPLETERS_OF_CITY_TASK = {"admin", "supervisor", "district_officer"}
CANCELLERS_OF_CITY_TASK = {"admin", "supervisor"}


@pytest.mark.parametrize("who", sorted(ACTORS))
def test_who_may_complete_and_cancel_a_task_the_city_issued(tasks_city: Engine, who: str) -> None:
    user = ACTORS[who]
    for action, allowed in (
        ("complete", COMPLETERS_OF_CITY_TASK),
        ("cancel", CANCELLERS_OF_CITY_TASK),
    ):
        task_id = issued(tasks_city)
        before = events(tasks_city)
        if action == "complete":
            result = commands.complete_task(tasks_city, user, task_id, "已全部检查")
        else:
            result = commands.cancel_task(tasks_city, user, task_id, "重复下发")
        if who in allowed:
            assert isinstance(result, Done), (action, result)
            row = the_task(tasks_city, task_id)
            assert row.status == ("completed" if action == "complete" else "cancelled")
            assert row.closed_by == user.username
        else:
            assert isinstance(result, Refused), (action, result)
            assert events(tasks_city) == before
            assert "{" not in refusal_text(result, "zh") + refusal_text(result, "en")


def test_a_task_a_district_issued_is_its_own_to_cancel(tasks_city: Engine) -> None:
    task_id = issued(tasks_city, OFFICER)
    refused = commands.cancel_task(tasks_city, CITY, task_id, "不需要")
    assert isinstance(refused, Refused) and refused.reason == "task_office.cancel"
    refused = commands.complete_task(tasks_city, CITY, task_id)
    assert isinstance(refused, Refused) and refused.reason == "task_office.complete"
    assert isinstance(commands.cancel_task(tasks_city, OFFICER, task_id, "重复下发"), Done)


@pytest.mark.parametrize("who", sorted(ACTORS))
def test_the_rule_the_page_shows_its_buttons_by_is_the_one_the_commands_refuse_by(
    tasks_city: Engine, who: str
) -> None:
    """For a task the city issued to Jiang'an and one Jiang'an's office issued itself:
    `may_complete` / `may_withdraw` foretell each command's answer, so no button shows that
    the command would refuse, and none is missing."""
    user = ACTORS[who]
    for issuer in (CITY, OFFICER):
        for action, may in (("complete", may_complete), ("cancel", may_withdraw)):
            task_id = issued(tasks_city, issuer)
            row = the_task(tasks_city, task_id)
            foretold = may(user.role, user.district, office=row.office, assignee=row.assignee)
            if action == "complete":
                result = commands.complete_task(tasks_city, user, task_id)
            else:
                result = commands.cancel_task(tasks_city, user, task_id, "重复下发")
            assert isinstance(result, Done) == foretold, (issuer.username, action, result)


def test_a_closed_task_stays_closed_and_a_cancel_needs_its_reason(tasks_city: Engine) -> None:
    task_id = issued(tasks_city)
    refused = commands.cancel_task(tasks_city, CITY, task_id, "  ")
    assert isinstance(refused, Refused) and refused.reason == "missing.reason"
    assert isinstance(commands.complete_task(tasks_city, OFFICER, task_id), Done)
    again = commands.cancel_task(tasks_city, CITY, task_id, "重复下发")
    assert isinstance(again, Refused) and again.reason == "task_completed"
    assert "{" not in refusal_text(again, "zh")
    unknown = commands.complete_task(tasks_city, CITY, "task-nobody")
    assert isinstance(unknown, Refused) and unknown.reason == "unknown"


# --- exports --------------------------------------------------------------------------------


def test_the_exports_hold_the_filtered_tasks_and_the_objects(tasks_city: Engine) -> None:
    task_id = issued(tasks_city)
    inspect(tasks_city, lpg_restaurants(tasks_city)[0], task_id=task_id)
    now = datetime.now(UTC)
    rows = queries.task_list(tasks_city, OFFICER.scope, queries.TaskFilter(), now)
    names = {JIANGAN: "江岸区"}
    text = tasks_to_csv(rows, names, ZONE, now, "zh").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert len(table) == 2 and "江岸区" in table[1] and f"1/{rows[0].due}" in table[1]
    book = load_workbook(io.BytesIO(tasks_to_xlsx(rows, names, ZONE, now, "en")))
    sheet = book.worksheets[0]
    assert sheet.max_row == 2 and sheet.cell(1, 1).value == "Task"
    detail = queries.task_detail(tasks_city, OFFICER.scope, task_id, now)
    assert detail is not None
    objects = list(csv.reader(io.StringIO(objects_to_csv(detail, ZONE, "en").decode("utf-8-sig"))))
    assert len(objects) == 1 + detail.task.due
    assert sum(1 for line in objects if "No self-check" in line) == 1


def test_the_living_city_takes_up_each_open_task_with_what_is_left_of_it(
    tasks_city: Engine,
) -> None:
    from simulators.streams.tasks import live_task_work

    task_id = issued(tasks_city)
    done, *left = lpg_restaurants(tasks_city)
    inspect(tasks_city, done, task_id=task_id)
    closed = issued(tasks_city, districts=[WUCHANG])
    assert isinstance(commands.complete_task(tasks_city, CITY, closed), Done)
    [work] = live_task_work(queries.open_task_work(tasks_city, datetime.now(UTC)), float)
    assert (work.task_id, work.district, work.kind) == (task_id, JIANGAN, "special")
    assert work.objects == [customer_id for customer_id, _, _ in left]
    assert len(work.items) == 8 and work.issued < work.deadline


# --- the list's buttons, through Dash's endpoint ---------------------------------------------


@pytest.mark.parametrize(
    ("username", "on_city_task", "on_own_task"),
    [
        ("jiangan", {"complete"}, {"complete", "withdraw"}),
        ("supervisor", {"complete", "withdraw"}, set()),
        ("leader", set(), set()),
    ],
)
def test_the_list_shows_only_the_buttons_the_command_would_take(
    demo_app, client, username: str, on_city_task: set[str], on_own_task: set[str]
) -> None:
    """A district officer sees no "Withdraw" on the task the city issued to their district."""
    from dashboard import ids as component_ids
    from tests.conftest import sign_in
    from tests.dash_endpoint import answer_text, post_callback

    engine = demo_app.server.config["GASCC_ENGINE"]
    commands.publish_builtin_checklists(engine)
    city_task, own_task = issued(engine, CITY), issued(engine, OFFICER)
    sign_in(client, username)
    response = post_callback(client, component_ids.TK_TICK, "data", 1)
    assert response.status_code == 200, response.data[:300]
    buttons = {
        (button["type"], button.get("task") or button.get("withdraw"))
        for button in pattern_ids(response.get_json())
    }
    assert f'"data-task": "{city_task}"' in answer_text(response)
    for task_id, expected in ((city_task, on_city_task), (own_task, on_own_task)):
        shown = {
            "complete": (component_ids.TK_COMPLETE, task_id) in buttons,
            "withdraw": (component_ids.TK_CANCEL, task_id) in buttons,
        }
        assert {button for button, there in shown.items() if there} == expected, task_id


def pattern_ids(answer: object) -> list[dict]:
    """Every pattern-matching component id (a dict) in a callback's answer."""
    if isinstance(answer, list):
        return [found for item in answer for found in pattern_ids(item)]
    if not isinstance(answer, dict):
        return []
    here = [answer["id"]] if isinstance(answer.get("id"), dict) else []
    return here + [found for value in answer.values() for found in pattern_ids(value)]
