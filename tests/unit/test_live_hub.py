"""The live hub's fan-out: scoped, gap-free across reconnects, bounded for slow clients.

The event source here is an in-memory list standing in for the log's `events_since`; the
integration tests run the hub on the real event log.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from dashboard.domain.roles import Role, Scope, User
from dashboard.gateway.live import CATCH_UP_LIMIT, QUEUE_MESSAGES, LiveClient, LiveHub
from dashboard.live_token import LiveGrant, issue_live_token

KEY = "live-hub-test-secret-key-0001"
DUTY = User(1, "duty", Role.DUTY_OFFICER, "值班员")
JIANGAN = User(2, "jiangan", Role.DISTRICT_OFFICER, "周强", district="420102")


class FakeLog:
    def __init__(self) -> None:
        self.events: list[dict] = []

    def add(self, n: int, district: str = "420102") -> None:
        start = len(self.events)
        for seq in range(start + 1, start + n + 1):
            self.events.append(
                {
                    "seq": seq,
                    "type": "alarm.raised",
                    "district": district,
                    "occurred_at": "2026-11-23T10:00:00Z",
                    "data": {},
                }
            )

    def read(self, after: int, limit: int) -> list[dict]:
        return [e for e in self.events if e["seq"] > after][:limit]


@pytest.fixture
async def hub_url() -> AsyncIterator[tuple[LiveHub, FakeLog, str]]:
    log = FakeLog()
    log.add(5)
    hub = LiveHub(log.read, KEY, newest_seq=5)
    runner = asyncio.create_task(hub.run(poll_s=0.05))
    async with serve(hub.handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield hub, log, f"ws://127.0.0.1:{port}/live"
    runner.cancel()


async def receive_until(ws, last_seq: int) -> list[int]:
    seen: list[int] = []
    while not seen or seen[-1] < last_seq:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["op"] == "events":
            seen += [e["seq"] for e in message["events"]]
    return seen


async def caught_up(hub: LiveHub, seq: int) -> None:
    """Wait until the hub has read the log up to `seq`."""
    async with asyncio.timeout(5):
        while hub.newest < seq:
            await asyncio.sleep(0.01)


async def test_a_bad_token_is_refused_with_1008(hub_url) -> None:
    _, _, url = hub_url
    async with connect(url) as ws:
        await ws.send(json.dumps({"op": "hello", "token": "forged", "after": 0}))
        assert json.loads(await ws.recv())["code"] == "unauthorized"
        await ws.wait_closed()
        assert ws.close_code == 1008


async def test_new_events_reach_a_connected_screen(hub_url) -> None:
    hub, log, url = hub_url
    async with connect(url) as ws:
        await ws.send(json.dumps({"op": "hello", "token": issue_live_token(KEY, DUTY)}))
        assert json.loads(await ws.recv()) == {"op": "welcome", "seq": 5}
        log.add(3)
        hub.notify()
        assert await receive_until(ws, 8) == [6, 7, 8]


async def test_a_reconnecting_screen_resumes_without_gaps_or_repeats(hub_url) -> None:
    hub, log, url = hub_url
    log.add(10)  # seqs 6..15 happened while the screen was away
    hub.notify()
    await caught_up(hub, 15)
    async with connect(url) as ws:
        await ws.send(json.dumps({"op": "hello", "token": issue_live_token(KEY, DUTY), "after": 3}))
        await ws.recv()  # welcome
        log.add(5)  # 16..20 arrive during the catch-up
        hub.notify()
        assert await receive_until(ws, 20) == list(range(4, 21))


async def test_a_district_officer_never_receives_another_districts_events(hub_url) -> None:
    hub, log, url = hub_url
    async with connect(url) as ws:
        await ws.send(json.dumps({"op": "hello", "token": issue_live_token(KEY, JIANGAN)}))
        await ws.recv()
        log.add(4, district="420106")
        log.add(2, district="420102")
        hub.notify()
        assert await receive_until(ws, 11) == [10, 11]


async def test_a_screen_too_far_behind_is_told_to_resync(hub_url) -> None:
    hub, log, url = hub_url
    log.add(CATCH_UP_LIMIT + 10)
    hub.notify()
    await caught_up(hub, CATCH_UP_LIMIT + 15)
    async with connect(url) as ws:
        await ws.send(json.dumps({"op": "hello", "token": issue_live_token(KEY, DUTY), "after": 1}))
        await ws.recv()
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert message == {"op": "resync", "seq": hub.newest}


def test_a_slow_client_gets_one_resync_instead_of_an_unbounded_queue() -> None:
    async def scenario() -> LiveClient:
        client = LiveClient(
            LiveGrant(1, "duty", Role.DUTY_OFFICER, Scope()), cursor=0, catching_up=False
        )
        for seq in range(1, QUEUE_MESSAGES + 10):
            client.offer([{"seq": seq, "district": "420102", "data": {}}], seq)
        return client

    client = asyncio.run(scenario())
    assert client.queue.qsize() <= QUEUE_MESSAGES
    messages = [json.loads(client.queue.get_nowait()) for _ in range(client.queue.qsize())]
    assert messages[0] == {"op": "resync", "seq": QUEUE_MESSAGES + 1}  # the one that overflowed
    assert [m["events"][0]["seq"] for m in messages[1:]] == list(
        range(QUEUE_MESSAGES + 2, QUEUE_MESSAGES + 10)
    )


async def test_with_no_screens_the_hub_skips_reading_yet_a_later_screen_misses_nothing() -> None:
    log = FakeLog()
    reads: list[int] = []

    def read(after: int, limit: int) -> list[dict]:
        reads.append(after)
        return log.read(after, limit)

    hub = LiveHub(read, KEY, newest_seq=0, read_newest=lambda: len(log.events))
    runner = asyncio.create_task(hub.run(poll_s=0.05))
    try:
        log.add(50)
        hub.notify()
        for _ in range(100):
            await asyncio.sleep(0.01)
            if hub.newest == 50:
                break
        assert hub.newest == 50 and reads == []  # moved the mark without reading the events
        async with serve(hub.handle, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            async with connect(f"ws://127.0.0.1:{port}/live") as ws:
                token = issue_live_token(KEY, DUTY)
                await ws.send(json.dumps({"op": "hello", "token": token, "after": 40}))
                await ws.recv()  # welcome
                log.add(5)
                hub.notify()
                assert await receive_until(ws, 55) == list(range(41, 56))
    finally:
        runner.cancel()


def test_screens_of_one_scope_share_one_encoded_message_and_scopes_stay_apart() -> None:
    async def scenario() -> list[LiveClient]:
        citywide = LiveGrant(1, "duty", Role.DUTY_OFFICER, Scope())
        jiangan = LiveGrant(2, "jiangan", Role.DISTRICT_OFFICER, Scope(district="420102"))
        clients = [
            LiveClient(g, cursor=0, catching_up=False) for g in (citywide, citywide, jiangan)
        ]
        events = [
            {"seq": 1, "district": "420102", "data": {}},
            {"seq": 2, "district": "420106", "data": {}},
        ]
        shared: dict = {}
        for client in clients:
            client.offer(events, 2, shared)
        return clients

    first, second, district = [c.queue.get_nowait() for c in asyncio.run(scenario())]
    assert first is second  # encoded once for the whole scope
    assert [e["seq"] for e in json.loads(first)["events"]] == [1, 2]
    assert [e["seq"] for e in json.loads(district)["events"]] == [1]
