"""The simulated field app follows the duty desk, through a real gateway and its live channel.

The gateway (with /live) runs in-process on the seeded demo city, on SQLite and PostgreSQL; the
simulators run with no streams of their own and follow the desk. The test opens an incident and
dispatches a team the way the incident view does (`data_access.commands`), then watches the
command center's own tables: the team sets off, arrives, and comes back when the desk closes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select

from dashboard.citypack import load_city_pack
from dashboard.domain.dispatch import FREE
from dashboard.domain.incident_form import IncidentDraft
from dashboard.gateway.server import Gateway, config_from_settings, mount_live_hub
from dashboard.settings import Settings
from data_access import commands
from data_access.commands import Done
from data_access.models import IncidentDispatch, Team, TeamState
from simulators.anomalies import anomaly_rates
from simulators.core import CityOptions
from simulators.desk import DeskListener, database_lookup
from simulators.places import km
from simulators.run import RunOptions, create_tokens, revoke_tokens, run_city
from simulators.world import load_world
from tests.support import desk_user

PACK = load_city_pack("wuhan")
SECRET = "test-secret-key-0123456789"
SPEED = 300.0  # simulated seconds per real second: with compress_responses, a drive takes seconds
WAIT_S = 45.0  # how long the test waits for a step before it fails (never a threshold met)
DRAFT = IncidentDraft(
    kind="leak",
    severity=2,
    channel="hotline_96511",
    lat=30.55,
    lon=114.31,
    address="武昌区中山路 1 号",
    description="居民报告楼道内燃气味浓",
)


def nearest_free_team(engine: Engine) -> str:
    with engine.connect() as connection:
        states = dict(connection.execute(select(TeamState.team_id, TeamState.status)).all())
        teams = connection.execute(select(Team.id, Team.lat, Team.lon)).all()
    free = [t for t in teams if states.get(t.id, "available") in FREE]
    return min(free, key=lambda t: (km((t.lat, t.lon), (DRAFT.lat, DRAFT.lon)), t.id)).id


def dispatch_row(engine: Engine, incident_id: str, team_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            select(IncidentDispatch).where(
                IncidentDispatch.incident_id == incident_id, IncidentDispatch.team_id == team_id
            )
        ).first()


def team_state(engine: Engine, team_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(TeamState).where(TeamState.team_id == team_id)).first()


async def until(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = await asyncio.to_thread(check)
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never saw {what}")


async def test_a_team_the_desk_dispatches_drives_there_and_back_when_closed(
    city: Engine, tmp_path
) -> None:
    env = {"SECRET_KEY": SECRET, "GASCC_TILE_URL": "none"}
    settings = Settings.from_env(env, data_dir=tmp_path)
    gateway = Gateway(city, config_from_settings(settings))
    _hub, hub_tasks = mount_live_hub(gateway, settings)
    await gateway.start("127.0.0.1", 0)
    world = load_world(city, PACK)
    created: list[int] = []

    def tokens_for(sources: list[str]) -> dict[str, str]:
        tokens, ids, _ = create_tokens(city, sources, world)
        created.extend(ids)
        return tokens

    base = f"ws://127.0.0.1:{gateway.port}"
    desk = DeskListener(f"{base}/live", SECRET, lookup=database_lookup(city))
    options = CityOptions(
        seed=11,
        streams=frozenset(),
        anomalies=anomaly_rates(0.0),
        follow_desk=True,
        compress_responses=True,  # the drive at the test's speed, not in real minutes
    )
    stop = asyncio.Event()
    running = asyncio.create_task(
        run_city(
            world,
            options,
            RunOptions(url=f"{base}/ingest", speed=SPEED, report_every=None),
            tokens_for,
            stop=stop,
            desk=desk,
        )
    )
    try:
        await asyncio.wait_for(desk.connected.wait(), WAIT_S)
        # The desk's actions off the event loop, which the gateway shares with the test.
        duty = desk_user()
        outcome = await asyncio.to_thread(commands.report_incident, city, duty, DRAFT)
        assert isinstance(outcome, Done), outcome
        incident_id = outcome.subject
        team = await asyncio.to_thread(nearest_free_team, city)
        dispatch = commands.dispatch_teams
        outcome = await asyncio.to_thread(dispatch, city, duty, incident_id, [team], 5)
        assert isinstance(outcome, Done), outcome

        row = await until(
            lambda: (r := dispatch_row(city, incident_id, team)) and r.on_scene_at and r,
            "the team on scene",
        )
        assert row.en_route_at is not None and row.en_route_at <= row.on_scene_at
        state = team_state(city, team)
        assert state.incident_id == incident_id
        assert state.status in ("on_scene", "returning")  # it leaves once resolved

        close = commands.close_incident
        outcome = await asyncio.to_thread(close, city, duty, incident_id, "处置完毕")
        assert isinstance(outcome, Done), outcome
        home = await until(
            lambda: (s := team_state(city, team)) and s.status == "available" and s,
            "the team back at base",
        )
        base_of = next((t.lat, t.lon) for t in world.teams if t.id == team)
        assert km((home.lat, home.lon), base_of) < 0.01
        assert home.incident_id is None
    finally:
        stop.set()
        report = await running
        await gateway.stop()
        for task in hub_tasks:
            task.cancel()
        revoke_tokens(city, created)
    assert report.ok, report.summary()
    assert desk.failures == 0
