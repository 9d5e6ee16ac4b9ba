"""Complaints (96511, WeChat, web, QR checks): received, assigned, escalated, replied, closed.
Every status but closed is open."""

from __future__ import annotations

STATUSES: tuple[str, ...] = ("received", "assigned", "escalated", "replied", "closed")
CLOSED = "closed"


def is_open(status: str) -> bool:
    return status != CLOSED
