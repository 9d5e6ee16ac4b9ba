"""Driving times from an OSRM server (GASCC_ROUTER_URL), for the dispatch ranking.

`OsrmRouter` answers `Router.minutes` (dashboard/domain/dispatch.py) with OSRM's route service:
GET {url}/route/v1/driving/{lon},{lat};{lon},{lat}?overview=false -> routes[0].duration (s).
When the server does not answer in time, or answers nonsense, the ranking falls back to its
straight-line guess for that team, and the router stays quiet for a while (`PAUSE_S`) so that a
dead server costs one timeout, not one per team.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

from dashboard.domain.dispatch import Point

TIMEOUT_S = 1.5
PAUSE_S = 60.0


class OsrmRouter:
    def __init__(self, base_url: str, timeout_s: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._quiet_until = 0.0
        self._lock = threading.Lock()

    def minutes(self, origin: Point, destination: Point) -> float | None:
        if time.monotonic() < self._quiet_until:
            return None
        (lat1, lon1), (lat2, lon2) = origin, destination
        url = (
            f"{self.base_url}/route/v1/driving/{lon1:.6f},{lat1:.6f};{lon2:.6f},{lat2:.6f}"
            "?overview=false"
        )
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                answer = json.load(response)
            seconds = float(answer["routes"][0]["duration"])
        except (OSError, urllib.error.URLError, ValueError, KeyError, IndexError, TypeError):
            with self._lock:
                self._quiet_until = time.monotonic() + PAUSE_S
            return None
        return seconds / 60.0 if seconds >= 0 else None


def build_router(url: str | None) -> OsrmRouter | None:
    return OsrmRouter(url) if url else None
