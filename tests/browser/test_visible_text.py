"""What a person reads: for every demo login and both languages, every page the role may open
(found in Dash's page registry and PAGE_ROLES, not listed by hand), an incident page and its
close-out report, and the One Map's hazard and cylinder details show no `nan`, `None`,
`undefined`, `null`, `[object Object]` and no raw code of the domain (a status, level, channel,
role, kind or source such as `assigned`, `in_app`, `user:duty`, `field-app`), and the console
stays free of errors.

Raw codes are collected from the domain (the event catalogue's enumerations, roles, statuses,
sources) and from the registry's coded columns. In Chinese any of them in the text is raw; in
English a code that is also a plain word ("general", "reported") counts only where it stands
alone in an element (a table cell, a fact), since English sentences use those words too, while a
code with `_`, `-` or `:` in it is raw anywhere.

The administration's audit trail shows each event's type (`incident.reported`) in a column of
its own on purpose: the audit is a technical record that an administrator filters by type, and
the type is the name the ingest protocol and docs/events.md use. Event types are therefore not
collected as codes (they contain a dot, which no other code does).
"""

from __future__ import annotations

import re
import shutil
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import dash
import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.demo import DEMO_LOGINS, DemoLogin
from dashboard.domain import complaints, detentions, hazards, incidents
from dashboard.domain.events import (
    CylinderScanned,
    Event,
    EventData,
    HazardReported,
    HazardUpdated,
)
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.policy import PAGE_ROLES
from dashboard.domain.roles import Role
from dashboard.i18n import TEXT
from data_access import commands
from data_access.commands import Done
from data_access.db import make_engine
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import (
    Cylinder,
    PipelineSegment,
    Resource,
    Site,
    Team,
    TeamState,
    UserAccount,
    Worker,
)
from data_access.queries import map_details
from data_access.users import find_login
from tests.browser.conftest import Tab, sign_in
from tests.support import desk_user

pytestmark = pytest.mark.browser

LANGUAGES = ("zh", "en")
EMPTY_WORDS = re.compile(r"(?<![\w-])(nan|NaN|None|undefined|null)(?![\w-])|\[object Object\]")
IN_JIANGAN = (30.6, 114.3)
SETTLE_MS = 500  # after the last callback: one that an answer triggers has started by then
TABS_AT_ONCE = 6

# Codes the registry stores in these columns; the screens must word them.
CODED_COLUMNS = (
    Team.level,
    TeamState.status,
    PipelineSegment.material,
    PipelineSegment.pressure_class,
    Resource.kind,
    Site.kind,
    Worker.role,
)
CODED_LISTS = (Team.capabilities, Resource.skills)
# Sources of the simulators and the system's own actors (actors are "user:<name>" in the log).
SOURCES = ("system", "field-app", "sensor-net", "fire-119", "hotline-96511")
SYSTEM_ACTORS = ("notifier", "demo", "simulators")
# Label families whose last part is a code (notify.channel.in_app): their codes are raw too.
WORDED = {
    "incident_status",
    "team_status",
    "alarm_status",
    "hazard_status",
    "hazard_level",
    "channel",
    "notify.channel",
    "notify.level",
    "incident_kind",
    "sensor_kind",
    "inspection_kind",
    "alarm_kind",
    "stage",
    "capability",
    "material",
    "team_level",
    "skill",
    "finding",
    "task_status",
    "verdict",
    "cyl_status",
    "complaint_status",
    "complaint_channel",
    "complaint_handler",
    "complaint_history",
    "complaint_step",
}
MAP_OF_ENTERPRISES = "/?map"  # the One Map by URL for an enterprise user ("/" is its file)
# Where a page's path template has a placeholder: what fills it (a new one fails until named).
PLACEHOLDERS = {
    "incident_id": ("open", "closed"),
    "hazard_id": ("hazard",),
    "complaint_id": ("complaint",),
    "code": ("cylinder",),
    "enterprise_id": ("enterprise",),  # the enterprise login's own (of Jiang'an)
}


def _literal_values(annotation: Any) -> Iterator[str]:
    if typing.get_origin(annotation) is Literal:
        yield from (value for value in typing.get_args(annotation) if isinstance(value, str))
    for inner in typing.get_args(annotation):
        yield from _literal_values(inner)


def _event_models(base: type = EventData) -> Iterator[type]:
    for model in base.__subclasses__():
        yield model
        yield from _event_models(model)


def domain_codes() -> set[str]:
    """The domain's enumerations: every Literal of the event catalogue, roles, statuses, the
    sources and the system's actors."""
    codes = {
        value
        for model in _event_models()
        for field in model.model_fields.values()
        for value in _literal_values(field.annotation)
    }
    codes |= {role.value for role in Role}
    codes |= set(hazards.STATUSES) | set(incidents.PROGRESS) | set(complaints.STATUSES)
    codes |= set(detentions.STATUSES)
    codes |= {key.rpartition(".")[2] for key in TEXT if key.rpartition(".")[0] in WORDED}
    codes |= set(SOURCES) | {f"user:{name}" for name in SYSTEM_ACTORS}
    codes |= {f"user:{login.username}" for login in DEMO_LOGINS}
    return codes


def registry_codes(engine: Engine) -> set[str]:
    codes: set[str] = set()
    with engine.connect() as connection:
        for column in CODED_COLUMNS:
            codes |= {value for value in connection.scalars(select(column).distinct()) if value}
        for column in CODED_LISTS:
            for values in connection.scalars(select(column)):
                codes |= set(values or [])
    return codes


def raw_code_pattern(codes: set[str]) -> re.Pattern[str]:
    """Lower-case codes as whole words (an id such as hazard-INS-1 holds none)."""
    usable = sorted((c for c in codes if re.fullmatch(r"[a-z][a-z0-9_:\-]+", c)), key=len)
    words = "|".join(re.escape(code) for code in reversed(usable))
    return re.compile(rf"(?<![\w\-:./])({words})(?![\w\-:./])")


@dataclass
class World:
    """What the pages show beyond the seeded city: incidents of the desk, a hazard with its
    history, a cylinder's scans, and which pages each role opens."""

    incidents: dict[str, str]  # "open" / "closed" -> incident id
    hazard_id: str
    cylinder: str
    pages: dict[str, list[str]]  # role -> paths
    codes: re.Pattern[str]
    scopes_seeing_details: set[str]  # usernames whose scope holds the hazard and cylinder


def _append(engine: Engine, source: str, data: EventData, event_id: str, when: datetime) -> None:
    outcomes = append_events(
        engine, [Incoming(source, Event.of(data, id=event_id, occurred_at=when))]
    )
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes


def _desk_incidents(engine: Engine) -> dict[str, str]:
    """One incident open and dispatched, one gone all the way to its close-out."""
    duty = desk_user("duty")
    draft = IncidentDraft(
        kind="leak",
        severity=4,
        channel="hotline_96511",
        lat=IN_JIANGAN[0],
        lon=IN_JIANGAN[1],
        address="江岸区解放大道 1 号",
        description="居民报告楼道燃气味浓",
    )
    with engine.connect() as connection:
        # the last free teams: the other browser modules on this demo send the first ones
        free = connection.scalars(
            select(Team.id)
            .where(Team.id.not_in(select(TeamState.team_id)))
            .order_by(Team.id.desc())
        ).all()[:2]
    made = {}
    for name, team in zip(("open", "closed"), free, strict=True):
        reported = commands.report_incident(engine, duty, draft)
        assert isinstance(reported, Done), reported
        incident_id = reported.subject
        for result in (
            commands.dispatch_teams(engine, duty, incident_id, [team], 8.0),
            commands.report_team_status(engine, duty, incident_id, team, "on_scene"),
        ):
            assert isinstance(result, Done), result
        made[name] = incident_id
    closed = made["closed"]
    for result in (
        commands.post_incident_update(engine, duty, closed, "阀门已关闭，泄漏止住", "resolved"),
        commands.close_incident(engine, duty, closed, "泄漏点已修复，现场恢复正常", 0),
    ):
        assert isinstance(result, Done), result
    return made


def _hazard_and_cylinder(engine: Engine) -> tuple[str, str, str]:
    """A hazard with its history at a Jiang'an site of the enterprise login's enterprise, and a
    scan chain of one of its cylinders; returns the hazard, the cylinder and the enterprise."""
    now = datetime.now(UTC)
    with engine.connect() as connection:
        enterprise = connection.scalar(
            select(UserAccount.enterprise_id).where(UserAccount.username == "enterprise")
        )
        site = connection.execute(
            select(Site.id, Site.district, Site.lat, Site.lon)
            .where(Site.enterprise_id == enterprise)
            .order_by(Site.district != "420102", Site.id)
        ).first()
        cylinder = connection.scalar(
            select(Cylinder.code)
            .where(Cylinder.enterprise_id == enterprise)
            .order_by(Cylinder.code)
        )
    assert site is not None and cylinder is not None
    hazard_id = "HZ-WORDS-1"
    reported = HazardReported(
        hazard_id=hazard_id,
        target_type="site",
        target_id=site.id,
        district=site.district,
        category="消防器材配置齐全有效",
        level="general",
        description="灭火器压力不足",
        lat=site.lat,
        lon=site.lon,
        due_at=now + timedelta(days=7),
    )
    _append(engine, "field-app", reported, "e-words-hz-1", now - timedelta(hours=3))
    assigned = HazardUpdated(hazard_id=hazard_id, status="assigned", actor="system")
    _append(engine, "field-app", assigned, "e-words-hz-2", now - timedelta(hours=2))
    fixing = HazardUpdated(hazard_id=hazard_id, status="rectifying", actor=enterprise)
    _append(engine, "field-app", fixing, "e-words-hz-3", now - timedelta(hours=1))
    for k, stage in enumerate(("filling", "transport")):
        scan = CylinderScanned(
            code=cylinder, stage=stage, site_id=site.id, lat=site.lat, lon=site.lon
        )
        _append(engine, enterprise, scan, f"e-words-cyl-{k}", now - timedelta(minutes=30 - k))
    return hazard_id, cylinder, enterprise


def _pages_by_role(template: Path, tmp: Path, filled: dict[str, str]) -> dict[str, list[str]]:
    """Each role's pages, from the app's own page registry (built on a copy of the demo city)."""
    from dashboard.app import create_app
    from dashboard.settings import Settings

    shutil.copy(template, tmp / "gascc.sqlite3")
    env = {"GASCC_TILE_URL": "none", "SECRET_KEY": "test-secret-key-0123456789"}
    app = create_app(Settings.from_env(env, data_dir=tmp))
    try:
        registry = {module: dict(page) for module, page in dash.page_registry.items()}
    finally:
        app.server.config["GASCC"].notifier.close()
        app.server.config["GASCC_ENGINE"].dispose()
    pages: dict[str, list[str]] = {role.value: [] for role in Role}
    for module, page in registry.items():
        template_path = page.get("path_template")
        paths = [page["path"]]
        if template_path:
            names = re.findall(r"<(\w+)>", template_path)
            assert all(name in PLACEHOLDERS for name in names), (module, names)
            paths = [
                re.sub(r"<(\w+)>", filled[which], template_path) for which in PLACEHOLDERS[names[0]]
            ]
        for role in page.get("roles", ()):
            pages[role] += paths
    key = {module.removeprefix("pages."): module for module in registry}
    assert set(PAGE_ROLES) <= set(key), "every page of PAGE_ROLES is in the registry"
    return pages


def _complaint(engine: Engine) -> str:
    """A QR-check complaint in Jiang'an naming the enterprise login's enterprise, passed down to
    it, answered and closed with the caller's satisfaction: its page shows every kind of step."""
    from tests.complaint_support import receive_complaint

    found = find_login(engine, "enterprise")
    assert found is not None
    enterprise = found[0].enterprise_id
    complaint_id = receive_complaint(
        engine, "CMP-WORDS-1", category="企业信息不符", channel="qr_check", enterprise_id=enterprise
    )
    city, office = find_login(engine, "supervisor"), find_login(engine, "jiangan")
    assert city is not None and office is not None
    for result in (
        commands.assign_complaint(engine, city[0], complaint_id),
        commands.assign_complaint(engine, office[0], complaint_id, enterprise),
        commands.reply_complaint(engine, found[0], complaint_id, "已核实，系本公司代送，已规范"),
        commands.close_complaint(engine, office[0], complaint_id, 4, "回访用户基本满意"),
    ):
        assert isinstance(result, Done), result
    return complaint_id


def _inspection_tasks(engine: Engine) -> str:
    """Inspection tasks as the backfill leaves them: the city's 8-point campaign to Jiang'an and
    Jiang'an's office's own routine check; returns the campaign's task, whose detail
    (/tasks?task=<id>) is read too."""
    commands.publish_builtin_checklists(engine)
    issued = []
    for username, checklist, types in (
        ("supervisor", "lpg-restaurants-8", ["customer"]),
        ("jiangan", "daily-supervision", ["site", "customer"]),
    ):
        found = find_login(engine, username)
        assert found is not None, username
        result = commands.issue_task(
            engine, found[0], title=f"检查任务 {checklist}", checklist_id=checklist,
            districts=["420102"], target_types=types,
            deadline=datetime.now(UTC) + timedelta(days=14),
        )  # fmt: skip
        assert isinstance(result, Done), result
        issued.append(result.subject)
    return issued[0]


@pytest.fixture(scope="module")
def world(demo_server, demo_database_template, tmp_path_factory) -> World:
    engine = make_engine(f"sqlite:///{demo_server.data_dir / 'gascc.sqlite3'}")
    try:
        made = _desk_incidents(engine)
        hazard_id, cylinder, enterprise = _hazard_and_cylinder(engine)
        task_id = _inspection_tasks(engine)
        complaint_id = _complaint(engine)
        codes = domain_codes() | registry_codes(engine)
        seeing = {
            login.username
            for login in DEMO_LOGINS
            if _sees_details(engine, login.username, hazard_id, cylinder)
        }
    finally:
        engine.dispose()
    filled = {**made, "hazard": hazard_id, "complaint": complaint_id, "cylinder": cylinder,
              "enterprise": enterprise}  # fmt: skip
    pages = _pages_by_role(demo_database_template, tmp_path_factory.mktemp("registry"), filled)
    # an enterprise user loading "/" lands on its own file (dashboard/auth.py): its map is "/?map"
    own = pages[Role.ENTERPRISE.value]
    own[:] = [MAP_OF_ENTERPRISES if path == "/" else path for path in own]
    for paths in pages.values():  # a task's detail is a query of /tasks, not a page of its own
        if "/tasks" in paths:
            paths.append(f"/tasks?task={task_id}")
    return World(made, hazard_id, cylinder, pages, raw_code_pattern(codes), seeing)


def _sees_details(engine: Engine, username: str, hazard_id: str, cylinder: str) -> bool:
    """Whether the login's scope holds the hazard and the cylinder (their details open)."""
    found = find_login(engine, username)
    assert found is not None, username
    scope = found[0].scope
    return (
        map_details.hazard_history(engine, scope, hazard_id) is not None
        and map_details.cylinder_chain(engine, scope, cylinder) is not None
    )


IDLE = "() => !document.querySelector('[data-dash-is-loading=\"true\"]')"


def _settle(*pages) -> None:
    """Wait until no Dash callback is pending in any of `pages`, twice with one pause between
    (a callback that a first answer triggers starts after it). Pages settle together: their
    pauses overlap."""
    for _ in range(2):
        for page in pages:
            page.wait_for_load_state("load")
            page.wait_for_function(IDLE, timeout=30_000)
        pages[0].wait_for_timeout(SETTLE_MS)


# Text that is a verbatim record or an identifier a person types (the audit trail's recorded
# actor, type and data; a username; an ingest token's source name), marked data-verbatim by its
# page, is not read for words.
BODY_TEXT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const shown = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('[data-verbatim], script, style, noscript, template')) continue;
    if (el.getClientRects().length === 0) continue;  // not displayed
    shown.push(node.textContent);
  }
  return shown.join(' ');
}"""
LEAF_TEXTS = """() => Array.from(document.body.querySelectorAll('*'))
  .filter((el) => el.children.length === 0 && el.offsetParent !== null)
  .filter((el) => !el.closest('[data-verbatim]'))
  .map((el) => (el.innerText || el.textContent || '').trim()).filter((text) => text)"""


def raw_words(page, codes: re.Pattern[str], lang: str) -> list[str]:
    """What on the page reads raw: empty words anywhere; codes as described above."""
    text = page.evaluate(BODY_TEXT)
    found = [m.group(0) for m in EMPTY_WORDS.finditer(text)]
    if lang == "zh":
        return found + [m.group(0) for m in codes.finditer(text)]
    found += [m.group(0) for m in codes.finditer(text) if re.search(r"[_:\-]", m.group(0))]
    return found + [leaf for leaf in page.evaluate(LEAF_TEXTS) if codes.fullmatch(leaf)]


def _open_detail(page, layer: str, ref: str) -> None:
    """Click a feature of the map the way dash-leaflet reports it (its clickData)."""
    script = (
        "([layer, ref]) => window.dash_clientside.set_props(layer, "
        "{clickData: {type: 'Feature', properties: {ref: ref}}})"
    )
    page.evaluate(script, [layer, ref])
    kind = ref.partition(":")[0]
    page.wait_for_selector(f"#{ids.MAP_DETAIL_BODY} [data-detail='{kind}']", timeout=20_000)
    _settle(page)


def _open(context, url: str, errors: list[str]):
    """A tab on `url`, not waited for: the tabs of a batch load together (_settle waits)."""
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="commit")
    return page


def _signed_in(browser, demo_server, login: DemoLogin, lang: str, errors: list[str]):
    """A browser context signed in as `login`, reading `lang`."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(Tab(page, errors), demo_server.url, login.username, login.password, language=lang)
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
    page.close()
    return context


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login.username)
def test_every_page_reads_in_words(world: World, demo_server, browser, login: DemoLogin):
    paths = world.pages[login.role.value]
    assert paths, f"{login.username} opens no page"
    errors: list[str] = []
    raw: dict[str, list[str]] = {}
    contexts = {lang: _signed_in(browser, demo_server, login, lang, errors) for lang in LANGUAGES}
    visits = [(lang, path) for path in paths for lang in LANGUAGES]
    try:
        for start in range(0, len(visits), TABS_AT_ONCE):  # tabs at once: their waits overlap
            batch = visits[start : start + TABS_AT_ONCE]
            tabs = [
                _open(contexts[lang], f"{demo_server.url}{path}", errors) for lang, path in batch
            ]
            _settle(*tabs)
            for (lang, path), tab in zip(batch, tabs, strict=True):
                raw[f"{lang} {path}"] = raw_words(tab, world.codes, lang)
                on_map = path in ("/", MAP_OF_ENTERPRISES)
                if on_map and login.username in world.scopes_seeing_details:
                    for layer, ref in (
                        (ids.MAP_HAZARDS, f"hazard:{world.hazard_id}"),
                        (ids.MAP_ANOMALIES, f"cylinder:{world.cylinder}"),
                    ):
                        _open_detail(tab, layer, ref)
                        raw[f"{lang} {path} {ref}"] = raw_words(tab, world.codes, lang)
                tab.close()
    finally:
        for context in contexts.values():
            context.close()
    assert not {where: words for where, words in raw.items() if words}, raw
    assert not errors, errors
