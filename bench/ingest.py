"""Benchmark: sustained ingest over the `/ingest` websocket into SQLite, projections included.

    python bench/ingest.py                    # 50,000 events per mode
    python bench/ingest.py --events 20000 --json bench/out/ingest.json

It makes a temporary data directory, migrates it, seeds the demo city, creates one token per
mode and starts `python -m dashboard gateway` as a child process on a free port. A websockets
client in this process then sends N `cylinder.scanned` events per mode, each on its own
connection: real cylinder codes from the registry walk the chain filling → transport → storage →
sale → delivery → use → recovery (→ filling ...) at real sites and real-name-verified customers
(coordinates inside Wuhan), occurred_at a little before now and strictly increasing.

- batched: frames of 1,000 events, 8 frames in flight;
- single: one event per frame, 64 frames in flight.

Events/s runs from the first send to the last ack (frames are encoded beforehand). Zero loss:
sent == accepted (counted from the acks) == rows in `event_log` for the mode's source (counted
with sqlite3 afterwards). As the same-run baseline it times a bare sqlite3 `executemany` of N
event_log-shaped rows (same columns, JSON text data, same primary key and unique (source,
event_id) index, WAL and synchronous=NORMAL, batches of 1,000, one commit each) into a fresh
file, and prints the ratio gateway events/s ÷ raw rows/s. Finally it stops the gateway with
SIGTERM and checks that it exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
CHAIN = ("filling", "transport", "storage", "sale", "delivery", "use", "recovery")
AT_SITE = {"filling", "transport", "storage", "recovery"}
CST = timezone(timedelta(hours=8))
RAW_BATCH = 1_000
GOALS = {"batched": 20_000.0, "single": 3_000.0}
MODES = (("batched", 1_000, 8), ("single", 1, 64))  # name, events per frame, frames in flight


@dataclass
class Result:
    mode: str
    events_per_frame: int
    in_flight: int
    sent: int
    accepted: int
    duplicate: int
    rejected: int
    logged: int
    seconds: float
    events_per_s: float
    goal_events_per_s: float
    goal_met: bool
    raw_rows_per_s: float
    ratio: float
    zero_loss: bool
    gateway_cpu_pct: float  # of one core, gateway + writer process, first send to last ack
    client_cpu_pct: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SECRET_KEY": "bench-ingest-secret-key-0123"}
    # A throughput benchmark measures the gateway, not the per-token quota (2,000 events/s).
    env |= {"GASCC_INGEST_TOKEN_RATE": "10000000", "GASCC_INGEST_CONNECTION_RATE": "10000000"}
    for name in ("DATABASE_URL", "REDIS_URL", "GASCC_DATA_DIR", "GASCC_INGEST_WRITER"):
        env.pop(name, None)  # always the data directory's SQLite file, no Redis
    return env


def cli(*args: str) -> str:
    command = [sys.executable, "-m", *args]
    done = subprocess.run(command, cwd=ROOT, env=child_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def prepare(directory: Path) -> dict[str, str]:
    """Migrate, seed the demo city; one token per mode (source bench-<mode>)."""
    cli("dashboard", "db", "upgrade", "--data-dir", str(directory))
    cli("simulators", "seed", "--scale", "demo", "--data-dir", str(directory), "--no-progress")
    tokens = {}
    for mode, _, _ in MODES:
        out = cli(
            "dashboard",
            "tokens",
            "add",
            "--source",
            f"bench-{mode}",
            "--types",
            "cylinder.scanned",
            "--data-dir",
            str(directory),
        )
        tokens[mode] = out.strip().splitlines()[-1].strip()
    return tokens


def make_events(database: Path, total: int) -> list[dict]:
    """`total` scans: every registered cylinder walks the chain, one step per round."""
    with sqlite3.connect(database) as connection:
        codes = [row[0] for row in connection.execute("SELECT code FROM cylinders ORDER BY code")]
        sites = connection.execute("SELECT id, lat, lon FROM sites ORDER BY id").fetchall()
        customers = connection.execute(
            "SELECT id, lat, lon FROM customers WHERE real_name_verified ORDER BY id"
        ).fetchall()
    start = datetime.now(UTC) - timedelta(hours=2)
    spacing = timedelta(hours=1) / total  # all in the past, strictly increasing
    events = []
    for i in range(total):
        n, step = i % len(codes), i // len(codes)
        stage = CHAIN[step % len(CHAIN)]
        site_id, site_lat, site_lon = sites[(n * 7 + step) % len(sites)]
        customer_id, lat, lon = customers[(n * 13 + step // len(CHAIN)) % len(customers)]
        data: dict = {"code": codes[n], "stage": stage}
        if stage in AT_SITE or stage == "sale":
            data["site_id"] = site_id
            lat, lon = site_lat, site_lon
        if stage in ("sale", "delivery", "use"):
            data["customer_id"] = customer_id
        data["lat"], data["lon"] = round(lat, 6), round(lon, 6)
        when = (start + spacing * i).astimezone(CST).isoformat(timespec="milliseconds")
        events.append(
            {"id": f"scan-{i:08d}", "type": "cylinder.scanned", "occurred_at": when, "data": data}
        )
    return events


async def send_mode(url: str, token: str, events: list[dict], per_frame: int, window: int):
    """(seconds first send → last ack, accepted, duplicate, rejected, first rejections)."""
    frames = {}
    for k, start in enumerate(range(0, len(events), per_frame)):
        ref = f"f{k}"
        frames[ref] = json.dumps(
            {"op": "events", "ref": ref, "events": events[start : start + per_frame]}
        )
    tally = {"accepted": 0, "duplicate": 0, "rejected": 0}
    rejections: list = []
    async with connect(url, max_size=None, max_queue=None) as ws:
        await ws.send(
            json.dumps({"op": "hello", "token": token, "client": "bench/1", "protocol": 1})
        )
        welcome = json.loads(await ws.recv())
        if welcome.get("op") != "welcome":
            raise SystemExit(f"no welcome: {welcome}")
        slots = asyncio.Semaphore(window)
        outstanding = len(frames)
        done = asyncio.get_running_loop().create_future()

        async def resend(ref: str, delay: float) -> None:
            await asyncio.sleep(delay)
            await ws.send(frames[ref])

        async def receive() -> None:
            nonlocal outstanding
            retries = set()
            async for message in ws:
                answer = json.loads(message)
                if answer.get("op") == "error" and answer.get("code") == "rate_limited":
                    task = asyncio.create_task(
                        resend(answer["ref"], answer["retry_after_ms"] / 1e3)
                    )
                    retries.add(task)
                    task.add_done_callback(retries.discard)
                    continue
                if answer.get("op") != "ack":
                    raise SystemExit(f"unexpected answer: {answer}")
                tally["accepted"] += len(answer["accepted"])
                tally["duplicate"] += len(answer["duplicate"])
                tally["rejected"] += len(answer["rejected"])
                rejections.extend(answer["rejected"][: 5 - len(rejections)])
                slots.release()
                outstanding -= 1
                if outstanding == 0:
                    done.set_result(time.perf_counter())
                    return

        receiver = asyncio.create_task(receive())
        started = time.perf_counter()
        for payload in frames.values():
            await slots.acquire()
            await ws.send(payload)
        finished = await done
        await receiver
    return finished - started, tally, rejections


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds so far of a process and its live children (Linux /proc): the
    gateway and its writer process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return own + sum(cpu_seconds(child) for child in children)


def count_logged(database: Path, source: str) -> int:
    with sqlite3.connect(database) as connection:
        query = "SELECT COUNT(*) FROM event_log WHERE source = ?"
        return connection.execute(query, (source,)).fetchone()[0]


def raw_executemany(path: Path, events: list[dict]) -> float:
    """Rows/s of bare sqlite3 executemany of event_log-shaped rows (row building untimed)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE event_log (seq INTEGER NOT NULL PRIMARY KEY, source VARCHAR(64) NOT NULL, "
        "event_id VARCHAR(128) NOT NULL, type VARCHAR(48) NOT NULL, occurred_at DATETIME NOT "
        "NULL, received_at DATETIME NOT NULL, actor VARCHAR(64), district VARCHAR(12), "
        "data JSON NOT NULL, CONSTRAINT uq_event_log_source_event_id UNIQUE (source, event_id))"
    )
    received = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    timed = 0.0
    for start in range(0, len(events), RAW_BATCH):
        rows = [
            (
                i + 1,
                "bench-raw",
                event["id"],
                event["type"],
                event["occurred_at"],
                received,
                None,
                "420102",
                json.dumps(event["data"]),
            )
            for i, event in enumerate(events[start : start + RAW_BATCH], start)
        ]
        began = time.perf_counter()
        connection.executemany("INSERT INTO event_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        connection.commit()
        timed += time.perf_counter() - began
    connection.close()
    return len(events) / timed


def start_gateway(directory: Path, writer: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    out = directory / "gateway.out"
    command = [sys.executable, "-m", "dashboard", "gateway", "--data-dir", str(directory)]
    command += ["--port", str(port)]
    with out.open("w") as stdout, (directory / "gateway.err").open("w") as stderr:
        env = {**child_env(), "GASCC_INGEST_WRITER": writer}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    deadline = time.monotonic() + 60
    while "gateway on ws://" not in out.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"gateway did not start:\n{(directory / 'gateway.err').read_text()}")
        time.sleep(0.05)
    return process, f"ws://127.0.0.1:{port}/ingest"


def bench(total: int, writer: str) -> tuple[list[Result], int]:
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        directory = Path(tmp)
        tokens = prepare(directory)
        database = directory / "gascc.sqlite3"
        events = make_events(database, total * len(MODES))  # the chain goes on across modes
        gateway, url = start_gateway(directory, writer)
        timings = {}
        try:
            for k, (mode, per_frame, window) in enumerate(MODES):
                chunk = events[k * total : (k + 1) * total]
                gateway_cpu, client_cpu = cpu_seconds(gateway.pid), time.process_time()
                timing = asyncio.run(send_mode(url, tokens[mode], chunk, per_frame, window))
                gateway_cpu = cpu_seconds(gateway.pid) - gateway_cpu
                client_cpu = time.process_time() - client_cpu
                timings[mode] = (*timing, gateway_cpu, client_cpu)
        finally:
            gateway.send_signal(signal.SIGTERM)
            try:
                exit_code = gateway.wait(timeout=60)
            except subprocess.TimeoutExpired:
                gateway.kill()
                exit_code = gateway.wait()
        raw = raw_executemany(directory / "raw.sqlite3", events[:total])
        results = []
        for mode, per_frame, window in MODES:
            seconds, tally, rejections, gateway_cpu, client_cpu = timings[mode]
            if rejections:
                print(f"{mode}: first rejections: {rejections}", file=sys.stderr)
            logged = count_logged(database, f"bench-{mode}")
            rate = total / seconds
            results.append(
                Result(
                    mode,
                    per_frame,
                    window,
                    total,
                    tally["accepted"],
                    tally["duplicate"],
                    tally["rejected"],
                    logged,
                    seconds,
                    rate,
                    GOALS[mode],
                    rate >= GOALS[mode],
                    raw,
                    rate / raw,
                    total == tally["accepted"] == logged,
                    100 * gateway_cpu / seconds,
                    100 * client_cpu / seconds,
                )
            )
    return results, exit_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000, help="events per mode")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--writer",
        choices=("process", "thread"),
        default="thread",
        help="the gateway's writer (GASCC_INGEST_WRITER): a thread (default) or a child process",
    )
    args = parser.parse_args()
    print(f"gateway writer: {args.writer}")
    results, exit_code = bench(args.events, args.writer)
    print(
        f"{'mode':<8} {'frame':>5} {'flight':>6} {'sent':>7} {'accepted':>8} {'logged':>7} "
        f"{'wall s':>6} {'events/s':>9} {'goal':>7} {'met':>3} {'raw rows/s':>10} {'ratio':>6} "
        "zero loss  gateway CPU  client CPU"
    )
    for r in results:
        print(
            f"{r.mode:<8} {r.events_per_frame:>5} {r.in_flight:>6} {r.sent:>7,} {r.accepted:>8,} "
            f"{r.logged:>7,} {r.seconds:>6.2f} {r.events_per_s:>9,.0f} "
            f"{r.goal_events_per_s:>7,.0f} {'yes' if r.goal_met else 'NO':>3} "
            f"{r.raw_rows_per_s:>10,.0f} {r.ratio:>6.3f} {'yes' if r.zero_loss else 'NO':>9} "
            f"{r.gateway_cpu_pct:>10.0f}% "
            f"{r.client_cpu_pct:>10.0f}%"
        )
    print(f"gateway exit code after SIGTERM: {exit_code}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"results": [asdict(r) for r in results], "gateway_exit_code": exit_code}
        args.json.write_text(json.dumps(payload, indent=2))
    ok = exit_code == 0 and all(r.zero_loss for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
