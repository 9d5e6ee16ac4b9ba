"""Benchmark: the hazard board's first page with a Wuhan year of hazards, against a full scan.

    python bench/hazard_board.py                          # 70,000 hazards on SQLite
    python bench/hazard_board.py --hazards 7000 --repeat 5
    python bench/hazard_board.py --postgres postgresql+psycopg://gascc:gascc@127.0.0.1/postgres

It seeds the demo city (registry seed 2026, as `python -m dashboard demo` does) into a fresh,
migrated database, then writes a year of hazards through the one write path
(`data_access.eventlog.append_events`, 5,000 events a transaction, in the order they happened):
--hazards `hazard.reported` events (default 70,000, Wuhan's yearly figure) at the seeded sites of
all 13 districts, so each has its responsible enterprise, about 10 % major (30 days to rectify,
general 7), and each hazard's loop as far as it got by now: `hazard.updated` assigned,
rectifying, rectified, verified, closed, most before the due time, 15 % late (closed 1 to 20
days after it), 5 % sent back once (reopened, rectified again), 4 % stalled at some step and
still open; the rules' `hazard.escalated` for every hazard still open a day (general: district)
or a week (general: city) past its due time, major ones (city) at once. It prints how long the
load took.

Then it times `data_access.queries.hazard_board.hazard_board` (server time of the board: one page
of 50, the total, the counts per status and per district) for a few realistic filters: city-wide
open hazards by due date, one district's overdue hazards (the busiest district, in its officer's
scope), one enterprise's open hazards and all of them by report date (the enterprise with the
most hazards, in its own scope), and everything reported in the last 30 days. One warm-up call,
then --repeat timed calls (--scan-repeat for the Python scan); median and p95.

Baselines in the same run, on the same data: the same `hazard_board` call on a copy of the
database with every index of `hazards` dropped (a copied file on SQLite, `CREATE DATABASE ...
TEMPLATE` on PostgreSQL), and a Python scan (read every hazard row, filter, count and sort in
Python). The three answers must be identical (page ids, total, both count maps), or the script
fails. Goal (DESIGN.md §6): the first page, filtered, in <= 300 ms of server time; a filter
meets it when its p95 does. Prints each filter's timings and ratios (indexed ÷ baseline, lower is
better), and its query plans when it misses the goal (--explain: always).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, inspect, make_url, select, text  # noqa: E402

from dashboard.citypack import load_city_pack  # noqa: E402
from dashboard.domain.events import (  # noqa: E402
    Event,
    HazardEscalated,
    HazardReported,
    HazardUpdated,
)
from dashboard.domain.hazards import (  # noqa: E402
    CLOSED,
    ESCALATION_NOTES,
    escalation_id,
    escalation_steps,
)
from dashboard.domain.roles import CITYWIDE, Scope  # noqa: E402
from data_access.db import make_engine  # noqa: E402
from data_access.eventlog import Accepted, Incoming, append_events  # noqa: E402
from data_access.migrate import upgrade  # noqa: E402
from data_access.models import Hazard  # noqa: E402
from data_access.queries.hazard_board import (  # noqa: E402
    OPEN,
    PAGE_SIZE,
    HazardBoard,
    HazardFilter,
    hazard_board,
)
from simulators.seed import SCALES, seed_registry  # noqa: E402

GOAL_MS = 300.0
SOURCE = "bench-hazard-board"
BATCH = 5_000
DAY = timedelta(days=1)
CATEGORIES = (
    "阀门锈蚀",
    "泄漏报警器故障",
    "消防器材过期",
    "气瓶超期未检",
    "安全间距不足",
    "防雷接地失效",
)

Answer = tuple[tuple[str, ...], int, dict[str, int], dict[str, int]]  # page ids, total, counts


# --- the data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    id: str
    district: str
    lat: float
    lon: float


def seeded_engine(url: str) -> Engine:
    """A migrated database at `url` with the demo city in it."""
    engine = make_engine(url)
    upgrade(engine)
    seed_registry(engine, SCALES["demo"], load_city_pack("wuhan"), seed=2026)
    return engine


def lifecycle(rng: random.Random, reported: datetime, due: datetime) -> list[tuple[datetime, str]]:
    """(when, status) of a hazard's hazard.updated events, the whole loop, however far off.

    Most are closed out (销号) before their due time; 15 % late, 1 to 20 days after it; 5 % are
    sent back once after the rectification; 4 % stall at some step and stay open."""
    if rng.random() < 0.15:
        closing = due + DAY * rng.uniform(1, 20)
    else:
        closing = reported + (due - reported) * rng.uniform(0.5, 0.95)
    span = closing - reported
    steps = [
        (reported + span * rng.uniform(0.02, 0.1), "assigned"),
        (reported + span * rng.uniform(0.15, 0.3), "rectifying"),
        (reported + span * rng.uniform(0.55, 0.7), "rectified"),
    ]
    if rng.random() < 0.05:  # the district office sends it back
        sent_back = steps[-1][0] + DAY * rng.uniform(0.5, 2)
        steps += [(sent_back, "reopened"), (sent_back + DAY * rng.uniform(1, 7), "rectified")]
        closing = max(closing, steps[-1][0] + DAY)
        span = closing - reported
    steps += [(max(steps[-1][0], reported + span * 0.85), "verified"), (closing, CLOSED)]
    if rng.random() < 0.04:
        steps = steps[: rng.randrange(len(steps))]
    return steps


@dataclass(frozen=True, slots=True)
class Planned:
    """One hazard of the year."""

    id: str
    site: Site
    level: str
    category: str
    reported: datetime
    due: datetime


# (when, order, event type, the hazard's index, status or escalation level): small and flat, so
# the year's 440,000 events are not held as pydantic models (whose mere number made every full
# garbage collection cost seconds)
Step = tuple[datetime, int, str, int, str]


def plan(
    sites: list[Site], count: int, now: datetime, seed: int = 0
) -> tuple[list[Planned], list[Step]]:
    """A year of `count` hazards at `sites` and their loops up to `now`, in the log's order."""
    rng = random.Random(seed)
    hazards: list[Planned] = []
    steps: list[Step] = []
    for index in range(count):
        site = rng.choice(sites)
        reported = now - timedelta(seconds=rng.uniform(60, 365 * 86_400))
        level = "major" if rng.random() < 0.1 else "general"
        due = reported + (DAY * 30 if level == "major" else DAY * 7)
        category = rng.choice(CATEGORIES)
        hazards.append(Planned(f"bench-hz-{index:06d}", site, level, category, reported, due))
        steps.append((reported, len(steps), "hazard.reported", index, ""))
        loop = [(when, status) for when, status in lifecycle(rng, reported, due) if when <= now]
        for when, status in loop:
            steps.append((when, len(steps), "hazard.updated", index, status))
        closed = next((when for when, status in loop if status == CLOSED), None)
        for escalation, after in escalation_steps(level):
            when = due + after
            if when <= now and (closed is None or closed > when):
                steps.append((when, len(steps), "hazard.escalated", index, escalation))
    steps.sort()
    return hazards, steps


def to_event(step: Step, hazards: list[Planned]) -> Event:
    when, order, kind, index, value = step
    hazard = hazards[index]
    site = hazard.site
    data: HazardReported | HazardUpdated | HazardEscalated
    if kind == "hazard.reported":
        data = HazardReported(
            hazard_id=hazard.id,
            target_type="site",
            target_id=site.id,
            district=site.district,
            category=hazard.category,
            level=hazard.level,  # type: ignore[arg-type]
            description=f"现场检查发现隐患：{hazard.category}",
            lat=site.lat,
            lon=site.lon,
            due_at=hazard.due,
        )
        return Event.of(data, id=hazard.id, occurred_at=when)
    if kind == "hazard.updated":
        office = value in ("assigned", "verified", "reopened", "closed")
        data = HazardUpdated(
            hazard_id=hazard.id,
            status=value,  # type: ignore[arg-type]
            actor=f"office-{site.district}" if office else f"site-{site.id}",
            note="整改不到位，退回重新整改" if value == "reopened" else None,
        )
        return Event.of(data, id=f"{hazard.id}:{order}:{value}", occurred_at=when)
    data = HazardEscalated(
        hazard_id=hazard.id,
        level=value,  # type: ignore[arg-type]
        by="rules",
        note=ESCALATION_NOTES[(hazard.level, value)],
    )
    return Event.of(data, id=escalation_id(hazard.id, value), occurred_at=when)


def load(engine: Engine, count: int, now: datetime) -> dict[str, Any]:
    """Write the year of hazards through append_events; how long it took."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, district, lat, lon FROM sites ORDER BY id"))
        sites = [Site(*row) for row in rows]
    started = time.perf_counter()
    hazards, steps = plan(sites, count, now)
    making = time.perf_counter() - started  # planning, then making and validating the events
    accepted = 0
    for start in range(0, len(steps), BATCH):
        began = time.perf_counter()
        items = [Incoming(SOURCE, to_event(step, hazards)) for step in steps[start : start + BATCH]]
        making += time.perf_counter() - began
        outcomes = append_events(engine, items)
        accepted += sum(isinstance(outcome, Accepted) for outcome in outcomes)
        rejected = [o for o in outcomes if not isinstance(o, Accepted)]
        if rejected:
            raise SystemExit(f"append_events refused {len(rejected)} events: {rejected[:3]}")
    total = time.perf_counter() - started
    return {
        "events": accepted,
        "total_s": round(total, 1),
        "make_s": round(making, 1),
        "append_s": round(total - making, 1),
    }


def hazard_mix(engine: Engine, now: datetime) -> dict[str, Any]:
    """What the load left: hazards per status, overdue, escalated, districts, enterprises."""
    with engine.connect() as connection:
        by_status: dict[str, int] = dict(
            connection.execute(
                select(Hazard.status, text("count(*)")).group_by(Hazard.status)
            ).all()
        )
        overdue = connection.scalar(
            select(text("count(*)")).where(Hazard.status != CLOSED, Hazard.due_at < now)
        )
        escalated = connection.scalar(
            select(text("count(*)")).select_from(Hazard).where(Hazard.escalation.is_not(None))
        )
        per_district = list(
            connection.execute(
                select(Hazard.district, text("count(*) AS n"))
                .group_by(Hazard.district)
                .order_by(text("n DESC"))
            )
        )
        per_enterprise = list(
            connection.execute(
                select(Hazard.enterprise_id, text("count(*) AS n"))
                .group_by(Hazard.enterprise_id)
                .order_by(text("n DESC"))
            )
        )
    return {
        "hazards": sum(by_status.values()),
        "by_status": by_status,
        "overdue": overdue,
        "escalated": escalated,
        "districts": len(per_district),
        "busiest_district": per_district[0][0],
        "enterprises": len(per_enterprise),
        "busiest_enterprise": per_enterprise[0][0],
        "busiest_enterprise_hazards": per_enterprise[0][1],
    }


# --- the baselines ------------------------------------------------------------------------------


def drop_hazard_indexes(engine: Engine) -> list[str]:
    """Drop every index of `hazards` (the primary key stays); the names dropped."""
    names = [index["name"] or "" for index in inspect(engine).get_indexes("hazards")]
    with engine.begin() as connection:
        for name in names:
            connection.execute(text(f"DROP INDEX {name}"))
    return names


_SCAN = select(
    Hazard.id,
    Hazard.district,
    Hazard.enterprise_id,
    Hazard.category,
    Hazard.level,
    Hazard.status,
    Hazard.escalation,
    Hazard.reported_at,
    Hazard.due_at,
    Hazard.number,
)
_SORT_KEYS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "due": (lambda r: (r.due_at, r.id), False),
    "reported": (lambda r: (r.reported_at, r.id), True),
    "number": (lambda r: (r.number or "", r.id), True),
}


def _matches(row: Any, scope: Scope, wanted: HazardFilter, now: datetime, skip: str = "") -> bool:
    """The board's filter (data_access/queries/hazard_board.py, _conditions) in Python."""
    is_open = row.status != CLOSED
    return (
        (scope.district is None or row.district == scope.district)
        and (scope.enterprise_id is None or row.enterprise_id == scope.enterprise_id)
        and (not wanted.district or skip == "district" or row.district == wanted.district)
        and (not wanted.enterprise_id or row.enterprise_id == wanted.enterprise_id)
        and (not wanted.category or row.category == wanted.category)
        and (not wanted.level or row.level == wanted.level)
        and (
            not wanted.status
            or skip == "status"
            or (is_open if wanted.status == OPEN else row.status == wanted.status)
        )
        and (not wanted.overdue or (is_open and row.due_at < now))
        and (
            not wanted.escalation
            or (
                row.escalation is not None
                if wanted.escalation == "any"
                else row.escalation == wanted.escalation
            )
        )
        and (wanted.since is None or row.reported_at >= wanted.since)
        and (wanted.until is None or row.reported_at < wanted.until)
    )


def python_scan(engine: Engine, scope: Scope, wanted: HazardFilter, now: datetime) -> Answer:
    """The board's first page and counts from every hazard row, filtered and sorted in Python."""
    with engine.connect() as connection:
        rows = connection.execute(_SCAN).all()
    hits = [row for row in rows if _matches(row, scope, wanted, now)]
    key, descending = _SORT_KEYS.get(wanted.sort, _SORT_KEYS["due"])
    hits.sort(key=key, reverse=descending)
    by_status = Counter(row.status for row in rows if _matches(row, scope, wanted, now, "status"))
    by_district = Counter(
        row.district for row in rows if _matches(row, scope, wanted, now, "district")
    )
    page = tuple(row.id for row in hits[:PAGE_SIZE])
    return page, len(hits), dict(by_status), dict(by_district)


def board_answer(board: HazardBoard) -> Answer:
    by_status = {status: n for status, n in board.by_status.items() if n}
    return tuple(row.id for row in board.rows), board.total, by_status, dict(board.by_district)


# --- timing -------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    scope: Scope
    wanted: HazardFilter


@dataclass
class Result:
    case: str
    matching: int
    indexed_median_ms: float
    indexed_p95_ms: float
    unindexed_median_ms: float
    unindexed_p95_ms: float
    python_scan_median_ms: float
    ratio_unindexed: float  # indexed ÷ unindexed (lower is better)
    ratio_python_scan: float
    goal_met: bool


def timed(call: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    """One warm-up call (its answer kept), then `repeat` timed calls in ms."""
    answer = call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return answer, samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def cases(mix: dict[str, Any], now: datetime) -> list[Case]:
    district, enterprise = mix["busiest_district"], mix["busiest_enterprise"]
    own = Scope(enterprise_id=enterprise)
    return [
        Case("city-wide open, by due", CITYWIDE, HazardFilter()),
        Case(f"district {district} overdue", Scope(district=district), HazardFilter(overdue=True)),
        Case(f"enterprise {enterprise} open", own, HazardFilter()),
        Case(
            f"enterprise {enterprise} all, by reported",
            own,
            HazardFilter(status=None, sort="reported"),
        ),
        Case(
            "city-wide reported in 30 days",
            CITYWIDE,
            HazardFilter(status=None, since=now - 30 * DAY, sort="reported"),
        ),
    ]


def measure(
    indexed: Engine, unindexed: Engine, case: Case, now: datetime, repeat: int, scan_repeat: int
) -> Result:
    board = lambda engine: lambda: hazard_board(engine, case.scope, case.wanted, now)  # noqa: E731
    fast, fast_ms = timed(board(indexed), repeat)
    slow, slow_ms = timed(board(unindexed), repeat)
    scan = lambda: python_scan(indexed, case.scope, case.wanted, now)  # noqa: E731
    scanned, scan_ms = timed(scan, scan_repeat)
    answers = {"indexed": board_answer(fast), "unindexed": board_answer(slow), "scan": scanned}
    if len({json.dumps(a, sort_keys=True) for a in answers.values()}) != 1:
        for name, answer in answers.items():
            print(f"  {name}: total {answer[1]}, page {answer[0][:5]}..., {answer[2]}, {answer[3]}")
        raise SystemExit(f"{case.name}: the indexed board and the full scans disagree")
    median = statistics.median(fast_ms)
    return Result(
        case=case.name,
        matching=fast.total,
        indexed_median_ms=round(median, 1),
        indexed_p95_ms=round(p95(fast_ms), 1),
        unindexed_median_ms=round(statistics.median(slow_ms), 1),
        unindexed_p95_ms=round(p95(slow_ms), 1),
        python_scan_median_ms=round(statistics.median(scan_ms), 1),
        ratio_unindexed=round(median / statistics.median(slow_ms), 3),
        ratio_python_scan=round(median / statistics.median(scan_ms), 3),
        goal_met=p95(fast_ms) <= GOAL_MS,
    )


@contextmanager
def captured_sql(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements `engine` runs inside the block, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def explain(engine: Engine, case: Case, now: datetime) -> list[str]:
    """The query plans of the board's statements for `case`."""
    with captured_sql(engine) as statements:
        hazard_board(engine, case.scope, case.wanted, now)
    sqlite = engine.dialect.name == "sqlite"
    lines = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            lines.append("  " + " ".join(statement.split())[:160])
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            cursor = connection.exec_driver_sql(prefix + statement, parameters)
            plan = [row[-1] for row in cursor]
            lines += [f"      {step}" for step in plan]
    return lines


# --- the run ------------------------------------------------------------------------------------


@contextmanager
def databases(postgres: str | None, work: Path) -> Iterator[tuple[Engine, Callable[[], Engine]]]:
    """(the seeded database, a function making its unindexed copy); dropped afterwards."""
    if postgres is None:
        path = work / "board.sqlite3"
        engine = seeded_engine(f"sqlite:///{path}")

        def copy() -> Engine:
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy(path, work / "scan.sqlite3")
            return make_engine(f"sqlite:///{work / 'scan.sqlite3'}")

        try:
            yield engine, copy
        finally:
            engine.dispose()
        return
    server = make_url(postgres)
    admin = make_engine(postgres, isolation_level="AUTOCOMMIT")
    name = f"bench_hazard_board_{os.getpid()}"
    names = [name, f"{name}_scan"]
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = seeded_engine(server.set(database=name).render_as_string(hide_password=False))

    def copy_pg() -> Engine:
        engine.dispose()  # CREATE DATABASE ... TEMPLATE wants no one connected to the template
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {names[1]} TEMPLATE {name}")
        url = server.set(database=names[1]).render_as_string(hide_password=False)
        return make_engine(url)

    try:
        yield engine, copy_pg
    finally:
        engine.dispose()
        with admin.connect() as connection:
            for database in names:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.dispose()


def machine_line(engine: Engine) -> str:
    with engine.connect() as connection:
        version = connection.exec_driver_sql(
            "SELECT sqlite_version()" if engine.dialect.name == "sqlite" else "SHOW server_version"
        ).scalar()
    database = f"SQLite {version}" if engine.dialect.name == "sqlite" else f"PostgreSQL {version}"
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return f"{os.cpu_count()} cores (load {load}), Python {platform.python_version()}, {database}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, default=70_000, help="hazards in the year")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per filter")
    parser.add_argument("--scan-repeat", type=int, default=5, help="timed Python scans per filter")
    parser.add_argument("--postgres", metavar="URL", help="run on a new database of this server")
    parser.add_argument("--explain", action="store_true", help="print every filter's query plans")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    work = Path(tempfile.mkdtemp(prefix="bench-hazard-board-"))
    try:
        with databases(args.postgres, work) as (engine, unindexed_copy):
            machine = machine_line(engine)
            print(machine, flush=True)
            loaded = load(engine, args.hazards, now)
            print(
                f"loaded {args.hazards:,} hazards: {loaded['events']:,} events in "
                f"{loaded['total_s']:.1f} s, of which {loaded['append_s']:.1f} s in append_events "
                f"({loaded['events'] / loaded['append_s']:,.0f} events/s) and "
                f"{loaded['make_s']:.1f} s making and validating the events",
                flush=True,
            )
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")  # as autovacuum soon would
            mix = hazard_mix(engine, now)
            print(f"hazards: {json.dumps(mix, ensure_ascii=False)}", flush=True)
            unindexed = unindexed_copy()
            engine = make_engine(engine.url.render_as_string(hide_password=False))
            dropped = drop_hazard_indexes(unindexed)
            print(f"baseline copy without {', '.join(dropped)}", flush=True)
            results = []
            for case in cases(mix, now):
                result = measure(engine, unindexed, case, now, args.repeat, args.scan_repeat)
                results.append(result)
                print(
                    f"{result.case:<44} {result.matching:>6,} match  "
                    f"indexed {result.indexed_median_ms:7.1f} ms (p95 {result.indexed_p95_ms:.1f})"
                    f"  unindexed {result.unindexed_median_ms:7.1f} ms"
                    f"  python scan {result.python_scan_median_ms:7.1f} ms"
                    f"  ratio {result.ratio_unindexed:.3f} / {result.ratio_python_scan:.3f}"
                    f"  goal {'met' if result.goal_met else 'MISSED'}",
                    flush=True,
                )
                if args.explain or not result.goal_met:
                    print("\n".join(explain(engine, case, now)), flush=True)
            print("answers identical (page ids, totals, counts) indexed = unindexed = python scan")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            load_now = ", ".join(f"{n:.1f}" for n in os.getloadavg())
            print(f"peak RSS {peak:.0f} MB; load average now {load_now}", flush=True)
            unindexed.dispose()
            engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        report = {
            "command": " ".join(sys.argv),
            "load": loaded,
            "mix": mix,
            "results": [asdict(r) for r in results],
            "machine": machine,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
