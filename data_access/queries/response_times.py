"""Response-time statistics: per district and calendar month (city zone), how fast the first
team got on scene, against the 20-minute target.

One narrow query (district and three times per incident reported in the period, open and closed
alike); the grouping and the arithmetic (dashboard/domain/response.py) run here in Python.
Incidents are a few hundred a month even at Wuhan's scale, and medians and percentiles in two
SQL dialects would say the same thing less clearly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, select

from dashboard.domain.response import (
    EMPTY_STATS,
    Month,
    ResponseCase,
    ResponseStats,
    month_of,
    month_start,
    shift_month,
    summarize,
)
from dashboard.domain.roles import Scope
from data_access.cache import cached
from data_access.models import Incident
from data_access.scope import scoped

TABLE_CACHE_S = 60  # statistics of past months hardly move; the current one may wait a minute


@dataclass(frozen=True, slots=True)
class ResponseTable:
    months: tuple[Month, ...]
    total: ResponseStats  # the whole period, every district in scope
    by_district: dict[str | None, ResponseStats]  # the whole period
    by_month: dict[Month, ResponseStats]  # every district in scope
    cells: dict[tuple[str | None, Month], ResponseStats] = field(default_factory=dict)

    def district(self, code: str | None) -> ResponseStats:
        return self.by_district.get(code, EMPTY_STATS)

    def month(self, month: Month) -> ResponseStats:
        return self.by_month.get(month, EMPTY_STATS)

    def cell(self, code: str | None, month: Month) -> ResponseStats:
        return self.cells.get((code, month), EMPTY_STATS)


def response_cases(
    engine: Engine, scope: Scope, start: datetime, end: datetime
) -> list[tuple[str | None, ResponseCase]]:
    """(district, times) of every incident in scope reported in [start, end)."""
    query = scoped(
        select(
            Incident.district, Incident.reported_at, Incident.on_scene_at, Incident.closed_at
        ).where(Incident.reported_at >= start, Incident.reported_at < end),
        scope,
        Incident,
    )
    with engine.connect() as connection:
        return [
            (district, ResponseCase(reported, on_scene, closed))
            for district, reported, on_scene, closed in connection.execute(query)
        ]


@cached(TABLE_CACHE_S, key=lambda scope, months, now, time_zone: (scope, tuple(months), time_zone))
def response_table(
    engine: Engine, scope: Scope, months: Sequence[Month], now: datetime, time_zone: str
) -> ResponseTable:
    """Statistics over `months` (consecutive, oldest first), as of `now` (kept a minute: the
    minute's first reader's `now` serves the others)."""
    if not months:
        return ResponseTable((), EMPTY_STATS, {}, {})
    start = month_start(months[0], time_zone)
    end = month_start(shift_month(months[-1], 1), time_zone)
    cases = response_cases(engine, scope, start, end)
    by_district: dict[str | None, list[ResponseCase]] = defaultdict(list)
    by_month: dict[Month, list[ResponseCase]] = defaultdict(list)
    cells: dict[tuple[str | None, Month], list[ResponseCase]] = defaultdict(list)
    for district, case in cases:
        month = month_of(case.reported_at, time_zone)
        by_district[district].append(case)
        by_month[month].append(case)
        cells[(district, month)].append(case)
    return ResponseTable(
        months=tuple(months),
        total=summarize((case for _, case in cases), now),
        by_district={code: summarize(group, now) for code, group in by_district.items()},
        by_month={month: summarize(group, now) for month, group in by_month.items()},
        cells={key: summarize(group, now) for key, group in cells.items()},
    )
