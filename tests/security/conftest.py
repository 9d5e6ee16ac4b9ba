"""The attacker's principals and the world they attack (docs/security.md, "The matrix").

One demo city and one app per test module (a copy of the run's demo template): every principal
signs in once and keeps its session for the module, so the matrix costs one request per cell.
The world holds objects of two districts (A: Jiang'an, where the district officer works; B:
Wuchang) and of two enterprises (X: the enterprise login's; Y: another), so that every scope
cell has an object on each side of the line.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Engine, func, select

from dashboard.auth import hash_password
from dashboard.domain.events import Event, SensorReading
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.roles import Role, User, system_user
from data_access import commands
from data_access.eventlog import Incoming, append_events
from data_access.models import (
    Alarm,
    Customer,
    Cylinder,
    EventRecord,
    Sensor,
    Site,
    Team,
    UserAccount,
    Worker,
)
from tests.support import IN_JIANGAN, IN_WUCHANG, JIANGAN, WUCHANG, report_hazard

DISTRICT_A, DISTRICT_B = JIANGAN, WUCHANG
SECRET_KEY = "security-matrix-secret-key-0123456789"

# Every role, as the demo logins sign in (the district officer's district is A; the enterprise
# login's enterprise is X).
ROLE_LOGINS: dict[Role, str] = {
    Role.ADMIN: "admin",
    Role.LEADER: "leader",
    Role.DUTY_OFFICER: "duty",
    Role.SUPERVISOR: "supervisor",
    Role.DISTRICT_OFFICER: "jiangan",
    Role.ENTERPRISE: "enterprise",
    Role.SCREEN: "screen",
}
# Principals that hold no valid session, each in its own way: the server must treat all three
# as a stranger.
NO_SESSION = ("anonymous", "expired", "revoked")
PRINCIPALS = (*NO_SESSION, *(role.value for role in ROLE_LOGINS))
REVOKED_LOGIN = "revoked-duty"  # a duty officer deactivated by an admin after signing in


@dataclass
class World:
    """The app under attack, its database and the objects the cells aim at."""

    app: Any
    engine: Engine
    data_dir: Path
    incident_a: str
    incident_b: str
    team_a: str
    team_b: str
    alarm_a: str
    alarm_b: str
    enterprise_x: str
    enterprise_y: str
    hazard_a: str  # reported in A
    hazard_b: str  # reported in B, of an enterprise other than X
    task_a: str  # an inspection task the city issued to A (to complete)
    task_a_own: str  # one A's office issued itself (to withdraw)
    task_b: str  # one the city issued to B
    clients: dict[str, Any] = field(default_factory=dict)
    # online detention: X's cylinders and detentions in A, Y's in B (_detentions)
    detentions: dict[str, str] = field(default_factory=dict)
    # complaints: A's naming X, B's naming an enterprise of B, one per step (_complaints)
    complaints: dict[str, str] = field(default_factory=dict)

    def client(self, principal: str) -> Any:
        return self.clients[principal]

    def role_of(self, principal: str) -> Role | None:
        return None if principal in NO_SESSION else Role(principal)


def events_by(engine: Engine, actor: str) -> int:
    """How many events `actor` has recorded (the app's notifier may record its own meanwhile)."""
    query = select(func.count()).select_from(EventRecord).where(EventRecord.actor == actor)
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def all_events(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(EventRecord)) or 0)


# --- building the world ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path
) -> Iterator[World]:
    from dashboard.app import create_app
    from dashboard.settings import Settings

    data_dir = tmp_path_factory.mktemp("security-world")
    shutil.copy(demo_database_template, data_dir / "gascc.sqlite3")
    env = {"GASCC_TILE_URL": "none", "SECRET_KEY": SECRET_KEY}
    app = create_app(Settings.from_env(env, data_dir=data_dir))
    engine = app.server.config["GASCC_ENGINE"]
    built = World(app, engine, data_dir, *_objects(engine))
    built.clients = _principals(built)
    built.detentions = _detentions(engine, built.enterprise_x, built.enterprise_y)
    built.complaints = _complaints(engine, built.enterprise_x)
    yield built
    app.server.config["GASCC"].notifier.close()
    engine.dispose()


def _objects(engine: Engine) -> tuple[str, ...]:
    """An open incident, a team and an active alarm in each district; two enterprises."""
    admin = system_user("security-setup")
    incidents = []
    for lat, lon in (IN_JIANGAN, IN_WUCHANG):
        draft = IncidentDraft("leak", 2, "patrol", lat, lon, "测试地址", "巡查闻到燃气味")
        done = commands.report_incident(engine, admin, draft)
        assert isinstance(done, commands.Done), done
        incidents.append(done.subject)
    with engine.connect() as connection:
        teams = [_first(connection, Team.id, Team.district == d) for d in (DISTRICT_A, DISTRICT_B)]
        own = _first(connection, UserAccount.enterprise_id, UserAccount.username == "enterprise")
        other = _another_enterprise(connection, own)
    alarms = [
        _raise_alarm(engine, district, n) for n, district in enumerate((DISTRICT_A, DISTRICT_B))
    ]
    hazards = (
        report_hazard(engine, "HZ-SECURITY-A", district=DISTRICT_A)[0],
        report_hazard(engine, "HZ-SECURITY-B", district=DISTRICT_B, not_of=own)[0],
    )
    return (*incidents, *teams, *alarms, own, other, *hazards, *_tasks(engine))


def _detentions(engine: Engine, own: str, other: str) -> dict[str, str]:
    """For each district (X's objects in A, Y's in B): a cylinder to detain, a detention to
    recall, two recalled ones (to release, to scrap) and a site of the enterprise's."""
    from tests.integration.test_detentions import cylinder, detain, site_of

    made = {}
    for key, enterprise, at in (("a", own, IN_JIANGAN), ("b", other, IN_WUCHANG)):
        made[f"code_{key}"] = cylinder(engine, enterprise, at=at)
        made[f"site_{key}"] = site_of(engine, enterprise)
        owner = User(0, f"security-{key}", Role.ENTERPRISE, "ent", enterprise_id=enterprise)
        for step in ("recall", "release", "scrap"):
            made[f"{step}_{key}"] = detention_id = detain(
                engine, cylinder(engine, enterprise, at=at)
            )
            if step != "recall":
                done = commands.record_recall(engine, owner, detention_id, made[f"site_{key}"])
                assert isinstance(done, commands.Done), done
    return made


def _complaints(engine: Engine, own: str) -> dict[str, str]:
    """For each district (A's naming X, B's naming an enterprise of B): a complaint for the
    page, and one in the state each step takes it from (the city's desk passed the one to
    assign and the one to reply to down to the district; the one to close was replied)."""
    from tests.complaint_support import enterprises_in, receive_complaint

    setup = User(0, "security-setup", Role.ADMIN, "setup")
    made = {"enterprise_a": own, "enterprise_b": enterprises_in(engine, DISTRICT_B)[0]}
    for key, district, at in (("a", DISTRICT_A, IN_JIANGAN), ("b", DISTRICT_B, IN_WUCHANG)):
        for step in ("page", "assign", "reply", "close", "escalate", "hazard", "incident"):
            complaint_id = receive_complaint(
                engine, f"CMP-SEC-{step}-{key}", district=district, position=at,
                enterprise_id=made[f"enterprise_{key}"],
            )  # fmt: skip
            made[f"{step}_{key}"] = complaint_id
            if step in ("assign", "reply", "close"):
                passed = commands.assign_complaint(engine, setup, complaint_id)
                assert isinstance(passed, commands.Done), passed
            if step == "close":
                answered = commands.reply_complaint(engine, setup, complaint_id, "已上门处理")
                assert isinstance(answered, commands.Done), answered
    return made


def _tasks(engine: Engine) -> tuple[str, str, str]:
    """Inspection tasks: the city's to A and to B, and A's office's own."""
    commands.publish_builtin_checklists(engine)  # the demo has them; said again for clarity
    city = system_user("security-setup")
    officer = User(0, "security-officer", Role.DISTRICT_OFFICER, "officer", district=DISTRICT_A)
    found = []
    for user, district in ((city, DISTRICT_A), (officer, DISTRICT_A), (city, DISTRICT_B)):
        done = commands.issue_task(
            engine, user, title="日常监督检查", checklist_id="daily-supervision",
            districts=[district], target_types=["site"],
            deadline=datetime.now(UTC) + timedelta(days=14),
        )  # fmt: skip
        assert isinstance(done, commands.Done), done
        found.append(done.subject)
    return found[0], found[1], found[2]


def _another_enterprise(connection: Any, own: str) -> str:
    """An enterprise other than `own` that has cylinders, sites, workers and customers, so
    every cell about "another enterprise's object" has one to aim at."""
    owners = [
        set(connection.scalars(select(model.enterprise_id).distinct()))
        for model in (Cylinder, Site, Worker, Customer)
    ]
    candidates = sorted(set.intersection(*owners) - {own, None})
    assert candidates, "the demo city has no second enterprise with objects of every kind"
    return str(candidates[0])


def _first(connection: Any, column: Any, where: Any) -> str:
    value = connection.scalar(select(column).where(where).order_by(column).limit(1))
    assert value is not None, f"the demo city has no {column} where {where}"
    return str(value)


def _raise_alarm(engine: Engine, district: str, n: int) -> str:
    """A real alarm: a sensor of `district` reads far above its band."""
    with engine.connect() as connection:
        sensor = connection.execute(
            select(Sensor.id, Sensor.high)
            .where(Sensor.high.is_not(None), Sensor.district == district)
            .order_by(Sensor.id)
        ).first()
    assert sensor is not None, district
    reading = Event.of(
        SensorReading(sensor_id=sensor.id, value=sensor.high * 3),
        id=f"security-reading-{n}",
        occurred_at=datetime.now(UTC),
    )
    append_events(engine, [Incoming("scada", reading)])
    with engine.connect() as connection:
        return _first(connection, Alarm.id, Alarm.sensor_id == sensor.id)


# --- the principals -------------------------------------------------------------------------


def browser(app: Any) -> Any:
    """A test client that sends what a browser on the app's own page sends with every request
    (its Origin, Sec-Fetch-Site: same-origin), so that a cross-site check refuses only what it
    should: the matrix's requests differ from a real desk's in who sends them, nothing else."""
    client = app.server.test_client()
    client.environ_base.update(
        {"HTTP_ORIGIN": "http://localhost", "HTTP_SEC_FETCH_SITE": "same-origin"}
    )
    return client


def sign_in(app: Any, username: str, password: str | None = None) -> Any:
    client = browser(app)
    answer = client.post(
        "/login", data={"username": username, "password": password or f"{username}-demo"}
    )
    assert answer.status_code in (302, 303), (username, answer.status_code)
    return client


def _principals(world: World) -> dict[str, Any]:
    app = world.app
    clients = {role.value: sign_in(app, name) for role, name in ROLE_LOGINS.items()}
    clients["anonymous"] = browser(app)
    clients["expired"] = expired_client(app, clients["duty_officer"])
    clients["revoked"] = revoked_client(world)
    return clients


def session_cookie(client: Any, app: Any) -> str:
    cookie = client.get_cookie(app.server.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "the client holds no session cookie"
    return cookie.value


class _ClockedSigner(TimestampSigner):
    """itsdangerous's timestamp signer with the clock set back: how a cookie signed long ago
    looks."""

    offset_s = 0.0

    def get_timestamp(self) -> int:
        return int(time.time() - self.offset_s)


def resigned(app: Any, cookie: str, age_s: float) -> str:
    """The session in `cookie`, signed again by the app's own session interface as if `age_s`
    seconds ago (whatever the session holds is kept: a session version, a CSRF secret...)."""
    server = app.server
    interface = server.session_interface
    assert isinstance(interface, SecureCookieSessionInterface), type(interface)
    real = interface.get_signing_serializer(server)
    assert real is not None
    payload = real.loads(cookie)
    signer = type("Aged", (_ClockedSigner,), {"offset_s": age_s})
    serializer = URLSafeTimedSerializer(
        server.secret_key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer=signer,
        signer_kwargs={
            "key_derivation": interface.key_derivation,
            "digest_method": interface.digest_method,
        },
    )
    return serializer.dumps(payload)


def client_with_cookie(app: Any, value: str) -> Any:
    client = browser(app)
    client.set_cookie(app.server.config["SESSION_COOKIE_NAME"], value)
    return client


def lifetime_s(app: Any) -> float:
    return app.server.permanent_session_lifetime.total_seconds()


def expired_client(app: Any, signed_in: Any) -> Any:
    """A duty officer's real session, re-signed one minute past the permanent lifetime."""
    old = resigned(app, session_cookie(signed_in, app), lifetime_s(app) + 60)
    return client_with_cookie(app, old)


def revoked_client(world: World) -> Any:
    """A duty officer who signed in (and was let in), then was deactivated by an admin."""
    admin = system_user("security-admin")
    created = commands.create_user(
        world.engine, admin, REVOKED_LOGIN, hash_password("revoked-pass"), Role.DUTY_OFFICER
    )
    assert isinstance(created, commands.Done), created
    client = sign_in(world.app, REVOKED_LOGIN, "revoked-pass")
    assert client.get("/api/live-token").status_code == 200  # signed in, before the revocation
    assert isinstance(commands.deactivate_user(world.engine, admin, REVOKED_LOGIN), commands.Done)
    return client


# --- Dash's endpoint, as a browser posts to it ------------------------------------------------


def dependencies(world: World) -> list[dict[str, Any]]:
    """Every callback the app declares, read as a signed-in admin reads it."""
    answer = world.client("admin").get("/_dash-dependencies")
    assert answer.status_code == 200
    return answer.get_json()


def is_pattern(component: str) -> bool:
    return component.startswith("{")


def output_specs(output: str) -> list[dict[str, Any]] | dict[str, Any]:
    """The `outputs` of a request, from a dependency's `output` string."""

    def one(spec: str) -> dict[str, Any]:
        component, prop = spec.rsplit(".", 1)
        return {"id": json.loads(component) if is_pattern(component) else component,
                "property": prop}  # fmt: skip

    if output.startswith(".."):
        return [one(part) for part in output.strip(".").split("...")]
    return one(output)


PROPERTY_DEFAULTS: dict[str, Any] = {"n_clicks": 1, "n_intervals": 1, "pathname": "/", "search": ""}


@dataclass(frozen=True)
class Values:
    """What a crafted request fills in: values by "id.prop", and the value of each wildcard key
    of a pattern id ("team" -> a team id) for the component that fires."""

    by_prop: dict[str, Any]
    wildcards: dict[str, Any]


def plausible(world: World, *, district: str = DISTRICT_A) -> Values:
    """Well-formed values about the objects of `district` (A unless told)."""
    from dashboard import ids

    a = district == DISTRICT_A
    key = "a" if a else "b"
    incident = world.incident_a if a else world.incident_b
    team = world.team_a if a else world.team_b
    lat, lon = IN_JIANGAN if a else IN_WUCHANG
    return Values(
        {
            f"{ids.INCIDENT_ID}.data": incident,
            f"{ids.INCIDENT_PICKED}.data": [team],
            f"{ids.INCIDENT_UPDATE_TEXT}.value": "现场已警戒",
            f"{ids.INCIDENT_NOTIFY_LEVELS}.value": ["city"],
            f"{ids.INCIDENT_CLOSE_SUMMARY}.value": "处置完毕",
            f"{ids.INCIDENT_CLOSE_CASUALTIES}.value": 0,
            f"{ids.FORM_KIND}.value": "leak",
            f"{ids.FORM_SEVERITY}.value": 2,
            f"{ids.FORM_CHANNEL}.value": "patrol",
            f"{ids.FORM_COORDS}.value": f"{lat}, {lon}",
            f"{ids.FORM_ADDRESS}.value": "测试地址",
            f"{ids.FORM_DESCRIPTION}.value": "巡查闻到燃气味",
            f"{ids.FORM_PLACE_QUERY}.value": "江汉路",
            f"{ids.HAZARD_ID}.data": world.hazard_a if a else world.hazard_b,
            f"{ids.HAZARD_NOTE}.value": "交责任企业整改",
            f"{ids.TK_FORM_TITLE}.value": "日常监督检查",
            f"{ids.TK_FORM_CHECKLIST}.value": "daily-supervision",
            f"{ids.TK_FORM_DISTRICTS}.value": [district],
            f"{ids.TK_FORM_TYPES}.value": ["site"],
            f"{ids.TK_FORM_DEADLINE}.value": "2099-12-31",
            f"{ids.TK_REASON}.value": "重复下发",
            f"{ids.TK_TASK_ID}.data": world.task_a if a else world.task_b,
            f"{ids.DT_CODE}.value": world.detentions.get(f"code_{key}"),
            f"{ids.DT_REASON}.value": "超期未检仍在充装",
            f"{ids.DT_RECALL_BY}.value": _recall_day(),
            f"{ids.DT_SITE}.value": world.detentions.get(f"site_{key}"),
            f"{ids.DT_NOTE}.value": "瓶体严重腐蚀",
            # cylinder traceability: X's cylinder in A, Y's in B; a code typed into the search box
            f"{ids.CYL_CODE}.data": world.detentions.get(f"code_{key}"),
            f"{ids.CYL_SEARCH_TEXT}.value": world.detentions.get(f"code_{key}"),
            # one file per enterprise: X is of A, Y of B
            f"{ids.ENT_ID}.data": world.enterprise_x if a else world.enterprise_y,
            # complaints: the page's complaint; the enterprise of its district to pass one to
            f"{ids.COMPLAINT_ID}.data": world.complaints.get(f"page_{key}"),
            f"{ids.COMPLAINT_ENTERPRISE}.value": world.complaints.get(f"enterprise_{key}"),
            f"{ids.COMPLAINT_NOTE}.value": "已联系用户上门处理",
            f"{ids.COMPLAINT_SATISFACTION}.value": "5",
            f"{ids.COMPLAINT_LEVEL}.value": "general",
            f"{ids.COMPLAINT_SEVERITY}.value": "2",
            "_pages_location.pathname": "/",
            "_pages_location.search": "",
        },
        {
            "team": team,
            "alarm": world.alarm_a if a else world.alarm_b,
            "status": "en_route",
            "index": 0,
            "step": "assign",  # a hazard's step: the gas offices' first (COMMAND_ACTIONS)
            "task": world.task_a if a else world.task_b,  # to complete
            "withdraw": world.task_a_own if a else world.task_b,  # to withdraw
            # online detention: the step's detention (X's in A, Y's in B)
            "recall": world.detentions.get(f"recall_{key}"),
            "release": world.detentions.get(f"release_{key}"),
            "scrap": world.detentions.get(f"scrap_{key}"),
            # complaints: each step's complaint (A's naming X, B's of B)
            **{
                f"cp_{step}": world.complaints.get(f"{step}_{key}")
                for step in ("assign", "reply", "close", "escalate", "hazard", "incident")
            },
        },
    )


def _recall_day() -> str:
    """A recall deadline the detain form takes: a few days ahead."""
    return (datetime.now(UTC).date() + timedelta(days=3)).isoformat()


def component_key(component: str | dict[str, Any]) -> str:
    if isinstance(component, str):
        return component
    return json.dumps(component, sort_keys=True, separators=(",", ":"))


def callback_request(dependency: dict[str, Any], fired: int, values: Values) -> dict[str, Any]:
    """The body a browser posts to /_dash-update-component when input number `fired` of
    `dependency` changes: every other input and state filled from `values` (None when there is
    nothing plausible), wildcard inputs other than the fired one matching no component."""
    inputs = dependency["inputs"]

    def concrete(pattern: dict[str, Any]) -> dict[str, Any]:
        return {
            key: values.wildcards.get(key, "x") if isinstance(value, list) else value
            for key, value in pattern.items()
        }

    def filled(spec: dict[str, str], is_fired: bool) -> Any:
        component, prop = spec["id"], spec["property"]
        name = f"{component}.{prop}"
        default = PROPERTY_DEFAULTS.get(prop) if is_fired else None
        value = values.by_prop.get(name, default)
        if not is_pattern(component):
            return {"id": component, "property": prop, "value": value}
        pattern = json.loads(component)
        if not any(isinstance(v, list) for v in pattern.values()):
            return {"id": pattern, "property": prop, "value": value}
        if component != inputs[fired]["id"]:
            return []  # matches no component on the page
        # the fired component; its other properties (a state) come along, as the browser sends
        them = concrete(pattern)
        value = them if prop == "id" else values.by_prop.get(name, default)
        entry = {"id": them, "property": prop, "value": value}
        return entry if ["MATCH"] in pattern.values() else [entry]

    trigger = inputs[fired]
    trigger_id: Any = trigger["id"]
    if is_pattern(trigger_id):
        pattern = json.loads(trigger_id)
        trigger_id = (
            concrete(pattern) if any(isinstance(v, list) for v in pattern.values()) else pattern
        )
    return {
        "output": dependency["output"],
        "outputs": output_specs(dependency["output"]),
        "inputs": [filled(spec, n == fired) for n, spec in enumerate(inputs)],
        "changedPropIds": [f"{component_key(trigger_id)}.{trigger['property']}"],
        "state": [filled(spec, False) for spec in dependency["state"]],
    }


def served_function(world: World, dependency: dict[str, Any]) -> Any:
    """The Python function behind a server-side callback (None for a clientside one)."""
    entry = world.app.callback_map.get(dependency["output"], {})
    return entry.get("callback")


PAGES_ROUTER = ".._pages_content.children..._pages_store.data.."


# --- a real gateway (ingest and live), in-process on the test's event loop ------------------------


class RunningGateway:
    def __init__(self, world: World) -> None:
        from dashboard.gateway.server import Gateway, config_from_settings, mount_live_hub

        self.settings = world.app.server.config["GASCC"].settings
        self.gateway = Gateway(world.engine, config_from_settings(self.settings))
        self.hub, self.tasks = mount_live_hub(self.gateway, self.settings)

    async def __aenter__(self) -> RunningGateway:
        await self.gateway.start("127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.gateway.port}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for task in self.tasks:
            task.cancel()
        await self.gateway.stop(timeout_s=5)


@pytest.fixture
async def gateway(world) -> AsyncIterator[RunningGateway]:
    async with RunningGateway(world) as running:
        yield running


async def ingest(url: str, token: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """One batch over /ingest; the gateway's answer to it."""
    from websockets.asyncio.client import connect

    async with connect(f"{url}/ingest") as ws:
        await ws.send(json.dumps({"op": "hello", "token": token, "client": "t", "protocol": 1}))
        await ws.recv()
        await ws.send(json.dumps({"op": "events", "ref": "r", "events": events}))
        return json.loads(await ws.recv())
