"""Benchmark: tracing a cylinder by its code in a log of ten million scans, against the JSON filter.

    python bench/cylinder_trace.py --build /tmp/trace.sqlite3          # build, then time
    python bench/cylinder_trace.py --reuse /tmp/trace.sqlite3          # time an existing build
    python bench/cylinder_trace.py --postgres postgresql+psycopg://gascc:gascc@127.0.0.1/postgres

The build migrates a fresh database (every index of the real schema is there, the log's subject
index `ix_event_log_subject_seq` among them), registers a small city (2 enterprises, 40 sites,
200 workers, --codes cylinders, 2 % of the scanned codes unregistered: black) and appends
--events `cylinder.scanned` events (default 10,000,000) in the order they happened over a year:
each event a random code's next stage of the 8+1 chain at a random site, so a code's scans are
spread over the whole log as in a real one. The rows go in by the driver's bulk insert in
batches of --batch (executemany on SQLite, COPY on PostgreSQL) into the table with all its
indexes: each row's subject expression is computed and indexed on insert, as on the write path;
the projections are not applied (the trace reads the log and the registry only). Progress is
printed per batch.

Then, in the same run on the same data, it times --samples random codes (each timed once, after
one warm-up code) with
- the trace's query (data_access/queries/cylinder_trace.py `scans_statement`: the subject index),
- today's JSON-filter query: the same select with map_details.cylinder_chain's where-clause
  (`type = 'cylinder.scanned' AND data->>'code' = :code`), --json-samples codes (it reads the
  whole log each time, so a few),
- the whole `cylinder_trace` call (registry, status, chain with names, checks, findings,
  detentions) as the page runs it,
checks that both queries return the same events for every code timed with both, and prints
medians, p95 and the ratio. Goal: the trace <= 100 ms.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, make_url, select, text  # noqa: E402

from dashboard.domain.cylinders import STAGES  # noqa: E402
from dashboard.domain.roles import CITYWIDE  # noqa: E402
from data_access.db import make_engine  # noqa: E402
from data_access.migrate import upgrade  # noqa: E402
from data_access.models import EventRecord  # noqa: E402
from data_access.queries.cylinder_trace import scans_statement  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_S = 365 * 24 * 3600
DISTRICT = "420102"
ENTERPRISES = ("ENT-B01", "ENT-B02")
SITES = 40
WORKERS = 200
COLUMNS = ("source", "event_id", "type", "occurred_at", "received_at", "district", "data")


def code_of(i: int) -> str:
    return f"WH-{i:08d}"


def json_statement(code: str) -> Any:
    """Today's query: map_details.cylinder_chain's where-clause, the trace's select and order."""
    return (
        select(EventRecord.seq, EventRecord.occurred_at, EventRecord.data)
        .where(
            EventRecord.type == "cylinder.scanned",
            EventRecord.data["code"].as_string() == code,
        )
        .order_by(EventRecord.seq.desc())
        .limit(scans_statement(code)._limit)  # the same limit as the trace
    )


def register(engine: Engine, codes: int) -> None:
    """The registry the trace reads: a district, enterprises, sites, workers, cylinders."""
    geometry = json.dumps({"type": "Polygon", "coordinates": []})
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO districts (code, name_zh, name_en, population, area_km2,"
                " centroid_lat, centroid_lon, geometry) VALUES"
                " (:d, '江岸区', 'Jiang''an', 1000000, 80.0, 30.6, 114.3, :g)"
            ),
            {"d": DISTRICT, "g": geometry},
        )
        for e in ENTERPRISES:
            c.execute(
                text(
                    "INSERT INTO enterprises (id, name, kind, district, licence_no)"
                    " VALUES (:id, :name, 'bottled', :d, :lic)"
                ),
                {"id": e, "name": f"{e} 液化气公司", "d": DISTRICT, "lic": f"LIC-{e}"},
            )
        c.execute(
            text(
                "INSERT INTO sites (id, enterprise_id, kind, name, district, lat, lon)"
                " VALUES (:id, :e, 'supply_point', :name, :d, :lat, :lon)"
            ),
            [
                {
                    "id": f"S{i:03d}",
                    "e": ENTERPRISES[i % 2],
                    "name": f"供应站 {i}",
                    "d": DISTRICT,
                    "lat": 30.5 + i / 400,
                    "lon": 114.2 + i / 400,
                }
                for i in range(SITES)
            ],
        )
        c.execute(
            text(
                "INSERT INTO workers (id, enterprise_id, role, name, certificate_no,"
                " certificate_expires) VALUES (:id, :e, 'delivery', :name, :cert, :exp)"
            ),
            [
                {
                    "id": f"W{i:04d}",
                    "e": ENTERPRISES[i % 2],
                    "name": f"送气工 {i}",
                    "cert": f"C{i:06d}",
                    "exp": date(2028, 1, 1),
                }
                for i in range(WORKERS)
            ],
        )
        registered = [i for i in range(codes) if i % 50 != 7]  # 2 % black
        for start in range(0, len(registered), 50_000):
            c.execute(
                text(
                    "INSERT INTO cylinders (code, enterprise_id, capacity_kg, manufactured_on,"
                    " last_inspected_on, next_inspection_due, scrap_due)"
                    " VALUES (:code, :e, 15.0, :m, :li, :ni, :s)"
                ),
                [
                    {
                        "code": code_of(i),
                        "e": ENTERPRISES[i % 2],
                        "m": date(2018, 5, 1),
                        "li": date(2025, 5, 1),
                        "ni": date(2029, 5, 1),
                        "s": date(2034, 5, 1),
                    }
                    for i in registered[start : start + 50_000]
                ],
            )


def scan_rows(events: int, codes: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """`events` scans in time order; each a random code's next stage at a random site."""
    rng = random.Random(seed)
    stage_of = [0] * codes
    step = YEAR_S / events
    received = T0.isoformat(" ")
    for i in range(events):
        n = rng.randrange(codes)
        stage = STAGES[stage_of[n]]
        stage_of[n] = (stage_of[n] + 1) % len(STAGES)
        site = rng.randrange(SITES)
        data = {
            "code": code_of(n),
            "stage": stage,
            "site_id": f"S{site:03d}",
            "worker_id": f"W{rng.randrange(WORKERS):04d}",
            "lat": 30.5 + site / 400,
            "lon": 114.2 + site / 400,
        }
        when = T0 + timedelta(seconds=i * step)
        yield (
            "bench",
            f"scan-{i}",
            "cylinder.scanned",
            when.isoformat(" "),
            received,
            DISTRICT,
            json.dumps(data),
        )


def build(engine: Engine, events: int, codes: int, batch: int, seed: int) -> None:
    upgrade(engine)
    register(engine, codes)
    began = time.perf_counter()
    rows = scan_rows(events, codes, seed)
    done = 0
    while done < events:
        chunk = [next(rows) for _ in range(min(batch, events - done))]
        _insert(engine, chunk)
        done += len(chunk)
        took = time.perf_counter() - began
        print(f"  {done:>12,} scans  {took:7.0f} s  {done / took:9,.0f}/s", flush=True)
    with engine.begin() as c:
        c.exec_driver_sql("ANALYZE")
    print(f"built {events:,} scans of {codes:,} codes in {time.perf_counter() - began:.0f} s")


def _insert(engine: Engine, chunk: list[tuple[Any, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            marks = ", ".join("?" * len(COLUMNS))
            cursor.executemany(
                f"INSERT INTO event_log ({', '.join(COLUMNS)}) VALUES ({marks})", chunk
            )
        else:
            buffer = io.StringIO()
            for row in chunk:
                buffer.write("\t".join(_copy_field(v) for v in row) + "\n")
            with cursor.copy(f"COPY event_log ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()


def _copy_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _timed(engine: Engine, statement: Any) -> tuple[float, list[int]]:
    began = time.perf_counter()
    with engine.connect() as c:
        seqs = [row.seq for row in c.execute(statement)]
    return (time.perf_counter() - began) * 1000, seqs


def _summary(name: str, ms: list[float]) -> float:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    print(f"{name:44s} n={len(ms):4d}  median {median:9.1f} ms  p95 {p95:9.1f} ms")
    return median


def measure(engine: Engine, codes: int, samples: int, json_samples: int, seed: int) -> None:
    from data_access.queries.cylinder_trace import cylinder_trace

    with engine.connect() as c:
        events = c.scalar(text("SELECT count(*) FROM event_log"))
    print(
        f"{engine.dialect.name}: {events:,} events, {codes:,} codes; {platform.python_version()};"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    rng = random.Random(seed + 1)
    picked = [code_of(rng.randrange(codes)) for _ in range(samples + 1)]
    _timed(engine, scans_statement(picked[0]))  # warm-up
    trace_ms, json_ms, whole_ms = [], [], []
    lengths = []
    for n, code in enumerate(picked[1:]):
        took, by_subject = _timed(engine, scans_statement(code))
        trace_ms.append(took)
        lengths.append(len(by_subject))
        began = time.perf_counter()
        cylinder_trace(engine, CITYWIDE, code)
        whole_ms.append((time.perf_counter() - began) * 1000)
        if n < json_samples:
            took, by_json = _timed(engine, json_statement(code))
            json_ms.append(took)
            if sorted(by_json) != sorted(by_subject):
                raise SystemExit(f"{code}: the two queries disagree")
    print(f"scans per traced code: median {statistics.median(lengths):.0f}, max {max(lengths)}")
    subject = _summary("scan chain by the subject index (the trace)", trace_ms)
    whole = _summary("whole cylinder_trace() (the page's query)", whole_ms)
    by_json = _summary("scan chain by data->>'code' (today's)", json_ms)
    print(
        f"ratio subject index / JSON filter (medians): {subject / by_json:.5f}"
        f"  ({by_json / subject:,.0f} times faster)"
    )
    print(
        f"goal <= 100 ms for the whole trace: {'met' if whole <= 100 else 'MISSED'}"
        f" (load average {os.getloadavg()[0]:.1f} at the end)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--build", help="SQLite file to build (must not exist), then time")
    where.add_argument("--reuse", help="SQLite file built before: time only")
    where.add_argument("--postgres", help="a PostgreSQL server URL: build database cylbench")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--codes", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--json-samples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: keep database cylbench")
    parser.add_argument("--no-measure", action="store_true", help="build only")
    args = parser.parse_args()
    if args.postgres:
        server = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with server.connect() as c:
            c.exec_driver_sql("DROP DATABASE IF EXISTS cylbench")
            c.exec_driver_sql("CREATE DATABASE cylbench")
        engine = make_engine(
            make_url(args.postgres).set(database="cylbench").render_as_string(hide_password=False)
        )
        build(engine, args.events, args.codes, args.batch, args.seed)
    else:
        path = Path(args.build or args.reuse)
        if args.build and path.exists():
            raise SystemExit(f"{path} exists: --reuse it or remove it")
        engine = make_engine(f"sqlite:///{path}")
        if args.build:
            build(engine, args.events, args.codes, args.batch, args.seed)
    if not args.no_measure:
        measure(engine, args.codes, args.samples, args.json_samples, args.seed)
    if args.postgres and not (args.keep or args.no_measure):
        engine.dispose()
        with server.connect() as c:
            c.exec_driver_sql("DROP DATABASE cylbench")


if __name__ == "__main__":
    main()
