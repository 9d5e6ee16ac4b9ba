"""Response-time arithmetic: the 20-minute target and when an incident is late, minutes from
report to first team on scene, compliance and percentiles, and the city's calendar months. Pure:
no Dash, no database.

Wuhan's rule (seeds/000, part 2.3, "20分钟内到场"): a team on scene within 20 minutes of the
report, and "within" includes 20:00. Clocks show whole seconds, so the rule is stated in whole
seconds: an incident is late when the whole seconds from the report to the first team on scene
(or to now, while no team is there) exceed RESPONSE_TARGET_S (1,200). A clock showing 20:00 is
still in time; one showing 20:01 is late (`is_late`). In SQL: late iff reported_at <= now - LATE_AT
(1,201 s). The browser gets the same number from the page (dashboard/domain/browser.py).

An incident is *judged* once it can no longer change its verdict: a team got there (met, or missed
when late), or it became late without one (missed, even while still open). One closed in time
without any team on scene (a false alarm called off) is not judged. Compliance is the share of
judged incidents that met the target, the same rule as the big screen's "on scene within 20
minutes" column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

RESPONSE_TARGET_S = 1200  # a team on scene within 20 minutes of the report, 20:00 included
RESPONSE_TARGET_MIN = RESPONSE_TARGET_S / 60  # the same target, for charts and dispatch ETAs
# Late from the 1,201st whole second on. For SQL: late iff reported_at <= now - LATE_AT.
LATE_AT = timedelta(seconds=RESPONSE_TARGET_S + 1)


class Verdict(StrEnum):
    MET = "met"  # first team on scene within the target
    MISSED = "missed"  # on scene late, or the target passed with no team there
    PENDING = "pending"  # open, no team yet, the target not passed yet
    NO_TEAM = "no_team"  # closed within the target without a team on scene: not judged


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    """Minutes from `start` to `end`, never negative (a field app's clock may run a little
    behind the desk's); None when either is missing."""
    seconds = seconds_between(start, end)
    return None if seconds is None else seconds / 60.0


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from `start` to `end`, never negative; None when either is missing."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def is_late(elapsed_seconds: float) -> bool:
    """Past the target in whole seconds, as a clock shows them: 20:00 is in time, 20:01 late."""
    return int(elapsed_seconds) > RESPONSE_TARGET_S


def response_late(reported_at: datetime, on_scene_at: datetime | None, now: datetime) -> bool:
    """Late to the first team on scene, or to now while no team is there: the red clock."""
    return is_late(seconds_between(reported_at, on_scene_at or now) or 0.0)


def late_without_team(reported_at: datetime, on_scene_at: datetime | None, now: datetime) -> bool:
    """Late with no team on scene yet: a breach someone must act on now."""
    return on_scene_at is None and response_late(reported_at, None, now)


def verdict(
    reported_at: datetime,
    on_scene_at: datetime | None,
    now: datetime,
    closed_at: datetime | None = None,
) -> Verdict:
    """Where an incident stands against the target at `now`."""
    arrived = seconds_between(reported_at, on_scene_at)
    if arrived is not None:
        return Verdict.MISSED if is_late(arrived) else Verdict.MET
    waited = seconds_between(reported_at, closed_at or now) or 0.0
    if is_late(waited):
        return Verdict.MISSED
    return Verdict.NO_TEAM if closed_at is not None else Verdict.PENDING


@dataclass(frozen=True)
class IncidentResponse:
    """One incident's response times, in minutes from the report."""

    to_dispatch: float | None
    to_en_route: float | None
    to_on_scene: float | None
    to_close: float | None
    verdict: Verdict


def incident_response(
    reported_at: datetime,
    dispatched_at: datetime | None,
    en_route_at: datetime | None,
    on_scene_at: datetime | None,
    closed_at: datetime | None,
    now: datetime,
) -> IncidentResponse:
    return IncidentResponse(
        to_dispatch=minutes_between(reported_at, dispatched_at),
        to_en_route=minutes_between(reported_at, en_route_at),
        to_on_scene=minutes_between(reported_at, on_scene_at),
        to_close=minutes_between(reported_at, closed_at),
        verdict=verdict(reported_at, on_scene_at, now, closed_at),
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks, as numpy's
    default and PostgreSQL's percentile_cont compute it; None for no values."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def compliance(on_time: int, judged: int) -> float | None:
    """Share (0..1) of judged incidents on scene in time; None when none was judged."""
    return None if judged == 0 else on_time / judged


@dataclass(frozen=True)
class ResponseCase:
    """The three times the statistics need from one incident (aware datetimes)."""

    reported_at: datetime
    on_scene_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class ResponseStats:
    count: int  # incidents reported
    arrived: int  # with a team on scene
    median_min: float | None  # report to first team on scene, over those that arrived
    p90_min: float | None
    on_time: int  # on scene within the target
    judged: int  # see the module's docstring
    waiting: int  # still open with no team on scene yet
    breaches: int  # judged and missed: late, or no team within the target

    @property
    def compliance(self) -> float | None:
        return compliance(self.on_time, self.judged)


EMPTY_STATS = ResponseStats(0, 0, None, None, 0, 0, 0, 0)


def summarize(cases: Iterable[ResponseCase], now: datetime) -> ResponseStats:
    minutes: list[float] = []
    count = on_time = judged = waiting = 0
    for case in cases:
        count += 1
        arrived = minutes_between(case.reported_at, case.on_scene_at)
        if arrived is not None:
            minutes.append(arrived)
        elif case.closed_at is None:
            waiting += 1
        outcome = verdict(case.reported_at, case.on_scene_at, now, case.closed_at)
        judged += outcome in (Verdict.MET, Verdict.MISSED)
        on_time += outcome is Verdict.MET
    return ResponseStats(
        count=count,
        arrived=len(minutes),
        median_min=percentile(minutes, 50),
        p90_min=percentile(minutes, 90),
        on_time=on_time,
        judged=judged,
        waiting=waiting,
        breaches=judged - on_time,
    )


# --- the city's months ----------------------------------------------------------------------

Month = str  # "YYYY-MM", a calendar month in the city's zone


def month_of(when: datetime, time_zone: str) -> Month:
    local = when.astimezone(ZoneInfo(time_zone))
    return f"{local.year:04d}-{local.month:02d}"


def _parts(month: Month) -> tuple[int, int]:
    year, number = month.split("-")
    if not (len(year) == 4 and len(number) == 2 and 1 <= int(number) <= 12):
        raise ValueError(f"not a month (YYYY-MM): {month!r}")
    return int(year), int(number)


def shift_month(month: Month, by: int) -> Month:
    year, number = _parts(month)
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included; empty when `last` comes first."""
    months: list[Month] = []
    current = first
    _parts(last)
    while current <= last:  # "YYYY-MM" sorts as the calendar does
        months.append(current)
        current = shift_month(current, 1)
    return months


def month_start(month: Month, time_zone: str) -> datetime:
    """Local midnight on the month's first day, as aware UTC."""
    year, number = _parts(month)
    return datetime(year, number, 1, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def recent_months(now: datetime, time_zone: str, count: int) -> list[Month]:
    """The last `count` months up to and including the current one, oldest first."""
    current = month_of(now, time_zone)
    return months_between(shift_month(current, 1 - count), current)
