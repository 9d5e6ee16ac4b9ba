"""Benchmark: does `python -m dashboard demo` hold a steady city, and steady memory, for hours?

    python bench/demo_soak.py                          # one hour, a row every 10 minutes
    python bench/demo_soak.py --minutes 20 --window 5  # a shorter look

It starts the demo (simulators and the simulated duty desk on, no map tiles) in a temporary data
directory, opens `/screen` in headless Chromium signed in as `screen` (the wall, kept open for
the whole run), and samples every `--every` seconds:

- the city: active (open) incidents, free teams, open hazards (data_access.queries.duty_desk);
- memory: the resident set (RSS, /proc) of the gateway, the app (the demo's process and its
  gunicorn workers), the simulators, and the wall's Chromium renderer, and the wall page's
  JavaScript heap after a forced garbage collection (CDP `HeapProfiler.collectGarbage`, then
  `Performance.getMetrics` JSHeapUsedSize): what the page keeps, not what it has not freed yet.

Every `--window` minutes it prints a row: the city at the window's end and the median response
time (report -> first team on scene) of the incidents reported in that window (computed at the
end of the run, so the late arrivals of a window count). At the end: the bands the incidents and
free teams stayed in, the response median, and per process the memory growth from the warm-up
(`--warmup` minutes: imports done, caches filled, the first scenarios played) to the end, as a
ratio of the medians of the three samples at either end (1.10 = 10 % more). Then the demo gets
SIGTERM and must exit 0. A JSON file has every sample and the verdicts; the demo's output is
copied next to it (`.log`).

Goals (issue 14): active incidents and free teams within a band (at most ACTIVE_MAX incidents
open, at least FREE_MIN_SHARE of the teams free, at every sample), median response between 8 and
18 minutes, memory growth <= 1.10 for every process including the wall's tab.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data_access.db import make_engine  # noqa: E402
from data_access.queries.duty_desk import city_pulse  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one set of flags)

GOAL_GROWTH = 1.10
RESPONSE_GOAL_MIN = (8.0, 18.0)
ACTIVE_MAX = 12  # open incidents at any moment
FREE_MIN_SHARE = 0.5  # of all teams, free at any moment
ENDS = 3  # samples whose median stands for the start and the end of the memory curve


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- processes and their memory ----------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found.append(int(child))
            found.extend(descendants(int(child)))
    return found


def command_line(pid: int) -> str:
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return " ".join(a.decode(errors="replace") for a in args)


def role_of(pid: int) -> str | None:
    text = command_line(pid)
    if "dashboard gateway" in text:
        return "gateway"
    if "simulators run" in text:
        return "simulators"
    if "dashboard demo" in text or "gunicorn" in text:
        return "app"
    if "--type=renderer" in text:
        return "screen-renderer"
    return None


def memory(demo_pid: int) -> dict[str, float]:
    """RSS by role of the demo's processes and of this process's Chromium renderers (MB)."""
    found: dict[str, float] = {}
    pids = [demo_pid, *descendants(demo_pid), *descendants(os.getpid())]
    for pid in dict.fromkeys(pids):
        try:
            role = role_of(pid)
            if role is not None:
                found[role] = found.get(role, 0.0) + rss_mb(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


# --- the wall kept open ------------------------------------------------------------------


class Wall:
    """`/screen` in headless Chromium, signed in as the wall's account."""

    def __init__(self, base_url: str) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        self.page = self.browser.new_page(viewport={"width": 1920, "height": 1080})
        self.page.goto(f"{base_url}/login?next=/screen")
        self.page.fill("#username", "screen")
        self.page.fill("#password", "screen-demo")
        self.page.click("#login-submit")
        self.page.wait_for_url("**/screen", timeout=60_000)
        self.cdp = self.page.context.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")

    def js_heap_mb(self) -> float:
        """The page's live JavaScript heap after a full collection."""
        self.cdp.send("HeapProfiler.collectGarbage")
        metrics = self.cdp.send("Performance.getMetrics")["metrics"]
        used = next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize")
        return used / 2**20

    def idle(self, seconds: float) -> None:
        """Wait while the page runs (Playwright handles the browser's messages meanwhile)."""
        self.page.wait_for_timeout(seconds * 1000)

    def close(self) -> None:
        self.browser.close()
        self._playwright.stop()


# --- the run -----------------------------------------------------------------------------


def wait_ready(log_path: Path, demo: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while "ready in" not in log_path.read_text():
        if demo.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the demo did not get ready:\n{log_path.read_text()}")
        time.sleep(0.5)


def sample(demo_pid: int, engine: Any, wall: Wall, started: float) -> dict[str, Any]:
    pulse = city_pulse(engine, datetime.now(UTC))
    rss = memory(demo_pid)
    rss["screen-js-heap"] = wall.js_heap_mb()
    return {
        "t": round(time.monotonic() - started, 1),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "active_incidents": pulse.active_incidents,
        "free_teams": pulse.free_teams,
        "teams": pulse.teams,
        "open_hazards": pulse.open_hazards,
        "memory_mb": {role: round(mb, 1) for role, mb in rss.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--window", type=float, default=10.0, help="minutes per row")
    parser.add_argument("--warmup", type=float, default=5.0, help="minutes before the baseline")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "demo_soak.json")
    parser.add_argument("--keep", type=Path, help="run in this data directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        data = args.keep or Path(tmp) / "data"
        env = {**os.environ, "GASCC_TILE_URL": "none", "PYTHONUNBUFFERED": "1"}
        for name in ("DATABASE_URL", "REDIS_URL", "GASCC_DATA_DIR", "SECRET_KEY"):
            env.pop(name, None)
        port = free_port()
        command = [sys.executable, "-m", "dashboard", "demo", "--data-dir", str(data)]
        command += ["--port", str(port), "--gateway-port", str(free_port())]
        log_path = Path(tmp) / "demo.log"
        log = log_path.open("w")
        demo = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        samples: list[dict[str, Any]] = []
        wall = None
        try:
            wait_ready(log_path, demo)
            engine = make_engine(f"sqlite:///{data / 'gascc.sqlite3'}")
            wall = Wall(f"http://127.0.0.1:{port}")
            started = time.monotonic()
            began = datetime.now(UTC)
            while time.monotonic() - started < args.minutes * 60:
                wall.idle(args.every)
                if demo.poll() is not None:
                    raise SystemExit(f"the demo exited early:\n{log_path.read_text()}")
                samples.append(sample(demo.pid, engine, wall, started))
                print(json.dumps(samples[-1], ensure_ascii=False), flush=True)
            windows = window_rows(samples, engine, began, args.window)
        finally:
            if wall is not None:
                wall.close()
            demo.send_signal(signal.SIGTERM)
            exit_code = demo.wait(timeout=90)
            args.json.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(log_path, args.json.with_suffix(".log"))  # the demo's own account
    return report(samples, windows, args, exit_code)


def window_rows(
    samples: list[dict[str, Any]], engine: Any, began: datetime, minutes: float
) -> list[dict[str, Any]]:
    """A row per window: the city at its last sample, the response median of its incidents."""
    rows = []
    span = samples[-1]["t"]
    count = max(1, math.ceil(span / (minutes * 60) - 0.05))  # no row for a last few seconds
    for index in range(count):
        start, end = index * minutes * 60, min((index + 1) * minutes * 60, span)
        inside = [s for s in samples if start < s["t"] <= end + 1] or samples[-1:]
        last = inside[-1]
        since = began + timedelta(seconds=start)
        times = city_pulse(engine, since, began + timedelta(seconds=end)).response_s
        rows.append(
            {
                "window_end_min": round(end / 60, 1),
                "active_incidents": last["active_incidents"],
                "free_teams": last["free_teams"],
                "open_hazards": last["open_hazards"],
                "responded": len(times),
                "response_median_min": round(statistics.median(times) / 60, 1) if times else None,
                "memory_mb": last["memory_mb"],
            }
        )
    return rows


def report(
    samples: list[dict[str, Any]],
    windows: list[dict[str, Any]],
    args: argparse.Namespace,
    exit_code: int,
) -> int:
    roles = sorted({role for s in samples for role in s["memory_mb"]})
    head = f"{'min':>5} {'active':>6} {'free':>5} {'hazards':>7} {'resp.':>5} {'median':>7}"
    print("\n" + head + "".join(f" {role[:15]:>15}" for role in roles))
    for row in windows:
        median = row["response_median_min"]
        line = (
            f"{row['window_end_min']:>5g} {row['active_incidents']:>6} {row['free_teams']:>5} "
            f"{row['open_hazards']:>7} {row['responded']:>5} "
            f"{'—' if median is None else f'{median:.1f}′':>7}"
        )
        print(line + "".join(f" {row['memory_mb'].get(r, 0.0):>12.1f} MB" for r in roles))
    verdicts = city_verdicts(samples, windows) | memory_verdicts(samples, args.warmup, roles)
    ok = all(v["met"] for v in verdicts.values()) and exit_code == 0
    print()
    for name, verdict in verdicts.items():
        print(f"{name:<28} {verdict['text']:<52} {'met' if verdict['met'] else 'NOT met'}")
    print(f"demo exit code {exit_code}; all goals {'met' if ok else 'NOT met'}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    result = {"verdicts": verdicts, "windows": windows, "exit_code": exit_code, "ok": ok}
    args.json.write_text(json.dumps({**result, "samples": samples}, indent=1, ensure_ascii=False))
    print(f"written {args.json}")
    return 0 if ok else 1


def city_verdicts(
    samples: list[dict[str, Any]], windows: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    active = [s["active_incidents"] for s in samples]
    free = [s["free_teams"] for s in samples]
    teams = samples[-1]["teams"]
    medians = [w["response_median_min"] for w in windows if w["response_median_min"] is not None]
    overall = statistics.median(medians) if medians else None
    low, high = RESPONSE_GOAL_MIN
    return {
        "active incidents band": {
            "band": [min(active), max(active)],
            "text": f"{min(active)}..{max(active)} (goal: at most {ACTIVE_MAX})",
            "met": max(active) <= ACTIVE_MAX,
        },
        "free teams band": {
            "band": [min(free), max(free)],
            "text": f"{min(free)}..{max(free)} of {teams} (goal: at least "
            f"{FREE_MIN_SHARE * teams:.0f})",
            "met": min(free) >= FREE_MIN_SHARE * teams,
        },
        "response median": {
            "minutes": overall,
            "per_window": medians,
            "text": f"{'—' if overall is None else f'{overall:.1f}'} min (windows "
            f"{', '.join(f'{m:.1f}' for m in medians)}; goal {low:g}..{high:g})",
            "met": overall is not None and low <= overall <= high,
        },
    }


def memory_verdicts(
    samples: list[dict[str, Any]], warmup_min: float, roles: list[str]
) -> dict[str, dict[str, Any]]:
    after = [s for s in samples if s["t"] >= warmup_min * 60] or samples
    out = {}
    for role in roles:
        curve = [s["memory_mb"].get(role, 0.0) for s in after]
        before, last = statistics.median(curve[:ENDS]), statistics.median(curve[-ENDS:])
        growth = last / before if before else float("inf")
        out[f"memory {role}"] = {
            "from_mb": round(before, 1),
            "to_mb": round(last, 1),
            "peak_mb": round(max(curve), 1),
            "growth": round(growth, 3),
            "text": f"{before:.1f} -> {last:.1f} MB (peak {max(curve):.1f}), x{growth:.3f}",
            "met": growth <= GOAL_GROWTH,
        }
    return out


if __name__ == "__main__":
    sys.exit(main())
