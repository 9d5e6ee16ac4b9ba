"""District colouring: quantile classes, readable legends, no data shown as no data."""

from __future__ import annotations

from dashboard.choropleth import (
    METRICS,
    NO_DATA,
    PALETTE,
    district_features,
    quantile_legend,
)

SQUARE = {"type": "Polygon", "coordinates": [[[114, 30], [114.1, 30], [114.1, 30.1], [114, 30]]]}


def _shape(code: str, population: int = 1_000_000) -> dict:
    return {
        "code": code,
        "name_zh": f"区{code}",
        "name_en": f"D{code}",
        "population": population,
        "geometry": SQUARE,
    }


def test_five_classes_for_many_distinct_values() -> None:
    legend = quantile_legend([float(v) for v in range(1, 14)])
    assert legend.colors == PALETTE
    assert len(legend.breaks) == 4
    assert legend.color_of(1) == PALETTE[0] and legend.color_of(13) == PALETTE[-1]


def test_one_value_gets_one_class() -> None:
    legend = quantile_legend([5.0, 5.0, 5.0])
    assert legend.breaks == () and len(legend.colors) == 1


def test_no_values_gives_an_empty_legend() -> None:
    legend = quantile_legend([])
    assert legend.colors == () and legend.labels() == []
    assert legend.color_of(None) == NO_DATA


def test_close_values_get_enough_decimals_to_tell_classes_apart() -> None:
    legend = quantile_legend([1.841, 1.843, 1.845, 1.847, 1.849, 1.851], decimals=1)
    labels = legend.labels()
    assert len(set(labels)) == len(labels)


def test_users_per_thousand_residents_uses_the_pack_population() -> None:
    shapes = [_shape("1", 1_000_000), _shape("2", 2_000_000)]
    counts = {"1": {"customers": 500_000}, "2": {"customers": 500_000}}
    features, _ = district_features(shapes, counts, METRICS["users_per_1000"], "en")
    values = [f["properties"]["value"] for f in features["features"]]
    assert values == [500.0, 250.0]


def test_districts_out_of_scope_are_drawn_without_data() -> None:
    shapes = [_shape("1"), _shape("2")]
    features, _ = district_features(shapes, {"1": {"sites": 4}}, METRICS["sites"], "zh")
    second = features["features"][1]["properties"]
    assert second["value"] is None and second["fill"] == NO_DATA
    assert "—" in second["tooltip"]


def test_names_in_tooltips_are_escaped() -> None:
    shape = {**_shape("1"), "name_en": "<script>alert(1)</script>"}
    features, _ = district_features([shape], {"1": {"sites": 1}}, METRICS["sites"], "en")
    assert "<script>" not in features["features"][0]["properties"]["tooltip"]
