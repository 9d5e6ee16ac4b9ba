"""The live channel for an enterprise user (issue 13, item 10d): its own enterprise's events (a
cylinder scan names only the code, not the enterprise), and nothing of another enterprise's.

A real gateway on the test's event loop, a real /ingest client and a real /live client.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dashboard.domain.roles import Role, User
from data_access.db import make_engine
from data_access.eventlog import last_seq
from data_access.models import Cylinder
from tests.integration.test_live_path import RunningGateway, ingest, live_screen, next_events
from tests.support import issue_token


def enterprise_user(enterprise_id: str) -> User:
    return User(21, "lpg", Role.ENTERPRISE, "LPG desk", enterprise_id=enterprise_id)


def scan(event_id: str, code: str) -> dict:
    occurred = (datetime.now(UTC) - timedelta(seconds=5)).isoformat(timespec="seconds")
    data = {"code": code, "stage": "filling", "lat": 30.59, "lon": 114.30}
    return {"id": event_id, "type": "cylinder.scanned", "occurred_at": occurred, "data": data}


@pytest.fixture
def two_cylinders(demo_settings) -> tuple[tuple[str, str], tuple[str, str]]:
    """(enterprise, code) of two cylinders of two different enterprises."""
    engine = make_engine(demo_settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(Cylinder.enterprise_id, Cylinder.code)).all()
    engine.dispose()
    first = rows[0]
    second = next(row for row in rows if row[0] != first[0])
    return (first[0], first[1]), (second[0], second[1])


@pytest.fixture
def token(demo_settings) -> str:
    engine = make_engine(demo_settings.database_url)
    _, secret = issue_token(engine, "scanner-app", ["cylinder.scanned"])
    engine.dispose()
    return secret


async def test_an_enterprise_user_receives_its_own_cylinders_scans_only(
    demo_settings, token: str, two_cylinders
) -> None:
    (own, own_code), (_other, other_code) = two_cylinders
    async with RunningGateway(demo_settings) as gateway:
        screen = await live_screen(gateway.url, demo_settings, enterprise_user(own))
        ack = await ingest(
            gateway.url, token, [scan("s-other", other_code), scan("s-own", own_code)]
        )
        assert ack["accepted"] == ["s-other", "s-own"]
        received = await next_events(screen)
        assert [event["id"] for event in received] == ["s-own"]
        assert "enterprises" not in received[0]  # the hub's own mark is not sent
        await screen.close()


async def test_a_late_enterprise_screen_catches_up_with_its_own_events_only(
    demo_settings, token: str, two_cylinders
) -> None:
    (own, own_code), (_other, other_code) = two_cylinders
    async with RunningGateway(demo_settings) as gateway:
        ack = await ingest(
            gateway.url, token, [scan("c-other", other_code), scan("c-own", own_code)]
        )
        assert len(ack["accepted"]) == 2
        newest = last_seq(gateway.engine)
        screen = await live_screen(
            gateway.url, demo_settings, enterprise_user(own), after=newest - 2
        )
        received = await next_events(screen)
        assert [event["id"] for event in received] == ["c-own"]
        await screen.close()
