"""Benchmark: live latency, from acceptance at the gateway to drawn in N headless-Chromium tabs.

    python bench/live_latency.py                       # 20 tabs, 1,000 events/s, 60 s of probes
    python bench/live_latency.py --tabs 2 --rate 100 --seconds 10 --json bench/out/live.json

It starts `python -m dashboard demo` (the demo city, gunicorn and the gateway, no Redis unless
--redis-url, GASCC_TILE_URL=none) in a temporary data directory, creates two ingest tokens, signs
in once as `duty` in Debian's headless Chromium (/usr/bin/chromium, driven by Playwright) and
reuses that session in N browser contexts, one tab each at 1920x1080. Two phases follow, under
the same background load:

- live: the N tabs show the One Map ("/") and wait until the live indicator says live;
- polling (the baseline): the N tabs show bench/live_latency_poll.py, a tiny Dash app started
  by this script whose `dcc.Interval(1 s)` callback reads the newest probes from the same
  `event_log` and renders them.

In each phase a websockets client in this process (its own thread and event loop) sends the
background load on one connection, --rate events/s in frames every 50 ms (90 % in-band
`sensor.reading` of the seeded sensors, 10 % `team.position` of the seeded teams near their
bases, plus the `incident.closed` of each probe once every tab drew it, at least 1 s after its
ack), and after a 5 s warm-up, on a second connection, one probe every 200 ms for --seconds, in
its own frame: an `incident.reported` with a unique id ("lp-000042") inside the city. A probe's
acceptance time is the wall clock when its ack (sent by the gateway after the commit) reaches
this process; its send time is kept too. The load goes on for 3 s after the last probe, and
until every tab drew every probe (at most 60 s more).

An init script (bench/live_latency_probe.js) in every tab records Date.now() (the same clock as
time.time()) when each probe arrived (in a /live websocket message; polling: in a Dash callback
response), was written to the live Store and seen by the One Map's clientside callback (live
only), and was drawn: its marker added to the map (Leaflet's "add" of the layer that
assets/map.js's livePoint made; polling: an element with its data-probe in the DOM), then one
frame painted (requestAnimationFrame, then the next task). Latency = that time - acceptance,
over every (probe, tab) pair; a pair never drawn is lost. The ratio is live ÷ polling, p50 and
p99 of drawn. During the probes it also measures, from /proc/*/task/*/schedstat, the CPU time
of each process group (gateway, Dash app, polling app, Chromium renderers, other Chromium
processes, Playwright's driver, this process) and the time their threads were runnable but
waiting for a core, the whole machine's busy time (of 100 % × cores), and each tab's renderer
main thread through the DevTools Performance metrics.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
PROBE_JS = Path(__file__).with_name("live_latency_probe.js")
POLL_APP = Path(__file__).with_name("live_latency_poll.py")
sys.path.insert(0, str(ROOT))
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one set of flags)

GOAL_P50_MS, GOAL_P99_MS, GOAL_RATIO = 100.0, 300.0, 0.2
FRAME_S = 0.05  # background load: one frame every 50 ms
PROBE_S = 0.2  # one probe every 200 ms
WARMUP_S = 5.0  # load before the first probe
DRAIN_S = 3.0  # load after the last probe at least, and until every tab drew every probe,
DRAIN_MAX_S = 60.0  # but no longer than this
CLOSE_AFTER_S = 1.0  # a probe incident is closed this long after its ack, once every tab drew it
LOAD_SOURCE, PROBE_SOURCE = "bench-load", "bench-probe"
LOAD_TYPES = "sensor.reading,team.position,incident.closed"
TEAM_SHARE = 0.1  # of the background events; the rest are sensor readings
DEMO_LOGIN = ("duty", "duty-demo")


@dataclass
class Phase:
    name: str
    tabs: int
    rate_goal: float  # background events/s asked for
    rate_sent: float  # background events/s accepted during the phase
    load_rejected: int
    probes: int  # probes acked
    pairs_expected: int  # probes × tabs
    pairs_arrived: int
    pairs_stored: int  # live only
    pairs_applied: int  # live only: the clientside callback saw the probe
    pairs_drawn: int
    lost: int  # (probe, tab) pairs never drawn
    arrival_p50_ms: float
    arrival_p99_ms: float
    stored_p50_ms: float | None
    stored_p99_ms: float | None
    drawn_p50_ms: float
    drawn_p99_ms: float
    drawn_max_ms: float
    drawn_from_send_p50_ms: float
    drawn_from_send_p99_ms: float
    ack_p50_ms: float  # probe send → ack
    drawn_p50_first_third_ms: float  # a latency that grows over the run means overload
    drawn_p50_last_third_ms: float
    cpu_pct: dict[str, float] = field(default_factory=dict)  # of one core, probe window;
    # "<group> waiting": its threads were runnable but had no core, summed (% of one core)
    tab_busy_pct: dict[str, float] = field(default_factory=dict)  # renderer main thread, per tab
    live_messages: int = 0  # /live messages received, all tabs
    resyncs: int = 0  # "resync" messages received, all tabs (live only)
    store_writes: int = 0  # writes of the live Store, all tabs
    apply_calls: int = 0  # runs of the One Map's clientside callback applyLiveEvents, all tabs
    tabs_visible: int = 0
    console_errors: int = 0


@dataclass
class Report:
    machine: str
    live: Phase
    polling: Phase
    ratio_p50: float
    ratio_p99: float
    goals_met: dict[str, bool]
    demo_exit_code: int
    command: str


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(redis_url: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GASCC_TILE_URL": "none"}
    env["PYTHONUNBUFFERED"] = "1"
    for name in ("DATABASE_URL", "REDIS_URL", "GASCC_DATA_DIR", "SECRET_KEY"):
        env.pop(name, None)  # the data directory's SQLite file and the demo's own secret key
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def spawn(command: list[str], env: dict[str, str], log: Path, ready: list[str]) -> subprocess.Popen:
    """Start a child with its output in `log`; return once every `ready` URL answers 200."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not all(answers(url) for url in ready):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"{' '.join(command[1:4])} did not start:\n{log.read_text()}")
        time.sleep(0.3)
    return process


def start_demo(directory: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str, str]:
    port, gateway_port = free_port(), free_port()
    command = [sys.executable, "-m", "dashboard", "demo", "--data-dir", str(directory / "data")]
    command += ["--port", str(port), "--gateway-port", str(gateway_port)]
    base, gateway = f"http://127.0.0.1:{port}", f"127.0.0.1:{gateway_port}"
    ready = [f"{base}/login", f"http://{gateway}/healthz"]
    return spawn(command, env, directory / "demo.log", ready), base, f"ws://{gateway}"


def start_poll_app(directory: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    database = directory / "data" / "gascc.sqlite3"
    command = [sys.executable, str(POLL_APP), "--database", str(database), "--port", str(port)]
    url = f"http://127.0.0.1:{port}/"
    return spawn(command, env, directory / "poll.log", [url]), url


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def add_token(directory: Path, source: str, types: str) -> str:
    command = [sys.executable, "-m", "dashboard", "tokens", "add", "--source", source]
    command += ["--types", types, "--data-dir", str(directory / "data")]
    env = {**child_env(None), "SECRET_KEY": "bench-live-latency-unused-key"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"tokens add failed ({done.returncode}):\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1].strip()


# --- CPU from /proc -------------------------------------------------------------------------


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) for every process we may read."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        table[int(entry.name)] = (parent, command)
    return table


def scheduled_s(pids: set[int]) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of all threads of `pids`."""
    running = waiting = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                on_cpu, queued, _ = (task / "schedstat").read_text().split()
            except (OSError, ValueError):
                continue
            running, waiting = running + int(on_cpu), waiting + int(queued)
    return running / 1e9, waiting / 1e9


def subtree(table: dict[int, tuple[int, str]], root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent]
        found.update(children)
        frontier.extend(children)
    return found & table.keys()


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(demo_pid: int, poll_pid: int) -> dict[str, float]:
    """Seconds so far per group (servers, browser processes, this process) on a CPU and, as
    "<group> waiting", runnable but waiting for a CPU; "machine": all cores busy."""
    table = process_table()
    demo, poll = subtree(table, demo_pid), subtree(table, poll_pid)
    gateway = set()
    for pid in demo:
        if "dashboard gateway" in table[pid][1]:
            gateway |= subtree(table, pid)
    browser = subtree(table, os.getpid()) - demo - poll - {os.getpid()}
    renderers = {pid for pid in browser if "--type=renderer" in table[pid][1]}
    chromium = {pid for pid in browser if "chromium" in table[pid][1]} - renderers
    groups = {"gateway": gateway, "app": demo - gateway, "poll app": poll}
    groups |= {"renderers": renderers, "chromium other": chromium}
    groups["playwright"] = browser - renderers - chromium
    groups["bench"] = {os.getpid()}
    seconds = {}
    for name, pids in groups.items():
        seconds[name], seconds[f"{name} waiting"] = scheduled_s(pids)
    seconds["machine"] = machine_busy_s()
    return seconds


# --- events ---------------------------------------------------------------------------------


@dataclass
class City:
    """What the events refer to: the seeded teams (with their bases) and sensors (with bands)."""

    teams: list[tuple[str, float, float]]
    sensors: list[tuple[str, float | None, float | None]]

    @classmethod
    def load(cls, database: Path) -> City:
        with closing(sqlite3.connect(database)) as connection:
            teams = connection.execute("SELECT id, lat, lon FROM teams ORDER BY id").fetchall()
            sensors = connection.execute("SELECT id, low, high FROM sensors ORDER BY id").fetchall()
        return cls(teams, sensors)


def in_band(low: float | None, high: float | None, rng: random.Random) -> float:
    if low is not None and high is not None:
        return round(low + (high - low) * rng.uniform(0.3, 0.7), 3)
    if high is not None:
        return round(high * rng.uniform(0.05, 0.5), 3)
    return round((low or 0.0) * 1.5 + 1.0, 3)


class Events:
    """Background events and probes, with ids unique in the run."""

    def __init__(self, city: City, seed: int = 0) -> None:
        self.city, self.rng, self.n = city, random.Random(seed), 0

    def background(self, now: str) -> dict:
        self.n += 1
        if self.rng.random() < TEAM_SHARE:
            team_id, lat, lon = self.rng.choice(self.city.teams)
            data = {"team_id": team_id, "lat": self.jitter(lat, 0.002)}
            data |= {"lon": self.jitter(lon, 0.002), "speed_kmh": self.rng.randint(0, 60)}
            kind = "team.position"
        else:
            sensor_id, low, high = self.rng.choice(self.city.sensors)
            data = {"sensor_id": sensor_id, "value": in_band(low, high, self.rng)}
            kind = "sensor.reading"
        return {"id": f"ld-{self.n:09d}", "type": kind, "occurred_at": now, "data": data}

    def probe(self, probe_id: str) -> dict:
        _, lat, lon = self.rng.choice(self.city.teams)
        data = {"incident_id": probe_id, "kind": "leak", "channel": "hotline_96511"}
        data |= {"lat": self.jitter(lat, 0.01), "lon": self.jitter(lon, 0.01)}
        data |= {"address": "bench probe", "severity": 2, "description": "latency probe"}
        return {"id": probe_id, "type": "incident.reported", "occurred_at": stamp(), "data": data}

    @staticmethod
    def closing(probe_id: str, now: str) -> dict:
        data = {"incident_id": probe_id, "by": "bench", "summary": "latency probe done"}
        return {"id": f"c{probe_id}", "type": "incident.closed", "occurred_at": now, "data": data}

    def jitter(self, value: float, spread: float) -> float:
        return round(value + self.rng.uniform(-spread, spread), 6)


def stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# --- the ingest side: background load and probes --------------------------------------------


@dataclass
class Drive:
    """What the ingest side saw in one phase."""

    probes: dict[str, tuple[float, float]] = field(default_factory=dict)  # id -> (sent, acked)
    load_accepted: int = 0
    load_rejected: int = 0
    load_seconds: float = 0.0
    cpu_before: dict[str, float] = field(default_factory=dict)
    cpu_after: dict[str, float] = field(default_factory=dict)
    window_s: float = 0.0  # probe window, wall clock
    closable: deque = field(default_factory=deque)  # (acked, probe id) to close later
    drawn_everywhere: frozenset[str] = frozenset()  # probes every tab drew (browser side)
    probes_done: threading.Event = field(default_factory=threading.Event)  # set by the driver
    all_drawn: threading.Event = field(default_factory=threading.Event)  # set by the browser side


async def hello(url: str, token: str):
    ws = await connect(url, max_size=None, max_queue=None)
    greeting = {"op": "hello", "token": token, "client": "bench/live", "protocol": 1}
    await ws.send(json.dumps(greeting))
    welcome = json.loads(await ws.recv())
    if welcome.get("op") != "welcome":
        raise SystemExit(f"no welcome: {welcome}")
    return ws


def closable(drive: Drive) -> bool:
    """Whether the oldest open probe may be closed: acked long enough ago and drawn by all."""
    if not drive.closable:
        return False
    acked_at, probe_id = drive.closable[0]
    return acked_at < time.time() - CLOSE_AFTER_S and probe_id in drive.drawn_everywhere


async def send_load(ws, events: Events, rate: float, drive: Drive, halt: asyncio.Event) -> None:
    """Frames of rate × 50 ms events every 50 ms (on schedule, catching up if late)."""
    per_frame = max(1, round(rate * FRAME_S))
    frames, acked = 0, 0
    all_acked = asyncio.Event()

    async def receive() -> None:
        nonlocal acked
        async for message in ws:
            answer = json.loads(message)
            if answer.get("op") != "ack":
                raise SystemExit(f"load: unexpected answer {answer}")
            drive.load_accepted += len(answer["accepted"]) + len(answer["duplicate"])
            drive.load_rejected += len(answer["rejected"])
            acked += 1
            if halt.is_set() and acked == frames:
                all_acked.set()

    receiver = asyncio.create_task(receive())
    started = next_at = time.monotonic()
    while not halt.is_set():
        now, batch = stamp(), []
        while closable(drive):
            batch.append(Events.closing(drive.closable.popleft()[1], now))
        batch += [events.background(now) for _ in range(per_frame - len(batch))]
        await ws.send(json.dumps({"op": "events", "ref": f"l{frames}", "events": batch}))
        frames += 1
        next_at += FRAME_S
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    drive.load_seconds = time.monotonic() - started
    if acked < frames:
        await asyncio.wait_for(all_acked.wait(), 60)
    receiver.cancel()


async def send_probes(ws, events: Events, seconds: float, drive: Drive, first: int) -> None:
    """One probe every 200 ms for `seconds`, each in its own frame; acks timed on arrival."""
    sent: dict[str, float] = {}
    count, answered = max(1, round(seconds / PROBE_S)), 0
    done = asyncio.Event()

    async def receive() -> None:
        nonlocal answered
        async for message in ws:
            acked_at = time.time()
            answer = json.loads(message)
            probe_id = answer.get("ref")
            if answer.get("op") == "ack" and answer["accepted"] == [probe_id]:
                drive.probes[probe_id] = (sent[probe_id], acked_at)
                drive.closable.append((acked_at, probe_id))
            else:
                print(f"probe {probe_id} not accepted: {answer}", file=sys.stderr)
            answered += 1
            if answered == count:
                done.set()

    receiver = asyncio.create_task(receive())
    next_at = time.monotonic()
    for k in range(first, first + count):
        probe_id = f"lp-{k:06d}"
        event = events.probe(probe_id)
        sent[probe_id] = time.time()
        await ws.send(json.dumps({"op": "events", "ref": probe_id, "events": [event]}))
        next_at += PROBE_S
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    try:
        await asyncio.wait_for(done.wait(), 30)
    except TimeoutError:
        print(f"{count - len(drive.probes)} probes were not acked", file=sys.stderr)
    receiver.cancel()


async def drive_phase(
    drive: Drive, gateway: str, tokens: dict[str, str], events: Events, args, cpu, first: int
) -> Drive:
    stop_load = asyncio.Event()
    load_ws = await hello(f"{gateway}/ingest", tokens[LOAD_SOURCE])
    probe_ws = await hello(f"{gateway}/ingest", tokens[PROBE_SOURCE])
    load = asyncio.create_task(send_load(load_ws, events, args.rate, drive, stop_load))
    await asyncio.sleep(args.warmup)
    drive.cpu_before, began = cpu(), time.monotonic()
    await send_probes(probe_ws, events, args.seconds, drive, first)
    drive.cpu_after, drive.window_s = cpu(), time.monotonic() - began
    drive.probes_done.set()
    await asyncio.sleep(args.drain)
    await asyncio.to_thread(drive.all_drawn.wait, DRAIN_MAX_S)
    stop_load.set()
    await load
    await load_ws.close()
    await probe_ws.close()
    return drive


def drive_in_thread(run: Callable[[], Drive], pump: Callable[[], None]) -> Drive:
    """Run the ingest side in its own thread and event loop; pump Playwright meanwhile."""
    result: dict = {}

    def target() -> None:
        try:
            result["drive"] = asyncio.run(run())
        except BaseException as error:  # re-raised in the caller's thread
            result["error"] = error

    worker = threading.Thread(target=target, name="ingest", daemon=True)
    worker.start()
    while worker.is_alive():
        pump()
    if "error" in result:
        raise result["error"]
    return result["drive"]


# --- the browser side -----------------------------------------------------------------------


def sign_in(browser, base: str) -> dict:
    """Sign in once as the duty officer; every live tab reuses this session cookie."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", DEMO_LOGIN[0])
    page.fill("#password", DEMO_LOGIN[1])
    page.click("#login-submit")
    page.wait_for_selector("#live-status", timeout=60_000)
    state = context.storage_state()
    context.close()
    return state


@dataclass
class Tab:
    context: object
    page: object
    errors: list[str]
    cdp: object  # a CDP session, for the renderer's main-thread time

    def metrics(self) -> dict[str, float]:
        answer = self.cdp.send("Performance.getMetrics")
        return {metric["name"]: metric["value"] for metric in answer["metrics"]}


def open_tabs(browser, url: str, count: int, mode: str, state: dict | None) -> list[Tab]:
    script = f"window.__LIVE_LATENCY_MODE = {json.dumps(mode)};\n{PROBE_JS.read_text()}"
    tabs = []
    for _ in range(count):
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, storage_state=state)
        context.add_init_script(script=script)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error, e=errors: e.append(str(error)))
        page.goto(url)
        if mode == "live":
            page.wait_for_selector("#live-status[data-state='live']", timeout=120_000)
            page.wait_for_selector(".kpi-card", timeout=120_000)
        else:
            page.wait_for_selector("#probes", state="attached", timeout=120_000)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        tabs.append(Tab(context, page, errors, cdp))
    return tabs


def busy_pct(before: list[dict], after: list[dict]) -> dict[str, float]:
    """Mean share of wall time a tab's renderer main thread used CPU, and ran tasks (wall time,
    including time the thread waited for a core), scripts, style and layout."""
    parts = {
        "CPU": ("ThreadTime",),
        "task (wall)": ("TaskDuration",),
        "script (wall)": ("ScriptDuration",),
        "style+layout (wall)": ("RecalcStyleDuration", "LayoutDuration"),
    }
    shares: dict[str, float] = {}
    for start, end in zip(before, after, strict=True):
        wall = end["Timestamp"] - start["Timestamp"]
        for part, names in parts.items():
            busy = sum(end[name] - start[name] for name in names)
            shares[part] = shares.get(part, 0.0) + 100 * busy / wall / len(before)
    return {part: round(share, 1) for part, share in shares.items()}


def drawn_by_all(tabs: list[Tab]) -> frozenset[str]:
    drawn = [set(tab.page.evaluate("Object.keys(window.__liveLatency.drawn)")) for tab in tabs]
    return frozenset(set.intersection(*drawn))


def chromium_command(directory: Path, nice: int) -> str:
    """Chromium itself, or a script that starts it under `nice -n N`."""
    if not nice:
        return CHROMIUM
    script = directory / "chromium-nice"
    script.write_text(f'#!/bin/sh\nexec nice -n {nice} {CHROMIUM} "$@"\n')
    script.chmod(0o755)
    return str(script)


def collect(tabs: list[Tab]) -> tuple[list[dict], int, int]:
    """Each tab's marks, how many tabs were visible, how many console errors in all."""
    marks = [tab.page.evaluate("window.__liveLatency") for tab in tabs]
    visible = sum(tab.page.evaluate("document.visibilityState") == "visible" for tab in tabs)
    errors = sum(len(tab.errors) for tab in tabs)
    for tab in tabs:
        for message in tab.errors[:3]:
            print(f"console: {message}", file=sys.stderr)
        tab.context.close()
    return marks, visible, errors


# --- figures --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latencies(drive: Drive, marks: list[dict], kind: str, since: int = 1) -> list[float]:
    """Milliseconds from acceptance (since=1) or sending (since=0) to `kind`, per probe × tab."""
    out = []
    for probe_id, times in drive.probes.items():
        for tab in marks:
            at = tab[kind].get(probe_id)
            if at is not None:
                out.append(at - times[since] * 1000)
    return out


def drawn_p50(drive: Drive, marks: list[dict], third: int) -> float:
    """p50 of drawn latency over the probes of one third (0, 1, 2) of the probe window."""
    ordered = sorted(drive.probes)
    size = max(1, len(ordered) // 3)
    part = Drive(probes={k: drive.probes[k] for k in ordered[third * size : (third + 1) * size]})
    return percentile(latencies(part, marks, "drawn"), 50)


def summarise(name: str, args, drive: Drive, marks: list[dict], visible: int, errors: int):
    arrival, drawn = latencies(drive, marks, "arrived"), latencies(drive, marks, "drawn")
    stored = latencies(drive, marks, "stored")
    from_send = latencies(drive, marks, "drawn", since=0)
    acks = [(acked - sent) * 1000 for sent, acked in drive.probes.values()]
    expected = len(drive.probes) * len(marks)
    cpu = {
        key: round(100 * (drive.cpu_after[key] - drive.cpu_before[key]) / drive.window_s, 1)
        for key in drive.cpu_before
    }
    thirds = [drawn_p50(drive, marks, k) for k in (0, 2)]
    return Phase(
        name=name,
        tabs=len(marks),
        rate_goal=args.rate,
        rate_sent=round(drive.load_accepted / drive.load_seconds, 1),
        load_rejected=drive.load_rejected,
        probes=len(drive.probes),
        pairs_expected=expected,
        pairs_arrived=len(arrival),
        pairs_stored=len(stored),
        pairs_applied=len(latencies(drive, marks, "applied")),
        pairs_drawn=len(drawn),
        lost=expected - len(drawn),
        arrival_p50_ms=percentile(arrival, 50),
        arrival_p99_ms=percentile(arrival, 99),
        stored_p50_ms=percentile(stored, 50) if stored else None,
        stored_p99_ms=percentile(stored, 99) if stored else None,
        drawn_p50_ms=percentile(drawn, 50),
        drawn_p99_ms=percentile(drawn, 99),
        drawn_max_ms=max(drawn, default=math.nan),
        drawn_from_send_p50_ms=percentile(from_send, 50),
        drawn_from_send_p99_ms=percentile(from_send, 99),
        ack_p50_ms=percentile(acks, 50),
        drawn_p50_first_third_ms=thirds[0],
        drawn_p50_last_third_ms=thirds[1],
        cpu_pct=cpu,
        live_messages=sum(tab["messages"] for tab in marks),
        resyncs=sum(tab["resyncs"] for tab in marks),
        store_writes=sum(tab["storeWrites"] for tab in marks),
        apply_calls=sum(tab["applyCalls"] for tab in marks),
        tabs_visible=visible,
        console_errors=errors,
    )


# --- the run --------------------------------------------------------------------------------


def run_phase(name: str, browser, url: str, state, ctx: dict, first: int) -> Phase:
    mode = "live" if name == "live" else "poll"
    args = ctx["args"]
    tabs = open_tabs(browser, url, args.tabs, mode, state)

    drive = Drive()

    def run() -> Drive:
        return drive_phase(
            drive, ctx["gateway"], ctx["tokens"], ctx["events"], args, ctx["cpu"], first
        )

    def pump() -> None:  # Playwright's events flow while the main thread waits here
        tabs[0].page.wait_for_timeout(500)
        drive.drawn_everywhere = drawn_by_all(tabs)
        if drive.probes_done.is_set() and drive.drawn_everywhere.issuperset(drive.probes):
            drive.all_drawn.set()

    before = [tab.metrics() for tab in tabs]
    drive_in_thread(run, pump)
    busy = busy_pct(before, [tab.metrics() for tab in tabs])
    marks, visible, errors = collect(tabs)
    phase = summarise(name, args, drive, marks, visible, errors)
    phase.tab_busy_pct = busy
    return phase


def machine_line() -> str:
    memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    return (
        f"{os.cpu_count()} cores, {int(memory) / 2**20:.0f} GiB, {platform.processor() or ''}"
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{chromium.stdout.strip() or 'Chromium ?'}"
    )


def bench(args) -> Report:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="live-latency-") as tmp:
        directory = Path(tmp)
        env = child_env(args.redis_url)
        demo, base, gateway = start_demo(directory, env)
        poll = None
        try:
            tokens = {
                LOAD_SOURCE: add_token(directory, LOAD_SOURCE, LOAD_TYPES),
                PROBE_SOURCE: add_token(directory, PROBE_SOURCE, "incident.reported"),
            }
            poll, poll_url = start_poll_app(directory, env)
            events = Events(City.load(directory / "data" / "gascc.sqlite3"))
            ctx = {"args": args, "gateway": gateway, "tokens": tokens, "events": events}
            ctx["cpu"] = lambda: cpu_snapshot(demo.pid, poll.pid)
            with sync_playwright() as playwright:
                executable = chromium_command(directory, args.browser_nice)
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                state = sign_in(browser, base)
                live = run_phase("live", browser, f"{base}/", state, ctx, first=0)
                polling = run_phase("polling", browser, poll_url, None, ctx, first=500_000)
                browser.close()
        finally:
            if poll is not None:
                stop(poll)
            exit_code = stop(demo)
            show_problems(directory / "demo.log")
    return report(args, live, polling, exit_code)


def show_problems(log: Path, most: int = 10) -> None:
    """The demo's warnings and errors (e.g. why a probe was not accepted), on stderr."""
    lines = log.read_text().splitlines()
    problems = [line for line in lines if " WARNING " in line or "Error" in line]
    for line in problems[:most]:
        print(f"demo: {line}", file=sys.stderr)


def report(args, live: Phase, polling: Phase, exit_code: int) -> Report:
    ratio_p50 = live.drawn_p50_ms / polling.drawn_p50_ms
    ratio_p99 = live.drawn_p99_ms / polling.drawn_p99_ms
    goals = {
        "p50 <= 100 ms": live.drawn_p50_ms <= GOAL_P50_MS,
        "p99 <= 300 ms": live.drawn_p99_ms <= GOAL_P99_MS,
        "ratio <= 0.2 (p50 and p99)": max(ratio_p50, ratio_p99) <= GOAL_RATIO,
        "no probe lost": live.lost == 0,
    }
    command = "python bench/live_latency.py " + " ".join(sys.argv[1:])
    return Report(machine_line(), live, polling, ratio_p50, ratio_p99, goals, exit_code, command)


def fmt(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.0f}"


def print_report(r: Report) -> None:
    print(r.machine)
    print(
        f"{'phase':<8} {'tabs':>4} {'ev/s':>6} {'probes':>6} {'drawn/expected':>15} {'lost':>4} "
        f"{'arrival p50/p99':>16} {'stored p50/p99':>15} {'drawn p50/p99':>14} {'max':>6} "
        f"{'from send p50/p99':>18}  (ms after the ack)"
    )
    for p in (r.live, r.polling):
        print(
            f"{p.name:<8} {p.tabs:>4} {p.rate_sent:>6,.0f} {p.probes:>6} "
            f"{f'{p.pairs_drawn}/{p.pairs_expected}':>15} {p.lost:>4} "
            f"{f'{fmt(p.arrival_p50_ms)} / {fmt(p.arrival_p99_ms)}':>16} "
            f"{f'{fmt(p.stored_p50_ms)} / {fmt(p.stored_p99_ms)}':>15} "
            f"{f'{fmt(p.drawn_p50_ms)} / {fmt(p.drawn_p99_ms)}':>14} {fmt(p.drawn_max_ms):>6} "
            f"{f'{fmt(p.drawn_from_send_p50_ms)} / {fmt(p.drawn_from_send_p99_ms)}':>18}"
        )
    print(f"ratio live/polling, drawn: p50 {r.ratio_p50:.3f}, p99 {r.ratio_p99:.3f}")
    for p in (r.live, r.polling):
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in p.cpu_pct.items() if "waiting" not in k)
        waits = [(k.removesuffix(" waiting"), v) for k, v in p.cpu_pct.items() if "waiting" in k]
        busy = ", ".join(f"{k} {v:.0f}" for k, v in p.tab_busy_pct.items())
        print(f"{p.name}: CPU during the probes, % of one core: {cpu}")
        print(f"  waiting for a core, %: {', '.join(f'{k} {v:.0f}' for k, v in waits)}")
        print(f"  renderer main thread per tab, % of wall time: {busy}")
        print(
            f"  drawn p50 first/last third of the probes {fmt(p.drawn_p50_first_third_ms)} / "
            f"{fmt(p.drawn_p50_last_third_ms)} ms; probe send->ack p50 {p.ack_p50_ms:.1f} ms"
        )
        print(
            f"  /live messages {p.live_messages:,}, resyncs {p.resyncs}, Store writes "
            f"{p.store_writes:,}, applyLiveEvents runs {p.apply_calls:,}; tabs visible "
            f"{p.tabs_visible}/{p.tabs}; console errors {p.console_errors}; load rejected "
            f"{p.load_rejected}"
        )
        print(
            f"  (probe, tab) pairs arrived {p.pairs_arrived:,}, stored {p.pairs_stored:,}, "
            f"applied {p.pairs_applied:,}, drawn {p.pairs_drawn:,} of {p.pairs_expected:,}"
        )
    goals = ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in r.goals_met.items())
    print(f"goals: {goals}")
    print(f"demo exit code after SIGTERM: {r.demo_exit_code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tabs", type=int, default=20, help="headless Chromium tabs (20)")
    parser.add_argument("--rate", type=float, default=1_000.0, help="background events/s (1,000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="probe window (60)")
    parser.add_argument("--redis-url", help="run the demo with REDIS_URL set to this")
    parser.add_argument(
        "--warmup", type=float, default=WARMUP_S, help="seconds of load before the first probe (5)"
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=DRAIN_S,
        help="seconds of load after the last probe at least (3)",
    )
    parser.add_argument(
        "--browser-nice",
        type=int,
        default=0,
        help="run Chromium under `nice -n N`, so the servers get the CPU first (as if the "
        "screens were other machines)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    result = bench(args)
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(result), indent=2))
    return 0 if result.demo_exit_code == 0 and result.live.lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
