"""Backfill: N days of the city's history written through the one write path, in bulk.

`backfill(engine, world, ...)` runs the live streams (`simulators.city.City`) offline on the sim
clock, unpaced, over [start, end), validates every event by the catalogue as the gateway does
(`parse_event`, the district check, the source's event types and enterprise binding), and
appends them in large batches, each one transaction (`data_access.bulk_append`), where the
projections apply them exactly as they apply ingest.

The command center's own part of that history is written too, as the system would have made it
(source "system", the actor `desk`):

- `incident.dispatched` naming the teams the stand-in dispatch chose, at the moment it chose
  them (id `dispatch:<incident>`), with the desk's straight-line ETA;
- `incident.notified` of the four levels one to two minutes later, in-app, delivered
  (id `notify:<incident>`);
- `incident.closed` three to ten minutes after the first team reported it resolved, with a short
  summary (id `close:<incident>`);
- `hazard.escalated` for hazards still open after their due time, by the rule in
  dashboard/domain/hazards.py (`escalation_steps`), id `escalation_id(hazard, level)` =
  `escalate:<hazard>:<level>`: the live rules runner (issue 15) uses the same ids, so it never
  escalates a backfilled hazard twice;
- `complaint.updated` status escalated (actor `rules`) for a complaint still unanswered at its
  due time, and again each further limit (dashboard/domain/complaints.py), id
  `complaint-late:<complaint>:<n>`, the live rule's own.

Incidents still unresolved at the end are left out (their report, teams' statuses and drive),
so that the live simulators starting afterwards, which bring every team back to base, leave no
incident without its team. Sensor readings are skipped (the sensors stream is off: millions of
rows nothing historic reads); the few an excavation strike makes are kept. Transport anomalies
(duplicates, out-of-order sends, disconnects) are off; the data anomalies stay.

Determinism: the same registry, seed, start and end give the same events, ids and contents
(the run tag comes from the seed and the start). A second run over a period that already holds
history refuses (`BackfillRefused`, "already backfilled"), unless it is the same run, whose
events all come back duplicate: nothing is written twice.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine

from dashboard.domain.complaints import late_escalation_id
from dashboard.domain.complaints import late_note as complaint_late_note
from dashboard.domain.complaints import time_limit as complaint_time_limit
from dashboard.domain.dispatch import straight_line_minutes
from dashboard.domain.events import (
    NOTIFY_LEVELS,
    Bounds,
    ChecklistPublished,
    ComplaintUpdated,
    Event,
    EventData,
    HazardEscalated,
    HazardNotified,
    IncidentClosed,
    IncidentDispatched,
    IncidentNotified,
    TaskCompleted,
    TaskIssued,
    parse_event,
)
from dashboard.domain.hazards import (
    ESCALATION_NOTES,
    ESCALATION_NOTIFIES,
    RECTIFICATION_PERIOD,
    escalation_id,
    escalation_steps,
    rule_hazard_id,
)
from dashboard.domain.hazards import is_open as hazard_is_open
from dashboard.domain.tasks import BUILTIN, BUILTIN_CHECKLISTS
from dashboard.gateway.places import district_rejection
from data_access.bulk_append import BulkTally, append_batches, history_between, logged_with_prefix
from data_access.commands.complaints import RULES_ACTOR as COMPLAINT_RULES_ACTOR
from data_access.commands.tasks import BUILTIN_ACTOR, builtin_event_id
from data_access.db import refresh_statistics
from data_access.eventlog import SYSTEM_SOURCE, Incoming
from data_access.outbox import hazard_delivery_id
from simulators.anomalies import DEFAULT_RATES
from simulators.city import PREFIX, City
from simulators.clock import DAY, HOUR, MINUTE, SimClock, quarter_bounds, utc_offset_s
from simulators.core import STREAMS, CityOptions, Emission, source_types
from simulators.detention_history import DetentionHistory
from simulators.district_traits import CityTraits
from simulators.places import km
from simulators.streams.tasks import HistoryTask, history_tasks
from simulators.world import World

DESK = "backfill"  # the actor of the command center's own events
HOLDBACK_S = 8 * HOUR  # an incident resolves within hours: written once this much later
STEP_S = HOUR  # simulated time generated at a time
BATCH_EVENTS = 5_000  # events per transaction
TRANSPORT_ANOMALIES = ("duplicate", "out_of_order", "disconnect")
# What the streams send: a period holding any of these already has a history.
HISTORY_TYPES = frozenset(PREFIX)
NOTIFY_CHANNEL = "in_app"
# The history's rectification runs late more often, and longer, than the live default (12 %,
# up to 3 days): a quarter's past then holds hazards escalated to the district and the city,
# and some still overdue at its end, as a supervisor's desk would see them; NEVER_SHARE are never
# rectified at all (escalated to the city, still open).
LATE_SHARE = 0.3
LATE_DAYS = (0.5, 25.0)
NEVER_SHARE = 0.1
LATE_ESCALATIONS = 3  # a complaint's late escalations the history may hold (one per limit)

Progress = Callable[[float, int], None]  # (days done, events written)


class BackfillRefused(Exception):
    """The backfill cannot run (an empty registry, a period already backfilled)."""


@dataclass
class BackfillResult:
    start: float
    end: float
    run_tag: str
    tally: BulkTally
    offered: Counter[str] = field(default_factory=Counter)  # events per type sent to the log
    system: Counter[str] = field(default_factory=Counter)  # the command center's, per type
    invalid: Counter[str] = field(default_factory=Counter)  # refused by the catalogue, by code
    expected_rejections: int = 0  # the data anomalies' (an unregistered worker's check)
    left_out: int = 0  # incidents unresolved at the end, not written
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time (the machine may be shared)
    traits: dict[str, str] = field(default_factory=dict)  # district -> archetype

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    @property
    def written(self) -> int:
        return self.tally.accepted

    def line(self) -> str:
        """One line for the demo's start."""
        return (
            f"backfilled {self.days:.1f} days of the city ({self.tally.accepted:,} events, "
            f"{self.system.get('incident.dispatched', 0)} incidents handled, "
            f"{self.system.get('hazard.escalated', 0)} hazard escalations) in {self.seconds:.1f} s"
        )

    def summary(self) -> str:
        tally = self.tally
        rejected = sum(tally.rejected.values())
        rate = tally.total / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"backfill {self.run_tag}: {self.days:.1f} days ({_iso(self.start)} to "
            f"{_iso(self.end)}) in {self.seconds:.1f} s ({self.cpu_seconds:.1f} s of CPU), "
            f"{rate:,.0f} events/s",
            f"  written {tally.accepted:,}, duplicate {tally.duplicate:,}, rejected {rejected:,} "
            f"(expected {self.expected_rejections:,}), refused by the catalogue "
            f"{sum(self.invalid.values()):,}",
            "  system: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.system.items())),
            f"  incidents unresolved at the end, left out: {self.left_out}",
        ]
        if self.traits:
            lines.append(
                "  district traits: "
                + ", ".join(f"{k} {v}" for k, v in sorted(self.traits.items()))
            )
        for code, message in sorted(tally.samples.items()):
            lines.append(f"  rejected {code}: {message}")
        return "\n".join(lines)


BACKFILL_STREAMS = frozenset(STREAMS) - {"sensors"}


# The past photos written for the pages: rectifications (a hazard's history) and incident scenes.
BACKFILL_PHOTOS = frozenset({"rectified", "incident"})


def backfill_options(
    seed: int,
    span_s: float,
    streams: frozenset[str] = BACKFILL_STREAMS,
    photos_dir: str | None = None,
    volume: Mapping[str, float] | None = None,
) -> CityOptions:
    """The city's options for a backfill: every stream but the sensors (or `streams`), no
    scenarios, no transport anomalies, cylinders valid throughout the span; the photos its
    events name written to `photos_dir` (if given), so the pages can show them; `volume`: the
    volume streams' factors (`--volume cylinders=0.02`: fewer scans, the same cases)."""
    rates = dict(DEFAULT_RATES) | dict.fromkeys(TRANSPORT_ANOMALIES, 0.0)
    return CityOptions(
        seed=seed,
        streams=streams,
        anomalies=rates,
        valid_margin_days=max(60, math.ceil(span_s / DAY) + 30),
        photos_dir=photos_dir,
        photo_kinds=BACKFILL_PHOTOS,
        volume=dict(volume or {}),
    )


def backfill(
    engine: Engine,
    world: World,
    *,
    days: float | None = None,
    start: float | None = None,
    end: float | None = None,
    seed: int = 0,
    desk: str = DESK,
    batch_events: int = BATCH_EVENTS,
    progress: Progress | None = None,
    streams: frozenset[str] = BACKFILL_STREAMS,
    photos_dir: str | None = None,
    traits: bool = True,
    volume: Mapping[str, float] | None = None,
) -> BackfillResult:
    """Write the city's history over [start, end) (or the `days` before `end`; `end` defaults
    to now, in whole seconds). Raises `BackfillRefused` for an empty registry or a period that
    already holds another run's history. `streams`: fewer streams (tests). `traits`: the
    districts and enterprises differ by their seeded traits (False: every one the streams'
    defaults). `volume`: the volume streams' factors (backfill_options)."""
    if not world.enterprises:
        raise BackfillRefused("the registry is empty: run `python -m simulators seed` first")
    end = math.floor(time.time() if end is None else end)
    if start is None:
        if days is None or days <= 0:
            raise BackfillRefused("say how many days to backfill (a positive number)")
        start = end - days * DAY
    if not start < end:
        raise BackfillRefused("the backfill's start must lie before its end")
    if end > time.time() + 60:
        raise BackfillRefused("the backfill cannot end in the future")
    began, cpu = time.perf_counter(), time.process_time()
    clock = SimClock(sim_start=start, real_start=start, speed=None, mode="sim")
    options = backfill_options(seed, end - start, streams, photos_dir, volume)
    city = City(world, options, clock)
    hazards = city.streams["inspections"].hazards  # type: ignore[attr-defined]
    hazards.late_share, hazards.late_days = LATE_SHARE, LATE_DAYS
    hazards.never_share = NEVER_SHARE
    if traits:  # the districts' and enterprises' character (simulators/district_traits.py)
        city.traits = CityTraits.of(world, seed)
    _refuse_if_filled(engine, city, start, end)
    writer = _History(engine, city, desk, start, end, batch_events)
    if "inspections" in streams:  # the offices' inspection tasks (simulators/streams/tasks.py)
        writer.checklists()
        for task in history_tasks(world, start, end, _iso, seed):
            city.streams["inspections"].take_task(task.work)  # type: ignore[attr-defined]
            writer.task(task)
    done: dict[str, float] = {"t": start}

    def on_batch(batch: Any, tally: BulkTally) -> None:
        done["t"] = max(done["t"], batch[-1].event.occurred_at.timestamp())
        if progress is not None:
            progress((done["t"] - start) / DAY, tally.accepted)

    tally = append_batches(engine, writer.batches(), on_batch=on_batch)
    refresh_statistics(engine)  # the planner's statistics, for the history just written
    result = writer.result(tally)
    result.traits = {code: d.archetype for code, d in city.traits.districts.items()}
    result.seconds = time.perf_counter() - began
    result.cpu_seconds = time.process_time() - cpu
    if progress is not None:
        progress(result.days, tally.accepted)
    return result


def backfill_quarter(
    engine: Engine,
    city_pack: str,
    *,
    seed: int = 0,
    desk: str = DESK,
    now: float | None = None,
    say: Callable[[str], object] | None = None,
    photos_dir: str | None = None,
) -> BackfillResult:
    """The quarter so far (from its first local midnight to now) for a freshly seeded demo;
    the seed is the live run's (0), so the live inspections carry on with the same plan.
    `say` hears one line before it starts (it takes a while)."""
    from dashboard.citypack import load_city_pack
    from simulators.world import load_world

    pack = load_city_pack(city_pack)
    world = load_world(engine, pack)
    end = math.floor(time.time() if now is None else now)
    start, _ = quarter_bounds(end, utc_offset_s(pack.time_zone, end))
    if say is not None:
        say(f"backfilling the quarter so far ({(end - start) / DAY:.0f} days of the city) ...")
    return backfill(
        engine, world, start=start, end=end, seed=seed, desk=desk, photos_dir=photos_dir
    )


def _refuse_if_filled(engine: Engine, city: City, start: float, end: float) -> None:
    found = history_between(engine, HISTORY_TYPES, _utc(start), _utc(end))
    if found and not logged_with_prefix(engine, f"{city.run_tag}-"):
        raise BackfillRefused(
            f"already backfilled: the log holds {found:,} events of the city between "
            f"{_iso(start)} and {_iso(end)}; a backfill writes only a period without history"
        )


@dataclass
class _Dispatch:
    at: float
    teams: list[str]


class _History:
    """The streams' events in time order, with the command center's own events among them.

    Events wait `HOLDBACK_S` of simulated time before they are written, so that an incident's
    whole story is known when its report is (whether it was resolved before the end), and a
    dispatch names every team the stand-in chose (they set off 20 s apart)."""

    def __init__(
        self, engine: Engine, city: City, desk: str, start: float, end: float, size: int
    ) -> None:
        self.engine = engine
        self.city = city
        self.world = city.world
        self.desk = desk
        self.start, self.end, self.size = start, end, size
        self.rng = city.rng("backfill-desk")  # own draws: the streams' stay as they are
        (south, west), (north, east) = self.world.pack.bounds
        self.bounds = Bounds(south, west, north, east)
        self.now = datetime.now(UTC)
        self.heap: list[tuple[float, int, int, tuple[Any, ...]]] = []
        self.order = 0
        self.incidents: dict[str, dict[str, Any]] = {}
        self.dispatches: dict[str, _Dispatch] = {}
        self.resolved: set[str] = set()
        self.left_out: set[str] = set()
        self.parked: set[str] = set()  # teams on a left-out incident's errand
        self.open_hazards: dict[str, bool] = {}
        self.hazard_places: dict[str, tuple[str, str | None]] = {}  # district, enterprise name
        self.unanswered: dict[str, bool] = {}  # complaints not yet replied to
        self.offered: Counter[str] = Counter()
        self.system: Counter[str] = Counter()
        self.invalid: Counter[str] = Counter()
        self.expected_rejections = 0
        self.homes = {team.id: (team.lat, team.lon) for team in self.world.teams}
        # online detentions of the problem fillings (simulators/detention_history.py)
        self.detentions = DetentionHistory(
            self.world, city.rng("backfill-detentions"), lambda t: city.local(t).date()
        )
        self._directory: Any = None

    # --- generating ---------------------------------------------------------------------------

    def batches(self) -> Iterator[list[Incoming]]:
        pending: list[Incoming] = []
        t = self.start
        while t < self.end:
            t = min(t + STEP_S, self.end)
            while batch := self.city.pop_until(t):
                for emission in batch:
                    self._take(emission)
            last = t >= self.end
            pending.extend(self._ready(math.inf if last else t - HOLDBACK_S))
            while len(pending) >= self.size or (last and pending):
                yield pending[: self.size]
                pending = pending[self.size :]

    def checklists(self) -> None:
        """The built-in checklists, published when the history begins (the same event ids as
        `publish_builtin_checklists`: a log that has them takes them as duplicates)."""
        for checklist in BUILTIN_CHECKLISTS:
            self._push(self.start, 0, ("checklist", checklist.id))

    def task(self, task: HistoryTask) -> None:
        """A task issued, and completed if it was, as its offices' users did."""
        self._push(task.work.issued, 0, ("task_issue", task.work.task_id, task.issued, task.by))
        if task.completed is not None:
            when, by = task.completed
            self._push(when, 1, ("task_complete", task.work.task_id, by))

    def _push(self, t: float, rank: int, item: tuple[Any, ...]) -> None:
        self.order += 1
        heapq.heappush(self.heap, (t, rank, self.order, item))

    def _take(self, emission: Emission) -> None:
        """Queue a stream's emission and what the command center will make of it."""
        if emission.control is not None or emission.id is None:
            return
        t, data = emission.occurred, emission.data or {}
        self._push(t, 1, ("stream", emission))
        kind = emission.type
        if kind == "incident.reported":
            self.incidents[data["incident_id"]] = data
        elif kind == "team.status" and data["status"] == "dispatched" and "incident_id" in data:
            self._dispatched(t, data["incident_id"], data["team_id"])
        elif kind == "incident.update" and data.get("status") == "resolved":
            incident_id = data["incident_id"]
            if incident_id not in self.resolved:
                self.resolved.add(incident_id)
                closing = t + self.rng.uniform(3.0, 10.0) * MINUTE
                self._push(closing, 1, ("close", incident_id, data["text"]))
        elif kind == "inspection.completed":
            due = t + RECTIFICATION_PERIOD.total_seconds()
            for index, item in enumerate(data["items"]):
                if not item["passed"]:
                    hazard_id = rule_hazard_id(data["inspection_id"], index)
                    self._hazard(hazard_id, "general", due, data)
        elif kind == "hazard.reported":
            due = datetime.fromisoformat(data["due_at"]).timestamp()
            self._hazard(data["hazard_id"], data["level"], due, data)
        elif kind == "complaint.received":
            self._late_complaint(t, data["complaint_id"], data["category"])
        elif kind == "cylinder.scanned":
            for when, item in self.detentions.plan(t, data):
                self._push(when, 1, item)

    def _dispatched(self, t: float, incident_id: str, team_id: str) -> None:
        sent = self.dispatches.get(incident_id)
        if sent is None:
            self.dispatches[incident_id] = _Dispatch(t, [team_id])
            self._push(t, 0, ("dispatch", incident_id))
            self._push(t + self.rng.uniform(1.0, 2.0) * MINUTE, 1, ("notify", incident_id))
        elif team_id not in sent.teams and t - sent.at <= 2 * MINUTE:
            sent.teams.append(team_id)  # the stand-in's teams set off 20 s apart

    def _hazard(self, hazard_id: str, level: str, due: float, data: dict[str, Any]) -> None:
        self.hazard_places[hazard_id] = (data["district"], self._owner(data))
        for step, after in escalation_steps(level):
            self._push(due + after.total_seconds(), 1, ("escalate", hazard_id, step, level))

    def _late_complaint(self, t: float, complaint_id: str, category: str) -> None:
        """The rules runner's escalations (超时督办) a complaint would get if still unanswered:
        one at its due time and one more each further limit (dashboard/domain/complaints.py),
        decided when each comes due (`_follow_complaints`)."""
        limit = complaint_time_limit(category).total_seconds()
        for ordinal in range(1, LATE_ESCALATIONS + 1):
            when = t + ordinal * limit + MINUTE  # just past the due time, as the rule sees it
            self._push(when, 1, ("complaint_late", complaint_id, ordinal, category))

    def _owner(self, data: dict[str, Any]) -> str | None:
        """The name of the enterprise responsible for what an inspection or report names (as
        data_access/projections/operations.py `responsible_enterprise` finds it)."""
        world, target = self.world, data["target_id"]
        found = {
            "enterprise": world.enterprise.get(target),
            "site": world.site.get(target),
            "customer": world.customer.get(target),
            "pipeline": world.segment.get(target),
        }.get(data["target_type"])
        owner = (
            target if data["target_type"] == "enterprise" else getattr(found, "enterprise_id", None)
        )
        enterprise = world.enterprise.get(owner) if owner else None
        return enterprise.name if enterprise else None

    # --- writing ------------------------------------------------------------------------------

    def _ready(self, before: float) -> list[Incoming]:
        out: list[Incoming] = []
        heap = self.heap
        while heap and heap[0][0] < before and heap[0][0] < self.end:
            t, _, _, item = heapq.heappop(heap)
            incoming = self._stream(item[1]) if item[0] == "stream" else self._system(t, item)
            if incoming is not None:
                out.append(incoming)
        if before == math.inf:
            heap.clear()  # what lies after the end did not happen yet
        return out

    def _stream(self, emission: Emission) -> Incoming | None:
        data = emission.data or {}
        incident_id = data.get("incident_id")
        kind = emission.type
        if kind == "incident.reported" and incident_id not in self.resolved:
            self.left_out.add(incident_id)
        if incident_id in self.left_out:
            if kind == "team.status":
                self.parked.add(data["team_id"])
            return None
        if kind == "team.status":
            self.parked.discard(data["team_id"])
        elif kind == "team.position" and data["team_id"] in self.parked:
            return None
        self._follow_hazards(kind, data)
        self._follow_complaints(kind, data)
        return self._validated(emission)

    def _follow_hazards(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "inspection.completed":
            for index, item in enumerate(data["items"]):
                if not item["passed"]:
                    self.open_hazards.setdefault(rule_hazard_id(data["inspection_id"], index), True)
        elif kind == "hazard.reported":
            self.open_hazards.setdefault(data["hazard_id"], True)
        elif kind == "hazard.updated":
            self.open_hazards[data["hazard_id"]] = hazard_is_open(data["status"])

    def _follow_complaints(self, kind: str, data: dict[str, Any]) -> None:
        """Which complaints are still unanswered (the late rule escalates only those)."""
        if kind == "complaint.received":
            self.unanswered.setdefault(data["complaint_id"], True)
        elif kind == "complaint.updated" and data["status"] in ("replied", "closed"):
            self.unanswered[data["complaint_id"]] = False

    def _complaint_late(self, t: float, item: tuple[Any, ...]) -> Incoming | None:
        _, complaint_id, ordinal, category = item
        if not self.unanswered.get(complaint_id):
            return None
        data = ComplaintUpdated(
            complaint_id=complaint_id,
            status="escalated",
            actor=COMPLAINT_RULES_ACTOR,
            note=complaint_late_note(category, ordinal),
        )
        self.system[data.event_type] += 1
        event_id = late_escalation_id(complaint_id, ordinal)  # the live rule's own id
        event = Event.of(data, id=event_id, occurred_at=_utc(t))
        return Incoming(SYSTEM_SOURCE, event, actor=COMPLAINT_RULES_ACTOR)

    def _validated(self, emission: Emission) -> Incoming | None:
        """The event as the gateway would take it from its source's token, or None."""
        raw = {
            "id": emission.id,
            "type": emission.type,
            "occurred_at": self.city.iso(emission.occurred),
            "data": emission.data,
        }
        event = parse_event(
            raw, now=self.now, bounds=self.bounds, allowed_types=source_types(emission.source)
        )
        if isinstance(event, Event):
            event = district_rejection(event, self.world.pack) or event
        if not isinstance(event, Event):
            self.invalid[event.code] += 1
            return None
        if emission.expect.startswith("rejected"):
            self.expected_rejections += 1
        self.offered[emission.type] += 1
        enterprise = emission.source if emission.source in self.world.enterprise else None
        return Incoming(emission.source, event, enterprise=enterprise)

    def _system(self, t: float, item: tuple[Any, ...]) -> Incoming | None:
        what, subject = item[0], item[1]
        data: EventData | None
        if what in ("task_issue", "task_complete", "checklist"):
            return self._task_event(t, item)
        if what == "escalation_notice":
            return self._escalation_notice(t, subject, item[2])
        if what == "complaint_late":
            return self._complaint_late(t, item)
        if what == "detention":
            detention = self.detentions.event(t, item)
            self.system[detention.event.type] += 1
            return detention
        if what == "escalate":
            data = self._escalation(subject, item[2], item[3])
            event_id = escalation_id(subject, item[2])
            if data is not None:  # the levels hear of it within the minute (in-app)
                self._push(t + MINUTE, 1, ("escalation_notice", subject, item[2]))
        elif subject in self.left_out or subject not in self.incidents:
            return None
        elif what == "dispatch":
            data, event_id = self._dispatch(t, subject), f"dispatch:{subject}"
        elif what == "notify":
            data, event_id = self._notification(subject), f"notify:{subject}"
        else:
            summary = f"{item[2].rstrip('。')}，予以结案。"  # the crews' last word, closed
            data = IncidentClosed(incident_id=subject, by=self.desk, summary=summary)
            event_id = f"close:{subject}"
        if data is None:
            return None
        self.system[data.event_type] += 1
        event = Event.of(data, id=event_id, occurred_at=_utc(t))
        return Incoming(SYSTEM_SOURCE, event, actor=self.desk)

    def _task_event(self, t: float, item: tuple[Any, ...]) -> Incoming:
        what, task_id = item[0], item[1]
        if what == "checklist":
            checklist = BUILTIN[task_id]
            data: EventData = ChecklistPublished(
                checklist_id=checklist.id, title=checklist.title[0], items=checklist.items_zh,
                campaign=checklist.campaign, by=BUILTIN_ACTOR,
            )  # fmt: skip
            event_id, actor = builtin_event_id(checklist), BUILTIN_ACTOR
        elif what == "task_issue":
            data = TaskIssued.model_validate(item[2])
            event_id, actor = f"issue-{task_id}", item[3]
        else:
            data = TaskCompleted(task_id=task_id, by=item[2], note="检查任务已完成")
            event_id, actor = f"task-complete-{task_id}", item[2]
        self.system[data.event_type] += 1
        event = Event.of(data, id=event_id, occurred_at=_utc(t))
        return Incoming(SYSTEM_SOURCE, event, actor=actor)

    def _escalation_notice(self, t: float, hazard_id: str, step: str) -> Incoming:
        """The notifier's in-app delivery of an escalation, as it records it live."""
        from dashboard.notifier import escalation_recipients

        district, enterprise = self.hazard_places[hazard_id]
        recipients = escalation_recipients(self.world.pack, district, enterprise)
        levels = ESCALATION_NOTIFIES[step]
        request = escalation_id(hazard_id, step)
        data = HazardNotified(
            hazard_id=hazard_id, request_id=request, levels=list(levels),  # type: ignore[arg-type]
            recipients=[recipients[level][:200] for level in levels], channel=NOTIFY_CHANNEL,
            outcome="delivered", attempts=1,
        )  # fmt: skip
        self.system[data.event_type] += 1
        event = Event.of(data, id=hazard_delivery_id(request, NOTIFY_CHANNEL), occurred_at=_utc(t))
        return Incoming(SYSTEM_SOURCE, event, actor="notifier")

    def _escalation(self, hazard_id: str, step: str, level: str) -> HazardEscalated | None:
        if not self.open_hazards.get(hazard_id):
            return None  # closed by then (or never reported)
        note = ESCALATION_NOTES[(level if level in ("general", "major") else "general", step)]
        return HazardEscalated(hazard_id=hazard_id, level=step, by="system", note=note)  # type: ignore[arg-type]

    def _dispatch(self, t: float, incident_id: str) -> IncidentDispatched:
        sent = self.dispatches[incident_id]
        place = self.incidents[incident_id]
        hour = self.city.local(t).hour
        eta = min(
            straight_line_minutes(km(self.homes[team], (place["lat"], place["lon"])), hour)
            for team in sent.teams
        )
        return IncidentDispatched(
            incident_id=incident_id, team_ids=list(sent.teams), by=self.desk,
            eta_minutes=round(eta, 1),
        )  # fmt: skip

    def _notification(self, incident_id: str) -> IncidentNotified:
        place = self.incidents[incident_id]
        recipients = self._recipients(place)
        return IncidentNotified(
            incident_id=incident_id,
            levels=list(NOTIFY_LEVELS),  # type: ignore[arg-type]
            recipients=[recipients[level][:200] for level in NOTIFY_LEVELS],
            channel=NOTIFY_CHANNEL,
            outcome="delivered",
            attempts=1,
        )

    def _recipients(self, place: dict[str, Any]) -> dict[str, str]:
        """Who each level is, as the notifier words it (dashboard/notifier.py `Directory`)."""
        if self._directory is None:
            from dashboard.notifier import Directory

            self._directory = Directory(self.engine, self.world.pack)
        found = self.world.pack.district_at(place["lat"], place["lon"])
        notice = SimpleNamespace(
            district=found.code if found else None,
            lat=place["lat"],
            lon=place["lon"],
            address=place["address"],
        )
        recipients: dict[str, str] = self._directory.recipients(notice, NOTIFY_LEVELS)
        return recipients

    def result(self, tally: BulkTally) -> BackfillResult:
        return BackfillResult(
            start=self.start,
            end=self.end,
            run_tag=self.city.run_tag,
            tally=tally,
            offered=self.offered,
            system=self.system,
            invalid=self.invalid,
            expected_rejections=self.expected_rejections,
            left_out=len(self.left_out),
        )


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


__all__ = [
    "DESK",
    "BackfillRefused",
    "BackfillResult",
    "backfill",
    "backfill_options",
    "backfill_quarter",
]
