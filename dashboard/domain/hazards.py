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
