"""Driving times from an OSRM server (GASCC_ROUTER_URL), for the dispatch ranking.

`OsrmRouter` answers `Router.minutes` (dashboard/domain/dispatch.py) with OSRM's route service:
GET {url}/route/v1/driving/{lon},{lat};{lon},{lat}?overview=false -> routes[0].duration (s).
When the server does not answer in time, or answers nonsense, the ranking falls back to its
straight-line guess for that team, and the router stays quiet for a while (`PAUSE_S`) so that a
dead server costs one timeout, not one per team. Answers are kept for `KEEP_S` per pair of
places rounded to about 10 m: the incident view re-ranks on every live tick, and a team that
has not moved need not be routed again.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request

from dashboard.domain.dispatch import Point

TIMEOUT_S = 1.5
PAUSE_S = 60.0
KEEP_S = 60.0
KEPT_MAX = 10_000


class OsrmRouter:
    def __init__(self, base_url: str, timeout_s: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._quiet_until = 0.0
        self._lock = threading.Lock()
        self._kept: dict[tuple[float, ...], tuple[float, float | None]] = {}

    def minutes(self, origin: Point, destination: Point) -> float | None:
        now = time.monotonic()
        if now < self._quiet_until:
            return None
        key = tuple(round(value, 4) for value in (*origin, *destination))
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < KEEP_S:
            return kept[1]
        try:
            answer = self._ask(origin, destination)
        except OSError:  # unreachable, refused, timed out: leave it alone for a while
            with self._lock:
                self._quiet_until = time.monotonic() + PAUSE_S
            return None
        with self._lock:
            if len(self._kept) >= KEPT_MAX:
                self._kept.clear()
            self._kept[key] = (now, answer)
        return answer

    def _ask(self, origin: Point, destination: Point) -> float | None:
        """Minutes, or None when OSRM finds no route; OSError when it cannot be asked."""
        (lat1, lon1), (lat2, lon2) = origin, destination
        url = (
            f"{self.base_url}/route/v1/driving/{lon1:.6f},{lat1:.6f};{lon2:.6f},{lat2:.6f}"
            "?overview=false"
        )
        with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
            body = response.read()
        try:
            seconds = float(json.loads(body)["routes"][0]["duration"])
        except (ValueError, KeyError, IndexError, TypeError):
            return None  # no route between these two places, or not OSRM's answer
        return seconds / 60.0 if seconds >= 0 else None


def build_router(url: str | None) -> OsrmRouter | None:
    return OsrmRouter(url) if url else None
