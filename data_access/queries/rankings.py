"""Queries behind the rankings (/rankings, the One Map's safety-index theme, the wall's ranking
panel, the exports): the counts each scoring model reads for a period, per district and per
enterprise, and the objects behind every count (the drill-down). The models themselves are
dashboard/domain/scoring.py; these functions only count and then call them.

Counts for a period [since, until) (Period.bounds(); `until` is cut at `now` for the current one),
in the user's scope (data_access/scope.py):
- inspection_coverage: objects due (dashboard/domain/coverage.py: enterprises, sites, commercial
  and industrial customers, as registered now) / of those, inspected at least once in the period
  by a counted kind;
- on_time_rectification: hazards whose due time fell in the period and has passed / of those,
  closed by it;
- hazard_closure: hazards reported in the period / of those, closed by the period's end;
- cylinder_traceability: deliveries (daily_tallies "deliveries") / "traceable_deliveries";
- safety_checks: deliveries / "checked_deliveries" (capped at the deliveries);
- emergency_response: incidents reported in the period and judged
  (dashboard/domain/response.py) / of those, met;
- complaint_handling: complaints due in the period (due time in it and passed, or closed in it) /
  the sum, over those closed by their due time, of satisfaction / best (unrated: `unrated`);
- deductions: black_cylinders: findings "black_cylinder" raised in the period; major hazards
  overdue: major hazards open past their due time at the period's end.

Everything a count depends on is stamped with its time, so a past period's counts do not change
as the log grows, and recomputing it under another version of the weights changes only what the
weights change.

THIS MODULE IS A CONTRACT WRITTEN BY THE LEAD: the dataclasses and signatures below are what
pages, exports, the screen and the map code against. The helper that owns it implements them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from dashboard.domain.roles import Scope
from dashboard.domain.scoring import (
    DistrictCounts,
    DistrictIndex,
    EnterpriseCounts,
    EnterpriseScore,
    Period,
    RedBlackLists,
    ScoringConfig,
)

OBJECTS_PAGE = 50


@dataclass(frozen=True, slots=True)
class DistrictScoreRow:
    code: str
    name_zh: str
    name_en: str
    counts: DistrictCounts
    score: DistrictIndex  # index, band, components, deductions, version
    rank: int | None  # 1 = best; equal indexes share a rank
    previous: float | None  # the previous period's index (same version)
    change: float | None  # index - previous
    previous_rank: int | None


@dataclass(frozen=True, slots=True)
class DistrictRanking:
    period: Period
    previous_period: Period
    version: str  # the configuration's version the scores were computed with
    rows: list[DistrictScoreRow]  # best first, districts without an index last
    city_index: float | None  # the mean of the districts' indexes


@dataclass(frozen=True, slots=True)
class TrendPoint:
    period: Period
    index: float | None
    rank: int | None


@dataclass(frozen=True, slots=True)
class EnterpriseScoreRow:
    id: str
    name: str
    kind: str  # the enterprise's kind (registry)
    district: str | None
    counts: EnterpriseCounts
    score: EnterpriseScore
    rank: int | None  # by score.score, 1 = best
    on_red_list: bool
    on_black_list: bool


@dataclass(frozen=True, slots=True)
class EnterpriseRanking:
    period: Period
    version: str
    rows: list[EnterpriseScoreRow]  # best first
    lists: RedBlackLists  # enterprise ids
    overdue: list[str]  # enterprise ids whose last inspection is older than their frequency


@dataclass(frozen=True, slots=True)
class PointsRow:
    """One subject's 12-point total for a year (dashboard/domain/violations.py)."""

    subject_type: str  # enterprise | site | worker
    subject_id: str
    name: str
    enterprise_id: str | None
    points: int
    violations: int
    suspended: bool


@dataclass(frozen=True, slots=True)
class CountObject:
    """An object behind a count: a hazard, inspection, incident, complaint, finding, object due
    or a day's tally; `href` opens its own page (None when it has none)."""

    kind: str  # hazard | inspection | incident | complaint | finding | enterprise | site |
    #            customer | tally
    id: str
    label: str  # its number or name, as its own page heads it
    district: str | None
    enterprise_id: str | None
    at: datetime | None  # when it happened (reported, inspected, ...)
    counted: bool  # whether it is in the numerator (else only in the denominator)
    href: str | None


@dataclass(frozen=True, slots=True)
class CountObjects:
    rows: list[CountObject]
    total: int
    page: int


def district_counts(
    engine: Engine, scope: Scope, period: Period, now: datetime
) -> dict[str, DistrictCounts]:
    """Every district's counts (module docstring) for the period, by district code."""
    raise NotImplementedError


def district_ranking(
    engine: Engine, scope: Scope, period: Period, config: ScoringConfig, now: datetime
) -> DistrictRanking:
    """The districts ranked by their index for the period, with the previous period's index and
    rank computed under the same configuration. Cached (data_access/cache.py) per scope, period
    and version while the log does not change."""
    raise NotImplementedError


def district_trend(
    engine: Engine,
    scope: Scope,
    period: Period,
    config: ScoringConfig,
    now: datetime,
    quarters: int = 4,
) -> dict[str, list[TrendPoint]]:
    """Each district's index over the `quarters` quarters ending with the one `period` starts
    in, oldest first."""
    raise NotImplementedError


def enterprise_ranking(
    engine: Engine,
    scope: Scope,
    period: Period,
    config: ScoringConfig,
    now: datetime,
    kind: str | None = None,
) -> EnterpriseRanking:
    """Every enterprise in scope scored for the period (of `kind` only, if given), best first,
    with the red and black lists and the enterprises overdue an inspection."""
    raise NotImplementedError


def points_totals(engine: Engine, scope: Scope, year: int) -> list[PointsRow]:
    """The 12-point totals of the year for enterprises, sites and workers, highest first."""
    raise NotImplementedError


def count_objects(
    engine: Engine,
    scope: Scope,
    period: Period,
    now: datetime,
    district: str,
    measure: str,
    page: int = 1,
) -> CountObjects:
    """The objects behind one count of a district: `measure` is a component of COMPONENTS (its
    denominator's objects, each marked `counted` when also in the numerator) or a deduction of
    DEDUCTIONS. Out-of-scope districts give nothing."""
    raise NotImplementedError
