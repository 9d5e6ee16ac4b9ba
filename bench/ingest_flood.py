"""Benchmark: a quiet source's ack latency while four other sources flood the gateway.

    python bench/ingest_flood.py                     # 200 quiet frames per phase
    python bench/ingest_flood.py --frames 300 --flood-seconds 20 --json bench/out/flood.json

It migrates and seeds the demo city in a temporary data directory, creates a token for the quiet
source (`bench-quiet`) and one for each of four flooders (`bench-flood-N`), all for
`cylinder.scanned`, and starts `python -m dashboard gateway` as a child process on a free port
(as bench/ingest.py does; the gateway's settings, quotas included, come from the environment).

The quiet source sends one valid scan per frame and waits for each ack before the next: its ack
latency is the time from send to ack. Three phases, in one run, against the same gateway:

- alone: the quiet source with nobody else connected;
- flood (invalid): four flooders, each on its own connection with its own token, in a separate
  process, send frames of 1,000 invalid events (an unknown stage: rejected by validation) as
  fast as they can, 32 frames in flight each, ignoring every `rate_limited` answer;
- flood (valid): the same with frames of 1,000 valid scans (unique ids).

It prints p50/p99 of each phase and the ratio flooded p99 / alone p99 (goal: <= 2, DESIGN.md
section 6, "fairness"), and what the flooders got: events accepted, rejected, frames refused.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest as ingest_bench  # bench/ingest.py: seeding, tokens, starting a gateway

QUOTA_SETTINGS = ("GASCC_INGEST_TOKEN_RATE", "GASCC_INGEST_CONNECTION_RATE")


def gateway_env() -> dict[str, str]:
    """bench/ingest.py's environment, with the quotas as configured here (it lifts them)."""
    env = _throughput_env()
    for name in QUOTA_SETTINGS:
        env.pop(name, None)
        if name in os.environ:
            env[name] = os.environ[name]
    return env


_throughput_env = ingest_bench.child_env
ingest_bench.child_env = gateway_env  # the gateway this benchmark starts runs with the quotas

FLOODERS = 4
FLOOD_EVENTS = 1_000  # events per flood frame
FLOOD_WINDOW = 32  # flood frames in flight per connection
GOAL_RATIO = 2.0
PHASE_LIMIT_S = 90.0  # at most this long per phase, however few frames came back


@dataclass
class Phase:
    name: str
    frames: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    flood: dict[str, int] = field(default_factory=dict)


def make_tokens(directory: Path) -> dict[str, str]:
    tokens = {}
    for source in ["bench-quiet", *(f"bench-flood-{n}" for n in range(FLOODERS))]:
        out = ingest_bench.cli(
            "dashboard",
            "tokens",
            "add",
            "--source",
            source,
            "--types",
            "cylinder.scanned",
            "--data-dir",
            str(directory),
        )
        tokens[source] = out.strip().splitlines()[-1].strip()
    return tokens


async def hello(url: str, token: str) -> Any:
    # No keepalive pings: a stalled gateway must show as latency, not as a dropped connection.
    ws = await connect(url, max_size=None, ping_interval=None, open_timeout=60)
    await ws.send(json.dumps({"op": "hello", "token": token, "client": "flood", "protocol": 1}))
    welcome = json.loads(await ws.recv())
    if welcome.get("op") != "welcome":
        raise SystemExit(f"no welcome: {welcome}")
    return ws


async def quiet_latencies(
    url: str, token: str, events: list[dict], limit_s: float = PHASE_LIMIT_S
) -> list[float]:
    """Send each event in its own frame, one at a time; the seconds until each ack. Stops
    early after `limit_s` (a stalled gateway would otherwise take hours for 200 frames)."""
    ws = await hello(url, token)
    latencies: list[float] = []
    deadline = time.monotonic() + limit_s
    try:
        for n, event in enumerate(events):
            if time.monotonic() > deadline:
                break
            frame = json.dumps({"op": "events", "ref": f"q{n}", "events": [event]})
            began = time.perf_counter()
            await ws.send(frame)
            try:
                message = await asyncio.wait_for(ws.recv(), max(deadline - time.monotonic(), 1))
            except TimeoutError:  # still no ack at the phase's end: count what it waited so far
                latencies.append(time.perf_counter() - began)
                print(f"quiet frame {n}: no ack after {latencies[-1]:.1f} s", file=sys.stderr)
                break
            answer = json.loads(message)
            latencies.append(time.perf_counter() - began)
            if answer.get("op") != "ack" or answer.get("accepted") != [event["id"]]:
                raise SystemExit(f"quiet frame {n} not accepted: {str(answer)[:300]}")
    finally:
        await ws.close()
    return latencies


# --- the flooders (a process of their own, so that their client work does not slow the quiet
# client's event loop) -------------------------------------------------------------------------


def invalid_frames(flooder: int, count: int) -> list[str]:
    event = {
        "type": "cylinder.scanned",
        "occurred_at": "2026-01-01T00:00:00+08:00",
        "data": {"code": "CYL-X", "stage": "nowhere", "lat": 30.59, "lon": 114.30},
    }
    frames = []
    for f in range(count):
        events = [{**event, "id": f"bad-{flooder}-{f}-{i}"} for i in range(FLOOD_EVENTS)]
        frames.append(json.dumps({"op": "events", "ref": f"f{f}", "events": events}))
    return frames


def valid_frames(events: list[dict]) -> list[str]:
    return [
        json.dumps({"op": "events", "ref": f"v{f}", "events": events[i : i + FLOOD_EVENTS]})
        for f, i in enumerate(range(0, len(events), FLOOD_EVENTS))
    ]


async def flood_one(url: str, token: str, frames: list[str], stop: Any, tally: dict) -> None:
    ws = await hello(url, token)
    window = asyncio.Semaphore(FLOOD_WINDOW)

    async def read() -> None:
        async for message in ws:
            window.release()
            answer = json.loads(message)
            if answer.get("op") == "ack":
                tally["accepted"] += len(answer["accepted"])
                tally["rejected"] += len(answer["rejected"])
            else:
                tally[answer.get("code", "error")] += 1

    async def send() -> None:
        n = 0
        while True:
            await window.acquire()
            await ws.send(frames[n % len(frames)])
            tally["frames_sent"] += 1
            n += 1

    tasks = [asyncio.create_task(read()), asyncio.create_task(send())]
    while not stop.is_set() and not any(task.done() for task in tasks):
        await asyncio.sleep(0.2)
    for task in tasks:
        if task.done() and task.exception() is not None:  # closed by the gateway: say so
            tally[f"closed:{type(task.exception()).__name__}"] += 1
        task.cancel()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(ws.close(), 5)


def flood_process(url: str, tokens: list[str], frames: list[list[str]], stop: Any, out: Any):
    from collections import Counter

    tallies = [Counter() for _ in tokens]

    async def main() -> None:
        await asyncio.gather(
            *(
                flood_one(url, token, own, stop, tally)
                for token, own, tally in zip(tokens, frames, tallies, strict=True)
            )
        )

    asyncio.run(main())
    total: Counter = Counter()
    for tally in tallies:
        total.update(tally)
    out.put(dict(total))


def measure(name: str, latencies: list[float], flood: dict[str, int] | None = None) -> Phase:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return Phase(name, len(ms), statistics.median(ms), p99, ms[-1], flood or {})


def flooded(
    url: str, quiet: str, quiet_events: list[dict], flood_tokens: list[str], frames: list[list[str]]
) -> tuple[list[float], dict[str, int]]:
    context = multiprocessing.get_context("spawn")
    stop, out = context.Event(), context.Queue()
    process = context.Process(
        target=flood_process, args=(url, flood_tokens, frames, stop, out), daemon=True
    )
    process.start()
    time.sleep(2.0)  # let the flood reach its full rate first
    try:
        latencies = asyncio.run(quiet_latencies(url, quiet, quiet_events))
    finally:
        stop.set()
    tally = out.get(timeout=120)
    process.join(60)
    return latencies, tally


def bench(frames: int) -> tuple[list[Phase], int]:
    with tempfile.TemporaryDirectory(prefix="flood-") as tmp:
        directory = Path(tmp)
        ingest_bench.cli("dashboard", "db", "upgrade", "--data-dir", str(directory))
        ingest_bench.cli(
            "simulators", "seed", "--scale", "demo", "--data-dir", str(directory), "--no-progress"
        )
        tokens = make_tokens(directory)
        valid_per_flooder = 40 * FLOOD_EVENTS
        scans = ingest_bench.make_events(
            directory / "gascc.sqlite3", 3 * frames + FLOODERS * valid_per_flooder
        )
        quiet_events = [{**e, "id": f"quiet-{e['id']}"} for e in scans[: 3 * frames]]
        rest = scans[3 * frames :]
        flood_tokens = [tokens[f"bench-flood-{n}"] for n in range(FLOODERS)]
        invalid = [invalid_frames(n, 4) for n in range(FLOODERS)]
        valid = [
            valid_frames(rest[n * valid_per_flooder : (n + 1) * valid_per_flooder])
            for n in range(FLOODERS)
        ]
        gateway, url = ingest_bench.start_gateway(directory, "thread")
        quiet = tokens["bench-quiet"]
        try:
            alone = asyncio.run(quiet_latencies(url, quiet, quiet_events[:frames]))
            phases = [measure("alone", alone)]
            latencies, tally = flooded(
                url, quiet, quiet_events[frames : 2 * frames], flood_tokens, invalid
            )
            phases.append(measure("flood (invalid)", latencies, tally))
            latencies, tally = flooded(url, quiet, quiet_events[2 * frames :], flood_tokens, valid)
            phases.append(measure("flood (valid)", latencies, tally))
        finally:
            gateway.send_signal(signal.SIGTERM)
            try:
                exit_code = gateway.wait(timeout=60)
            except subprocess.TimeoutExpired:
                gateway.kill()
                exit_code = gateway.wait()
    return phases, exit_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200, help="quiet frames per phase")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    phases, exit_code = bench(args.frames)
    alone = phases[0]
    print(f"{'phase':<16} {'frames':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p99 ratio':>9}")
    for phase in phases:
        ratio = phase.p99_ms / alone.p99_ms
        print(
            f"{phase.name:<16} {phase.frames:>6} {phase.p50_ms:>8.1f} {phase.p99_ms:>8.1f} "
            f"{phase.max_ms:>8.1f} {ratio:>9.2f}"
            + (f"   flooders: {phase.flood}" if phase.flood else "")
        )
    worst = max(p.p99_ms for p in phases[1:]) / alone.p99_ms
    met = worst <= GOAL_RATIO
    print(
        f"worst flooded p99 / alone p99: {worst:.2f} (goal <= {GOAL_RATIO:g}: "
        f"{'met' if met else 'MISSED'})"
    )
    print(f"gateway exit code after SIGTERM: {exit_code}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"phases": [asdict(p) for p in phases], "worst_ratio": worst}
        args.json.write_text(json.dumps(payload, indent=2))
    return 0 if exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
