"""Online detention (在线扣瓶, seed 001 part 2.1): statuses, steps, the recall deadline, lateness.

A supervisor who finds a problem cylinder (in filling, delivery or use) detains it on the spot
and the responsible filling enterprise is told to bring it back (召回) to one of its own sites by
a deadline; the district's gas office then disposes of it (处置) under supervision: released back
into service, or scrapped. A recall past its deadline is escalated (督办) by the rules runner.

detained → recalled → released | scrapped

- detain: the city's supervisors anywhere, a district officer in their district
  (Action.DETAIN_CYLINDER); a cylinder has at most one open detention (detained or recalled);
- recall: the cylinder's enterprise only, to one of its own sites (Action.RECALL_CYLINDER);
- release or scrap: the gas offices, once the cylinder is recalled (Action.CLOSE_DETENTION).

A detention is late while it is still `detained` (not recalled) after its recall day has ended,
in the city's time zone; a late one is escalated once, under `recall_late_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DETAINED = "detained"
RECALLED = "recalled"
RELEASED = "released"
SCRAPPED = "scrapped"
STATUSES: tuple[str, ...] = (DETAINED, RECALLED, RELEASED, SCRAPPED)
OPEN_STATUSES: tuple[str, ...] = (DETAINED, RECALLED)
OUTCOMES: tuple[str, ...] = (RELEASED, SCRAPPED)  # how a detention ends

# Fuzhou's practice is "召回至指定区域 in a set time": three days lets an enterprise trace the
# cylinder through its customers and drivers; the detain form pre-fills it and the supervisor may
# set any day from today on.
DEFAULT_RECALL_DAYS = 3
MAX_RECALL_DAYS = 60  # a deadline further off is a typing error, not a recall
TIME_ZONE = ZoneInfo("Asia/Shanghai")  # the recall day is the city's day
MAX_TEXT = 2000

RECALL_LATE_NOTE = "扣押气瓶逾期未召回，提交督办"


@dataclass(frozen=True)
class Step:
    """One step: the statuses it starts from and the status it leads to."""

    name: str
    to: str
    starts_from: frozenset[str]
    needs_note: bool = False


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("recall", RECALLED, frozenset({DETAINED})),
        Step("release", RELEASED, frozenset({RECALLED})),
        Step("scrap", SCRAPPED, frozenset({RECALLED}), needs_note=True),
    )
}


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def today(now: datetime) -> date:
    return now.astimezone(TIME_ZONE).date()


def default_recall_by(now: datetime) -> date:
    """The recall day the detain form proposes."""
    return today(now) + timedelta(days=DEFAULT_RECALL_DAYS)


def recall_by_problem(recall_by: date | None, now: datetime) -> str | None:
    """Why `recall_by` cannot be a recall deadline (a refusal's reason), else None."""
    if recall_by is None:
        return "missing"
    if recall_by < today(now):
        return "past"
    if recall_by > today(now) + timedelta(days=MAX_RECALL_DAYS):
        return "too_far"
    return None


def deadline(recall_by: date) -> datetime:
    """The moment the recall day ends (the start of the next day in the city's zone)."""
    return datetime.combine(recall_by + timedelta(days=1), datetime.min.time(), TIME_ZONE)


def is_late(status: str, recall_by: date, now: datetime) -> bool:
    """Still detained (not recalled) after the recall day has ended."""
    return status == DETAINED and now >= deadline(recall_by)


def time_left(recall_by: date, now: datetime) -> timedelta:
    """Until the deadline (negative: late by that much)."""
    return deadline(recall_by) - now


def recall_late_id(detention_id: str) -> str:
    """The escalation's event id: one per detention, whoever runs the rule and how often."""
    return f"recall-late:{detention_id}"[:128]


# Who is told of a detention (dashboard/notifier.py), by the notice's reason: the enterprise
# must recall it; a late recall goes up as a hazard's escalation does (督办).
NOTICE_LEVELS: dict[str, tuple[str, ...]] = {
    "detained": ("enterprise",),
    "recall_escalated": ("city", "district", "enterprise"),
}


def steps_from(status: str) -> tuple[str, ...]:
    return tuple(name for name, step in STEPS.items() if status in step.starts_from)
