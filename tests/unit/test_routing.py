"""The OSRM router against a real local HTTP server answering like OSRM's route service."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from dashboard.domain.dispatch import TeamPosition, rank_teams
from dashboard.routing import OsrmRouter
from tests.support import free_port


class OsrmLike(BaseHTTPRequestHandler):
    paths: ClassVar[list[str]] = []
    seconds_by_origin: ClassVar[dict[str, float]] = {}

    def do_GET(self) -> None:
        OsrmLike.paths.append(self.path)
        origin = self.path.split("/route/v1/driving/")[1].split(";")[0]
        seconds = OsrmLike.seconds_by_origin.get(origin)
        if seconds is None:
            body = json.dumps({"code": "NoRoute", "routes": []}).encode()
        else:
            body = json.dumps({"code": "Ok", "routes": [{"duration": seconds}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[str]:
    OsrmLike.paths = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), OsrmLike)
    # Polling often: shutdown() waits for the next poll, half a second by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def team(team_id: str, lat: float, lon: float) -> TeamPosition:
    return TeamPosition(team_id, team_id, ("leak_repair",), "available", lat, lon)


def test_the_router_asks_osrm_with_lon_lat_order_and_reads_minutes(osrm: str) -> None:
    OsrmLike.seconds_by_origin = {"114.300000,30.500000": 540.0}
    minutes = OsrmRouter(osrm).minutes((30.5, 114.3), (30.55, 114.31))
    assert minutes == pytest.approx(9.0)
    assert OsrmLike.paths == [
        "/route/v1/driving/114.300000,30.500000;114.310000,30.550000?overview=false"
    ]


def test_a_routed_time_reorders_the_ranking_and_unrouted_teams_keep_the_guess(osrm: str) -> None:
    # near is 1 km away but across the river (a long drive); far is 3 km on a straight road
    near, far, lost = (
        team("near", 30.559, 114.31),
        team("far", 30.577, 114.31),
        team("x", 30.58, 114.33),
    )
    OsrmLike.seconds_by_origin = {"114.310000,30.559000": 1500.0, "114.310000,30.577000": 300.0}
    ranked = rank_teams([near, far, lost], (30.55, 114.31), "leak", 12, OsrmRouter(osrm))
    assert [c.team.id for c in ranked] == ["far", "x", "near"]
    assert [c.routed for c in ranked] == [True, False, True]
    assert ranked[2].eta_min == pytest.approx(25.0) and not ranked[2].meets_target


def test_a_dead_router_costs_one_attempt_then_the_guess_stands_in() -> None:
    router = OsrmRouter(f"http://127.0.0.1:{free_port()}", timeout_s=0.5)
    teams = [team(f"t{i}", 30.5 + i / 100, 114.3) for i in range(5)]
    ranked = rank_teams(teams, (30.55, 114.31), "leak", 12, router)
    assert not any(c.routed for c in ranked)
    guessed = rank_teams(teams, (30.55, 114.31), "leak", 12)
    assert [(c.team.id, c.eta_min) for c in ranked] == [(c.team.id, c.eta_min) for c in guessed]
    assert router.minutes((30.5, 114.3), (30.55, 114.31)) is None  # still quiet


def test_answers_are_kept_a_while_and_no_route_does_not_silence_the_router(osrm: str) -> None:
    OsrmLike.seconds_by_origin = {"114.300000,30.500000": 600.0}
    router = OsrmRouter(osrm)
    assert router.minutes((30.45, 114.3), (30.55, 114.31)) is None  # OSRM: NoRoute
    assert router.minutes((30.5, 114.3), (30.55, 114.31)) == pytest.approx(10.0)
    assert router.minutes((30.5, 114.3), (30.55, 114.31)) == pytest.approx(10.0)
    assert len(OsrmLike.paths) == 2  # the second ask for the same pair was kept
