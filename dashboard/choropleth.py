"""Turning per-district counts into a coloured map layer and its legend (no Dash here)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, Protocol

from dashboard.domain.coverage import coverage
from dashboard.domain.scoring import BAND_COLOURS, BANDS, ScoringConfig, district_band

# Sequential yellow-to-red: reads on a dark background and for colour-weak eyes.
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#2b3a4a"
# Counts of problems: none is the calm class, then warmer classes (the last four of PALETTE).
CALM_ZERO = "#1f5f86"
# The round numbers count classes end on: 0 | 1-2 | 3-5 | 6-10 | 11+ for small counts, and the
# same shape further up (0 | 1-50 | 51-100 | 101-200 | 201+) when a district counts hundreds.
NICE_BOUNDS = (2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000)
COUNT_CLASSES = 4  # above zero
# Districts smaller than this show their value without a name at city zoom: the names of
# Wuhan's seven central districts (all under it) would cover each other.
SMALL_DISTRICT_KM2 = 150

Counts = Mapping[str, float]


class Area(Protocol):
    """A district or grid cell as the map colours it (data_access/queries: DistrictShape,
    GridShape)."""

    @property
    def code(self) -> str: ...
    @property
    def name_zh(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def population(self) -> int | None: ...
    @property
    def geometry(self) -> dict[str, Any]: ...


def _ratio(numerator: str, denominator: str, scale: float) -> Callable[[Counts], float | None]:
    def compute(counts: Counts) -> float | None:
        top, bottom = counts.get(numerator), counts.get(denominator)
        if top is None or not bottom:
            return None
        return float(top) / float(bottom) * scale

    return compute


def _count(name: str) -> Callable[[Counts], float | None]:
    return lambda counts: None if counts.get(name) is None else float(counts[name])


@dataclass(frozen=True)
class Legend:
    breaks: tuple[float, ...]  # upper bound of each class but the last
    colors: tuple[str, ...]
    decimals: int
    whole: bool = False  # classes of whole numbers: "0", "1–2", "3–5", "≥ 6"
    # The breaks are lower bounds instead (a value at a bound is in the class above it), as the
    # safety index's bands are defined: "blue at or above 85".
    at_or_above: bool = False

    def color_of(self, value: float | None) -> str:
        if value is None or math.isnan(value):
            return NO_DATA
        if self.at_or_above:
            above = [c for b, c in zip(self.breaks, self.colors[1:], strict=False) if value >= b]
            return above[-1] if above else self.colors[0]
        for bound, color in zip(self.breaks, self.colors, strict=False):
            if value <= bound:
                return color
        return self.colors[-1]

    def labels(self) -> list[str]:
        if not self.colors:
            return []
        if self.whole:
            return self._whole_labels()
        fmt = f"{{:,.{self.decimals}f}}"
        if self.at_or_above and self.breaks:
            lows = ["< " + fmt.format(self.breaks[0])]
            middles = [
                f"{fmt.format(low)} – {fmt.format(high)}" for low, high in pairwise(self.breaks)
            ]
            return (lows + middles + ["≥ " + fmt.format(self.breaks[-1])])[: len(self.colors)]
        lows = ["≤ " + fmt.format(self.breaks[0])] if self.breaks else ["–"]
        middles = [
            f"{fmt.format(low)} – {fmt.format(high)}"
            for low, high in zip(self.breaks, self.breaks[1:], strict=False)
        ]
        last = ["> " + fmt.format(self.breaks[-1])] if self.breaks else []
        return (lows + middles + last)[: len(self.colors)]

    def _whole_labels(self) -> list[str]:
        bounds = [int(b) for b in self.breaks]
        first = [str(bounds[0]) if bounds[0] == 0 else f"≤ {bounds[0]:,}"] if bounds else ["–"]
        middles = [
            f"{low + 1:,}" if high == low + 1 else f"{low + 1:,}–{high:,}"
            for low, high in pairwise(bounds)
        ]
        last = [f"≥ {bounds[-1] + 1:,}"] if bounds else []
        return (first + middles + last)[: len(self.colors)]


def count_legend(values: Sequence[float | None]) -> Legend:
    """Whole-number classes for counts (hazards, sites): zero is a class of its own, and the
    bounds are round numbers scaled to the largest count, so no bound is ever fractional and no
    two classes coincide, however few the counts."""
    largest = max((v for v in values if v is not None and not math.isnan(v)), default=0)
    below = [b for b in NICE_BOUNDS if b < largest]
    tops = (
        below[-(COUNT_CLASSES - 1) :]
        if len(below) >= COUNT_CLASSES - 1
        else list(NICE_BOUNDS[: COUNT_CLASSES - 1])
    )
    return Legend((0.0, *map(float, tops)), (CALM_ZERO, *PALETTE[1:]), 0, whole=True)


@dataclass(frozen=True)
class Metric:
    key: str  # also its label key, "metric.<key>"
    compute: Callable[[Counts], float | None]
    decimals: int = 0
    fixed: Legend | None = None  # classes that mean the same on every map (else quantiles)
    suffix: str = ""  # after the value in tooltips and labels, e.g. "%"
    counts: bool = False  # whole-number counts: count_legend's classes, and 0 is a value


def _coverage(counts: Counts) -> float | None:
    """Objects inspected at least once this quarter / objects due (domain/coverage.py), in %."""
    share = coverage(counts.get("inspected") or 0, counts.get("due") or 0)
    return None if share is None else share * 100


def _count_or_zero(name: str) -> Callable[[Counts], float]:
    """For counts kept only where there is something: no row (or no number) means none."""

    def compute(counts: Counts) -> float:
        value = counts.get(name)
        return 0.0 if value is None or math.isnan(float(value)) else float(value)

    return compute


# Coverage: low is bad, so the palette runs the other way, with the same classes on every map.
COVERAGE_LEGEND = Legend((20.0, 40.0, 60.0, 80.0), tuple(reversed(PALETTE)), 0)

# The One Map's themes (area level: districts and grid cells), then the older district metrics.
# The district safety index is computed by the rankings (data_access/queries/rankings.py) for
# the current quarter, not from the area counts: its values arrive as "safety_index".
THEMES = ("coverage", "hazards_open", "hazards_overdue", "safety_index")
METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("coverage", _coverage, 0, COVERAGE_LEGEND, "%"),
        Metric("hazards_open", _count_or_zero("hazards_open"), counts=True),
        Metric("hazards_overdue", _count_or_zero("hazards_overdue"), counts=True),
        Metric("safety_index", _count("safety_index"), 1),
        Metric("users_per_1000", _ratio("customers", "population", 1000), 1),
        Metric("cylinders_overdue", _count("cylinders_overdue_inspection"), counts=True),
        Metric("real_name_share", _ratio("customers_real_name", "customers", 100), 1),
        Metric("sites", _count("sites"), counts=True),
    )
}
DEFAULT_METRIC = "users_per_1000"
DEFAULT_THEME = "coverage"  # the One Map opens on inspection coverage
GRID_METRICS = frozenset({"coverage", "hazards_open", "hazards_overdue"})


# --- the district safety index ----------------------------------------------------------------


def index_legend(config: ScoringConfig) -> Legend:
    """The four bands of the safety index, worst first, with the configuration's bounds: the
    same classes as dashboard/domain/scoring.district_band."""
    bands = config.district.bands
    return Legend(
        (bands.orange, bands.yellow, bands.blue),
        tuple(BAND_COLOURS[band] for band in reversed(BANDS)),  # red, orange, yellow, blue
        _bound_decimals((bands.orange, bands.yellow, bands.blue)),
        at_or_above=True,
    )


def _bound_decimals(bounds: tuple[float, ...]) -> int:
    return 0 if all(float(b).is_integer() for b in bounds) else 1


def safety_index_metric(config: ScoringConfig) -> Metric:
    """The theme's metric with the configuration's bands as its fixed classes."""
    return replace(METRICS["safety_index"], fixed=index_legend(config))


def band_legend_rows(config: ScoringConfig) -> list[tuple[str, str, str]]:
    """(band, colour, bounds) for the legend, best band first: ("blue", "#…", "≥ 85")."""
    legend = index_legend(config)
    rows = zip(reversed(BANDS), legend.colors, legend.labels(), strict=True)
    return [(band, colour, label) for band, colour, label in rows][::-1]


def change_text(change: float) -> str:
    """+1.2 ↑, −0.5 ↓, 0.0 →: the sign and an arrow, so colour is not the only cue."""
    if change > 0:
        return f"↑ +{change:.1f}"
    if change < 0:
        return f"↓ −{abs(change):.1f}"
    return "→ 0.0"


def index_text(value: float | None, config: ScoringConfig, band_names: Mapping[str, str]) -> str:
    """An index as the map labels it, "82.5 · 蓝"; no index is a dash."""
    band = district_band(value, config)
    if value is None or band is None:
        return "—"
    return f"{value:.1f} · {band_names[band]}"


def quantile_legend(values: list[float], decimals: int = 0) -> Legend:
    """Up to five classes with about as many districts in each."""
    finite = sorted(v for v in values if v is not None and not math.isnan(v))
    if not finite:
        return Legend((), (), decimals)
    classes = min(len(PALETTE), len(set(finite)))
    if classes <= 1:
        return Legend((), (PALETTE[-1],), decimals)
    breaks = tuple(finite[round(len(finite) * i / classes) - 1] for i in range(1, classes))
    breaks = tuple(sorted(set(breaks)))
    palette = PALETTE[len(PALETTE) - len(breaks) - 1 :]
    return Legend(breaks, palette, _distinct_decimals(breaks, decimals))


def _distinct_decimals(breaks: tuple[float, ...], decimals: int, most: int = 3) -> int:
    """Enough decimals that no two class bounds print the same."""
    while decimals < most and len({f"{b:.{decimals}f}" for b in breaks}) < len(breaks):
        decimals += 1
    return decimals


def district_features(
    shapes: Sequence[Area],
    counts_by_district: Mapping[str, Counts],
    metric: Metric,
    lang: str,
    describe: Callable[[float | None], str] | None = None,
) -> tuple[dict[str, Any], Legend]:
    """A GeoJSON FeatureCollection with each area's value, colour and tooltip (districts or
    grid cells: any shapes with code, names and geometry). `describe` words a value for the
    tooltip (e.g. an index with its band); by default the number."""
    values = {
        shape.code: metric.compute(
            {**counts_by_district.get(shape.code, {}), "population": shape.population}
        )
        if shape.code in counts_by_district
        else None
        for shape in shapes
    }
    legend = metric.fixed or _legend_for(metric, list(values.values()))
    features = [_feature(shape, values[shape.code], legend, lang, describe) for shape in shapes]
    return {"type": "FeatureCollection", "features": features}, legend


def _legend_for(metric: Metric, values: list[float | None]) -> Legend:
    if metric.counts:
        return count_legend(values)
    return quantile_legend([v for v in values if v is not None], metric.decimals)


def value_text(value: float | None, decimals: int, suffix: str = "") -> str:
    """A value as labels and tooltips show it; no value (or not a number) is a dash, never
    "nan"."""
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.{decimals}f}{suffix}"


def _feature(
    shape: Area,
    value: float | None,
    legend: Legend,
    lang: str,
    describe: Callable[[float | None], str] | None = None,
) -> dict:
    name = html.escape(shape.name_zh if lang == "zh" else shape.name_en)
    shown = describe(value) if describe else value_text(value, legend.decimals)
    return {
        "type": "Feature",
        "id": shape.code,
        "geometry": shape.geometry,
        "properties": {
            "code": shape.code,
            "name": name,
            "value": value,
            "shown": shown,
            "fill": legend.color_of(value),
            "tooltip": f"<b>{name}</b><br>{shown}",
        },
    }
