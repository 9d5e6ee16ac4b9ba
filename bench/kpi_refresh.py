"""Benchmark: one refresh of the KPI strip's "today" counts with a Wuhan day of scans in the log.

    python bench/kpi_refresh.py                  # 400,000 scans today (Wuhan: ~0.5 M a day)
    python bench/kpi_refresh.py --scans 50000 --json bench/out/kpi_refresh.json

It migrates a fresh SQLite database in a temporary directory and writes `--scans`
`cylinder.scanned` rows into `event_log` with a bare sqlite3 executemany (random stages, times
spread from the city's midnight to now; the table's own indexes). Then it times, in the same
run, the baseline: counting the day's fillings and deliveries afresh, as every refresh did before
(`live_kpis` without a tally), and the running tally: `tally_scans` once for the whole day, then
counting on after `--new` more scans arrive (what a refresh does every 2 s under live traffic).
Prints the medians and the ratio tally ÷ full count (lower is better).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.domain.periods import city_periods
from dashboard.domain.roles import Scope
from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.queries.map_layers import live_kpis, tally_scans

STAGES = ("filling", "transport", "storage", "sale", "delivery", "use", "recovery", "inspection")
INSERT = (
    "INSERT INTO event_log (seq, source, event_id, type, occurred_at, received_at, actor,"
    " district, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def scan_rows(first_seq: int, count: int, since: datetime, until: datetime) -> list[tuple]:
    span = (until - since).total_seconds()
    rows = []
    for seq in range(first_seq, first_seq + count):
        at = (since + timedelta(seconds=random.random() * span)).strftime("%Y-%m-%d %H:%M:%S.%f")
        data = {"code": f"WH{seq % 2_010_000:010d}", "stage": random.choice(STAGES),
                "site_id": f"SITE-{seq % 556:04d}", "lat": 30.58, "lon": 114.30}  # fmt: skip
        rows.append((seq, "bench", f"scan-{seq}", "cylinder.scanned", at, at, None, "420102",
                     json.dumps(data)))  # fmt: skip
    return rows


def timed(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=400_000, help="scans in the log today")
    parser.add_argument("--new", type=int, default=200, help="scans between two refreshes")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "kpi.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    periods = city_periods(datetime.now(UTC), "Asia/Shanghai")
    with sqlite3.connect(path) as raw:
        raw.executemany(INSERT, scan_rows(1, args.scans, periods.day_start, periods.now))
    scope = Scope()
    full = timed(lambda: live_kpis(engine, scope, periods.now, periods.day_start), args.repeat)
    tally = tally_scans(engine, scope, periods.day_start)
    with sqlite3.connect(path) as raw:
        raw.executemany(INSERT, scan_rows(args.scans + 1, args.new, periods.now, periods.now))
    counting_on = timed(lambda: tally_scans(engine, scope, periods.day_start, tally), args.repeat)
    updated = tally_scans(engine, scope, periods.day_start, tally)
    with_tally = timed(
        lambda: live_kpis(engine, scope, periods.now, periods.day_start, updated.stages),
        args.repeat,
    )
    assert updated == tally_scans(engine, scope, periods.day_start), "tally != full count"
    result = {
        "scans": args.scans,
        "new": args.new,
        "full_count_ms": statistics.median(full),
        "tally_counting_on_ms": statistics.median(counting_on),
        "live_kpis_with_tally_ms": statistics.median(with_tally),
    }
    result["ratio"] = (result["tally_counting_on_ms"] + result["live_kpis_with_tally_ms"]) / result[
        "full_count_ms"
    ]
    print(f"{args.scans:,} scans today, {args.new} new between refreshes, medians of {args.repeat}")
    for label, key in (
        ("baseline: the KPI strip counting the day afresh", "full_count_ms"),
        ("running tally: counting on the new scans", "tally_counting_on_ms"),
        ("running tally: the rest of the KPI strip", "live_kpis_with_tally_ms"),
    ):
        print(f"  {label:<50} {result[key]:8.1f} ms")
    print(f"ratio (tally + rest) / afresh: {result['ratio']:.4f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
