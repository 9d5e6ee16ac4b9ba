"""Benchmark: does `python -m dashboard demo` hold steady at its default pace?

    python bench/demo_soak.py                 # one hour
    python bench/demo_soak.py --minutes 10 --json bench/out/soak.json

It starts the demo (simulators on, no map tiles) in a temporary data directory and samples, every
`--every` seconds, the resident memory (RSS, from /proc) of the gateway, the app's gunicorn
processes and the simulators, and the number of events in the log. The baseline is each
process's RSS after the warm-up (`--warmup` minutes: imports done, caches filled, the first
scenario played); the result is the growth from there to the end, as a ratio (1.10 = 10 %
more), next to the events logged per minute. The goal (issue 4): the gateway grows by at most
10 %. At the end the demo gets SIGTERM and must exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_GROWTH = 1.10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.append(int(child))
            found.extend(descendants(int(child)))
    return found


def role_of(pid: int) -> str | None:
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    text = " ".join(a.decode(errors="replace") for a in args)
    if "dashboard gateway" in text:
        return "gateway"
    if "simulators run" in text:
        return "simulators"
    if "dashboard demo" in text or "gunicorn" in text:
        return "app"
    return None


def sample(demo_pid: int, database: Path) -> dict:
    memory: dict[str, float] = {}
    for pid in [demo_pid, *descendants(demo_pid)]:
        try:
            role = role_of(pid)
            if role is not None:
                memory[role] = memory.get(role, 0.0) + rss_mb(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    with sqlite3.connect(database) as connection:
        events = connection.execute("SELECT COUNT(*) FROM event_log").fetchone()[0]
    return {"t": time.monotonic(), "rss_mb": memory, "events": events}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="minutes before the baseline")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "GASCC_TILE_URL": "none", "PYTHONUNBUFFERED": "1"}
        for name in ("DATABASE_URL", "REDIS_URL", "GASCC_DATA_DIR", "SECRET_KEY"):
            env.pop(name, None)
        command = [sys.executable, "-m", "dashboard", "demo", "--data-dir", str(data)]
        command += ["--port", str(free_port()), "--gateway-port", str(free_port())]
        log = (Path(tmp) / "demo.log").open("w")
        demo = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        samples = []
        started = time.monotonic()
        try:
            while time.monotonic() - started < args.minutes * 60:
                time.sleep(args.every)
                if demo.poll() is not None:
                    raise SystemExit(
                        f"the demo exited early:\n{(Path(tmp) / 'demo.log').read_text()}"
                    )
                samples.append(sample(demo.pid, data / "gascc.sqlite3"))
                print(
                    json.dumps({**samples[-1], "t": round(samples[-1]["t"] - started)}), flush=True
                )
        finally:
            demo.send_signal(signal.SIGTERM)
            exit_code = demo.wait(timeout=60)
    return report(samples, started, args, exit_code)


def report(samples: list[dict], started: float, args: argparse.Namespace, exit_code: int) -> int:
    base = next(s for s in samples if s["t"] - started >= args.warmup * 60)
    last = samples[-1]
    minutes = (last["t"] - base["t"]) / 60
    rate = (last["events"] - base["events"]) / minutes if minutes else 0.0
    print(f"\nwarm-up {args.warmup:g} min, then {minutes:.1f} min; {rate:,.0f} events/min logged")
    result = {"minutes": minutes, "events_per_min": rate, "exit_code": exit_code, "growth": {}}
    for role in sorted(base["rss_mb"]):
        before, after = base["rss_mb"][role], last["rss_mb"].get(role, 0.0)
        peak = max(s["rss_mb"].get(role, 0.0) for s in samples if s["t"] >= base["t"])
        growth = after / before if before else 0.0
        result["growth"][role] = growth
        print(
            f"{role:<11} RSS {before:7.1f} MB -> {after:7.1f} MB (peak {peak:7.1f}), "
            f"ratio {growth:.3f}"
        )
    ok = result["growth"].get("gateway", 99) <= GOAL_GROWTH and exit_code == 0
    print(
        f"gateway growth goal <= {GOAL_GROWTH:.2f}: {'met' if ok else 'NOT met'}; exit {exit_code}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"result": result, "samples": samples}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
