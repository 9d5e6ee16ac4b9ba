"""The live path end to end: /ingest → event log → hub → /live, alone and across gateways.

Gateways run in-process on the test's event loop over a copy of the seeded demo city. The Redis
tests start their own redis-server on a free port, so they can stop and restart it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest
import redis
import redis.asyncio
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from dashboard.domain.events import ADMIN_EVENT_TYPES
from dashboard.domain.roles import Role, User, system_user
from dashboard.gateway.server import Gateway, config_from_settings, mount_live_hub
from dashboard.live_token import issue_live_token
from dashboard.settings import Settings
from data_access import commands
from data_access.commands.admin import ApiTokenIssued, create_api_token, revoke_api_token
from data_access.db import make_engine
from data_access.eventlog import last_seq
from data_access.models import EventRecord
from data_access.notify import CHANNEL
from tests.support import IN_JIANGAN, IN_WUCHANG, ROOT, free_port, incident, issue_token

DUTY = User(1, "duty", Role.DUTY_OFFICER, "值班员")
JIANGAN = User(4, "jiangan", Role.DISTRICT_OFFICER, "周强", district="420102")
ADMIN = User(7, "admin", Role.ADMIN, "系统管理员")


class RunningGateway:
    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings.database_url)
        self.gateway = Gateway(self.engine, config_from_settings(settings))
        self.hub, self.tasks = mount_live_hub(self.gateway, settings)

    async def __aenter__(self) -> RunningGateway:
        await self.gateway.start("127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.gateway.port}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for task in self.tasks:
            task.cancel()
        await self.gateway.stop(timeout_s=5)
        self.engine.dispose()


def account(settings: Settings, user: User) -> User:
    """`user` as an account of the database (created if missing): the live hub admits only a
    token whose user is active with the role and scope it names."""
    from dashboard.auth import hash_password
    from data_access.users import find_login

    engine = make_engine(settings.database_url)
    try:
        if find_login(engine, user.username) is None:
            created = commands.create_user(
                engine,
                system_user("tests"),
                user.username,
                hash_password("live-screen-test"),
                user.role,
                display_name=user.display_name,
                district=user.district,
                enterprise_id=user.enterprise_id,
            )
            assert isinstance(created, commands.Done), created
        found = find_login(engine, user.username)
    finally:
        engine.dispose()
    assert found is not None and found[0].scope == user.scope, found
    return found[0]


async def live_screen(url: str, settings: Settings, user: User, after: int = 0) -> ClientConnection:
    token = issue_live_token(settings.secret_key, account(settings, user))
    ws = await connect(f"{url}/live")
    await ws.send(json.dumps({"op": "hello", "token": token, "after": after}))
    assert json.loads(await ws.recv())["op"] == "welcome"
    return ws


async def ingest(url: str, token: str, events: list[dict]) -> dict:
    async with connect(f"{url}/ingest") as ws:
        await ws.send(json.dumps({"op": "hello", "token": token, "client": "t", "protocol": 1}))
        await ws.recv()
        await ws.send(json.dumps({"op": "events", "ref": "r", "events": events}))
        return json.loads(await ws.recv())


async def next_events(ws: ClientConnection, timeout: float = 5) -> list[dict]:
    """The next batch of events (pings skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if message["op"] == "events":
            return message["events"]


@pytest.fixture
def token(demo_settings) -> str:
    engine = make_engine(demo_settings.database_url)
    _, secret = issue_token(engine, "hotline", ["incident.reported"])
    engine.dispose()
    return secret


@pytest.fixture
async def gateway(demo_settings) -> AsyncIterator[RunningGateway]:
    async with RunningGateway(demo_settings) as running:
        yield running


async def test_an_ingested_event_reaches_an_open_screen(gateway, demo_settings, token) -> None:
    screen = await live_screen(gateway.url, demo_settings, DUTY)
    ack = await ingest(gateway.url, token, [incident("I-1", *IN_WUCHANG)])
    assert ack["accepted"] == ["I-1"]
    (event,) = await next_events(screen)
    assert (event["id"], event["type"], event["district"]) == ("I-1", "incident.reported", "420106")
    await screen.close()


async def test_an_event_belongs_to_the_district_that_contains_it(
    gateway, demo_settings, token
) -> None:
    screen = await live_screen(gateway.url, demo_settings, DUTY)
    await ingest(gateway.url, token, [incident("I-2", *IN_JIANGAN)])
    (event,) = await next_events(screen)
    assert event["district"] == "420102"
    await screen.close()


async def test_a_district_officer_never_receives_another_districts_events(
    gateway, demo_settings, token
) -> None:
    screen = await live_screen(gateway.url, demo_settings, JIANGAN)
    await ingest(gateway.url, token, [incident("W-1", *IN_WUCHANG), incident("J-1", *IN_JIANGAN)])
    events = await next_events(screen)
    assert [e["id"] for e in events] == ["J-1"]
    await screen.close()


async def test_a_screen_that_reconnects_gets_what_it_missed(gateway, demo_settings, token) -> None:
    screen = await live_screen(gateway.url, demo_settings, DUTY)
    await ingest(gateway.url, token, [incident("R-1", *IN_WUCHANG)])
    (first,) = await next_events(screen)
    await screen.close()
    await ingest(gateway.url, token, [incident("R-2", *IN_WUCHANG), incident("R-3", *IN_WUCHANG)])
    again = await live_screen(gateway.url, demo_settings, DUTY, after=first["seq"])
    assert [e["id"] for e in await next_events(again)] == ["R-2", "R-3"]
    await again.close()


async def test_the_live_channel_never_carries_administration_events(
    gateway, demo_settings, token
) -> None:
    """They hold password and token hashes: the log keeps them, no screen ever gets them."""
    engine, operator = gateway.engine, system_user("tests")
    before = last_seq(engine)
    screen = await live_screen(gateway.url, demo_settings, ADMIN)

    def administer() -> None:
        created = commands.create_user(engine, operator, "newcomer", "hash", Role.LEADER)
        assert isinstance(created, commands.Done), created
        api_token = create_api_token(engine, operator, owner="newcomer")
        assert isinstance(api_token, ApiTokenIssued), api_token
        assert isinstance(revoke_api_token(engine, operator, api_token.token_id), commands.Done)
        reset = commands.reset_password(engine, operator, "newcomer", "another-hash")
        assert isinstance(reset, commands.Done), reset
        assert isinstance(commands.deactivate_user(engine, operator, "newcomer"), commands.Done)
        token_id, _ = issue_token(engine, "another", ["team.position"])
        assert isinstance(commands.revoke_token(engine, operator, token_id), commands.Done)
        weight = commands.set_scoring_value(engine, operator, "district.weights.hazard_closure", 11)
        assert isinstance(weight, commands.Done), weight

    await asyncio.to_thread(administer)
    await ingest(gateway.url, token, [incident("A-1", *IN_WUCHANG)])
    assert [e["id"] for e in await next_events(screen)] == ["A-1"]
    await screen.close()
    # nor does a screen catching up from the log
    again = await live_screen(gateway.url, demo_settings, ADMIN, after=before)
    assert [e["id"] for e in await next_events(again)] == ["A-1"]
    await again.close()
    with engine.connect() as connection:
        logged = connection.scalars(select(EventRecord.type).where(EventRecord.seq > before))
        unused = {"user.changed", "session.started", "session.ended"}
        assert set(logged) == {*ADMIN_EVENT_TYPES.keys() - unused, "incident.reported"}


# --- several gateways and Redis ---------------------------------------------------------------


def answering(port: int, timeout: float = 10) -> None:
    """Wait until a Redis server answers on `port`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if redis.Redis(port=port).ping():
                return
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)


async def hubs_listening(redis_url: str, count: int, timeout: float = 10) -> None:
    """Wait until `count` live hubs are subscribed to the log's Redis channel."""
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        async with asyncio.timeout(timeout):
            while (await client.pubsub_numsub(CHANNEL))[0][1] < count:
                await asyncio.sleep(0.02)
    finally:
        await client.aclose()


@pytest.fixture
def redis_server() -> Iterator[dict]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = {"port": free_port(), "process": None}

    def start() -> None:
        server["process"] = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(server["port"]),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        answering(server["port"])

    def stop() -> None:
        server["process"].kill()
        server["process"].wait(10)

    server.update(start=start, stop=stop, url=f"redis://127.0.0.1:{server['port']}/0")
    start()
    yield server
    stop()


@pytest.fixture
def no_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hubs that never poll the log: whatever reaches their screens came through Redis."""
    monkeypatch.setattr("dashboard.gateway.server.POLL_WITH_REDIS_S", 3600.0)


async def test_a_second_gateway_wakes_its_screens_through_redis(
    demo_settings, token, redis_server, no_poll
) -> None:
    settings = replace(demo_settings, redis_url=redis_server["url"])
    async with RunningGateway(settings) as ingesting, RunningGateway(settings) as serving:
        await hubs_listening(settings.redis_url, 2)
        screen = await live_screen(serving.url, settings, DUTY)
        await ingest(ingesting.url, token, [incident("X-1", *IN_WUCHANG)])
        (event,) = await next_events(screen, timeout=20)
        assert event["id"] == "X-1"
        await screen.close()


async def test_screens_catch_up_after_a_redis_restart(
    demo_settings, token, redis_server, no_poll
) -> None:
    settings = replace(demo_settings, redis_url=redis_server["url"])
    async with RunningGateway(settings) as ingesting, RunningGateway(settings) as serving:
        screen = await live_screen(serving.url, settings, DUTY)
        redis_server["stop"]()
        await ingest(ingesting.url, token, [incident("D-1", *IN_WUCHANG)])
        redis_server["start"]()
        await ingest(ingesting.url, token, [incident("D-2", *IN_WUCHANG)])
        seen: list[str] = []
        while len(seen) < 2:
            seen += [e["id"] for e in await next_events(screen, timeout=15)]
        assert seen == ["D-1", "D-2"]  # nothing lost, nothing twice, in order
        await screen.close()


async def test_the_client_in_the_protocol_document_works_as_written(gateway, demo_settings):
    """An outside developer's first try: the guide's example, changed only in its address."""
    guide = (ROOT / "docs" / "ingest-protocol.md").read_text()
    example = guide.split("```python\n", 1)[1].split("```", 1)[0]
    example = example.replace("ws://127.0.0.1:8765", gateway.url)
    engine = make_engine(demo_settings.database_url)
    _, secret = issue_token(engine, "example", ["sensor.reading"])
    engine.dispose()
    outputs = []
    for _ in range(2):  # the guide says: the second run lists the event as a duplicate
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            example,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(child.communicate(f"{secret}\n".encode()), 30)
        assert child.returncode == 0, out.decode()
        outputs.append(out.decode())
    assert "'accepted': ['example-1']" in outputs[0]
    assert "'duplicate': ['example-1']" in outputs[1]
