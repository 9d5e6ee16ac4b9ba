"""The hazard closed loop (隐患闭环): assigned, rectifying, rectified, verified, closed.

Wuhan's platform turns failed inspection items into hazards automatically, then the district gas
office assigns them, the responsible enterprise (or user) rectifies and uploads photos, the office
verifies and closes them (销号); overdue ones are escalated (督办) by the system (seeds/000). The
simulators send the people's part as `hazard.updated` from the field app; escalation is a system
event and never sent.

Timing: most hazards are rectified before their due date (`due_at`, in occurred_at time, the
frame the system judges lateness in); LATE_SHARE of them only some days after it, so the
system's overdue rules fire; REOPEN_SHARE fail their verification once (reopened, rectified
again). NEVER_SHARE are never rectified: the enterprise starts and stops there, so the hazard
stays open, goes overdue and is escalated to the district and then the city (the rules runner).
The other steps take hours to days of simulated time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulators.clock import DAY, HOUR
from simulators.core import FIELD_APP

if TYPE_CHECKING:
    from simulators.city import City

LATE_SHARE = 0.12
LATE_DAYS = (0.3, 3.0)  # how long after the due date a late hazard is rectified
REOPEN_SHARE = 0.08
NEVER_SHARE = 0.06

NOTES = {
    "assigned": "已下发整改通知，责任单位限期整改",
    "rectifying": "已制定整改方案，正在整改",
    "rectified": "整改完成，已上传整改照片",
    "verified": "复查合格",
    "reopened": "复查不合格，退回重新整改",
    "closed": "隐患销号",
}


class HazardDesk:
    """Plays every tracked hazard's loop as `hazard.updated` events from the field app."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.rng = city.rng("hazards")
        self.tracked = 0
        # The backfill's history lets more hazards run late, and longer (simulators/backfill.py).
        self.late_share, self.late_days = LATE_SHARE, LATE_DAYS
        self.never_share = NEVER_SHARE

    def track(
        self,
        t: float,
        hazard_id: str,
        due_occurred: float,
        responsible: str,
        officer: str,
        requires: str | None = None,
        district: str | None = None,
    ) -> None:
        """Schedule the loop of a hazard reported at `t`, due at occurred_at `due_occurred`.

        `requires` is the gate of the event that creates the hazard (the inspection, or our own
        report): a frame refused for rate limiting is sent again after frames already in
        flight, so without the gate an update could reach the gateway before its hazard.
        `district`: whose rectification speed (simulators/district_traits.py) applies."""
        rng, city = self.rng, self.city
        self.tracked += 1
        slowness = city.traits.district(district).rectification
        late = rng.random() < min(self.late_share * slowness, 0.85)
        reopen = rng.random() < REOPEN_SHARE
        never = rng.random() < min(self.never_share * slowness, 0.5)
        due = city.clock.sim_of_occurred(due_occurred)
        assigned = t + rng.uniform(0.5, 4.0) * HOUR
        rectifying = assigned + rng.uniform(0.5, 2.0) * DAY
        if never:
            self._emit(hazard_id, [(assigned, "assigned", officer)], requires)
            if rng.random() < 0.5:  # a start, then nothing
                self._emit(hazard_id, [(rectifying, "rectifying", responsible)], requires)
            return
        if late:
            after_due = city.clock.sim_of_occurred(
                due_occurred + rng.uniform(*self.late_days) * DAY
            )
            rectified = max(after_due, rectifying + HOUR)
        else:
            rectified = rectifying + rng.uniform(0.5, 3.0) * DAY
            if rectified > due - HOUR:  # on time means on time
                rectified = max(rectifying + (due - rectifying) * 0.8, rectifying + 600.0)
        steps: list[tuple[float, str, str]] = [
            (assigned, "assigned", officer),
            (rectifying, "rectifying", responsible),
            (rectified, "rectified", responsible),
        ]
        checked = rectified + rng.uniform(0.5, 2.0) * DAY
        if reopen:
            again = checked + rng.uniform(0.2, 1.0) * DAY
            fixed = again + rng.uniform(1.0, 3.0) * DAY
            steps += [
                (checked, "reopened", officer),
                (again, "rectifying", responsible),
                (fixed, "rectified", responsible),
            ]
            checked = fixed + rng.uniform(0.5, 2.0) * DAY
        steps += [
            (checked, "verified", officer),
            (checked + rng.uniform(0.0, 1.0) * DAY, "closed", officer),
        ]
        self._emit(hazard_id, steps, requires)

    def _emit(
        self, hazard_id: str, steps: list[tuple[float, str, str]], requires: str | None
    ) -> None:
        city = self.city
        for when, status, actor in steps:
            data: dict[str, Any] = {
                "hazard_id": hazard_id,
                "status": status,
                "actor": actor,
                "note": NOTES[status],
            }
            if status == "rectified":
                taken = city.occurred_local(when).strftime("%Y-%m-%d %H:%M")
                data["photos"] = [city.photos.ref("rectified", hazard_id, actor, taken)]
            city.emit(when, FIELD_APP, "hazard.updated", data, requires=requires)
