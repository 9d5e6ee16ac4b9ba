"""The rules of inspection tasks (dashboard/domain/tasks.py) on hand-made objects and inspections:
statuses and overdue, what a task's scope covers, the progress rule, the comparison with the
enterprises' self-checks, the built-in checklists, and who may complete and withdraw a task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.domain import tasks
from dashboard.domain.roles import Role
from dashboard.domain.tasks import InspectionFact, TaskObject, TaskScope

ISSUED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOW = ISSUED_AT + timedelta(days=10)


def test_only_an_issued_task_is_open_and_only_an_open_one_is_overdue() -> None:
    deadline = NOW - timedelta(hours=1)
    assert tasks.is_open("issued")
    assert not tasks.is_open("completed") and not tasks.is_open("cancelled")
    assert tasks.is_overdue("issued", deadline, NOW)
    assert not tasks.is_overdue("issued", NOW + timedelta(hours=1), NOW)
    assert not tasks.is_overdue("completed", deadline, NOW)
    assert not tasks.is_overdue("cancelled", deadline, NOW)


SHOP = TaskObject("customer", "cu-1", "420102", "ent-lpg", "commercial")
FACTORY = TaskObject("customer", "cu-2", "420102", "ent-lpg", "industrial")
HOME = TaskObject("customer", "cu-3", "420102", "ent-lpg", "household")
SITE = TaskObject("site", "site-1", "420102", "ent-pipe", "station")
FIRM = TaskObject("enterprise", "ent-pipe", "420102", "ent-pipe")
ELSEWHERE = TaskObject("site", "site-9", "420106", "ent-pipe", "station")


def test_a_scope_covers_its_districts_types_and_supervised_customer_kinds_only() -> None:
    scope = TaskScope(("420102",), ("customer", "site"))
    assert scope.covers(SHOP) and scope.covers(FACTORY) and scope.covers(SITE)
    assert not scope.covers(HOME)  # households are not on the authorities' plan
    assert not scope.covers(FIRM)  # not a type asked for
    assert not scope.covers(ELSEWHERE)  # another district


def test_a_scope_narrows_to_enterprises_customer_kinds_and_an_explicit_list() -> None:
    campaign = TaskScope(("420102",), ("customer",), ("ent-lpg",), (), ("commercial",))
    assert campaign.covers(SHOP)
    assert not campaign.covers(FACTORY)
    own = TaskScope(("420102",), ("enterprise", "site"), ("ent-pipe",))
    assert own.covers(FIRM) and own.covers(SITE)
    listed = TaskScope(("420102",), ("site", "customer"), (), ("cu-1",))
    assert listed.covers(SHOP) and not listed.covers(SITE)
    # asking for households does not put them on the plan
    assert TaskScope(("420102",), ("customer",), customer_kinds=("household",)).kinds == ()


def fact(kind: str, target: str, hours: float, *, task: str | None = "task-1",
         passed: bool = True, target_type: str = "customer") -> InspectionFact:  # fmt: skip
    when = ISSUED_AT + timedelta(hours=hours)
    return InspectionFact(kind, target_type, target, when, passed, task)


def test_an_object_is_done_by_a_counted_inspection_naming_the_task_in_its_period() -> None:
    facts = [
        fact("special", "cu-1", 5),  # counts
        fact("daily", "cu-2", 1, task="task-2"),  # another task's
        fact("self_check", "cu-3", 2),  # an enterprise's own check: not the authorities'
        fact("special", "cu-4", -1),  # before the task was issued
        fact("third_party", "cu-5", 24 * 20),  # after now
        fact("third_party", "site-1", 3, target_type="site"),  # counts
    ]
    done = tasks.done_objects("task-1", ISSUED_AT, NOW, facts)
    assert done == {("customer", "cu-1"), ("site", "site-1")}


def test_progress_is_done_over_due_capped_and_unknown_when_nothing_is_due() -> None:
    assert tasks.progress(3, 4) == 0.75
    assert tasks.progress(5, 4) == 1.0
    assert tasks.progress(0, 0) is None
    closed = NOW - timedelta(days=2)
    assert tasks.period_end(closed, NOW) == closed
    assert tasks.period_end(None, NOW) == NOW


@pytest.mark.parametrize(
    ("authority", "own", "expected"),
    [
        (None, None, "not_inspected"),
        (None, True, "not_inspected"),
        (True, None, "no_self_check"),
        (False, None, "no_self_check"),
        (True, True, "agree"),
        (False, False, "agree"),
        (False, True, "self_check_missed"),
        (True, False, "self_check_stricter"),
    ],
)
def test_the_comparison_of_the_authority_result_with_the_self_check(
    authority: bool | None, own: bool | None, expected: str
) -> None:
    assert tasks.verdict(authority, own) == expected
    assert expected in tasks.VERDICTS


def test_latest_picks_the_newest_inspection() -> None:
    facts = [fact("self_check", "cu-1", 1, passed=False), fact("self_check", "cu-1", 9)]
    found = tasks.latest(facts)
    assert found is not None and found.passed
    assert tasks.latest([]) is None


def test_the_eight_point_campaign_targets_the_lpg_restaurants() -> None:
    campaign = tasks.BUILTIN["lpg-restaurants-8"]
    assert campaign.campaign and len(campaign.items) == 8
    assert campaign.items[0][0] == "钢瓶合格且在检验有效期内、有追溯标签"
    assert "2米" in campaign.items[3][0] and "2 m" in campaign.items[3][1]
    assert all(zh and en for zh, en in campaign.items)
    assert campaign.targets is not None
    assert campaign.targets.target_types == ("customer",)
    assert campaign.targets.customer_kinds == ("commercial",)
    assert campaign.targets.enterprise_kinds == ("bottled",)
    daily = tasks.BUILTIN["daily-supervision"]
    assert not daily.campaign and daily.targets is None


def test_a_builtin_checklist_reads_in_english_a_hand_written_one_as_written() -> None:
    campaign = tasks.BUILTIN["lpg-restaurants-8"]
    title, items = tasks.checklist_words(campaign.id, campaign.title[0], campaign.items_zh, "en")
    assert title == campaign.title[1] and items[4] == "Stoves have flame-failure protection"
    assert tasks.checklist_words(campaign.id, "T", ["a"], "en") == ("T", ["a"])  # edited since
    assert tasks.checklist_words(campaign.id, campaign.title[0], [], "en")[0] == campaign.title[1]
    assert tasks.checklist_words("own", "自定义", ["一"], "en") == ("自定义", ["一"])
    assert tasks.checklist_event_id("x") == "checklist:x"


# --- who may close a task (the command refuses by it, the page shows its buttons by it) -------

JIANGAN, WUCHANG = "420102", "420106"
# (role, the user's district) -> (may complete, may withdraw), for a task the city issued to
# Jiang'an and for one Jiang'an's office issued itself.
CLOSERS = {
    (Role.ADMIN, None): {"city": (True, True), "district": (True, True)},
    (Role.SUPERVISOR, None): {"city": (True, True), "district": (False, False)},
    (Role.DISTRICT_OFFICER, JIANGAN): {"city": (True, False), "district": (True, True)},
    (Role.DISTRICT_OFFICER, WUCHANG): {"city": (False, False), "district": (False, False)},
    (Role.LEADER, None): {"city": (False, False), "district": (False, False)},
    (Role.DUTY_OFFICER, None): {"city": (False, False), "district": (False, False)},
    (Role.ENTERPRISE, None): {"city": (False, False), "district": (False, False)},
    (Role.SCREEN, None): {"city": (False, False), "district": (False, False)},
}


@pytest.mark.parametrize(("role", "district"), sorted(CLOSERS, key=str))
@pytest.mark.parametrize("office", tasks.OFFICES)
def test_who_may_complete_and_withdraw_a_task(
    role: Role, district: str | None, office: str
) -> None:
    expected = CLOSERS[(role, district)][office]
    whose = {"office": office, "assignee": JIANGAN}
    assert (
        tasks.may_complete(role, district, **whose),
        tasks.may_withdraw(role, district, **whose),
    ) == expected


def test_every_role_is_in_the_closers_table_and_a_user_issues_for_their_office() -> None:
    assert {role for role, _ in CLOSERS} == set(Role)
    assert tasks.office_of(Role.DISTRICT_OFFICER) == "district"
    assert tasks.office_of(Role.SUPERVISOR) == tasks.office_of(Role.ADMIN) == "city"
