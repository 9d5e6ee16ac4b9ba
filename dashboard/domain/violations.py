"""The 12-point system (Linhai, seeds/003): when a subject's points suspend it.

Points add up per subject and calendar year; the year is the local one in Asia/Shanghai
(POINTS_TIME_ZONE: China keeps one time zone). At SUSPENSION_POINTS or more in a year the subject
is suspended for the rest of that year.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SUSPENSION_POINTS = 12
POINTS_TIME_ZONE = ZoneInfo("Asia/Shanghai")


def points_year(occurred_at: datetime) -> int:
    """The 12-point year a violation counts in."""
    return occurred_at.astimezone(POINTS_TIME_ZONE).year


def is_suspended(points: int) -> bool:
    return points >= SUSPENSION_POINTS
