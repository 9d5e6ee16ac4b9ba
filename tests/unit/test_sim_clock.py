"""Simulated time: the clock's mapping onto real time and occurred_at, rhythms, calendars."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from simulators.clock import (
    DAY,
    HOUR,
    Rhythm,
    SimClock,
    backfill_start,
    parse_span,
    quarter_bounds,
    weekday,
    working_intervals,
)

CST = 8 * 3600
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp()  # Monday 18:00 in Wuhan


def test_live_clock_stamps_events_with_the_real_time_they_are_due() -> None:
    clock = SimClock(sim_start=T0 - 6 * HOUR, real_start=T0, speed=60.0, mode="live")
    assert clock.sim_at(T0 + 10) == T0 - 6 * HOUR + 600
    sim = T0 - 6 * HOUR + 3_600  # an hour of simulated time later ...
    assert clock.real_at(sim) == pytest.approx(T0 + 60)  # ... is due a minute later
    assert clock.occurred(sim) == pytest.approx(T0 + 60)  # and stamped then
    assert clock.sim_of_occurred(clock.occurred(sim)) == pytest.approx(sim)
    assert clock.time_scale == 60.0


def test_sim_clock_stamps_events_with_the_simulated_time() -> None:
    start = backfill_start(T0, span=7 * DAY, speed=None)
    assert start == T0 - 7 * DAY
    clock = SimClock(sim_start=start, real_start=T0, speed=None, mode="sim")
    assert clock.occurred(start + DAY) == start + DAY
    assert clock.sim_at(T0 + 1) == float("inf")
    paced = backfill_start(T0, span=DAY, speed=100.0)  # ends when the run ends, 864 s later
    assert paced + DAY == pytest.approx(T0 + DAY / 100.0)
    with pytest.raises(ValueError):
        SimClock(sim_start=T0, real_start=T0, speed=None, mode="live")


def test_a_rhythm_spreads_busy_time_over_the_day_by_its_weights() -> None:
    orders = Rhythm.of("orders", CST)
    assert sum(orders.weights) / len(orders.weights) == pytest.approx(1.0)
    midnight = datetime(2026, 11, 22, 16, 0, tzinfo=UTC).timestamp()  # 00:00 in Wuhan
    assert orders.advance(midnight, DAY) == pytest.approx(midnight + DAY)  # a day is a day
    assert orders.weight(midnight + 10.75 * HOUR) > 10 * orders.weight(midnight + 3 * HOUR)
    rng = random.Random(1)
    for _ in range(200):
        t = midnight + rng.uniform(0, 3 * DAY)
        assert orders.at_busy(orders.busy(t)) == pytest.approx(t, abs=1e-3)
    # Events timed in busy seconds land mostly at meal times, seldom at night.
    hours = [0] * 24
    t = midnight
    for _ in range(5_000):
        t = orders.advance(t, rng.expovariate(1 / 600.0))
        hours[int((t + CST) % DAY // HOUR)] += 1
    assert hours[11] > 8 * hours[3] and hours[17] > 8 * hours[3]
    flat = Rhythm.of("orders", CST, flat=True)
    assert flat.advance(midnight, 123.0) == midnight + 123.0


def test_working_time_is_weekdays_in_office_hours() -> None:
    monday = datetime(2026, 11, 22, 16, 0, tzinfo=UTC).timestamp()
    intervals = working_intervals(monday, monday + 7 * DAY, CST)
    assert len(intervals) == 10  # five days, two shifts
    assert all(weekday(a, CST) < 5 for a, _ in intervals)
    assert sum(b - a for a, b in intervals) == pytest.approx(5 * 7 * HOUR)


def test_quarters_and_spans() -> None:
    start, end = quarter_bounds(T0, CST)
    assert datetime.fromtimestamp(start, UTC).isoformat() == "2026-09-30T16:00:00+00:00"
    assert datetime.fromtimestamp(end, UTC).isoformat() == "2026-12-31T16:00:00+00:00"
    assert parse_span("90") == 90 and parse_span("15m") == 900 and parse_span("2h") == 7200
    assert parse_span("3d") == 3 * DAY
    with pytest.raises(ValueError):
        parse_span("-1h")
