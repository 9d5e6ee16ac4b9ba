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


# --- who wrote a timeline entry ---

DESK_SOURCE_PREFIX = "user:"  # a desk user's action (data_access.commands)
SOURCE_ACTOR_PREFIX = "source:"  # a timeline entry written by an ingest source


def update_author(source: str, claimed: str) -> str:
    """Who wrote an incident.update, for the timeline: a desk user's name when a desk wrote
    it, else the ingest source that sent it, marked as a source. The `author` an ingest
    source sends is only a claim: taken as sent, `"duty"` would show as the duty officer."""
    if source.startswith(DESK_SOURCE_PREFIX):
        return claimed
    return f"{SOURCE_ACTOR_PREFIX}{source}"
