"""The One Map's pure rules: flows from scans, the city's calendar (the district safety index
is dashboard/domain/scoring.py's, tested with the scoring models)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from dashboard.domain.flows import flow_counts, flow_lines
from dashboard.domain.periods import city_periods


class _Scan(NamedTuple):
    code: str
    stage: str
    site_id: str | None
    district: str | None


def _scan(code: str, stage: str, site: str | None, district: str) -> _Scan:
    return _Scan(code, stage, site, district)


def test_consecutive_scans_at_different_places_make_a_flow() -> None:
    scans = [
        _scan("A", "filling", "S1", "d1"),
        _scan("A", "storage", "S2", "d1"),
        _scan("A", "delivery", None, "d2"),
        _scan("B", "filling", "S1", "d1"),
        _scan("B", "filling", "S1", "d1"),  # a rescan at the same place is no move
        _scan("B", "storage", "S2", "d1"),
    ]
    moves = flow_counts(scans)
    assert moves[(("site", "S1"), ("site", "S2"))] == 2
    assert moves[(("site", "S2"), ("district", "d2"))] == 1
    assert sum(moves.values()) == 3


def test_a_sale_seen_first_flows_from_its_site_to_its_district() -> None:
    moves = flow_counts([_scan("C", "sale", "S3", "d4")])
    assert moves == {(("site", "S3"), ("district", "d4")): 1}


def test_lines_are_the_heaviest_placed_moves_up_to_the_limit() -> None:
    moves = flow_counts(
        [_scan(str(i), "filling", "S1", "d") for i in range(3)]
        + [_scan(str(i), "storage", "S2", "d") for i in range(3)]
        + [_scan("x", "filling", "S1", "d"), _scan("x", "storage", "S9", "d")]
    )
    positions = {("site", "S1"): (30.0, 114.0), ("site", "S2"): (30.1, 114.1)}
    lines = flow_lines(moves, positions, limit=5)
    assert [line.weight for line in lines] == [3]  # S9 has no place: left out
    assert flow_lines(moves, positions, limit=0) == []


def test_today_and_the_quarter_begin_at_local_midnight() -> None:
    # 2026-04-01 01:30 in Shanghai is still 2026-03-31 in UTC
    periods = city_periods(datetime(2026, 3, 31, 17, 30, tzinfo=UTC), "Asia/Shanghai")
    assert periods.today.isoformat() == "2026-04-01"
    assert periods.day_start == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert periods.quarter_start == periods.day_start  # the second quarter's first day
    later = city_periods(datetime(2026, 6, 30, 12, 0, tzinfo=UTC), "Asia/Shanghai")
    assert later.quarter_start == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
