"""Benchmark: the district ranking (and the enterprise ranking) on a year of Wuhan-scale history.

    python -m simulators seed --scale wuhan --data-dir /tmp/h4-year
    python -m simulators backfill --days 365 --scale wuhan --seed 1 --volume cylinders=0.02 \
        --data-dir /tmp/h4-year
    python bench/rankings.py /tmp/h4-year/gascc.sqlite3 [--runs 20] [--period 2026Q4] \
        [--json bench/out/rankings.json]

Reads the database given (a file path, or a SQLAlchemy URL), never writes to it. In the same run
it times, for the period (default: the quarter of the log's newest event):

1. the baseline: `rankings.district_ranking` on an engine without a cache (every call counts
   afresh, as the first visitor after a new event makes it), `--runs` times;
2. the same on an engine with a query cache (`data_access.cache.use_cache`, in this process;
   `--redis URL` for Redis, as the app runs with several workers): one call to fill it, then
   `--runs` calls;
3. `rankings.enterprise_ranking`, uncached and cached, and `district_trend` (four quarters)
   uncached.

Prints p50 and p95 of each, the ratio cached ÷ uncached (p95) against the uncached baseline
measured here, and the goals (district ranking p95 ≤ 500 ms uncached, ≤ 50 ms cached). The
figures depend on the machine's load: the run prints `uptime` and the commit with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, select

from dashboard.domain.roles import CITYWIDE
from dashboard.domain.scoring import Period, ScoringConfig, current_quarter, parse_period
from data_access import cache as query_cache
from data_access.db import make_engine
from data_access.models import DailyTally, EventRecord
from data_access.queries import rankings
from data_access.queries.scoring_config import active_config

GOAL_UNCACHED_MS = 500.0
GOAL_CACHED_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", help="the SQLite file of the history, or a database URL")
    parser.add_argument("--runs", type=int, default=20, help="timed calls of each (default 20)")
    parser.add_argument("--period", help="e.g. 2026Q4 (default: the newest event's quarter)")
    parser.add_argument("--redis", help="cache in Redis (redis://...) instead of this process")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    url = args.database if "://" in args.database else f"sqlite:///{args.database}"
    plain = make_engine(url)
    with_cache = make_engine(url)
    query_cache.use_cache(with_cache, _cache(args.redis))
    try:
        now, events, tallies = _history(plain)
        period = parse_period(args.period) if args.period else current_quarter(now)
        config = active_config(plain)
        print(_context(url, events, tallies, period, config, now))
        figures = _measure(plain, with_cache, period, config, now, args.runs)
    finally:
        plain.dispose()
        with_cache.dispose()
    _report(figures)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


def _cache(redis_url: str | None) -> query_cache.QueryCache:
    if redis_url is None:
        return query_cache.MemoryCache()
    import redis

    return query_cache.RedisCache(redis.Redis.from_url(redis_url))


def _history(engine: Engine) -> tuple[datetime, int, int]:
    """The log's newest moment (the bench's "now": the history ends there), its size, and the
    daily tallies' rows."""
    with engine.connect() as connection:
        newest = connection.scalar(select(func.max(EventRecord.occurred_at)))
        events = connection.scalar(select(func.count()).select_from(EventRecord)) or 0
        tallies = connection.scalar(select(func.count()).select_from(DailyTally)) or 0
    if newest is None:
        raise SystemExit("the database holds no history: backfill it first")
    now = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    return now, int(events), int(tallies)


def _measure(
    plain: Engine,
    with_cache: Engine,
    period: Period,
    config: ScoringConfig,
    now: datetime,
    runs: int,
) -> dict[str, Any]:
    def district(engine: Engine) -> Callable[[], object]:
        return lambda: rankings.district_ranking(engine, CITYWIDE, period, config, now)

    def enterprise(engine: Engine) -> Callable[[], object]:
        return lambda: rankings.enterprise_ranking(engine, CITYWIDE, period, config, now)

    figures: dict[str, Any] = {"period": period.label, "runs": runs}
    ranking = rankings.district_ranking(plain, CITYWIDE, period, config, now)
    figures["districts"] = len(ranking.rows)
    figures["district_uncached"] = _times(district(plain), runs)
    district(with_cache)()  # fills the cache
    figures["district_cached"] = _times(district(with_cache), runs)
    figures["enterprise_uncached"] = _times(enterprise(plain), max(3, runs // 4))
    enterprise(with_cache)()
    figures["enterprise_cached"] = _times(enterprise(with_cache), runs)
    trend = lambda: rankings.district_trend(plain, CITYWIDE, period, config, now)  # noqa: E731
    figures["trend_uncached"] = _times(trend, max(3, runs // 4))
    figures["top"] = [
        (row.code, row.name_en, None if row.score.index is None else round(row.score.index, 1))
        for row in ranking.rows
    ]
    return figures


def _times(call: Callable[[], object], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000.0)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(samples[-1], 2),
        "n": len(samples),
    }


def _context(
    url: str, events: int, tallies: int, period: Period, config: ScoringConfig, now: datetime
) -> str:
    commit = _run(["git", "rev-parse", "--short", "HEAD"]).strip()
    dirty = " (with uncommitted changes)" if _run(["git", "status", "--porcelain"]) else ""
    size = ""
    if url.startswith("sqlite:///"):
        size = f", {os.path.getsize(url.removeprefix('sqlite:///')) / 1e9:.2f} GB"
    return (
        f"database {url}{size}: {events:,} events, {tallies:,} daily tally rows, newest "
        f"{now.isoformat(timespec='seconds')}\nperiod {period.label}, scoring version "
        f"{config.version}; commit {commit}{dirty}; {_run(['uptime']).strip()}"
    )


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def _report(figures: dict[str, Any]) -> None:
    rows = [
        ("district ranking, uncached (baseline)", "district_uncached"),
        ("district ranking, cached", "district_cached"),
        ("enterprise ranking, uncached", "enterprise_uncached"),
        ("enterprise ranking, cached", "enterprise_cached"),
        ("district trend (4 quarters), uncached", "trend_uncached"),
    ]
    print(f"{'what':42} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} {'n':>4}")
    for label, key in rows:
        t = figures[key]
        print(f"{label:42} {t['p50_ms']:9.1f} {t['p95_ms']:9.1f} {t['max_ms']:9.1f} {t['n']:4d}")
    uncached = figures["district_uncached"]["p95_ms"]
    cached = figures["district_cached"]["p95_ms"]
    ratio = cached / uncached if uncached else 0.0
    figures["ratio_cached_uncached_p95"] = round(ratio, 4)
    print(
        f"district ranking p95: uncached {uncached:.1f} ms (goal <= {GOAL_UNCACHED_MS:.0f} ms: "
        f"{'met' if uncached <= GOAL_UNCACHED_MS else 'MISSED'}), cached {cached:.2f} ms "
        f"(goal <= {GOAL_CACHED_MS:.0f} ms: {'met' if cached <= GOAL_CACHED_MS else 'MISSED'}); "
        f"cached / uncached = {ratio:.5f} ({1 / ratio if ratio else 0:,.0f}x faster) against the "
        "uncached baseline of this run"
    )
    print("ranking: " + ", ".join(f"{code} {index}" for code, _, index in figures["top"]))


if __name__ == "__main__":
    sys.exit(main())
