"""Queries behind the inspection tasks page (/tasks): the tasks in a user's scope with the progress
of each, and one task's objects with the authority's result and the enterprise's own self-check
of each, compared (dashboard/domain/tasks.py).

Scope: the city's users see every task; a district officer the tasks issued to their district
(and, within a task, their district's objects); an enterprise none (data_access/scope.py REACH).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    String,
    exists,
    func,
    literal,
    null,
    select,
)

from dashboard.domain import tasks as rules
from dashboard.domain.coverage import COUNTED_KINDS
from dashboard.domain.hazards import SELF_CHECK
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.domain.tasks import TaskScope
from data_access.models import (
    Checklist,
    Customer,
    Enterprise,
    InspectionRecord,
    InspectionTask,
    Site,
    table_of,
)
from data_access.scope import scoped

LIST_CAP = 500  # the newest tasks the list shows (a city issues a few a month)
OPEN = "open"  # the status filter's "open ones"


@dataclass(frozen=True)
class TaskFilter:
    """What the list shows; None: no filter on that."""

    status: str | None = OPEN  # a status, OPEN, or None for all
    district: str | None = None  # the assignee
    overdue: bool = False


@dataclass(frozen=True, slots=True)
class TaskRow:
    id: str
    title: str
    checklist_id: str
    checklist_title: str
    campaign: bool
    assignee: str
    districts: tuple[str, ...]
    target_types: tuple[str, ...]
    deadline: datetime
    office: str
    issued_by: str
    issued_at: datetime
    note: str | None
    status: str
    closed_by: str | None
    closed_at: datetime | None
    close_note: str | None
    due: int  # objects in the task's scope
    done: int  # of them inspected for the task
    overdue: bool

    @property
    def progress(self) -> float | None:
        return rules.progress(self.done, self.due)


@dataclass(frozen=True, slots=True)
class ObjectRow:
    """One object of a task, its latest authority result for the task and its enterprise's own
    latest self-check in the task's period, compared."""

    target_type: str
    target_id: str
    name: str | None
    district: str
    enterprise_id: str | None
    enterprise: str | None  # its owner's name
    inspected_at: datetime | None
    inspection_id: str | None
    passed: bool | None  # the authority's result; None: not yet inspected for the task
    failed_items: tuple[str, ...]
    self_checked_at: datetime | None
    self_check_passed: bool | None  # None: no self-check in the period
    verdict: str


@dataclass(frozen=True)
class TaskDetail:
    task: TaskRow
    checklist_items: tuple[str, ...]
    objects: list[ObjectRow]
    totals: dict[str, int] = field(default_factory=dict)  # verdict -> objects


# --- a task's scope in the registry ----------------------------------------------------------


def scope_of(row: Any) -> TaskScope:
    """The scope of a stored task (an inspection_tasks row)."""
    kinds = tuple(row.customer_kinds) if row.customer_kinds else None
    return TaskScope(
        districts=(row.assignee,),
        target_types=tuple(row.target_types),
        enterprise_ids=tuple(row.enterprise_ids or ()),
        target_ids=tuple(row.target_ids or ()),
        **({"customer_kinds": kinds} if kinds else {}),
    )


def _no_text() -> Any:
    return null().cast(String)


def objects_query(task: TaskScope, target_type: str, user: Scope) -> Select[*tuple[Any, ...]]:
    """The registry objects of one type a task covers, as `user` may see them: columns id,
    district, enterprise_id, name, kind."""
    query: Select[*tuple[Any, ...]]
    owner: Any
    if target_type == "enterprise":
        model: Any = Enterprise
        owner = Enterprise.id
        query = select(
            Enterprise.id.label("id"),
            Enterprise.district.label("district"),
            Enterprise.id.label("enterprise_id"),
            Enterprise.name.label("name"),
            _no_text().label("kind"),
        )
    elif target_type == "site":
        model, owner = Site, Site.enterprise_id
        query = select(
            Site.id.label("id"),
            Site.district.label("district"),
            Site.enterprise_id.label("enterprise_id"),
            Site.name.label("name"),
            Site.kind.label("kind"),
        )
    else:
        model, owner = Customer, Customer.enterprise_id
        query = select(
            Customer.id.label("id"),
            Customer.district.label("district"),
            Customer.enterprise_id.label("enterprise_id"),
            _no_text().label("name"),
            Customer.kind.label("kind"),
        ).where(Customer.kind.in_(task.kinds))
    query = query.where(model.district.in_(task.districts))
    if task.enterprise_ids:
        query = query.where(owner.in_(task.enterprise_ids))
    if task.target_ids:
        query = query.where(model.id.in_(task.target_ids))
    return scoped(query, user, model)


def _done_for(
    task_id: str, target_type: str, since: datetime, until: datetime, object_id: Any
) -> Any:
    """An inspection of the object that makes it done for the task (the progress rule)."""
    inspections = InspectionRecord
    return exists(
        select(literal(1)).where(
            inspections.task_id == task_id,
            inspections.kind.in_(COUNTED_KINDS),
            inspections.target_type == target_type,
            inspections.target_id == object_id,
            inspections.occurred_at >= since,
            inspections.occurred_at <= until,
        )
    )


def count_objects(connection: Connection, task: TaskScope, user: Scope) -> int:
    """How many objects a task's scope covers (the commands refuse a task of none)."""
    total = 0
    for target_type in task.target_types:
        inner = objects_query(task, target_type, user).subquery()
        total += int(connection.scalar(select(func.count()).select_from(inner)) or 0)
    return total


def _progress(connection: Connection, row: Any, user: Scope, now: datetime) -> tuple[int, int]:
    """(done, due) of a stored task."""
    task, until = scope_of(row), rules.period_end(row.closed_at, now)
    done = due = 0
    for target_type in task.target_types:
        inner = objects_query(task, target_type, user).subquery()
        due += int(connection.scalar(select(func.count()).select_from(inner)) or 0)
        finished = select(func.count()).where(
            _done_for(row.id, target_type, row.issued_at, until, inner.c.id)
        )
        done += int(connection.scalar(finished.select_from(inner)) or 0)
    return done, due


# --- the list --------------------------------------------------------------------------------


def _tasks(scope: Scope) -> Select[Any]:
    tasks = table_of(InspectionTask)
    query = select(tasks, Checklist.title.label("checklist_title"), Checklist.campaign)
    query = query.outerjoin(Checklist, Checklist.id == InspectionTask.checklist_id)
    return scoped(query, scope, InspectionTask)


def _task_row(connection: Connection, found: Any, scope: Scope, now: datetime) -> TaskRow:
    row = found
    done, due = _progress(connection, row, scope, now)
    return TaskRow(
        id=row.id,
        title=row.title,
        checklist_id=row.checklist_id,
        checklist_title=found.checklist_title or row.checklist_id,
        campaign=bool(found.campaign),
        assignee=row.assignee,
        districts=tuple(row.districts or (row.assignee,)),
        target_types=tuple(row.target_types),
        deadline=row.deadline,
        office=row.office,
        issued_by=row.issued_by,
        issued_at=row.issued_at,
        note=row.note,
        status=row.status,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        close_note=row.close_note,
        due=due,
        done=done,
        overdue=rules.is_overdue(row.status, row.deadline, now),
    )


def task_list(engine: Engine, scope: Scope, wanted: TaskFilter, now: datetime) -> list[TaskRow]:
    """The tasks in `scope` the filter asks for, newest first (at most LIST_CAP), each with its
    progress."""
    query = _tasks(scope)
    if wanted.status == OPEN:
        query = query.where(InspectionTask.status.in_(rules.OPEN_STATUSES))
    elif wanted.status is not None:
        query = query.where(InspectionTask.status == wanted.status)
    if wanted.district is not None:
        query = query.where(InspectionTask.assignee == wanted.district)
    if wanted.overdue:
        query = query.where(
            InspectionTask.status.in_(rules.OPEN_STATUSES), InspectionTask.deadline < now
        )
    query = query.order_by(InspectionTask.issued_at.desc(), InspectionTask.id).limit(LIST_CAP)
    with engine.connect() as connection:
        return [_task_row(connection, found, scope, now) for found in connection.execute(query)]


# --- one task --------------------------------------------------------------------------------


def task_detail(
    engine: Engine, scope: Scope, task_id: str, now: datetime, verdict: str | None = None
) -> TaskDetail | None:
    """A task in `scope` with every object of it (those of `verdict` only, if given; the totals
    count them all); None when there is no such task within the scope."""
    with engine.connect() as connection:
        found = connection.execute(_tasks(scope).where(InspectionTask.id == task_id)).first()
        if found is None:
            return None
        task = _task_row(connection, found, scope, now)
        items = connection.scalar(select(Checklist.items).where(Checklist.id == task.checklist_id))
        objects = _objects(connection, found, scope, now)
    totals = {name: 0 for name in rules.VERDICTS}
    for thing in objects:
        totals[thing.verdict] += 1
    if verdict is not None:
        objects = [thing for thing in objects if thing.verdict == verdict]
    return TaskDetail(task, tuple(items or ()), objects, totals)


def _objects(connection: Connection, row: Any, scope: Scope, now: datetime) -> list[ObjectRow]:
    task, until = scope_of(row), rules.period_end(row.closed_at, now)
    things: list[Any] = []
    for target_type in task.target_types:
        for found in connection.execute(objects_query(task, target_type, scope)):
            things.append((target_type, found))
    keys = {(target_type, found.id) for target_type, found in things}
    authority = _latest(_authority(connection, row.id, row.issued_at, until), keys)
    own = _latest(_self_checks(connection, task, row.issued_at, until), keys)
    names = _enterprise_names(connection, {found.enterprise_id for _, found in things})
    rows = [_object_row(t, found, authority, own, names) for t, found in things]
    order = {name: n for n, name in enumerate(rules.VERDICTS)}
    rows.sort(key=lambda r: (order[r.verdict], r.target_type, r.target_id))
    return rows


def _object_row(
    target_type: str,
    found: Any,
    authority: dict[Any, Any],
    own: dict[Any, Any],
    names: dict[str, str],
) -> ObjectRow:
    key = (target_type, found.id)
    checked, self_checked = authority.get(key), own.get(key)
    passed = checked.passed if checked is not None else None
    self_passed = self_checked.passed if self_checked is not None else None
    failed = tuple(
        item.get("item", "")
        for item in (checked.items or [] if checked is not None else [])
        if isinstance(item, dict) and item.get("passed") is False
    )
    return ObjectRow(
        target_type=target_type,
        target_id=found.id,
        name=found.name,
        district=found.district,
        enterprise_id=found.enterprise_id,
        enterprise=names.get(found.enterprise_id) if found.enterprise_id else None,
        inspected_at=checked.occurred_at if checked is not None else None,
        inspection_id=checked.id if checked is not None else None,
        passed=passed,
        failed_items=failed,
        self_checked_at=self_checked.occurred_at if self_checked is not None else None,
        self_check_passed=self_passed,
        verdict=rules.verdict(passed, self_passed),
    )


_COLUMNS = (
    InspectionRecord.id,
    InspectionRecord.target_type,
    InspectionRecord.target_id,
    InspectionRecord.passed,
    InspectionRecord.items,
    InspectionRecord.occurred_at,
)


def _authority(connection: Connection, task_id: str, since: datetime, until: datetime) -> Any:
    """The authority's inspections for the task in its period (the progress rule's)."""
    return connection.execute(
        select(*_COLUMNS).where(
            InspectionRecord.task_id == task_id,
            InspectionRecord.kind.in_(COUNTED_KINDS),
            InspectionRecord.occurred_at >= since,
            InspectionRecord.occurred_at <= until,
        )
    )


def _self_checks(connection: Connection, task: TaskScope, since: datetime, until: datetime) -> Any:
    """The enterprises' own checks of the task's kinds of object in its districts and period."""
    return connection.execute(
        select(*_COLUMNS).where(
            InspectionRecord.kind == SELF_CHECK,
            InspectionRecord.district.in_(task.districts),
            InspectionRecord.target_type.in_(task.target_types),
            InspectionRecord.occurred_at >= since,
            InspectionRecord.occurred_at <= until,
        )
    )


def _latest(rows: Iterable[Any], keys: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The latest inspection of each object among `keys`."""
    latest: dict[tuple[str, str], Any] = {}
    for row in rows:
        key = (row.target_type, row.target_id)
        if key in keys and (key not in latest or latest[key].occurred_at < row.occurred_at):
            latest[key] = row
    return latest


def _enterprise_names(connection: Connection, ids: set[str | None]) -> dict[str, str]:
    wanted = sorted(i for i in ids if i)
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        query = select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(chunk))
        names.update({row.id: row.name for row in connection.execute(query)})
    return names


# --- what the issue form offers --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    id: str
    title: str
    items: tuple[str, ...]
    campaign: bool


def checklists(engine: Engine) -> list[ChecklistRow]:
    """Every published checklist: campaigns first, then by title."""
    query = select(table_of(Checklist)).order_by(
        Checklist.campaign.desc(), Checklist.title, Checklist.id
    )
    with engine.connect() as connection:
        return [
            ChecklistRow(row.id, row.title, tuple(row.items), row.campaign)
            for row in connection.execute(query)
        ]


def enterprises_of_kinds(connection: Connection, kinds: Iterable[str]) -> list[str]:
    """Ids of the enterprises of `kinds` (bottled, ...), for a campaign's scope."""
    query = select(Enterprise.id).where(Enterprise.kind.in_(tuple(kinds))).order_by(Enterprise.id)
    return list(connection.scalars(query))


def task_row(connection: Connection, task_id: str) -> Any:
    """A stored task, scope aside (the commands check it against the acting user)."""
    return connection.execute(select(InspectionTask).where(InspectionTask.id == task_id)).first()


def checklist_known(connection: Connection, checklist_id: str) -> bool:
    found = connection.scalar(select(Checklist.id).where(Checklist.id == checklist_id))
    return found is not None


# --- for the simulators ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenTaskWork:
    """An open task and what is left of it: the living city's offices work through it
    (simulators/streams/tasks.py)."""

    task_id: str
    assignee: str
    checklist_id: str
    campaign: bool
    items: tuple[str, ...]
    issued_at: datetime
    deadline: datetime
    pending: tuple[str, ...]  # the target ids not yet inspected for it


def open_task_work(engine: Engine, now: datetime) -> list[OpenTaskWork]:
    """Every open task, citywide, with its objects not yet inspected for it."""
    found: list[OpenTaskWork] = []
    for row in task_list(engine, CITYWIDE, TaskFilter(), now):
        detail = task_detail(engine, CITYWIDE, row.id, now)
        if detail is None:
            continue
        pending = tuple(thing.target_id for thing in detail.objects if thing.passed is None)
        found.append(
            OpenTaskWork(row.id, row.assignee, row.checklist_id, row.campaign,
                         detail.checklist_items, row.issued_at, row.deadline, pending)
        )  # fmt: skip
    return found
