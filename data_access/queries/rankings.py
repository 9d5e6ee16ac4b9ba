"""Queries behind the rankings (/rankings, the One Map's safety-index theme, the wall's ranking
panel, the exports): the counts each scoring model reads for a period, per district and per
enterprise, and the objects behind every count (the drill-down). The models themselves are
dashboard/domain/scoring.py; these functions only count and then call them.

Counts for a period [since, until) (Period.bounds(); `until` is cut at `now` for the current one),
in the user's scope (data_access/scope.py):
- inspection_coverage: objects due (dashboard/domain/coverage.py: enterprises, sites, commercial
  and industrial customers, as registered now) / of those, inspected at least once in the period
  by a counted kind; it does not apply in a period without a single counted inspection in the
  whole city (a period before the records began, not one of 0 % coverage);
- on_time_rectification: hazards whose due time fell in the period and has passed / of those,
  closed by it;
- hazard_closure: hazards reported in the period / of those, closed by the period's end;
- cylinder_traceability: deliveries (daily_tallies "deliveries") / "traceable_deliveries";
- safety_checks: deliveries / "checked_deliveries" (capped at the deliveries);
- emergency_response: incidents reported in the period and judged
  (dashboard/domain/response.py, judged now: a verdict is final 20 minutes after the report) /
  of those, met;
- complaint_handling: complaints settled in the period: closed by their due time (settled when
  closed) or not (settled at their due time, late), so that each counts in one period only /
  the sum, over those closed by their due time, of satisfaction / best (unrated: `unrated`);
- deductions: black_cylinders: findings "black_cylinder" raised in the period; major hazards
  overdue: major hazards open past their due time at the period's end.

Everything a count depends on is stamped with its time, so a past period's counts do not change
as the log grows (but for a hazard re-dated later, and the objects due, which are the registry as
it is now), and recomputing it under another version of the weights changes only what the
weights change.

Enterprise counts (enterprise_counts): sales, real-name sales, deliveries and whole chains from
daily_tallies; hazards (responsible enterprise) reported in the period, and the major ones;
incidents 0 (an incident names no enterprise); violation points in the period of the enterprise,
its sites and workers; year_points: the enterprise's own in the 12-point year the period ends in,
before its end; failed authority inspections of the enterprise or its sites in the period; the
last authority inspection of either before the period's end. docs/rankings.md, "Counts".

THIS MODULE IS A CONTRACT WRITTEN BY THE LEAD: the dataclasses and signatures below are what
pages, exports, the screen and the map code against. The helper that owns it implements them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    true,
)

from dashboard.domain.coverage import (
    COUNTED_KINDS,
    CUSTOMER_TARGET_TYPE,
    SUPERVISED_CUSTOMER_KINDS,
)
from dashboard.domain.response import Verdict, verdict
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.domain.scoring import (
    COMPONENTS,
    DEDUCTIONS,
    TALLY_MEASURES,
    ComplaintSatisfaction,
    DistrictCounts,
    DistrictIndex,
    EnterpriseCounts,
    EnterpriseScore,
    Period,
    Rate,
    RedBlackLists,
    ScoringConfig,
    district_index,
    enterprise_score,
    last_quarters,
    local_day,
    local_midnight,
    overdue_inspections,
    rank,
    red_black_lists,
    totals,
)
from dashboard.domain.violations import year_totals
from data_access.cache import cached
from data_access.models import (
    Complaint,
    Customer,
    DailyTally,
    District,
    Enterprise,
    Finding,
    Hazard,
    Incident,
    InspectionRecord,
    Site,
    Violation,
    Worker,
)
from data_access.projections.batch import chunks
from data_access.projections.findings import BLACK
from data_access.queries.map_layers import objects_due, objects_inspected
from data_access.scope import scoped

OBJECTS_PAGE = 50
MAJOR = "major"  # a hazard's level (HazardReported.level: general | major)


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
    # a day's tally only: its numerator and denominator (e.g. 12 traceable of 15 deliveries)
    numerator: float | None = None
    denominator: int | None = None


@dataclass(frozen=True, slots=True)
class CountObjects:
    rows: list[CountObject]
    total: int
    page: int


# --- the counts ------------------------------------------------------------------------------

RANKING_CACHE_S = 300  # kept until the log grows (follows_log), at most five minutes
_TICK = timedelta(microseconds=1)  # [since, until) for the helpers that take `until` inclusive
COUNTED_KINDS_OF_INSPECTION = COUNTED_KINDS


def period_bounds(period: Period, now: datetime) -> tuple[datetime, datetime]:
    """The period as UTC [since, until), `until` cut at `now` (a current or future period)."""
    since, until = period.bounds()
    return since, max(since, min(until, now))


def district_counts(
    engine: Engine,
    scope: Scope,
    period: Period,
    now: datetime,
    satisfaction: ComplaintSatisfaction | None = None,
) -> dict[str, DistrictCounts]:
    """Every district's counts (module docstring) for the period, by district code; complaints
    closed in time weighted by `satisfaction` (the config's; default: the shipped rule). An
    enterprise's scope has none: the districts' comparison is the authorities'."""
    if scope.enterprise_id is not None:
        return {}
    since, until = period_bounds(period, now)
    rule = satisfaction or ComplaintSatisfaction()
    with engine.connect() as connection:
        codes = _district_codes(connection, scope)
        if until <= since:  # not begun: nothing is due yet, so no component applies
            nothing = DistrictCounts(
                dict.fromkeys(COMPONENTS, Rate(0, 0)), dict.fromkeys(DEDUCTIONS, 0)
            )
            return dict.fromkeys(codes, nothing)
        rates: dict[str, dict[str, Rate]] = {code: {} for code in codes}
        deductions: dict[str, dict[str, int]] = {code: {} for code in codes}

        def put(name: str, found: Mapping[str, Rate]) -> None:
            for code in codes:
                rates[code][name] = found.get(code, Rate(0, 0))

        due = objects_due(connection, scope, "district")
        inspected = objects_inspected(connection, scope, "district", since, until - _TICK)
        if any(inspected.values()) or _any_inspection(connection, since, until):
            put(
                "inspection_coverage",
                {c: Rate(min(inspected.get(c, 0), n), n) for c, n in due.items()},
            )
        else:  # nobody in the city inspected anything: a period before the records, not 0 %
            put("inspection_coverage", {})
        put("on_time_rectification", _on_time(connection, scope, since, until))
        put("hazard_closure", _closure(connection, scope, since, until))
        tallied = _tallies_by_district(connection, scope, period)
        put("cylinder_traceability", _tally_rate(tallied, "traceable_deliveries"))
        put("safety_checks", _tally_rate(tallied, "checked_deliveries"))
        put("emergency_response", _response(connection, scope, since, until, now))
        put("complaint_handling", _complaints(connection, scope, since, until, rule))
        for name, found in (
            ("black_cylinders", _black_cylinders(connection, scope, since, until)),
            ("major_hazards_overdue", _major_overdue(connection, scope, until)),
        ):
            for code in codes:
                deductions[code][name] = found.get(code, 0)
    return {code: DistrictCounts(rates[code], deductions[code]) for code in codes}


def _any_inspection(connection: Connection, since: datetime, until: datetime) -> bool:
    """Whether the log holds any counted inspection in the city in [since, until): unscoped, as
    it only tells whether the period has records at all."""
    found = select(InspectionRecord.id).where(
        InspectionRecord.kind.in_(COUNTED_KINDS),
        InspectionRecord.occurred_at >= since,
        InspectionRecord.occurred_at < until,
    )
    return connection.execute(found.limit(1)).first() is not None


def _district_codes(connection: Connection, scope: Scope) -> list[str]:
    query = scoped(select(District.code), scope, District).order_by(District.code)
    return list(connection.scalars(query))


def _grouped(connection: Connection, query: Select[Any]) -> dict[str, Rate]:
    """(district, denominator, numerator) rows as rates by district."""
    return {
        code: Rate(float(numerator or 0), int(denominator))
        for code, denominator, numerator in connection.execute(query)
        if code is not None
    }


def _tally(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _closed_by(moment: Any) -> ColumnElement[bool]:
    return and_(Hazard.closed_at.is_not(None), Hazard.closed_at <= moment)


def _due_in(since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(Hazard.due_at >= since, Hazard.due_at < until)


def _reported_in(since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(Hazard.reported_at >= since, Hazard.reported_at < until)


def _closed_before(until: datetime) -> ColumnElement[bool]:
    return and_(Hazard.closed_at.is_not(None), Hazard.closed_at < until)


def _on_time(
    connection: Connection, scope: Scope, since: datetime, until: datetime
) -> dict[str, Rate]:
    query = (
        select(Hazard.district, func.count(), _tally(_closed_by(Hazard.due_at)))
        .where(_due_in(since, until))
        .group_by(Hazard.district)
    )
    return _grouped(connection, scoped(query, scope, Hazard))


def _closure(
    connection: Connection, scope: Scope, since: datetime, until: datetime
) -> dict[str, Rate]:
    query = (
        select(Hazard.district, func.count(), _tally(_closed_before(until)))
        .where(_reported_in(since, until))
        .group_by(Hazard.district)
    )
    return _grouped(connection, scoped(query, scope, Hazard))


def _major_overdue_condition(until: datetime) -> ColumnElement[bool]:
    """A major hazard reported before `until`, due before it and still open at it."""
    return and_(
        Hazard.level == MAJOR,
        Hazard.reported_at < until,
        Hazard.due_at < until,
        or_(Hazard.closed_at.is_(None), Hazard.closed_at >= until),
    )


def _major_overdue(connection: Connection, scope: Scope, until: datetime) -> dict[str, int]:
    query = (
        select(Hazard.district, func.count())
        .where(_major_overdue_condition(until))
        .group_by(Hazard.district)
    )
    return {c: int(n) for c, n in connection.execute(scoped(query, scope, Hazard)) if c}


def _black_condition(since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(Finding.kind == BLACK, Finding.occurred_at >= since, Finding.occurred_at < until)


def _black_cylinders(
    connection: Connection, scope: Scope, since: datetime, until: datetime
) -> dict[str, int]:
    query = (
        select(Finding.district, func.count())
        .where(_black_condition(since, until))
        .group_by(Finding.district)
    )
    return {c: int(n) for c, n in connection.execute(scoped(query, scope, Finding)) if c}


def _tally_days(period: Period) -> ColumnElement[bool]:
    return and_(DailyTally.day >= period.start, DailyTally.day < period.end)


def _tallies_by_district(
    connection: Connection, scope: Scope, period: Period
) -> dict[str, dict[str, int]]:
    """measure sums per district over the period's days (the days are local, as the period's)."""
    query = (
        select(DailyTally.district, DailyTally.measure, func.sum(DailyTally.count))
        .where(_tally_days(period), DailyTally.measure.in_(TALLY_MEASURES))
        .group_by(DailyTally.district, DailyTally.measure)
    )
    found: dict[str, dict[str, int]] = {}
    for code, measure, total in connection.execute(scoped(query, scope, DailyTally)):
        found.setdefault(code, {})[measure] = int(total or 0)
    return found


def _tally_rate(tallied: Mapping[str, Mapping[str, int]], measure: str) -> dict[str, Rate]:
    """`measure` of the deliveries, per district (never more than the deliveries)."""
    rates = {}
    for code, sums in tallied.items():
        deliveries = sums.get("deliveries", 0)
        rates[code] = Rate(min(sums.get(measure, 0), deliveries), deliveries)
    return rates


def _incidents(
    connection: Connection, scope: Scope, since: datetime, until: datetime, district: str | None
) -> list[Any]:
    """(id, district, address, reported, on scene, closed) of the incidents reported in
    [since, until): a few hundred a quarter at Wuhan's scale, judged here by the domain's rule."""
    query = select(
        Incident.id,
        Incident.district,
        Incident.address,
        Incident.reported_at,
        Incident.on_scene_at,
        Incident.closed_at,
    ).where(Incident.reported_at >= since, Incident.reported_at < until)
    if district is not None:
        query = query.where(Incident.district == district)
    return list(connection.execute(scoped(query, scope, Incident).order_by(Incident.reported_at)))


def _judged(row: Any, now: datetime) -> Verdict | None:
    """The incident's verdict when judged (met or missed), else None."""
    outcome = verdict(row.reported_at, row.on_scene_at, now, row.closed_at)
    return outcome if outcome in (Verdict.MET, Verdict.MISSED) else None


def _response(
    connection: Connection, scope: Scope, since: datetime, until: datetime, now: datetime
) -> dict[str, Rate]:
    judged: Counter[str] = Counter()
    met: Counter[str] = Counter()
    for row in _incidents(connection, scope, since, until, None):
        outcome = _judged(row, now)
        if row.district is None or outcome is None:
            continue
        judged[row.district] += 1
        met[row.district] += outcome is Verdict.MET
    return {code: Rate(met[code], n) for code, n in judged.items()}


# A complaint counts once, in the period it was settled in: when it was closed if closed by its
# due time, else at its due time (it was late from then on, whenever it was closed).
_ON_TIME = and_(Complaint.closed_at.is_not(None), Complaint.closed_at <= Complaint.due_at)


def _settled_in(since: datetime, until: datetime) -> ColumnElement[bool]:
    settled = case((_ON_TIME, Complaint.closed_at), else_=Complaint.due_at)
    # settled at or after `since` means due at or after it too: the index on due_at narrows it
    return and_(Complaint.due_at >= since, settled >= since, settled < until)


def _complaints(
    connection: Connection,
    scope: Scope,
    since: datetime,
    until: datetime,
    rule: ComplaintSatisfaction,
) -> dict[str, Rate]:
    # Summed here, not by GROUP BY: for one, SQLite would walk the district index and read every
    # complaint ever received (a year of Wuhan's: 4x slower than the due-time range's rows).
    on_time = case((_ON_TIME, 1), else_=0)
    query = select(Complaint.district, on_time, Complaint.satisfaction).where(
        _settled_in(since, until)
    )
    due: Counter[str] = Counter()
    weighted: defaultdict[str, float] = defaultdict(float)
    for code, in_time, satisfaction in connection.execute(scoped(query, scope, Complaint)):
        due[code] += 1
        if in_time:
            weighted[code] += _satisfaction_weight(satisfaction, rule)
    return {code: Rate(round(weighted[code], 6), n) for code, n in due.items()}


def _satisfaction_weight(satisfaction: int | None, rule: ComplaintSatisfaction) -> float:
    value = rule.unrated if satisfaction is None else satisfaction
    return min(1.0, max(0.0, value / rule.best))


# --- the district ranking ---------------------------------------------------------------------


@cached(
    RANKING_CACHE_S,
    key=lambda scope, period, config, now: (scope, period, config.version),
    follows_log=True,
)
def _district_scores(
    engine: Engine, scope: Scope, period: Period, config: ScoringConfig, now: datetime
) -> dict[str, tuple[DistrictCounts, DistrictIndex]]:
    counts = district_counts(engine, scope, period, now, config.district.complaint_satisfaction)
    return {code: (c, district_index(c, config)) for code, c in counts.items()}


@cached(
    RANKING_CACHE_S,
    key=lambda scope, period, config, now: (scope, period, config.version),
    follows_log=True,
)
def district_ranking(
    engine: Engine, scope: Scope, period: Period, config: ScoringConfig, now: datetime
) -> DistrictRanking:
    """The districts ranked by their index for the period, with the previous period's index and
    rank computed under the same configuration. Cached (data_access/cache.py) per scope, period
    and version while the log does not change.

    The ranks are the city's: a district officer gets their own district's row with its place
    among all the districts (the assessment compares districts); an enterprise gets no rows."""
    previous_period = period.previous()
    if scope.enterprise_id is not None:
        return DistrictRanking(period, previous_period, config.version, [], None)
    current = _district_scores(engine, CITYWIDE, period, config, now)
    previous = _district_scores(engine, CITYWIDE, previous_period, config, now)
    ranked = rank(
        {code: score.index for code, (_, score) in current.items()},
        {code: score.index for code, (_, score) in previous.items()},
    )
    names = _district_names(engine)
    rows = [
        DistrictScoreRow(
            code=r.key,
            name_zh=names[r.key][0],
            name_en=names[r.key][1],
            counts=current[r.key][0],
            score=current[r.key][1],
            rank=r.rank,
            previous=r.previous,
            change=r.change,
            previous_rank=r.previous_rank,
        )
        for r in ranked
        if scope.district is None or r.key == scope.district
    ]
    city = totals(score.index for _, score in current.values())
    return DistrictRanking(period, previous_period, config.version, rows, city)


def _district_names(engine: Engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as connection:
        query = select(District.code, District.name_zh, District.name_en)
        return {code: (zh, en) for code, zh, en in connection.execute(query)}


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
    trend: dict[str, list[TrendPoint]] = {}
    for quarter in last_quarters(period, quarters):
        for row in district_ranking(engine, scope, quarter, config, now).rows:
            trend.setdefault(row.code, []).append(TrendPoint(quarter, row.score.index, row.rank))
    return trend


# --- enterprises ------------------------------------------------------------------------------


def _as_of(until: datetime) -> date:
    """The local day a period (cut at now) ends on: the day overdue inspections are judged."""
    return local_day(until - _TICK)


def enterprise_counts(
    engine: Engine, scope: Scope, period: Period, now: datetime
) -> dict[str, EnterpriseCounts]:
    """Each enterprise in scope's counts for the period (module docstring), by id."""
    since, until = period_bounds(period, now)
    year = _as_of(until).year
    with engine.connect() as connection:
        ids = list(connection.scalars(scoped(select(Enterprise.id), scope, Enterprise)))
        if not ids:
            return {}
        values: dict[str, dict[str, Any]] = {e: {} for e in ids}
        for e, sums in _tallies_by_enterprise(connection, period).items():
            if e in values:
                values[e].update(sums)
        for e, hazards, major in connection.execute(
            select(Hazard.enterprise_id, func.count(), _tally(Hazard.level == MAJOR))
            .where(_reported_in(since, until), Hazard.enterprise_id.is_not(None))
            .group_by(Hazard.enterprise_id)
        ):
            if e in values:
                values[e].update(hazards=int(hazards), major_hazards=int(major or 0))
        for owner_id, points in connection.execute(
            select(Violation.enterprise_id, func.sum(Violation.points))
            .where(Violation.occurred_at >= since, Violation.occurred_at < until)
            .group_by(Violation.enterprise_id)
        ):
            if owner_id in values:
                values[owner_id]["violation_points"] = int(points or 0)
        for e, points in connection.execute(
            select(Violation.subject_id, func.sum(Violation.points))
            .where(
                Violation.subject_type == "enterprise",
                Violation.year == year,
                Violation.occurred_at < until,
            )
            .group_by(Violation.subject_id)
        ):
            if e in values:
                values[e]["year_points"] = int(points or 0)
        owner = _inspection_owner()
        authority = InspectionRecord.kind.in_(COUNTED_KINDS_OF_INSPECTION)
        for e, failed in connection.execute(
            select(owner, func.count())
            .select_from(InspectionRecord)
            .outerjoin(Site, and_(InspectionRecord.target_type == "site", Site.id == _TARGET))
            .where(
                authority,
                InspectionRecord.passed.is_(False),
                InspectionRecord.occurred_at >= since,
                InspectionRecord.occurred_at < until,
            )
            .group_by(owner)
        ):
            if e in values:
                values[e]["failed_inspections"] = int(failed)
        for e, last in connection.execute(
            select(owner, func.max(InspectionRecord.occurred_at))
            .select_from(InspectionRecord)
            .outerjoin(Site, and_(InspectionRecord.target_type == "site", Site.id == _TARGET))
            .where(authority, InspectionRecord.occurred_at < until)
            .group_by(owner)
        ):
            if e in values and last is not None:
                values[e]["last_inspection"] = local_day(_aware(last))
    return {e: EnterpriseCounts(**v) for e, v in values.items()}


_TARGET = InspectionRecord.target_id


def _inspection_owner() -> Any:
    """The enterprise an inspection's object belongs to: the enterprise itself or its site's."""
    return case(
        (InspectionRecord.target_type == "enterprise", InspectionRecord.target_id),
        else_=Site.enterprise_id,
    )


def _aware(moment: datetime | str) -> datetime:
    """max() of a UTC column comes back as the dialect gives it (SQLite: text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_ENTERPRISE_MEASURES = {
    "sales": "sales",
    "real_name_sales": "real_name_sales",
    "deliveries": "deliveries",
    "traceable_deliveries": "complete_deliveries",
}


def _tallies_by_enterprise(connection: Connection, period: Period) -> dict[str, dict[str, int]]:
    query = (
        select(DailyTally.enterprise_id, DailyTally.measure, func.sum(DailyTally.count))
        .where(_tally_days(period), DailyTally.measure.in_(tuple(_ENTERPRISE_MEASURES)))
        .group_by(DailyTally.enterprise_id, DailyTally.measure)
    )
    found: dict[str, dict[str, int]] = {}
    for e, measure, total in connection.execute(query):
        if e:
            found.setdefault(e, {})[_ENTERPRISE_MEASURES[measure]] = int(total or 0)
    return found


@cached(
    RANKING_CACHE_S,
    key=lambda scope, period, config, now, kind=None: (scope, period, config.version, kind),
    follows_log=True,
)
def enterprise_ranking(
    engine: Engine,
    scope: Scope,
    period: Period,
    config: ScoringConfig,
    now: datetime,
    kind: str | None = None,
) -> EnterpriseRanking:
    """Every enterprise in scope scored for the period (of `kind` only, if given), best first,
    with the red and black lists and the enterprises overdue an inspection. The lists and the
    overdue ones are of every enterprise in scope, whatever `kind`."""
    _, until = period_bounds(period, now)
    today = _as_of(until)
    counts = enterprise_counts(engine, scope, period, now)
    scores = {e: enterprise_score(c, today, config) for e, c in counts.items()}
    lists = red_black_lists(scores, config)
    overdue = overdue_inspections(scores, today)
    heads = _enterprise_heads(engine, list(scores))
    wanted = {e for e in scores if kind is None or heads[e][1] == kind}
    ranked = rank({e: scores[e].score for e in wanted})
    red, black = set(lists.red), set(lists.black)
    rows = [
        EnterpriseScoreRow(
            id=r.key,
            name=heads[r.key][0],
            kind=heads[r.key][1],
            district=heads[r.key][2],
            counts=counts[r.key],
            score=scores[r.key],
            rank=r.rank,
            on_red_list=r.key in red,
            on_black_list=r.key in black,
        )
        for r in ranked
    ]
    return EnterpriseRanking(period, config.version, rows, lists, overdue)


def _enterprise_heads(engine: Engine, ids: list[str]) -> dict[str, tuple[str, str, str | None]]:
    heads: dict[str, tuple[str, str, str | None]] = {}
    with engine.connect() as connection:
        for chunk in chunks(sorted(ids)):
            query = select(Enterprise.id, Enterprise.name, Enterprise.kind, Enterprise.district)
            for e, name, kind, district in connection.execute(
                query.where(Enterprise.id.in_(chunk))
            ):
                heads[e] = (name, kind, district)
    return heads


def points_totals(engine: Engine, scope: Scope, year: int) -> list[PointsRow]:
    """The 12-point totals of the year for enterprises, sites and workers, highest first."""
    query = scoped(
        select(
            Violation.subject_type,
            Violation.subject_id,
            Violation.enterprise_id,
            Violation.points,
            Violation.occurred_at,
        ).where(Violation.year == year),
        scope,
        Violation,
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        totals_ = year_totals(((t, s, p, at) for t, s, _, p, at in rows), year)
        owners = {(t, s): e for t, s, e, _, _ in rows}
        names = _subject_names(connection, totals_)
    found = [
        PointsRow(
            subject_type=subject_type,
            subject_id=subject_id,
            name=names.get((subject_type, subject_id), subject_id),
            enterprise_id=owners.get((subject_type, subject_id)),
            points=total.points,
            violations=total.violations,
            suspended=total.suspended,
        )
        for (subject_type, subject_id), total in totals_.items()
    ]
    return sorted(found, key=lambda r: (-r.points, r.subject_type, r.subject_id))


def _subject_names(
    connection: Connection, subjects: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for subject_type, model in (("enterprise", Enterprise), ("site", Site), ("worker", Worker)):
        wanted = sorted(s for t, s in subjects if t == subject_type)
        for chunk in chunks(wanted):
            query = select(model.id, model.name).where(model.id.in_(chunk))
            names.update({(subject_type, i): n for i, n in connection.execute(query)})
    return names


# --- the objects behind a count ---------------------------------------------------------------


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
    DEDUCTIONS. Out-of-scope districts give nothing.

    Hazards, complaints, incidents and findings are paged in the database, newest first; the
    objects due (enterprises, then sites, then supervised customers, each by id); the tallies one
    row per day and enterprise (numerator and denominator set, `counted` when the numerator is
    not 0)."""
    page = max(1, page)
    if measure not in COMPONENTS and measure not in DEDUCTIONS:
        raise ValueError(f"not a component or deduction: {measure!r}")
    if scope.enterprise_id is not None or not scope.covers(district, None):
        return CountObjects([], 0, page)
    since, until = period_bounds(period, now)
    inner = Scope(district=district)
    offset = (page - 1) * OBJECTS_PAGE
    with engine.connect() as connection:
        if measure == "inspection_coverage":
            return _due_objects(connection, inner, since, until, page)
        if measure in ("cylinder_traceability", "safety_checks"):
            return _tally_objects(connection, inner, period, measure, page)
        if measure == "emergency_response":
            return _incident_objects(connection, inner, since, until, now, page)
        if measure == "complaint_handling":
            return _complaint_objects(connection, inner, since, until, offset, page)
        if measure == "black_cylinders":
            return _finding_objects(connection, inner, since, until, offset, page)
        where, counted = {
            "on_time_rectification": (_due_in(since, until), _closed_by(Hazard.due_at)),
            "hazard_closure": (_reported_in(since, until), _closed_before(until)),
            "major_hazards_overdue": (_major_overdue_condition(until), true()),
        }[measure]
        return _hazard_objects(connection, inner, where, counted, offset, page)


def _paged(connection: Connection, query: Any, offset: int) -> list[Any]:
    return list(connection.execute(query.limit(OBJECTS_PAGE).offset(offset)))


def _total(connection: Connection, query: Any) -> int:
    return int(connection.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _hazard_objects(
    connection: Connection,
    scope: Scope,
    where: ColumnElement[bool],
    counted: ColumnElement[bool],
    offset: int,
    page: int,
) -> CountObjects:
    query = scoped(
        select(
            Hazard.id,
            Hazard.number,
            Hazard.district,
            Hazard.enterprise_id,
            Hazard.reported_at,
            case((counted, 1), else_=0),
        ).where(where),
        scope,
        Hazard,
    )
    rows = [
        CountObject("hazard", h, number or h, d, e, at, bool(c), f"/hazard/{quote(h, safe='')}")
        for h, number, d, e, at, c in _paged(
            connection, query.order_by(Hazard.reported_at.desc(), Hazard.id), offset
        )
    ]
    return CountObjects(rows, _total(connection, query), page)


def _complaint_objects(
    connection: Connection, scope: Scope, since: datetime, until: datetime, offset: int, page: int
) -> CountObjects:
    query = scoped(
        select(
            Complaint.id,
            Complaint.district,
            Complaint.enterprise_id,
            Complaint.received_at,
            case((_ON_TIME, 1), else_=0),
        ).where(_settled_in(since, until)),
        scope,
        Complaint,
    )
    rows = [
        CountObject("complaint", c, c, d, e, at, bool(ok), f"/complaint/{quote(c, safe='')}")
        for c, d, e, at, ok in _paged(
            connection, query.order_by(Complaint.received_at.desc(), Complaint.id), offset
        )
    ]
    return CountObjects(rows, _total(connection, query), page)


def _finding_objects(
    connection: Connection, scope: Scope, since: datetime, until: datetime, offset: int, page: int
) -> CountObjects:
    query = scoped(
        select(
            Finding.id,
            Finding.subject_id,
            Finding.district,
            Finding.enterprise_id,
            Finding.occurred_at,
        ).where(_black_condition(since, until)),
        scope,
        Finding,
    )
    rows = [
        CountObject("finding", str(i), code, d, e, at, True, f"/cylinder/{quote(code, safe='')}")
        for i, code, d, e, at in _paged(
            connection, query.order_by(Finding.occurred_at.desc(), Finding.id), offset
        )
    ]
    return CountObjects(rows, _total(connection, query), page)


def _incident_objects(
    connection: Connection,
    scope: Scope,
    since: datetime,
    until: datetime,
    now: datetime,
    page: int,
) -> CountObjects:
    judged = []
    for row in reversed(_incidents(connection, scope, since, until, scope.district)):
        outcome = _judged(row, now)
        if outcome is not None:
            judged.append(
                CountObject(
                    "incident",
                    row.id,
                    row.address or row.id,
                    row.district,
                    None,
                    row.reported_at,
                    outcome is Verdict.MET,
                    f"/incident/{quote(row.id, safe='')}",
                )
            )
    start = (page - 1) * OBJECTS_PAGE
    return CountObjects(judged[start : start + OBJECTS_PAGE], len(judged), page)


def _tally_objects(
    connection: Connection, scope: Scope, period: Period, measure: str, page: int
) -> CountObjects:
    numerator = (
        "traceable_deliveries" if measure == "cylinder_traceability" else "checked_deliveries"
    )
    query = scoped(
        select(
            DailyTally.day,
            DailyTally.enterprise_id,
            func.sum(case((DailyTally.measure == "deliveries", DailyTally.count), else_=0)),
            func.sum(case((DailyTally.measure == numerator, DailyTally.count), else_=0)),
        )
        .where(_tally_days(period), DailyTally.measure.in_(("deliveries", numerator)))
        .group_by(DailyTally.day, DailyTally.enterprise_id),
        scope,
        DailyTally,
    )
    district = scope.district or ""
    rows = []
    ordered = query.order_by(DailyTally.day.desc(), DailyTally.enterprise_id)
    for day, e, deliveries, counted in _paged(connection, ordered, (page - 1) * OBJECTS_PAGE):
        day_ = day if isinstance(day, date) else date.fromisoformat(str(day))
        link = {"district": district, "since": day_.isoformat(), "until": day_.isoformat()}
        if e:
            link["enterprise"] = e
        rows.append(
            CountObject(
                kind="tally",
                id=f"{day_.isoformat()}/{e}",
                label=f"{day_.isoformat()} {e}".strip(),
                district=district,
                enterprise_id=e or None,
                at=local_midnight(day_),
                counted=bool(counted),
                href=f"/cylinders?{urlencode(link)}",
                numerator=float(counted or 0),
                denominator=int(deliveries or 0),
            )
        )
    return CountObjects(rows, _total(connection, query), page)


def _due_objects(
    connection: Connection, scope: Scope, since: datetime, until: datetime, page: int
) -> CountObjects:
    """The objects due in the district: its enterprises, then its sites, then its supervised
    customers (the One Map's objects_due), each marked when inspected in the period."""

    def inspected(target_type: str, target: Any) -> Any:
        return (
            select(InspectionRecord.id)
            .where(
                InspectionRecord.target_type == target_type,
                InspectionRecord.target_id == target,
                InspectionRecord.kind.in_(COUNTED_KINDS_OF_INSPECTION),
                InspectionRecord.occurred_at >= since,
                InspectionRecord.occurred_at < until,
            )
            .exists()
        )

    parts: list[tuple[str, Select[Any]]] = [
        (
            "enterprise",
            scoped(
                select(
                    Enterprise.id,
                    Enterprise.name,
                    Enterprise.district,
                    Enterprise.id,
                    inspected("enterprise", Enterprise.id),
                ),
                scope,
                Enterprise,
            ).order_by(Enterprise.id),
        ),
        (
            "site",
            scoped(
                select(
                    Site.id,
                    Site.name,
                    Site.district,
                    Site.enterprise_id,
                    inspected("site", Site.id),
                ),
                scope,
                Site,
            ).order_by(Site.id),
        ),
        (
            CUSTOMER_TARGET_TYPE,
            scoped(
                select(
                    Customer.id,
                    Customer.id,
                    Customer.district,
                    Customer.enterprise_id,
                    inspected(CUSTOMER_TARGET_TYPE, Customer.id),
                ).where(Customer.kind.in_(SUPERVISED_CUSTOMER_KINDS)),
                scope,
                Customer,
            ).order_by(Customer.id),
        ),
    ]
    start, total, rows = (page - 1) * OBJECTS_PAGE, 0, list[CountObject]()
    for kind, query in parts:
        size = _total(connection, query)
        wanted = OBJECTS_PAGE - len(rows)
        if wanted > 0 and start < total + size:
            skip = max(0, start - total)
            for i, label, d, e, done in connection.execute(query.limit(wanted).offset(skip)):
                href = (
                    f"/enterprise/{quote(e, safe='')}"
                    if kind != CUSTOMER_TARGET_TYPE and e
                    else None
                )
                rows.append(CountObject(kind, i, label, d, e, None, bool(done), href))
        total += size
    return CountObjects(rows, total, page)
