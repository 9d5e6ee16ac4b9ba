"""The projections' pure parts: every event type is projected once, dig geometry, rule ids."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from dashboard.domain.events import LOGGED_EVENT_TYPES
from dashboard.geo import haversine_km
from data_access.projections import PROJECTIONS, _by_type
from data_access.projections.excavations import distance_m
from data_access.projections.operations import rule_hazard_id
from data_access.projections.violations import PROJECTION as VIOLATIONS


def test_every_event_type_of_the_catalogue_has_exactly_one_projection() -> None:
    claims = Counter(kind for projection in PROJECTIONS for kind in projection.types)
    assert set(claims) == set(LOGGED_EVENT_TYPES)
    assert {kind: n for kind, n in claims.items() if n != 1} == {}


def test_the_index_refuses_a_type_claimed_twice_or_a_type_left_out() -> None:
    with pytest.raises(RuntimeError, match=r"'violation\.recorded' has two projections"):
        _by_type((*PROJECTIONS, VIOLATIONS))
    without_violations = tuple(p for p in PROJECTIONS if p is not VIOLATIONS)
    with pytest.raises(RuntimeError, match=r"without a projection: \['violation\.recorded'\]"):
        _by_type(without_violations)
    erased = {"violation.erased": VIOLATIONS.apply["violation.recorded"]}
    stray = dataclasses.replace(VIOLATIONS, apply={**VIOLATIONS.apply, **erased})
    with pytest.raises(RuntimeError, match=r"not in the catalogue: \['violation\.erased'\]"):
        _by_type((*without_violations, stray))


def test_the_distance_to_a_pipeline_counts_its_edges_not_only_its_vertices() -> None:
    pipe = [[30.55, 114.34], [30.55, 114.36]]  # about 1.9 km of pipe running east
    beside_the_middle = distance_m(30.5505, 114.35, pipe)
    assert beside_the_middle == pytest.approx(55.6, abs=0.5)
    beyond_the_end = distance_m(30.55, 114.37, pipe)
    assert beyond_the_end == pytest.approx(haversine_km(30.55, 114.37, 30.55, 114.36) * 1000, 0.01)


@pytest.mark.parametrize("lat, lon", [(30.5512, 114.3507), (30.54, 114.345), (30.556, 114.36)])
def test_the_local_projection_agrees_with_haversine_at_vertices(lat: float, lon: float) -> None:
    vertex = [[30.55, 114.35], [30.55, 114.35]]  # a zero-length edge: the distance to a point
    expected = haversine_km(lat, lon, 30.55, 114.35) * 1000
    assert distance_m(lat, lon, vertex) == pytest.approx(expected, rel=0.005)


def test_hazard_ids_from_inspections_are_stable_distinct_and_short() -> None:
    assert rule_hazard_id("in-1", 0) == rule_hazard_id("in-1", 0) == "hazard-in-1-0"
    assert rule_hazard_id("in-1", 1) != rule_hazard_id("in-1", 0)
    long_a, long_b = "A" * 128, "A" * 127 + "B"
    assert len(rule_hazard_id(long_a, 499)) <= 128
    assert rule_hazard_id(long_a, 3) != rule_hazard_id(long_b, 3)
