"""Checklists and inspection tasks (dashboard/domain/tasks.py): `checklists` (checklist.published)
and `inspection_tasks` (task.issued, task.completed, task.cancelled). Only the task commands
append these (data_access/commands/tasks.py); they are system types, never accepted from a source.

The rules kept here, the log's last line of defence: a task names a published checklist and a
district of the city, and its id is new; only an issued task is completed or cancelled.

A handful of rows per action: each event is written at once (as accounts.py does), so the next
event of the same batch is checked against it and a command can read its task back in its
transaction. Progress is not projected: it is read from the inspections naming the task
(data_access/queries/inspection_tasks.py), so an inspection that arrives late still counts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from dashboard.domain import tasks as task_rules
from dashboard.domain.events import Event, Rejection
from data_access.models import Checklist, InspectionTask, table_of
from data_access.projections.batch import Batch
from data_access.projections.projection import Projection, Wanted

_CHECKLISTS = table_of(Checklist)
_TASKS = table_of(InspectionTask)
_MAX_DISTRICT = 12  # inspection_tasks.assignee


def wants(event: Event, wanted: Wanted) -> None:
    return None  # read at once, from the connection (few rows, written at once)


def task_row(connection: Any, task_id: str) -> Row[Any] | None:
    return connection.execute(select(_TASKS).where(_TASKS.c.id == task_id)).first()


def _rejection(event: Event, code: Any, field: str, message: str) -> Rejection:
    return Rejection(code, f"data.{field}", message, event.id)


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    data: Any = event.data
    if event.type == "checklist.published":
        return None
    if event.type == "task.issued":
        return _check_issued(b, event)
    row = task_row(b.connection, data.task_id)
    if row is None:
        return _rejection(event, "unknown_reference", "task_id", f"no task {data.task_id!r}")
    if not task_rules.is_open(row.status):
        message = f"task {data.task_id!r} is {row.status} already"
        return _rejection(event, "invalid_field", "task_id", message)
    return None


def _check_issued(b: Batch, event: Event) -> Rejection | None:
    data: Any = event.data
    if task_row(b.connection, data.task_id) is not None:
        return _rejection(event, "invalid_field", "task_id", f"task {data.task_id!r} exists")
    known = b.connection.scalar(
        select(_CHECKLISTS.c.id).where(_CHECKLISTS.c.id == data.checklist_id)
    )
    if known is None:
        message = f"checklist {data.checklist_id!r} is not published"
        return _rejection(event, "unknown_reference", "checklist_id", message)
    for district in [data.assignee, *(data.districts or [])]:
        if len(district) > _MAX_DISTRICT or district not in b.districts:
            message = f"district {district!r} is not a district of this city"
            return _rejection(event, "unknown_reference", "assignee", message)
    return None


def district(b: Batch, event: Event) -> str | None:
    data: Any = event.data
    if event.type == "checklist.published":
        return None  # the city's, for every district
    if event.type == "task.issued":
        return data.assignee
    row = task_row(b.connection, data.task_id)
    return row.assignee if row is not None else None


def apply_checklist(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    values = {
        "title": data.title,
        "items": list(data.items),
        "campaign": data.campaign,
        "published_by": data.by,
        "published_at": event.occurred_at,
    }
    found = b.connection.scalar(
        select(_CHECKLISTS.c.id).where(_CHECKLISTS.c.id == data.checklist_id)
    )
    if found is None:
        b.connection.execute(_CHECKLISTS.insert().values(id=data.checklist_id, **values))
    else:  # published again: the new text replaces the old
        b.connection.execute(
            _CHECKLISTS.update().where(_CHECKLISTS.c.id == data.checklist_id).values(**values)
        )


def apply_issued(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    b.connection.execute(
        _TASKS.insert().values(
            id=data.task_id,
            title=data.title,
            checklist_id=data.checklist_id,
            assignee=data.assignee,
            districts=list(data.districts or [data.assignee]),
            target_types=list(data.target_types),
            customer_kinds=list(data.customer_kinds) if data.customer_kinds else None,
            enterprise_ids=list(data.enterprise_ids) if data.enterprise_ids else None,
            target_ids=list(data.target_ids) if data.target_ids else None,
            deadline=data.deadline,
            office=data.office,
            issued_by=data.by,
            issued_at=event.occurred_at,
            note=data.note,
            status=task_rules.ISSUED,
            closed_by=None,
            closed_at=None,
            close_note=None,
        )
    )


def apply_closed(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    status = task_rules.COMPLETED if event.type == "task.completed" else task_rules.CANCELLED
    note = data.note if event.type == "task.completed" else data.reason
    b.connection.execute(
        _TASKS.update()
        .where(_TASKS.c.id == data.task_id, _TASKS.c.status == task_rules.ISSUED)
        .values(status=status, closed_by=data.by, closed_at=event.occurred_at, close_note=note)
    )


PROJECTION = Projection(
    apply={
        "checklist.published": apply_checklist,
        "task.issued": apply_issued,
        "task.completed": apply_closed,
        "task.cancelled": apply_closed,
    },
    wants=wants,
    check=check,
    district=district,
)
