"""The simulators' building blocks: emissions, the discrete-event scheduler, sources, options.

An `Emission` is one event a source will send (or a control instruction for its client), with
the simulated time at which it is sent (`at`) and the simulated time at which it happened
(`occurred`; earlier than `at` only for late, out-of-order events). What the gateway should
answer is part of it (`expect`), so the client can tell expected outcomes (an anomaly's
rejection, a resent event's duplicate) from unexpected ones.

The `Scheduler` is a heap of timed callbacks: streams schedule their next steps and emit events
from them. `pop_until(t)` runs everything due up to `t` and returns the emissions in simulated-time
order; the order is a pure function of the seed and the options (ties are broken by the order in
which things were scheduled), which is what makes runs reproducible.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulators.anomalies import DEFAULT_RATES

# --- sources ----------------------------------------------------------------------------------

FIRE_119 = "fire-119"
HOTLINE = "hotline-96511"
FIELD_APP = "field-app"
SENSOR_NET = "sensor-net"

ENTERPRISE_TYPES = ("cylinder.scanned", "delivery.safety_checked")
SOURCE_TYPES: dict[str, tuple[str, ...]] = {
    FIRE_119: ("incident.reported",),
    HOTLINE: ("incident.reported", "complaint.received", "complaint.updated"),
    FIELD_APP: (
        "inspection.completed",
        "hazard.reported",
        "hazard.updated",
        "incident.reported",
        "incident.update",
        "team.position",
        "team.status",
        "excavation.registered",
        "violation.recorded",
    ),
    SENSOR_NET: ("sensor.reading",),
}
SOURCE_LABELS = {
    FIRE_119: "119 fire alert feed (simulated)",
    HOTLINE: "96511 gas service hotline (simulated)",
    FIELD_APP: "field-app fleet: inspectors, patrols, rescue teams (simulated)",
    SENSOR_NET: "sensor network (simulated)",
}


def source_types(source: str) -> tuple[str, ...]:
    """The event types a simulated source sends (an enterprise id: the cylinder chain)."""
    return SOURCE_TYPES.get(source, ENTERPRISE_TYPES)


# --- emissions --------------------------------------------------------------------------------

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
DISCONNECT = "disconnect"


def rejected(code: str) -> str:
    return f"rejected:{code}"


class Job:
    """A plan of future emissions that may be called off (a crew's errand, when the duty desk
    closes its incident or sends the crew elsewhere): the scheduler drops the emissions of a
    cancelled job, their anomaly copies included, when they come due."""

    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Emission:
    """One event for one source (or a control instruction for its client: `control`)."""

    __slots__ = (
        "anomaly",
        "at",
        "control",
        "data",
        "expect",
        "id",
        "job",
        "occurred",
        "provides",
        "requires",
        "source",
        "type",
    )

    def __init__(
        self,
        at: float,
        source: str,
        event_id: str | None,
        event_type: str,
        data: dict[str, Any] | None,
        *,
        occurred: float | None = None,
        expect: str = ACCEPTED,
        provides: str | None = None,
        requires: str | None = None,
        anomaly: str | None = None,
        control: str | None = None,
        job: Job | None = None,
    ) -> None:
        self.at = at
        self.occurred = at if occurred is None else occurred
        self.source = source
        self.id = event_id
        self.type = event_type
        self.data = data
        self.expect = expect
        self.provides = provides
        self.requires = requires
        self.anomaly = anomaly
        self.control = control
        self.job = job

    def copy(self, **changes: Any) -> Emission:
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Emission(
            fields["at"],
            fields["source"],
            fields["id"],
            fields["type"],
            fields["data"],
            occurred=fields["occurred"],
            expect=fields["expect"],
            provides=fields["provides"],
            requires=fields["requires"],
            anomaly=fields["anomaly"],
            control=fields["control"],
            job=fields["job"],
        )

    def key(self) -> tuple[Any, ...]:
        """Everything that identifies this emission, for comparing two runs."""
        return (
            self.at,
            self.occurred,
            self.source,
            self.id,
            self.type,
            self.data,
            self.expect,
            self.anomaly,
            self.control,
        )

    def __repr__(self) -> str:
        what = self.control or self.type
        return f"Emission({self.source} {what} {self.id} at={self.at:.1f})"


class Scheduler:
    """Timed callbacks in a heap; emissions come out in simulated-time order."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[..., None] | None, Any]] = []
        self._seq = 0
        self._ready: deque[Emission] = deque()
        self.now = float("-inf")

    def call(self, t: float, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn(t, *args)` at simulated time `t` (at once, in order, if `t` is past)."""
        self._seq += 1
        heapq.heappush(self._heap, (max(t, self.now), self._seq, fn, args))

    def emit(self, emission: Emission) -> None:
        if emission.at <= self.now:
            emission.at = self.now
            self._ready.append(emission)
            return
        self._seq += 1
        heapq.heappush(self._heap, (emission.at, self._seq, None, emission))

    def next_time(self) -> float:
        """When the next emission (or step) is due; +inf when nothing is left."""
        if self._ready:
            return self.now
        return self._heap[0][0] if self._heap else float("inf")

    def pop_until(self, until: float, limit: int = 10_000) -> list[Emission]:
        """Run what is due up to `until`; at most about `limit` emissions come out."""
        out: list[Emission] = []
        heap = self._heap
        while len(out) < limit:
            if self._ready:
                emission = self._ready.popleft()
                if not _called_off(emission):
                    out.append(emission)
                continue
            if not heap or heap[0][0] > until:
                break
            t, _, fn, arg = heapq.heappop(heap)
            self.now = t
            if fn is None:
                if not _called_off(arg):
                    out.append(arg)
            else:
                fn(t, *arg)
        return out


def _called_off(emission: Emission) -> bool:
    return emission.job is not None and emission.job.cancelled


# --- options ----------------------------------------------------------------------------------

STREAMS = (
    "cylinders",
    "sensors",
    "inspections",
    "emergency",
    "complaints",
    "violations",
    "excavations",
)
VOLUME_STREAMS = ("cylinders", "sensors")  # scaled by --rate; the others keep their pace
# How --rate splits the volume streams' share of the load (a cylinder-heavy mix).
VOLUME_SHARES = {"cylinders": 0.75, "sensors": 0.25}


@dataclass(frozen=True)
class CityOptions:
    """What the simulated city does; every choice that changes the events is here."""

    seed: int = 0
    streams: frozenset[str] = frozenset(STREAMS)
    rate: float | None = None  # target events per real second; None: the city's natural volume
    volume: Mapping[str, float] = field(default_factory=dict)  # explicit factors per stream
    flat: bool = False  # no daily rhythm (benchmarks)
    anomalies: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    # Named scenarios at simulated offsets (seconds) from the start.
    scenarios: tuple[tuple[str, float], ...] = ()
    scenario_every: float | None = None  # simulated seconds between cycled scenarios (demo)
    first_scenario_after: float = 0.0  # simulated seconds before the first cycled scenario
    scenario_cycle: tuple[str, ...] = (
        "restaurant_explosion",
        "pipeline_strike",
        "quarter_end_push",
    )
    run_tag: str | None = None
    # How many times their natural rate the case streams (incidents, inspections and their
    # hazards, complaints, violations, excavations) make new cases; how long each case takes
    # stays honest. The demo compresses how often things happen, never how long they take.
    case_pace: float = 1.0
    # The stand-in dispatch: the simulators send their own incidents' nearest teams themselves
    # (benchmarks, tests, backfills). Off in the demo, whose simulated duty desk dispatches
    # through the app's commands (the crews follow it: `follow_desk`).
    stand_in_dispatch: bool = True
    # Seconds of occurred_at time from an incident's report to the stand-in dispatch (None: the
    # stream's DISPATCH_DELAY_S).
    dispatch_delay: float | None = None
    # Plumbing tests only: the emergency stream's durations compress with the clock like the
    # other streams' (at speed 300 a drive across town is stamped seconds apart: an impossible
    # response). Never in the demo, benchmarks or backfills.
    compress_responses: bool = False
    # Follow the duty desk's dispatches (simulators/desk.py): the field app always connects.
    follow_desk: bool = False
    photos_dir: str | None = None
    photo_kinds: frozenset[str] | None = None  # written to photos_dir (None: every kind)
    # Cylinders due for inspection or scrap within this many days (of occurred_at time) stay
    # out of the regular chain, so that no regular filling is overdue during the run.
    valid_margin_days: int = 60

    def __post_init__(self) -> None:
        unknown = set(self.streams) - set(STREAMS)
        if unknown:
            raise ValueError(f"unknown streams {sorted(unknown)}; known: {', '.join(STREAMS)}")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be positive")
        if not self.case_pace > 0 or self.case_pace == float("inf"):
            raise ValueError("case_pace must be a positive number")
        if self.dispatch_delay is not None and self.dispatch_delay < 0:
            raise ValueError("dispatch_delay cannot be negative")
        for name, factor in self.volume.items():
            if name not in STREAMS or factor <= 0:
                raise ValueError(f"volume {name}={factor}: a known stream and a positive factor")
