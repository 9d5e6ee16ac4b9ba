"""Hazards (隐患) in their closed loop: statuses, which are open, when one is overdue, and the
hazards an inspection reports by rule.

reported → assigned → rectifying → rectified → verified → closed (销号); a failed verification
reopens it. Every status but closed is open, reopened included. An open hazard past its due time
is overdue (超期, escalated: 督办).

Hazards by rule: every failed item of an inspection reports a general hazard, due
RECTIFICATION_PERIOD after the inspection, under `rule_hazard_id` (the same however often the
inspection arrives), so the simulators can follow up the hazards the system reports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

STATUSES: tuple[str, ...] = (
    "reported",
    "assigned",
    "rectifying",
    "rectified",
    "verified",
    "reopened",
    "closed",
)
CLOSED = "closed"
OPEN_STATUSES: tuple[str, ...] = tuple(status for status in STATUSES if status != CLOSED)
# The default time to rectify a general hazard an inspection found: Shangrao's rules let the
# inspector set the deadline, and a week is the usual one for general hazards (major ones are
# reported by hand, with their own due_at).
RECTIFICATION_PERIOD = timedelta(days=7)
MAX_ID_LENGTH = 128  # hazard ids are event ids (dashboard/domain/events.py, Id)


def is_open(status: str) -> bool:
    return status != CLOSED


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    return is_open(status) and due_at < now


def rule_hazard_id(inspection_id: str, index: int) -> str:
    """The id of the hazard a failed item creates: stable for the same inspection and item."""
    hazard_id = f"hazard-{inspection_id}-{index}"
    if len(hazard_id) <= MAX_ID_LENGTH:
        return hazard_id
    digest = hashlib.sha256(inspection_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"hazard-{digest}-{index}"


# --- escalation (督办) of overdue hazards ------------------------------------------------------
# An open hazard past its due time is escalated: a general one to the district gas office after
# a day overdue and to the city after a week, a major one to the city as soon as it is overdue.
# The escalation's event id is `escalation_id(...)`, so whoever applies the rule (the backfill,
# the live rules runner of issue 15) writes each step once, however often it looks.
ESCALATION_STEPS: dict[str, tuple[tuple[str, timedelta], ...]] = {
    "general": (("district", timedelta(days=1)), ("city", timedelta(days=7))),
    "major": (("city", timedelta(0)),),
}
ESCALATION_NOTES = {
    ("general", "district"): "隐患超期 1 天未销号，提交区燃气管理办公室督办",
    ("general", "city"): "隐患超期 7 天未销号，提交市级督办",
    ("major", "city"): "重大隐患逾期未整改，提交市级督办",
}


def escalation_steps(level: str) -> tuple[tuple[str, timedelta], ...]:
    """(escalation level, time after the due time) for a hazard of `level` still open then."""
    return ESCALATION_STEPS.get(level, ESCALATION_STEPS["general"])


def escalation_id(hazard_id: str, level: str) -> str:
    """The event id of a hazard's escalation to `level`: one per hazard and level."""
    event_id = f"escalate:{hazard_id}:{level}"
    if len(event_id) <= MAX_ID_LENGTH:
        return event_id
    digest = hashlib.sha256(hazard_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"escalate:{digest}:{level}"


# --- the loop's steps: who moves a hazard on, from where to where ------------------------------
# Wuhan's loop (seeds/000): the responsible enterprise rectifies (整改) and reports it with a
# photo; the district gas office verifies it or sends it back with a reason; the city or district
# office closes it out (销号). Supervisors assign a hazard to its enterprise and set a new due date.
# Which roles take each step is in dashboard/domain/policy.py (Action.<STEP>_HAZARD).


@dataclass(frozen=True)
class Step:
    """One step of the loop: the statuses it starts from and the status it leads to (None: the
    status stays, as a new due date leaves it), and what the step must carry."""

    name: str
    to: str | None
    starts_from: frozenset[str]
    needs_photo: bool = False
    needs_note: bool = False
    needs_due: bool = False


_UNFINISHED = frozenset({"reported", "assigned", "reopened"})
STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("assign", "assigned", frozenset({"reported", "reopened"})),
        Step("start", "rectifying", _UNFINISHED),
        Step("rectified", "rectified", _UNFINISHED | {"rectifying"}, needs_photo=True),
        Step("verify", "verified", frozenset({"rectified"})),
        Step("reject", "reopened", frozenset({"rectified"}), needs_note=True),
        Step("close", CLOSED, frozenset({"verified"})),
        Step("redate", None, frozenset(OPEN_STATUSES), needs_due=True),
    )
}
MAX_PHOTOS = 20  # per step; the event allows 50


def steps_from(status: str) -> tuple[str, ...]:
    """The steps a hazard in `status` can take next, in the loop's order."""
    return tuple(name for name, step in STEPS.items() if status in step.starts_from)


# --- hazard numbers (隐患编号) ---------------------------------------------------------------
# Every hazard gets a number people can say on the phone: district code, year, a sequence in
# that district and year, in the order the log holds the reports: YH-420106-2026-00123. The year
# is the local one (Asia/Shanghai, as for violation points).
NUMBER_PREFIX = "YH"
NUMBER_TIME_ZONE = ZoneInfo("Asia/Shanghai")
NUMBER_DIGITS = 5


def number_series(district: str, reported_at: datetime) -> str:
    """The series a hazard's number belongs to: "YH-<district>-<year>-"."""
    return f"{NUMBER_PREFIX}-{district}-{reported_at.astimezone(NUMBER_TIME_ZONE).year}-"


def hazard_number(series: str, sequence: int) -> str:
    return f"{series}{sequence:0{NUMBER_DIGITS}d}"


def number_sequence(number: str) -> int:
    """The sequence part of a number of `hazard_number`'s form."""
    return int(number.rsplit("-", 1)[1])


# --- escalation levels -------------------------------------------------------------------------
ESCALATION_RANK = {"district": 1, "city": 2}


def escalations_due(
    level: str, due_at: datetime, escalated: str | None, now: datetime
) -> tuple[str, ...]:
    """The escalation steps an open hazard of `level`, due at `due_at`, already escalated to
    `escalated` (None: not yet), should have had by `now` and has not: each is written once, under
    `escalation_id`, by whoever sees it first."""
    reached = ESCALATION_RANK.get(escalated or "", 0)
    return tuple(
        step
        for step, after in escalation_steps(level)
        if due_at + after < now and ESCALATION_RANK[step] > reached
    )


# How a hazard was found: the board's "source" filter (seed 000: 巡检发现, 企业自查上报, 投诉举报,
# 监测报警, 人工录入).
ORIGINS: tuple[str, ...] = ("inspection", "self_report", "complaint", "sensor", "manual")
SELF_CHECK = "self_check"  # the inspection kind of an enterprise's own check


def origin_of(declared: str | None, inspection_kind: str | None) -> str:
    """The origin a report declares, else the one its inspection implies (an enterprise's own
    check: a self-report), else entered by hand."""
    if declared is not None:
        return declared
    if inspection_kind is None:
        return "manual"
    return "self_report" if inspection_kind == SELF_CHECK else "inspection"


# Who is told of an escalation (督办, seed 000): the office it goes up to, those below it, and
# the enterprise that must rectify (dashboard/notifier.py delivers it).
ESCALATION_NOTIFIES: dict[str, tuple[str, ...]] = {
    "district": ("district", "enterprise"),
    "city": ("city", "district", "enterprise"),
}
