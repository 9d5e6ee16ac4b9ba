"""District colouring: quantile classes, readable legends, no data shown as no data."""

from __future__ import annotations

from dataclasses import replace

from callbacks.one_map import add_ranks, area_labels, band_names, index_legend_box, index_values
from callbacks.screen import district_labels
from dashboard.choropleth import (
    CALM_ZERO,
    COVERAGE_LEGEND,
    GRID_METRICS,
    METRICS,
    NO_DATA,
    PALETTE,
    THEMES,
    band_legend_rows,
    count_legend,
    district_features,
    index_legend,
    index_text,
    quantile_legend,
    safety_index_metric,
)
from dashboard.domain.scoring import (
    BAND_COLOURS,
    DistrictCounts,
    Rate,
    config_from_dict,
    district_band,
    district_index,
    load_config_file,
    parse_period,
    with_value,
)
from data_access.queries.one_map import DistrictShape
from data_access.queries.rankings import DistrictRanking, DistrictScoreRow

SQUARE = {"type": "Polygon", "coordinates": [[[114, 30], [114.1, 30], [114.1, 30.1], [114, 30]]]}


def _shape(code: str, population: int = 1_000_000) -> DistrictShape:
    return DistrictShape(
        code=code,
        name_zh=f"区{code}",
        name_en=f"D{code}",
        population=population,
        area_km2=100.0,
        centroid_lat=30.05,
        centroid_lon=114.05,
        geometry=SQUARE,
    )


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
    shape = replace(_shape("1"), name_en="<script>alert(1)</script>")
    features, _ = district_features([shape], {"1": {"sites": 1}}, METRICS["sites"], "en")
    assert "<script>" not in features["features"][0]["properties"]["tooltip"]


def test_coverage_is_inspected_over_due_with_fixed_classes() -> None:
    shapes = [_shape("1"), _shape("2"), _shape("3")]
    counts = {"1": {"due": 200, "inspected": 50}, "2": {"due": 10}, "3": {}}
    features, legend = district_features(shapes, counts, METRICS["coverage"], "en")
    values = [f["properties"]["value"] for f in features["features"]]
    assert values == [25.0, 0.0, None]  # nothing due: no data, not 0 %
    assert legend is COVERAGE_LEGEND
    assert legend.color_of(0.0) == PALETTE[-1] and legend.color_of(95.0) == PALETTE[0]


CONFIG = load_config_file()  # bands: blue >= 85, yellow >= 75, orange >= 60


def _row(code: str, coverage: tuple[int, int], rank: int | None, previous: float | None):
    """A district whose one applying component is inspection coverage, so its index is the
    coverage rate x 100."""
    counts = DistrictCounts({"inspection_coverage": Rate(*coverage)}, {})
    score = district_index(counts, CONFIG)
    change = None if previous is None or score.index is None else score.index - previous
    return DistrictScoreRow(
        code, f"区{code}", f"D{code}", counts, score, rank, previous, change, None
    )


def _ranking(*rows: DistrictScoreRow) -> DistrictRanking:
    period = parse_period("2026Q4")
    return DistrictRanking(period, period.previous(), CONFIG.version, list(rows), None)


def test_the_safety_index_bands_are_the_configs_at_or_above_bounds() -> None:
    legend = index_legend(CONFIG)
    for value in (0.0, 59.99, 60.0, 74.9, 75.0, 84.99, 85.0, 100.0):
        assert legend.color_of(value) == BAND_COLOURS[district_band(value, CONFIG) or ""], value
    assert legend.color_of(None) == NO_DATA
    assert band_legend_rows(CONFIG) == [
        ("blue", BAND_COLOURS["blue"], "≥ 85"),
        ("yellow", BAND_COLOURS["yellow"], "75 – 85"),
        ("orange", BAND_COLOURS["orange"], "60 – 75"),
        ("red", BAND_COLOURS["red"], "< 60"),
    ]


def test_the_legend_follows_a_changed_configuration_not_literals() -> None:
    changed = config_from_dict(with_value(CONFIG, "district.bands.blue", 90.5))
    assert band_legend_rows(changed)[0][2] == "≥ 90.5"
    assert index_legend(changed).color_of(88.0) == BAND_COLOURS["yellow"]


def test_the_safety_index_theme_labels_each_district_with_its_index_and_band() -> None:
    shapes = [_shape("1"), _shape("2"), _shape("3")]
    ranking = _ranking(
        _row("1", (33, 40), 1, 80.0), _row("2", (1, 2), 2, None), _row("3", (0, 0), None, None)
    )
    features, _ = district_features(
        shapes,
        index_values(ranking),
        safety_index_metric(CONFIG),
        "zh",
        describe=lambda value: index_text(value, CONFIG, band_names("zh")),
    )
    add_ranks(features, ranking, "zh", whole_city=True)
    props = [f["properties"] for f in features["features"]]
    assert [p["value"] for p in props] == [82.5, 50.0, None]
    assert [p["shown"] for p in props] == ["82.5 · 黄", "50.0 · 红", "—"]
    assert [p["fill"] for p in props] == [BAND_COLOURS["yellow"], BAND_COLOURS["red"], NO_DATA]
    assert "第 1 名 / 2" in props[0]["tooltip"] and "↑ +2.5" in props[0]["tooltip"]
    assert "第 2 名 / 2" in props[1]["tooltip"] and "较上期" not in props[1]["tooltip"]
    assert "名" not in props[2]["tooltip"]  # no index, no rank
    labels = area_labels(shapes, features)
    assert [f["properties"]["shown"] for f in labels["features"]] == ["82.5 · 黄", "50.0 · 红", ""]
    english = index_text(82.5, CONFIG, band_names("en"))
    assert english == "82.5 · yellow"


def test_the_index_legend_names_the_period_version_and_the_four_bands() -> None:
    box = index_legend_box(_ranking(), CONFIG, "en")
    text = str(box)
    assert box.to_plotly_json()["props"]["data-theme"] == "safety_index"
    for words in ("blue  ≥ 85", "yellow  75 – 85", "orange  60 – 75", "red  < 60"):
        assert words in text, words
    assert "2026Q4" in text and CONFIG.version in text and "/rankings?period=2026Q4" in text


def test_the_safety_index_is_offered_for_districts_and_the_provisional_band_is_gone() -> None:
    assert "safety_index" in THEMES and "safety_index" not in GRID_METRICS
    assert "risk_band" not in METRICS and "risk_band" not in THEMES


def test_small_counts_get_whole_number_classes_with_zero_a_class_of_its_own() -> None:
    for values in ([0.0, 0.0, 1.0], [0.0], [], [1.0, 1.0, 1.0], [3.0, 7.0, 12.0]):
        legend = count_legend(values)
        assert legend.labels() == ["0", "1–2", "3–5", "6–10", "≥ 11"], values
        assert all(bound == int(bound) for bound in legend.breaks)
        assert legend.color_of(0.0) == CALM_ZERO and legend.color_of(1.0) != CALM_ZERO


def test_large_counts_get_round_bounds_that_never_coincide() -> None:
    legend = count_legend([0.0, 12.0, 340.0])
    assert legend.labels() == ["0", "1–50", "51–100", "101–200", "≥ 201"]
    assert legend.color_of(340.0) == legend.colors[-1]
    assert len(set(legend.labels())) == len(legend.labels())


def test_districts_without_hazards_are_labelled_zero_not_nan() -> None:
    shapes = [_shape("1"), _shape("2"), _shape("3"), _shape("4")]
    counts = {
        "1": {"hazards_open": 1},
        "2": {},
        "3": {"hazards_open": float("nan")},
        "4": {"due": 3},
    }
    features, legend = district_features(shapes, counts, METRICS["hazards_open"], "zh")
    shown = [f["properties"]["shown"] for f in features["features"]]
    assert shown == ["1", "0", "0", "0"]
    assert legend.labels()[:2] == ["0", "1–2"]
    labels = area_labels(shapes, features)
    assert [f["properties"]["shown"] for f in labels["features"]] == ["1", "0", "0", "0"]
    assert "nan" not in str(features) + str(labels) + str(legend.labels())


def test_the_wall_labels_every_district_with_its_count() -> None:
    shapes = [_shape("1"), replace(_shape("2"), area_km2=30.0), replace(_shape("3"), area_km2=40.0)]
    counts = {"1": {"hazards_open": 2}, "2": {}, "3": {"hazards_open": float("nan")}}
    features, _ = district_features(shapes, counts, METRICS["hazards_open"], "en")
    markers = district_labels(shapes, features)
    assert [m.iconOptions["html"].count("<b>0</b>") for m in markers] == [0, 1, 1]
    assert "nan" not in str([m.iconOptions for m in markers])
