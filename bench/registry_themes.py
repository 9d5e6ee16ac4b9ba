"""Benchmark: the One Map's overdue-cylinder count at Wuhan scale, computed when read, against
reading the kept area counts, in the same run.

    python bench/registry_themes.py                        # seeds Wuhan (~2-4 minutes) first
    python bench/registry_themes.py --data-dir /tmp/h6-wuhan --repeat 20 --json out.json

It seeds a data directory (`python -m simulators seed --scale wuhan`: 2.01 M cylinders of 72
enterprises, 4.93 M customers) unless --data-dir already holds a seeded database, then times on
that SQLite file, with an engine that caches nothing (one warm-up call, then --repeat calls;
median and p95):

- overdue, city-wide: `registry_themes.cylinders_due` (cylinders whose next inspection was due
  before --today, default the seed's reference day, with those also past scrap, per owning
  enterprise's district, scrapped ones left out): the range of ix_cylinders_next_inspection_due;
- overdue, one district officer's scope (the district with the most overdue cylinders);
- the stored-count read (same run baseline): `one_map.district_counts`, the kept area counts the
  other registry themes read (users per 1,000, real-name share, sites), which is also what the
  overdue theme read before it was computed;
- past scrap by a full scan (`scrap_due < today`, not indexed): the alternative left out;
- overdue through the query cache (a MemoryCache hit, as a map recolour gets within 30 s while
  the log has not grown).

With --covering-index it also times the city-wide overdue query with an index that covers it
(next_inspection_due, enterprise_id, scrap_due, code: no row of `cylinders` read), created for
the measurement and dropped again: what a migration adding it would give. It prints each query
plan (EXPLAIN QUERY PLAN). Then, unless --registrations 0, it appends
--registrations new customers (real-name or not, at random grid-cell centroids) through
`append_events` in batches of 1,000 and times them twice: first with the registry projection's
count keeping switched off (the same-run baseline: the projection as it was before), then, after
a `recount_area_counts` (the seeding and repair path, timed) has caught the counts up, as it is
(it locates each one's grid cell and bumps its district's and cell's counts in the same
transaction); finally it checks that the kept counts equal a fresh recount (the day-dependent
metrics aside).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, select  # noqa: E402

from dashboard.domain.events import CustomerRegistered, Event  # noqa: E402
from dashboard.domain.roles import Scope  # noqa: E402
from data_access.cache import MemoryCache, use_cache  # noqa: E402
from data_access.db import make_engine  # noqa: E402
from data_access.eventlog import Accepted, Incoming, append_events  # noqa: E402
from data_access.models import AreaCount, District, GridCell  # noqa: E402
from data_access.projections import registry as registry_projection  # noqa: E402
from data_access.queries import one_map  # noqa: E402
from data_access.queries.registry_themes import (  # noqa: E402
    DUE_METRICS,
    _per_district,
    cylinders_due,
)
from data_access.registry import recount_area_counts  # noqa: E402
from simulators.seed import REFERENCE_DATE  # noqa: E402

CITYWIDE = Scope()
DB_NAME = "gascc.sqlite3"


def seed(directory: Path, scale: str) -> Path:
    path = directory / DB_NAME
    if path.exists():
        return path
    command = [sys.executable, "-m", "simulators", "seed", "--scale", scale]
    command += ["--data-dir", str(directory), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    print(f"seeded {scale} in {time.perf_counter() - started:.0f} s")
    return path


def timed(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    call()  # warm-up: the pages are in the OS cache afterwards, as on a running server
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"median_ms": statistics.median(samples), "p95_ms": p95}


def plan(path: Path, sql: str) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql)]


COVERING = (
    "CREATE INDEX bench_ix_cylinders_due_covering"
    " ON cylinders (next_inspection_due, enterprise_id, scrap_due, code)"
)


def covering_index_trial(
    engine: Engine, path: Path, today: date, repeat: int, plans: dict, sql: str
) -> dict[str, Any]:
    """The overdue query with an index that covers it (no row of `cylinders` read)."""
    with sqlite3.connect(path) as connection:
        started = time.perf_counter()
        connection.execute(COVERING)
        built = time.perf_counter() - started
    try:
        plans["overdue_covering_index"] = plan(path, sql)
        timing = timed(lambda: cylinders_due(engine, CITYWIDE, today), repeat)
    finally:
        with sqlite3.connect(path) as connection:
            connection.execute("DROP INDEX bench_ix_cylinders_due_covering")
    print(f"covering index built in {built:.1f} s (dropped again)")
    return {"overdue_citywide_covering_index": timing}


def past_scrap_scan(path: Path, today: date) -> Callable[[], Any]:
    sql = (
        "SELECT e.district, count(*) FROM cylinders c JOIN enterprises e ON e.id = c.enterprise_id"
        " WHERE c.scrap_due < ? GROUP BY e.district"
    )

    def run() -> Any:
        with sqlite3.connect(path) as connection:
            return connection.execute(sql, (today.isoformat(),)).fetchall()

    return run


def registrations(engine: Engine, count: int, rng: random.Random) -> dict[str, float]:
    with engine.connect() as connection:
        cells = connection.execute(
            select(GridCell.district, GridCell.centroid_lat, GridCell.centroid_lon)
        ).all()
    now = datetime.now(UTC)
    events = []
    for n in range(count):
        district, lat, lon = rng.choice(cells)
        data = CustomerRegistered(
            customer_id=f"C-BENCH-{time.time_ns():x}-{n:07d}",
            kind=rng.choice(("household", "household", "commercial")),
            district=district,
            real_name_verified=rng.random() < 0.6,
            lat=lat,
            lon=lon,
        )
        events.append(Event.of(data, id=f"bench-{data.customer_id}", occurred_at=now))
    started = time.perf_counter()
    for start in range(0, count, 1000):
        batch = [Incoming("bench-registry", e, None) for e in events[start : start + 1000]]
        outcomes = append_events(engine, batch)
        assert all(isinstance(o, Accepted) for o in outcomes), outcomes[:3]
    seconds = time.perf_counter() - started
    return {"events": count, "seconds": seconds, "per_event_ms": seconds * 1000 / count}


@contextmanager
def counts_not_kept() -> Iterator[None]:
    """The registry projection without its area counts and grid cells (before issue 16)."""
    saved = registry_projection._recount, registry_projection._grid_cell

    def no_counts(b: Any, table: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        return None

    def old_cell(b: Any, row: dict[str, Any], old: dict[str, Any] | None) -> str | None:
        return old["grid_cell"] if old is not None else None

    registry_projection._recount = no_counts
    registry_projection._grid_cell = old_cell
    try:
        yield
    finally:
        registry_projection._recount, registry_projection._grid_cell = saved


def kept_counts(engine: Engine) -> dict[tuple[str, str, str], int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(AreaCount.area_type, AreaCount.area_code, AreaCount.metric, AreaCount.value)
        ).all()
    return {(t, c, m): int(v) for t, c, m, v in rows if m not in DUE_METRICS and v}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="wuhan")
    parser.add_argument("--data-dir", type=Path, help="seeded once, reused on later runs")
    parser.add_argument("--today", type=date.fromisoformat, default=REFERENCE_DATE)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--covering-index",
        action="store_true",
        help="also time the overdue query with an index covering it (created, then dropped)",
    )
    args = parser.parse_args()
    directory = args.data_dir or Path(tempfile.mkdtemp(prefix="registry-themes-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = seed(directory, args.scale)
    engine = make_engine(f"sqlite:///{path}")
    today = args.today

    with sqlite3.connect(path) as connection:
        cylinders = connection.execute("SELECT count(*) FROM cylinders").fetchone()[0]
    due = cylinders_due(engine, CITYWIDE, today)
    overdue = sum(v["cylinders_overdue_inspection"] for v in due.values())
    past_scrap = sum(v["cylinders_past_scrap"] for v in due.values())
    busiest = max(due, key=lambda code: due[code]["cylinders_overdue_inspection"])
    officer = Scope(district=busiest)
    print(f"{cylinders:,} cylinders; on {today}: {overdue:,} overdue, {past_scrap:,} past scrap")

    sql = str(
        _per_district(today, CITYWIDE).compile(engine, compile_kwargs={"literal_binds": True})
    )
    plans = {"overdue": plan(path, sql)}
    results: dict[str, Any] = {
        "overdue_citywide": timed(lambda: cylinders_due(engine, CITYWIDE, today), args.repeat),
        f"overdue_officer_{busiest}": timed(
            lambda: cylinders_due(engine, officer, today), args.repeat
        ),
        "stored_counts_read": timed(lambda: one_map.district_counts(engine, CITYWIDE), args.repeat),
        "past_scrap_full_scan": timed(past_scrap_scan(path, today), max(3, args.repeat // 4)),
    }
    if args.covering_index:  # what a migration adding it would give (created, timed, dropped)
        results.update(covering_index_trial(engine, path, today, args.repeat, plans, sql))
    cached_engine = make_engine(f"sqlite:///{path}")
    use_cache(cached_engine, MemoryCache())
    results["overdue_cache_hit"] = timed(
        lambda: cylinders_due(cached_engine, CITYWIDE, today), args.repeat
    )
    for name, value in results.items():
        print(f"{name:32} median {value['median_ms']:8.2f} ms   p95 {value['p95_ms']:8.2f} ms")
    for name, lines in plans.items():
        print(f"plan of {name}:", *lines, sep="\n  ")

    report: dict[str, Any] = {
        "scale": args.scale,
        "cylinders": cylinders,
        "today": today.isoformat(),
        "overdue": overdue,
        "past_scrap": past_scrap,
        "results": results,
        "plans": plans,
        "machine": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(),
            "load": os.getloadavg(),
        },
    }
    if args.registrations:
        with engine.connect() as connection:
            populations = dict(connection.execute(select(District.code, District.population)).all())
        rng = random.Random(16)
        with counts_not_kept():  # the same-run baseline: the projection as it was before
            report["registrations_uncounted"] = registrations(engine, args.registrations, rng)
        started = time.perf_counter()
        recount_area_counts(engine, today, populations)  # the repair path catches them up
        report["recount_s"] = time.perf_counter() - started
        report["registrations"] = registrations(engine, args.registrations, rng)
        for name in ("registrations_uncounted", "registrations"):
            reg = report[name]
            print(f"{reg['events']:,} customer registrations ({name}): {reg['seconds']:.2f} s, "
                  f"{reg['per_event_ms']:.3f} ms each")  # fmt: skip
        incremental = kept_counts(engine)
        recount_area_counts(engine, today, populations)
        report["kept_equals_recount"] = incremental == kept_counts(engine)
        print(f"recount {report['recount_s']:.1f} s; kept counts equal the recount: "
              f"{report['kept_equals_recount']}")  # fmt: skip
        if not report["kept_equals_recount"]:
            raise SystemExit("the kept counts differ from a recount")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
