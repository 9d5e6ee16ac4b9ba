"""The reference client against a scripted fake gateway: acks, resends after a lost connection,
rate limits, expected and unexpected rejections, big frames, gates between sources."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.server import serve

from simulators.client import BACKOFF_FIRST_S, Gates, SourceClient
from simulators.core import Emission, rejected


class FakeGateway:
    """Welcomes the token "good"; commits each event id once (then answers duplicate)."""

    def __init__(
        self,
        *,
        rate_limit_first: bool = False,
        drop_at_frame: int | None = None,
        max_frame_bytes: int = 1 << 20,
    ) -> None:
        self.rate_limit_first = rate_limit_first
        self.drop_at_frame = drop_at_frame
        self.max_frame_bytes = max_frame_bytes
        self.committed: list[str] = []
        self.frames = 0
        self.connections = 0
        self.biggest = 0

    async def handle(self, ws: Any) -> None:
        self.connections += 1
        hello = json.loads(await ws.recv())
        if hello.get("token") != "good":
            await ws.send(json.dumps({"op": "error", "code": "unauthorized", "message": "no"}))
            await ws.close(1008)
            return
        welcome = {
            "op": "welcome",
            "protocol": 1,
            "source": "s",
            "max_events": 1000,
            "max_frame_bytes": self.max_frame_bytes,
        }
        await ws.send(json.dumps(welcome))
        async for message in ws:
            self.biggest = max(self.biggest, len(message.encode()))
            frame = json.loads(message)
            self.frames += 1
            ref = frame["ref"]
            if self.rate_limit_first:
                self.rate_limit_first = False
                error = {"op": "error", "code": "rate_limited", "ref": ref, "retry_after_ms": 50}
                await ws.send(json.dumps(error))
                continue
            ack: dict[str, Any] = {"op": "ack", "ref": ref, "accepted": [], "duplicate": []}
            ack["rejected"] = []
            for index, event in enumerate(frame["events"]):
                code = event["data"].get("reject")
                if code:
                    entry = {"index": index, "id": event["id"], "code": code}
                    ack["rejected"].append(entry | {"field": "data", "message": "refused"})
                elif event["id"] in self.committed:
                    ack["duplicate"].append(event["id"])
                else:
                    self.committed.append(event["id"])
                    ack["accepted"].append(event["id"])
            if self.frames == self.drop_at_frame:
                ws.transport.abort()  # committed, but the ack never leaves
                return
            await ws.send(json.dumps(ack))


def wire(emission: Emission) -> dict[str, Any]:
    return {
        "id": emission.id,
        "type": emission.type,
        "occurred_at": "2026-11-23T18:00:00+08:00",
        "data": emission.data,
    }


def reading(event_id: str, source: str = "s", **extra: Any) -> Emission:
    data = {"sensor_id": "SEN-000001", "value": 1.0}
    options = {k: extra.pop(k) for k in ("expect", "provides", "requires") if k in extra}
    return Emission(0.0, source, event_id, "sensor.reading", data | extra, **options)


async def start(gateway: FakeGateway) -> tuple[Any, str]:
    server = await serve(gateway.handle, "127.0.0.1", 0, max_size=None)
    port = server.sockets[0].getsockname()[1]
    return server, f"ws://127.0.0.1:{port}/ingest"


async def finish(client: SourceClient, task: asyncio.Task) -> Any:
    for _ in range(500):
        if client.idle():
            break
        await asyncio.sleep(0.01)
    client.close()
    return await asyncio.wait_for(task, 10)


async def test_a_lost_connection_is_reopened_and_unacked_frames_resent() -> None:
    gateway = FakeGateway(drop_at_frame=2)
    server, url = await start(gateway)
    client = SourceClient(url, "s", "good", wire=wire, window=1, max_events=2)
    for n in range(6):
        client.push(reading(f"e{n}"))
    stats = await finish(client, asyncio.create_task(client.run()))
    server.close()
    assert gateway.committed == [f"e{n}" for n in range(6)]
    assert gateway.connections == 2 and stats.reconnects == 1
    assert (stats.sent, stats.resent, stats.accepted, stats.duplicate) == (6, 2, 4, 2)
    assert stats.resend_duplicates == 2 and stats.unexpected == 0 and stats.pending == 0


async def test_rate_limited_frames_wait_and_are_sent_again() -> None:
    gateway = FakeGateway(rate_limit_first=True)
    server, url = await start(gateway)
    client = SourceClient(url, "s", "good", wire=wire, window=4)
    for n in range(3):
        client.push(reading(f"r{n}"))
    stats = await finish(client, asyncio.create_task(client.run()))
    server.close()
    assert stats.rate_limited == 1 and stats.accepted == 3 and stats.unexpected == 0
    assert gateway.committed == ["r0", "r1", "r2"]


async def test_expected_rejections_are_told_from_unexpected_ones() -> None:
    gateway = FakeGateway()
    server, url = await start(gateway)
    client = SourceClient(url, "s", "good", wire=wire)
    client.push(reading("ok"))
    client.push(
        reading("anomaly", reject="unknown_reference", expect=rejected("unknown_reference"))
    )
    client.push(reading("bug", reject="invalid_field"))
    client.push(reading("ok", expect="duplicate"))
    stats = await finish(client, asyncio.create_task(client.run()))
    server.close()
    assert (stats.accepted, stats.duplicate, stats.rejected) == (1, 1, 2)
    assert stats.expected_rejected == 1 and stats.anomaly_duplicates == 1
    assert stats.unexpected == 1 and "bug" in stats.unexpected_samples[0]
    assert stats.rejected_by_code == {"unknown_reference": 1, "invalid_field": 1}


async def test_frames_stay_under_the_gateways_byte_limit() -> None:
    gateway = FakeGateway(max_frame_bytes=4_000)
    server, url = await start(gateway)
    client = SourceClient(url, "s", "good", wire=wire, window=2)
    for n in range(40):
        client.push(reading(f"b{n:02d}", note="燃" * 200))  # 600 bytes of UTF-8 each
    stats = await finish(client, asyncio.create_task(client.run()))
    server.close()
    assert stats.accepted == 40 and gateway.frames >= 8
    assert gateway.biggest <= 4_000
    assert gateway.committed == [f"b{n:02d}" for n in range(40)]


async def test_an_event_naming_another_sources_report_waits_for_its_ack() -> None:
    gateway = FakeGateway()
    server, url = await start(gateway)
    gates = Gates()
    field = SourceClient(url, "field", "good", wire=wire, gates=gates)
    fire = SourceClient(url, "fire", "good", wire=wire, gates=gates)
    field.push(reading("arrived", source="field"))  # needs nothing: sent at once
    field.push(reading("team-status", source="field", requires="incident:1"))
    field_task = asyncio.create_task(field.run())
    async with asyncio.timeout(10):
        while "arrived" not in gateway.committed:
            await asyncio.sleep(0.01)
    # Held back, not sent in the frame before it: the incident is not acknowledged yet.
    assert gateway.committed == ["arrived"]
    fire.push(reading("incident", source="fire", provides="incident:1"))
    fire_task = asyncio.create_task(fire.run())
    await finish(fire, fire_task)
    await finish(field, field_task)
    server.close()
    assert gateway.committed == ["arrived", "incident", "team-status"]


async def test_a_bad_token_is_fatal_for_its_source() -> None:
    gateway = FakeGateway()
    server, url = await start(gateway)
    client = SourceClient(url, "s", "wrong", wire=wire)
    client.push(reading("x"))
    stats = await asyncio.wait_for(client.run(), 10)
    server.close()
    assert stats.fatal and "unauthorized" in stats.fatal
    assert stats.pending == 1


async def test_an_unreachable_gateway_is_retried_with_growing_backoff(monkeypatch) -> None:
    client = SourceClient("ws://127.0.0.1:9/ingest", "s", "good", wire=wire)
    client.push(reading("x"))
    delays: list[float] = []

    async def note_the_backoff(seconds: float) -> None:  # instead of waiting it out
        delays.append(seconds)
        if len(delays) == 3:
            client.abandon()

    monkeypatch.setattr(client, "_sleep", note_the_backoff)
    stats = await asyncio.wait_for(client.run(), 10)
    assert len(delays) == stats.reconnects == 3
    for attempt, delay in enumerate(delays):  # doubling from the first, jittered by 0.5..1.5
        base = BACKOFF_FIRST_S * 2**attempt
        assert 0.5 * base <= delay <= 1.5 * base
    assert stats.pending == 1 and stats.fatal is None
