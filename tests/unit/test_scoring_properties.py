"""Properties of the district safety index (dashboard/domain/scoring.py) that hold for any
counts and any valid weights: worse counts never raise it, a zero weight removes a component,
and the weights are honoured (only their proportions matter; raising one pulls the index
toward that component's rate)."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dashboard.domain.scoring import (
    COMPONENTS,
    DistrictCounts,
    Rate,
    ScoringConfig,
    config_from_dict,
    district_index,
    load_config_file,
)

SHIPPED = load_config_file()
ROUNDING = 0.01  # the index is rounded to 2 places: two rounded values may each move 0.005


@st.composite
def rates(draw: Any) -> Rate:
    denominator = draw(st.integers(0, 500))
    return Rate(draw(st.integers(0, denominator)), denominator)


@st.composite
def district_counts(draw: Any) -> DistrictCounts:
    return DistrictCounts(
        rates={name: draw(rates()) for name in COMPONENTS},
        deductions={
            "black_cylinders": draw(st.integers(0, 50)),
            "major_hazards_overdue": draw(st.integers(0, 20)),
        },
    )


@st.composite
def configs(draw: Any) -> ScoringConfig:
    """Any valid weights (at least one above 0) and deductions; the shipped rest."""
    weights = {name: draw(st.integers(0, 100)) for name in COMPONENTS}
    assume(any(weights.values()))
    data = SHIPPED.as_dict()
    data["district"]["weights"] = weights
    for name in data["district"]["deductions"]:
        data["district"]["deductions"][name] = {
            "points_each": draw(st.integers(0, 20)) / 2,
            "cap": draw(st.integers(0, 40)) / 2,
        }
    return config_from_dict(data)


def index_of(counts: DistrictCounts, config: ScoringConfig) -> float | None:
    return district_index(counts, config).index


def with_rate(counts: DistrictCounts, name: str, rate: Rate) -> DistrictCounts:
    return DistrictCounts({**counts.rates, name: rate}, counts.deductions)


def with_weights(config: ScoringConfig, weights: dict[str, float]) -> ScoringConfig:
    data = config.as_dict()
    data["district"]["weights"] = weights
    return config_from_dict(data)


def no_deductions(counts: DistrictCounts) -> DistrictCounts:
    return DistrictCounts(counts.rates, {})


@given(district_counts(), configs(), st.integers(1, 20))
def test_more_overdue_major_hazards_never_raise_the_index(counts, config, more) -> None:
    worse = DistrictCounts(
        counts.rates,
        {
            **counts.deductions,
            "major_hazards_overdue": counts.deductions["major_hazards_overdue"] + more,
        },
    )
    before, after = index_of(counts, config), index_of(worse, config)
    assert (before is None) == (after is None)
    if before is not None and after is not None:
        assert after <= before


@given(district_counts(), configs(), st.integers(1, 500))
def test_fewer_hazards_rectified_on_time_never_raise_the_index(counts, config, fewer) -> None:
    rate = counts.rates["on_time_rectification"]
    worse_rate = Rate(max(0, rate.numerator - fewer), rate.denominator)
    worse = with_rate(counts, "on_time_rectification", worse_rate)
    before, after = index_of(counts, config), index_of(worse, config)
    if before is not None and after is not None:
        assert after <= before
    assert (before is None) == (after is None)


@given(district_counts(), configs(), st.sampled_from(COMPONENTS), rates())
def test_a_zero_weight_removes_its_component(counts, config, name, other_rate) -> None:
    weights = {**config.district.weights, name: 0}
    assume(any(weights.values()))
    removed = with_weights(config, weights)
    changed = with_rate(counts, name, other_rate)
    assert district_index(changed, removed).index == district_index(counts, removed).index
    component = {c.name: c for c in district_index(changed, removed).components}[name]
    assert component.points is None


@given(district_counts(), configs())
def test_doubling_every_weight_changes_nothing(counts, config) -> None:
    doubled = with_weights(config, {k: 2 * w for k, w in config.district.weights.items()})
    a, b = district_index(counts, config), district_index(counts, doubled)
    assert a.index == b.index  # x2 is exact in floating point: exactly the same figures
    assert [c.points for c in a.components] == [c.points for c in b.components]


@given(district_counts(), configs(), st.sampled_from(COMPONENTS), st.integers(1, 500))
def test_raising_a_weight_moves_the_index_toward_that_components_rate(
    counts, config, name, more
) -> None:
    counts = no_deductions(counts)  # the weighted mean alone
    rate = counts.rates[name].value
    assume(rate is not None)
    assert rate is not None
    weights = dict(config.district.weights)
    weights[name] = weights[name] + more
    before = index_of(counts, config)
    after = index_of(counts, with_weights(config, weights))
    assert after is not None
    target = 100 * rate
    if before is None:  # only this component applies now
        assert abs(after - target) <= ROUNDING
        return
    assert abs(after - target) <= abs(before - target) + ROUNDING
    if target >= before:
        assert after >= before - ROUNDING
    else:
        assert after <= before + ROUNDING


@settings(max_examples=50)
@given(district_counts(), configs())
def test_the_index_stays_within_0_and_100_and_the_shares_add_up(counts, config) -> None:
    result = district_index(counts, config)
    if result.index is None:
        assert all(c.points is None for c in result.components)
        return
    assert 0 <= result.index <= 100
    shares = sum(c.points or 0 for c in result.components)
    deducted = sum(d.points for d in result.deductions)
    assert abs(result.index - max(0.0, min(100.0, shares - deducted))) <= ROUNDING / 2
