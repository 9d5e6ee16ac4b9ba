"""Benchmark: seeding a city registry into a fresh SQLite file.

    python bench/seed.py                      # wuhan (4.93 M customers, 2.01 M cylinders)
    python bench/seed.py --scale city --scale wuhan

For each scale it runs ``python -m simulators seed --scale S`` as a child process into a new
SQLite file in a temporary directory and measures wall time, rows written per second, the
database size and the child's peak RSS. As the same-run baseline it then times a raw sqlite3
``executemany`` of as many customer-shaped tuples (8 columns, text primary key, batches of
20,000, one commit each, WAL and synchronous=NORMAL like the app) into a fresh table, and prints
the ratio seed rows/s ÷ raw rows/s: what generation, SQLAlchemy Core, the indexes and the
area counts cost against the bare driver.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH = 20_000
TABLES = (
    "districts",
    "grid_cells",
    "enterprises",
    "sites",
    "workers",
    "customers",
    "cylinders",
    "pipeline_segments",
    "sensors",
    "teams",
    "resources",
    "area_counts",
)


@dataclass
class Result:
    scale: str
    rows: int
    seconds: float
    rows_per_s: float
    db_mb: float
    peak_rss_mb: float
    raw_rows_per_s: float
    ratio: float


def run_seed(scale: str, directory: Path, seed: int) -> tuple[float, float]:
    """(wall seconds, child's peak RSS in MB) of one seed run."""
    command = [sys.executable, "-m", "simulators", "seed", "--scale", scale]
    command += ["--seed", str(seed), "--data-dir", str(directory), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)  # always the data directory's SQLite file
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env)
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix several runs).
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"seed --scale {scale} failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports kilobytes


def count_rows(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return sum(connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES)


def db_size_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def raw_executemany(path: Path, rows: int) -> float:
    """Rows/s of bare sqlite3 executemany of customer-shaped tuples (tuple building untimed)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE customers (id VARCHAR(64) PRIMARY KEY, kind VARCHAR(16), "
        "district VARCHAR(12), grid_cell VARCHAR(24), real_name_verified BOOLEAN, "
        "lat FLOAT, lon FLOAT, enterprise_id VARCHAR(64))"
    )
    timed = 0.0
    for start in range(0, rows, BATCH):
        batch = [
            (
                f"C-{i:08d}",
                "household",
                "420102",
                f"420102-{i % 97:03d}",
                i % 13 != 0,
                30.5 + (i % 1000) * 1e-4,
                114.3 + (i % 997) * 1e-4,
                f"ENT-{i % 72:04d}",
            )
            for i in range(start, min(start + BATCH, rows))
        ]
        began = time.perf_counter()
        connection.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        connection.commit()
        timed += time.perf_counter() - began
    connection.close()
    return rows / timed


def bench(scale: str, seed: int) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"seed-{scale}-") as tmp:
        directory = Path(tmp)
        seconds, rss = run_seed(scale, directory, seed)
        database = directory / "gascc.sqlite3"
        rows = count_rows(database)
        size = db_size_mb(database)
        raw = raw_executemany(directory / "raw.sqlite3", rows)
    rate = rows / seconds
    return Result(scale, rows, seconds, rate, size, rss, raw, rate / raw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", action="append", choices=("demo", "city", "wuhan"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    results = [bench(scale, args.seed) for scale in args.scale or ["wuhan"]]
    print(
        f"{'scale':<6} {'rows':>10} {'wall s':>7} {'rows/s':>9} {'DB MB':>7} "
        f"{'peak RSS MB':>11} {'raw rows/s':>10} {'ratio':>6}"
    )
    for r in results:
        print(
            f"{r.scale:<6} {r.rows:>10,} {r.seconds:>7.1f} {r.rows_per_s:>9,.0f} {r.db_mb:>7.0f} "
            f"{r.peak_rss_mb:>11.0f} {r.raw_rows_per_s:>10,.0f} {r.ratio:>6.2f}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
