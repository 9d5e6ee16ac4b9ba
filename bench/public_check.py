"""Benchmark: the public QR check (/q/<code>) under 200 concurrent clients, against /healthz under
the same load in the same run.

    python bench/public_check.py                                  # demo scale, 200 clients, 20 s
    python bench/public_check.py --data-dir /tmp/qr-bench --seconds 30 --json bench/out/qr.json
    python bench/public_check.py --redis redis://127.0.0.1:6379/3  # throttles counted in Redis

It serves the app as the demo does (`python -m dashboard demo --no-simulators`: gunicorn, its
workers and threads as configured, on a seeded city with the quarter's history backfilled, so
the event log holds the scans the page's last-filling query looks through) with the public
throttles raised for the run (GASCC_PUBLIC_VIEW_LIMIT), then a load client on this machine opens
--clients keep-alive HTTP/1.1 connections (asyncio streams, no third-party client) and each asks
for one URL after another for --seconds: first /healthz (the baseline: the same server, its
smallest answer with a database round trip), then /q/<code> for codes drawn from the registry
(--unknown-share of them codes nobody registered). A data directory it seeded before is reused.

Prints, for each: requests, errors (anything but HTTP 200, and failed connections), requests/s,
p50/p95/p99 latency in ms; and the QR page ÷ baseline ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAISED_LIMIT = "10000000 per minute"  # the throttle, out of the way of the load
MAX_REQUESTS = 2_000_000  # a bound on one phase, whatever --seconds says


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0


# --- the server ---------------------------------------------------------------------------------


def child_env(redis_url: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GASCC_TILE_URL": "none"}
    for name in ("DATABASE_URL", "REDIS_URL", "GASCC_DATA_DIR", "SECRET_KEY", "GASCC_TILES"):
        env.pop(name, None)  # the data directory's SQLite file and the demo's own secret key
    env["GASCC_PUBLIC_VIEW_LIMIT"] = RAISED_LIMIT
    env["GASCC_PUBLIC_COMPLAINT_LIMIT"] = RAISED_LIMIT
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_demo(data_dir: Path, scale: str, redis_url: str | None, log: Path) -> tuple:
    port, gateway_port = free_port(), free_port()
    command = [sys.executable, "-m", "dashboard", "demo", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--gateway-port", str(gateway_port)]
    command += ["--scale", scale, "--no-simulators"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(redis_url), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    ready = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + 900  # a first start seeds and backfills a quarter
    while not answers(ready):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise SystemExit(f"the demo did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.5)
    return process, port


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)  # the demo stops gunicorn and the gateway
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def sample_codes(data_dir: Path, count: int, unknown_share: float, seed: int) -> list[str]:
    """Registered codes (those with scans first: what the public scans) and some unknown ones."""
    database = sqlite3.connect(f"file:{data_dir / 'gascc.sqlite3'}?mode=ro", uri=True)
    try:
        codes = [
            row[0]
            for row in database.execute(
                "SELECT c.code FROM cylinders c JOIN cylinder_states s ON s.code = c.code "
                "ORDER BY c.code LIMIT 20000"
            )
        ] or [row[0] for row in database.execute("SELECT code FROM cylinders LIMIT 20000")]
    finally:
        database.close()  # fmt: skip
    rng = random.Random(seed)
    picked = [rng.choice(codes) for _ in range(count)]
    unknown = int(count * unknown_share)
    picked[:unknown] = [f"BENCH-UNKNOWN-{n:05d}" for n in range(unknown)]
    rng.shuffle(picked)
    return picked


# --- the load client ------------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """One HTTP/1.1 response: its status, and whether the server keeps the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection") != "close"


async def client(port: int, paths: list[str], until: float, phase: Phase, latencies: list) -> None:
    rng = random.Random(id(latencies) ^ len(latencies))
    reader = writer = None
    while time.perf_counter() < until and phase.requests < MAX_REQUESTS:
        path = rng.choice(paths)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept-Encoding: identity\r\nUser-Agent: gascc-bench\r\n\r\n"
        ).encode()
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await writer.drain()
            status, keep = await read_response(reader)  # type: ignore[arg-type]
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            phase.errors += 1
            phase.statuses["connection"] = phase.statuses.get("connection", 0) + 1
            await _close(writer)
            writer = None
            await asyncio.sleep(0.05)
            continue
        latencies.append(time.perf_counter() - started)
        phase.requests += 1
        phase.statuses[str(status)] = phase.statuses.get(str(status), 0) + 1
        if status != 200:
            phase.errors += 1
        if not keep:
            await _close(writer)
            writer = None
    await _close(writer)


async def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def run_phase(port: int, name: str, paths: list[str], clients: int, seconds: float) -> Phase:
    phase = Phase(name, clients, seconds)
    latencies: list[float] = []
    warm = Phase(name, clients, 2)  # connections opened and the workers warm, not counted
    await asyncio.gather(
        *(client(port, paths, time.perf_counter() + 2, warm, []) for _ in range(clients))
    )
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(client(port, paths, until, phase, latencies) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    phase.rps = phase.requests / elapsed
    if latencies:
        cuts = statistics.quantiles([1000 * s for s in latencies], n=100, method="inclusive")
        phase.p50_ms, phase.p95_ms, phase.p99_ms = cuts[49], cuts[94], cuts[98]
        phase.max_ms = 1000 * max(latencies)
    return phase


# --- the report ---------------------------------------------------------------------------------


def machine_line() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def print_phase(phase: Phase) -> None:
    print(
        f"  {phase.name:<10} {phase.requests:>8,} req  {phase.errors:>6,} errors  "
        f"{phase.rps:>8.0f} req/s  p50 {phase.p50_ms:>7.1f}  p95 {phase.p95_ms:>7.1f}  "
        f"p99 {phase.p99_ms:>7.1f}  max {phase.max_ms:>7.1f} ms  {phase.statuses}"
    )


def ratio(ours: float, base: float) -> float | None:
    return round(ours / base, 2) if base else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="a data directory to seed or reuse")
    parser.add_argument("--scale", default="demo", choices=("demo", "city", "wuhan"))
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--codes", type=int, default=2000, help="distinct codes asked for")
    parser.add_argument("--unknown-share", type=float, default=0.1)
    parser.add_argument("--redis", help="REDIS_URL for the app (throttle counts in Redis)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if not 1 <= args.clients <= 1000 or not 1 <= args.seconds <= 600:
        parser.error("--clients 1..1000 and --seconds 1..600")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="qr-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"data: {data_dir}; starting the demo server (a first start seeds and backfills)")
    process, port = start_demo(data_dir, args.scale, args.redis, data_dir / "bench-demo.log")
    try:
        with sqlite3.connect(f"file:{data_dir / 'gascc.sqlite3'}?mode=ro", uri=True) as db:
            scans = db.execute("SELECT count(*) FROM event_log").fetchone()[0]
        codes = sample_codes(data_dir, args.codes, args.unknown_share, args.seed)
        print(f"{scans:,} events in the log; {len(set(codes)):,} codes; {machine_line()}")
        print(f"{args.clients} concurrent keep-alive clients, {args.seconds:.0f} s per phase")
        base = asyncio.run(run_phase(port, "/healthz", ["/healthz"], args.clients, args.seconds))
        print_phase(base)
        paths = [f"/q/{code}" for code in codes]
        page = asyncio.run(run_phase(port, "/q/<code>", paths, args.clients, args.seconds))
        print_phase(page)
    finally:
        stop(process)
    ratios = {
        "p50": ratio(page.p50_ms, base.p50_ms),
        "p99": ratio(page.p99_ms, base.p99_ms),
        "rps": ratio(page.rps, base.rps),
    }
    print(f"  /q ÷ /healthz: p50 x{ratios['p50']}, p99 x{ratios['p99']}, req/s x{ratios['rps']}")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  load average after the run (1, 5, 15 min): {load}: other work on the machine")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"machine": machine_line(), "events": scans, "baseline": asdict(base),
                  "page": asdict(page), "ratios": ratios, "load": os.getloadavg()}  # fmt: skip
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if page.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
