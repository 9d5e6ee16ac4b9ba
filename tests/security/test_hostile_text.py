"""Hostile text in every free-text field that reaches a page or the PDF (issue 13, the security
suite's "hostile text" row): script tags, attribute breakouts, `javascript:`, template syntax,
an RTL override, NUL and a 10,000-character string go in through ingest (incident addresses,
descriptions and updates, hazard descriptions, complaint texts, enterprise, site and team names,
an alarm's id, a token label) and through the desk (an incident reported and updated, a user's
display name); then each page that shows them is opened in headless Chromium, on a demo of this
module's own, and must fire no dialog, hold no injected element, log no console error and show
the text as text. The PDF report must build and carry no injected link.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dashboard import ids
from dashboard.auth import hash_password
from dashboard.domain.events import Event, IncidentUpdate, Rejection, parse_event
from dashboard.domain.roles import Role, system_user
from data_access import commands
from data_access.db import make_engine
from data_access.eventlog import Incoming, append_events
from data_access.models import Incident
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, own_demo, send, sign_in
from tests.dash_endpoint import HttpSession, post_callback
from tests.support import IN_WUCHANG, ROOT, WUCHANG, DemoProcess

browser_test = pytest.mark.browser

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "js": "javascript:alert(1)",
    "template": "{{7*7}}",
    "rtl": "\u202eevil.exe",
    "nul": "nul\u0000here",
}
LONG = "长" * 10_000
SHOWN = ("script", "img", "js", "template", "rtl")  # NUL is refused at ingest
NAME = "hostile"  # the desk user whose display name is hostile
WAIT_MS = 30_000


def at(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def event(event_id: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "occurred_at": at(1), "data": data}


def where(n: int) -> dict[str, float]:
    return {"lat": IN_WUCHANG[0] + n * 0.002, "lon": IN_WUCHANG[1] + n * 0.002}


def registry(key: str, n: int, text: str) -> list[dict[str, Any]]:
    """An enterprise, its site and a team, each named with the hostile text."""
    enterprise = f"ENT-H-{key}"
    district = {"district": WUCHANG}
    return [
        event(enterprise, "enterprise.registered",
              {"enterprise_id": enterprise, "name": text, "kind": "bottled", **district}),
        event(f"SITE-H-{key}", "site.registered",
              {"site_id": f"SITE-H-{key}", "enterprise_id": enterprise, "kind": "supply_point",
               "name": text, **district, **where(n)}),
        event(f"TEAM-H-{key}", "team.registered",
              {"team_id": f"TEAM-H-{key}", "level": "district", "owner_id": "gov", **district,
               "members": 4, "capabilities": ["leak_repair"], "name": text, **where(0)}),
    ]  # fmt: skip


def reports(key: str, n: int, text: str) -> list[dict[str, Any]]:
    """An incident (address, description, an update), a hazard and a complaint."""
    incident = f"INC-H-{key}"
    return [
        event(incident, "incident.reported",
              {"incident_id": incident, "kind": "leak", "channel": "hotline_96511", **where(n),
               "address": text, "severity": 2, "description": text}),
        event(f"{incident}-u", "incident.update",
              {"incident_id": incident, "author": "crew", "text": text}),
        event(f"HZ-H-{key}", "hazard.reported",
              {"hazard_id": f"HZ-H-{key}", "target_type": "customer", "target_id": "cu-1",
               "district": WUCHANG, "category": "hose", "level": "general", "description": text,
               **where(n), "due_at": at(-60 * 24)}),
        event(f"CMP-H-{key}", "complaint.received",
              {"complaint_id": f"CMP-H-{key}", "channel": "web", "category": "service",
               "district": WUCHANG, "text": text}),
    ]  # fmt: skip


TYPES = (
    "enterprise.registered,site.registered,team.registered,incident.reported,incident.update,"
    "hazard.reported,complaint.received,alarm.raised"
)


def token(demo: DemoProcess, label: str) -> str:
    command = [sys.executable, "-m", "dashboard", "tokens", "add", "--source", "hostile-feed"]
    command += ["--types", TYPES, "--label", label, "--data-dir", str(demo.data_dir)]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "unused-for-tokens-0000"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def desk(tmp_path_factory, demo_database_template: Path) -> Iterator[DemoProcess]:
    """The demo city with hostile text everywhere, through ingest and through the desk."""
    with own_demo(tmp_path_factory, demo_database_template, "hostile") as demo:
        secret = token(demo, PAYLOADS["img"] + PAYLOADS["script"])
        for n, (key, text) in enumerate(PAYLOADS.items(), start=1):
            if key == "nul":  # refused, field by field (test_nul_is_refused_at_ingest...)
                acks = [
                    send(demo, secret, events)
                    for events in (registry(key, n, text), reports(key, n, text))
                ]
                assert all(ack["accepted"] == [] for ack in acks), acks
                continue
            ack = send(demo, secret, registry(key, n, text))
            assert len(ack["accepted"]) == 3, ack
            ack = send(demo, secret, reports(key, n, text))
            assert len(ack["accepted"]) == 4, ack
        desk_actions(demo)
        log_hostile_photos(demo)
        yield demo


PHOTO_ATTACK = "INC-H-img"
LOGGED_PHOTOS = ["sha256:../logout?x=", "javascript:alert(1)", "https://evil.example/x.jpg"]


def log_hostile_photos(demo: DemoProcess) -> None:
    """Photo references ingest now refuses, as an older log may hold them: appended directly."""
    update = IncidentUpdate(
        incident_id=PHOTO_ATTACK, author="crew", text="photos", photos=LOGGED_PHOTOS
    )
    logged = Event.of(update, id="INC-H-photos", occurred_at=datetime.now(UTC))
    engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
    try:
        [outcome] = append_events(engine, [Incoming("old-feed", logged, actor="old-feed")])
        assert type(outcome).__name__ == "Accepted", outcome
    finally:
        engine.dispose()


def desk_actions(demo: DemoProcess) -> None:
    engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
    try:
        created = commands.create_user(
            engine, system_user("test"), NAME, hash_password(f"{NAME}-demo"),
            Role.DUTY_OFFICER, display_name=PAYLOADS["img"] + PAYLOADS["script"],
        )  # fmt: skip
        assert isinstance(created, commands.Done), created
        session = HttpSession(demo.url, "duty")
        form = {
            f"{ids.FORM_KIND}.value": "leak",
            f"{ids.FORM_SEVERITY}.value": 3,
            f"{ids.FORM_CHANNEL}.value": "hotline_96511",
            f"{ids.FORM_COORDS}.value": f"{IN_WUCHANG[0]}, {IN_WUCHANG[1]}",
            f"{ids.FORM_ADDRESS}.value": PAYLOADS["img"],
            f"{ids.FORM_DESCRIPTION}.value": PAYLOADS["script"] + PAYLOADS["template"],
        }
        assert post_callback(session, ids.FORM_SUBMIT, "n_clicks", 1, form).status_code == 200
        with engine.connect() as connection:
            desk_incident = connection.scalar(
                select(Incident.id).where(Incident.address == PAYLOADS["img"])
            )
        assert desk_incident, "the desk's incident was not recorded"
        update = {
            f"{ids.INCIDENT_UPDATE_TEXT}.value": PAYLOADS["img"] + PAYLOADS["js"],
            f"{ids.INCIDENT_ID}.data": desk_incident,
        }
        answer = post_callback(session, ids.INCIDENT_UPDATE_POST, "n_clicks", 1, update)
        assert answer.status_code == 200, answer.data[:300]
        demo.desk_incident = desk_incident  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A signed-in tab that records dialogs and console errors."""

    def __init__(self, browser, demo: DemoProcess, username: str, landing: str) -> None:
        self.context = browser.new_context(viewport={"width": 1600, "height": 1000})
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.demo = demo
        sign_in(self, demo.url, username, landing=landing, language="en")  # type: ignore[arg-type]

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str, ready: str) -> None:
        self.page.goto(f"{self.demo.url}{path}")
        self.page.wait_for_selector(ready, timeout=WAIT_MS)
        self.page.wait_for_load_state("networkidle")

    def assert_clean(self, *shown: str) -> None:
        """No dialog, no injected element, no console error; each of `shown` on the page as
        text."""
        injected = self.page.evaluate(
            """() => [
                ...document.querySelectorAll('img[src="x"], [onerror], a[href^="javascript:" i]'),
                ...[...document.scripts].filter((s) => s.textContent.includes('alert(1)')),
            ].map((e) => e.outerHTML.slice(0, 200))"""
        )
        assert injected == [], injected
        assert self.dialogs == [], self.dialogs
        assert self.console_errors == [], self.console_errors
        text = self.page.evaluate("() => document.body.innerText")
        for value in shown:
            assert value in text, f"{value!r} is not shown as text"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser, desk) -> Iterator[Any]:
    tabs: list[Watched] = []

    def open_tab(username: str = "duty", landing: str = "/incidents") -> Watched:
        tabs.append(Watched(browser, desk, username, landing))
        return tabs[-1]

    yield open_tab
    for watched in tabs:
        watched.close()


# --- ingest refuses what no field may hold ------------------------------------------------------


def test_nul_is_refused_at_ingest_by_field_and_does_not_fail_its_neighbours(engine) -> None:
    """PostgreSQL cannot store U+0000 in text: on main one such event failed the whole batch's
    transaction (psycopg DataError), taking its neighbours with it; now it is refused alone."""
    now = datetime.now(UTC)
    frame = [*reports("fine", 1, "fine"), *reports("nul", 2, PAYLOADS["nul"])]
    parsed = [parse_event(raw, now=now) for raw in frame]
    refused = [(r.code, r.field) for r in parsed if isinstance(r, Rejection)]
    assert refused == [
        ("invalid_field", "data.address"),
        ("invalid_field", "data.text"),
        ("invalid_field", "data.description"),
        ("invalid_field", "data.text"),
    ]
    valid = [e for e in parsed if isinstance(e, Event)]
    outcomes = append_events(engine, [Incoming("hostile", e, actor="hostile") for e in valid])
    assert [type(o).__name__ for o in outcomes] == ["Accepted"] * len(valid)


@browser_test
def test_a_ten_thousand_character_text_is_refused_at_ingest_and_changes_nothing(desk) -> None:
    secret = token(desk, "long")
    ack = send(desk, secret, reports("long", 9, LONG)[:1] + registry("long", 9, LONG)[:1])
    assert ack["accepted"] == [], ack
    assert [(r["code"], r["field"]) for r in ack["rejected"]] == [
        ("invalid_field", "data.address"),
        ("invalid_field", "data.name"),
    ]


# --- the pages ----------------------------------------------------------------------------------


@browser_test
def test_the_incident_board_shows_hostile_addresses_as_text(tab) -> None:
    watched = tab()
    watched.open("/incidents", ".incident-row, [data-incident]")
    watched.assert_clean(*(PAYLOADS[key] for key in SHOWN))


@browser_test
@pytest.mark.parametrize("key", [*SHOWN, "desk"])
def test_an_incident_view_shows_hostile_descriptions_updates_and_team_names_as_text(
    tab, desk, key
) -> None:
    incident = desk.desk_incident if key == "desk" else f"INC-H-{key}"
    watched = tab()
    watched.open(f"/incident/{incident}", ".timeline-entry.kind-update")
    shown = (PAYLOADS["img"], PAYLOADS["script"]) if key == "desk" else ()
    if key in SHOWN:
        shown = (PAYLOADS[key],)
    watched.assert_clean(*shown)


@browser_test
@pytest.mark.parametrize("key", [*SHOWN, "desk"])
def test_the_report_page_and_its_pdf_hold_hostile_text_as_text(tab, desk, key) -> None:
    incident = desk.desk_incident if key == "desk" else f"INC-H-{key}"
    watched = tab()
    watched.open(f"/report/{incident}", ".report-sheet")
    watched.assert_clean(*((PAYLOADS[key],) if key in SHOWN else ()))
    response = watched.context.request.get(f"{desk.url}/reports/{incident}.pdf")
    assert response.status == 200
    body = response.body()
    assert body.startswith(b"%PDF") and b"%%EOF" in body[-64:]
    assert re.findall(rb"/URI", body) == [], "the PDF links somewhere"


@browser_test
def test_a_logged_photo_reference_cannot_make_the_browser_sign_out(tab, desk) -> None:
    """Issue 13, item 3: `sha256:../logout?x=` was drawn as <img src="/photos/../logout?x=.svg">
    and every browser opening the incident requested GET /logout."""
    watched = tab()
    asked: list[str] = []
    watched.page.on("request", lambda request: asked.append(request.url))
    watched.open(f"/incident/{PHOTO_ATTACK}", ".timeline-entry.kind-update .photos")
    assert not [url for url in asked if "/logout" in url], asked
    watched.assert_clean(*LOGGED_PHOTOS)
    watched.open("/incidents", ".incident-row, [data-incident]")  # still signed in
    assert "/login" not in watched.page.url


@browser_test
def test_the_user_menu_shows_a_hostile_display_name_as_text(tab) -> None:
    watched = tab(NAME)
    watched.open("/incidents", ".incident-row, [data-incident]")
    watched.assert_clean(PAYLOADS["img"] + PAYLOADS["script"])


@browser_test
def test_the_one_map_and_its_details_hold_hostile_names_as_text(tab) -> None:
    watched = tab(landing="/")
    watched.open("/", "path.district-shape")
    page = watched.page
    for layer, ref in (
        (ids.MAP_HAZARDS, "hazard:HZ-H-img"),
        (ids.MAP_SITES, "site:SITE-H-script"),
        (ids.MAP_LIVE, "team:TEAM-H-img"),
    ):
        page.evaluate(
            "([layer, ref]) => window.dash_clientside.set_props(layer, "
            "{clickData: {type: 'Feature', id: ref, properties: {ref: ref}}})",
            [layer, ref],
        )
        page.wait_for_selector(f"#{ids.MAP_DETAIL_BODY} h5", timeout=WAIT_MS)
        watched.assert_clean()
    # every tooltip opened, as a pointer passing over each marker would
    page.evaluate(
        """() => document.querySelectorAll('path.leaflet-interactive').forEach(
            (p) => p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))"""
    )
    watched.assert_clean()


@browser_test
def test_a_hostile_alarm_id_on_the_live_channel_stays_text_in_the_map_tooltip(tab, desk) -> None:
    watched = tab(landing="/")
    watched.open("/", "path.district-shape")
    page = watched.page
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=WAIT_MS)
    alarm = PAYLOADS["img"]
    raised = event(
        "ALARM-H-live",
        "alarm.raised",
        {"alarm_id": alarm, "kind": "methane", "level": "critical", **where(3)},
    )
    ack = send(desk, token(desk, "alarms"), [raised])
    assert len(ack["accepted"]) == 1, ack
    page.wait_for_selector("path.live-alarm", timeout=WAIT_MS)
    page.evaluate(
        """() => document.querySelectorAll('path.live-alarm').forEach(
            (p) => p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))"""
    )
    page.wait_for_selector(".leaflet-tooltip", timeout=WAIT_MS)
    watched.assert_clean(alarm)


@browser_test
def test_the_wall_screen_holds_hostile_text_as_text(tab) -> None:
    watched = tab("screen", landing="/screen")
    watched.open("/screen", f"#{ids.SCREEN_MAP}")
    watched.assert_clean()


@browser_test
@pytest.mark.parametrize("path", ["/notifications", "/response-times"])
def test_the_other_desk_pages_hold_hostile_text_as_text(tab, path) -> None:
    watched = tab()
    watched.open(path, "#_pages_content > *")
    watched.assert_clean()


@browser_test
@pytest.mark.parametrize(
    "path",
    ["/complaints?status=all&district=420106", "/complaint/CMP-H-img", "/complaint/CMP-H-script"],
)
def test_the_complaint_pages_hold_hostile_text_as_text(tab, path) -> None:
    watched = tab("supervisor", landing=path)
    watched.open(path, "#_pages_content > *")
    watched.assert_clean()
