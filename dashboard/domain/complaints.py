"""Complaints (投诉举报, seed 002 art. 6; the 96511 line, seed 000 part 2.5): received, passed
down the chain (逐级转办), escalated when late (超时督办), replied (结果反馈) and closed with the
caller's satisfaction (满意度评价); timeliness (及时率) and satisfaction per district and
enterprise.

Categories and their time limits. A complaint is due `limit` after it was received, by its
category: hours where safety is at stake (a smell of gas, an overdue cylinder in use, a cylinder
filled or delivered by someone other than the scan shows), days for service (late delivery,
manners, prices). The limit is the time to close it: passed down, answered and the caller asked
for their satisfaction. A category nobody listed (a free-text one from another channel) gets
the general service limit.

The chain (逐级转办): the city's 96511 desk receives every complaint (handler "city"); a
supervisor or the duty officer passes it to the district office where it happened ("district");
that office passes it to the enterprise concerned, which must be registered in its district
("enterprise"), or answers it itself. The enterprise holding it replies (or the district office
on its behalf); the district office or the city closes it with the caller's satisfaction, 1 to 5.
Who takes which step is in dashboard/domain/policy.py (Action.*_COMPLAINT).

Late and escalation (超时督办): an open complaint past its due time is late. Once for every full
limit it stays unanswered past due, the rules runner escalates it (`late_ordinal`): the n-th
escalation is due at due_at + (n-1) x limit, with the event id `complaint-late:<id>:<n>`, so it is
written once however many runners look. The due time itself never moves: timeliness is measured
against the first limit, and an escalation sets no new one; it only raises the pressure again
each limit the complaint is left. A replied complaint waits for the office's return call; it is
still late if not closed in time, but no longer escalated. The city may also escalate by hand,
which counts as that limit's escalation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

STATUSES: tuple[str, ...] = ("received", "assigned", "escalated", "replied", "closed")
CLOSED = "closed"
OPEN_STATUSES: tuple[str, ...] = tuple(status for status in STATUSES if status != CLOSED)
CHANNELS: tuple[str, ...] = ("hotline_96511", "wechat", "web", "qr_check")
HANDLERS: tuple[str, ...] = ("city", "district", "enterprise")  # the chain, top down
SATISFACTION_RANGE = (1, 5)
MAX_ID_LENGTH = 128  # event ids (dashboard/domain/events.py Id)


@dataclass(frozen=True)
class Category:
    """A category: its key (for the English label: complaint_category.<key>), its Chinese label
    as the channels send it, whether safety is at stake, and its time limit."""

    key: str
    label: str
    safety: bool
    limit: timedelta


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
GENERAL_LIMIT = 5 * DAY  # service complaints, and any category not listed here
CATEGORIES: tuple[Category, ...] = (
    # safety: hours
    Category("gas_smell", "燃气异味", True, 12 * HOUR),
    Category("inspection_overdue", "检验超期", True, 24 * HOUR),
    Category("wrong_enterprise", "企业信息不符", True, 48 * HOUR),
    Category("wrong_enterprise_qr", "企业不符", True, 48 * HOUR),
    Category("wrong_worker", "送气工信息不符", True, 48 * HOUR),
    Category("wrong_worker_qr", "配送人员不符", True, 48 * HOUR),
    # service: days
    Category("late_delivery", "送气不及时", False, 1 * DAY),
    Category("safety_check", "安检问题", False, 3 * DAY),
    Category("short_weight", "气量不足", False, 3 * DAY),
    Category("manner", "服务态度", False, GENERAL_LIMIT),
    Category("charges", "收费问题", False, GENERAL_LIMIT),
    Category("other", "其他", False, GENERAL_LIMIT),
)
BY_LABEL: dict[str, Category] = {category.label: category for category in CATEGORIES}
# The incident.reported kind a complaint turned into an incident gets (a complaint is a report
# of something smelt or seen: "odor" unless the category says more).
INCIDENT_KIND = "odor"


def category_of(label: str) -> Category | None:
    return BY_LABEL.get(label)


def time_limit(label: str) -> timedelta:
    """How long a complaint of this category may take from receipt to closing."""
    category = BY_LABEL.get(label)
    return category.limit if category is not None else GENERAL_LIMIT


def due_at(label: str, received_at: datetime) -> datetime:
    return received_at + time_limit(label)


def is_open(status: str) -> bool:
    return status != CLOSED


def is_late(status: str, due: datetime | None, now: datetime) -> bool:
    """Open past its due time (超时)."""
    return is_open(status) and due is not None and due < now


def late_ordinal(label: str, due: datetime, now: datetime) -> int:
    """How many limits an open complaint has missed by `now`: 0 before its due time, 1 from it,
    2 one more limit later, ...; its n-th escalation is due when this reaches n."""
    if now <= due:
        return 0
    return 1 + int((now - due) / time_limit(label))


def escalation_due(
    label: str, due: datetime, escalations: int, replied: bool, now: datetime
) -> int:
    """The ordinal of the late escalation due now (0: none): the missed limits, once each, for a
    complaint nobody has answered yet."""
    if replied:
        return 0
    missed = late_ordinal(label, due, now)
    return missed if missed > escalations else 0


def late_escalation_id(complaint_id: str, ordinal: int) -> str:
    """The event id of a complaint's n-th late escalation: the same for whoever writes it."""
    event_id = f"complaint-late:{complaint_id}:{ordinal}"
    if len(event_id) <= MAX_ID_LENGTH:
        return event_id
    digest = hashlib.sha256(complaint_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"complaint-late:{digest}:{ordinal}"


def late_note(label: str, ordinal: int) -> str:
    hours = int(time_limit(label) / HOUR)
    return f"投诉超过办理时限（{hours} 小时）未办结，第 {ordinal} 次超时督办"


def is_timely(closed_at: datetime | None, due: datetime | None) -> bool:
    """Closed within its limit (及时)."""
    return closed_at is not None and due is not None and closed_at <= due


# --- the chain: which step a complaint can take next, by who holds it --------------------------
# Steps: "assign" (pass down one level), "reply", "close" (with satisfaction), "escalate" (by
# hand), "to_hazard", "to_incident". Who may take each is in policy.py; the command checks the
# holder too: the city passes to a district, a district office to an enterprise; an enterprise
# replies only to what it holds.
STEPS: tuple[str, ...] = ("assign", "reply", "close", "escalate", "to_hazard", "to_incident")
_UNANSWERED = frozenset({"received", "assigned", "escalated"})


def next_handler(handler: str | None) -> str | None:
    """The level a complaint held by `handler` is passed down to (None: the bottom)."""
    order = HANDLERS
    current = handler or "city"
    index = order.index(current) if current in order else 0
    return order[index + 1] if index + 1 < len(order) else None


def steps_from(status: str, handler: str | None, converted: bool = False) -> tuple[str, ...]:
    """The steps a complaint in `status`, held by `handler`, can take (any role)."""
    if not is_open(status):
        return ()
    steps: list[str] = []
    if status in _UNANSWERED:
        if next_handler(handler) is not None:
            steps.append("assign")
        if (handler or "city") != "city":
            steps.append("reply")
        steps.append("escalate")
    if status == "replied":
        steps.append("close")
    if not converted:
        steps += ["to_hazard", "to_incident"]
    return tuple(steps)


def valid_satisfaction(score: object) -> bool:
    low, high = SATISFACTION_RANGE
    return isinstance(score, int) and not isinstance(score, bool) and low <= score <= high


# --- statistics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """A group's complaints in a period: received, closed, closed in time, late (open past due),
    and the satisfaction scores given."""

    received: int = 0
    closed: int = 0
    timely: int = 0
    late: int = 0
    rated: int = 0
    satisfaction_sum: int = 0

    @property
    def timeliness(self) -> float | None:
        """及时率: the share of the closed ones closed within their limit (None: none closed)."""
        return self.timely / self.closed if self.closed else None

    @property
    def satisfaction(self) -> float | None:
        """满意度: the average score of those rated (None: none rated)."""
        return self.satisfaction_sum / self.rated if self.rated else None


def figures(
    rows: Iterable[tuple[str, datetime | None, datetime | None, int | None]], now: datetime
) -> Figures:
    """Figures of (status, due_at, closed_at, satisfaction) rows."""
    received = closed = timely = late = rated = total = 0
    for status, due, closed_at, score in rows:
        received += 1
        if status == CLOSED:
            closed += 1
            timely += int(is_timely(closed_at, due))
        elif is_late(status, due, now):
            late += 1
        if score is not None:
            rated += 1
            total += score
    return Figures(received, closed, timely, late, rated, total)
