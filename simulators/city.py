"""The simulated city: one scheduler, the streams acting on the world, anomalies, scenarios.

`City(world, options, clock)` wires the streams (simulators/streams/) onto one `Scheduler`; each
stream draws from its own random generator (`City.rng(name)`, keyed by the seed and the stream's
name), so a stream's events do not change when another stream is switched off or when anomalies
are turned on (only the faults themselves differ). `generate(...)` runs a city offline and returns
its emissions: the unit tests use it, and so could any tool that wants the events without a
gateway.

Ids: every event id and every object id the simulators invent carries the run tag (derived from
the seed and the simulated start unless given), so two runs against one database never collide,
while the same seed, options and start give the same ids.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any

from simulators.anomalies import OUT_OF_ORDER_TYPES, Anomalies
from simulators.clock import Rhythm, SimClock, utc_offset_s
from simulators.core import (
    ACCEPTED,
    DISCONNECT,
    DUPLICATE,
    FIELD_APP,
    FIRE_119,
    HOTLINE,
    SENSOR_NET,
    STREAMS,
    VOLUME_SHARES,
    VOLUME_STREAMS,
    CityOptions,
    Emission,
    Job,
    Scheduler,
)
from simulators.district_traits import CityTraits
from simulators.photos import PhotoStore
from simulators.world import World

# Event id prefixes by type (ids read like "k3f9a-scan-0000042").
PREFIX = {
    "cylinder.scanned": "scan",
    "delivery.safety_checked": "chk",
    "sensor.reading": "rd",
    "inspection.completed": "ins",
    "hazard.reported": "hzr",
    "hazard.updated": "hzu",
    "incident.reported": "inc",
    "incident.update": "inu",
    "team.position": "pos",
    "team.status": "tst",
    "complaint.received": "cpr",
    "complaint.updated": "cpu",
    "excavation.registered": "exc",
    "violation.recorded": "vio",
}


def run_tag_for(seed: int, sim_start: float) -> str:
    """Five characters from the seed and the simulated start: ids of different runs differ."""
    digest = hashlib.sha256(f"{seed}|{round(sim_start, 3)}".encode()).digest()
    return base64.b32encode(digest[:5]).decode().lower()[:5]


class City:
    """Everything one simulated city run shares. Build, then `start()`, then pop emissions."""

    def __init__(self, world: World, options: CityOptions, clock: SimClock) -> None:
        from simulators.scenarios import ScenarioRunner
        from simulators.streams import build_streams

        self.world = world
        self.options = options
        self.clock = clock
        self.scheduler = Scheduler()
        self.offset_s = utc_offset_s(world.pack.time_zone, clock.sim_start)
        self.tz = timezone(timedelta(seconds=self.offset_s))
        self.run_tag = options.run_tag or run_tag_for(options.seed, clock.sim_start)
        self.anomalies = Anomalies(options.anomalies, self.rng("anomalies"))
        self.photos = PhotoStore(options.photos_dir, options.photo_kinds)
        self.today: date = datetime.fromtimestamp(clock.occurred(clock.sim_start), self.tz).date()
        self._counters: Counter[str] = Counter()
        self._rhythms: dict[str, Rhythm] = {}
        self.sent: Counter[str] = Counter()  # emissions per source (events only)
        # The districts' and enterprises' character (simulators/district_traits.py): neutral
        # (the streams' defaults) unless the backfill sets them before `start()`.
        self.traits = CityTraits.neutral()
        self.streams = build_streams(self)
        for stream in self.streams.values():
            stream.prepare()
        self.volumes = self._volumes()
        self.scenarios = ScenarioRunner(self)
        self.started = False

    # --- plumbing ---------------------------------------------------------------------------

    def rng(self, name: str) -> random.Random:
        """A generator of its own for `name`, from the seed: streams never share draws."""
        digest = hashlib.sha256(f"{self.options.seed}/{name}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def rhythm(self, name: str) -> Rhythm:
        if name not in self._rhythms:
            self._rhythms[name] = Rhythm.of(name, self.offset_s, flat=self.options.flat)
        return self._rhythms[name]

    def enabled(self, stream: str) -> bool:
        return stream in self.options.streams

    def event_id(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{self.run_tag}-{prefix}-{self._counters[prefix]:07d}"

    def object_id(self, kind: str) -> str:
        """An id for a new object (INC, CMP, INS, HZD, PMT, VIO)."""
        self._counters[kind] += 1
        return f"{kind}-{self.run_tag}-{self._counters[kind]:06d}"

    def volume(self, stream: str) -> float:
        return self.volumes.get(stream, 1.0)

    @property
    def time_scale(self) -> float:
        """Simulated seconds per second of occurred_at time."""
        return self.clock.time_scale

    def honest(self, seconds: float) -> float:
        """The simulated span that `seconds` of occurred_at time take: a duration the command
        center measures (a drive, a response) is stamped true whatever the speed (unless a
        plumbing test asks for `compress_responses`)."""
        if self.options.compress_responses:
            return seconds
        return seconds * self.clock.time_scale

    @property
    def case_pace(self) -> float:
        """How many times their natural rate the case streams make new cases."""
        return self.options.case_pace

    def iso(self, sim: float) -> str:
        """occurred_at-style RFC 3339 text (local offset) of simulated time `sim`."""
        return self.iso_occurred(self.clock.occurred(sim))

    def iso_occurred(self, occurred: float) -> str:
        return datetime.fromtimestamp(occurred, self.tz).isoformat(timespec="milliseconds")

    def local(self, sim: float) -> datetime:
        """Simulated time as a local datetime (for texts, dates and plans)."""
        return datetime.fromtimestamp(sim, self.tz)

    def occurred_local(self, sim: float) -> datetime:
        """The local time occurred_at says for simulated time `sim` (what the desk sees: for
        texts that name a time of day, and the traffic of that hour)."""
        return datetime.fromtimestamp(self.clock.occurred(sim), self.tz)

    def occurred_date(self, sim: float) -> date:
        return datetime.fromtimestamp(self.clock.occurred(sim), self.tz).date()

    # --- emitting ---------------------------------------------------------------------------

    def emit(
        self,
        t: float,
        source: str,
        event_type: str,
        data: dict[str, Any],
        *,
        expect: str = ACCEPTED,
        provides: str | None = None,
        requires: str | None = None,
        anomaly: str | None = None,
        job: Job | None = None,
    ) -> Emission:
        """Queue one event happening at simulated time `t` (generic anomalies applied here);
        it is dropped if its `job` is cancelled before it comes due."""
        emission = Emission(
            t,
            source,
            self.event_id(PREFIX[event_type]),
            event_type,
            data,
            expect=expect,
            provides=provides,
            requires=requires,
            anomaly=anomaly,
            job=job,
        )
        rolls = self.anomalies
        if event_type in OUT_OF_ORDER_TYPES and expect == ACCEPTED and rolls.roll("out_of_order"):
            emission.at = t + rolls.uniform(60.0, 900.0)
            emission.anomaly = emission.anomaly or "out_of_order"
        self.scheduler.emit(emission)
        self.sent[source] += 1
        if expect == ACCEPTED and rolls.roll("duplicate"):
            again = emission.copy(
                at=emission.at + rolls.uniform(5.0, 300.0),
                expect=DUPLICATE,
                provides=None,
                anomaly="duplicate",
            )
            self.scheduler.emit(again)
            self.sent[source] += 1
        if rolls.roll("disconnect"):
            self.scheduler.emit(
                Emission(
                    emission.at, source, None, "", None, control=DISCONNECT, anomaly=DISCONNECT
                )
            )
        return emission

    # --- running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Schedule every enabled stream and the scenarios from the simulated start."""
        if self.started:
            return
        self.started = True
        t0 = self.clock.sim_start
        for name, stream in self.streams.items():
            if self.enabled(name):
                stream.start(t0)
        self.scenarios.start(t0)

    def pop_until(self, until: float, limit: int = 10_000) -> list[Emission]:
        self.start()
        return self.scheduler.pop_until(until, limit)

    def next_time(self) -> float:
        self.start()
        return self.scheduler.next_time()

    def sources(self) -> list[str]:
        """Every source this city sends from, enterprises first (sorted), then the systems."""
        found: set[str] = set()
        for name, stream in self.streams.items():
            if self.enabled(name):
                found |= stream.sources()
        if self.options.scenarios or self.options.scenario_every:
            found |= {FIRE_119, HOTLINE, FIELD_APP, SENSOR_NET}
        if self.options.follow_desk:  # the field app reports what the desk's teams do
            found.add(FIELD_APP)
        systems = [s for s in (FIRE_119, HOTLINE, FIELD_APP, SENSOR_NET) if s in found]
        return sorted(found - set(systems)) + systems

    def natural_rates(self) -> dict[str, float]:
        """Events per simulated second each enabled stream makes at volume 1."""
        return {
            name: stream.natural_rate()
            for name, stream in self.streams.items()
            if self.enabled(name)
        }

    def _volumes(self) -> dict[str, float]:
        """Volume factors: explicit ones, else from --rate (the volume streams fill the rate
        left after the other streams' natural pace), else 1."""
        explicit = dict(self.options.volume)
        volumes = {name: explicit.get(name, 1.0) for name in STREAMS}
        rate = self.options.rate
        if rate is None:
            return volumes
        speed = self.clock.speed or 1.0
        natural = self.natural_rates()
        cases = sum(r for name, r in natural.items() if name not in VOLUME_STREAMS) * speed
        budget = max(rate - cases, 0.25 * rate)
        scaled = [n for n in VOLUME_STREAMS if n in natural and n not in explicit]
        fixed = sum(natural[n] * explicit[n] * speed for n in VOLUME_STREAMS if n in explicit)
        budget = max(budget - fixed, 0.1 * rate)
        total_share = sum(VOLUME_SHARES[n] for n in scaled)
        for name in scaled:
            if natural[name] > 0:
                share = VOLUME_SHARES[name] / total_share
                volumes[name] = budget * share / (natural[name] * speed)
        return volumes


def generate(
    world: World,
    options: CityOptions,
    *,
    sim_start: float,
    span: float,
    real_start: float | None = None,
    speed: float | None = 1.0,
    mode: str = "live",
) -> tuple[City, list[Emission]]:
    """Run a city offline over `span` simulated seconds; (the city, its emissions in order)."""
    real = real_start if real_start is not None else sim_start
    clock = SimClock(sim_start=sim_start, real_start=real, speed=speed, mode=mode)
    city = City(world, options, clock)
    out: list[Emission] = []
    end = sim_start + span
    while True:
        batch = city.pop_until(end)
        if not batch:
            break
        out.extend(batch)
    return city, out
