"""The 12-point system (Linhai, seeds/003): when a subject's points suspend it.

Points add up per subject and calendar year; the year is the local one in Asia/Shanghai
(POINTS_TIME_ZONE: China keeps one time zone). At SUSPENSION_POINTS or more in a year the subject
is suspended for the rest of that year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

SUSPENSION_POINTS = 12
POINTS_TIME_ZONE = ZoneInfo("Asia/Shanghai")


def points_year(occurred_at: datetime) -> int:
    """The 12-point year a violation counts in."""
    return occurred_at.astimezone(POINTS_TIME_ZONE).year


def is_suspended(points: int) -> bool:
    return points >= SUSPENSION_POINTS


@dataclass(frozen=True)
class Total:
    """One subject's points in one 12-point year."""

    points: int
    violations: int

    @property
    def suspended(self) -> bool:
        return is_suspended(self.points)


Subject = tuple[str, str]  # (subject_type: enterprise | site | worker, subject_id)


def year_totals(
    violations: Iterable[tuple[str, str, int, datetime]], year: int
) -> dict[Subject, Total]:
    """Points per subject in `year`, from (subject_type, subject_id, points, occurred_at):
    each subject on its own (a worker's points are not its enterprise's), other years left out."""
    points: dict[Subject, int] = {}
    counted: dict[Subject, int] = {}
    for subject_type, subject_id, value, occurred_at in violations:
        if points_year(occurred_at) != year:
            continue
        key = (subject_type, subject_id)
        points[key] = points.get(key, 0) + value
        counted[key] = counted.get(key, 0) + 1
    return {key: Total(points[key], counted[key]) for key in points}
