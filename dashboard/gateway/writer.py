"""The ingest writer in a process of its own (opt-in: GASCC_INGEST_WRITER=process).

Appending a batch (the log, the projections, the commit) takes most of a gateway's CPU time, and
Python runs one thread at a time. With the writer in a child process, the gateway's event loop
(websockets, frame decoding, validation, acks, /live) keeps one core and the writer gets the
other. Measured on two shared cores (docs/benchmarks.md) it comes out a few per cent ahead of
a worker thread, for about 30 % more CPU (the child validates each event again, and pickles
cross the pipe), so the thread is the default; a gateway with cores to spare may prefer this.

The gateway's `GroupCommitter` still decides the batches and their order; `ProcessWriter.commit`
queues a batch and returns a future of its outcomes. A sender thread pickles the batches in that
order and writes them to the child's pipe; a reader thread resolves the futures as the child's
replies come back, in the same order. So the next batch crosses the pipe while the child still
works on the one before. Events cross as their wire JSON (the child validates that again, which
costs less than pickling pydantic models); outcomes come back as seqs.

The child ignores SIGINT and SIGTERM: the gateway decides when to stop, after its last batch.
If the gateway dies, the child sees the pipe close, finishes the batch it has and exits. If the
child dies, the batches in flight are reported unavailable (clients resend; anything that did
commit comes back as duplicate) and the next batch starts a new child.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import Future
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from dashboard.gateway.ingest import Unavailable, tune_gc_for_batches

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
IN_FLIGHT = 2  # batches handed to the child at once: one in work, one crossing the pipe
_OK, _DATABASE_DOWN, _FAILED = "ok", "database", "failed"
_ROOT = str(Path(__file__).resolve().parents[2])  # the child imports dashboard from here
_PYTHONPATH = os.environ.get("PYTHONPATH", "")

Job = tuple[list[Any], Future]


class _Child:
    """One writer process, its pipe, and the batches sent to it and not yet answered."""

    def __init__(self, database_url: str) -> None:
        # A plain subprocess rather than multiprocessing's spawn, which would import the
        # parent's __main__ again (every embedding program would need a main guard).
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (_ROOT, _PYTHONPATH)))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashboard.gateway.writer", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.pipe = Connection(ours.detach())
        self.pipe.send(database_url)  # not on the command line, where `ps` would show it
        if not self.pipe.poll(START_TIMEOUT_S) or self.pipe.recv() != "ready":
            self.process.kill()
            raise RuntimeError("the ingest writer process did not start")
        self.pending: collections.deque[Job] = collections.deque()
        self.lock = threading.Lock()
        self.dead = False
        self.reader = threading.Thread(
            target=self._read_replies, name="writer-replies", daemon=True
        )
        self.reader.start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, job: Job) -> None:
        payload = pickle.dumps(_encode(job[0]), pickle.HIGHEST_PROTOCOL)
        with self.lock:
            if self.dead:
                raise OSError("the writer process has stopped")
            self.pending.append(job)
        self.pipe.send_bytes(payload)

    def _read_replies(self) -> None:
        while True:
            try:
                kind, value = pickle.loads(self.pipe.recv_bytes())
            except (EOFError, OSError):
                break
            with self.lock:
                items, future = self.pending.popleft()
            _resolve(future, items, kind, value)
        with self.lock:
            self.dead = True
            lost = list(self.pending)
            self.pending.clear()
        for _, future in lost:
            _settle_error(future, Unavailable("the writer process stopped"))

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.pipe.send_bytes(pickle.dumps(None))
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_TIMEOUT_S)
        self.kill()

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        self.reader.join(STOP_TIMEOUT_S)
        self.pipe.close()


class ProcessWriter:
    """`await commit(items)`: `append_events` of `items` in the child, batches in call order."""

    in_flight = IN_FLIGHT

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._outbox: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._child: _Child | None = None
        self._sender: threading.Thread | None = None

    def start(self) -> None:
        """Start the child process (blocks until it is ready) and the sender thread."""
        self._child = _Child(self._database_url)
        self._sender = threading.Thread(target=self._send_batches, name="writer-send", daemon=True)
        self._sender.start()

    def commit(self, items: list[Any]) -> asyncio.Future[list[Any]]:
        """The outcomes of `items` (eventlog.Incoming), committed in one transaction."""
        future: Future = Future()
        self._outbox.put((items, future))
        return asyncio.wrap_future(future)

    def stop(self) -> None:
        """After every batch queued so far is answered, stop the child."""
        if self._sender is None:
            return
        self._outbox.put(None)
        self._sender.join()
        self._sender = None

    def _send_batches(self) -> None:
        while (job := self._outbox.get()) is not None:
            if not job[1].set_running_or_notify_cancel():
                continue
            try:
                self._live_child().send(job)
            except Exception as error:  # the child died or would not start
                log.error("ingest writer: %s", error)
                _settle_error(job[1], Unavailable(str(error)))
        if self._child is not None:
            self._child.stop()
            self._child = None

    def _live_child(self) -> _Child:
        child = self._child
        if child is None or child.dead or not child.alive:
            if child is not None:
                log.error("the ingest writer process died; starting a new one")
                child.kill()
                self._child = None
            child = self._child = _Child(self._database_url)
        return child


def _resolve(future: Future, items: list[Any], kind: str, value: Any) -> None:
    if kind == _OK:
        try:
            future.set_result(_decode_outcomes(items, value))
        except Exception as error:
            _settle_error(future, error)
    elif kind == _DATABASE_DOWN:
        _settle_error(future, Unavailable(value))
    else:
        _settle_error(future, RuntimeError(value))


def _settle_error(future: Future, error: BaseException) -> None:
    with contextlib.suppress(Exception):  # already settled
        future.set_exception(error)


def _encode(items: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each Incoming as (its event's wire JSON, its other fields)."""
    return [
        (
            item.event.model_dump_json(exclude_none=True),
            {f.name: getattr(item, f.name) for f in dataclasses.fields(item) if f.name != "event"},
        )
        for item in items
    ]


def _encode_outcomes(outcomes: list[Any]) -> list[Any]:
    """Accepted as its seq, Duplicate as None, a Rejection as itself: a tenth of the bytes."""
    from data_access.eventlog import Accepted, Duplicate

    return [
        o.seq if isinstance(o, Accepted) else None if isinstance(o, Duplicate) else o
        for o in outcomes
    ]


def _decode_outcomes(items: list[Any], encoded: list[Any]) -> list[Any]:
    from data_access.eventlog import Accepted, Duplicate

    return [
        Accepted(item.event.id, value)
        if type(value) is int
        else Duplicate(item.event.id)
        if value is None
        else value
        for item, value in zip(items, encoded, strict=True)
    ]


def serve(pipe: Connection) -> None:
    """The child: append each batch received until told to stop or the gateway goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    database_url = pipe.recv()
    from sqlalchemy.exc import InterfaceError, OperationalError

    from dashboard.domain.events import Event
    from data_access.db import make_engine
    from data_access.eventlog import Incoming, append_events

    engine = make_engine(database_url)
    tune_gc_for_batches()
    pipe.send("ready")
    try:
        while True:
            try:
                batch = pickle.loads(pipe.recv_bytes())
            except (EOFError, OSError):
                return
            if batch is None:
                return
            try:
                items = [Incoming(event=Event.model_validate_json(w), **rest) for w, rest in batch]
                reply: tuple[str, Any] = (_OK, _encode_outcomes(append_events(engine, items)))
            except (OperationalError, InterfaceError) as error:
                reply = (_DATABASE_DOWN, _first_line(error))
            except Exception as error:  # reported to the gateway, which splits the batch
                reply = (_FAILED, f"{type(error).__name__}: {_first_line(error)}")
            try:
                pipe.send_bytes(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))
            except OSError:
                return
    finally:
        engine.dispose()


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:300]


if __name__ == "__main__":  # python -m dashboard.gateway.writer FD (started by _Child)
    serve(Connection(int(sys.argv[1])))
