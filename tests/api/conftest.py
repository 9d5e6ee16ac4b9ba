"""A small city for the API's tests: the demo registry (on SQLite and PostgreSQL) with hazards,
incidents, alarms and complaints in Jiang'an and Wuchang, real accounts of every role, each with
a personal API token, and the app on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from dashboard.domain.events import EVENT_TYPES, Event, EventData
from dashboard.domain.roles import Role, User, system_user
from data_access import commands
from data_access.commands.admin import ApiTokenIssued, create_api_token
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Cylinder, Enterprise, Sensor, Site
from data_access.users import find_login
from tests.conftest import DATABASES, engine_on_copy
from tests.support import IN_JIANGAN, IN_WUCHANG, JIANGAN, WUCHANG

OPERATOR = system_user("tests")
ACCOUNTS: dict[str, tuple[Role, str | None]] = {
    "api-admin": (Role.ADMIN, None),
    "api-leader": (Role.LEADER, None),
    "api-duty": (Role.DUTY_OFFICER, None),
    "api-supervisor": (Role.SUPERVISOR, None),
    "api-jiangan": (Role.DISTRICT_OFFICER, JIANGAN),
    "api-wuchang": (Role.DISTRICT_OFFICER, WUCHANG),
    "api-enterprise": (Role.ENTERPRISE, None),  # bound to Jiang'an's first enterprise
    "api-screen": (Role.SCREEN, None),
}


@dataclass
class ApiCity:
    engine: Engine
    client: Any
    jiangan_enterprise: str
    wuchang_enterprise: str
    jiangan_cylinder: str
    wuchang_cylinder: str
    tokens: dict[str, str] = field(default_factory=dict)  # username -> API token
    users: dict[str, User] = field(default_factory=dict)

    def get(self, path: str, as_: str | None = "api-duty", **headers: str) -> Any:
        """GET as a user's token (None: no credentials at all)."""
        if as_ is not None:
            headers.setdefault("Authorization", f"Bearer {self.tokens[as_]}")
        return self.client.get(path, headers=headers)

    def ids(self, path: str, as_: str = "api-duty") -> list[str]:
        response = self.get(path, as_)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["id"] for item in response.get_json()["items"]]


def first(engine: Engine, query: Any) -> Any:
    with engine.connect() as connection:
        found = connection.scalar(query)
    assert found is not None, query
    return found


def logged(engine: Engine, data: EventData, event_id: str, minutes_ago: float = 5) -> None:
    when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    event = Event.of(data, id=event_id, occurred_at=when)
    (outcome,) = append_events(engine, [Incoming("tests", event)])
    assert isinstance(outcome, Accepted), outcome


def event(event_type: str, **fields: Any) -> EventData:
    return EVENT_TYPES[event_type](**fields)


def seed_events(engine: Engine, enterprises: dict[str, str]) -> None:
    """Two of each kind: one in Jiang'an (ids ending -J), one in Wuchang (-W)."""
    due = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    for suffix, district, (lat, lon) in (("J", JIANGAN, IN_JIANGAN), ("W", WUCHANG, IN_WUCHANG)):
        target = enterprises[suffix]
        hazard = event(
            "hazard.reported", hazard_id=f"HZ-{suffix}", target_type="enterprise",
            target_id=target, district=district, category="hose", level="general",
            description="老化软管", lat=lat, lon=lon, due_at=due,
        )  # fmt: skip
        logged(engine, hazard, f"hz-{suffix}", minutes_ago=60 if suffix == "J" else 10)
        incident = event(
            "incident.reported", incident_id=f"INC-{suffix}", kind="leak",
            channel="hotline_96511", lat=lat, lon=lon, address="测试路 1 号", severity=2,
            description="闻到燃气味",
        )  # fmt: skip
        logged(engine, incident, f"inc-{suffix}")
        complaint = event(
            "complaint.received", complaint_id=f"CP-{suffix}", channel="hotline_96511",
            category="service", district=district, text="送气不及时", lat=lat, lon=lon,
        )  # fmt: skip
        logged(engine, complaint, f"cp-{suffix}")
        sensor = first(
            engine,
            select(Sensor.id).where(Sensor.high.is_not(None), Sensor.district == district)
            .order_by(Sensor.id),
        )  # fmt: skip
        high = first(engine, select(Sensor.high).where(Sensor.id == sensor))
        logged(engine, event("sensor.reading", sensor_id=sensor, value=high * 3), f"rd-{suffix}")
    logged(engine, event("hazard.updated", hazard_id="HZ-W", status="assigned", actor="w1"), "hu")


def scan_filling(engine: Engine, code: str, enterprise: str) -> None:
    """The cylinder filled at one of its enterprise's sites: a link of its chain."""
    site = first(engine, select(Site.id).where(Site.enterprise_id == enterprise).order_by(Site.id))
    lat, lon = IN_JIANGAN
    scan = event("cylinder.scanned", code=code, stage="filling", site_id=site, lat=lat, lon=lon)
    logged(engine, scan, f"scan-{code}", minutes_ago=3)


def make_accounts(engine: Engine, jiangan_enterprise: str) -> dict[str, User]:
    users = {}
    for username, (role, district) in ACCOUNTS.items():
        enterprise = jiangan_enterprise if role is Role.ENTERPRISE else None
        done = commands.create_user(
            engine, OPERATOR, username, "hash", role, district=district, enterprise_id=enterprise
        )
        assert isinstance(done, commands.Done), done
        found = find_login(engine, username)
        assert found is not None
        users[username] = found[0]
    return users


def token_of(engine: Engine, user: User) -> str:
    issued = create_api_token(engine, user, "tests")
    assert isinstance(issued, ApiTokenIssued), issued
    return issued.token


@pytest.fixture(params=DATABASES)
def api_city(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ApiCity]:
    from dashboard.app import create_app
    from dashboard.settings import Settings

    for engine in engine_on_copy(request, tmp_path, "city"):
        owners = select(Cylinder.enterprise_id)  # enterprises with cylinders
        enterprises = {
            suffix: first(
                engine,
                select(Enterprise.id)
                .where(Enterprise.district == district, Enterprise.id.in_(owners))
                .order_by(Enterprise.id),
            )
            for suffix, district in (("J", JIANGAN), ("W", WUCHANG))
        }
        cylinders = {
            suffix: first(
                engine,
                select(Cylinder.code)
                .where(Cylinder.enterprise_id == enterprise)
                .order_by(Cylinder.code),
            )
            for suffix, enterprise in enterprises.items()
        }
        seed_events(engine, enterprises)
        scan_filling(engine, cylinders["J"], enterprises["J"])
        users = make_accounts(engine, enterprises["J"])
        env = {"GASCC_TILE_URL": "none", "SECRET_KEY": "test-secret-key-0123456789"}
        app = create_app(Settings.from_env(env, data_dir=tmp_path), engine=engine)
        city = ApiCity(
            engine, app.server.test_client(), enterprises["J"], enterprises["W"],
            cylinders["J"], cylinders["W"], users=users,
        )  # fmt: skip
        city.tokens = {name: token_of(engine, user) for name, user in users.items()}
        yield city
        app.server.config["GASCC"].notifier.close()
