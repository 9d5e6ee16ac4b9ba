"""Benchmark: first meaningful paint and bytes of the One Map, against a naive raw-GeoJSON page.

    python bench/map_load.py                              # Wuhan scale (seeds ~2 minutes first)
    python bench/map_load.py --scale demo --warm 2 --json bench/out/map_load.json
    python bench/map_load.py --data-dir /tmp/wuhan-map    # seed once, reuse on later runs

It seeds a data directory (`python -m simulators seed --scale S`, then hazards: 70,000 at Wuhan
scale, Wuhan's yearly figure, 7,000 at city and 700 at demo scale, as `hazard.reported` events of
random customers through `data_access.eventlog.append_events` in batches, so the event log,
`hazards` and the district counts are real), starts `python -m dashboard demo --no-simulators`
on it (gunicorn and the gateway, GASCC_TILE_URL=none) and, as the same-run baseline,
bench/map_load_naive.py: a minimal Dash + dash-leaflet page over the same database that ships every
point (sites, hazards, sensors, cylinder positions, customers capped at --naive-customers) as one
raw GeoJSON. A --data-dir that this script seeded before is reused as it is.

In Debian's headless Chromium (/usr/bin/chromium, Playwright) at 1920x1080 it signs in as `duty`
and loads each page once cold (browser cache cleared through CDP) and --warm times warm (same
tab, cache kept: Dash's bundles come from the cache). First meaningful paint = the time from
navigation start until
- One Map: every district outline is drawn (SVG paths of the "areas" pane, or of the overlay pane
  with class `district-shape` as before issue 5) and every KPI of the strip
  (`#one-map-counts .kpi-value`) has its value;
- naive page: every district and every point was turned into a map layer;
then one more frame is painted. Bytes = the sum of CDP `Network.loadingFinished`
encodedDataLength (bytes on the wire, headers included) of the requests finished by then, split
into static (Dash's and dash-leaflet's bundles, /assets/) and the rest. A page that does not
paint within --timeout counts as "> timeout" with the bytes received by then. Prints paint ms and
bytes for both pages, and the ratios One Map ÷ naive (lower is better).
"""

from __future__ import annotations

import argparse
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAIVE_APP = ROOT / "bench" / "map_load_naive.py"
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one set of flags)

LOGIN = ("duty", "duty-demo")
HAZARDS = {"demo": 700, "city": 7_000, "wuhan": 70_000}
HAZARD_BATCH = 2_000
SEEDED_MARK = "map_load_seeded.json"  # written once a data directory is complete
HAZARD_SOURCE = "bench-map-load"
CATEGORIES = ("软管老化", "未装报警器", "违规存放气瓶", "阀门锈蚀", "通风不良", "私接管线")
GOAL_PAINT_MS = 1_500
GOAL_BYTES = 1_000_000
STATIC_PATHS = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")

# Ready predicates, evaluated every animation frame; true gives performance.now().
ONE_MAP_READY = """
districts => {
  const drawn = document.querySelectorAll(
    '.leaflet-areas-pane path, .leaflet-overlay-pane path.district-shape').length;
  const kpis = [...document.querySelectorAll('#one-map-counts .kpi-value')];
  const filled = kpis.length > 0 && kpis.every(k => k.textContent.trim() !== '');
  return drawn >= districts && filled ? performance.now() : false;
}
"""
NAIVE_READY = """
([districts, points]) => {
  const drawn = window.naiveDistricts || 0;
  return drawn >= districts && (window.naivePoints || 0) >= points ? performance.now() : false;
}
"""
NEXT_FRAME = (
    "() => new Promise(done => requestAnimationFrame(() => setTimeout(() => "
    "done(performance.now()), 0)))"
)


@dataclass
class Load:
    page: str
    cache: str  # cold or warm
    paint_ms: float | None  # None: not painted within the timeout
    bytes_total: int
    bytes_static: int
    requests: int
    console_errors: int

    @property
    def bytes_dynamic(self) -> int:
        return self.bytes_total - self.bytes_static


@dataclass
class Summary:
    page: str
    cold_paint_ms: float | None
    cold_bytes: int
    cold_static_bytes: int
    warm_paint_ms: float | None  # median of the warm runs
    warm_bytes: int  # median
    console_errors: int


@dataclass
class Report:
    machine: str
    scale: str
    points: dict[str, int]
    one_map: Summary
    naive: Summary
    ratios: dict[str, float | None]
    goals_met: dict[str, bool]
    timeout_s: float
    loads: list[dict] = field(default_factory=list)
    command: str = ""
    demo_exit_code: int = 0


# --- the data directory -------------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GASCC_TILE_URL": "none"}
    env["PYTHONUNBUFFERED"] = "1"
    for name in ("DATABASE_URL", "REDIS_URL", "GASCC_DATA_DIR", "SECRET_KEY", "GASCC_TILES"):
        env.pop(name, None)  # the data directory's SQLite file and the demo's own secret key
    return env


def prepare(data_dir: Path, scale: str) -> None:
    """Seed the registry and the year's hazards, unless this directory was prepared before."""
    mark = data_dir / SEEDED_MARK
    if mark.exists():
        print(f"reusing {data_dir} ({mark.read_text().strip()})", flush=True)
        return
    database = data_dir / "gascc.sqlite3"
    if not database.exists():
        started = time.perf_counter()
        command = [sys.executable, "-m", "simulators", "seed", "--scale", scale]
        command += ["--data-dir", str(data_dir), "--no-progress"]
        subprocess.run(command, cwd=ROOT, env=child_env(), check=True)
        print(f"seeded {scale} in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    added = add_hazards(database, HAZARDS[scale])
    print(f"{added:,} hazards appended in {time.perf_counter() - started:.0f} s", flush=True)
    mark.write_text(json.dumps({"scale": scale, "hazards": added}))


def add_hazards(database: Path, count: int, seed: int = 0) -> int:
    """`count` hazard.reported events of random customers, over the past year, via the event log."""
    from dashboard.domain.events import Event, HazardReported
    from data_access.db import make_engine
    from data_access.eventlog import Accepted, Incoming, append_events

    rng = random.Random(seed)
    with sqlite3.connect(database) as connection:
        total = connection.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
        rowids = sorted(rng.sample(range(1, total + 1), min(count, total)))
        customers = []
        for start in range(0, len(rowids), 900):  # SQLite's variable limit
            chunk = rowids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT id, district, lat, lon FROM customers WHERE rowid IN ({marks})"
            customers += connection.execute(query, chunk).fetchall()
    engine = make_engine(f"sqlite:///{database}")
    now = datetime.now(UTC).replace(microsecond=0)
    accepted = 0
    for start in range(0, len(customers), HAZARD_BATCH):
        items = []
        for index, (customer, district, lat, lon) in enumerate(
            customers[start : start + HAZARD_BATCH], start
        ):
            occurred = now - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
            data = HazardReported(
                hazard_id=f"bench-hz-{index:06d}",
                target_type="customer",
                target_id=customer,
                district=district,
                category=rng.choice(CATEGORIES),
                level="major" if rng.random() < 0.1 else "general",
                description="入户安检发现隐患",
                lat=lat,
                lon=lon,
                due_at=occurred + timedelta(days=30),
            )
            event = Event.of(data, id=data.hazard_id, occurred_at=occurred)
            items.append(Incoming(HAZARD_SOURCE, event))
        outcomes = append_events(engine, items)
        accepted += sum(isinstance(outcome, Accepted) for outcome in outcomes)
    engine.dispose()
    return accepted


def point_counts(database: Path, customer_cap: int) -> dict[str, int]:
    """What the naive page ships, per kind (customers as capped)."""
    uri = f"file:{database}?mode=ro"
    with sqlite3.connect(uri, uri=True) as connection:
        count = {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("sites", "hazards", "sensors", "cylinder_states", "customers")
        }
    return {
        "site": count["sites"],
        "hazard": count["hazards"],
        "sensor": count["sensors"],
        "cylinder": count["cylinder_states"],
        "customer": min(customer_cap, count["customers"]),
        "customers_in_city": count["customers"],
    }


# --- processes ------------------------------------------------------------------------------


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


def spawn(command: list[str], log: Path, ready: list[str]) -> subprocess.Popen:
    """Start a child with its output in `log`; return once every `ready` URL answers 200."""
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(), stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 180
    while not all(answers(url) for url in ready):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"{' '.join(command[1:4])} did not start:\n{log.read_text()}")
        time.sleep(0.3)
    return process


def start_app(data_dir: Path, scale: str, logs: Path) -> tuple[subprocess.Popen, str]:
    port, gateway_port = free_port(), free_port()
    command = [sys.executable, "-m", "dashboard", "demo", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--gateway-port", str(gateway_port)]
    command += ["--scale", scale, "--no-simulators"]
    base = f"http://127.0.0.1:{port}"
    ready = [f"{base}/login", f"http://127.0.0.1:{gateway_port}/healthz"]
    return spawn(command, logs / "demo.log", ready), base


def start_naive(data_dir: Path, customers: int, logs: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, str(NAIVE_APP), "--database", str(data_dir / "gascc.sqlite3")]
    command += ["--port", str(port), "--customers", str(customers)]
    url = f"http://127.0.0.1:{port}/"
    return spawn(command, logs / "naive.log", [url]), url


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


# --- the browser ----------------------------------------------------------------------------


class Tab:
    """One tab with a CDP session that adds up the bytes of every finished request."""

    def __init__(self, context) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict) -> None:
        self.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def reset(self) -> None:
        self.urls.clear()
        self.sizes.clear()
        self.errors.clear()

    def byte_counts(self) -> tuple[int, int, int]:
        """(total, static, requests) of the requests finished so far."""
        sizes = dict(self.sizes)
        static = sum(
            size
            for request, size in sizes.items()
            if any(part in self.urls.get(request, "") for part in STATIC_PATHS)
        )
        return sum(sizes.values()), static, len(sizes)


def sign_in(tab: Tab, base: str) -> None:
    page = tab.page
    page.goto(f"{base}/login")
    page.fill("#username", LOGIN[0])
    page.fill("#password", LOGIN[1])
    page.click("#login-submit")
    page.wait_for_url(f"{base}/", timeout=60_000)


def load(tab: Tab, name: str, url: str, ready: str, arg, cold: bool, timeout_s: float) -> Load:
    """Navigate to `url` and wait until `ready` holds, then one more painted frame."""
    tab.page.goto("about:blank")
    if cold:
        tab.cdp.send("Network.clearBrowserCache")
    tab.reset()
    tab.page.goto(url, wait_until="commit")
    paint: float | None
    try:
        tab.page.wait_for_function(ready, arg=arg, polling="raf", timeout=timeout_s * 1000)
        paint = float(tab.page.evaluate(NEXT_FRAME))
    except Exception as error:  # Playwright's TimeoutError, or the tab gave up
        if "Timeout" not in type(error).__name__ and "Timeout" not in str(error):
            raise
        paint = None
    total, static, requests = tab.byte_counts()
    cache = "cold" if cold else "warm"
    return Load(name, cache, paint, total, static, requests, len(tab.errors))


def measure(browser, name: str, base: str, url: str, ready: str, arg, args) -> list[Load]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tab = Tab(context)
        if name == "one_map":
            sign_in(tab, base)
        loads = [load(tab, name, url, ready, arg, True, args.timeout)]
        loads += [load(tab, name, url, ready, arg, False, args.timeout) for _ in range(args.warm)]
        for shown in loads:
            print(
                f"  {name:<8} {shown.cache}: {fmt_ms(shown.paint_ms, args.timeout)}, "
                f"{shown.bytes_total:,} B ({shown.bytes_static:,} static), "
                f"{shown.requests} requests, console errors {shown.console_errors}",
                flush=True,
            )
        if tab.errors:
            print(f"  {name} console errors: {tab.errors[:5]}", file=sys.stderr)
        return loads
    finally:
        context.close()


def summarise(loads: list[Load]) -> Summary:
    cold, warm = loads[0], loads[1:] or loads[:1]
    painted = [w.paint_ms for w in warm if w.paint_ms is not None]
    warm_paint = statistics.median(painted) if len(painted) == len(warm) else None
    return Summary(
        page=cold.page,
        cold_paint_ms=cold.paint_ms,
        cold_bytes=cold.bytes_total,
        cold_static_bytes=cold.bytes_static,
        warm_paint_ms=warm_paint,
        warm_bytes=int(statistics.median(w.bytes_total for w in warm)),
        console_errors=max(load.console_errors for load in loads),
    )


def ratio(ours: float | None, theirs: float | None, timeout_ms: float) -> float | None:
    """Ours ÷ theirs; a naive page that timed out counts as the timeout (an upper bound)."""
    if ours is None:
        return None
    return ours / (theirs if theirs is not None else timeout_ms)


def machine_line() -> str:
    memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    return (
        f"{os.cpu_count()} cores, {int(memory) / 2**20:.0f} GiB, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{chromium.stdout.strip() or 'Chromium ?'}"
    )


def bench(args, data_dir: Path, logs: Path) -> Report:
    from playwright.sync_api import sync_playwright

    from dashboard.citypack import load_city_pack

    prepare(data_dir, args.scale)
    points = point_counts(data_dir / "gascc.sqlite3", args.naive_customers)
    drawn_points = sum(v for k, v in points.items() if k != "customers_in_city")
    districts = len(load_city_pack("wuhan").districts)
    app, base = start_app(data_dir, args.scale, logs)
    naive = None
    try:
        naive, naive_url = start_naive(data_dir, args.naive_customers, logs)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ours = measure(browser, "one_map", base, f"{base}/", ONE_MAP_READY, districts, args)
            theirs = measure(
                browser, "naive", base, naive_url, NAIVE_READY, [districts, drawn_points], args
            )
            browser.close()
    finally:
        if naive is not None:
            stop(naive)
        exit_code = stop(app)
    one_map, baseline = summarise(ours), summarise(theirs)
    timeout_ms = args.timeout * 1000
    ratios = {
        "cold paint": ratio(one_map.cold_paint_ms, baseline.cold_paint_ms, timeout_ms),
        "warm paint": ratio(one_map.warm_paint_ms, baseline.warm_paint_ms, timeout_ms),
        "cold bytes": one_map.cold_bytes / baseline.cold_bytes,
        "warm bytes": one_map.warm_bytes / baseline.warm_bytes,
    }
    goals = {
        "cold paint <= 1.5 s": (one_map.cold_paint_ms or math_inf()) <= GOAL_PAINT_MS,
        "warm paint <= 1.5 s": (one_map.warm_paint_ms or math_inf()) <= GOAL_PAINT_MS,
        "cold bytes <= 1 MB": one_map.cold_bytes <= GOAL_BYTES,
        "warm bytes <= 1 MB": one_map.warm_bytes <= GOAL_BYTES,
        "no console errors": one_map.console_errors == 0,
    }
    return Report(
        machine=machine_line(),
        scale=args.scale,
        points=points,
        one_map=one_map,
        naive=baseline,
        ratios=ratios,
        goals_met=goals,
        timeout_s=args.timeout,
        loads=[asdict(x) | {"bytes_dynamic": x.bytes_dynamic} for x in ours + theirs],
        command="python bench/map_load.py " + " ".join(sys.argv[1:]),
        demo_exit_code=exit_code,
    )


def math_inf() -> float:
    return float("inf")


def fmt_ms(value: float | None, timeout_s: float) -> str:
    return f"> {timeout_s:.0f} s (timeout)" if value is None else f"{value:,.0f} ms"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_report(r: Report) -> None:
    print(r.machine)
    shipped = ", ".join(f"{k} {v:,}" for k, v in r.points.items())
    print(f"scale {r.scale}; naive page ships: {shipped}")
    print(
        f"{'page':<8} {'cold paint':>16} {'cold bytes':>12} {'(static)':>12} "
        f"{'warm paint':>16} {'warm bytes':>12}"
    )
    for s in (r.one_map, r.naive):
        print(
            f"{s.page:<8} {fmt_ms(s.cold_paint_ms, r.timeout_s):>16} {s.cold_bytes:>12,} "
            f"{s.cold_static_bytes:>12,} {fmt_ms(s.warm_paint_ms, r.timeout_s):>16} "
            f"{s.warm_bytes:>12,}"
        )
    ratios = ", ".join(f"{k} {fmt_ratio(v)}" for k, v in r.ratios.items())
    print(f"ratio one_map/naive: {ratios}")
    goals = ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in r.goals_met.items())
    print(f"goals: {goals}")
    print(f"demo exit code after SIGTERM: {r.demo_exit_code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(HAZARDS), default="wuhan")
    parser.add_argument("--warm", type=int, default=3, help="warm loads after the cold one (3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="paint timeout, s (60)")
    parser.add_argument(
        "--naive-customers",
        type=int,
        default=100_000,
        help="customers' points the naive page ships (100,000)",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="seed here and keep it (reused when seeded before)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="map-load-") as tmp:
        data_dir = (args.data_dir or Path(tmp) / "data").absolute()
        data_dir.mkdir(parents=True, exist_ok=True)
        result = bench(args, data_dir, Path(tmp))
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(result), indent=2))
    painted = result.one_map.cold_paint_ms is not None
    return 0 if result.demo_exit_code == 0 and painted else 1


if __name__ == "__main__":
    sys.exit(main())
