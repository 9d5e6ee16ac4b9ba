"""Ranking teams for dispatch by estimated arrival, on fixed fixtures."""

from __future__ import annotations

import pytest

from dashboard.domain.dispatch import (
    ROAD_FACTOR,
    SPEED_BY_HOUR,
    TeamPosition,
    rank_teams,
    straight_line_minutes,
)
from dashboard.geo import haversine_km

SCENE = (30.5400, 114.3100)  # a restaurant in Wuchang
NEAR = (30.5500, 114.3100)  # about 1.1 km north
MID = (30.5700, 114.3300)  # about 3.8 km
FAR = (30.6400, 114.4100)  # about 14.6 km


def team(id_: str, where: tuple[float, float], caps=("leak_repair",), status="available"):
    return TeamPosition(id_, id_, tuple(caps), status, *where)


def ids(candidates) -> list[str]:
    return [c.team.id for c in candidates]


def test_the_nearest_free_capable_team_comes_first() -> None:
    teams = [team("far", FAR), team("near", NEAR), team("mid", MID)]
    assert ids(rank_teams(teams, SCENE, "leak", local_hour=14)) == ["near", "mid", "far"]


def test_a_busy_or_incapable_team_never_outranks_one_that_can_go() -> None:
    teams = [
        team("busy", NEAR, status="on_scene"),
        team("no-fire-kit", NEAR, caps=("leak_repair",)),
        team("fire", FAR, caps=("fire", "leak_repair")),
    ]
    ranked = rank_teams(teams, SCENE, "explosion", local_hour=14)
    assert ids(ranked)[0] == "fire"
    assert {c.team.id: (c.capable, c.free) for c in ranked} == {
        "busy": (False, False),
        "no-fire-kit": (False, True),
        "fire": (True, True),
    }


def test_a_returning_team_may_be_sent_again() -> None:
    [candidate] = rank_teams([team("back", NEAR, status="returning")], SCENE, "leak", 14)
    assert candidate.free


def test_eta_is_the_road_distance_at_the_hours_speed() -> None:
    [candidate] = rank_teams([team("mid", MID)], SCENE, "leak", local_hour=8)
    distance = haversine_km(*MID, *SCENE)
    assert candidate.distance_km == pytest.approx(distance)
    assert candidate.eta_min == pytest.approx(distance * ROAD_FACTOR / SPEED_BY_HOUR[8] * 60)
    assert not candidate.routed


def test_rush_hour_is_slower_than_night() -> None:
    assert straight_line_minutes(10, 8) > straight_line_minutes(10, 14)
    assert straight_line_minutes(10, 14) > straight_line_minutes(10, 3)


def test_the_twenty_minute_target() -> None:
    mid, far = team("mid", MID), team("far", FAR)
    assert rank_teams([mid], SCENE, "leak", local_hour=8)[0].meets_target  # 5.4 km by road: 16 min
    assert not rank_teams([far], SCENE, "leak", local_hour=3)[0].meets_target  # 20.5 km: 27 min


class FixedRouter:
    """A router that knows one road: near is slow (a river between), the rest unknown."""

    def minutes(self, origin: tuple[float, float], destination: tuple[float, float]):
        return 25.0 if origin == NEAR else None


def test_a_router_replaces_the_guess_where_it_answers() -> None:
    ranked = rank_teams([team("near", NEAR), team("mid", MID)], SCENE, "leak", 14, FixedRouter())
    assert ids(ranked) == ["mid", "near"]
    assert [c.routed for c in ranked] == [False, True]
    assert ranked[1].eta_min == 25.0
