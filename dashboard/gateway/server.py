"""The gateway process: a websockets server with `/ingest`, `/live` and `/healthz`.

`python -m dashboard gateway` runs `run_gateway(settings)`: it serves until SIGTERM or SIGINT, then
stops accepting connections, commits and acks every frame already read, closes the connections
with 1001 and returns 0. `Gateway` is the same server as an object, for tests and embedding;
`routes` may add more websocket paths (such as the live hub's `/live`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from functools import partial
from http import HTTPStatus
from typing import Any

from sqlalchemy import Engine
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from dashboard.citypack import load_city_pack
from dashboard.domain.events import ADMIN_EVENT_TYPES, Bounds, Event
from dashboard.gateway.ingest import (
    AppendFn,
    GroupCommitter,
    IngestConfig,
    IngestService,
    tune_gc_for_batches,
)
from dashboard.gateway.live import LiveHub
from dashboard.gateway.writer import ProcessWriter
from dashboard.settings import Settings
from data_access.notify import SeqPublisher, subscribe_seqs

log = logging.getLogger(__name__)

INGEST_PATH = "/ingest"
HEALTH_PATH = "/healthz"

Handler = Callable[[ServerConnection], Awaitable[None]]


def city_bounds(city_pack: str) -> Bounds:
    (south, west), (north, east) = load_city_pack(city_pack).bounds
    return Bounds(south=south, west=west, north=north, east=east)


class Gateway:
    """The ingest gateway on one engine. `await start(host, port)`, later `await stop()`."""

    def __init__(
        self,
        engine: Engine,
        config: IngestConfig | None = None,
        *,
        append: AppendFn | None = None,
        writer: ProcessWriter | None = None,
        make_incoming: Callable[[Any, Event], Any] | None = None,
        routes: Mapping[str, Handler] | None = None,
        quota_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Batches go to `writer` (a child process), else to `append` in a thread (by default
        `append_events` on `engine`). `quota_clock` times the connections' rate quotas."""
        from data_access.eventlog import append_events
        from data_access.tokens import find_token

        self.engine = engine
        self.config = config or IngestConfig()
        sizes = {"batch_events": self.config.batch_events, "wait_s": self.config.batch_wait_s}
        if writer is not None:
            self.committer = GroupCommitter(
                commit=writer.commit, in_flight=writer.in_flight, **sizes
            )
        else:
            self.committer = GroupCommitter(append or partial(append_events, engine), **sizes)
        self.ingest = IngestService(
            find_token=partial(find_token, engine),
            make_incoming=make_incoming or incoming_of,
            committer=self.committer,
            config=self.config,
            quota_clock=quota_clock,
        )
        self.routes: dict[str, Handler] = {INGEST_PATH: self.ingest.handle, **(routes or {})}
        self.server: Server | None = None
        self.usage = UsageFlusher(engine, self.ingest.usage_snapshot)
        self._usage_task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        assert self.server is not None, "the gateway is not started"
        return self.server.sockets[0].getsockname()[1]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.committer.start()
        self.server = await serve(
            self._route,
            host,
            port,
            process_request=self._process_request,
            max_size=self.config.max_frame_bytes,
            server_header=None,
        )
        self._usage_task = asyncio.get_running_loop().create_task(
            self.usage.run(self.config.usage_flush_s), name="token-usage"
        )

    async def stop(self, timeout_s: float = 30.0) -> None:
        """Stop accepting; finish and ack queued frames; close connections (1001)."""
        if self.server is None:
            return
        self.server.close(close_connections=False)
        await self.ingest.shutdown(timeout_s)
        await self.committer.stop()
        self.server.close(close_connections=True, code=CloseCode.GOING_AWAY)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.server.wait_closed(), timeout_s)
        if self._usage_task is not None:
            self._usage_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._usage_task
        await asyncio.to_thread(self.usage.flush_or_warn)  # what the last frames added

    async def _route(self, websocket: ServerConnection) -> None:
        handler = self.routes.get(websocket.request.path.split("?", 1)[0])
        if handler is not None:
            await handler(websocket)

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == HEALTH_PATH:
            from data_access.health import database_ok

            ok = await asyncio.to_thread(database_ok, self.engine)
            status = HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE
            body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "down"}
            return _json_response(status, body)
        if path not in self.routes:
            return connection.respond(HTTPStatus.NOT_FOUND, f"no websocket at {path}\n")
        return None


class UsageFlusher:
    """Adds what each ingest token did since the last flush to `ingest_token_usage` (the token
    administration page reads it). The service counts since the gateway started; this keeps
    what it already wrote, so each flush adds only the difference."""

    def __init__(self, engine: Engine, snapshot: Callable[[], Mapping[Any, tuple]]) -> None:
        self._engine = engine
        self._snapshot = snapshot
        self._written: dict[int, tuple[int, int, Any]] = {}

    async def run(self, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            await asyncio.to_thread(self.flush_or_warn)

    def flush_or_warn(self) -> None:
        try:
            self.flush()
        except Exception as error:  # the database: the counts wait for the next flush
            log.warning("token usage not recorded: %s", (str(error).splitlines() or [""])[0][:200])

    def flush(self) -> None:
        from data_access.token_usage import record_usage

        changes = {}
        for token_id, (accepted, rejected, last_used_at) in self._snapshot().items():
            if not isinstance(token_id, int) or last_used_at is None:
                continue  # a test's token without a row, or one not used yet
            done = self._written.get(token_id, (0, 0, None))
            if (accepted, rejected, last_used_at) != done:
                changes[token_id] = (accepted - done[0], rejected - done[1], last_used_at)
        if changes:
            record_usage(self._engine, changes)
            for token_id, (accepted, rejected, when) in changes.items():
                done = self._written.get(token_id, (0, 0, None))
                self._written[token_id] = (done[0] + accepted, done[1] + rejected, when)


def incoming_of(grant: Any, event: Event) -> Any:
    """An event for the log, from the token's source and with its enterprise binding (if any)."""
    from data_access.eventlog import Incoming

    return Incoming(grant.source, event, enterprise=grant.enterprise)


def _json_response(status: HTTPStatus, body: dict[str, Any]) -> Response:
    payload = json.dumps(body).encode()
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store"),
            ("Connection", "close"),
        ]
    )
    return Response(status.value, status.phrase, headers, payload)


def config_from_settings(settings: Settings, **changes: Any) -> IngestConfig:
    config = IngestConfig(
        bounds=city_bounds(settings.city_pack),
        city=load_city_pack(settings.city_pack),
        rate=settings.ingest_connection_rate,
        token_rate=settings.ingest_token_rate,
        token_connections=settings.ingest_token_connections,
        max_connections=settings.ingest_connections,
        photo_hosts=settings.photo_hosts,
    )
    return replace(config, **changes)


LIVE_PATH = "/live"
POLL_WITHOUT_REDIS_S = 0.25  # other writers (the Dash app's actions) are seen this fast
POLL_WITH_REDIS_S = 5.0  # Redis wakes the hub; the poll only covers lost messages


def mount_live_hub(gateway: Gateway, settings: Settings) -> tuple[LiveHub, list[asyncio.Task]]:
    """Serve /live from this gateway: woken by its own commits, by Redis, or by polling the log.
    The administration events never leave the server: they hold password and token hashes."""
    from data_access.eventlog import Accepted, events_since, last_seq
    from data_access.projections.permits import mark_enterprises
    from data_access.users import still_admitted

    engine = gateway.engine
    hub = LiveHub(
        lambda after, limit: events_since(
            engine, after, limit=limit, exclude_types=ADMIN_EVENT_TYPES
        ),
        settings.secret_key,
        newest_seq=last_seq(engine),
        read_newest=lambda: last_seq(engine),
        mark_enterprises=partial(mark_enterprises, engine),
        admitted=partial(still_admitted, engine),
    )
    gateway.routes[LIVE_PATH] = hub.handle
    publisher = SeqPublisher(settings.redis_url) if settings.redis_url else None

    def committed(outcomes: list[Any]) -> None:
        hub.notify()
        seqs = [o.seq for o in outcomes if isinstance(o, Accepted)]
        if publisher is not None and seqs:  # off the event loop: Redis may be slow or down
            asyncio.get_running_loop().run_in_executor(None, publisher.publish, max(seqs))

    gateway.committer.on_commit = committed
    poll_s = POLL_WITH_REDIS_S if settings.redis_url else POLL_WITHOUT_REDIS_S
    tasks = [asyncio.create_task(hub.run(poll_s)), asyncio.create_task(hub.ping_forever())]
    if settings.redis_url:
        tasks.append(asyncio.create_task(_wake_from_redis(hub, settings.redis_url)))
    return hub, tasks


async def _wake_from_redis(hub: LiveHub, redis_url: str) -> None:
    """Follow other gateways' commits; after a Redis outage, reconnect and catch up from the log."""
    while True:
        try:
            async for seq in subscribe_seqs(redis_url):
                hub.notify(seq)
        except Exception as error:  # Redis down or restarting: the log poll covers the gap
            log.warning("Redis subscription lost (%s); retrying in 1 s", error)
        hub.notify()
        await asyncio.sleep(1.0)


async def serve_until_signalled(
    settings: Settings, *, ready: Callable[[Gateway], None] | None = None
) -> int:
    from dashboard.rules_runner import RulesRunner
    from data_access.db import make_engine

    engine = make_engine(settings.database_url)
    writer = ProcessWriter(settings.database_url) if settings.ingest_writer == "process" else None
    if writer is not None:
        await asyncio.to_thread(writer.start)
    gateway = Gateway(engine, config_from_settings(settings), writer=writer)
    _hub, live_tasks = mount_live_hub(gateway, settings)
    live_tasks.append(asyncio.create_task(RulesRunner(engine).run(), name="rules"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await gateway.start(settings.host, settings.gateway_port)
        log.info("ingest gateway on ws://%s:%s%s", settings.host, gateway.port, INGEST_PATH)
        print(f"gateway on ws://{settings.host}:{gateway.port}{INGEST_PATH}", flush=True)
        if ready is not None:
            ready(gateway)
        await stop.wait()
        log.info("stopping: finishing queued frames")
        await gateway.stop()
    finally:
        for task in live_tasks:
            task.cancel()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        if writer is not None:
            await asyncio.to_thread(writer.stop)
        engine.dispose()
    return 0


def run_gateway(settings: Settings) -> int:
    """Serve the gateway until SIGTERM/SIGINT; returns the exit code (0 after a clean stop)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    tune_gc_for_batches()
    return asyncio.run(serve_until_signalled(settings))
