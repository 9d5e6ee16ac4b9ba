"""Incident statuses: the order an incident moves through, and which statuses are open.

reported → dispatched → en_route (the first team set off) → on_scene (the first team there) →
contained → resolved → closed. An incident only moves forward along PROGRESS (a late report of an
earlier step does not move it back) and closing is final. Every status before closed is open: the
board, the wall, the One Map and their counts all show the incidents in OPEN_STATUSES.
"""

from __future__ import annotations

PROGRESS: tuple[str, ...] = (
    "reported",
    "dispatched",
    "en_route",
    "on_scene",
    "contained",
    "resolved",
    "closed",
)
CLOSED = "closed"
OPEN_STATUSES: tuple[str, ...] = tuple(status for status in PROGRESS if status != CLOSED)


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
