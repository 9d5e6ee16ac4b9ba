"""The reference client of the ingest protocol (docs/ingest-protocol.md): one per source.

A `SourceClient` holds one websocket to `/ingest` for one source and its token:

- hello, then frames of up to the welcome's `max_events` (and `max_frame_bytes`), with up to
  `window` frames in flight (pipelining); acks come back in order and each event's outcome is
  counted (accepted, duplicate, rejected by code);
- a lost connection is reopened with exponential backoff (0.25 s doubling to 10 s, jittered), and
  every frame without an ack is sent again, in order: the gateway answers `duplicate` for what it
  had committed already, so the effect is exactly once;
- `rate_limited` pauses sending for `retry_after_ms` and then resends that frame; `unavailable`
  backs off and resends; `too_many_events` splits the frame;
- an event that names something another source reports (an incident) waits until that report is
  acknowledged (`Gates`), up to `gate_timeout` seconds.

Every emission says what answer it expects (`Emission.expect`), so the client tells the
anomalies' expected rejections and duplicates, and the duplicates of resent frames, from
unexpected answers (`SourceStats.unexpected`).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from simulators.core import DISCONNECT, Emission

PROTOCOL = 1
CLIENT_NAME = "gascc-simulators/1"
BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 10.0
FATAL_CODES = frozenset({"unauthorized", "unsupported_protocol"})

Wire = Callable[[Emission], dict[str, Any]]


@dataclass
class SourceStats:
    """What one source sent and what the gateway answered."""

    source: str
    sent: int = 0  # events handed to the wire for the first time
    resent: int = 0  # events sent again (lost connection, refused frame)
    frames: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejected_by_code: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)  # code -> one message
    expected_rejected: int = 0
    anomaly_duplicates: int = 0  # duplicates the anomalies sent on purpose
    resend_duplicates: int = 0  # duplicates of resent events the gateway had committed
    unexpected: int = 0
    unexpected_samples: list[str] = field(default_factory=list)
    disconnects: int = 0  # dropped on purpose (the disconnect anomaly)
    reconnects: int = 0
    rate_limited: int = 0
    unavailable: int = 0
    gate_timeouts: int = 0
    skipped: int = 0  # events of a source without a token
    fatal: str | None = None
    pending: int = 0  # events without an answer when the run ended

    @property
    def answered(self) -> int:
        return self.accepted + self.duplicate + self.rejected


class Gates:
    """Keys ("incident:INC-...") that open once the event providing them is answered."""

    def __init__(self) -> None:
        self._open: set[str] = set()
        self._wakers: list[asyncio.Event] = []

    def register(self, waker: asyncio.Event) -> None:
        self._wakers.append(waker)

    def is_open(self, key: str) -> bool:
        return key in self._open

    def resolve(self, key: str) -> None:
        if key not in self._open:
            self._open.add(key)
            for waker in self._wakers:
                waker.set()


@dataclass
class _Frame:
    n: int
    events: list[Emission]
    resent: bool = False
    disconnect_after: bool = False
    sub: tuple[int, ...] = ()  # the halves of a split frame keep their place in the order

    def __lt__(self, other: _Frame) -> bool:
        return (self.n, self.sub) < (other.n, other.sub)

    def ref(self, source: str) -> str:
        return f"{source}-{self.n}" + "".join(f".{part}" for part in self.sub)

    def split(self) -> _Frame:
        """Keep the first half in this frame; return the second half as the next frame."""
        half = len(self.events) // 2
        rest = _Frame(self.n, self.events[half:], self.resent, self.disconnect_after)
        rest.sub = (*self.sub, 1)
        self.events, self.sub, self.disconnect_after = self.events[:half], (*self.sub, 0), False
        return rest


class _Fatal(Exception):
    pass


class SourceClient:
    """One source's connection: push emissions in, `run()` until `close()` and drained."""

    def __init__(
        self,
        url: str,
        source: str,
        token: str,
        *,
        wire: Wire,
        gates: Gates | None = None,
        window: int = 8,
        max_events: int = 1_000,
        gate_timeout: float = 30.0,
        seed: int = 0,
    ) -> None:
        self.url = url
        self.source = source
        self.token = token
        self.wire = wire
        self.gates = gates or Gates()
        self.window = max(1, window)
        self.cap = max(1, max_events)
        self.max_events = self.cap
        self.max_bytes = 1 << 20
        self.gate_timeout = gate_timeout
        self.stats = SourceStats(source)
        self.outbox: deque[Emission] = deque()
        self.retry: list[_Frame] = []  # sorted by frame number
        self.unacked: deque[_Frame] = deque()
        self.closing = False
        self.abandoned = False
        self.connected = False
        self.welcomed = False
        self.last_error: str | None = None
        self.welcome_source: str | None = None
        self._wake = asyncio.Event()
        self.gates.register(self._wake)
        self._frames = 0
        self._paused_until = 0.0
        self._unavailable_delay = 1.0
        self._blocked_since: float | None = None
        self._rng = random.Random(f"{seed}/{source}/backoff")

    # --- the caller's side ------------------------------------------------------------------

    def push(self, emission: Emission) -> None:
        self.outbox.append(emission)
        self._wake.set()

    @property
    def backlog(self) -> int:
        """Events not yet answered (queued, waiting for a resend, or in flight)."""
        queued = sum(1 for e in self.outbox if e.control is None)
        return (
            queued
            + sum(len(f.events) for f in self.retry)
            + sum(len(f.events) for f in self.unacked)
        )

    def idle(self) -> bool:
        return not self.outbox and not self.retry and not self.unacked

    def close(self) -> None:
        """Send what is queued, wait for its acks, then stop."""
        self.closing = True
        self._wake.set()

    def abandon(self) -> None:
        """Stop now, answered or not (what is left counts as pending)."""
        self.abandoned = True
        self._wake.set()

    # --- the connection ---------------------------------------------------------------------

    async def run(self) -> SourceStats:
        attempt = 0
        while not self.abandoned and not (self.closing and self.idle()):
            self.welcomed = False
            try:
                await self._session()
            except _Fatal as error:
                self.stats.fatal = str(error)
                break
            except InvalidURI as error:
                self.stats.fatal = f"bad url {self.url}: {error}"
                break
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, ValueError) as e:
                self.last_error = f"{type(e).__name__}: {e}"
            finally:
                self.connected = False
                self._requeue()
            if self.welcomed:
                attempt = 0
            if self.abandoned or (self.closing and self.idle()):
                break
            delay = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt) * (0.5 + self._rng.random())
            attempt += 1
            self.stats.reconnects += 1
            await self._sleep(delay)
        self.stats.pending = self.backlog
        return self.stats

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up early when abandoned."""
        end = time.monotonic() + seconds
        while not self.abandoned:
            left = end - time.monotonic()
            if left <= 0:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), left)

    def _requeue(self) -> None:
        """Frames without an ack go back to be sent again, in their order."""
        while self.unacked:
            frame = self.unacked.pop()
            frame.resent = True
            bisect.insort(self.retry, frame)

    async def _session(self) -> None:
        async with connect(
            self.url,
            max_size=None,
            open_timeout=10,
            close_timeout=2,
            ping_interval=20,
            ping_timeout=60,
            compression=None,
        ) as ws:
            hello = {
                "op": "hello",
                "token": self.token,
                "client": CLIENT_NAME,
                "protocol": PROTOCOL,
            }
            await ws.send(json.dumps(hello))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if welcome.get("op") != "welcome":
                code = welcome.get("code", "?")
                message = f"{code}: {welcome.get('message', '')}"
                if code in FATAL_CODES:
                    raise _Fatal(message)
                raise ConnectionError(message)
            self.welcome_source = welcome.get("source")
            self.max_events = max(1, min(self.cap, int(welcome.get("max_events", self.cap))))
            self.max_bytes = int(welcome.get("max_frame_bytes", self.max_bytes))
            self.connected = self.welcomed = True
            reader = asyncio.create_task(self._read(ws))
            writer = asyncio.create_task(self._write(ws))
            done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            if writer in done and writer.exception() is None and reader not in done:
                # Everything is answered (or we dropped the line on purpose): let the reader end.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(reader), 5)
            for task in (reader, writer):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await task
            for task in (reader, writer):
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]

    async def _write(self, ws: Any) -> None:
        while True:
            if self.abandoned:
                await ws.close()
                return
            if self.closing and self.idle():
                await ws.close()
                return
            frame = self._next_frame()
            if frame is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._wait_for())
                continue
            if frame.events:
                payload = self._payload(frame)
                await ws.send(payload)
                self.unacked.append(frame)
                self.stats.frames += 1
            if frame.disconnect_after:
                frame.disconnect_after = False  # once: the resend goes through normally
                self.stats.disconnects += 1
                ws.transport.abort()  # as if the network dropped: unacked frames are resent
                return

    def _wait_for(self) -> float:
        pause = self._paused_until - time.monotonic()
        return max(0.01, min(1.0, pause if pause > 0 else 1.0))

    def _next_frame(self) -> _Frame | None:
        if len(self.unacked) >= self.window or time.monotonic() < self._paused_until:
            return None
        if self.retry:
            frame = self.retry.pop(0)
            self.stats.resent += len(frame.events)
            return frame
        events: list[Emission] = []
        disconnect = False
        while self.outbox and len(events) < self.max_events:
            emission = self.outbox[0]
            if emission.control == DISCONNECT:
                self.outbox.popleft()
                disconnect = True
                break
            if emission.requires and not self.gates.is_open(emission.requires):
                now = time.monotonic()
                if self._blocked_since is None:
                    self._blocked_since = now
                if now - self._blocked_since < self.gate_timeout:
                    break
                self.stats.gate_timeouts += 1  # send anyway: the answer will say what is wrong
            self._blocked_since = None
            events.append(self.outbox.popleft())
        if not events and not disconnect:
            return None
        self._frames += 1
        self.stats.sent += len(events)
        return _Frame(self._frames, events, disconnect_after=disconnect)

    def _payload(self, frame: _Frame) -> str:
        while True:
            body = {
                "op": "events",
                "ref": frame.ref(self.source),
                "events": [self.wire(e) for e in frame.events],
            }
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            if len(frame.events) == 1 or len(payload) * 3 < self.max_bytes:
                return payload
            if len(payload.encode("utf-8")) <= self.max_bytes:
                return payload
            # Too big for one frame: send the first half now, the rest right after it.
            bisect.insort(self.retry, frame.split())

    async def _read(self, ws: Any) -> None:
        async for message in ws:
            try:
                frame = json.loads(message)
            except ValueError:
                continue
            op = frame.get("op") if isinstance(frame, dict) else None
            if op == "ack":
                self._on_ack(frame)
            elif op == "error":
                self._on_error(frame)
            self._wake.set()

    def _take(self, ref: Any) -> _Frame | None:
        if not self.unacked:
            return None
        frame = self.unacked.popleft()
        if ref != frame.ref(self.source):  # never expected: acks come in order
            for other in list(self.unacked):
                if ref == other.ref(self.source):
                    self.unacked.remove(other)
                    self.unacked.appendleft(frame)
                    return other
        return frame

    def _on_ack(self, ack: dict[str, Any]) -> None:
        frame = self._take(ack.get("ref"))
        if frame is None:
            return
        self._unavailable_delay = 1.0
        rejected = {r.get("index"): r for r in ack.get("rejected") or []}
        accepted = Counter(ack.get("accepted") or [])
        for index, emission in enumerate(frame.events):
            if index in rejected:
                entry = rejected[index]
                message = f"{entry.get('field')}: {entry.get('message')}"
                self._account(emission, "rejected", frame.resent, entry.get("code"), message)
            elif accepted[emission.id] > 0:
                accepted[emission.id] -= 1
                self._account(emission, "accepted", frame.resent)
            else:
                self._account(emission, "duplicate", frame.resent)

    def _on_error(self, error: dict[str, Any]) -> None:
        ref = error.get("ref")
        if ref is None:
            return  # an error about no frame of ours (e.g. a stray byte); nothing to redo
        frame = self._take(ref)
        if frame is None:
            return
        code = error.get("code")
        now = time.monotonic()
        if code == "rate_limited":
            self.stats.rate_limited += 1
            wait = float(error.get("retry_after_ms", 1000)) / 1000.0
            self._paused_until = max(self._paused_until, now + wait)
            frame.resent = True
            bisect.insort(self.retry, frame)
        elif code == "unavailable":
            self.stats.unavailable += 1
            self._paused_until = max(self._paused_until, now + self._unavailable_delay)
            self._unavailable_delay = min(30.0, self._unavailable_delay * 2)
            frame.resent = True
            bisect.insort(self.retry, frame)
        elif code == "too_many_events" and len(frame.events) > 1:
            self.max_events = max(1, len(frame.events) // 2)
            frame.resent = True
            rest = frame.split()
            bisect.insort(self.retry, frame)
            bisect.insort(self.retry, rest)
        else:
            message = f"frame refused: {error.get('message', '')}"
            for emission in frame.events:
                self._account(emission, "rejected", frame.resent, str(code), message)

    def _account(
        self,
        emission: Emission,
        outcome: str,
        resent: bool,
        code: str | None = None,
        message: str = "",
    ) -> None:
        stats = self.stats
        expect = emission.expect
        if outcome == "accepted":
            stats.accepted += 1
            ok = expect == "accepted"
        elif outcome == "duplicate":
            stats.duplicate += 1
            ok = expect == "duplicate" or (resent and expect == "accepted")
            if expect == "duplicate":
                stats.anomaly_duplicates += 1
            elif ok:
                stats.resend_duplicates += 1
        else:
            stats.rejected += 1
            stats.rejected_by_code[code or "?"] += 1
            stats.samples.setdefault(code or "?", f"{emission.type} {emission.id}: {message}")
            ok = expect == f"rejected:{code}"
            if ok:
                stats.expected_rejected += 1
        if not ok:
            stats.unexpected += 1
            if len(stats.unexpected_samples) < 5:
                stats.unexpected_samples.append(
                    f"{emission.type} {emission.id}: {outcome}"
                    + (f" {code} ({message})" if code else "")
                    + f", expected {expect}"
                )
        if emission.provides:
            self.gates.resolve(emission.provides)
