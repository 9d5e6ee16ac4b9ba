"""Photo references (issue 13, item 3): only a content hash or an https URL on an allowed host
gets in at ingest, and nothing else becomes a URL on the incident page, the report page or in
the PDF, even when an older event in the log holds it.

On main, `sha256:../logout?x=` became `<img src="/photos/../logout?x=.svg">`, which every
browser opening the incident resolved to `GET /logout`; the report linked `sha256:<hex>`,
`javascript:` and off-site URLs as they came.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import plotly.utils
import pytest

from dashboard import ids
from dashboard.domain.events import Event, IncidentUpdate, Rejection, parse_event
from dashboard.domain.photos import parse_photo, safe_link
from dashboard.report_document import Cell
from dashboard.settings import Settings, SettingsError
from data_access.eventlog import Accepted, Incoming, append_events
from tests.conftest import sign_in
from tests.dash_endpoint import post_callback
from tests.integration.test_incident_report import reported

HOST = "photos.example"
NOW = datetime.now(UTC).replace(microsecond=0)
DIGEST = "0123456789abcdef" * 4
STORED = f"sha256:{DIGEST}"
ALLOWED_URL = f"https://{HOST}/after.jpg"
HOSTILE = (
    "sha256:../logout?x=",  # the reported attack: /photos/../logout?x=.svg is GET /logout
    "sha256:../../logout",
    "sha256:" + DIGEST.upper(),  # not lowercase
    "sha256:" + DIGEST[:-1],  # 63 digits
    "sha256:" + DIGEST + "/../../logout",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://photos.example/after.jpg",  # not https
    "https://evil.example/x.jpg",  # not an allowed host
    f"https://{HOST}.evil.example/x.jpg",
    f"https://{HOST}@evil.example/x.jpg",  # user info: the host is evil.example
    f"https://evil.example\\@{HOST}/x.jpg",
    f"https://{HOST}:8443/x.jpg",
    f"https://{HOST}/x.jpg\u202e",
    f"https://{HOST}/x .jpg",
    "//evil.example/x.jpg",
    "/logout",
    "../logout",
    "photo.jpg",
)
# A path of this site is a fine link (the report links back to the incident), never a photo.
NOT_LINKS = tuple(url for url in HOSTILE if url != "/logout")
INCIDENT = "INC-PHOTO-1"
TYPES_WITH_PHOTOS = ("incident.update", "hazard.updated", "delivery.safety_checked")


# --- at ingest --------------------------------------------------------------------------------


def wire(event_type: str, photo: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "incident.update": {"incident_id": "i-1", "author": "crew", "text": "ok",
                            "photos": [photo]},
        "hazard.updated": {"hazard_id": "h-1", "status": "rectified", "actor": "e-1",
                           "photos": [STORED, photo]},
        "delivery.safety_checked": {
            "code": "C-1", "customer_id": "cu-1", "worker_id": "w-1", "passed": True,
            "photos": {"storefront": STORED, "cylinder_hose": STORED, "stove_hose": photo,
                       "surroundings": STORED},
        },
    }[event_type]  # fmt: skip
    at = (NOW - timedelta(minutes=1)).isoformat()
    return {"id": "e-1", "type": event_type, "occurred_at": at, "data": data}


@pytest.mark.parametrize("event_type", TYPES_WITH_PHOTOS)
@pytest.mark.parametrize("photo", HOSTILE)
def test_a_malformed_or_foreign_photo_reference_is_rejected_at_ingest(event_type, photo):
    result = parse_event(wire(event_type, photo), now=NOW, photo_hosts={HOST})
    assert isinstance(result, Rejection), result
    where = {"incident.update": "0", "hazard.updated": "1", "delivery.safety_checked": "stove_hose"}
    assert (result.code, result.field) == ("invalid_field", f"data.photos.{where[event_type]}")
    assert "sha256:" in result.message and "https" in result.message


@pytest.mark.parametrize("event_type", TYPES_WITH_PHOTOS)
def test_content_hashes_and_allowed_https_urls_are_accepted(event_type):
    for photo in (STORED, ALLOWED_URL, f"https://{HOST.upper()}/a/b.jpg?size=2"):
        assert isinstance(parse_event(wire(event_type, photo), now=NOW, photo_hosts={HOST}), Event)


def test_without_configured_hosts_only_content_hashes_are_accepted():
    assert isinstance(parse_event(wire("incident.update", STORED), now=NOW), Event)
    rejection = parse_event(wire("incident.update", ALLOWED_URL), now=NOW)
    assert isinstance(rejection, Rejection) and "no photo hosts configured" in rejection.message


def test_the_allowed_hosts_come_from_gascc_photo_hosts():
    from dashboard.gateway.server import config_from_settings

    env = {"SECRET_KEY": "x" * 32, "GASCC_PHOTO_HOSTS": f" {HOST.upper()}, cdn.example "}
    settings = Settings.from_env(env, data_dir="/tmp/unused")
    assert settings.photo_hosts == {HOST, "cdn.example"}
    assert config_from_settings(settings).photo_hosts == settings.photo_hosts
    assert Settings.from_env({"SECRET_KEY": "x" * 32}, data_dir="/tmp/u").photo_hosts == set()
    with pytest.raises(SettingsError, match="GASCC_PHOTO_HOSTS"):
        Settings.from_env(env | {"GASCC_PHOTO_HOSTS": "https://evil.example/"}, data_dir="/x")


def test_links_go_only_to_this_site_or_an_allowed_https_host():
    assert parse_photo(STORED, ()).url == f"/photos/{DIGEST}.svg"
    for url in (f"/photos/{DIGEST}.svg", "/incident/INC-1", ALLOWED_URL):
        assert safe_link(url, {HOST}) == url
    for url in NOT_LINKS:
        assert safe_link(url, {HOST}) is None, url
    assert safe_link("/photos/../logout", {HOST}) is None


# --- already in the log: rendered only if well-formed -------------------------------------------


@pytest.fixture
def demo_settings(tmp_path: Path, demo_database_template: Path) -> Settings:
    """The seeded demo city, with one allowed photo host (demo_app takes these settings)."""
    shutil.copy(demo_database_template, tmp_path / "gascc.sqlite3")
    env = {"GASCC_TILE_URL": "none", "SECRET_KEY": "test-secret-key-0123456789"}
    return Settings.from_env(env | {"GASCC_PHOTO_HOSTS": HOST}, data_dir=tmp_path)


@pytest.fixture
def logged(demo_app) -> Iterator[Any]:
    """An incident whose update holds every hostile reference, logged as if before the check
    (appended directly, as an older log holds it), and a signed-in desk officer's client."""
    engine = demo_app.server.config["GASCC_ENGINE"]
    update = IncidentUpdate(
        incident_id=INCIDENT,
        author="crew",
        text="valve closed",
        photos=[STORED, ALLOWED_URL, *HOSTILE],
    )
    events = [
        Event.of(reported(INCIDENT), id=f"{INCIDENT}-0", occurred_at=NOW - timedelta(minutes=9)),
        Event.of(update, id=f"{INCIDENT}-1", occurred_at=NOW - timedelta(minutes=2)),
    ]
    outcomes = append_events(engine, [Incoming("field-app", e, actor="field-app") for e in events])
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes
    client = demo_app.server.test_client()
    sign_in(client, "duty")
    client.get("/lang/en")
    yield client


def urls_in(tree: Any) -> list[str]:
    """Every href and src in a Dash component tree (as JSON)."""
    found: list[str] = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in ("href", "src") and isinstance(value, str):
                found.append(value)
            else:
                found += urls_in(value)
    elif isinstance(tree, list):
        for value in tree:
            found += urls_in(value)
    return found


def test_the_timeline_draws_only_well_formed_photos_and_the_rest_as_text(logged):
    answer = post_callback(logged, ids.INCIDENT_ID, "data", INCIDENT)
    assert answer.status_code == 200, answer.data[:300]
    timeline = answer.get_json()["response"][ids.INCIDENT_TIMELINE]["children"]
    assert sorted(set(urls_in(timeline))) == sorted({f"/photos/{DIGEST}.svg", ALLOWED_URL})
    shown = json.dumps(timeline, ensure_ascii=False)
    for reference in HOSTILE:  # still shown, as text
        assert json.dumps(reference, ensure_ascii=False)[1:-1] in shown


def test_the_report_page_links_photos_to_their_stored_copy_and_nothing_else(logged):
    from pages.incident_report import cell, layout

    with logged:
        logged.get("/healthz")  # a request context with the session's user
        tree = layout(incident_id=INCIDENT).to_plotly_json()
        hostile = cell(Cell("x", links=tuple(("bad", url) for url in NOT_LINKS))).to_plotly_json()
    page = json.loads(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder))
    photos = {url for url in urls_in(page) if not url.startswith(("/reports/", "/incident/"))}
    assert photos == {f"/photos/{DIGEST}.svg", ALLOWED_URL}
    assert urls_in(json.loads(json.dumps(hostile, cls=plotly.utils.PlotlyJSONEncoder))) == []


def pdf_links(body: bytes) -> list[str]:
    """The URIs of the PDF's link annotations (reportlab writes them as plain objects)."""
    return [uri.decode() for uri in re.findall(rb"/URI \((.*?)\)", body)]


def test_the_pdf_links_photos_absolutely_on_the_readers_host_and_nothing_else(logged):
    response = logged.get(f"/reports/{INCIDENT}.pdf")  # the test client asks for localhost
    assert response.status_code == 200
    assert sorted(pdf_links(response.data)) == sorted(
        [f"http://localhost/photos/{DIGEST}.svg", ALLOWED_URL]
    )


def test_the_pdf_drops_any_link_but_a_site_path_or_an_allowed_host():
    from dashboard.report_document import ReportDocument, Section
    from dashboard.report_pdf import build_pdf

    links = tuple((f"link {n}", url) for n, url in enumerate((*NOT_LINKS, "/photos/x.svg")))
    section = Section("timeline", "Timeline", columns=("text",), rows=((Cell("t", links=links),),))
    document = ReportDocument("INC-1", "Report", "now", "zone", None, (section,))
    body = build_pdf(document, "en", site_url="https://desk.example", link_hosts={HOST})
    assert pdf_links(body) == ["https://desk.example/photos/x.svg"]
