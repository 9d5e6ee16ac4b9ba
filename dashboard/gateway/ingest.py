"""The `/ingest` protocol (shared/spec/ingest-protocol.md, version 1) and its group commit.

One `IngestService` serves every ingest connection of a gateway process:

- `handle(websocket)` speaks the protocol on one connection. A reader validates each frame and
  hands its events to the committer; a sender answers frames strictly in the order they arrived,
  each answer only once its frame is settled, so clients may pipeline frames.
- `GroupCommitter` is the single writer: it drains the frames pending from *all* connections and
  appends them with one `append_events` call (one transaction) per batch, in a worker thread, and
  only then resolves each frame's future. The ack therefore follows the commit.
- `shutdown()` stops reading new frames, lets every queued frame commit and be acked, closes the
  connections with 1001 and stops the writer.

Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from dashboard.citypack import CityPack
from dashboard.domain.events import DEFAULT_RETENTION, Bounds, Event, Rejection, parse_event
from dashboard.gateway.places import district_rejection

log = logging.getLogger(__name__)

PROTOCOL = 1
MAX_EVENTS = 1_000
MAX_FRAME_BYTES = 1 << 20
# Quotas, below what one gateway parses and commits (docs/benchmarks.md, "Ingest under a
# flood": about 9,000 valid events/s committed and 38,000 invalid events/s validated per CPU
# second of the gateway, on the shared 2-core machine, and much less while other work runs):
# one token may not take the gateway's time from the others, and rejected events count too.
DEFAULT_RATE = 2_000.0  # events per second and connection
DEFAULT_TOKEN_RATE = 2_000.0  # events per second and token, all its connections together
DEFAULT_TOKEN_CONNECTIONS = 4  # open connections per token
DEFAULT_CONNECTIONS = 200  # open ingest connections per gateway process
PARSE_CHUNK = 50  # events validated per turn of the event loop (fair to the other sources)

Json = dict[str, Any]
# (engine-free) append: the items of a batch in, one outcome per item out, one transaction.
AppendFn = Callable[[list[Any]], list[Any]]
CommitFn = Callable[[list[Any]], Awaitable[list[Any]]]  # starts at once; awaited for outcomes
FindTokenFn = Callable[[str], Any]


@dataclass(frozen=True)
class IngestConfig:
    max_events: int = MAX_EVENTS
    max_frame_bytes: int = MAX_FRAME_BYTES
    rate: float = DEFAULT_RATE  # events/s per connection (token bucket)
    burst: float | None = None  # bucket size; default max(rate, max_events)
    token_rate: float = DEFAULT_TOKEN_RATE  # events/s per token, its connections together
    token_burst: float | None = None  # default max(token_rate, max_events)
    token_connections: int = DEFAULT_TOKEN_CONNECTIONS  # open connections per token
    max_connections: int = DEFAULT_CONNECTIONS  # open ingest connections in all
    parse_chunk: int = PARSE_CHUNK  # events validated before the loop serves others
    bounds: Bounds | None = None
    city: CityPack | None = None  # districts are checked against it (gateway/places.py)
    retention: timedelta = DEFAULT_RETENTION
    photo_hosts: frozenset[str] = frozenset()  # GASCC_PHOTO_HOSTS: https photo URLs allowed
    hello_timeout_s: float = 10.0
    usage_flush_s: float = 10.0  # how often the tokens' usage figures reach the database
    pipeline: int = 256  # frames read ahead of their acks, per connection
    batch_events: int = 5_000  # most events in one group commit
    # Extra wait for more frames to join a batch. 0 still batches: frames that arrive while a
    # commit runs all go into the next one, without adding latency to a lone frame.
    batch_wait_s: float = 0.0


class TokenBucket:
    """A rate quota: `take(n)` returns 0 if n events may go now, else the seconds to wait."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self.level = burst
        self._last = clock()
        # A connection's bucket: how long its reader waits before reading on, after a frame
        # refused for a quota, so that a client ignoring retry_after_ms is slowed by TCP's
        # backpressure instead of costing the gateway a decode per frame it floods.
        self.pause_s = 0.0

    def take(self, count: int) -> float:
        now = self._clock()
        self.level = min(self.burst, self.level + (now - self._last) * self.rate)
        self._last = now
        if count <= self.level:
            self.level -= count
            return 0.0
        if count > self.burst:  # can never fit; say when a full bucket is back
            return max(self.burst - self.level, 0.0) / self.rate + 1.0
        return (count - self.level) / self.rate


@dataclass
class TokenUsage:
    """One token's quota and counters in this gateway process (since it started)."""

    bucket: TokenBucket
    connections: int = 0
    accepted: int = 0
    rejected: int = 0  # events rejected one by one (validation, references, permissions)
    rate_limited: int = 0  # events of frames refused for a quota (to be resent later)
    last_used_at: datetime | None = None


def tune_gc_for_batches() -> None:
    """Garbage-collect less often in a process that appends batches of thousands of events.

    Each batch allocates tens of thousands of short-lived containers (events, rows, dicts),
    which reference counting frees; with CPython's defaults they still trigger a collection every
    700 allocations, and the older generations' collections walk every object the process has
    (SQLAlchemy's and pydantic's own included). Measured on the ingest path: 70-77 µs an event
    with the defaults, 49 with this, 41 with no collector at all (docs/benchmarks.md). Objects
    alive at start-up are frozen out of the collector's sight; cycles are still collected, just
    in larger steps.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


class Unavailable(Exception):
    """The database could not take a batch."""


@dataclass
class _Pending:
    items: list[Any]
    future: asyncio.Future[list[Any]]


class GroupCommitter:
    """The one writer: batches frames from every connection into single transactions.

    `append` runs a batch in a worker thread, one batch at a time. A `commit` function instead
    starts a batch at once and returns an awaitable of its outcomes (the process writer); then
    up to `in_flight` batches may be under way, started in order.
    """

    def __init__(
        self,
        append: AppendFn | None = None,
        *,
        commit: CommitFn | None = None,
        in_flight: int = 1,
        batch_events: int = 5_000,
        shared_batch_events: int = 1_000,
        wait_s: float = 0.0,
    ):
        if (append is None) == (commit is None):
            raise ValueError("give either append or commit")
        if commit is None:
            in_flight = 1  # a thread per batch would not keep them in order
        self._start_commit: CommitFn = commit or (lambda items: asyncio.to_thread(append, items))
        self._in_flight = in_flight
        self._batch_events = batch_events
        self._shared_batch_events = min(shared_batch_events, batch_events)
        self._wait_s = wait_s
        # Frames waiting, per source, in arrival order: batches take them round-robin, so that
        # a source with one frame waiting goes into the next batch, not behind a flood's backlog.
        self._waiting: dict[Any, collections.deque[_Pending]] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.on_commit: Callable[[list[Any]], None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="ingest-writer")

    def submit(self, items: list[Any], source: Any = None) -> asyncio.Future[list[Any]]:
        """Queue one frame's items; the future gets their outcomes once committed. Frames of
        one `source` are committed in the order submitted; sources take turns."""
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        if not items:
            future.set_result([])
        else:
            self._waiting.setdefault(source, collections.deque()).append(_Pending(items, future))
            self._wake.set()
        return future

    async def stop(self) -> None:
        """Commit everything queued so far, then end the writer."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        await self._task
        self._task = None

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self._in_flight)
        under_way: set[asyncio.Task[None]] = set()
        while True:
            if not self._waiting:
                if self._stopping:
                    break
                self._wake.clear()
                await self._wake.wait()
                continue
            await slots.acquire()
            await asyncio.sleep(self._wait_s)  # at least a yield: ready readers queue frames
            batch = self._take_batch()
            task = asyncio.create_task(self._commit(batch, self._begin(batch)))
            under_way.add(task)
            task.add_done_callback(under_way.discard)
            task.add_done_callback(lambda _task: slots.release())
        if under_way:
            await asyncio.wait(under_way)

    def _take_batch(self) -> list[_Pending]:
        """Up to batch_events events: one frame of each waiting source in turn (smallest frame
        first), round after round; a source served goes to the back of the line."""
        batch: list[_Pending] = []
        size = 0
        # Sources waiting together share smaller batches: the one in progress is what a quiet
        # source's frame waits for, and a commit is not interrupted.
        limit = self._batch_events if len(self._waiting) <= 1 else self._shared_batch_events
        while self._waiting and size < limit:
            # Smallest frame first: a quiet source's one-event frame is never left behind a
            # flooder's full frame that already fills a shared batch.
            for source in sorted(self._waiting, key=lambda s: len(self._waiting[s][0].items)):
                frames = self._waiting.pop(source)
                pending = frames.popleft()
                batch.append(pending)
                size += len(pending.items)
                if frames:
                    self._waiting[source] = frames  # to the back of the line
                if size >= limit:
                    break
        return batch

    def _begin(self, batch: list[_Pending]) -> Awaitable[list[Any]]:
        return self._start_commit([item for pending in batch for item in pending.items])

    async def _commit(self, batch: list[_Pending], started: Awaitable[list[Any]]) -> None:
        items = [item for pending in batch for item in pending.items]
        try:
            outcomes = await started
        except (OperationalError, InterfaceError, Unavailable) as error:  # the database is down
            log.warning("ingest batch of %d events failed: %s", len(items), _first_line(error))
            for pending in batch:
                _settle(pending.future, exception=Unavailable(str(error)))
            return
        except Exception as error:
            if len(batch) > 1:  # keep one frame's trouble from failing its neighbours
                for pending in batch:
                    await self._commit([pending], self._begin([pending]))
                return
            log.warning("ingest batch of %d events failed: %s", len(items), _first_line(error))
            _settle(batch[0].future, exception=Unavailable(str(error)))
            return
        if len(outcomes) != len(items):
            error = Unavailable(f"append returned {len(outcomes)} outcomes for {len(items)} items")
            for pending in batch:
                _settle(pending.future, exception=error)
            return
        if self.on_commit is not None:
            try:
                self.on_commit(outcomes)
            except Exception:
                log.exception("on_commit hook failed")
        start = 0
        for pending in batch:
            end = start + len(pending.items)
            _settle(pending.future, result=outcomes[start:end])
            start = end


def _settle(future: asyncio.Future[Any], *, result: Any = None, exception: Any = None) -> None:
    if future.done():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:300]


# --- the protocol ---------------------------------------------------------------------------


def error_frame(code: str, message: str, ref: object = None, **extra: Any) -> Json:
    frame: Json = {"op": "error", "code": code, "message": message}
    if ref is not None:
        frame["ref"] = ref
    frame.update(extra)
    return frame


def decode_frame(message: str | bytes) -> Json | str:
    """The frame as a dict, or a plain-words reason why it is not one."""
    try:
        value = json.loads(message)
    except UnicodeDecodeError:
        return "frame is not UTF-8 text"
    except (ValueError, RecursionError):
        return "frame is not valid JSON"
    if not isinstance(value, dict):
        return "frame must be a JSON object"
    return value


class IngestService:
    """Speaks the ingest protocol on every connection, sharing one `GroupCommitter`."""

    def __init__(
        self,
        *,
        find_token: Callable[[str], Any],
        make_incoming: Callable[[Any, Event], Any],  # (token grant, event) -> log item
        committer: GroupCommitter,
        config: IngestConfig | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        quota_clock: Callable[[], float] = time.monotonic,  # the rate quotas' seconds
    ) -> None:
        self.config = config or IngestConfig()
        self._find_token = find_token
        self._make_incoming = make_incoming
        self._committer = committer
        self._clock = clock
        self._quota_clock = quota_clock
        self._stopping = asyncio.Event()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._greeting: set[ServerConnection] = set()
        self._closing: set[asyncio.Task[Any]] = set()
        self._usage: dict[Any, TokenUsage] = {}  # by token id
        self._connections = 0  # greeted ingest connections open now

    def usage_snapshot(self) -> dict[Any, tuple[int, int, datetime | None]]:
        """{token_id: (events accepted, events rejected, last used)} since the gateway started;
        the administration pages show it (the flush to the database is wired elsewhere)."""
        return {
            token_id: (usage.accepted, usage.rejected, usage.last_used_at)
            for token_id, usage in self._usage.items()
        }

    def _usage_of(self, grant: Any) -> TokenUsage:
        token_id = getattr(grant, "token_id", grant.source)
        usage = self._usage.get(token_id)
        if usage is None:
            config = self.config
            burst = config.token_burst or max(config.token_rate, config.max_events)
            bucket = TokenBucket(config.token_rate, burst, self._quota_clock)
            usage = self._usage[token_id] = TokenUsage(bucket)
        return usage

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop reading frames; every frame already read is committed and acked; close 1001."""
        self._stopping.set()
        for websocket in list(self._greeting):  # not yet said hello: nothing of theirs queued
            closing = asyncio.get_running_loop().create_task(
                websocket.close(CloseCode.GOING_AWAY, "gateway shutting down")
            )
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        handlers = [task for task in self._handlers if not task.done()]
        if handlers:
            await asyncio.wait(handlers, timeout=timeout_s)

    async def handle(self, websocket: ServerConnection) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            self._greeting.add(websocket)
            try:
                grant = await self._greet(websocket)
            finally:
                self._greeting.discard(websocket)
            if grant is not None:  # counted as open by _greet
                usage = self._usage_of(grant)
                try:
                    if not self._stopping.is_set():
                        await self._serve(websocket, grant, usage)
                finally:
                    usage.connections -= 1
                    self._connections -= 1
        except ConnectionClosed:
            pass
        finally:
            if task is not None:
                self._handlers.discard(task)

    async def _greet(self, websocket: ServerConnection) -> Any | None:
        try:
            message = await asyncio.wait_for(websocket.recv(), self.config.hello_timeout_s)
        except TimeoutError:
            await _refuse(websocket, "unauthorized", "no hello received in time")
            return None
        frame = decode_frame(message)
        if not isinstance(frame, dict) or frame.get("op") != "hello":
            await _refuse(websocket, "unauthorized", "the first frame must be a hello")
            return None
        protocol = frame.get("protocol")
        if type(protocol) is not int or protocol != PROTOCOL:
            await _refuse(
                websocket,
                "unsupported_protocol",
                f"protocol {_shown(protocol)} is not supported; this gateway speaks {PROTOCOL}",
            )
            return None
        token = frame.get("token")
        try:
            grant = (
                await asyncio.to_thread(self._find_token, token) if isinstance(token, str) else None
            )
        except Exception as error:  # the database: the client retries later
            log.warning("token lookup failed: %s", _first_line(error))
            with contextlib.suppress(ConnectionClosed):
                text = "the database is unavailable; retry later"
                await websocket.send(json.dumps(error_frame("unavailable", text)))
            await websocket.close(CloseCode.TRY_AGAIN_LATER, "unavailable")
            return None
        if grant is None:
            await _refuse(websocket, "unauthorized", "unknown or revoked token")
            return None
        refusal = self._connection_refusal(grant)
        if refusal is not None:
            await _refuse(websocket, "too_many_connections", refusal, CloseCode.TRY_AGAIN_LATER)
            return None
        self._connections += 1
        self._usage_of(grant).connections += 1
        client = frame.get("client")
        log.info(
            "ingest connection from %s: source %s, client %s",
            _peer(websocket),
            grant.source,
            _shown(client) if client is not None else "-",
        )
        welcome = {
            "op": "welcome",
            "protocol": PROTOCOL,
            "source": grant.source,
            "max_events": self.config.max_events,
            "max_frame_bytes": self.config.max_frame_bytes,
        }
        try:
            await websocket.send(json.dumps(welcome))
        except BaseException:  # gone before the welcome: no longer open
            self._connections -= 1
            self._usage_of(grant).connections -= 1
            raise
        return grant

    def _connection_refusal(self, grant: Any) -> str | None:
        """Why a new connection of this token may not open now (None: it may)."""
        if self._connections >= self.config.max_connections:
            return f"this gateway serves at most {self.config.max_connections} connections"
        if self._usage_of(grant).connections >= self.config.token_connections:
            limit = self.config.token_connections
            return f"at most {limit} connections per token; close one first"
        return None

    async def _serve(self, websocket: ServerConnection, grant: Any, usage: TokenUsage) -> None:
        answers: asyncio.Queue[Any] = asyncio.Queue()
        window = asyncio.Semaphore(self.config.pipeline)  # frames read but not yet answered
        sender = asyncio.create_task(self._send_answers(websocket, answers, window))
        reader = asyncio.create_task(self._read_frames(websocket, grant, usage, answers, window))
        stop = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({reader, stop, sender}, return_when=asyncio.FIRST_COMPLETED)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await reader
            answers.put_nowait(None)  # everything read so far is answered, then the sender ends
            with contextlib.suppress(ConnectionClosed):
                await sender
        finally:
            for task in (stop, reader, sender):
                task.cancel()
            _discard_unsent(answers)
        if self._stopping.is_set():
            await websocket.close(CloseCode.GOING_AWAY, "gateway shutting down")

    async def _read_frames(
        self,
        websocket: ServerConnection,
        grant: Any,
        usage: TokenUsage,
        answers: asyncio.Queue[Any],
        window: asyncio.Semaphore,
    ) -> None:
        burst = self.config.burst or max(self.config.rate, self.config.max_events)
        buckets = (TokenBucket(self.config.rate, burst, self._quota_clock), usage.bucket)
        loop = asyncio.get_running_loop()
        while True:
            await window.acquire()
            try:
                message = await websocket.recv()
            except BaseException:
                window.release()
                raise
            # The frame's place in the answers is taken at once, so that a frame read is always
            # answered, in order; it is filled once the frame is parsed (in chunks, see _apply).
            slot: asyncio.Future[Awaitable[Json]] = loop.create_future()
            answers.put_nowait(slot)
            parsing = asyncio.ensure_future(self.answer_in_turns(message, grant, buckets, usage))
            try:
                await asyncio.shield(parsing)
            except asyncio.CancelledError:  # shutting down: this frame is still answered
                slot.set_result(await _answer_of(parsing))
                raise
            except Exception:
                pass  # _answer_of says what it cost
            slot.set_result(await _answer_of(parsing))
            connection = buckets[0]
            if connection.pause_s > 0:  # refused for a quota: read on when there is room again
                pause_s, connection.pause_s = connection.pause_s, 0.0
                await asyncio.sleep(pause_s)

    async def _send_answers(
        self, websocket: ServerConnection, answers: asyncio.Queue[Any], window: asyncio.Semaphore
    ) -> None:
        while True:
            answer = await answers.get()
            if answer is None:
                return
            try:
                frame = await (await answer)
            finally:
                window.release()
            await websocket.send(json.dumps(frame, ensure_ascii=False))

    async def answer_in_turns(
        self,
        message: str | bytes,
        grant: Any,
        buckets: Sequence[TokenBucket],
        usage: TokenUsage,
    ) -> Awaitable[Json]:
        """The eventual answer to one frame (after hello), as an awaitable dict. Validation
        runs in chunks, giving the event loop back in between, so that a connection sending
        large frames cannot keep another source's frame waiting."""
        checked = self._check_frame(message, buckets, usage)
        if not isinstance(checked, tuple):
            return _ready(checked)
        events, ref = checked
        usage.last_used_at = self._clock()
        parsed = await self._parse_in_turns(events, grant)
        return self._submit(parsed, grant, ref, usage)

    def _check_frame(
        self, message: str | bytes, buckets: Sequence[TokenBucket], usage: TokenUsage
    ) -> tuple[list[Any], str | None] | Json:
        """(the events, the ref) of a well-formed frame within the quotas, else the error."""
        frame = decode_frame(message)
        if isinstance(frame, str):
            return error_frame("bad_frame", frame)
        op = frame.get("op")
        if op != "events":
            text = "hello was already received" if op == "hello" else f"unknown op {_shown(op)}"
            return error_frame("bad_frame", text)
        ref = frame.get("ref")
        if ref is not None and not isinstance(ref, str):
            return error_frame("bad_frame", "ref must be a string")
        events = frame.get("events")
        if not isinstance(events, list) or not events:
            text = "events must be a non-empty list of events"
            return error_frame("bad_frame", text, ref)
        if len(events) > self.config.max_events:
            text = f"{len(events)} events in one frame; at most {self.config.max_events}"
            return error_frame("too_many_events", text, ref)
        limited = self._over_quota(len(events), buckets)
        if limited is not None:
            usage.rate_limited += len(events)
            usage.last_used_at = self._clock()
            buckets[0].pause_s = limited[1] / 1000
            return error_frame("rate_limited", limited[0], ref, retry_after_ms=limited[1])
        return events, ref

    def _over_quota(self, count: int, buckets: Sequence[TokenBucket]) -> tuple[str, int] | None:
        """(why, retry after ms) when the connection's or the token's quota has no room."""
        connection, token = buckets
        wait_s = connection.take(count)
        if wait_s > 0:
            text = f"faster than this connection's quota of {self.config.rate:g} events/s"
            return text, max(1, math.ceil(wait_s * 1000))
        wait_s = token.take(count)
        if wait_s > 0:
            connection.level = min(connection.burst, connection.level + count)  # not spent
            text = f"faster than this token's quota of {self.config.token_rate:g} events/s"
            return text, max(1, math.ceil(wait_s * 1000))
        return None

    async def _parse_in_turns(self, events: list[Any], grant: Any) -> list[Any]:
        now = self._clock()
        chunk = max(1, self.config.parse_chunk)
        parsed: list[Any] = []
        for start in range(0, len(events), chunk):
            if start:
                await asyncio.sleep(0)  # let the other connections parse a chunk of theirs
            parsed.extend(self._parse_one(raw, now, grant) for raw in events[start : start + chunk])
        return parsed

    def _parse_one(self, raw: Any, now: datetime, grant: Any) -> Event | Rejection:
        config = self.config
        event = parse_event(
            raw,
            now=now,
            bounds=config.bounds,
            retention=config.retention,
            allowed_types=grant.types,
            photo_hosts=config.photo_hosts,
        )
        if isinstance(event, Event) and config.city is not None:
            return district_rejection(event, config.city) or event
        return event

    def _submit(
        self, parsed: list[Any], grant: Any, ref: str | None, usage: TokenUsage
    ) -> Awaitable[Json]:
        """Queue the valid events for the writer at once (so that pipelined frames share
        batches); the returned awaitable is the ack, ready after the commit."""
        valid = [index for index, result in enumerate(parsed) if isinstance(result, Event)]
        items = [self._make_incoming(grant, parsed[index]) for index in valid]
        committed = self._committer.submit(items, getattr(grant, "token_id", grant.source))
        return _counted(usage, committed, parsed, valid, ref)


async def _counted(
    usage: TokenUsage,
    committed: asyncio.Future[list[Any]],
    results: list[Any],
    valid: list[int],
    ref: str | None,
) -> Json:
    """The frame's ack (`_ack_when_committed`), counted in its token's usage."""
    frame = await _ack_when_committed(committed, results, valid, ref)
    if frame.get("op") == "ack":
        usage.accepted += len(frame["accepted"])
        usage.rejected += len(frame["rejected"])
    return frame


async def _answer_of(parsing: asyncio.Future[Awaitable[Json]]) -> Awaitable[Json]:
    """The answer a frame's parse came to; a bug must cost one frame, not the connection."""
    try:
        return await parsing
    except Exception:
        log.exception("frame could not be processed")
        return _ready(error_frame("bad_frame", "the frame could not be processed"))


async def _ack_when_committed(
    committed: asyncio.Future[list[Any]], results: list[Any], valid: list[int], ref: str | None
) -> Json:
    try:
        outcomes = await committed
    except Unavailable:
        return error_frame("unavailable", "the database is unavailable; retry later", ref)
    for index, outcome in zip(valid, outcomes, strict=True):
        results[index] = outcome
    return build_ack(ref, results)


def build_ack(ref: str | None, results: Sequence[Any]) -> Json:
    """The ack of a frame from each event's outcome, in event order."""
    accepted: list[str] = []
    duplicate: list[str] = []
    rejected: list[Json] = []
    for index, outcome in enumerate(results):
        if isinstance(outcome, Rejection):
            rejected.append(outcome.to_ack(index))
        elif hasattr(outcome, "seq"):  # eventlog.Accepted; eventlog.Duplicate has no seq
            accepted.append(outcome.event_id)
        else:
            duplicate.append(outcome.event_id)
    return {
        "op": "ack",
        "ref": ref,
        "accepted": accepted,
        "duplicate": duplicate,
        "rejected": rejected,
    }


def _discard_unsent(answers: asyncio.Queue[Any]) -> None:
    """The client went away: answers it will never get are dropped (their events are logged or
    not, as committed; a reconnecting client resends and learns which were duplicates)."""
    while not answers.empty():
        answer = answers.get_nowait()
        if isinstance(answer, asyncio.Future) and answer.done():
            answer = answer.result()
        if asyncio.iscoroutine(answer):
            answer.close()


async def _ready(value: Json) -> Json:
    return value


async def _refuse(
    websocket: ServerConnection,
    code: str,
    message: str,
    close_code: CloseCode = CloseCode.POLICY_VIOLATION,
) -> None:
    with contextlib.suppress(ConnectionClosed):
        await websocket.send(json.dumps(error_frame(code, message)))
    await websocket.close(close_code, code)


def _peer(websocket: ServerConnection) -> str:
    address = websocket.remote_address
    return f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)


def _shown(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
