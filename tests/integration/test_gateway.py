"""The ingest gateway over real websockets (shared/spec/ingest-protocol.md).

The gateway runs in a background thread with its own event loop, on a free port, against a copy of
the seeded demo city; the tests are plain websocket clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from dashboard.domain.events import ADMIN_EVENT_TYPES
from dashboard.domain.roles import system_user
from dashboard.gateway.ingest import GroupCommitter, IngestConfig, TokenBucket
from dashboard.gateway.server import Gateway, city_bounds
from data_access import commands
from data_access.db import make_engine
from data_access.models import EventRecord, IngestToken, UserAccount
from data_access.tokens import hash_token
from tests.support import ROOT, free_port, issue_token

SOURCE = "ent-test"
TYPES = ("cylinder.scanned", "delivery.safety_checked", "team.position")
WUHAN = (30.59, 114.30)


# --- helpers --------------------------------------------------------------------------------------


class ThreadGateway:
    """A Gateway serving from its own event loop in a daemon thread."""

    def __init__(self, engine: Engine, config: IngestConfig, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.gateway = Gateway(engine, config, **options)
        self.call(self.gateway.start("127.0.0.1", 0))
        self.port = self.gateway.port
        self.url = f"ws://127.0.0.1:{self.port}/ingest"

    def call(self, coroutine: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        try:
            self.call(self.gateway.stop(timeout_s=10))
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


def scan(event_id: str, **data: Any) -> dict[str, Any]:
    body = {"code": f"CYL-{event_id}", "stage": "filling", "lat": WUHAN[0], "lon": WUHAN[1]}
    body.update(data)
    occurred = datetime.now(UTC) - timedelta(seconds=5)
    return {
        "id": event_id,
        "type": "cylinder.scanned",
        "occurred_at": occurred.isoformat(timespec="seconds"),
        "data": body,
    }


def hello(url: str, token: str, **fields: Any) -> tuple[ClientConnection, dict[str, Any]]:
    ws = connect(url, max_size=None, open_timeout=10, close_timeout=5, legacy=True)
    frame = {"op": "hello", "token": token, "client": "tests/1", "protocol": 1, **fields}
    ws.send(json.dumps(frame))
    return ws, receive(ws)


def receive(ws: ClientConnection, timeout: float = 30) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=timeout))


def send_events(ws: ClientConnection, ref: str, events: list[Any]) -> dict[str, Any]:
    ws.send(json.dumps({"op": "events", "ref": ref, "events": events}))
    return receive(ws)


def closed_code(ws: ClientConnection, timeout: float = 10) -> int | None:
    """Read until the server closes; the close code it sent."""
    deadline = time.monotonic() + timeout
    with pytest.raises(ConnectionClosed) as closed:
        while time.monotonic() < deadline:
            ws.recv(timeout=timeout)
    return closed.value.rcvd.code if closed.value.rcvd else None


def logged(engine: Engine, source: str = SOURCE) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(EventRecord).where(EventRecord.source == source)
        return connection.scalar(query)


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def db(demo_settings) -> Iterator[Engine]:
    engine = make_engine(demo_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def token(db: Engine) -> str:
    return issue_token(db, SOURCE, TYPES, "tests")[1]


@pytest.fixture
def start_gateway(db: Engine) -> Iterator[Any]:
    started: list[ThreadGateway] = []

    def start(**changes: Any) -> ThreadGateway:
        passed = ("append", "make_incoming", "quota_clock")
        options = {key: changes.pop(key) for key in passed if key in changes}
        config = IngestConfig(bounds=city_bounds("wuhan"), **changes)
        gateway = ThreadGateway(db, config, **options)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.close()


@pytest.fixture
def gateway(start_gateway) -> ThreadGateway:
    return start_gateway()


@pytest.fixture
def ws(gateway: ThreadGateway, token: str) -> Iterator[ClientConnection]:
    connection, welcome = hello(gateway.url, token)
    assert welcome["op"] == "welcome"
    yield connection
    connection.close()


# --- hello ----------------------------------------------------------------------------------------


def test_hello_is_welcomed_with_the_limits(gateway: ThreadGateway, token: str) -> None:
    ws, welcome = hello(gateway.url, token)
    assert welcome == {
        "op": "welcome",
        "protocol": 1,
        "source": SOURCE,
        "max_events": 1000,
        "max_frame_bytes": 1 << 20,
    }
    ws.close()


def test_a_bad_or_revoked_token_is_unauthorized(
    gateway: ThreadGateway, token: str, db: Engine
) -> None:
    for wrong in ("not-a-token", token[:-1], 12345, None):
        ws, answer = hello(gateway.url, wrong)
        assert answer["op"] == "error" and answer["code"] == "unauthorized"
        assert closed_code(ws) == 1008
    token_id, revoked = issue_token(db, SOURCE, TYPES)
    assert isinstance(commands.revoke_token(db, system_user("tests"), token_id), commands.Done)
    ws, answer = hello(gateway.url, revoked)
    assert answer["code"] == "unauthorized"
    assert closed_code(ws) == 1008


@pytest.mark.parametrize("protocol", [2, 0, "1", 1.0, True, None])
def test_an_unsupported_protocol_is_refused(gateway: ThreadGateway, token: str, protocol) -> None:
    ws, answer = hello(gateway.url, token, protocol=protocol)
    assert answer["op"] == "error" and answer["code"] == "unsupported_protocol"
    assert closed_code(ws) == 1008


@pytest.mark.parametrize(
    "first",
    [
        json.dumps({"op": "events", "ref": "r", "events": [scan("x")]}),
        "not json",
        "[1, 2]",
        json.dumps({"token": "t", "protocol": 1}),
    ],
)
def test_the_first_frame_must_be_hello(gateway: ThreadGateway, first: str) -> None:
    ws = connect(gateway.url, legacy=True)
    ws.send(first)
    answer = receive(ws)
    assert answer["op"] == "error" and answer["code"] == "unauthorized"
    assert closed_code(ws) == 1008


# --- frame errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        "{not json",
        "",
        "[]",
        "42",
        '"events"',
        json.dumps({"op": "subscribe"}),
        json.dumps({"ref": "no-op"}),
        json.dumps({"op": "hello", "token": "x", "protocol": 1}),
        json.dumps({"op": "events", "ref": 7, "events": [scan("e")]}),
    ],
)
def test_bad_frames_get_bad_frame_and_the_connection_stays_open(
    ws: ClientConnection, db: Engine, frame: str
) -> None:
    ws.send(frame)
    answer = receive(ws)
    assert answer["op"] == "error" and answer["code"] == "bad_frame"
    assert answer["message"]
    assert logged(db) == 0
    ack = send_events(ws, "after", [scan("after-1")])
    assert ack["op"] == "ack" and ack["accepted"] == ["after-1"]


@pytest.mark.parametrize("events", [None, [], "x", {"id": "a"}], ids=["missing", "empty", "s", "o"])
def test_missing_or_empty_events_are_a_bad_frame_with_its_ref(ws: ClientConnection, events) -> None:
    frame: dict[str, Any] = {"op": "events", "ref": "r-1"}
    if events is not None:
        frame["events"] = events
    ws.send(json.dumps(frame))
    answer = receive(ws)
    assert (answer["op"], answer["code"], answer["ref"]) == ("error", "bad_frame", "r-1")


def test_too_many_events_applies_nothing(ws: ClientConnection, db: Engine) -> None:
    answer = send_events(ws, "big", [scan(f"m-{i}") for i in range(1001)])
    assert (answer["op"], answer["code"], answer["ref"]) == ("error", "too_many_events", "big")
    assert logged(db) == 0


def test_a_full_frame_of_max_events_fits(ws: ClientConnection, db: Engine) -> None:
    events = [scan(f"full-{i:04d}", note="x" * 800) for i in range(1000)]
    assert len(json.dumps({"op": "events", "ref": "full", "events": events})) < 1 << 20
    ack = send_events(ws, "full", events)
    assert ack["op"] == "ack" and len(ack["accepted"]) == 1000
    assert logged(db) == 1000


def test_an_oversize_frame_closes_with_1009(ws: ClientConnection, db: Engine) -> None:
    events = [scan(f"o-{i}", note="x" * 2000) for i in range(600)]
    frame = json.dumps({"op": "events", "ref": "huge", "events": events})
    assert len(frame) > 1 << 20
    with contextlib.suppress(ConnectionClosed):  # the server may close while we still send
        ws.send(frame)
    assert closed_code(ws) == 1009
    assert logged(db) == 0


# --- acks -----------------------------------------------------------------------------------------


def test_each_event_is_accepted_or_rejected_with_index_and_field(
    ws: ClientConnection, db: Engine
) -> None:
    missing = scan("r-missing")
    del missing["data"]["code"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    events = [
        scan("r-ok-1"),
        {**scan("r-type"), "type": "cylinder.teleported"},
        missing,
        scan("r-invalid", lat="north"),
        scan("r-outside", lat=39.9, lon=116.4),  # Beijing, outside the Wuhan pack
        {**scan("r-future"), "occurred_at": future},
        {**scan("r-perm"), "type": "incident.closed"},  # a system type this token lacks
        {**scan("r-extra"), "extra": 1},
        "not an event",
        scan("r-ok-2"),
    ]
    ack = send_events(ws, "mixed", events)
    assert ack["op"] == "ack" and ack["ref"] == "mixed"
    assert ack["accepted"] == ["r-ok-1", "r-ok-2"]
    assert ack["duplicate"] == []
    rejected = {entry["index"]: entry for entry in ack["rejected"]}
    expected = {
        1: ("r-type", "unknown_type", "type"),
        2: ("r-missing", "missing_field", "data.code"),
        3: ("r-invalid", "invalid_field", "data.lat"),
        4: ("r-outside", "out_of_range", "data.lat"),
        5: ("r-future", "out_of_range", "occurred_at"),
        6: ("r-perm", "not_permitted", "type"),
        7: ("r-extra", "invalid_field", "extra"),
        8: (None, "invalid_field", ""),
    }
    assert {i: (e["id"], e["code"], e["field"]) for i, e in rejected.items()} == expected
    assert all(entry["message"] for entry in ack["rejected"])
    assert logged(db) == 2


def test_no_token_may_send_the_administration_events(db: Engine, gateway: ThreadGateway) -> None:
    # Whatever its types say: no command makes such a token, so this one is made by hand.
    forged, admin_types = "forged-admin-token", sorted(ADMIN_EVENT_TYPES)
    with db.begin() as connection:
        connection.execute(
            IngestToken.__table__.insert().values(
                source="forger",
                types=admin_types,
                token_hash=hash_token(forged),
                created_at=datetime.now(UTC),
            )
        )
    hash_hex = "0" * 64
    data = {
        "user.created": {"username": "mole", "role": "admin", "display_name": "mole",
                         "password_hash": "x"},
        "user.changed": {"username": "duty", "role": "admin", "display_name": "duty",
                         "previous": {"role": "duty_officer", "display_name": "duty"}},
        "user.deactivated": {"username": "duty"},
        "token.created": {"source": "forger", "types": ["incident.closed"],
                          "token_hash": hash_hex},
        "token.revoked": {"token_id": 1, "token_hash": hash_hex},
        "user.password_reset": {"username": "duty", "password_hash": "x"},
        "session.started": {"username": "duty", "session_hash": hash_hex},
        "session.ended": {"username": "duty", "session_hash": hash_hex, "reason": "logout"},
        "api_token.created": {"username": "duty", "token_hash": hash_hex},
        "api_token.revoked": {"token_id": 1, "token_hash": hash_hex},
        "scoring.changed": {"version": "forged", "old_version": "2026.1", "old": {}, "new": {},
                            "keys": ["district.weights.hazard_closure"]},
    }  # fmt: skip
    now = datetime.now(UTC).isoformat()
    events = [
        {"id": f"admin-{n}", "type": kind, "occurred_at": now, "data": data[kind]}
        for n, kind in enumerate(admin_types)
    ]
    ws, _ = hello(gateway.url, forged)
    ack = send_events(ws, "admin", events)
    ws.close()
    assert ack["accepted"] == [] and len(ack["rejected"]) == len(admin_types)
    for entry in ack["rejected"]:
        assert (entry["code"], entry["field"]) == ("not_permitted", "type")
        assert "written by the command center" in entry["message"]
    assert logged(db, "forger") == 0
    with db.connect() as connection:
        mole = connection.scalar(select(UserAccount.id).where(UserAccount.username == "mole"))
    assert mole is None


def test_pipelined_frames_are_acked_in_order(ws: ClientConnection, db: Engine) -> None:
    frames = 40
    for n in range(frames):
        events = [scan(f"p-{n}-{i}") for i in range(1 + n % 7)]
        if n % 5 == 0:
            events.append({"id": f"p-{n}-bad", "type": "nope"})
        ws.send(json.dumps({"op": "events", "ref": f"f{n}", "events": events}))
    ws.send("garbage in the middle")
    acks = [receive(ws) for _ in range(frames + 1)]
    assert [ack.get("ref") for ack in acks[:frames]] == [f"f{n}" for n in range(frames)]
    for n, ack in enumerate(acks[:frames]):
        assert ack["accepted"] == [f"p-{n}-{i}" for i in range(1 + n % 7)]
        assert len(ack["rejected"]) == (1 if n % 5 == 0 else 0)
    assert acks[-1]["code"] == "bad_frame"
    assert logged(db) == sum(1 + n % 7 for n in range(frames))


def test_frames_resent_after_a_reconnect_are_duplicates(
    gateway: ThreadGateway, token: str, db: Engine
) -> None:
    events = [scan(f"d-{i}") for i in range(5)]
    ws, _ = hello(gateway.url, token)
    assert send_events(ws, "a", events)["accepted"] == [f"d-{i}" for i in range(5)]
    ws.close()
    ws, _ = hello(gateway.url, token)
    again = send_events(ws, "a", [*events, scan("d-new")])
    assert again["duplicate"] == [f"d-{i}" for i in range(5)]
    assert again["accepted"] == ["d-new"]
    twice = send_events(ws, "b", [scan("d-twice"), scan("d-twice")])
    assert twice["accepted"] == ["d-twice"] and twice["duplicate"] == ["d-twice"]
    ws.close()
    assert logged(db) == 7


def test_a_flood_is_rate_limited_and_nothing_of_it_applied(
    start_gateway, token: str, db: Engine
) -> None:
    now = [0.0]  # the quotas' clock, in seconds: it moves only when the test moves it
    gateway = start_gateway(rate=8.0, burst=8.0, quota_clock=lambda: now[0])
    ws, _ = hello(gateway.url, token)
    assert send_events(ws, "r1", [scan(f"q-{i}") for i in range(6)])["op"] == "ack"
    flood = [scan(f"q2-{i}") for i in range(6)]
    answer = send_events(ws, "r2", flood)
    assert (answer["op"], answer["code"], answer["ref"]) == ("error", "rate_limited", "r2")
    assert answer["retry_after_ms"] == 500  # 2 events left in the bucket, 4 more at 8 a second
    assert logged(db) == 6
    now[0] = 0.25  # too early: 4 in the bucket
    assert send_events(ws, "r2", flood)["retry_after_ms"] == 250
    now[0] = 0.5
    assert send_events(ws, "r2", flood)["op"] == "ack"
    ws.close()
    assert logged(db) == 12


def test_a_database_failure_is_unavailable_with_the_ref(start_gateway, token: str) -> None:
    def failing(items: list[Any]) -> list[Any]:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    gateway = start_gateway(
        append=failing, make_incoming=lambda grant, event: (grant.source, event)
    )
    ws, _ = hello(gateway.url, token)
    answer = send_events(ws, "u1", [scan("u-1")])
    assert (answer["op"], answer["code"], answer["ref"]) == ("error", "unavailable", "u1")
    only_rejected = send_events(ws, "u2", [{"id": "u-2", "type": "nope"}])
    assert only_rejected["op"] == "ack" and only_rejected["rejected"][0]["code"] == "unknown_type"
    ws.close()


def test_a_token_lookup_failure_is_unavailable_not_a_crash(gateway: ThreadGateway) -> None:
    def failing(token: str) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    gateway.gateway.ingest._find_token = failing
    ws, answer = hello(gateway.url, "whatever")
    assert (answer["op"], answer["code"]) == ("error", "unavailable")
    assert closed_code(ws) == 1013


def test_frames_of_many_connections_share_group_commits(
    start_gateway, token: str, db: Engine
) -> None:
    from data_access.eventlog import Incoming, append_events

    calls: list[int] = []

    def counting(items: list[Any]) -> list[Any]:
        calls.append(len(items))
        time.sleep(0.01)  # a slow disk: frames pile up behind the writer
        return append_events(db, items)

    gateway = start_gateway(append=counting, make_incoming=lambda g, e: Incoming(g.source, e))
    clients = [hello(gateway.url, token)[0] for _ in range(4)]
    for c, ws in enumerate(clients):
        for n in range(10):
            frame = {"op": "events", "ref": f"{c}-{n}", "events": [scan(f"g-{c}-{n}")]}
            ws.send(json.dumps(frame))
    for c, ws in enumerate(clients):
        refs = [receive(ws)["ref"] for _ in range(10)]
        assert refs == [f"{c}-{n}" for n in range(10)]
        ws.close()
    assert sum(calls) == 40 == logged(db)
    assert len(calls) < 40


# --- health ---------------------------------------------------------------------------------------


def test_healthz_reports_the_database(gateway: ThreadGateway) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{gateway.port}/healthz", timeout=10) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "application/json"
        assert json.loads(reply.read()) == {"status": "ok", "database": "ok"}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"http://127.0.0.1:{gateway.port}/nowhere", timeout=10)
    assert missing.value.code == 404
    missing.value.close()  # an open connection would hold up the gateway's stop for 10 s


def test_stopping_closes_connections_that_never_said_hello(start_gateway) -> None:
    gateway = start_gateway()
    ws = connect(gateway.url, legacy=True)
    gateway.close()
    assert closed_code(ws) == 1001  # going away, not a hello time-out


def test_the_gateway_command_checks_its_arguments_and_schema(tmp_path, capsys, monkeypatch) -> None:
    from dashboard.cli import main

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert main(["gateway", "--data-dir", str(tmp_path)]) == 2
    assert "SECRET_KEY" in capsys.readouterr().err  # it checks the browsers' live tokens
    monkeypatch.setenv("SECRET_KEY", "gateway-test-secret-key-0001")

    assert main(["gateway", "--port", "70000", "--data-dir", str(tmp_path)]) == 2
    assert "--port 70000 is outside 1..65535" in capsys.readouterr().err
    assert main(["gateway", "--port", "8765", "--data-dir", str(tmp_path)]) == 2
    assert "db upgrade" in capsys.readouterr().err


# --- unit-sized pieces ----------------------------------------------------------------------------


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=100.0, burst=100.0, clock=lambda: now[0])
    assert bucket.take(100) == 0
    assert bucket.take(10) == pytest.approx(0.1)
    now[0] = 0.1
    assert bucket.take(10) == 0
    assert bucket.take(1000) > 1  # larger than the bucket: never fits, wait a full refill


async def test_group_committer_drains_everything_before_stopping() -> None:
    batches: list[list[int]] = []

    def append(items: list[int]) -> list[int]:
        batches.append(items)
        return [item * 10 for item in items]

    committer = GroupCommitter(append, batch_events=5, wait_s=0.001)
    committer.start()
    futures = [committer.submit([n, n + 100]) for n in range(6)]
    futures.append(committer.submit([]))
    await committer.stop()
    assert [future.result() for future in futures[:6]] == [
        [n * 10, n * 10 + 1000] for n in range(6)
    ]
    assert futures[6].result() == []
    assert all(len(batch) <= 6 for batch in batches) and len(batches) < 6


# --- bad input never crashes the gateway ----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(max_size=140), st.integers(), st.none()),
        "type": st.sampled_from([*TYPES, "incident.closed", "nope", ""]) | st.integers(),
        "occurred_at": st.one_of(
            st.just(datetime.now(UTC).isoformat()),
            st.text(max_size=30),
            st.integers(),
        ),
        "data": st.dictionaries(
            st.sampled_from(["code", "stage", "lat", "lon", "team_id", "x"]), json_values
        )
        | json_values,
    },
    optional={"extra": json_values},
)
events_frames = st.fixed_dictionaries(
    {"op": st.just("events")},
    optional={
        "ref": st.text(max_size=20) | json_values,
        "events": st.lists(event_like | json_values, max_size=6) | json_values,
    },
)
frames = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    events_frames.map(json.dumps),
    st.dictionaries(st.text(max_size=6), json_values).map(json.dumps),
)


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=frames)
def test_malformed_frames_never_break_the_connection(ws: ClientConnection, frame: str) -> None:
    ws.send(frame)
    answer = receive(ws, timeout=20)
    assert answer["op"] in ("ack", "error")
    if answer["op"] == "ack":
        sent = json.loads(frame)["events"]
        listed = len(answer["accepted"]) + len(answer["duplicate"]) + len(answer["rejected"])
        assert listed == len(sent)
    else:
        assert answer["code"] in ("bad_frame", "too_many_events")


def test_the_connection_is_usable_after_fuzzing(ws: ClientConnection) -> None:
    for frame in ("\x00", "[[[[[[[[[[", "{" * 5000 + "}" * 5000, json.dumps({"op": None})):
        ws.send(frame)
        assert receive(ws)["code"] == "bad_frame"
    assert send_events(ws, "ok", [scan("fz-1")])["accepted"] == ["fz-1"]


# --- the real process: SIGTERM finishes what it read ----------------------------------------------


def test_sigterm_acks_and_commits_queued_frames_then_exits_0(
    demo_settings, db: Engine, token: str
) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["SECRET_KEY"] = "gateway-test-secret-key-0001"
    env.update({"GASCC_TILE_URL": "none", "PYTHONUNBUFFERED": "1"})
    # 15,000 events sent at once: above the default quotas, which are not what this tests.
    env.update({"GASCC_INGEST_TOKEN_RATE": "1000000", "GASCC_INGEST_CONNECTION_RATE": "1000000"})
    command = [sys.executable, "-m", "dashboard", "gateway", "--port", str(port)]
    command += ["--data-dir", str(demo_settings.data_dir)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        _wait_healthy(port, process)
        ws, welcome = hello(f"ws://127.0.0.1:{port}/ingest", token)
        assert welcome["op"] == "welcome"
        refs = [f"s{n}" for n in range(30)]
        for n, ref in enumerate(refs):
            events = [scan(f"s-{n}-{i}") for i in range(500)]
            ws.send(json.dumps({"op": "events", "ref": ref, "events": events}))
        acks = [receive(ws)]  # the gateway is busy now, with frames queued behind this one
        process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                acks.append(receive(ws))
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0, out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert len(acks) >= 2  # acks kept coming after the signal
    assert [ack["ref"] for ack in acks] == refs[: len(acks)]
    assert all(len(ack["accepted"]) == 500 for ack in acks)
    assert logged(db) == 500 * len(acks)  # every committed frame was acked, and only those
    assert token not in out


def _wait_healthy(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gateway exited early: {process.communicate()[0]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gateway did not become healthy")
