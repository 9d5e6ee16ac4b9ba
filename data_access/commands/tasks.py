"""Inspection tasks issued downward and their checklists (seeds/002 art. 5; the rules in
dashboard/domain/tasks.py): each a command by the acting user.

- `issue_task`: the city's office (supervisor, admin) to any districts, one task per district;
  a district's office to its own district only. The checklist must be published, the deadline
  ahead, and each district's task must cover at least one object. A campaign's checklist
  (the 8-point LPG check) sets whom the task covers itself.
- `complete_task`: the assignee's office or the issuing office (and admin) reports it done.
- `cancel_task`: the issuing office (and admin) withdraws it, with a reason.
  Who may close which task is `may_complete` / `may_withdraw` in the domain: the page shows its
  buttons by the same rule.
- `publish_checklist`: the city's office; `publish_builtin_checklists` publishes the built-in
  ones under deterministic event ids, so running it again records nothing.

A refusal changes nothing (data_access/commands/base.py); a task outside the user's scope is
refused as unknown.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dashboard.domain import tasks as rules
from dashboard.domain.events import ChecklistPublished, TaskCancelled, TaskCompleted, TaskIssued
from dashboard.domain.policy import Action, Place, Refused, missing, unknown
from dashboard.domain.roles import User, system_user
from dashboard.domain.tasks import Checklist, TaskScope
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.eventlog import SYSTEM_SOURCE
from data_access.queries import inspection_tasks as queries
from data_access.queries.accounts import districts as city_districts

__all__ = [
    "BUILTIN_ACTOR",
    "cancel_task",
    "complete_task",
    "issue_task",
    "publish_builtin_checklists",
    "publish_checklist",
]

BUILTIN_ACTOR = "builtin"  # who publishes the built-in checklists
_MAX_ITEMS = 100
_MAX_ITEM = 200


def issue_task(
    engine: Any,
    user: User,
    *,
    title: str,
    checklist_id: str,
    districts: Sequence[str],
    target_types: Sequence[str],
    deadline: datetime | None,
    enterprise_ids: Sequence[str] = (),
    target_ids: Sequence[str] = (),
    note: str | None = None,
) -> Result:
    """Issue one task per district of `districts`; `Done.subject` is their ids, comma-separated."""
    known_districts = {code for code, _, _ in city_districts(engine)}

    def body(act: Act) -> Done:
        act.require(Action.ISSUE_TASK)
        picked = _districts(act, districts, known_districts)
        name = _title(title)
        if not queries.checklist_known(act.connection, checklist_id):
            raise Refusal(unknown("checklist", checklist_id, "checklist_id"))
        if deadline is None:
            raise Refusal(missing("deadline", "a task needs a deadline"))
        if deadline.tzinfo is None or deadline <= act.now:
            raise Refusal(
                Refused(
                    "deadline_in_past", "the deadline must lie ahead", "invalid_field", "deadline"
                )
            )
        scope = _scope(act, checklist_id, target_types, enterprise_ids, target_ids)
        events, ids = [], []
        stem = uuid.uuid4().hex[:12]
        for district in picked:
            in_district = TaskScope(
                (district,),
                scope.target_types,
                scope.enterprise_ids,
                scope.target_ids,
                scope.customer_kinds,
            )
            if queries.count_objects(act.connection, in_district, act.user.scope) == 0:
                raise Refusal(
                    Refused(
                        "task_empty",
                        f"the task covers no object in district {district}",
                        "invalid_field",
                        "target_types",
                        {"district": district},
                    )
                )
            task_id = f"task-{stem}-{district}"
            ids.append(task_id)
            events.append(
                _issued(act, task_id, name, checklist_id, district, picked, scope, deadline, note)
            )
        seq = act.append(*events, ids=[f"issue-{task_id}" for task_id in ids])
        return Done(",".join(ids), seq)

    return run(engine, user, body)


def _districts(act: Act, districts: Sequence[str], known: set[str]) -> list[str]:
    picked = list(dict.fromkeys(d for d in districts if d))
    if not picked:
        raise Refusal(missing("districts", "a task goes to at least one district"))
    for district in picked:
        if district not in known:
            raise Refusal(unknown("district", district, "districts"))
        act.require(Action.ISSUE_TASK, Place("district", district, district=district))
    return picked


def _title(title: str) -> str:
    name = (title or "").strip()[: rules.MAX_TITLE]
    if not name:
        raise Refusal(missing("title", "a task needs a title"))
    return name


def _scope(
    act: Act,
    checklist_id: str,
    target_types: Sequence[str],
    enterprise_ids: Sequence[str],
    target_ids: Sequence[str],
) -> TaskScope:
    """What the task covers (its districts filled in per task): as asked, or as a campaign's
    checklist says (its object types and customer kinds; the asked enterprises among the
    campaign's kinds of enterprise, else all of them)."""
    builtin = rules.BUILTIN.get(checklist_id)
    targets = builtin.targets if builtin is not None else None
    if targets is not None:
        of_kinds = queries.enterprises_of_kinds(act.connection, targets.enterprise_kinds)
        chosen = [e for e in of_kinds if e in set(enterprise_ids)] if enterprise_ids else of_kinds
        return TaskScope(
            (), targets.target_types, tuple(chosen), tuple(target_ids), targets.customer_kinds
        )
    types = tuple(dict.fromkeys(t for t in target_types if t))
    if not types:
        raise Refusal(missing("target_types", "a task covers at least one kind of object"))
    for kind in types:
        if kind not in rules.TARGET_TYPES:
            raise Refusal(
                Refused(
                    "bad_choice",
                    f"no object type {kind!r}",
                    "invalid_field",
                    "target_types",
                    {"value": kind},
                )
            )
    return TaskScope((), types, tuple(enterprise_ids), tuple(target_ids))


def _issued(
    act: Act,
    task_id: str,
    title: str,
    checklist_id: str,
    district: str,
    picked: list[str],
    scope: TaskScope,
    deadline: datetime,
    note: str | None,
) -> TaskIssued:
    text = (note or "").strip()[: rules.MAX_NOTE] or None
    customers = "customer" in scope.target_types
    return TaskIssued(
        task_id=task_id,
        title=title,
        checklist_id=checklist_id,
        assignee=district,
        districts=picked,
        target_types=list(scope.target_types),  # type: ignore[arg-type]
        customer_kinds=list(scope.kinds) if customers else None,  # type: ignore[arg-type]
        enterprise_ids=list(scope.enterprise_ids) or None,
        target_ids=list(scope.target_ids) or None,
        deadline=deadline,
        by=act.user.username,
        office=rules.office_of(act.user.role),
        note=text,
    )


# --- closing a task ---------------------------------------------------------------------------


def complete_task(engine: Any, user: User, task_id: str, note: str | None = None) -> Result:
    """The assignee's office, or the issuing office, reports the task done."""

    def body(act: Act) -> Done:
        row = _open_task(act, Action.COMPLETE_TASK, task_id)
        # The page shows the button by the same rule (dashboard/domain/tasks.py).
        if not rules.may_complete(
            act.user.role, act.user.district, office=row.office, assignee=row.assignee
        ):
            raise Refusal(_not_your_office(task_id, "complete"))
        text = (note or "").strip()[: rules.MAX_NOTE] or None
        data = TaskCompleted(task_id=task_id, by=act.user.username, note=text)
        return Done(task_id, act.append(data, prefix="task-complete"))

    return run(engine, user, body)


def cancel_task(engine: Any, user: User, task_id: str, reason: str | None) -> Result:
    """The issuing office withdraws the task; the reason is kept."""

    def body(act: Act) -> Done:
        row = _open_task(act, Action.CANCEL_TASK, task_id)
        # The page shows the button by the same rule (dashboard/domain/tasks.py).
        if not rules.may_withdraw(
            act.user.role, act.user.district, office=row.office, assignee=row.assignee
        ):
            raise Refusal(_not_your_office(task_id, "cancel"))
        text = (reason or "").strip()[: rules.MAX_NOTE]
        if not text:
            raise Refusal(missing("reason", "withdrawing a task needs the reason"))
        data = TaskCancelled(task_id=task_id, by=act.user.username, reason=text)
        return Done(task_id, act.append(data, prefix="task-cancel"))

    return run(engine, user, body)


def _open_task(act: Act, action: Action, task_id: str) -> Any:
    act.require(action)
    row = queries.task_row(act.connection, task_id)
    if row is None:
        raise Refusal(unknown("task", task_id, "task_id"))
    act.require(action, Place("task", task_id, district=row.assignee))
    if not rules.is_open(row.status):
        raise Refusal(
            Refused(
                f"task_{row.status}",
                f"task {task_id!r} is {row.status} already",
                "invalid_field",
                "task_id",
                {"id": row.title},
            )
        )
    return row


def _not_your_office(task_id: str, what: str) -> Refused:
    return Refused(
        f"task_office.{what}",
        f"only the office that issued task {task_id!r} may {what} it",
        params={"id": task_id},
    )


# --- checklists -------------------------------------------------------------------------------


def publish_checklist(
    engine: Any,
    user: User,
    checklist_id: str,
    title: str,
    items: Sequence[str],
    *,
    campaign: bool = False,
    event_id: str | None = None,
    source: str | None = None,
) -> Result:
    """Publish a checklist (again: its new text replaces the old); `Done.subject` is its id."""

    def body(act: Act) -> Done:
        act.require(Action.PUBLISH_CHECKLIST)
        if not (checklist_id or "").strip():
            raise Refusal(missing("checklist_id", "a checklist needs an id"))
        name = _title(title)
        lines = [line.strip()[:_MAX_ITEM] for line in items if line and line.strip()]
        if not lines:
            raise Refusal(missing("items", "a checklist needs at least one item"))
        data = ChecklistPublished(
            checklist_id=checklist_id.strip(),
            title=name,
            items=lines[:_MAX_ITEMS],
            campaign=campaign,
            by=act.user.username,
        )
        ids = [event_id] if event_id is not None else None
        return Done(data.checklist_id, act.append(data, ids=ids, prefix="checklist"))

    return run(engine, user, body, source=source)


def builtin_event_id(checklist: Checklist) -> str:
    """`checklist:<id>:<digest of its text>`: the same text is published once; a changed
    built-in (a new version of the app) is published again."""
    text = json.dumps(
        [checklist.title[0], checklist.items_zh, checklist.campaign], ensure_ascii=False
    )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"{rules.checklist_event_id(checklist.id)}:{digest}"


def publish_builtin_checklists(engine: Any) -> int:
    """Publish the built-in checklists (the daily one, the 8-point LPG campaign) that are not
    in the log yet; returns how many were new."""
    written = 0
    for checklist in rules.BUILTIN_CHECKLISTS:
        result = publish_checklist(
            engine,
            system_user(BUILTIN_ACTOR),
            checklist.id,
            checklist.title[0],
            checklist.items_zh,
            campaign=checklist.campaign,
            event_id=builtin_event_id(checklist),
            source=SYSTEM_SOURCE,
        )
        if isinstance(result, Refused):
            raise RuntimeError(f"built-in checklist {checklist.id}: {result.message}")
        written += int(result.seq is not None)
    return written
