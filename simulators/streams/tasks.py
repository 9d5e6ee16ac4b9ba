"""Inspection tasks worked through by the district offices (seeds/002 art. 5; docs/inspections.md).

A task names a district's objects and a checklist (dashboard/domain/tasks.py). The office
inspects them in working hours between the task's issue and a little before its deadline, each
inspection naming the task (`task_id`) and going through the task's checklist, so the task's
progress moves on /tasks. An office gets to `diligence` of its objects in time: most finish, some
lag, and a task past its deadline with objects left is overdue.

Where tasks come from:
- the backfill issues the history's tasks itself (`history_tasks`): an earlier routine task the
  offices finished and completed, the city's 8-point campaign for the restaurants using bottled
  LPG still under way, and a district's own routine task now overdue;
- a live run takes the open tasks from the database when it starts (`TaskWork` from
  data_access/queries/inspection_tasks.py `open_task_work`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from dashboard.domain.tasks import BUILTIN, DAILY, LPG_RESTAURANTS
from simulators.clock import DAY
from simulators.world import World

CAMPAIGN_KIND = "special"  # a campaign's inspections: special checks (专项检查)
ROUTINE_KIND = "daily"


@dataclass
class TaskWork:
    """One district office's task, as the simulators work through it."""

    task_id: str
    district: str
    checklist_id: str
    items: tuple[str, ...]  # the checklist's items (Chinese, as published)
    issued: float  # simulated time
    deadline: float  # simulated time
    objects: list[str]  # the target ids still to inspect
    diligence: float = 1.0  # the share of them inspected before the deadline
    kind: str = ROUTINE_KIND


@dataclass
class HistoryTask:
    """A task the backfill writes: its `task.issued` data, and who completes it when (if)."""

    work: TaskWork
    issued: dict[str, Any]  # task.issued's data
    by: str  # the issuing user's login
    completed: tuple[float, str] | None = None  # (when, by whom)
    extra: dict[str, Any] = field(default_factory=dict)


def campaign_objects(world: World, district: str) -> list[str]:
    """The 8-point campaign's objects in a district: commercial customers of the bottled-gas
    enterprises (dashboard/domain/tasks.py LPG_RESTAURANTS.targets)."""
    targets = LPG_RESTAURANTS.targets
    assert targets is not None
    bottled = {e.id for e in world.enterprises if e.kind in targets.enterprise_kinds}
    return sorted(
        c.id
        for c in world.customers
        if c.district == district
        and c.kind in targets.customer_kinds
        and c.enterprise_id in bottled
    )


def site_objects(world: World, district: str) -> list[str]:
    """A routine task's objects: the district's sites (stations, shops, depots)."""
    return sorted(s.id for s in world.sites if s.district == district)


def history_tasks(world: World, start: float, end: float, iso: Any, seed: int) -> list[HistoryTask]:
    """The tasks of a backfill over [start, end): those that fit in it (a quarter holds all
    three). `iso` turns a simulated time into the wire's timestamp."""
    rng = random.Random(f"{seed}/tasks")
    districts = sorted({s.district for s in world.sites} | {c.district for c in world.customers})
    found: list[HistoryTask] = []

    def task(
        checklist_id: str,
        district: str,
        issued: float,
        deadline: float,
        objects: list[str],
        by: str,
        office: str,
        picked: list[str],
        diligence: float,
    ) -> HistoryTask:
        checklist = BUILTIN[checklist_id]
        task_id = f"task-bf{int(issued // DAY)}-{checklist_id}-{district}"  # one a day each
        campaign = checklist.targets is not None
        data: dict[str, Any] = {
            "task_id": task_id,
            "title": checklist.default_title[0],
            "checklist_id": checklist_id,
            "assignee": district,
            "districts": picked,
            "target_types": ["customer"] if campaign else ["site"],
            "deadline": iso(deadline),
            "by": by,
            "office": office,
        }
        if campaign:
            assert checklist.targets is not None
            data["customer_kinds"] = list(checklist.targets.customer_kinds)
            data["enterprise_ids"] = sorted(
                e.id for e in world.enterprises if e.kind in checklist.targets.enterprise_kinds
            )
        work = TaskWork(
            task_id,
            district,
            checklist_id,
            tuple(checklist.items_zh),
            issued,
            deadline,
            objects,
            diligence,
            CAMPAIGN_KIND if campaign else ROUTINE_KIND,
        )
        return HistoryTask(work, data, by)

    # An earlier routine check of the sites, issued by the city to four districts: done and
    # completed by each office the day before its deadline.
    issued, deadline = end - 45 * DAY, end - 25 * DAY
    if issued >= start:
        picked = districts[:4]
        for district in picked:
            done = task(DAILY.id, district, issued, deadline, site_objects(world, district),
                        "supervisor", "city", picked, 1.0)  # fmt: skip
            done.completed = (deadline - DAY, _officer(district))
            found.append(done)
    # The city's campaign after an accident elsewhere: every district, under way.
    issued, deadline = end - 16 * DAY, end + 12 * DAY
    if issued >= start:
        for district in districts:
            objects = campaign_objects(world, district)
            diligence = rng.uniform(0.75, 1.0)
            if objects:
                found.append(task(LPG_RESTAURANTS.id, district, issued, deadline, objects,
                                  "supervisor", "city", districts, diligence))  # fmt: skip
    # Jiang'an's own routine check, past its deadline with objects left: overdue.
    issued, deadline = end - 12 * DAY, end - 2 * DAY
    jiangan = "420102"
    if issued >= start and jiangan in districts:
        found.append(task(DAILY.id, jiangan, issued, deadline, site_objects(world, jiangan),
                          "jiangan", "district", [jiangan], 0.6))  # fmt: skip
    return found


def _officer(district: str) -> str:
    """Who completes a district's task in the history: the demo's officer for Jiang'an."""
    return "jiangan" if district == "420102" else f"officer-{district}"


def live_task_work(open_tasks: list[Any], sim_of: Any) -> list[TaskWork]:
    """The open tasks the database holds (data_access/queries/inspection_tasks.py
    `OpenTaskWork`) as work for a live run; `sim_of` turns a UTC timestamp into simulated time.
    How diligent each office is stays the same from run to run (by the task's id)."""
    return [
        TaskWork(
            task.task_id,
            task.assignee,
            task.checklist_id,
            task.items,
            sim_of(task.issued_at.timestamp()),
            sim_of(task.deadline.timestamp()),
            list(task.pending),
            random.Random(task.task_id).uniform(0.75, 1.0),
            CAMPAIGN_KIND if task.campaign else ROUTINE_KIND,
        )
        for task in open_tasks
    ]
