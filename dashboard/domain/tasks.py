"""Inspection tasks (检查任务) issued downward, their checklists and special campaigns
(seeds/002 art. 5: 设置检查范围、内容、截止时间…向下级燃气主管部门发放检查任务，跟踪检查进度，
收集检查结果，与燃气企业安检和巡查巡检结果进行对比分析).

A gas office issues a task to a lower office, one district (the assignee): what to inspect (the
task's scope: object types, optionally certain enterprises' objects or an explicit list), with
which checklist, by when. A city user who picks several districts issues one task per district
(each its own id, all naming the same `districts`): each district's office then completes its
own task, and the city follows each one's progress.

issued → completed (the office reports it done) or cancelled (the issuer withdraws it). Only an
issued task is open; an open task past its deadline is overdue.

Progress: an object of the task's scope is done when an inspection naming the task's id was made
of it, of a counted kind (the authorities' own, not an enterprise's self-check), between the
task's issue and now (or its close). Progress is done / due.

The comparison (对比分析): for each object, the latest result of the authority's inspection for
the task against the enterprise's own latest self-check of the same object in the task's period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from dashboard.domain.coverage import COUNTED_KINDS, SUPERVISED_CUSTOMER_KINDS
from dashboard.domain.hazards import SELF_CHECK
from dashboard.domain.policy import ACTION_ROLES, Action
from dashboard.domain.roles import Role

ISSUED, COMPLETED, CANCELLED = "issued", "completed", "cancelled"
STATUSES: tuple[str, ...] = (ISSUED, COMPLETED, CANCELLED)
OPEN_STATUSES: tuple[str, ...] = (ISSUED,)
# The objects a task may name: those the quarter's coverage plan counts (coverage.py).
TARGET_TYPES: tuple[str, ...] = ("enterprise", "site", "customer")
# Who issued a task: the city's office, or a district's office to itself.
Office = Literal["city", "district"]
CITY_OFFICE: Final = "city"
DISTRICT_OFFICE: Final = "district"
OFFICES: tuple[str, ...] = (CITY_OFFICE, DISTRICT_OFFICE)
MAX_TITLE = 200
MAX_NOTE = 2000


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def is_overdue(status: str, deadline: datetime, now: datetime) -> bool:
    return is_open(status) and deadline < now


# --- who may close a task ---------------------------------------------------------------------
# One rule for the command (data_access/commands/tasks.py), which refuses, and the page, which
# shows a button only where the command would take it. Both say the user's district: a district
# officer acts for their district's office, the city's users for the city's.


def office_of(role: Role) -> Office:
    """The office a gas-office user acts (and issues) for."""
    return DISTRICT_OFFICE if role is Role.DISTRICT_OFFICER else CITY_OFFICE


def may_complete(role: Role, district: str | None, *, office: str, assignee: str) -> bool:
    """Whether the user may report a task done: the assignee's office (the task's district's
    officer, whoever issued it), the city's office the tasks it issued, an administrator any."""
    if role not in ACTION_ROLES[Action.COMPLETE_TASK]:
        return False
    if role is Role.ADMIN:
        return True
    if role is Role.DISTRICT_OFFICER:
        return district == assignee
    return office == CITY_OFFICE


def may_withdraw(role: Role, district: str | None, *, office: str, assignee: str) -> bool:
    """Whether the user may withdraw (cancel) a task: the issuing office only (a district's
    officer their own district's tasks, not the city's), an administrator any."""
    if role not in ACTION_ROLES[Action.CANCEL_TASK]:
        return False
    if role is Role.ADMIN:
        return True
    if office != office_of(role):
        return False
    return role is not Role.DISTRICT_OFFICER or district == assignee


# --- a task's scope --------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskObject:
    """A registry object as a task's scope sees it; `kind` is a customer's (household, ...)."""

    target_type: str
    target_id: str
    district: str
    enterprise_id: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class TaskScope:
    """What a task covers. Empty `enterprise_ids` and `target_ids` mean no restriction; customers
    are only ever of the supervised kinds (households are not on the authorities' plan)."""

    districts: tuple[str, ...]
    target_types: tuple[str, ...]
    enterprise_ids: tuple[str, ...] = ()
    target_ids: tuple[str, ...] = ()
    customer_kinds: tuple[str, ...] = SUPERVISED_CUSTOMER_KINDS

    @property
    def kinds(self) -> tuple[str, ...]:
        """The customer kinds covered: the asked ones among the supervised kinds."""
        return tuple(k for k in self.customer_kinds if k in SUPERVISED_CUSTOMER_KINDS)

    def covers(self, thing: TaskObject) -> bool:
        if thing.district not in self.districts or thing.target_type not in self.target_types:
            return False
        if thing.target_type == "customer" and thing.kind not in self.kinds:
            return False
        if self.enterprise_ids and thing.enterprise_id not in self.enterprise_ids:
            return False
        return not self.target_ids or thing.target_id in self.target_ids


def owner_of(thing: TaskObject) -> str | None:
    """The enterprise an object belongs to: itself, for an enterprise."""
    return thing.target_id if thing.target_type == "enterprise" else thing.enterprise_id


# --- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionFact:
    """One inspection, as the progress rule and the comparison see it."""

    kind: str
    target_type: str
    target_id: str
    occurred_at: datetime
    passed: bool
    task_id: str | None = None


def in_period(when: datetime, issued_at: datetime, until: datetime) -> bool:
    return issued_at <= when <= until


def counts_for(task_id: str, issued_at: datetime, until: datetime, fact: InspectionFact) -> bool:
    """Whether an inspection makes its object done for the task."""
    return (
        fact.task_id == task_id
        and fact.kind in COUNTED_KINDS
        and in_period(fact.occurred_at, issued_at, until)
    )


def done_objects(
    task_id: str, issued_at: datetime, until: datetime, facts: Iterable[InspectionFact]
) -> set[tuple[str, str]]:
    """(target type, id) of every object an inspection made done for the task."""
    return {
        (fact.target_type, fact.target_id)
        for fact in facts
        if counts_for(task_id, issued_at, until, fact)
    }


def period_end(closed_at: datetime | None, now: datetime) -> datetime:
    """Inspections count until the task was closed, else until now."""
    return min(closed_at, now) if closed_at is not None else now


def progress(done: int, due: int) -> float | None:
    """Share (0..1) of the objects due that are done; None when nothing is due."""
    if not due:
        return None
    return min(done / due, 1.0)


# --- the comparison with the enterprises' own checks -----------------------------------------

AGREE = "agree"
SELF_CHECK_MISSED = "self_check_missed"  # the authority found a failure the self-check passed
SELF_CHECK_STRICTER = "self_check_stricter"  # the self-check failed, the authority passed
NO_SELF_CHECK = "no_self_check"
NOT_INSPECTED = "not_inspected"
VERDICTS: tuple[str, ...] = (
    AGREE,
    SELF_CHECK_MISSED,
    SELF_CHECK_STRICTER,
    NO_SELF_CHECK,
    NOT_INSPECTED,
)


def verdict(authority_passed: bool | None, self_check_passed: bool | None) -> str:
    """The comparison for one object: its latest authority result for the task (None: not yet
    inspected) against its enterprise's latest self-check in the period (None: none)."""
    if authority_passed is None:
        return NOT_INSPECTED
    if self_check_passed is None:
        return NO_SELF_CHECK
    if authority_passed == self_check_passed:
        return AGREE
    return SELF_CHECK_MISSED if self_check_passed else SELF_CHECK_STRICTER


def is_self_check(kind: str) -> bool:
    return kind == SELF_CHECK


def latest(facts: Iterable[InspectionFact]) -> InspectionFact | None:
    return max(facts, key=lambda fact: fact.occurred_at, default=None)


# --- checklists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """Whom a campaign's checklist is for, filled into the tasks issued with it: the object
    types, the customer kinds and the kinds of enterprise whose objects they are."""

    target_types: tuple[str, ...]
    customer_kinds: tuple[str, ...] = SUPERVISED_CUSTOMER_KINDS
    enterprise_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Checklist:
    """A built-in checklist; the log holds its Chinese text (checklist.published), the English
    is shown from here."""

    id: str
    title: tuple[str, str]  # (zh, en)
    items: tuple[tuple[str, str], ...]
    campaign: bool = False
    targets: Targets | None = None
    default_title: tuple[str, str] = field(default=("", ""))  # a task's title, proposed

    @property
    def items_zh(self) -> list[str]:
        return [zh for zh, _ in self.items]


DAILY = Checklist(
    id="daily-supervision",
    title=("日常监督检查", "Routine supervision check"),
    items=(
        ("经营许可证照齐全有效", "Operating licence present and valid"),
        ("安全管理制度和操作规程落实", "Safety rules and operating procedures in force"),
        ("从业人员持证上岗", "Staff hold their certificates"),
        ("设施设备定期检测维护", "Equipment tested and maintained on schedule"),
        ("安全警示标志齐全", "Safety warning signs in place"),
        ("应急预案完备并定期演练", "Emergency plan in place and drilled"),
        ("隐患排查治理台账完整", "Hazard log kept up to date"),
    ),
    default_title=("日常监督检查", "Routine supervision check"),
)

# After a restaurant LPG explosion elsewhere, Wuhan ordered every restaurant using bottled LPG
# checked against eight points (瓶装液化石油气餐饮用户安全检查八项).
LPG_RESTAURANTS = Checklist(
    id="lpg-restaurants-8",
    title=(
        "瓶装液化石油气餐饮用户安全检查八项",
        "Eight-point check of restaurants using bottled LPG",
    ),
    items=(
        (
            "钢瓶合格且在检验有效期内、有追溯标签",
            "Cylinders approved, within their inspection date and carrying a trace label",
        ),
        (
            "钢瓶不在地下室/半地下室或密闭空间使用和存放",
            "No cylinder used or stored in a basement, half-basement or closed room",
        ),
        (
            "安装可燃气体报警器并与紧急切断阀联动",
            "Gas detector installed and linked to an emergency shut-off valve",
        ),
        (
            "减压阀合格、连接软管无老化破损且长度不超过2米、不穿墙",
            "Approved regulator; hose not aged or damaged, at most 2 m long, not through a wall",
        ),
        ("灶具有熄火保护装置", "Stoves have flame-failure protection"),
        (
            "从持证企业购气、不使用非法气源",
            "Gas bought from a licensed enterprise; no illegal supply",
        ),
        (
            "不超量储存钢瓶、备用瓶与灶具间距符合要求",
            "No excess cylinders stored; spare cylinders kept at the required distance from stoves",
        ),
        (
            "员工经安全培训、会应急处置并配备灭火器材",
            "Staff trained in safety and emergency response; extinguishers provided",
        ),
    ),
    campaign=True,
    # The registry records no customer's fuel: LPG users are the commercial customers of the
    # bottled-gas enterprises (enterprise kind "bottled"), restaurants among them.
    targets=Targets(
        target_types=("customer",), customer_kinds=("commercial",), enterprise_kinds=("bottled",)
    ),
    default_title=(
        "瓶装液化石油气餐饮用户安全专项检查",
        "Special campaign: restaurants using bottled LPG",
    ),
)

BUILTIN_CHECKLISTS: tuple[Checklist, ...] = (DAILY, LPG_RESTAURANTS)
BUILTIN: dict[str, Checklist] = {checklist.id: checklist for checklist in BUILTIN_CHECKLISTS}


def checklist_event_id(checklist_id: str) -> str:
    """The event id a built-in checklist is published under: the same every time, so that
    publishing the built-ins again records nothing."""
    return f"checklist:{checklist_id}"


def checklist_words(
    checklist_id: str, title: str, items: list[str], lang: str
) -> tuple[str, list[str]]:
    """A checklist's title and items in `lang`: a built-in one's English from here, else as
    published (a checklist published by hand is in the language its author wrote)."""
    builtin = BUILTIN.get(checklist_id)
    if builtin is None or lang == "zh" or title != builtin.title[0]:
        return title, items
    english = dict(builtin.items)  # an item edited since keeps its published words
    return builtin.title[1], [english.get(item, item) for item in items]
