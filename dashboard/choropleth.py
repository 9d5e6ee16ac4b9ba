"""Turning per-district counts into a coloured map layer and its legend (no Dash here)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Sequential yellow-to-red: reads on a dark background and for colour-weak eyes.
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#2b3a4a"

Counts = Mapping[str, float]


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
class Metric:
    key: str  # also its label key, "metric.<key>"
    compute: Callable[[Counts], float | None]
    decimals: int = 0


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("users_per_1000", _ratio("customers", "population", 1000), 1),
        Metric("cylinders_overdue", _count("cylinders_overdue_inspection")),
        Metric("real_name_share", _ratio("customers_real_name", "customers", 100), 1),
        Metric("sites", _count("sites")),
    )
}
DEFAULT_METRIC = "users_per_1000"


@dataclass(frozen=True)
class Legend:
    breaks: tuple[float, ...]  # upper bound of each class but the last
    colors: tuple[str, ...]
    decimals: int

    def color_of(self, value: float | None) -> str:
        if value is None or math.isnan(value):
            return NO_DATA
        for bound, color in zip(self.breaks, self.colors, strict=False):
            if value <= bound:
                return color
        return self.colors[-1]

    def labels(self) -> list[str]:
        if not self.colors:
            return []
        fmt = f"{{:,.{self.decimals}f}}"
        lows = ["≤ " + fmt.format(self.breaks[0])] if self.breaks else ["–"]
        middles = [
            f"{fmt.format(low)} – {fmt.format(high)}"
            for low, high in zip(self.breaks, self.breaks[1:], strict=False)
        ]
        last = ["> " + fmt.format(self.breaks[-1])] if self.breaks else []
        return (lows + middles + last)[: len(self.colors)]


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
    shapes: list[dict[str, Any]],
    counts_by_district: Mapping[str, Counts],
    metric: Metric,
    lang: str,
) -> tuple[dict[str, Any], Legend]:
    """A GeoJSON FeatureCollection with each district's value, colour and tooltip."""
    values = {
        shape["code"]: metric.compute(
            {**counts_by_district.get(shape["code"], {}), "population": shape["population"]}
        )
        if shape["code"] in counts_by_district
        else None
        for shape in shapes
    }
    legend = quantile_legend([v for v in values.values() if v is not None], metric.decimals)
    features = [_feature(shape, values[shape["code"]], legend, lang) for shape in shapes]
    return {"type": "FeatureCollection", "features": features}, legend


def _feature(shape: dict[str, Any], value: float | None, legend: Legend, lang: str) -> dict:
    name = html.escape(shape["name_zh"] if lang == "zh" else shape["name_en"])
    shown = "—" if value is None else f"{value:,.{legend.decimals}f}"
    return {
        "type": "Feature",
        "id": shape["code"],
        "geometry": shape["geometry"],
        "properties": {
            "code": shape["code"],
            "name": name,
            "value": value,
            "fill": legend.color_of(value),
            "tooltip": f"<b>{name}</b><br>{shown}",
        },
    }
