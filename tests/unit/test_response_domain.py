"""Response-time arithmetic: the 20-minute verdict, percentiles, compliance, the city's months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.domain.browser import browser_rules
from dashboard.domain.response import (
    LATE_AT,
    RESPONSE_TARGET_S,
    ResponseCase,
    Verdict,
    compliance,
    incident_response,
    is_late,
    late_without_team,
    minutes_between,
    month_of,
    month_start,
    months_between,
    percentile,
    recent_months,
    response_late,
    shift_month,
    summarize,
    verdict,
)

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
ZONE = "Asia/Shanghai"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_minutes_between_is_none_when_a_time_is_missing_and_never_negative():
    assert minutes_between(T0, None) is None
    assert minutes_between(None, T0) is None
    assert minutes_between(T0, at(12.5)) == 12.5
    assert minutes_between(at(1), T0) == 0.0  # a field clock a minute behind the desk


@pytest.mark.parametrize(
    ("on_scene", "closed", "now", "expected"),
    [
        (19.9, None, 30, Verdict.MET),
        (20.0, None, 30, Verdict.MET),  # exactly 20 minutes still meets the target
        (20.1, None, 30, Verdict.MISSED),
        (None, None, 12, Verdict.PENDING),
        (None, None, 21, Verdict.MISSED),  # open, nobody there after 20 minutes: already missed
        (None, 10, 500, Verdict.NO_TEAM),  # called off within 20 minutes with no team
        (None, 45, 500, Verdict.MISSED),  # closed after 45 minutes with no team ever there
        (25, 60, 500, Verdict.MISSED),
    ],
)
def test_verdict_against_the_twenty_minute_target(on_scene, closed, now, expected):
    on_scene_at = None if on_scene is None else at(on_scene)
    closed_at = None if closed is None else at(closed)
    assert verdict(T0, on_scene_at, at(now), closed_at) is expected


# --- the 20:00 edge: whole seconds, as every clock shows them ------------------------------

EDGE = [  # seconds from the report, late?
    (1199.9, False),  # the clock shows 19:59
    (1200.0, False),  # 20:00: "within 20 minutes" includes 20:00
    (1200.999, False),  # still 20:00 on the clock: still in time
    (1201.0, True),  # 20:01: late
]


@pytest.mark.parametrize(("seconds", "late"), EDGE)
def test_late_is_past_twenty_minutes_in_whole_seconds(seconds, late):
    assert is_late(seconds) is late
    reported, now = T0, T0 + timedelta(seconds=seconds)
    assert response_late(reported, None, now) is late
    assert late_without_team(reported, None, now) is late
    assert late_without_team(reported, now, now + timedelta(hours=1)) is False  # a team is there
    # the SQL bound says the same: late iff reported_at <= now - LATE_AT
    assert (reported <= now - LATE_AT) is late


@pytest.mark.parametrize(("seconds", "late"), EDGE)
def test_the_verdict_meets_the_target_up_to_a_clock_showing_twenty_minutes(seconds, late):
    arrived = T0 + timedelta(seconds=seconds)
    assert verdict(T0, arrived, arrived) is (Verdict.MISSED if late else Verdict.MET)
    waiting = verdict(T0, None, arrived)
    assert waiting is (Verdict.MISSED if late else Verdict.PENDING)
    called_off = verdict(T0, None, T0 + timedelta(hours=2), closed_at=arrived)
    assert called_off is (Verdict.MISSED if late else Verdict.NO_TEAM)


def test_the_browser_gets_the_target_from_the_domain():
    assert browser_rules() == {"responseTargetS": RESPONSE_TARGET_S} == {"responseTargetS": 1200}


def test_incident_response_gives_minutes_from_the_report_for_each_step():
    response = incident_response(T0, at(2), at(3.5), at(14), at(95), now=at(200))
    assert (response.to_dispatch, response.to_en_route, response.to_on_scene) == (2, 3.5, 14)
    assert response.to_close == 95
    assert response.verdict is Verdict.MET


def test_percentile_interpolates_between_ranks_like_percentile_cont():
    values = [10, 20, 30, 40]
    assert percentile(values, 50) == 25
    assert percentile(values, 90) == pytest.approx(37)
    assert percentile(values, 0) == 10
    assert percentile(values, 100) == 40
    assert percentile([7.0], 90) == 7.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile(values, 101)


@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=50))
def test_percentiles_stay_within_the_values_and_in_order(values):
    median, p90 = percentile(values, 50), percentile(values, 90)
    assert min(values) <= median <= p90 <= max(values)


def test_compliance_is_none_without_judged_incidents():
    assert compliance(0, 0) is None
    assert compliance(3, 4) == 0.75


def test_summary_counts_open_and_closed_incidents_alike():
    now = at(600)
    cases = [
        ResponseCase(T0, at(10), at(100)),  # met
        ResponseCase(T0, at(30), at(100)),  # late: a breach
        ResponseCase(T0, at(16), None),  # open, met
        ResponseCase(T0, None, None),  # open, nobody after 600 min: waiting and a breach
        ResponseCase(at(595), None, None),  # open, 5 minutes old: waiting, not judged yet
        ResponseCase(T0, None, at(8)),  # called off: not judged, not waiting
    ]
    stats = summarize(cases, now)
    assert stats.count == 6
    assert stats.arrived == 3
    assert stats.median_min == 16
    assert stats.p90_min == pytest.approx(27.2)  # 16 + (30 - 16) * 0.8
    assert (stats.on_time, stats.judged, stats.breaches) == (2, 4, 2)
    assert stats.waiting == 2
    assert stats.compliance == 0.5


def test_an_empty_summary_has_no_percentiles_and_no_compliance():
    stats = summarize([], T0)
    assert (stats.count, stats.median_min, stats.p90_min, stats.compliance) == (0, None, None, None)


def test_months_are_the_city_calendar_not_utc():
    # 2026-03-31 17:00 UTC is already April 1st in Shanghai.
    assert month_of(datetime(2026, 3, 31, 17, 0, tzinfo=UTC), ZONE) == "2026-04"
    assert month_of(datetime(2026, 3, 31, 15, 59, tzinfo=UTC), ZONE) == "2026-03"
    assert month_start("2026-04", ZONE) == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


def test_month_ranges_cross_the_year():
    assert shift_month("2026-01", -1) == "2025-12"
    assert shift_month("2025-12", 13) == "2027-01"
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-02", "2025-11") == []
    assert recent_months(datetime(2026, 2, 5, tzinfo=UTC), ZONE, 3) == [
        "2025-12",
        "2026-01",
        "2026-02",
    ]


@pytest.mark.parametrize("bad", ["2026-13", "26-01", "2026/01", "2026-1"])
def test_malformed_months_are_refused(bad):
    with pytest.raises(ValueError):
        shift_month(bad, 1)
