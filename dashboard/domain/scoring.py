"""The scoring models of spec/scoring.md: the district safety index, the enterprise scores
(real-name traceability, the four-colour code and its supervision frequency), the quarterly red
and black lists, and the periods they are computed for. Pure: the counts come from
data_access/queries/rankings.py, the weights and thresholds from a ScoringConfig
(dashboard/scoring.toml, versioned: an admin's change is a `scoring.changed` event,
docs/rankings.md).

District safety index (0..100). Each component is a rate (0..1) of counts in the period:
    index = 100 x sum(w_i x rate_i) / sum(w_i)   over the components that apply
            - sum(min(points_each_j x count_j, cap_j))   over the deductions
clamped to 0..100. A component applies when its denominator is not zero (a district with no
incident in the quarter is judged on the other six, not given 0 or 100 for response); a weight of
0 removes a component altogether. No component applying: no index (None), never 0 or 100.
The district's colour band follows the index (config.district.bands: at or above a bound).

Enterprise real-name traceability (Fuzhou): the weighted mean of three shares, x 100: sales to
real-name customers, deliveries with a complete chain (dashboard/domain/cylinders.py), sales
followed by a delivery scan. Below `flag_below` the enterprise is flagged for more inspection.

Four-colour code (Shenzhen): risk points from the period's hazards, major hazards, incidents,
violation points and failed inspections, plus `low_traceability` points when flagged; red /
orange / yellow at or above their bounds, else blue. The colour sets how often the enterprise
must be inspected (frequency_days); one whose last authority inspection is older is overdue.

Enterprise score (the lists' order): a weighted mean of traceability and safety, safety being
100 - risk points x risk_point_value (not below 0). Red list: the best `size` of the quarter among
those inspected within their frequency and with sales to judge (a high score for lack of records
earns nothing); black list: the worst `size`, and every enterprise suspended under the 12-point
system (dashboard/domain/violations.py), which is never on the red list.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dashboard.domain.violations import is_suspended

SCORING_TIME_ZONE = ZoneInfo("Asia/Shanghai")  # periods start at the city's midnight

# The seven components in the order pages, exports and the config list them.
COMPONENTS: tuple[str, ...] = (
    "inspection_coverage",  # objects inspected at least once in the period / objects due
    "on_time_rectification",  # hazards closed by their due date / hazards due in the period
    "hazard_closure",  # hazards closed / hazards reported in the period
    "cylinder_traceability",  # deliveries with a complete chain and a real-name customer
    "safety_checks",  # deliveries with a safety check carrying all four photos
    "emergency_response",  # incidents with a team on scene within 20 minutes / incidents judged
    "complaint_handling",  # complaints closed in time, weighted by satisfaction / complaints due
)
DEDUCTIONS: tuple[str, ...] = ("black_cylinders", "major_hazards_overdue")
BANDS: tuple[str, ...] = ("blue", "yellow", "orange", "red")  # best to worst
BAND_COLOURS = {"blue": "#1e88e5", "yellow": "#fdd835", "orange": "#fb8c00", "red": "#e53935"}
# What data_access keeps per local day, district and enterprise (daily_tallies) from the scans and
# safety checks, for the components and scores that read them.
TALLY_MEASURES: tuple[str, ...] = (
    "sales",  # sale-stage scans
    "real_name_sales",  # of those, to a real-name-verified customer
    "deliveries",  # delivery-stage scans
    "traceable_deliveries",  # of those, with an unbroken chain and a real-name customer
    "checked_deliveries",  # delivery safety checks carrying all four photos
)
TRACEABILITY_PARTS: tuple[str, ...] = ("real_name_sales", "complete_chain", "delivery_scans")
RISK_FACTORS: tuple[str, ...] = (
    "hazards",
    "major_hazards",
    "incidents",
    "violation_points",
    "failed_inspections",
)


# --- the configuration ------------------------------------------------------------------------

Weight = Annotated[float, Field(ge=0, le=1000)]
Positive = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deduction(_Strict):
    points_each: Annotated[float, Field(ge=0, le=100)]
    cap: Annotated[float, Field(ge=0, le=100)]


class DistrictBands(_Strict):
    """The index at or above which a district is blue, yellow, orange; below orange: red."""

    blue: Annotated[float, Field(ge=0, le=100)]
    yellow: Annotated[float, Field(ge=0, le=100)]
    orange: Annotated[float, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _descending(self) -> DistrictBands:
        if not self.blue >= self.yellow >= self.orange:
            raise ValueError("bands must descend: blue >= yellow >= orange")
        return self


class ComplaintSatisfaction(_Strict):
    """A complaint closed in time counts satisfaction / best (1..5 of 5); an unrated one counts
    `unrated`."""

    best: Annotated[int, Field(ge=1, le=10)] = 5
    unrated: Annotated[float, Field(ge=0, le=10)] = 3


class DistrictModel(_Strict):
    weights: dict[str, Weight]
    deductions: dict[str, Deduction]
    bands: DistrictBands
    complaint_satisfaction: ComplaintSatisfaction = ComplaintSatisfaction()

    @model_validator(mode="after")
    def _known_names(self) -> DistrictModel:
        _exactly(self.weights, COMPONENTS, "district.weights")
        _exactly(self.deductions, DEDUCTIONS, "district.deductions")
        if not any(self.weights.values()):
            raise ValueError("district.weights: at least one weight must be above 0")
        return self


class Traceability(_Strict):
    weights: dict[str, Weight]
    flag_below: Annotated[float, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _known_names(self) -> Traceability:
        _exactly(self.weights, TRACEABILITY_PARTS, "enterprise.traceability.weights")
        if not any(self.weights.values()):
            raise ValueError("enterprise.traceability.weights: a weight must be above 0")
        return self


class RiskBands(_Strict):
    """Risk points at or above which an enterprise is red, orange, yellow; below: blue."""

    red: Positive
    orange: Positive
    yellow: Positive

    @model_validator(mode="after")
    def _descending(self) -> RiskBands:
        if not self.red >= self.orange >= self.yellow:
            raise ValueError("bands must descend: red >= orange >= yellow")
        return self


class Risk(_Strict):
    weights: dict[str, Weight]
    low_traceability: Weight
    bands: RiskBands

    @model_validator(mode="after")
    def _known_names(self) -> Risk:
        _exactly(self.weights, RISK_FACTORS, "enterprise.risk.weights")
        return self


class Frequency(_Strict):
    """Days between required inspections by colour (red monthly ... blue yearly)."""

    red: Annotated[int, Field(ge=1, le=3660)]
    orange: Annotated[int, Field(ge=1, le=3660)]
    yellow: Annotated[int, Field(ge=1, le=3660)]
    blue: Annotated[int, Field(ge=1, le=3660)]


class EnterpriseScoreWeights(_Strict):
    traceability: Weight
    safety: Weight
    risk_point_value: Annotated[float, Field(ge=0, le=100)]


class EnterpriseModel(_Strict):
    traceability: Traceability
    risk: Risk
    frequency_days: Frequency
    score: EnterpriseScoreWeights


class ListsModel(_Strict):
    size: Annotated[int, Field(ge=1, le=100)]


_VERSION = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z._-]+$")]


class ScoringConfig(_Strict):
    """Every weight and threshold of the models; `version` names this set of them."""

    version: _VERSION
    note: Annotated[str, Field(max_length=500)] = ""
    district: DistrictModel
    enterprise: EnterpriseModel
    lists: ListsModel

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _exactly(given: Mapping[str, object], names: Sequence[str], where: str) -> None:
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ValueError(f"{where}.{unknown[0]}: unknown name (one of {', '.join(names)})")
    missing = [name for name in names if name not in given]
    if missing:
        raise ValueError(f"{where}.{missing[0]}: missing")


class ScoringConfigError(ValueError):
    """A configuration that does not validate; `key` is the dotted path of the first bad key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.message = message


DEFAULT_CONFIG_FILE = Path(__file__).resolve().parent.parent / "scoring.toml"


def load_config_file(path: Path = DEFAULT_CONFIG_FILE) -> ScoringConfig:
    """The configuration in a TOML file; ScoringConfigError names the first bad key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScoringConfigError("", f"cannot read {path}: {error.strerror}") from None
    return config_from_toml(text)


def config_from_dict(data: Mapping[str, Any]) -> ScoringConfig:
    try:
        return ScoringConfig.model_validate(dict(data))
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        # a model validator names its own key at the start of its message
        named = re.match(r"^([a-z_]+(?:\.[a-z_]+)+): (.*)$", message)
        if named:
            key, message = named.group(1), named.group(2)
        raise ScoringConfigError(key, message) from None


def config_from_toml(text: str) -> ScoringConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScoringConfigError("", f"not valid TOML: {error}") from None
    return config_from_dict(data)


def with_value(config: ScoringConfig, key: str, value: float) -> dict[str, Any]:
    """The config as a dict with one dotted key set (e.g. district.weights.hazard_closure), for
    a change to validate; an unknown key is refused naming it."""
    data = config.as_dict()
    node: Any = data
    parts = key.split(".")
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            raise ScoringConfigError(key, "unknown key")
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node or isinstance(node[parts[-1]], dict):
        raise ScoringConfigError(key, "unknown key")
    node[parts[-1]] = value
    return data


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys whose values differ between two configs (as dicts)."""
    keys: list[str] = []
    for name in sorted(set(old) | set(new)):
        a, b, path = old.get(name), new.get(name), f"{prefix}{name}"
        if isinstance(a, dict) and isinstance(b, dict):
            keys.extend(changed_keys(a, b, path + "."))
        elif a != b:
            keys.append(path)
    return keys


# --- periods ----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """Local days [start, end): a quarter ("2026Q4") or any range of days."""

    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        if self.is_quarter:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"

    @property
    def is_quarter(self) -> bool:
        return (
            self.start.day == 1
            and self.start.month in (1, 4, 7, 10)
            and self == quarter_of(self.start)
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC instants [since, until)."""
        return local_midnight(self.start), local_midnight(self.end)

    def previous(self) -> Period:
        """The quarter before a quarter; before any other range, the range of the same length."""
        if self.is_quarter:
            return quarter_of(self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), SCORING_TIME_ZONE).astimezone(UTC)


def local_day(instant: datetime) -> date:
    return instant.astimezone(SCORING_TIME_ZONE).date()


def quarter_of(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = date(first.year + 1, 1, 1) if first.month == 10 else date(first.year, first.month + 3, 1)
    return Period(first, end)


def current_quarter(now: datetime) -> Period:
    return quarter_of(local_day(now))


def last_quarters(period: Period, count: int = 4) -> list[Period]:
    """The `count` quarters ending with the one `period` starts in, oldest first."""
    quarters = [quarter_of(period.start)]
    while len(quarters) < count:
        quarters.insert(0, quarters[0].previous())
    return quarters


_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
MAX_PERIOD_DAYS = 3660


def parse_period(text: str) -> Period:
    """ "2026Q4", or "2026-10-01..2026-11-15" (both days included); ValueError if neither, or
    if the period or the one before it falls outside the calendar (year 1, year 9999)."""
    try:
        period = _parsed_period(text)
        period.previous().bounds()  # both are computed with it: each must exist in UTC
        period.bounds()
    except OverflowError:
        raise ValueError(f"the period {text!r} is out of range") from None
    return period


def _parsed_period(text: str) -> Period:
    value = (text or "").strip()
    if match := _QUARTER.match(value):
        year, quarter = int(match.group(1)), int(match.group(2))
        return quarter_of(date(year, 3 * quarter - 2, 1))
    if match := _RANGE.match(value):
        try:
            first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        except ValueError:
            raise ValueError(f"not a date in {value!r}") from None
        if last < first:
            raise ValueError(f"the period {value!r} ends before it starts")
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise ValueError(f"the period {value!r} is longer than ten years")
        return Period(first, last + timedelta(days=1))
    raise ValueError(f"not a period: {value!r} (a quarter as 2026Q4, or 2026-10-01..2026-12-31)")


# --- the district safety index ----------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A rate's counts: `numerator` of `denominator` (the numerator may be weighted, e.g. by
    satisfaction, so it is a float)."""

    numerator: float
    denominator: int

    @property
    def value(self) -> float | None:
        if self.denominator <= 0:
            return None
        return min(1.0, max(0.0, self.numerator / self.denominator))


@dataclass(frozen=True)
class DistrictCounts:
    """What the index reads for one district and period: a Rate per component, and the count
    behind each deduction."""

    rates: Mapping[str, Rate]
    deductions: Mapping[str, int]


@dataclass(frozen=True)
class ComponentScore:
    name: str
    rate: Rate
    weight: float
    points: float | None  # its share of the index (0..100 together); None: does not apply


@dataclass(frozen=True)
class DeductionScore:
    name: str
    count: int
    points: float  # after the cap
    capped: bool


@dataclass(frozen=True)
class DistrictIndex:
    index: float | None
    band: str | None
    components: tuple[ComponentScore, ...]
    deductions: tuple[DeductionScore, ...]
    version: str


def district_index(counts: DistrictCounts, config: ScoringConfig) -> DistrictIndex:
    model = config.district
    applying = {
        name: weight
        for name, weight in model.weights.items()
        if weight > 0 and counts.rates.get(name, Rate(0, 0)).value is not None
    }
    total_weight = sum(applying.values())
    components = []
    for name in COMPONENTS:
        rate = counts.rates.get(name, Rate(0, 0))
        share = None
        if name in applying:
            share = 100.0 * applying[name] * (rate.value or 0.0) / total_weight
        components.append(ComponentScore(name, rate, model.weights[name], share))
    deductions = []
    for name in DEDUCTIONS:
        count = max(0, int(counts.deductions.get(name, 0)))
        rule = model.deductions[name]
        raw = rule.points_each * count
        deductions.append(DeductionScore(name, count, min(raw, rule.cap), raw > rule.cap))
    if not applying:
        return DistrictIndex(None, None, tuple(components), tuple(deductions), config.version)
    index = sum(c.points or 0.0 for c in components) - sum(d.points for d in deductions)
    index = round(min(100.0, max(0.0, index)), 2)
    return DistrictIndex(
        index, district_band(index, config), tuple(components), tuple(deductions), config.version
    )


def district_band(index: float | None, config: ScoringConfig) -> str | None:
    if index is None:
        return None
    bands = config.district.bands
    for band, bound in (("blue", bands.blue), ("yellow", bands.yellow), ("orange", bands.orange)):
        if index >= bound:
            return band
    return "red"


@dataclass(frozen=True)
class Ranked:
    key: str
    score: float | None
    rank: int | None  # 1 = best; equal scores share a rank; None without a score
    previous: float | None
    change: float | None  # score - previous
    previous_rank: int | None


def rank(
    scores: Mapping[str, float | None], previous: Mapping[str, float | None] | None = None
) -> list[Ranked]:
    """Best first, ties sharing a rank (1, 2, 2, 4), those without a score last by key."""
    previous = previous or {}
    ranks, previous_ranks = _competition_ranks(scores), _competition_ranks(previous)
    rows = [
        Ranked(
            key,
            score,
            ranks.get(key),
            previous.get(key),
            None
            if score is None or previous.get(key) is None
            else round(score - (previous.get(key) or 0.0), 2),
            previous_ranks.get(key),
        )
        for key, score in scores.items()
    ]
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.key))


def _competition_ranks(scores: Mapping[str, float | None]) -> dict[str, int]:
    scored = sorted(((s, k) for k, s in scores.items() if s is not None), key=lambda p: -p[0])
    ranks: dict[str, int] = {}
    for position, (score, key) in enumerate(scored, start=1):
        earlier = scored[position - 2][0] if position > 1 else None
        ranks[key] = ranks[scored[position - 2][1]] if earlier == score else position
    return ranks


# --- enterprise scores ------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseCounts:
    """What the enterprise scores read for one enterprise and period."""

    sales: int = 0
    real_name_sales: int = 0
    deliveries: int = 0
    complete_deliveries: int = 0
    hazards: int = 0
    major_hazards: int = 0
    incidents: int = 0
    violation_points: int = 0  # in the period
    year_points: int = 0  # in the 12-point year the period ends in: 12 suspends
    failed_inspections: int = 0
    last_inspection: date | None = None  # the latest authority inspection, any time before

    def traceability_rates(self) -> dict[str, Rate]:
        return {
            "real_name_sales": Rate(self.real_name_sales, self.sales),
            "complete_chain": Rate(self.complete_deliveries, self.deliveries),
            "delivery_scans": Rate(min(self.deliveries, self.sales), self.sales),
        }


@dataclass(frozen=True)
class EnterpriseScore:
    traceability: float | None  # 0..100; None without sales or deliveries
    flagged: bool  # traceability below flag_below
    risk_points: float
    colour: str  # four-colour code
    frequency_days: int
    last_inspection: date | None
    inspection_overdue: bool
    score: float  # the lists' order (0..100)
    suspended: bool
    version: str


def traceability_score(counts: EnterpriseCounts, config: ScoringConfig) -> float | None:
    weights = config.enterprise.traceability.weights
    rates = counts.traceability_rates()
    applying = {name: w for name, w in weights.items() if w > 0 and rates[name].value is not None}
    if not applying:
        return None
    total = sum(applying.values())
    return round(100.0 * sum(w * (rates[n].value or 0.0) for n, w in applying.items()) / total, 2)


def risk_points(counts: EnterpriseCounts, flagged: bool, config: ScoringConfig) -> float:
    risk = config.enterprise.risk
    values = {
        "hazards": counts.hazards,
        "major_hazards": counts.major_hazards,
        "incidents": counts.incidents,
        "violation_points": counts.violation_points,
        "failed_inspections": counts.failed_inspections,
    }
    points = sum(risk.weights[name] * values[name] for name in RISK_FACTORS)
    return round(points + (risk.low_traceability if flagged else 0.0), 2)


def four_colour(points: float, config: ScoringConfig) -> str:
    bands = config.enterprise.risk.bands
    for colour, bound in (("red", bands.red), ("orange", bands.orange), ("yellow", bands.yellow)):
        if points >= bound:
            return colour
    return "blue"


def inspection_overdue(last: date | None, colour: str, today: date, config: ScoringConfig) -> bool:
    """Whether the enterprise's last authority inspection is older than its colour's frequency
    (never inspected: overdue)."""
    days = getattr(config.enterprise.frequency_days, colour)
    return last is None or (today - last).days > days


def enterprise_score(
    counts: EnterpriseCounts, today: date, config: ScoringConfig
) -> EnterpriseScore:
    model = config.enterprise
    traceability = traceability_score(counts, config)
    flagged = traceability is not None and traceability < model.traceability.flag_below
    points = risk_points(counts, flagged, config)
    colour = four_colour(points, config)
    safety = max(0.0, 100.0 - points * model.score.risk_point_value)
    parts = [(model.score.safety, safety)]
    if traceability is not None:
        parts.append((model.score.traceability, traceability))
    total = sum(w for w, _ in parts)
    score = round(sum(w * v for w, v in parts) / total, 2) if total else round(safety, 2)
    return EnterpriseScore(
        traceability=traceability,
        flagged=flagged,
        risk_points=points,
        colour=colour,
        frequency_days=getattr(model.frequency_days, colour),
        last_inspection=counts.last_inspection,
        inspection_overdue=inspection_overdue(counts.last_inspection, colour, today, config),
        score=score,
        suspended=is_suspended(counts.year_points),
        version=config.version,
    )


@dataclass(frozen=True)
class RedBlackLists:
    red: tuple[str, ...]  # best first
    black: tuple[str, ...]  # worst first, then the suspended not already among them


def red_black_lists(scores: Mapping[str, EnterpriseScore], config: ScoringConfig) -> RedBlackLists:
    """The quarter's red list (the best `size` of those that earned it: not suspended, not
    overdue an inspection, with sales to judge their traceability by) and black list (the worst
    `size` not on the red list, plus every suspended enterprise); ties broken by id so the lists
    are stable."""
    size = config.lists.size
    best = sorted(scores, key=lambda key: (-scores[key].score, key))
    red = tuple(key for key in best if _earns_red_list(scores[key]))[:size]
    worst = sorted(scores, key=lambda key: (scores[key].score, key))
    black = [key for key in worst if key not in red][:size]
    black += [key for key in worst if scores[key].suspended and key not in black]
    return RedBlackLists(red, tuple(black))


def _earns_red_list(score: EnterpriseScore) -> bool:
    """An enterprise nobody has inspected in time, or with nothing sold to judge it by, scores
    high only for lack of records: honouring it would reward not being looked at."""
    return not score.suspended and not score.inspection_overdue and score.traceability is not None


def overdue_inspections(
    scores: Mapping[str, EnterpriseScore], today: date, limit: int | None = None
) -> list[str]:
    """Enterprises whose last inspection is older than their frequency, longest overdue first
    (never inspected first of all)."""

    def age(key: str) -> int:
        last = scores[key].last_inspection
        return 1_000_000 if last is None else (today - last).days - scores[key].frequency_days

    keys = sorted(
        (k for k, s in scores.items() if s.inspection_overdue), key=lambda k: (-age(k), k)
    )
    return keys[:limit] if limit is not None else keys


def totals(values: Iterable[float | None]) -> float | None:
    """The mean of the values that exist (a city's index from its districts')."""
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 2) if present else None
