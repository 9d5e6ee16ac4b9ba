"""The districts' and enterprises' traits (simulators/district_traits.py): explicit, different,
deterministic from the seed, and read by the streams only when set."""

from __future__ import annotations

from simulators.anomalies import Anomalies
from simulators.district_traits import (
    ARCHETYPES,
    DISTRICT_RANGES,
    LEVELS,
    MAX_ANOMALY_RATE,
    NEUTRAL_DISTRICT,
    CityTraits,
    district_traits,
    enterprise_traits,
    scaled_rate,
)

WUHAN = [f"4201{k:02d}" for k in (2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 16, 17)]
ENTERPRISES = [f"ENT-{k:04d}" for k in range(1, 49)]


def test_the_same_seed_gives_the_same_traits_whatever_the_order() -> None:
    assert district_traits(WUHAN, 3) == district_traits(list(reversed(WUHAN)), 3)
    assert enterprise_traits(ENTERPRISES, 3) == enterprise_traits(ENTERPRISES[::-1], 3)


def test_another_seed_deals_other_traits() -> None:
    assert district_traits(WUHAN, 1) != district_traits(WUHAN, 2)
    assert enterprise_traits(ENTERPRISES, 1) != enterprise_traits(ENTERPRISES, 2)


def test_every_archetype_is_dealt_in_a_city_of_thirteen() -> None:
    for seed in range(5):
        dealt = {t.archetype for t in district_traits(WUHAN, seed).values()}
        assert dealt == set(ARCHETYPES)


def test_each_value_lies_in_its_level_range() -> None:
    for seed in range(3):
        for traits in district_traits(WUHAN, seed).values():
            levels = ARCHETYPES[traits.archetype]
            for name, ranges in DISTRICT_RANGES.items():
                low, high = ranges[LEVELS.index(levels.get(name, "fair"))]
                assert low <= getattr(traits, name) <= high, (traits.archetype, name)


def test_the_good_and_poor_ranges_do_not_overlap() -> None:
    """A poor district is worse than a good one on that trait whatever the draw."""
    for name, (good, fair, poor) in DISTRICT_RANGES.items():
        ordered = sorted([good, fair, poor])
        assert ordered in ([good, fair, poor], [poor, fair, good]), name
        assert ordered[0][1] < ordered[1][0] and ordered[1][1] < ordered[2][0], name


def test_contrasting_archetypes_differ_where_they_should() -> None:
    traits = district_traits(WUHAN, 0)
    by_kind = {t.archetype: t for t in traits.values()}
    thorough, quick = by_kind["thorough_but_slow"], by_kind["quick_but_thin"]
    assert thorough.coverage is not None and quick.coverage is not None
    assert thorough.coverage > quick.coverage
    assert thorough.rectification > quick.rectification  # slower to rectify
    assert by_kind["lax_chain"].real_name > by_kind["model"].real_name
    assert by_kind["remote"].response_delay_min > by_kind["model"].response_delay_min


def test_enterprises_come_in_kinds_with_a_few_rogues() -> None:
    kinds = [t.kind for t in enterprise_traits(ENTERPRISES, 0).values()]
    assert kinds.count("rogue") == 4 and kinds.count("sloppy") == 8
    assert kinds.count("exemplary") == 12 and kinds.count("ordinary") == 24
    assert enterprise_traits(ENTERPRISES[:2], 0)["ENT-0001"].kind in ("exemplary", "ordinary")


def test_neutral_traits_change_nothing() -> None:
    neutral = CityTraits.neutral()
    assert not neutral.active
    assert neutral.district("420102") == NEUTRAL_DISTRICT
    assert neutral.enterprise("ENT-0001").real_name == 1.0
    assert CityTraits.of_codes(WUHAN, ENTERPRISES, 0).active


def test_scaled_rates_are_capped() -> None:
    assert scaled_rate(0.004, 5.0) == 0.02
    assert scaled_rate(0.004, 20.0, 20.0) == MAX_ANOMALY_RATE


class _Fixed:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def test_an_anomaly_factor_scales_the_kind_rate() -> None:
    rolls = Anomalies({"black_cylinder": 0.01}, _Fixed(0.05))  # type: ignore[arg-type]
    assert not rolls.roll("black_cylinder")
    assert rolls.roll("black_cylinder", 6.0)  # 0.06 > 0.05
    off = Anomalies({"black_cylinder": 0.0}, _Fixed(0.0))  # type: ignore[arg-type]
    assert not off.roll("black_cylinder", 50.0)  # a kind turned off stays off
