"""The live hub: pushes new events from the log to every open screen over /live.

Served by the gateway process at /live. Protocol (browser side in assets/live.js):
  client: {"op": "hello", "token": "<from /api/live-token>", "after": <last seq seen, 0 at first>}
  server: {"op": "welcome", "seq": <newest seq>}
          {"op": "events", "events": [{seq, type, district, occurred_at, data}, ...]}
          {"op": "ping", "seq": N}            every PING_S, so a quiet screen still knows it is live
          {"op": "resync", "seq": N}          too far behind: reload your view, then continue from N
          {"op": "error", "code": "unauthorized", "message": ...} then close 1008

Every client has a cursor (the last seq it was sent). New events are read from the log once per
wake-up and handed to each client whose scope covers them, through a bounded queue: a client too
slow to drain its queue is told to resync instead of holding memory. A client that connects with
an old cursor first catches up from the log by itself, then joins the shared fan-out, so nothing
is missed and nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from dashboard.domain.roles import Scope
from dashboard.live_token import LiveGrant, LiveTokenError, check_live_token

log = logging.getLogger(__name__)

QUEUE_MESSAGES = 64  # per client; one message holds one wake-up's events
READ_LIMIT = 2_000  # events read from the log per query
CATCH_UP_LIMIT = 5_000  # a client further behind than this is told to resync
PING_S = 10.0
HELLO_TIMEOUT_S = 10.0

ReadEvents = Callable[[int, int], Sequence[dict[str, Any]]]  # (after_seq, limit) -> events
ReadNewest = Callable[[], int]  # the newest seq in the log
MarkEnterprises = Callable[[Sequence[dict[str, Any]]], None]  # adds ENTERPRISES to each event
Admitted = Callable[[set[LiveGrant]], set[LiveGrant]]  # those whose user may still see


ENTERPRISES = "enterprises"  # the key `mark_enterprises` adds to each event; never sent


def in_scope(scope: Scope, event: dict[str, Any]) -> bool:
    if scope.district is not None and event.get("district") != scope.district:
        return False
    if scope.enterprise_id is not None:
        # Whose objects the event names (a cylinder scan carries only the code), marked by the
        # hub's `mark_enterprises`; without the mark, only an explicit enterprise_id counts.
        owners = event.get(ENTERPRISES)
        if owners is None:
            owners = ((event.get("data") or {}).get("enterprise_id"),)
        return scope.enterprise_id in owners
    return True


# One wake-up's events as each scope sees them, encoded once: twenty wall screens of the same
# scope cost one json.dumps, not twenty.
SharedMessages = dict[Scope, str | None]  # scope -> the message (None: nothing visible)


@dataclass(eq=False)
class LiveClient:
    grant: LiveGrant
    cursor: int
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_MESSAGES))
    catching_up: bool = True
    dropped: asyncio.Event = field(default_factory=asyncio.Event)  # its user's rights ended

    def offer(
        self, events: Sequence[dict[str, Any]], newest: int, shared: SharedMessages | None = None
    ) -> None:
        """Queue what this client may see of `events`; a full queue turns into one resync."""
        scope = self.grant.scope
        if shared is not None and events and events[0]["seq"] > self.cursor:
            if scope not in shared:  # every event is new to this client: share the encoding
                shared[scope] = _events_message([e for e in events if in_scope(scope, e)])
            message = shared[scope]
        else:
            visible = [e for e in events if e["seq"] > self.cursor and in_scope(scope, e)]
            message = _events_message(visible)
        self.cursor = max(self.cursor, newest)
        if message is None:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.resync(newest)

    def resync(self, newest: int) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.cursor = newest
        self.queue.put_nowait(_encode({"op": "resync", "seq": newest}))


def _events_message(visible: list[dict[str, Any]]) -> str | None:
    if not visible:
        return None
    if ENTERPRISES in visible[0]:  # the hub's own mark: who owns what is not the screen's
        visible = [{k: v for k, v in e.items() if k != ENTERPRISES} for e in visible]
    return _encode({"op": "events", "events": visible})


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


class LiveHub:
    def __init__(
        self,
        read_events: ReadEvents,
        secret_key: str,
        newest_seq: int,
        read_newest: ReadNewest | None = None,
        mark_enterprises: MarkEnterprises | None = None,
        admitted: Admitted | None = None,
    ) -> None:
        self._read = read_events
        self._admitted = admitted
        self._mark = mark_enterprises
        self._read_newest = read_newest
        self._secret_key = secret_key
        self.newest = newest_seq  # the last seq handed to the fan-out
        self.clients: set[LiveClient] = set()
        self._wake = asyncio.Event()

    def notify(self, _seq: int | None = None) -> None:
        """New events may be in the log (called after a commit, or from Redis)."""
        self._wake.set()

    async def run(self, poll_s: float) -> None:
        """Fan out forever: on every wake-up, or every `poll_s` at the latest."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_s)
            self._wake.clear()
            await self.fan_out()

    async def fan_out(self) -> None:
        if not self.clients and self._read_newest is not None:
            # Nobody to send to: only move the mark (a client joining later catches up from
            # its own cursor), instead of reading and decoding every event at full ingest rate.
            newest = await asyncio.to_thread(self._read_newest)
            if not self.clients:  # still nobody: a client that came meanwhile needs the events
                self.newest = max(self.newest, newest)
                return
        while True:
            events = await asyncio.to_thread(self._read, self.newest, READ_LIMIT)
            if not events:
                return
            self.newest = events[-1]["seq"]
            await self._drop_signed_out()
            if any(client.grant.scope.enterprise_id for client in self.clients):
                await self._mark_enterprises(events)
            shared: SharedMessages = {}
            for client in self.clients:
                if not client.catching_up:
                    client.offer(events, self.newest, shared)
            if len(events) < READ_LIMIT:
                return

    async def _drop_signed_out(self) -> None:
        """Before events go out, the connections whose user was deactivated, changed role or
        scope, or signed out of the sign-in the token came from are dropped (one query)."""
        if self._admitted is None or not self.clients:
            return
        clients = list(self.clients)
        admitted = await asyncio.to_thread(self._admitted, {c.grant for c in clients})
        for client in clients:
            if client.grant not in admitted:
                self.clients.discard(client)
                client.dropped.set()

    async def _mark_enterprises(self, events: Sequence[dict[str, Any]]) -> None:
        if self._mark is not None and events and ENTERPRISES not in events[0]:
            await asyncio.to_thread(self._mark, events)

    async def ping_forever(self) -> None:
        while True:
            await asyncio.sleep(PING_S)
            for client in self.clients:
                if client.queue.empty():
                    client.queue.put_nowait(_encode({"op": "ping", "seq": client.cursor}))

    async def handle(self, websocket: ServerConnection) -> None:
        """One browser tab, from hello to close."""
        client = await self._greet(websocket)
        if client is None:
            return
        self.clients.add(client)
        sender = asyncio.create_task(self._send_queued(websocket, client))
        dropped = asyncio.create_task(client.dropped.wait())
        try:
            await self._catch_up(client)
            closed = asyncio.create_task(websocket.wait_closed())
            await asyncio.wait({closed, dropped}, return_when=asyncio.FIRST_COMPLETED)
            closed.cancel()
            if client.dropped.is_set():
                sender.cancel()
                await _refuse(websocket, "signed out: sign in again")
        finally:
            self.clients.discard(client)
            sender.cancel()
            dropped.cancel()

    async def _greet(self, websocket: ServerConnection) -> LiveClient | None:
        try:
            hello = json.loads(await asyncio.wait_for(websocket.recv(), HELLO_TIMEOUT_S))
            grant = check_live_token(self._secret_key, str(hello.get("token", "")))
            after = int(hello.get("after") or 0)
        except (LiveTokenError, ValueError, TypeError, AttributeError, TimeoutError) as error:
            message = str(error) if isinstance(error, LiveTokenError) else "send hello first"
            await _refuse(websocket, message)
            return None
        except ConnectionClosed:
            return None
        if self._admitted is not None and not await asyncio.to_thread(self._admitted, {grant}):
            await _refuse(websocket, "signed out: sign in again")
            return None
        await websocket.send(json.dumps({"op": "welcome", "seq": self.newest}))
        return LiveClient(grant, cursor=min(max(after, 0), self.newest) if after else self.newest)

    async def _catch_up(self, client: LiveClient) -> None:
        """Send what the client missed, from the log, until it reaches the shared fan-out."""
        if self.newest - client.cursor > CATCH_UP_LIMIT:
            client.resync(self.newest)
        while client.cursor < self.newest:
            events = await asyncio.to_thread(self._read, client.cursor, READ_LIMIT)
            if not events:
                break
            if client.grant.scope.enterprise_id is not None:
                await self._mark_enterprises(events)
            client.offer(events, events[-1]["seq"])
        client.catching_up = False

    async def _send_queued(self, websocket: ServerConnection, client: LiveClient) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await websocket.send(await client.queue.get())


async def _refuse(websocket: ServerConnection, message: str) -> None:
    with contextlib.suppress(ConnectionClosed):
        await websocket.send(
            json.dumps({"op": "error", "code": "unauthorized", "message": message})
        )
        await websocket.close(1008, "unauthorized")
