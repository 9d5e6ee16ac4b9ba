"""The scoring models of spec/scoring.md (dashboard/domain/scoring.py) on small fixtures computed
by hand: the arithmetic is in the comments, under the shipped configuration (version 2026.1:
district weights 25/20/10/15/10/10/10, deductions 0.5 each capped at 5 and 2 each capped at 10,
bands 85/75/60; traceability 40/40/20 flagged below 70; risk 1/3/5/1/1 + 4 when flagged, bands
20/10/4; frequencies 30/91/182/365 days; score 50/50 with 2.5 safety points per risk point)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard.domain.scoring import (
    COMPONENTS,
    DistrictCounts,
    EnterpriseCounts,
    EnterpriseScore,
    Period,
    Rate,
    ScoringConfig,
    ScoringConfigError,
    changed_keys,
    config_from_dict,
    config_from_toml,
    current_quarter,
    district_band,
    district_index,
    enterprise_score,
    four_colour,
    inspection_overdue,
    last_quarters,
    load_config_file,
    overdue_inspections,
    parse_period,
    rank,
    red_black_lists,
    risk_points,
    traceability_score,
    with_value,
)

CONFIG = load_config_file()
TODAY = date(2026, 12, 1)


def config_with(**values: float) -> ScoringConfig:
    """The shipped configuration with dotted keys changed (given with "__" for ".")."""
    config = CONFIG
    for key, value in values.items():
        config = config_from_dict(with_value(config, key.replace("__", "."), value))
    return config


def counts(rates: dict[str, Rate], black: int = 0, major_overdue: int = 0) -> DistrictCounts:
    return DistrictCounts(
        rates=rates, deductions={"black_cylinders": black, "major_hazards_overdue": major_overdue}
    )


FULL = {name: Rate(1, 1) for name in COMPONENTS}


# --- the shipped file -------------------------------------------------------------------------


def test_the_shipped_file_is_version_one_with_the_specs_weights() -> None:
    assert CONFIG.version == "2026.1"
    assert dict(CONFIG.district.weights) == {
        "inspection_coverage": 25,
        "on_time_rectification": 20,
        "hazard_closure": 10,
        "cylinder_traceability": 15,
        "safety_checks": 10,
        "emergency_response": 10,
        "complaint_handling": 10,
    }


# --- the district safety index ----------------------------------------------------------------


def test_district_index_with_every_component_and_deductions_under_their_caps() -> None:
    rates = {
        "inspection_coverage": Rate(80, 100),  # 0.80 x 25 = 20
        "on_time_rectification": Rate(15, 20),  # 0.75 x 20 = 15
        "hazard_closure": Rate(9, 10),  # 0.90 x 10 = 9
        "cylinder_traceability": Rate(150, 200),  # 0.75 x 15 = 11.25
        "safety_checks": Rate(180, 200),  # 0.90 x 10 = 9
        "emergency_response": Rate(4, 5),  # 0.80 x 10 = 8
        "complaint_handling": Rate(7.2, 9),  # 0.80 x 10 = 8
    }
    # 100 x 80.25 / 100 = 80.25; minus 3 black x 0.5 = 1.5 and 2 major overdue x 2 = 4
    result = district_index(counts(rates, black=3, major_overdue=2), CONFIG)
    assert result.index == 74.75  # 80.25 - 5.5
    assert result.band == "orange"  # 60 <= 74.75 < 75
    assert result.version == "2026.1"
    points = {c.name: c.points for c in result.components}
    assert points == {
        "inspection_coverage": 20.0,
        "on_time_rectification": 15.0,
        "hazard_closure": 9.0,
        "cylinder_traceability": 11.25,
        "safety_checks": 9.0,
        "emergency_response": 8.0,
        "complaint_handling": 8.0,
    }
    assert [(d.name, d.count, d.points, d.capped) for d in result.deductions] == [
        ("black_cylinders", 3, 1.5, False),
        ("major_hazards_overdue", 2, 4.0, False),
    ]


def test_components_without_a_denominator_do_not_apply() -> None:
    rates = {**FULL, "inspection_coverage": Rate(1, 2)}
    rates["emergency_response"] = Rate(0, 0)  # no incident this quarter
    rates["complaint_handling"] = Rate(0, 0)  # no complaint due
    # weights applying: 25 + 20 + 10 + 15 + 10 = 80
    # 25 x 0.5 + 20 + 10 + 15 + 10 = 67.5; 100 x 67.5 / 80 = 84.375
    result = district_index(counts(rates), CONFIG)
    assert result.index == 84.38  # rounded to 2 places
    assert result.band == "yellow"  # 75 <= 84.38 < 85
    points = {c.name: c.points for c in result.components}
    assert points["inspection_coverage"] == 15.625  # 100 x 25 x 0.5 / 80
    assert points["on_time_rectification"] == 25.0  # 100 x 20 / 80
    assert points["emergency_response"] is None
    assert points["complaint_handling"] is None
    assert sum(p for p in points.values() if p is not None) == 84.375


def test_a_missing_rate_is_a_component_that_does_not_apply() -> None:
    rates = {"inspection_coverage": Rate(3, 4)}  # only coverage: 100 x 0.75 = 75
    assert district_index(counts(rates), CONFIG).index == 75.0


def test_deductions_are_capped() -> None:
    # every rate 1: 100; 20 black x 0.5 = 10, capped at 5; 7 major overdue x 2 = 14, capped at 10
    result = district_index(counts(FULL, black=20, major_overdue=7), CONFIG)
    assert [(d.points, d.capped) for d in result.deductions] == [(5.0, True), (10.0, True)]
    assert result.index == 85.0  # 100 - 5 - 10
    assert result.band == "blue"  # at the bound is the bound's colour


def test_the_index_never_goes_below_zero() -> None:
    nothing = {name: Rate(0, 10) for name in COMPONENTS}
    result = district_index(counts(nothing, black=100, major_overdue=100), CONFIG)
    assert result.index == 0.0  # 0 - 15, clamped
    assert result.band == "red"


def test_no_component_applying_gives_no_index_not_zero() -> None:
    result = district_index(counts({}, black=2), CONFIG)
    assert (result.index, result.band) == (None, None)
    assert result.deductions[0].points == 1.0  # still shown: 2 x 0.5


def test_a_zero_weight_removes_its_component() -> None:
    config = config_with(district__weights__hazard_closure=0)
    rates = {**FULL, "hazard_closure": Rate(0, 10)}  # would pull the index down
    result = district_index(counts(rates), config)
    assert result.index == 100.0  # 90 x 1 / 90: hazard closure left out
    assert {c.name: c.points for c in result.components}["hazard_closure"] is None


@pytest.mark.parametrize(
    ("index", "band"),
    [
        (100.0, "blue"),
        (85.0, "blue"),
        (84.99, "yellow"),
        (75.0, "yellow"),
        (74.99, "orange"),
        (60.0, "orange"),
        (59.99, "red"),
        (0.0, "red"),
        (None, None),
    ],
)
def test_band_bounds(index: float | None, band: str | None) -> None:
    assert district_band(index, CONFIG) == band


def test_a_rate_is_clamped_to_one_and_none_without_a_denominator() -> None:
    assert Rate(5, 4).value == 1.0
    assert Rate(-1, 4).value == 0.0
    assert Rate(3, 4).value == 0.75
    assert Rate(3, 0).value is None


# --- ranks ------------------------------------------------------------------------------------


def test_ranks_share_ties_and_say_the_change() -> None:
    scores = {"D": 70.0, "B": 80.0, "C": 80.0, "A": 90.0, "E": None}
    previous = {"A": 85.0, "B": 82.0, "D": 75.0}  # ranks then: A 1, B 2, D 3
    rows = rank(scores, previous)
    assert [(r.key, r.rank, r.change, r.previous_rank) for r in rows] == [
        ("A", 1, 5.0, 1),  # 90 - 85
        ("B", 2, -2.0, 2),  # 80 - 82
        ("C", 2, None, None),  # tied with B; no previous score
        ("D", 4, -5.0, 3),  # competition ranking: 1, 2, 2, 4
        ("E", None, None, None),  # no score: last
    ]


def test_three_way_tie_and_no_previous() -> None:
    rows = rank({"x": 50.0, "y": 50.0, "z": 50.0, "w": 10.0})
    assert [(r.key, r.rank, r.change) for r in rows] == [
        ("x", 1, None),
        ("y", 1, None),
        ("z", 1, None),
        ("w", 4, None),
    ]


# --- enterprise scores ------------------------------------------------------------------------


def test_traceability_is_the_weighted_mean_of_three_shares() -> None:
    counts_ = EnterpriseCounts(sales=100, real_name_sales=80, deliveries=90, complete_deliveries=72)
    # real-name 80/100 = 0.8 (x40), complete 72/90 = 0.8 (x40), delivery scans 90/100 = 0.9 (x20)
    assert traceability_score(counts_, CONFIG) == 82.0  # 32 + 32 + 18


def test_traceability_leaves_out_the_shares_without_a_denominator() -> None:
    # no sales: only the complete chain applies, 5/10 = 0.5
    assert traceability_score(EnterpriseCounts(deliveries=10, complete_deliveries=5), CONFIG) == 50
    assert traceability_score(EnterpriseCounts(), CONFIG) is None


def test_delivery_scans_are_capped_at_the_sales() -> None:
    counts_ = EnterpriseCounts(sales=10, real_name_sales=10, deliveries=30, complete_deliveries=30)
    assert traceability_score(counts_, CONFIG) == 100.0  # min(30, 10) / 10 = 1


def test_risk_points_colour_frequency_and_score_of_a_flagged_enterprise() -> None:
    counts_ = EnterpriseCounts(
        sales=10,
        real_name_sales=2,  # 0.2 x 40 = 8
        deliveries=10,
        complete_deliveries=5,  # 0.5 x 40 = 20
        # delivery scans 10/10 = 1 x 20 = 20: traceability 48, below 70: flagged
        hazards=2,  # x1 = 2
        major_hazards=1,  # x3 = 3
        incidents=1,  # x5 = 5
        violation_points=3,  # x1 = 3
        failed_inspections=1,  # x1 = 1: 14, + 4 flagged = 18
        last_inspection=date(2026, 9, 1),  # 91 days before TODAY
    )
    score = enterprise_score(counts_, TODAY, CONFIG)
    assert score.traceability == 48.0
    assert score.flagged is True
    assert score.risk_points == 18.0
    assert score.colour == "orange"  # 10 <= 18 < 20
    assert score.frequency_days == 91
    assert score.inspection_overdue is False  # 91 days is not older than 91
    assert score.score == 51.5  # safety 100 - 18 x 2.5 = 55; (50 x 48 + 50 x 55) / 100
    assert score.suspended is False
    assert score.version == "2026.1"
    later = enterprise_score(counts_, date(2026, 12, 2), CONFIG)
    assert later.inspection_overdue is True  # 92 days > 91


def test_risk_points_without_the_flag() -> None:
    counts_ = EnterpriseCounts(hazards=2, major_hazards=1, incidents=1)  # 2 + 3 + 5
    assert risk_points(counts_, False, CONFIG) == 10.0
    assert risk_points(counts_, True, CONFIG) == 14.0  # + low_traceability 4


def test_an_enterprise_with_nothing_is_blue_scored_on_safety_and_overdue_if_never_inspected():
    score = enterprise_score(EnterpriseCounts(), TODAY, CONFIG)
    assert (score.traceability, score.flagged, score.risk_points) == (None, False, 0.0)
    assert (score.colour, score.frequency_days) == ("blue", 365)
    assert score.score == 100.0  # safety 100 alone (no traceability)
    assert score.inspection_overdue is True  # never inspected


@pytest.mark.parametrize(
    ("points", "colour"),
    [
        (25, "red"),
        (20, "red"),
        (19.99, "orange"),
        (10, "orange"),
        (9.99, "yellow"),
        (4, "yellow"),
        (3.99, "blue"),
        (0, "blue"),
    ],
)
def test_four_colour_bounds(points: float, colour: str) -> None:
    assert four_colour(points, CONFIG) == colour


@pytest.mark.parametrize(
    ("colour", "last", "overdue"),
    [
        ("red", date(2026, 11, 1), False),  # 30 days
        ("red", date(2026, 10, 31), True),  # 31 days > 30
        ("yellow", date(2026, 6, 2), False),  # 182 days
        ("yellow", date(2026, 6, 1), True),  # 183
        ("blue", date(2025, 12, 1), False),  # 365
        ("blue", date(2025, 11, 30), True),  # 366
        ("blue", None, True),
    ],
)
def test_inspection_overdue_by_colour(colour: str, last: date | None, overdue: bool) -> None:
    assert inspection_overdue(last, colour, TODAY, CONFIG) is overdue


def test_twelve_points_in_the_year_suspend() -> None:
    assert enterprise_score(EnterpriseCounts(year_points=11), TODAY, CONFIG).suspended is False
    assert enterprise_score(EnterpriseCounts(year_points=12), TODAY, CONFIG).suspended is True


# --- red and black lists, overdue inspections -------------------------------------------------


def scored(
    value: float,
    *,
    suspended: bool = False,
    last: date | None = date(2026, 11, 1),
    frequency=365,
    traceability: float | None = 80.0,
):
    return EnterpriseScore(
        traceability=traceability,
        flagged=False,
        risk_points=0.0,
        colour="blue",
        frequency_days=frequency,
        last_inspection=last,
        inspection_overdue=last is None or (TODAY - last).days > frequency,
        score=value,
        suspended=suspended,
        version="2026.1",
    )


def test_red_and_black_lists_with_a_suspended_enterprise() -> None:
    config = config_with(lists__size=2)
    scores = {
        "E1": scored(90),
        "E2": scored(80),
        "E3": scored(70, suspended=True),
        "E4": scored(60),
        "E5": scored(50),
    }
    lists = red_black_lists(scores, config)
    assert lists.red == ("E1", "E2")  # the best two
    assert lists.black == ("E5", "E4", "E3")  # the worst two, then the suspended


def test_a_suspended_enterprise_is_never_on_the_red_list_and_ties_go_by_id() -> None:
    config = config_with(lists__size=2)
    scores = {"B": scored(80), "A": scored(80), "S": scored(99, suspended=True), "C": scored(10)}
    lists = red_black_lists(scores, config)
    assert lists.red == ("A", "B")  # S is the best but suspended; A before B on the tie
    assert lists.black == ("C", "S")  # worst two not on the red list: C, then S (also suspended)


def test_only_an_enterprise_inspected_in_time_and_with_sales_earns_the_red_list() -> None:
    config = config_with(lists__size=2)
    scores = {
        "NEVER": scored(100, last=None),  # never inspected: overdue
        "NODATA": scored(99, traceability=None),  # nothing sold to judge it by
        "A": scored(70),
        "B": scored(60),
        "C": scored(10),
    }
    lists = red_black_lists(scores, config)
    assert lists.red == ("A", "B")
    assert lists.black == ("C", "NODATA")  # the worst two of those not on the red list


def test_overdue_inspections_longest_overdue_first() -> None:
    scores = {
        "A": scored(50, last=None),  # never: first of all
        "B": scored(50, last=date(2026, 10, 1), frequency=30),  # 61 - 30 = 31 days over
        "C": scored(50, last=date(2026, 11, 20), frequency=30),  # 11 days: in time
        "D": scored(50, last=date(2026, 1, 1), frequency=182),  # 334 - 182 = 152 days over
    }
    assert overdue_inspections(scores, TODAY) == ["A", "D", "B"]
    assert overdue_inspections(scores, TODAY, limit=2) == ["A", "D"]


# --- periods ----------------------------------------------------------------------------------


def test_a_quarter_its_bounds_and_the_one_before() -> None:
    q4 = parse_period("2026Q4")
    assert q4 == Period(date(2026, 10, 1), date(2027, 1, 1))
    assert (q4.label, q4.is_quarter, q4.days) == ("2026Q4", True, 92)
    # Asia/Shanghai midnight is 16:00 UTC the day before
    assert q4.bounds() == (
        datetime(2026, 9, 30, 16, tzinfo=UTC),
        datetime(2026, 12, 31, 16, tzinfo=UTC),
    )
    assert q4.previous() == Period(date(2026, 7, 1), date(2026, 10, 1))
    assert parse_period("2026q1").previous().label == "2025Q4"


def test_a_range_of_days_and_the_range_before() -> None:
    period = parse_period(" 2026-10-01..2026-11-15 ")
    assert period == Period(date(2026, 10, 1), date(2026, 11, 16))  # both days included
    assert (period.label, period.is_quarter, period.days) == ("2026-10-01..2026-11-15", False, 46)
    assert period.previous() == Period(date(2026, 8, 16), date(2026, 10, 1))  # 46 days before
    assert parse_period("2026-10-01..2026-12-31").label == "2026Q4"  # a whole quarter is one
    assert parse_period("2026-10-01..2026-10-01").days == 1


def test_current_quarter_is_the_citys_and_last_quarters_oldest_first() -> None:
    # 17:00 UTC on 31 December is 01:00 on 1 January in the city
    assert current_quarter(datetime(2026, 12, 31, 17, tzinfo=UTC)).label == "2027Q1"
    assert current_quarter(datetime(2026, 12, 31, 15, tzinfo=UTC)).label == "2026Q4"
    labels = [p.label for p in last_quarters(parse_period("2026-11-03..2026-11-20"))]
    assert labels == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026Q5", "not a period: '2026Q5'"),
        ("", "not a period: ''"),
        ("last quarter", "not a period"),
        ("2026-02-30..2026-03-01", "not a date in '2026-02-30..2026-03-01'"),
        ("2026-11-15..2026-10-01", "ends before it starts"),
        ("2000-01-01..2015-01-01", "longer than ten years"),
        # the calendar's ends: no UTC instant for the period, or for the one before it
        ("9999-12-31..9999-12-31", "out of range"),
        ("0001-01-01..0001-01-02", "out of range"),
        ("0001Q1", "out of range"),
    ],
)
def test_bad_periods_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_period(text)


# --- configuration errors name the key --------------------------------------------------------


def _broken(change) -> ScoringConfigError:
    data = CONFIG.as_dict()
    change(data)
    with pytest.raises(ScoringConfigError) as raised:
        config_from_dict(data)
    return raised.value


def test_an_unknown_top_level_key_is_named() -> None:
    error = _broken(lambda d: d.update(colour="red"))
    assert error.key == "colour"


def test_an_unknown_component_is_named() -> None:
    error = _broken(lambda d: d["district"]["weights"].update(speed=5))
    assert error.key == "district.weights.speed"
    assert "unknown name" in error.message


def test_a_missing_key_is_named() -> None:
    error = _broken(lambda d: d["district"]["weights"].pop("hazard_closure"))
    assert (error.key, error.message) == ("district.weights.hazard_closure", "missing")
    error = _broken(lambda d: d.pop("lists"))
    assert error.key == "lists"
    error = _broken(lambda d: d["enterprise"]["frequency_days"].pop("red"))
    assert error.key == "enterprise.frequency_days.red"


def test_a_negative_weight_is_named() -> None:
    error = _broken(lambda d: d["district"]["weights"].update(safety_checks=-1))
    assert error.key == "district.weights.safety_checks"
    assert str(error).startswith("district.weights.safety_checks: ")


def test_bands_that_do_not_descend_are_named() -> None:
    error = _broken(lambda d: d["district"]["bands"].update(blue=50))
    assert error.key == "district.bands"
    assert "descend" in error.message
    error = _broken(lambda d: d["enterprise"]["risk"]["bands"].update(yellow=30))
    assert error.key == "enterprise.risk.bands"


def test_all_weights_zero_is_refused() -> None:
    error = _broken(lambda d: d["district"].update(weights=dict.fromkeys(COMPONENTS, 0)))
    assert error.key == "district.weights"


def test_bad_toml_and_an_unreadable_file() -> None:
    with pytest.raises(ScoringConfigError, match="not valid TOML"):
        config_from_toml('version = "2026.1"\n[district\n')
    with pytest.raises(ScoringConfigError, match="cannot read"):
        load_config_file(__import__("pathlib").Path("/nonexistent/scoring.toml"))


def test_with_value_refuses_an_unknown_or_a_table_key() -> None:
    for key in ("district.weights.speed", "district.weights", "nowhere.at.all"):
        with pytest.raises(ScoringConfigError) as raised:
            with_value(CONFIG, key, 1)
        assert raised.value.key == key


def test_changed_keys_are_dotted_and_sorted() -> None:
    new = with_value(CONFIG, "district.weights.hazard_closure", 5)
    new["lists"]["size"] = 3
    assert changed_keys(CONFIG.as_dict(), new) == ["district.weights.hazard_closure", "lists.size"]
    assert changed_keys(CONFIG.as_dict(), CONFIG.as_dict()) == []
