"""Ingest under a flood (issue 13, item 2): per-token quotas, connection caps, fair parsing.

Over real websockets against a gateway on a copy of the seeded demo city (the helpers of
tests/integration/test_gateway.py). The quotas' clock is the test's: it moves only when the test
moves it, so no test depends on how fast this machine is.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from sqlalchemy import Engine

from dashboard.gateway.ingest import IngestService
from tests.integration.test_gateway import (
    TYPES,
    closed_code,
    hello,
    logged,
    receive,
    scan,
    send_events,
)
from tests.support import issue_token


def invalid(count: int, prefix: str) -> list[dict[str, Any]]:
    """Events that validation rejects (an unknown stage)."""
    return [scan(f"{prefix}-{n}", stage="nowhere") for n in range(count)]


def test_a_tokens_connections_share_one_quota_and_rejected_events_count(
    start_gateway, token: str, db: Engine
) -> None:
    now = [0.0]
    gateway = start_gateway(
        rate=1_000.0, token_rate=8.0, token_burst=8.0, quota_clock=lambda: now[0]
    )
    first, _ = hello(gateway.url, token)
    second, _ = hello(gateway.url, token)
    spent = send_events(first, "bad", invalid(6, "bad"))  # six rejected events spend six
    assert spent["op"] == "ack" and len(spent["rejected"]) == 6
    answer = send_events(second, "r", [scan(f"q-{n}") for n in range(4)])
    assert (answer["op"], answer["code"], answer["ref"]) == ("error", "rate_limited", "r")
    assert answer["retry_after_ms"] == 250  # 2 left, 2 more at 8 a second
    assert logged(db) == 0
    now[0] = 0.25
    assert send_events(second, "r", [scan(f"q-{n}") for n in range(4)])["accepted"] == [
        f"q-{n}" for n in range(4)
    ]
    first.close()
    second.close()


def test_a_token_opens_at_most_its_connections(start_gateway, token: str) -> None:
    gateway = start_gateway(token_connections=2)
    open_ = [hello(gateway.url, token) for _ in range(2)]
    assert all(welcome["op"] == "welcome" for _, welcome in open_)
    third, refused = hello(gateway.url, token)
    assert (refused["op"], refused["code"]) == ("error", "too_many_connections")
    assert closed_code(third) == 1013
    open_[0][0].close()
    # A closed connection frees its place (the gateway notices the close first).
    for _ in range(50):
        again, welcome = hello(gateway.url, token)
        if welcome["op"] == "welcome":
            break
        again.close()
    assert welcome["op"] == "welcome"
    again.close()
    open_[1][0].close()


def test_the_gateway_serves_at_most_its_connections(start_gateway, token: str, db: Engine) -> None:
    other = issue_token(db, "ent-other", TYPES, "tests")[1]
    gateway = start_gateway(max_connections=2)
    first, _ = hello(gateway.url, token)
    second, _ = hello(gateway.url, token)
    third, refused = hello(gateway.url, other)  # another token, but the gateway is full
    assert (refused["op"], refused["code"]) == ("error", "too_many_connections")
    assert closed_code(third) == 1013
    first.close()
    second.close()


def test_a_quiet_source_is_answered_while_a_flooders_frames_are_parsed(
    start_gateway, token: str, db: Engine
) -> None:
    """A flooder pipelines frames of 1,000 invalid events; a quiet source's one-event frame,
    sent after them, is answered before the flooder's last frame: parsing is shared in turns.
    (The quiet event is invalid too, so that its answer needs no commit: this is about the
    event loop's turns, not about the writer thread's share of the interpreter.)"""
    quiet_token = issue_token(db, "fire-119", TYPES, "tests")[1]
    gateway = start_gateway(rate=1e9, token_rate=1e9, parse_chunk=20)
    flooder, _ = hello(gateway.url, token)
    quiet, _ = hello(gateway.url, quiet_token)
    frames = 16
    flood = [
        json.dumps({"op": "events", "ref": f"f{n}", "events": invalid(1000, f"f{n}")})
        for n in range(frames)
    ]
    sending = threading.Thread(target=lambda: [flooder.send(frame) for frame in flood])
    sending.start()
    flooder_acks = [receive(flooder)]  # the gateway is busy with the flood now
    quiet.send(json.dumps({"op": "events", "ref": "q", "events": invalid(1, "quiet")}))
    assert len(receive(quiet)["rejected"]) == 1
    # The flooder's acks so far: its last frame cannot be among them.
    while True:
        try:
            flooder_acks.append(json.loads(flooder.recv(timeout=0)))
        except TimeoutError:
            break
    assert len(flooder_acks) < frames
    sending.join()
    flooder.close()
    quiet.close()


def test_usage_per_token_counts_accepted_rejected_and_last_use(
    start_gateway, token: str, db: Engine
) -> None:
    token_id = issue_token(db, "ent-usage", TYPES, "tests")
    gateway = start_gateway(rate=1_000.0, token_rate=1_000.0)
    ws, _ = hello(gateway.url, token_id[1])
    send_events(ws, "a", [scan("u-1"), scan("u-2"), *invalid(3, "u-bad")])
    ws.close()
    service: IngestService = gateway.gateway.ingest
    accepted, rejected, last_used = service.usage_snapshot()[token_id[0]]
    assert (accepted, rejected) == (2, 3)
    assert last_used is not None


def test_usage_reaches_the_token_page_once_per_change(
    start_gateway, token: str, db: Engine
) -> None:
    from data_access.token_usage import token_usage

    token_id, secret = issue_token(db, "ent-flush", TYPES, "tests")
    gateway = start_gateway(rate=1_000.0, token_rate=1_000.0)
    ws, _ = hello(gateway.url, secret)
    send_events(ws, "a", [scan("f-1"), *invalid(2, "f-bad")])
    gateway.gateway.usage.flush()
    gateway.gateway.usage.flush()  # nothing new: nothing added twice
    send_events(ws, "b", [scan("f-2")])
    gateway.gateway.usage.flush()
    ws.close()
    row = next(row for row in token_usage(db) if row.id == token_id)
    assert (row.accepted, row.rejected) == (2, 2)
    assert row.last_used_at is not None
