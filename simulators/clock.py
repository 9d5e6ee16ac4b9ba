"""Simulated time: the clock that maps it onto real time and `occurred_at`, and daily rhythms.

Times are float seconds since the Unix epoch (UTC) everywhere in the simulators.

The simulated clock runs `speed` times faster than real time from its start:
``sim = sim_start + speed * (real - real_start)``. What an event's `occurred_at` says depends on
the clock mode (docs/simulators.md, "How time works"):

- ``live`` (default): occurred_at is the *real* moment the event is due to be sent,
  ``real_start + (sim - sim_start) / speed``; the simulated time of day only drives the rhythm
  (meal-time peaks, quiet nights) and the length of processes. occurred_at is never in the
  future, so the gateway's 5-minute window always holds, whatever the speed. Durations the
  command center measures (a team's drive, its work on site) are counted in occurred_at time,
  `time_scale` simulated seconds each (`City.honest`), so they stay true at any speed; at speed
  1 (the demo) the simulated clock is the real one.
- ``sim`` (backfill): occurred_at is the simulated time itself. The simulated period must lie in
  the past, so the clock starts early enough to end at (or before) the real end of the run.

A `Rhythm` is a daily profile of activity (96 quarter-hour weights, mean 1, in the city's local
time). Processes measure their durations in "busy seconds" of a rhythm: ``advance(t, d)`` is
the moment when `d` busy seconds have passed after `t`, so a renewal process timed in busy
seconds has its events spread over the day exactly like the rhythm's weights (more at meal times,
few at night), without rejection sampling.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

DAY = 86_400.0
HOUR = 3_600.0
MINUTE = 60.0
BINS = 96  # quarter hours
BIN_S = DAY / BINS

CLOCK_MODES = ("live", "sim")


@dataclass(frozen=True)
class SimClock:
    """Simulated time against real time. `speed` None: unpaced (as fast as the clients go),
    only in the ``sim`` mode."""

    sim_start: float
    real_start: float
    speed: float | None = 1.0
    mode: str = "live"

    def __post_init__(self) -> None:
        if self.mode not in CLOCK_MODES:
            raise ValueError(f"clock mode must be one of {CLOCK_MODES}, not {self.mode!r}")
        if self.speed is None and self.mode == "live":
            raise ValueError("an unpaced clock needs the sim mode (occurred_at = simulated time)")
        if self.speed is not None and self.speed <= 0:
            raise ValueError("speed must be positive")

    @property
    def time_scale(self) -> float:
        """Simulated seconds per second of occurred_at time (speed in live mode, else 1)."""
        return self.speed if self.mode == "live" and self.speed else 1.0

    def sim_at(self, real: float) -> float:
        """The simulated time at a real time (infinite when unpaced)."""
        if self.speed is None:
            return math.inf
        return self.sim_start + self.speed * (real - self.real_start)

    def real_at(self, sim: float) -> float:
        """When a simulated moment is due in real time (the start when unpaced)."""
        if self.speed is None:
            return self.real_start
        return self.real_start + (sim - self.sim_start) / self.speed

    def occurred(self, sim: float) -> float:
        """The occurred_at (epoch seconds) of something that happens at simulated time `sim`."""
        if self.mode == "sim":
            return sim
        return self.real_start + (sim - self.sim_start) / self.time_scale

    def sim_of_occurred(self, occurred: float) -> float:
        """The simulated time whose occurred_at is `occurred` (inverse of `occurred`)."""
        if self.mode == "sim":
            return occurred
        return self.sim_start + (occurred - self.real_start) * self.time_scale


def backfill_start(real_start: float, span: float, speed: float | None) -> float:
    """The sim-mode start that makes a simulated span of `span` seconds end when the run ends
    in real time (`span / speed` after `real_start`; at once when unpaced)."""
    run = 0.0 if speed is None else span / speed
    return real_start + run - span


# --- time zones -------------------------------------------------------------------------------


def utc_offset_s(zone: tzinfo | str, at: float) -> int:
    """The zone's UTC offset in seconds at epoch time `at` (China: +28,800, no DST)."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    offset = datetime.fromtimestamp(at, tz).utcoffset() or timedelta(0)
    return int(offset.total_seconds())


def local_day_start(t: float, offset_s: int) -> float:
    """The epoch time of the local midnight on or before `t`."""
    return math.floor((t + offset_s) / DAY) * DAY - offset_s


def weekday(t: float, offset_s: int) -> int:
    """Local day of the week, Monday 0 (1970-01-01 was a Thursday)."""
    return (math.floor((t + offset_s) / DAY) + 3) % 7


# --- rhythms ----------------------------------------------------------------------------------


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-0.5 * ((hour - centre) / width) ** 2)


def _window(hour: float, start: float, end: float) -> float:
    return 1.0 if start <= hour < end else 0.0


class Rhythm:
    """Activity over the local day: 96 quarter-hour weights normalised to a mean of 1."""

    def __init__(self, name: str, weights: list[float], offset_s: int) -> None:
        if len(weights) != BINS or min(weights) <= 0:
            raise ValueError("a rhythm needs 96 positive weights")
        mean = sum(weights) / BINS
        self.name = name
        self.weights = [w / mean for w in weights]
        self.offset_s = offset_s
        self.flat = max(self.weights) - min(self.weights) < 1e-12
        self.peak = max(self.weights)
        self._cum = [0.0]
        for w in self.weights:
            self._cum.append(self._cum[-1] + w * BIN_S)

    @classmethod
    def of(cls, name: str, offset_s: int, flat: bool = False) -> Rhythm:
        """A named profile (`PROFILES`) in a zone `offset_s` east of UTC; flat when asked."""
        if flat:
            return cls(name, [1.0] * BINS, offset_s)
        shape = PROFILES[name]
        return cls(name, [shape((k + 0.5) * BIN_S / HOUR) for k in range(BINS)], offset_s)

    def weight(self, t: float) -> float:
        """Relative activity at `t` (1 is the daily mean)."""
        return self.weights[int(((t + self.offset_s) % DAY) // BIN_S)]

    def busy(self, t: float) -> float:
        """Busy seconds from the epoch to `t` (a day holds 86,400 of them)."""
        local = t + self.offset_s
        day = math.floor(local / DAY)
        tod = local - day * DAY
        k = min(int(tod // BIN_S), BINS - 1)
        return day * DAY + self._cum[k] + self.weights[k] * (tod - k * BIN_S)

    def at_busy(self, busy: float) -> float:
        """The moment at which `busy` busy seconds have passed since the epoch."""
        day = math.floor(busy / DAY)
        rest = busy - day * DAY
        k = min(bisect_right(self._cum, rest) - 1, BINS - 1)
        tod = k * BIN_S + (rest - self._cum[k]) / self.weights[k]
        return day * DAY + tod - self.offset_s

    def advance(self, t: float, busy_seconds: float) -> float:
        """`busy_seconds` of this rhythm after `t`: short at peaks, long through the night."""
        if self.flat:
            return t + busy_seconds
        return self.at_busy(self.busy(t) + busy_seconds)


def _orders(h: float) -> float:
    # Cylinder orders: people notice the empty cylinder when they cook, and the supply points
    # sell before lunch and dinner (deliveries follow 15-50 minutes later: peaks near 11:00 and
    # 17:30); little before 7:00 or after 21:00.
    return (
        0.03
        + 1.0 * _bump(h, 10.6, 0.7)
        + 0.85 * _bump(h, 17.0, 0.7)
        + 0.25 * _window(h, 7.0, 20.5)
        + 0.1 * _window(h, 20.5, 22.0)
    )


def _work(h: float) -> float:
    # Filling stations, trucks and offices: two shifts around a lunch break, little at night.
    return (
        0.015
        + _window(h, 7.5, 11.75)
        + 0.35 * _window(h, 11.75, 13.5)
        + _window(h, 13.5, 18.0)
        + 0.2 * _window(h, 18.0, 20.0)
    )


def _service(h: float) -> float:
    # The 96511 hotline and the public's QR checks: waking hours, busier around meals.
    return 0.05 + _window(h, 8.0, 21.0) + 0.4 * _bump(h, 11.0, 1.0) + 0.4 * _bump(h, 18.0, 1.0)


def _incidents(h: float) -> float:
    # Leaks and fires follow cooking, with a floor at night (heaters, sleeping kitchens).
    return 0.3 + 0.9 * _bump(h, 11.3, 1.0) + 1.1 * _bump(h, 18.0, 1.2) + 0.3 * _window(h, 7.0, 22)


def _flat(h: float) -> float:
    return 1.0


PROFILES: dict[str, Callable[[float], float]] = {
    "orders": _orders,
    "work": _work,
    "service": _service,
    "incidents": _incidents,
    "flat": _flat,
}


# --- the working calendar of supervisors ------------------------------------------------------

WORK_SHIFTS = ((8.5, 12.0), (14.0, 17.5))  # local hours, Monday to Friday


def working_intervals(start: float, end: float, offset_s: int) -> list[tuple[float, float]]:
    """The supervisors' working time in [start, end): weekday shifts, as (from, to) pairs."""
    out: list[tuple[float, float]] = []
    day = local_day_start(start, offset_s)
    while day < end:
        if weekday(day + HOUR, offset_s) < 5:
            for a, b in WORK_SHIFTS:
                lo, hi = max(start, day + a * HOUR), min(end, day + b * HOUR)
                if lo < hi:
                    out.append((lo, hi))
        day += DAY
    return out


def position_in(intervals: list[tuple[float, float]], fraction: float) -> float:
    """The moment `fraction` (0..1) of the way through the total length of `intervals`."""
    total = sum(b - a for a, b in intervals)
    left = max(0.0, min(fraction, 1.0)) * total
    for a, b in intervals:
        if left <= b - a:
            return a + left
        left -= b - a
    return intervals[-1][1] if intervals else math.nan


# --- quarters ---------------------------------------------------------------------------------


def quarter_bounds(t: float, offset_s: int) -> tuple[float, float]:
    """(start, end) epoch times of the local calendar quarter containing `t`."""
    tz_fixed = _fixed_zone(offset_s)
    local = datetime.fromtimestamp(t, tz_fixed)
    first_month = 3 * ((local.month - 1) // 3) + 1
    start = local.replace(month=first_month, day=1, hour=0, minute=0, second=0, microsecond=0)
    end_year, end_month = (
        (start.year + 1, 1) if first_month == 10 else (start.year, first_month + 3)
    )
    end = start.replace(year=end_year, month=end_month)
    return start.timestamp(), end.timestamp()


def quarter_label(t: float, offset_s: int) -> str:
    local = datetime.fromtimestamp(t, _fixed_zone(offset_s))
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def _fixed_zone(offset_s: int) -> tzinfo:
    from datetime import timezone

    return timezone(timedelta(seconds=offset_s))


def parse_span(text: str) -> float:
    """'90' / '90s' / '15m' / '2h' / '3d' -> seconds."""
    text = text.strip().lower()
    units = {"s": 1.0, "m": MINUTE, "h": HOUR, "d": DAY, "w": 7 * DAY}
    factor = 1.0
    if text and text[-1] in units:
        factor = units[text[-1]]
        text = text[:-1]
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise ValueError("a span must be a positive number, e.g. 90s, 15m, 2h, 3d")
    return value * factor
