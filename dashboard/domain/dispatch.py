"""Which teams reach an incident first: the duty desk's ranking for dispatch.

Wuhan's rule (seeds/000, part 2.3): a capable team on scene within 20 minutes. By default the
travel time is the straight-line distance times a road factor, at the city's speed for that hour
of the day; a `Router` (for example an OSRM server, dashboard/routing.py) can replace the guess
with a real route, and when it cannot answer the guess stands in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from dashboard.domain.response import RESPONSE_TARGET_MIN
from dashboard.geo import haversine_km

# The capability an incident of each kind needs (the teams' registry lists theirs).
NEEDS: Mapping[str, str] = {
    "leak": "leak_repair",
    "odor": "leak_repair",
    "pipeline_damage": "leak_repair",
    "fire": "fire",
    "explosion": "fire",
    "cylinder": "cylinder",
}
# The experts worth calling for each kind (the registry's skills), most relevant first.
EXPERT_SKILLS: Mapping[str, tuple[str, ...]] = {
    "leak": ("leak_detection", "pipeline_network", "hazmat"),
    "odor": ("leak_detection", "pipeline_network"),
    "pipeline_damage": ("pipeline_network", "leak_detection", "structural_safety"),
    "fire": ("fire_rescue", "combustion", "emergency_medicine"),
    "explosion": ("structural_safety", "fire_rescue", "combustion", "emergency_medicine"),
    "cylinder": ("lpg_cylinders", "pressure_vessels", "combustion"),
}
ROAD_FACTOR = 1.4  # city streets are about 1.4 times the straight line
# Emergency driving speed in km/h by local hour: rush hours, day, evening, night.
SPEED_BY_HOUR: tuple[float, ...] = tuple(
    20.0 if h in (7, 8, 17, 18) else 30.0 if 9 <= h < 17 else 35.0 if 19 <= h < 23 else 45.0
    for h in range(24)
)
FREE = frozenset({"available", "returning"})  # may be sent again at once
# How many teams an incident of each severity gets at first: one, two for 3, three for 4.
TEAMS_BY_SEVERITY: Mapping[int, int] = {1: 1, 2: 1, 3: 2, 4: 3}
# What the desk records for a team it sent, as the team radios it in.
DESK_TEAM_STEPS = ("en_route", "on_scene", "returning")
# The statuses a desk update may move an incident on to (incident.update's statuses).
DESK_UPDATE_STATUSES = ("on_scene", "contained", "resolved")


def teams_needed(severity: int) -> int:
    """The first wave for an incident of `severity` (1-4; out of range: the nearest)."""
    return TEAMS_BY_SEVERITY[min(max(severity, 1), 4)]


def busy_reason(team_id: str, status: str, busy_with: str | None, incident_id: str) -> str | None:
    """Why a team cannot be sent to `incident_id` now (None: it can): it is not free."""
    if status in FREE:
        return None
    if busy_with == incident_id:
        return f"team {team_id!r} is already dispatched to this incident"
    if busy_with:
        return f"team {team_id!r} is already {status} for incident {busy_with!r}"
    return f"team {team_id!r} is {status}"


@dataclass(frozen=True)
class TeamPosition:
    """A team as the ranking needs it: where it is now and what it is doing."""

    id: str
    name: str
    capabilities: tuple[str, ...]
    status: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Candidate:
    team: TeamPosition
    distance_km: float  # straight line
    eta_min: float
    capable: bool
    free: bool
    routed: bool  # the ETA came from the router, not the straight-line guess

    @property
    def meets_target(self) -> bool:
        return self.eta_min <= RESPONSE_TARGET_MIN


Point = tuple[float, float]  # (lat, lon), WGS84


class Router(Protocol):
    def minutes(self, origin: Point, destination: Point) -> float | None:
        """Driving minutes, or None when it cannot say (the straight-line guess is used)."""


def straight_line_minutes(distance_km: float, local_hour: int) -> float:
    return distance_km * ROAD_FACTOR / SPEED_BY_HOUR[local_hour % 24] * 60.0


def rank_teams(
    teams: Iterable[TeamPosition],
    at: Point,
    kind: str,
    local_hour: int,
    router: Router | None = None,
) -> list[Candidate]:
    """Every team, best first: free and capable teams by arrival time, then the others.

    Teams that are busy or lack the capability stay in the list (a duty officer may still need
    them, e.g. for a second wave) but never rank above one that can go now and do the job.
    """
    need = NEEDS.get(kind)
    candidates = [_candidate(team, at, need, local_hour, router) for team in teams]
    return sorted(candidates, key=lambda c: (not (c.capable and c.free), c.eta_min, c.team.id))


def _candidate(
    team: TeamPosition,
    at: Point,
    need: str | None,
    local_hour: int,
    router: Router | None,
) -> Candidate:
    distance = haversine_km(team.lat, team.lon, at[0], at[1])
    routed = router.minutes((team.lat, team.lon), at) if router is not None else None
    eta = routed if routed is not None else straight_line_minutes(distance, local_hour)
    return Candidate(
        team=team,
        distance_km=distance,
        eta_min=eta,
        capable=need is None or need in team.capabilities,
        free=team.status in FREE,
        routed=routed is not None,
    )
