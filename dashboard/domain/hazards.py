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
from datetime import datetime, timedelta

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
