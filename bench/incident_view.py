"""Benchmark: the incident desk at Wuhan scale (4.93 M customers, 2.01 M cylinders).

    python bench/incident_view.py                                # seeds Wuhan (~1 minute) first
    python bench/incident_view.py --data-dir /tmp/wuhan-desk     # seed once, reuse later
    python bench/incident_view.py --scale city --incidents 10    # a quick check

It opens --incidents incidents at random customers' doors through the desk's own command
(`data_access.commands.report_incident`) and times, per incident, what the server does for the
incident view: the surroundings (customers at the address with their last safety check, pipelines,
sensors, digs within 1 km, depots, experts: what the view loads once) and one live refresh (the
incident, its teams and timeline, and every team in the city ranked by arrival). Then a dispatch
of the best free team, through the single write path.

Baselines measured in the same run: "customers at the address" without the `ix_customers_lat`
index (dropped, timed, re-created: what the view would cost without it), and a plain desk update
(`incident.update`, one event and no team state) against the dispatch. Ratios < 1 are better.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from dashboard.domain.dispatch import rank_teams  # noqa: E402
from dashboard.domain.incident_form import IncidentDraft  # noqa: E402
from dashboard.domain.roles import CITYWIDE, Role, User  # noqa: E402
from data_access import commands  # noqa: E402
from data_access.db import make_engine  # noqa: E402
from data_access.migrate import upgrade  # noqa: E402
from data_access.queries import incident_view as view  # noqa: E402

BENCH_DESK = User(0, "bench", Role.DUTY_OFFICER, "bench")  # the duty officer acting

SEEDED_MARK = "incident_view_seeded.json"


def prepare(data_dir: Path, scale: str) -> None:
    if (data_dir / SEEDED_MARK).exists():
        print(f"reusing {data_dir}", flush=True)
        return
    started = time.perf_counter()
    command = [sys.executable, "-m", "simulators", "seed", "--scale", scale]
    command += ["--data-dir", str(data_dir), "--no-progress"]
    env = {**os.environ, "SECRET_KEY": "bench-only-secret-0000"}
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    print(f"seeded {scale} in {time.perf_counter() - started:.0f} s", flush=True)
    (data_dir / SEEDED_MARK).write_text(json.dumps({"scale": scale}))


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2)}


def open_incidents(engine, count: int, seed: int) -> list[tuple[str, float, float]]:
    with engine.connect() as connection:
        total = connection.scalar(text("SELECT count(*) FROM customers"))
        rng = random.Random(seed)
        places = [
            connection.execute(
                text("SELECT lat, lon FROM customers LIMIT 1 OFFSET :n"),
                {"n": rng.randrange(total)},
            ).one()
            for _ in range(count)
        ]
    opened = []
    for index, (lat, lon) in enumerate(places):
        draft = IncidentDraft("leak", 3, "hotline_96511", lat, lon, f"门牌 {index}", "燃气味浓")
        reported = commands.report_incident(engine, BENCH_DESK, draft)
        assert isinstance(reported, commands.Done), reported
        opened.append((reported.subject, lat, lon))
    return opened


def refresh(engine, incident_id: str, lat: float, lon: float) -> None:
    """What one live refresh of the incident view reads and computes."""
    row = view.incident(engine, incident_id, CITYWIDE)
    view.dispatched_teams(engine, incident_id)
    view.timeline(engine, incident_id)
    teams = view.team_positions(engine, CITYWIDE)
    rank_teams(teams, (lat, lon), row.kind, datetime.now(UTC).hour)


def desk_update(engine, incident_id: str) -> None:
    commands.post_incident_update(engine, BENCH_DESK, incident_id, "现场确认")


def dispatch_best(engine, incident_id: str, lat: float, lon: float) -> None:
    """Rank every team and send the best free one: what the officer's two clicks cost."""
    teams = view.team_positions(engine, CITYWIDE)
    best = rank_teams(teams, (lat, lon), "leak", datetime.now(UTC).hour)[0]
    commands.dispatch_teams(engine, BENCH_DESK, incident_id, [best.team.id], best.eta_min)


def measure(engine, incidents: list[tuple[str, float, float]]) -> dict[str, dict[str, float]]:
    today = datetime.now(UTC).date()
    around = [
        timed(lambda i=i: view.surroundings(engine, i[1], i[2], CITYWIDE, today)) for i in incidents
    ]
    at_door = [
        timed(lambda i=i: view.customers_at(engine, i[1], i[2], CITYWIDE)) for i in incidents
    ]
    refreshes = [timed(lambda i=i: refresh(engine, *i)) for i in incidents]
    updates = [timed(lambda i=i: desk_update(engine, i[0])) for i in incidents]
    dispatches = [timed(lambda i=i: dispatch_best(engine, *i)) for i in incidents]
    return {
        "surroundings": summary(around),
        "customers_at": summary(at_door),
        "refresh": summary(refreshes),
        "update": summary(updates),
        "dispatch": summary(dispatches),
    }


def without_index(engine, incidents: list[tuple[str, float, float]]) -> dict[str, float]:
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_customers_lat"))
    try:
        return summary(
            [timed(lambda i=i: view.customers_at(engine, i[1], i[2], CITYWIDE)) for i in incidents]
        )
    finally:
        with engine.begin() as connection:
            connection.execute(text("CREATE INDEX ix_customers_lat ON customers (lat)"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="wuhan", choices=("demo", "city", "wuhan"))
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/gascc-bench-incident-view"))
    parser.add_argument("--incidents", type=int, default=20)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    prepare(args.data_dir, args.scale)
    engine = make_engine(f"sqlite:///{args.data_dir / 'gascc.sqlite3'}")
    upgrade(engine)
    incidents = open_incidents(engine, args.incidents, args.seed)
    results = measure(engine, incidents)
    results["customers_at_unindexed"] = without_index(engine, incidents)
    ratios = {
        "customers_at / unindexed": results["customers_at"]["median_ms"]
        / results["customers_at_unindexed"]["median_ms"],
        "dispatch / update": results["dispatch"]["median_ms"] / results["update"]["median_ms"],
    }
    print(f"\n{args.scale}: {len(incidents)} incidents at random customers' doors")
    for name, figures in results.items():
        median, p95 = figures["median_ms"], figures["p95_ms"]
        print(f"  {name:<24} median {median:>9.2f} ms   p95 {p95:>9.2f} ms")
    for name, ratio in ratios.items():
        print(f"  ratio {name:<26} {ratio:.3f}")
    if args.json:
        args.json.write_text(
            json.dumps({"scale": args.scale, **results, "ratios": ratios}, indent=2)
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
