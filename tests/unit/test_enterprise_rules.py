"""The enterprise file's rules on hand-computed cases: a worker's certificate flagged 30 days
ahead (dashboard/domain/enterprises.py), and the 12-point totals per subject and year with
suspension at 12 (dashboard/domain/violations.py, seed 003)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard.domain.enterprises import CERTIFICATE_WARNING_DAYS, certificate_state, is_flagged
from dashboard.domain.violations import SUSPENSION_POINTS, Total, points_year, year_totals

TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("expires", "state"),
    [
        (date(2026, 6, 14), "expired"),  # yesterday
        (date(2025, 1, 1), "expired"),
        (date(2026, 6, 15), "expiring"),  # today: still valid today, flagged
        (date(2026, 7, 15), "expiring"),  # the 30th day ahead
        (date(2026, 7, 16), "valid"),  # the 31st
        (date(2028, 1, 1), "valid"),
        (None, "missing"),
    ],
)
def test_a_certificate_is_flagged_from_30_days_before_it_expires(expires, state):
    assert CERTIFICATE_WARNING_DAYS == 30
    assert certificate_state(expires, TODAY) == state
    assert is_flagged(state) is (state != "valid")


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_three_six_and_three_points_suspend_at_twelve():
    violations = [
        ("enterprise", "E1", 3, at(2026, 2, 1)),
        ("enterprise", "E1", 6, at(2026, 5, 1)),
    ]
    assert year_totals(violations, 2026) == {("enterprise", "E1"): Total(9, 2)}
    assert not year_totals(violations, 2026)[("enterprise", "E1")].suspended
    violations.append(("enterprise", "E1", 3, at(2026, 9, 1)))
    total = year_totals(violations, 2026)[("enterprise", "E1")]
    assert (total.points, total.violations, total.suspended) == (12, 3, True)
    assert SUSPENSION_POINTS == 12


def test_another_year_does_not_add():
    violations = [
        ("enterprise", "E1", 6, at(2025, 11, 1)),
        ("enterprise", "E1", 3, at(2026, 2, 1)),
        ("enterprise", "E1", 6, at(2026, 3, 1)),
    ]
    assert year_totals(violations, 2026)[("enterprise", "E1")] == Total(9, 2)
    assert year_totals(violations, 2025)[("enterprise", "E1")] == Total(6, 1)
    assert year_totals(violations, 2024) == {}


def test_the_year_is_shanghais():
    # 2025-12-31 17:00 UTC is already 2026-01-01 01:00 in Shanghai: it counts in 2026
    late_evening = datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert points_year(late_evening) == 2026
    assert year_totals([("worker", "W1", 12, late_evening)], 2026)[("worker", "W1")].suspended
    assert year_totals([("worker", "W1", 12, late_evening)], 2025) == {}


def test_a_worker_and_a_supply_point_are_totalled_apart_from_the_enterprise():
    violations = [
        ("enterprise", "E1", 3, at(2026, 1, 10)),
        ("site", "E1-SP-1", 6, at(2026, 1, 11)),
        ("site", "E1-SP-1", 6, at(2026, 1, 12)),
        ("worker", "E1-W-1", 12, at(2026, 1, 13)),
        ("worker", "E1-W-2", 2, at(2026, 1, 14)),
    ]
    totals = year_totals(violations, 2026)
    assert totals == {
        ("enterprise", "E1"): Total(3, 1),
        ("site", "E1-SP-1"): Total(12, 2),
        ("worker", "E1-W-1"): Total(12, 1),
        ("worker", "E1-W-2"): Total(2, 1),
    }
    suspended = {key for key, total in totals.items() if total.suspended}
    assert suspended == {("site", "E1-SP-1"), ("worker", "E1-W-1")}  # not the enterprise
