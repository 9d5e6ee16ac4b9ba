"""kill -9 of the gateway mid-stream: the client resends what was not acked, the effect is exact.

Every accepted event must be in the log exactly once and applied exactly once; here each event is
an incident report, so a double application would show in the incidents_open count.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from data_access.db import make_engine
from data_access.models import AreaCount, EventRecord, Incident
from tests.support import ROOT, answers, free_port, issue_token

pytestmark = pytest.mark.slow

FRAMES = 200  # about a second of work for the gateway: the kill lands well inside it
PER_FRAME = 50


def frame(number: int) -> dict:
    now = datetime.now(UTC).isoformat()
    events = [
        {
            "id": f"K-{number:03d}-{i:03d}",
            "type": "incident.reported",
            "occurred_at": now,
            "data": {
                "incident_id": f"K-{number:03d}-{i:03d}",
                "kind": "odor",
                "channel": "public",
                "lat": 30.55,
                "lon": 114.31,
                "address": "x",
                "severity": 1,
                "description": "crash test",
            },
        }
        for i in range(PER_FRAME)
    ]
    return {"op": "events", "ref": f"f{number}", "events": events}


def start_gateway(settings, port: int, writer: str) -> subprocess.Popen:
    env = {**os.environ, "SECRET_KEY": settings.secret_key, "DATABASE_URL": settings.database_url}
    env["GASCC_INGEST_WRITER"] = writer
    # The stream is sent as fast as it goes: above the default quotas, which are not tested here.
    env.update({"GASCC_INGEST_TOKEN_RATE": "1000000", "GASCC_INGEST_CONNECTION_RATE": "1000000"})
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "gateway", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not answers(f"http://127.0.0.1:{port}/healthz"):
        assert process.poll() is None and time.monotonic() < deadline, "gateway did not start"
        time.sleep(0.1)
    return process


def send_all(port: int, token: str, frames: dict[int, dict], acked: set[int], kill=None) -> None:
    """Pipeline every frame not acked yet; `kill` runs at the first ack. Returns when every
    frame is acked or the connection dies."""
    with connect(f"ws://127.0.0.1:{port}/ingest", max_size=None) as ws:
        ws.send(json.dumps({"op": "hello", "token": token, "client": "crash", "protocol": 1}))
        assert json.loads(ws.recv(timeout=10))["op"] == "welcome"
        pending = [n for n in sorted(frames) if n not in acked]
        try:
            for n in pending:
                ws.send(json.dumps(frames[n]))
            for _ in pending:
                ack = json.loads(ws.recv(timeout=30))
                assert ack["op"] == "ack" and not ack["rejected"], ack
                acked.add(int(ack["ref"][1:]))
                if kill is not None:
                    kill()
                    kill = None
        except ConnectionClosed:
            assert kill is None, "the connection died before the kill"


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_kill_9_mid_stream_then_resending_gives_exact_counts(demo_settings, writer: str) -> None:
    engine = make_engine(demo_settings.database_url)
    _, token = issue_token(engine, "crash-test", ["incident.reported"])
    frames = {n: frame(n) for n in range(FRAMES)}
    acked: set[int] = set()
    port = free_port()

    gateway = start_gateway(demo_settings, port, writer)
    send_all(port, token, frames, acked, kill=lambda: gateway.send_signal(signal.SIGKILL))
    gateway.wait(10)
    assert 1 <= len(acked) < FRAMES, "the kill should land mid-stream"
    with engine.connect() as connection:  # what was acked survived the kill
        logged = connection.scalar(select(func.count()).where(EventRecord.source == "crash-test"))
    assert logged >= len(acked) * PER_FRAME

    gateway = start_gateway(demo_settings, port, writer)
    try:
        send_all(port, token, frames, acked)  # resend everything without an ack
    finally:
        gateway.send_signal(signal.SIGTERM)
        assert gateway.wait(30) == 0

    total = FRAMES * PER_FRAME
    with engine.connect() as connection:
        logged = connection.scalar(select(func.count()).where(EventRecord.source == "crash-test"))
        incidents = connection.scalar(select(func.count()).where(Incident.id.like("K-%")))
        open_count = connection.scalar(
            select(func.sum(AreaCount.value)).where(AreaCount.metric == "incidents_open")
        )
    assert logged == incidents == total
    assert open_count == total  # applied once each, though some were sent twice
    engine.dispose()
