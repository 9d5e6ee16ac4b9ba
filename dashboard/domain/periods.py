"""The city's calendar: "today" and "this quarter" begin at local midnight, in the city's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Periods:
    now: datetime  # aware UTC
    day_start: datetime  # local midnight today, as aware UTC
    quarter_start: datetime  # local midnight on the quarter's first day, as aware UTC
    today: date  # the city's calendar day


def city_periods(now: datetime, time_zone: str) -> Periods:
    local = now.astimezone(ZoneInfo(time_zone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    quarter_month = 3 * ((local.month - 1) // 3) + 1
    quarter = midnight.replace(month=quarter_month, day=1)
    return Periods(
        now.astimezone(UTC), midnight.astimezone(UTC), quarter.astimezone(UTC), local.date()
    )
