"""Benchmark: the backfill of the quarter so far at demo scale, against the gateway's batches.

    python bench/backfill.py [--days N] [--slice 20000] [--seed 0]
    python bench/backfill.py --scale wuhan --template /tmp/wuhan.sqlite3 --days 1

Seeds a fresh demo city (SQLite, registry seed 2026, as `python -m dashboard demo` does; or
`--scale city|wuhan`, or copies `--template`, an already seeded registry), then

1. backfills the quarter so far (or the last N days) end to end (generation, the catalogue's
   checks, the bulk append of 5,000-event transactions) and prints events/s;
2. on two more copies of the seeded city, appends the same first `--slice` events of the
   backfill twice: in the bulk mode (5,000 per transaction) and as the gateway would under a
   trickle, `append_events` in batches of 50, and prints both rates and their ratio (the
   writing only: the events are generated and validated before the clock starts);
3. extrapolates a year of the city from the end-to-end run's events per simulated day and rate,
   and Wuhan's real year (about 180 million scans, seeds/000) from its rate.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dashboard.citypack import load_city_pack
from data_access.bulk_append import append_batches
from data_access.db import make_engine
from data_access.eventlog import Incoming, append_events
from data_access.migrate import upgrade
from simulators.backfill import BATCH_EVENTS, _History, backfill, backfill_options
from simulators.city import City
from simulators.clock import DAY, SimClock, quarter_bounds, utc_offset_s
from simulators.seed import SCALES, seed_registry
from simulators.world import load_world

SMALL_BATCH = 50  # about what a gateway commits per batch at a trickle
REAL_WUHAN_SCANS = 180e6  # a year of Wuhan's cylinder scans (seeds/000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=float, help="default: the quarter so far")
    parser.add_argument("--slice", type=int, default=20_000, help="events for the comparison")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
    parser.add_argument("--template", help="a seeded registry (SQLite file) to copy, not seed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    try:
        template = Path(args.template) if args.template else _seeded(work, args.scale)
        end = math.floor(time.time())
        pack = load_city_pack("wuhan")
        start = (
            end - args.days * DAY
            if args.days
            else quarter_bounds(end, utc_offset_s(pack.time_zone, end))[0]
        )
        _end_to_end(work, template, start, end, args.seed)
        _compare(work, template, start, end, args.seed, args.slice)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _seeded(work: Path, scale: str) -> Path:
    path = work / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_registry(engine, SCALES[scale], load_city_pack("wuhan"), seed=2026)
    engine.dispose()
    return path


def _copy(work: Path, template: Path, name: str):
    path = work / f"{name}.sqlite3"
    shutil.copy(template, path)
    return make_engine(f"sqlite:///{path}")


def _end_to_end(work: Path, template: Path, start: float, end: float, seed: int) -> None:
    engine = _copy(work, template, "full")
    world = load_world(engine, load_city_pack("wuhan"))
    result = backfill(engine, world, start=start, end=end, seed=seed)
    engine.dispose()
    total = result.tally.total
    print(result.summary())
    rate = total / result.seconds
    print(
        f"end to end: {result.days:.1f} days, {total:,} events in {result.seconds:.1f} s = "
        f"{rate:,.0f} events/s ({total / result.cpu_seconds:,.0f} per CPU second)"
    )
    per_day = total / result.days
    scans = result.offered.get("cylinder.scanned", 0) / result.days
    year = per_day * 365
    cpu_rate = total / result.cpu_seconds
    real_year = REAL_WUHAN_SCANS * per_day / max(scans, 1.0)  # the real scans and the rest
    print(
        f"per simulated day {per_day:,.0f} events ({scans:,.0f} scans): a year is "
        f"{year / 1e6:,.1f} M events, {year / rate / 3600:.2f} h at this rate "
        f"({year / cpu_rate / 3600:.2f} h of CPU; goal < 1 h); Wuhan's real year of "
        f"{REAL_WUHAN_SCANS / 1e6:.0f} M scans ({real_year / 1e6:,.0f} M events) would take "
        f"{real_year / rate / 3600:.1f} h"
    )


def _events(engine, start: float, end: float, seed: int, count: int) -> list[Incoming]:
    """The first `count` events the backfill would write (validated, the desk's included)."""
    world = load_world(engine, load_city_pack("wuhan"))
    clock = SimClock(sim_start=start, real_start=start, speed=None, mode="sim")
    city = City(world, backfill_options(seed, end - start), clock)
    history = _History(engine, city, "backfill", start, end, BATCH_EVENTS)
    events: list[Incoming] = []
    for batch in islice(history.batches(), math.ceil(count / BATCH_EVENTS)):
        events.extend(batch)
    return events[:count]


def _compare(work: Path, template: Path, start: float, end: float, seed: int, count: int) -> None:
    source = _copy(work, template, "source")
    events = _events(source, start, end, seed, count)
    source.dispose()
    bulk = _copy(work, template, "bulk")
    began = time.perf_counter()
    tally = append_batches(
        bulk, (events[i : i + BATCH_EVENTS] for i in range(0, len(events), BATCH_EVENTS))
    )
    bulk_s = time.perf_counter() - began
    bulk.dispose()
    small = _copy(work, template, "small")
    began = time.perf_counter()
    accepted = 0
    for i in range(0, len(events), SMALL_BATCH):
        accepted += sum(
            1 for o in append_events(small, events[i : i + SMALL_BATCH]) if hasattr(o, "seq")
        )
    small_s = time.perf_counter() - began
    small.dispose()
    assert accepted == tally.accepted, (accepted, tally.accepted)
    bulk_rate, small_rate = len(events) / bulk_s, len(events) / small_s
    print(
        f"writing {len(events):,} events: bulk ({BATCH_EVENTS:,} per transaction) "
        f"{bulk_s:.1f} s = {bulk_rate:,.0f} events/s; batches of {SMALL_BATCH} "
        f"{small_s:.1f} s = {small_rate:,.0f} events/s; ratio {bulk_rate / small_rate:.1f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
