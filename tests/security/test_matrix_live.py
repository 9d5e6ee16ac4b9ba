"""The live channel (/live on a real gateway, in-process) x principals.

- a district officer of A receives A's events and none of B's;
- an enterprise user receives its own enterprise's events and none of another's;
- a live token that is expired, signed with another key, or altered is refused (an "unauthorized"
  error and close code 1008), and a well-made one is welcome (the control).

"None of B's" is shown without waiting on a clock: B's event is ingested first and A's after it,
and the channel delivers in log order, so anything of B's would arrive before A's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from dashboard.live_token import LIFETIME_S, issue_live_token
from data_access.models import Cylinder
from data_access.users import find_login
from tests.security.conftest import World, ingest
from tests.support import IN_JIANGAN, IN_WUCHANG, incident, issue_token

pytestmark = pytest.mark.timeout(120)


def user(world: World, username: str) -> Any:
    found = find_login(world.engine, username)
    assert found is not None, username
    return found[0]


async def hello(url: str, token: str) -> tuple[ClientConnection, dict[str, Any]]:
    ws = await connect(f"{url}/live")
    await ws.send(json.dumps({"op": "hello", "token": token, "after": 0}))
    return ws, json.loads(await asyncio.wait_for(ws.recv(), 30))


async def events_until(ws: ClientConnection, last_id: str, timeout: float = 30) -> list[str]:
    """Ids of the events received up to and including `last_id` (pings skipped)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while last_id not in seen:
        message = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if message["op"] == "events":
            seen.extend(event["id"] for event in message["events"])
    return seen


def scan(event_id: str, code: str) -> dict[str, Any]:
    from datetime import UTC, datetime

    return {
        "id": event_id,
        "type": "cylinder.scanned",
        "occurred_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {"code": code, "stage": "filling", "lat": IN_JIANGAN[0], "lon": IN_JIANGAN[1]},
    }


def cylinder_of(world: World, enterprise: str) -> str:
    query = select(Cylinder.code).where(Cylinder.enterprise_id == enterprise).limit(1)
    with world.engine.connect() as connection:
        code = connection.scalar(query)
    assert code is not None, enterprise
    return code


async def test_a_district_officer_receives_its_districts_events_and_none_of_anothers(
    world, gateway
):
    _, token = issue_token(world.engine, "hotline-live", ["incident.reported"])
    secret = gateway.settings.secret_key
    ws, welcome = await hello(gateway.url, issue_live_token(secret, user(world, "jiangan")))
    assert welcome["op"] == "welcome"
    in_b, in_a = incident("LIVE-B", *IN_WUCHANG), incident("LIVE-A", *IN_JIANGAN)
    ack = await ingest(gateway.url, token, [in_b, in_a])
    assert ack["accepted"] == ["LIVE-B", "LIVE-A"], ack
    received = await events_until(ws, "LIVE-A")
    await ws.close()
    assert "LIVE-A" in received and "LIVE-B" not in received, received
    assert not others_notices(world, received), received


async def test_an_enterprise_user_receives_its_enterprises_events_and_none_of_anothers(
    world, gateway
):
    _, token = issue_token(world.engine, "scans-live", ["cylinder.scanned"])
    own, other = cylinder_of(world, world.enterprise_x), cylinder_of(world, world.enterprise_y)
    secret = gateway.settings.secret_key
    ws, welcome = await hello(gateway.url, issue_live_token(secret, user(world, "enterprise")))
    assert welcome["op"] == "welcome"
    ack = await ingest(gateway.url, token, [scan("SCAN-Y", other), scan("SCAN-X", own)])
    assert ack["accepted"] == ["SCAN-Y", "SCAN-X"], ack
    try:
        received = await events_until(ws, "SCAN-X", timeout=5)
    finally:
        await ws.close()
    assert "SCAN-X" in received and "SCAN-Y" not in received, received
    assert not others_notices(world, received), received


def others_notices(world, received: list[str]) -> list[str]:
    """The received events that record a notice of a detention in district B (enterprise Y's):
    the gateway's notifier tells of the world's detentions as the tests run, and each user may
    receive the records of its own (district A's, enterprise X's) but never of those."""
    theirs = [value for key, value in world.detentions.items() if key.endswith("_b")]
    return [event_id for event_id in received if any(mark in event_id for mark in theirs)]


def altered(token: str) -> str:
    """The token with its payload changed (a district officer claiming the whole city)."""
    payload, *signature = token.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    return ".".join([forged, *signature])


@pytest.mark.parametrize("kind", ["expired", "another key", "altered", "empty", "well made"])
async def test_a_live_token_not_made_by_the_app_just_now_is_refused(world, gateway, kind):
    secret = gateway.settings.secret_key
    officer = user(world, "jiangan")
    token = {
        "expired": lambda: issue_live_token(secret, officer, lambda: time.time() - LIFETIME_S - 60),
        "another key": lambda: issue_live_token("not-the-apps-secret-key-0123456", officer),
        "altered": lambda: altered(issue_live_token(secret, officer)),
        "empty": lambda: "",
        "well made": lambda: issue_live_token(secret, officer),  # the control
    }[kind]()
    ws, answer = await hello(gateway.url, token)
    if kind == "well made":
        assert answer["op"] == "welcome"
    else:
        assert (answer["op"], answer["code"]) == ("error", "unauthorized"), answer
        await ws.wait_closed()
        assert ws.close_code == 1008
    await ws.close()


async def test_a_user_deactivated_while_connected_receives_nothing_more(world, gateway):
    from websockets.exceptions import ConnectionClosed

    from dashboard.auth import hash_password
    from dashboard.domain.roles import Role, system_user
    from data_access import commands
    from tests.security.conftest import DISTRICT_A

    admin = system_user("security-admin")
    password = hash_password("x" * 12)
    created = commands.create_user(
        world.engine, admin, "live-revoked", password, Role.DISTRICT_OFFICER, district=DISTRICT_A
    )
    assert isinstance(created, commands.Done), created
    _, token = issue_token(world.engine, "hotline-revoked", ["incident.reported"])
    secret = gateway.settings.secret_key
    ws, welcome = await hello(gateway.url, issue_live_token(secret, user(world, "live-revoked")))
    assert welcome["op"] == "welcome"
    assert isinstance(commands.deactivate_user(world.engine, admin, "live-revoked"), commands.Done)
    ack = await ingest(gateway.url, token, [incident("AFTER-REVOKE", *IN_JIANGAN)])
    assert ack["accepted"] == ["AFTER-REVOKE"], ack
    received: list[str] = []
    with contextlib.suppress(ConnectionClosed, TimeoutError):
        received = await events_until(ws, "AFTER-REVOKE", timeout=5)
    await ws.close()
    assert "AFTER-REVOKE" not in received


async def test_a_live_token_from_a_sign_in_that_ended_is_refused(world, gateway):
    """A token fetched just before signing out cannot open the channel after it (and one whose
    sign-in is still open can: the control)."""
    from data_access.sessions import end_session, session_hash, start_session

    officer = user(world, "jiangan")
    secret = gateway.settings.secret_key
    open_id = start_session(world.engine, officer, None)
    ended_id = start_session(world.engine, officer, None)
    end_session(world.engine, officer, ended_id, "logout")
    ws, answer = await hello(
        gateway.url, issue_live_token(secret, officer, session_hash=session_hash(open_id))
    )
    assert answer["op"] == "welcome"
    await ws.close()
    ws, answer = await hello(
        gateway.url, issue_live_token(secret, officer, session_hash=session_hash(ended_id))
    )
    assert (answer["op"], answer["code"]) == ("error", "unauthorized"), answer
    await ws.close()
