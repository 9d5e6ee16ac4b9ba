"""The sensor network: pressure, flow and methane readings with noise and alarm episodes.

One source (`sensor-net`) sends `sensor.reading` for every registered sensor, each at its own
interval (SCADA pressure and flow every 5 minutes, methane detectors every 10; `--rate` and
`--volume` change the intervals, not the values). Values stay well inside the sensor's
[low, high] band in normal operation, with noise and the city's rhythm (pressure dips and flow
rises when everybody cooks), so the system raises no alarm from them.

An alarm episode (Wuhan's and Shangrao's leak monitoring: seeds/000, seeds/002) takes a sensor
across its threshold for a while: methane up to 25-80 %LEL, a pipeline's pressure down (a leak)
or up (a regulator fault), flow up. During an episode the sensor reports every 30 simulated
seconds; the first reading across the threshold makes the system raise an alarm (`alarm.raised`
is a system event: the simulators never send it) and the first reading back inside clears it.
Episodes come at random (about one per hundred sensors a day) and from scenarios.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulators.clock import DAY, MINUTE
from simulators.core import SENSOR_NET
from simulators.places import km
from simulators.streams import Stream
from simulators.world import Sensor

INTERVAL_S = {"pressure": 300.0, "flow": 300.0, "methane": 600.0}
EPISODES_PER_SENSOR_DAY = 0.01
EPISODE_STEP_S = 30.0


@dataclass
class Gauge:
    sensor: Sensor
    nominal: float
    noise: float
    floor: float
    ceiling: float
    interval: float
    start: float = -math.inf  # the current episode, if any
    end: float = -math.inf
    peak: float = 0.0


class SensorStream(Stream):
    name = "sensors"

    def prepare(self) -> None:
        rng = self.rng
        self.gauges: list[Gauge] = []
        for sensor in self.world.sensors:
            low, high = sensor.low, sensor.high
            if sensor.kind == "methane":
                ceiling = 0.4 * high if high else 8.0
                gauge = Gauge(sensor, rng.uniform(0.0, 1.5), 0.5, 0.0, ceiling, 0.0)
            elif low is not None and high is not None and high > low:
                band = high - low
                if sensor.kind == "flow":
                    nominal = low + band * rng.uniform(0.25, 0.5)
                else:
                    nominal = low + band * rng.uniform(0.4, 0.6)
                gauge = Gauge(
                    sensor, nominal, 0.012 * band, low + 0.04 * band, high - 0.04 * band, 0.0
                )
            else:  # a one-sided or unbounded sensor: a steady value with some noise
                base = high * 0.5 if high else (low * 2.0 if low else 10.0)
                gauge = Gauge(sensor, base, abs(base) * 0.02, -math.inf, math.inf, 0.0)
                if high is not None:
                    gauge.ceiling = 0.8 * high
                if low is not None:
                    gauge.floor = low + abs(low) * 0.2
            gauge.interval = INTERVAL_S.get(sensor.kind, 600.0)
            self.gauges.append(gauge)
        self.by_id = {g.sensor.id: g for g in self.gauges}

    def natural_rate(self) -> float:
        return sum(1.0 / g.interval for g in self.gauges)

    def sources(self) -> set[str]:
        return {SENSOR_NET} if self.gauges else set()

    def start(self, t0: float) -> None:
        self._ready(t0)
        for index, gauge in enumerate(self.gauges):
            first = t0 + self.rng.uniform(0.0, gauge.interval / self.v)
            self.city.scheduler.call(first, self._read, index)
        if self.gauges:
            self.city.scheduler.call(self._next_episode(t0), self._random_episode)

    def _ready(self, t0: float) -> None:
        if not hasattr(self, "v"):
            self.v = self.city.volume(self.name)
            self.orders = self.city.rhythm("orders")

    # --- readings ---------------------------------------------------------------------------

    def _read(self, t: float, index: int) -> None:
        gauge = self.gauges[index]
        self._emit(t, gauge)
        nxt = t + gauge.interval / self.v * self.rng.uniform(0.9, 1.1)
        self.city.scheduler.call(nxt, self._read, index)

    def _emit(self, t: float, gauge: Gauge) -> None:
        value = round(self.value(t, gauge), 3)
        self.city.emit(
            t, SENSOR_NET, "sensor.reading", {"sensor_id": gauge.sensor.id, "value": value}
        )

    def value(self, t: float, gauge: Gauge) -> float:
        """The reading of `gauge` at `t`: normal, or the episode's excursion."""
        normal = self._normal(t, gauge)
        if gauge.start <= t <= gauge.end:
            span = gauge.end - gauge.start
            f = 1.0 - abs(2.0 * (t - gauge.start) / span - 1.0) if span > 0 else 1.0
            return normal + (gauge.peak - normal) * min(1.0, 3.0 * f)
        return normal

    def _normal(self, t: float, gauge: Gauge) -> float:
        demand = self.orders.weight(t) / self.orders.peak  # 0..1, high when people cook
        kind = gauge.sensor.kind
        noise = self.rng.gauss(0.0, gauge.noise)
        if kind == "methane":
            value = gauge.nominal + abs(noise)
        elif kind == "flow":
            value = gauge.nominal * (0.5 + 0.8 * demand) + noise
        else:
            value = gauge.nominal + noise
            band = gauge.ceiling - gauge.floor
            if math.isfinite(band):
                value -= 0.06 * band * demand
        return min(max(value, gauge.floor), gauge.ceiling)

    # --- alarm episodes ---------------------------------------------------------------------

    def _next_episode(self, t: float) -> float:
        per_day = EPISODES_PER_SENSOR_DAY * len(self.gauges)
        return t + self.rng.expovariate(per_day / DAY)

    def _random_episode(self, t: float) -> None:
        gauge = self.gauges[self.rng.randrange(len(self.gauges))]
        if gauge.end < t:
            self.episode(t, gauge, self.rng.uniform(5.0, 40.0) * MINUTE)
        self.city.scheduler.call(self._next_episode(t), self._random_episode)

    def episode(
        self, t: float, gauge: Gauge, duration: float, direction: str | None = None
    ) -> None:
        """Take `gauge` across its threshold from `t` for `duration` simulated seconds."""
        self._ready(t)
        sensor, rng = gauge.sensor, self.rng
        if direction is None:
            if sensor.kind == "pressure":
                direction = "low" if rng.random() < 0.6 else "high"
            else:
                direction = "high"
        if direction == "low" and sensor.low is not None:
            peak = sensor.low * rng.uniform(0.3, 0.85) if sensor.low > 0 else sensor.low - 1.0
        elif sensor.kind == "methane":
            high = sensor.high if sensor.high is not None else 20.0
            peak = high * rng.uniform(1.3, 4.0)
        elif sensor.high is not None:
            peak = sensor.high * rng.uniform(1.05, 1.3) if sensor.high > 0 else sensor.high + 1.0
        else:
            peak = gauge.nominal * 3.0
        gauge.start, gauge.end, gauge.peak = t, t + duration, peak
        steps = max(2, int(duration // EPISODE_STEP_S))
        for k in range(steps + 2):  # through the episode, and one reading back to normal
            self.city.scheduler.call(t + k * EPISODE_STEP_S, self._episode_reading, gauge)

    def _episode_reading(self, t: float, gauge: Gauge) -> None:
        self._emit(t, gauge)

    def nearest(
        self, lat: float, lon: float, kinds: tuple[str, ...], within_km: float = 2.0
    ) -> Gauge | None:
        """The nearest sensor of one of `kinds` within reach, or None."""
        best: tuple[float, Gauge] | None = None
        for gauge in self.gauges:
            if gauge.sensor.kind not in kinds:
                continue
            d = km((lat, lon), (gauge.sensor.lat, gauge.sensor.lon))
            if d <= within_km and (best is None or d < best[0]):
                best = (d, gauge)
        return best[1] if best else None
