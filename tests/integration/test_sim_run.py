"""The simulators against a real gateway on a copy of the seeded demo city.

Each test starts the gateway (`dashboard.gateway.server.Gateway`) on a free port, reads the
registry like `python -m simulators run` does, creates a token per source through
`data_access.tokens` and runs the city for a short simulated period at a high speed. Without
anomalies, every source's events must all be accepted and logged; with them, the rejections and
duplicates must be exactly the ones the anomalies (and the resends they cause) account for.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from dashboard.citypack import load_city_pack
from dashboard.gateway.ingest import IngestConfig
from dashboard.gateway.server import Gateway, city_bounds
from data_access.db import make_engine
from data_access.models import Complaint, EventRecord, Finding, Hazard, Incident, IngestToken
from simulators.anomalies import anomaly_rates
from simulators.core import FIELD_APP, FIRE_119, HOTLINE, SENSOR_NET, CityOptions
from simulators.run import RunOptions, RunReport, create_tokens, revoke_tokens, run_city
from simulators.world import load_world
from tests.support import ROOT

PACK = load_city_pack("wuhan")
WUHAN_TZ = ZoneInfo("Asia/Shanghai")
SCENARIOS = (("restaurant_explosion", 60.0), ("pipeline_strike", 120.0))
VOLUME = {"cylinders": 20.0, "sensors": 0.05}  # many chains, few readings: small, varied runs
# The simulated clock of the live runs starts at 10:00 in Wuhan (a busy morning), whatever the
# time now: in the live mode occurred_at is real time anyway.
MORNING = datetime.now(WUHAN_TZ).replace(hour=10, minute=0, second=0, microsecond=0).timestamp()


@pytest.fixture
def db(demo_settings) -> Iterator[Engine]:
    engine = make_engine(demo_settings.database_url)
    yield engine
    engine.dispose()


async def simulate(engine: Engine, city: CityOptions, **run: Any) -> RunReport:
    gateway = Gateway(engine, IngestConfig(bounds=city_bounds("wuhan")))
    await gateway.start("127.0.0.1", 0)
    world = load_world(engine, PACK)
    created: list[int] = []

    def tokens_for(sources: list[str]) -> dict[str, str]:
        tokens, ids, _ = create_tokens(engine, sources, world)
        created.extend(ids)
        return tokens

    options = RunOptions(url=f"ws://127.0.0.1:{gateway.port}/ingest", report_every=None, **run)
    try:
        return await run_city(world, city, options, tokens_for)
    finally:
        await gateway.stop()
        revoke_tokens(engine, created)


def logged(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        query = select(EventRecord.source, func.count()).group_by(EventRecord.source)
        return dict(connection.execute(query).all())


def logged_types(engine: Engine, source: str | None = None) -> set[str]:
    query = select(EventRecord.type).distinct()
    if source is not None:
        query = query.where(EventRecord.source == source)
    with engine.connect() as connection:
        return set(connection.scalars(query))


async def test_every_event_of_every_source_is_accepted_and_logged(db: Engine) -> None:
    city = CityOptions(
        seed=5,
        anomalies=anomaly_rates(0.0),
        volume=VOLUME,
        scenarios=SCENARIOS,
        compress_responses=True,  # teams there and back within the run's 6 real seconds
    )
    report = await simulate(db, city, speed=1200.0, sim_start=MORNING, sim_duration=2 * 3600.0)
    assert report.ok, report.summary()
    rows = logged(db)
    enterprises = [s for s in report.stats if s.startswith("ENT-")]
    assert len(enterprises) >= 10
    for source in [*enterprises, FIRE_119, HOTLINE, FIELD_APP, SENSOR_NET]:
        stats = report.stats[source]
        assert stats.sent == stats.accepted, (source, report.summary())
        assert stats.duplicate == stats.rejected == stats.pending == 0
        assert rows.get(source, 0) == stats.accepted
    assert sum(report.stats[s].sent for s in enterprises) > 200
    assert {"cylinder.scanned", "delivery.safety_checked"} <= logged_types(db, enterprises[0]) | (
        logged_types(db, "ENT-0020")
    )
    assert {
        "team.position",
        "team.status",
        "incident.update",
        "excavation.registered",
    } <= logged_types(db, FIELD_APP)
    assert "alarm.raised" in logged_types(db, "system")  # the scenarios' sensor excursions
    with db.connect() as connection:
        bindings = dict(
            connection.execute(select(IngestToken.source, IngestToken.enterprise_id)).all()
        )
        kinds = dict(connection.execute(select(Incident.kind, Incident.on_scene_at)).all())
    assert all(bindings[s] == s for s in enterprises)  # each enterprise's token is bound to it
    assert bindings[FIELD_APP] is None
    assert kinds["explosion"] is not None and kinds["pipeline_damage"] is not None


async def test_rejections_and_duplicates_are_exactly_the_anomalies(db: Engine) -> None:
    rates = anomaly_rates(0.02, {"disconnect": 0.002})
    city = CityOptions(seed=6, anomalies=rates, volume=VOLUME, scenarios=SCENARIOS)
    report = await simulate(db, city, speed=1200.0, sim_start=MORNING, sim_duration=2 * 3600.0)
    total = report.totals
    sent = report.anomalies
    assert report.ok, report.summary()  # nothing unexpected, nothing left unanswered
    assert sent["unregistered_worker"] > 0 and sent["duplicate"] > 0 and sent["disconnect"] > 0
    assert total.rejected == total.expected_rejected == sent["unregistered_worker"]
    assert set(total.rejected_by_code) == {"unknown_reference"}
    assert total.anomaly_duplicates == sent["duplicate"]
    assert total.duplicate == total.anomaly_duplicates + total.resend_duplicates
    assert total.disconnects == sent["disconnect"]
    assert total.sent == total.accepted + total.duplicate + total.rejected
    rows = logged(db)
    for source, stats in report.stats.items():
        # Exactly once: a resent event the gateway had committed (its ack lost with the
        # connection) is in the log once and came back as a duplicate.
        unique = stats.sent - stats.anomaly_duplicates - stats.rejected
        assert rows.get(source, 0) == unique == stats.accepted + stats.resend_duplicates
    with db.connect() as connection:
        query = select(Finding.kind, func.count()).group_by(Finding.kind)
        findings = dict(connection.execute(query).all())
    if sent["black_cylinder"]:
        assert findings.get("black_cylinder", 0) >= 1


async def test_every_event_is_accepted_on_postgresql_too(city: Engine) -> None:
    if city.dialect.name == "sqlite":
        pytest.skip("SQLite: the demo copy above")
    rates = anomaly_rates(0.02, {"disconnect": 0.002})
    options = CityOptions(seed=7, anomalies=rates, volume=VOLUME, scenarios=SCENARIOS)
    report = await simulate(city, options, speed=1200.0, sim_start=MORNING, sim_duration=3600.0)
    assert report.ok, report.summary()
    total = report.totals
    assert total.rejected == total.expected_rejected == report.anomalies["unregistered_worker"]
    rows = logged(city)
    for source, stats in report.stats.items():
        assert rows.get(source, 0) == stats.accepted + stats.resend_duplicates


async def test_a_second_run_continues_the_chain_where_the_first_left_it(db: Engine) -> None:
    city = CityOptions(
        seed=9,
        anomalies=anomaly_rates(0.0),
        streams=frozenset({"cylinders", "emergency"}),
        volume={"cylinders": 40.0},
        scenarios=(("restaurant_explosion", 60.0),),
    )
    for tag in ("first", "again"):  # the second starts from the cylinder and team states of the
        # first; its own run tag, or the same seed and start would replay the first's ids
        run = replace(city, run_tag=tag)
        report = await simulate(db, run, speed=1200.0, sim_start=MORNING, sim_duration=3600.0)
        assert report.ok, report.summary()
    with db.connect() as connection:
        kinds = set(connection.scalars(select(Finding.kind).distinct()))
        resumed = connection.scalar(
            select(func.count())
            .select_from(EventRecord)
            .where(EventRecord.type == "cylinder.scanned")
        )
    assert resumed > 500
    assert not kinds & {"stage_out_of_order", "delivery_without_sale", "black_cylinder"}


def _last_monday(days_back: int) -> float:
    """Local midnight (Wuhan) of the last Monday at least `days_back` days ago."""
    day = (datetime.now(WUHAN_TZ) - timedelta(days=days_back)).date()
    day -= timedelta(days=day.weekday())
    return datetime(day.year, day.month, day.day, tzinfo=WUHAN_TZ).timestamp()


async def test_a_backfilled_week_closes_the_hazard_and_complaint_loops(db: Engine) -> None:
    streams = frozenset({"cylinders", "inspections", "emergency", "complaints", "violations"})
    city = CityOptions(seed=8, anomalies=anomaly_rates(0.0), streams=streams)
    start = _last_monday(days_back=12)
    report = await simulate(
        db, city, speed=None, clock="sim", sim_start=start, sim_duration=7 * 86_400.0
    )
    assert report.ok, report.summary()
    assert report.clock.mode == "sim"
    with db.connect() as connection:
        first, last = connection.execute(
            select(func.min(EventRecord.occurred_at), func.max(EventRecord.occurred_at)).where(
                EventRecord.source == HOTLINE
            )
        ).one()
        query = select(Hazard.status, func.count()).group_by(Hazard.status)
        hazards = dict(connection.execute(query).all())
        closed = connection.scalars(
            select(Complaint.satisfaction).where(Complaint.status == "closed")
        ).all()
    assert first.timestamp() >= start and last.timestamp() <= start + 7 * 86_400 + 1
    assert hazards and sum(hazards.values()) >= 1
    assert "hazard.updated" in logged_types(db, FIELD_APP)
    assert closed and all(1 <= s <= 5 for s in closed)


# --- the command line -------------------------------------------------------------------------


class ThreadGateway:
    """The gateway in its own event loop on a daemon thread (the simulator is another process)."""

    def __init__(self, engine: Engine) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.gateway = Gateway(engine, IngestConfig(bounds=city_bounds("wuhan")))
        self.call(self.gateway.start("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self.gateway.port}/ingest"

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(60)

    def close(self) -> None:
        try:
            self.call(self.gateway.stop(timeout_s=10))
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


def test_the_run_command_creates_tokens_sends_and_reports(db: Engine, demo_settings) -> None:
    gateway = ThreadGateway(db)
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GASCC_DATA_DIR")}
        command = [
            sys.executable,
            "-m",
            "simulators",
            "run",
            "--url",
            gateway.url,
            "--data-dir",
            str(demo_settings.data_dir),
            "--seed",
            "3",
            "--speed",
            "600",
            "--sim-duration",
            "20m",
            "--streams",
            "cylinders,sensors",
            "--volume",
            "cylinders=20,sensors=0.05",
            "--anomaly-rate",
            "0",
            "--report-every",
            "0",
        ]
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
    finally:
        gateway.close()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: every event got the answer it expected" in done.stdout
    assert "sensor-net" in done.stdout and "ENT-0020" in done.stdout
    with db.connect() as connection:
        tokens = connection.execute(select(IngestToken.source, IngestToken.revoked_at)).all()
    assert tokens and all(revoked is not None for _, revoked in tokens)  # revoked afterwards
    assert logged(db).get(SENSOR_NET, 0) > 0
