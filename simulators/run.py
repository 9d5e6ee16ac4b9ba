"""Running a simulated city against a gateway: pacing, one client per source, the summary.

`run_city(world, city_options, options, tokens)` is the whole run as one coroutine: it builds the
`City` on a clock that starts now, opens one `SourceClient` per source, hands each emission to its
source's client when it is due (simulated time runs `speed` times faster than real time; when the
clients fall behind, generation waits: occurred_at stays what the schedule says) and, when stopped
(the `stop` event, `duration` real seconds or `sim_duration` simulated ones), lets every client
send what it holds and wait for its acks, then returns a `RunReport`.

`python -m simulators run` (simulators/__main__.py) wraps it: it reads the registry from the
database the settings name, creates one token per source (enterprise tokens bound to their
enterprise) and revokes them afterwards, prints progress lines to stderr and the report to
stdout, and exits 0 only when every event got the answer it expected.

For `python -m dashboard demo`: start ``python -m simulators run --url ws://HOST:PORT/ingest
--demo --data-dir DIR`` as a child process (or call `run_city` with `demo_options()`); SIGTERM
or SIGINT stops it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from dashboard.domain.roles import system_user
from simulators.city import City, run_tag_for
from simulators.client import Gates, SourceClient, SourceStats
from simulators.clock import SimClock, backfill_start, local_day_start, utc_offset_s
from simulators.core import SOURCE_LABELS, CityOptions, Emission, source_types
from simulators.desk import DeskFeed, DeskListener
from simulators.world import World

if TYPE_CHECKING:  # the desk is built by the command line, which imports it when asked for
    from simulators.duty_desk import DutyDesk

PULL_BATCH = 5_000


@dataclass(frozen=True)
class RunOptions:
    """How a run is paced and sent (what happens in the city is `CityOptions`)."""

    url: str
    speed: float | None = 1.0  # simulated seconds per real second; None: unpaced (sim clock)
    clock: str = "live"  # live | sim (docs/simulators.md, "How time works")
    sim_start: float | None = None  # epoch seconds; None: now (live) or backfilled (sim)
    # Live clock without sim_start: start at this local time of day today instead of now.
    start_hour: float | None = None
    duration: float | None = None  # real seconds
    sim_duration: float | None = None  # simulated seconds
    window: int = 8  # frames in flight per source
    max_frame_events: int = 1_000  # capped by the welcome's max_events
    drain_timeout: float = 30.0  # after stopping, how long to wait for the last acks
    gate_timeout: float = 30.0
    backlog_limit: int = 50_000  # events queued in the clients before generation waits
    report_every: float | None = 10.0  # progress lines, real seconds (None: none)


# The demo's city runs on the real clock (speed 1: the time of day in texts and rhythms is the
# real one, and every duration is true); what it compresses is how often cases happen. A team is
# busy for the dispatch delay, the drive (about 12 minutes: the nearest team is 5 km away in the
# median), the work on site (the first crew until resolved, the others until contained) and the
# way back: about 1.5 team-hours an incident. 4 incidents a natural day at demo scale times
# DEMO_CASE_PACE (32 a day, 1.3 an hour, 3 at the meal peaks), plus the scenario cycle (an
# explosion: 4 teams, about 6 team-hours; a pipeline strike: 2 teams, about 5; the quarter-end
# push: none) every DEMO_SCENARIO_EVERY_S keep about 9 of the 30 teams busy on average, and at
# most about 19 at the dinner peak, so a scripted explosion always finds free teams. (Measured
# offline with the stand-in in the desk's place: docs/simulators.md, "The demo".)
DEMO_CASE_PACE = 8.0
DEMO_SCENARIO_EVERY_S = 60 * 60.0  # real seconds between the cycle's scenarios


def demo_options(url: str) -> tuple[CityOptions, RunOptions]:
    """The demo preset: the real clock (speed 1, the simulated start now), cases at
    `DEMO_CASE_PACE` times their natural rate, about 6 events/s on average (the cylinder chain
    and the sensors fill the rest), a scenario every `DEMO_SCENARIO_EVERY_S`, the first 5
    seconds in. The stand-in dispatch is off: the simulated duty desk (or the person at the
    desk) dispatches through the app, and the crews follow it (`follow_desk`)."""
    speed = 1.0
    city = CityOptions(
        rate=6.0,
        case_pace=DEMO_CASE_PACE,
        scenario_every=DEMO_SCENARIO_EVERY_S * speed,
        first_scenario_after=5.0 * speed,
        stand_in_dispatch=False,
    )
    return city, RunOptions(url=url, speed=speed, report_every=60.0)


def resolve_start(
    options: RunOptions,
    now: float,
    offset_s: int,
    scenario: str | None = None,
    lead: float = 0.0,
) -> float:
    """Where the simulated clock starts (see `RunOptions.sim_start`): with one scenario asked
    for by name and no start given, `lead` simulated seconds before the scenario's moment."""
    if options.sim_start is not None:
        return options.sim_start
    if options.clock == "sim":
        span = options.sim_duration
        if span is None and options.duration is not None and options.speed is not None:
            span = options.duration * options.speed
        if span is None:
            raise ValueError("the sim clock needs --sim-duration (or --duration and --speed)")
        return backfill_start(now, span, options.speed)
    if scenario is not None:
        from simulators.scenarios import scenario_moment

        return scenario_moment(scenario, now, offset_s) - lead
    if options.start_hour is not None:
        return local_day_start(now, offset_s) + options.start_hour * 3_600.0
    return now


@dataclass
class RunReport:
    stats: dict[str, SourceStats]
    anomalies: Counter[str]  # anomalies handed to the clients, by kind
    scenarios: list[dict[str, Any]]
    run_tag: str
    clock: SimClock
    sim_reached: float
    elapsed: float
    reason: str
    skipped_sources: list[str] = field(default_factory=list)
    natural_rates: dict[str, float] = field(default_factory=dict)
    volumes: dict[str, float] = field(default_factory=dict)
    tz: tzinfo = UTC

    @property
    def totals(self) -> SourceStats:
        total = SourceStats("total")
        for s in self.stats.values():
            for name in (
                "sent",
                "resent",
                "frames",
                "accepted",
                "duplicate",
                "rejected",
                "expected_rejected",
                "anomaly_duplicates",
                "resend_duplicates",
                "unexpected",
                "disconnects",
                "reconnects",
                "rate_limited",
                "unavailable",
                "gate_timeouts",
                "skipped",
                "pending",
            ):
                setattr(total, name, getattr(total, name) + getattr(s, name))
            total.rejected_by_code.update(s.rejected_by_code)
        return total

    @property
    def problems(self) -> list[str]:
        out = []
        for s in self.stats.values():
            if s.fatal:
                out.append(f"{s.source}: {s.fatal}")
            if s.unexpected:
                out.append(f"{s.source}: {s.unexpected} unexpected answers")
                out += [f"  {sample}" for sample in s.unexpected_samples]
            if s.pending:
                out.append(f"{s.source}: {s.pending} events without an answer")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        clock = self.clock
        t = self.totals
        start = datetime.fromtimestamp(clock.sim_start, self.tz)
        reached = datetime.fromtimestamp(self.sim_reached, self.tz)
        speed = "unpaced" if clock.speed is None else f"{clock.speed:g}x"
        lines = [
            f"run {self.run_tag}: simulated {_fmt(start)} to {_fmt(reached)} "
            f"({_span(self.sim_reached - clock.sim_start)}, {clock.mode} clock, speed {speed}) "
            f"in {self.elapsed:.1f} s; stopped by {self.reason}",
            "",
            f"{'source':<16}{'sent':>10}{'accepted':>10}{'duplicate':>10}{'rejected':>10}"
            f"{'resent':>8}{'pending':>9}{'unexpected':>11}",
        ]
        for s in [*self.stats.values(), t]:
            lines.append(
                f"{s.source:<16}{s.sent:>10,}{s.accepted:>10,}{s.duplicate:>10,}{s.rejected:>10,}"
                f"{s.resent:>8,}{s.pending:>9,}{s.unexpected:>11,}"
            )
        lines.append("")
        for s in self.stats.values():
            for code, n in sorted(s.rejected_by_code.items()):
                lines.append(f"rejected {s.source} {code} x{n}: e.g. {s.samples.get(code, '')}")
        if t.rejected:
            lines.append(f"expected rejections (anomalies): {t.expected_rejected:,}")
        if t.duplicate:
            lines.append(
                f"duplicates: {t.anomaly_duplicates:,} sent on purpose, "
                f"{t.resend_duplicates:,} from resending unacked frames"
            )
        if self.anomalies:
            listed = ", ".join(f"{k} {n:,}" for k, n in sorted(self.anomalies.items()))
            lines.append(f"anomalies sent: {listed}")
        if t.reconnects or t.rate_limited or t.unavailable or t.gate_timeouts:
            lines.append(
                f"connections: {t.reconnects} reconnects ({t.disconnects} dropped on purpose), "
                f"{t.rate_limited} rate-limited frames, {t.unavailable} unavailable, "
                f"{t.gate_timeouts} gate timeouts"
            )
        for entry in self.scenarios:
            details = ", ".join(f"{k} {v}" for k, v in entry.items() if k not in ("name", "at"))
            lines.append(f"scenario {entry['name']} at {entry['at']}: {details}")
        if self.skipped_sources:
            lines.append(f"no token, not sent: {', '.join(self.skipped_sources)}")
        rate = t.answered / self.elapsed if self.elapsed > 0 else 0.0
        lines.append(f"throughput: {t.answered:,} events answered in {self.elapsed:.1f} s"
                     f" = {rate:,.0f} events/s")  # fmt: skip
        problems = self.problems
        lines.append("OK: every event got the answer it expected" if not problems else "PROBLEMS:")
        lines += problems
        return "\n".join(lines)


def _fmt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _span(seconds: float) -> str:
    seconds = max(0.0, seconds)
    days, rest = divmod(int(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    return (f"{days} d " if days else "") + f"{hours} h {minutes} min"


def make_wire(city: City) -> Callable[[Emission], dict[str, Any]]:
    iso = city.iso

    def wire(emission: Emission) -> dict[str, Any]:
        return {
            "id": emission.id,
            "type": emission.type,
            "occurred_at": iso(emission.occurred),
            "data": emission.data,
        }

    return wire


async def run_city(
    world: World,
    city_options: CityOptions,
    options: RunOptions,
    tokens: Mapping[str, str] | Callable[[list[str]], Mapping[str, str]],
    *,
    stop: asyncio.Event | None = None,
    abort: asyncio.Event | None = None,
    progress: Callable[[str], None] | None = None,
    scenario_start: str | None = None,
    on_start: Callable[[City], None] | None = None,
    desk: DeskListener | None = None,
    duty_desk: DutyDesk | None = None,
) -> RunReport:
    """Run the city against the gateway at `options.url` until stopped; the report.

    `tokens` maps sources to tokens, or is called with the city's sources to make them.
    Setting `stop` ends the run (queued events are still sent and acked, for up to
    `drain_timeout`); setting `abort` as well ends the wait for the last acks at once.
    `duty_desk`, the simulated duty officer, works beside the run (in a thread) until it stops."""
    stop = stop or asyncio.Event()
    now = time.time()
    offset = utc_offset_s(world.pack.time_zone, now)
    lead = city_options.scenarios[0][1] if city_options.scenarios else 0.0
    sim_start = resolve_start(options, now, offset, scenario_start, lead)
    real_start = time.time()
    clock = SimClock(sim_start, real_start, options.speed, options.clock)
    if options.sim_start is None and city_options.run_tag is None:
        # Not reproducible anyway (the start is "now"): make the ids of this run its own.
        city_options = replace(city_options, run_tag=run_tag_for(city_options.seed, real_start))
    city = City(world, city_options, clock)
    if on_start is not None:
        on_start(city)
    sources = city.sources()
    if callable(tokens):
        tokens = tokens(sources)
    gates = Gates()
    wire = make_wire(city)
    clients = {
        source: SourceClient(
            options.url,
            source,
            tokens[source],
            wire=wire,
            gates=gates,
            window=options.window,
            max_events=options.max_frame_events,
            gate_timeout=options.gate_timeout,
            seed=city_options.seed,
        )
        for source in sources
        if source in tokens
    }
    skipped = [source for source in sources if source not in tokens]
    skipped_stats = {source: SourceStats(source) for source in skipped}
    tasks = {source: asyncio.create_task(client.run()) for source, client in clients.items()}
    desk_task = None
    if desk is not None and clock.mode == "live":
        feed = DeskFeed(city)
        desk_task = asyncio.create_task(desk.run(feed, lambda: clock.sim_at(time.time())))
    if duty_desk is not None:
        duty_desk.start()
    anomalies: Counter[str] = Counter()
    end_sim = sim_start + options.sim_duration if options.sim_duration else None
    deadline = real_start + options.duration if options.duration else None
    sim_reached = sim_start
    last_report = real_start
    reason = "stop"
    while True:
        if stop.is_set():
            reason = "a stop signal"
            break
        now = time.time()
        if deadline is not None and now >= deadline:
            reason = "--duration"
            break
        if clients and all(c.stats.fatal for c in clients.values()):
            reason = "no source could connect"
            break
        sim_now = clock.sim_at(now)
        if clock.mode == "sim":
            sim_now = min(sim_now, now + 60.0)  # a backfill never runs ahead of real time
        if end_sim is not None:
            sim_now = min(sim_now, end_sim)
        backlog = sum(c.backlog for c in clients.values())
        room = options.backlog_limit - backlog
        pulled = 0
        if room > 0:
            batch = city.pop_until(sim_now, min(PULL_BATCH, room))
            pulled = len(batch)
            for emission in batch:
                if emission.anomaly:
                    anomalies[emission.anomaly] += 1
                client = clients.get(emission.source)
                if client is not None:
                    client.push(emission)
                elif emission.control is None:
                    skipped_stats[emission.source].skipped += 1
            if batch:
                sim_reached = max(sim_reached, batch[-1].at)
        if end_sim is not None and city.next_time() > end_sim:
            sim_reached = end_sim
            reason = "--sim-duration"
            break
        if progress and options.report_every and now - last_report >= options.report_every:
            last_report = now
            progress(_progress_line(clients, city, sim_reached, now - real_start))
        if pulled >= PULL_BATCH:
            await asyncio.sleep(0)
            continue
        due = city.next_time()
        wait = clock.real_at(due) - time.time() if math.isfinite(due) else 0.1
        wait = min(max(wait, 0.002), 0.1) if room > 0 else 0.02
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
    if duty_desk is not None:  # the officer leaves the desk first: no new dispatches
        await asyncio.to_thread(duty_desk.stop)
    if desk_task is not None:  # nothing new from the desk while the clients drain
        desk.close()  # type: ignore[union-attr]
        await asyncio.wait({desk_task}, timeout=5)
        desk_task.cancel()
    for client in clients.values():
        client.close()
    if tasks:
        aborted = asyncio.create_task((abort or asyncio.Event()).wait())
        await _drain(list(tasks.values()), aborted, options.drain_timeout)
        aborted.cancel()
        late = {task for task in tasks.values() if not task.done()}
        if late:
            for source, task in tasks.items():
                if task in late:
                    clients[source].abandon()
            await asyncio.wait(late, timeout=10)
    for client in clients.values():
        client.stats.pending = client.backlog
    stats = {source: clients[source].stats for source in clients}
    return RunReport(
        stats=stats,
        anomalies=anomalies,
        scenarios=city.scenarios.log,
        run_tag=city.run_tag,
        clock=clock,
        sim_reached=sim_reached,
        elapsed=time.time() - real_start,
        reason=reason,
        skipped_sources=skipped,
        natural_rates=city.natural_rates(),
        volumes=dict(city.volumes),
        tz=city.tz,
    )


async def _drain(
    tasks: list[asyncio.Task[Any]], aborted: asyncio.Task[Any], timeout: float
) -> None:
    """Wait for the clients to finish, at most `timeout` seconds, or until aborted."""
    pending = set(tasks)
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while pending and not aborted.done():
        left = end - loop.time()
        if left <= 0:
            return
        _, pending = await asyncio.wait(
            [*pending, aborted], timeout=left, return_when=asyncio.FIRST_COMPLETED
        )
        pending.discard(aborted)


def _progress_line(
    clients: Mapping[str, SourceClient], city: City, sim_reached: float, elapsed: float
) -> str:
    sent = sum(c.stats.sent for c in clients.values())
    answered = sum(c.stats.answered for c in clients.values())
    unexpected = sum(c.stats.unexpected for c in clients.values())
    backlog = sum(c.backlog for c in clients.values())
    down = [s for s, c in clients.items() if not c.connected and not c.idle()]
    when = city.local(sim_reached).strftime("%Y-%m-%d %H:%M")
    line = (
        f"[{elapsed:7.1f} s] simulated {when}  sent {sent:,}  answered {answered:,} "
        f"({answered / elapsed if elapsed > 0 else 0:,.0f}/s)  queued {backlog:,}  "
        f"unexpected {unexpected:,}"
    )
    if down:
        line += f"  reconnecting: {', '.join(down[:5])}"
    return line


# --- tokens -----------------------------------------------------------------------------------

SIMULATORS = system_user("simulators")  # who creates and revokes the runs' tokens


def create_tokens(
    engine: Any, sources: list[str], world: World, label: str = "simulators run"
) -> tuple[dict[str, str], list[int], list[str]]:
    """A token per source through the administration commands (the actor in the log:
    "simulators"); enterprise sources bound to their enterprise. Returns (tokens, token ids to
    revoke afterwards, notes)."""
    from data_access.commands import TokenIssued, create_token

    tokens: dict[str, str] = {}
    ids: list[int] = []
    notes: list[str] = []
    for source in sources:
        types = source_types(source)
        text = f"{label}: {SOURCE_LABELS.get(source, 'enterprise system (simulated)')}"
        enterprise = source if source in world.enterprise else None
        issued = create_token(engine, SIMULATORS, source, types, text, enterprise)
        if not isinstance(issued, TokenIssued):  # e.g. the source has tokens bound otherwise
            notes.append(f"{source}: {issued.message}; its token is not bound to its enterprise")
            issued = create_token(engine, SIMULATORS, source, types, text)
        if not isinstance(issued, TokenIssued):
            raise RuntimeError(f"no token for source {source}: {issued.message}")
        tokens[source] = issued.token
        ids.append(issued.token_id)
    return tokens, ids, notes


def revoke_tokens(engine: Any, ids: list[int]) -> None:
    """Revoke the tokens of a run; what cannot be revoked (the database is gone) is left."""
    from data_access.commands import revoke_token

    for token_id in ids:
        with contextlib.suppress(Exception):
            revoke_token(engine, SIMULATORS, token_id)


def with_scenarios(options: CityOptions, names: list[str], at: float) -> CityOptions:
    """The options with each named scenario once, `at` simulated seconds after the start."""
    return replace(options, scenarios=tuple((name, at) for name in names))
