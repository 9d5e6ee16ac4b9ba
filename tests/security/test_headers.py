"""Headers on every response (issue 13, item 7), the Secure cookie behind a TLS proxy, and
answers instead of tracebacks (items 10a-c: a locked database, a missing component suite, a
database file others could read)."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from dashboard import ids
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access.db import make_engine
from tests.browser.conftest import browser, new_tab, own_demo  # noqa: F401  (fixtures)
from tests.browser.conftest import sign_in as sign_in_browser
from tests.conftest import sign_in
from tests.dash_endpoint import post_callback
from tests.support import IN_WUCHANG

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def close(app) -> None:
    app.server.config["GASCC"].notifier.close()
    app.server.config["GASCC_ENGINE"].dispose()


@pytest.fixture
def app_with(demo_settings) -> Iterator:
    """An app on the demo database with some settings changed."""
    apps = []

    def make(**changes: object):
        app = create_app(demo_settings.with_overrides(**changes))
        apps.append(app)
        return app.server.test_client()

    yield make
    for app in apps:
        close(app)


@pytest.mark.parametrize(
    "path", ["/login", "/", "/_dash-layout", "/assets/gascc.js", "/no-such-page", "/logout"]
)
def test_every_response_carries_the_security_headers(client, path: str) -> None:
    sign_in(client, "duty")
    response = client.get(path)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    assert policy(response)["frame-ancestors"] == ["'none'"]


def test_the_policy_allows_no_inline_script_or_eval_but_dashs_own(client) -> None:
    sign_in(client, "duty")
    page = client.get("/")
    directives = policy(page)
    scripts = directives["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    # every inline script Dash put into the page is allowed by its hash, and nothing else
    html = re.sub(r"<!--.*?-->", "", page.get_data(as_text=True), flags=re.S)  # IE's alert
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>",
                        html, re.S)  # fmt: skip
    assert inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts, script
    assert len(scripts) == 1 + len(set(inline))


def test_the_live_channel_and_the_tile_host_are_allowed(app_with) -> None:
    client = app_with(gateway_port=8765)
    directives = policy(client.get("/login"))
    assert "ws://localhost:8765" in directives["connect-src"]
    assert "wss://localhost:8765" in directives["connect-src"]
    assert directives["img-src"] == ["'self'", "data:"]  # the demo fixture: no tiles
    env = {"GASCC_TILES": "tianditu", "GASCC_TIANDITU_KEY": "abc123", "SECRET_KEY": "x" * 32}
    tianditu = Settings.from_env(env)
    client = app_with(
        live_url="wss://live.example.org/live",
        tiles=tianditu.tiles,
        tile_url=tianditu.tile_url,
        tianditu_key=tianditu.tianditu_key,
    )
    directives = policy(client.get("/login"))
    assert directives["connect-src"] == ["'self'", "wss://live.example.org"]
    assert "https://*.tianditu.gov.cn" in directives["img-src"]


def test_a_served_photo_keeps_its_own_stricter_policy(client, demo_settings) -> None:
    name = hashlib.sha256(b"<svg/>").hexdigest() + ".svg"
    (demo_settings.data_dir / "photos").mkdir()
    (demo_settings.data_dir / "photos" / name).write_bytes(b"<svg/>")
    sign_in(client, "duty")
    response = client.get(f"/photos/{name}")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


# --- the session cookie behind a TLS proxy ----------------------------------------------------


def session_cookie(response) -> str:
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))


def https_sign_in(client):
    return client.post(
        "/login",
        data={"username": "duty", "password": "duty-demo"},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1"},
    )


def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(app_with) -> None:
    client = app_with(trusted_proxies=1)
    assert "; Secure" in session_cookie(https_sign_in(client))


def test_a_client_cannot_claim_https_without_a_trusted_proxy(client) -> None:
    assert "; Secure" not in session_cookie(https_sign_in(client))


def test_secure_cookies_can_be_forced(app_with) -> None:
    client = app_with(secure_cookies=True)
    response = client.post("/login", data={"username": "duty", "password": "duty-demo"})
    assert "; Secure" in session_cookie(response)


def test_the_settings_read_the_proxy_and_cookie_variables() -> None:
    env = {"SECRET_KEY": "x" * 32, "GASCC_TRUSTED_PROXIES": "1", "GASCC_SECURE_COOKIES": "on"}
    settings = Settings.from_env(env | {"GASCC_SESSION_IDLE_MIN": "15"})
    assert (settings.trusted_proxies, settings.secure_cookies) == (1, True)
    assert settings.session_idle_s == 15 * 60
    assert Settings.from_env({"SECRET_KEY": "x" * 32}).session_idle_s == 30 * 60


# --- answers instead of tracebacks ------------------------------------------------------------


@pytest.fixture
def impatient_app(demo_settings) -> Iterator:
    """The demo app, giving up on a locked SQLite database after 0.2 s instead of 10 s."""
    engine = make_engine(demo_settings.database_url)

    @event.listens_for(engine, "connect")
    def short_busy_timeout(dbapi_connection, _record) -> None:  # after the engine's pragmas
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    app = create_app(demo_settings, engine=engine)
    yield app
    close(app)


@contextmanager
def write_lock(settings: Settings) -> Iterator[None]:
    """Another writer holds the SQLite database's write lock."""
    holder = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_desk_action_during_a_database_lock_answers_busy(
    impatient_app, demo_settings, caplog
) -> None:
    client = impatient_app.server.test_client()
    sign_in(client, "duty")
    form = {
        f"{ids.FORM_KIND}.value": "leak",
        f"{ids.FORM_SEVERITY}.value": 2,
        f"{ids.FORM_CHANNEL}.value": "patrol",
        f"{ids.FORM_COORDS}.value": f"{IN_WUCHANG[0]}, {IN_WUCHANG[1]}",
        f"{ids.FORM_ADDRESS}.value": "武昌区测试地址",
        f"{ids.FORM_DESCRIPTION}.value": "巡查闻到燃气味",
    }
    with caplog.at_level(logging.WARNING, logger="gascc.web"), write_lock(demo_settings):
        response = post_callback(client, ids.FORM_SUBMIT, "n_clicks", 1, form)
    assert response.status_code == 200, response.data[:300]
    # the page's notice says so, in the user's language
    notice = response.get_json()["sideUpdate"][ids.BUSY_NOTICE]
    assert notice["is_open"] and "系统繁忙" in notice["children"]
    busy = [r for r in caplog.records if "database busy" in r.getMessage()]
    assert len(busy) == 1 and "locked" in busy[0].getMessage() and not busy[0].exc_info
    # the lock gone, the same action goes through
    after = post_callback(client, ids.FORM_SUBMIT, "n_clicks", 1, form)
    assert after.status_code == 200 and "sideUpdate" not in (after.get_json() or {})


def test_a_sign_in_during_a_database_lock_answers_busy(impatient_app, demo_settings) -> None:
    client = impatient_app.server.test_client()
    with write_lock(demo_settings):
        response = client.post("/login", data={"username": "duty", "password": "duty-demo"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "系统繁忙" in response.get_json()["message"]


@pytest.mark.parametrize(
    "path",
    ["/_dash-component-suites/nonexistent/x.js", "/_dash-component-suites/dash/no/such.js"],
)
def test_a_missing_component_suite_is_not_found(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_new_database_file_and_data_directory_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
        connection.commit()
    engine.dispose()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for name in ("gascc.sqlite3", "gascc.sqlite3-wal", "gascc.sqlite3-shm"):
        path = data_dir / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_the_demos_secret_key_is_private(tmp_path: Path) -> None:
    settings = Settings.from_env({}, demo=True, data_dir=tmp_path / "demo")
    assert settings.secret_key
    assert stat.S_IMODE((tmp_path / "demo" / "secret_key").stat().st_mode) == 0o600


# --- the real pages in Chromium, under the policy ---------------------------------------------


@pytest.fixture(scope="module")
def csp_demo(tmp_path_factory, demo_database_template):
    with own_demo(tmp_path_factory, demo_database_template, "csp-demo") as demo:
        yield demo


@pytest.mark.parametrize(
    ("username", "path"), [("duty", "/"), ("duty", "/incidents"), ("screen", "/screen")]
)
def test_the_pages_work_under_the_policy_without_console_errors(
    csp_demo,
    new_tab,  # noqa: F811
    username: str,
    path: str,
) -> None:
    """Dash's renderer (an inline script allowed by its hash), the assets, and the live
    channel's websocket on the gateway port all run; the browser reports no violation."""
    tab = new_tab()
    sign_in_browser(tab, csp_demo.url, username, landing=path)
    page = tab.page
    page.wait_for_url(f"{csp_demo.url}{path}")
    response = page.goto(f"{csp_demo.url}{path}")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_selector("#live-status[data-state='live']", state="attached", timeout=30_000)
    assert tab.console_errors == []


def test_signing_out_with_the_shells_button_ends_the_session(
    csp_demo,
    new_tab,  # noqa: F811
) -> None:
    tab = new_tab()
    sign_in_browser(tab, csp_demo.url, "duty", landing="/incidents")
    page = tab.page
    page.click(f"#{ids.LOGOUT}")
    page.wait_for_url(f"{csp_demo.url}/login")
    page.goto(f"{csp_demo.url}/incidents")
    assert page.url.startswith(f"{csp_demo.url}/login?next=")
    assert tab.console_errors == []


def test_gunicorn_believes_no_forwarded_headers_itself(demo_settings) -> None:
    """Only the app decides whom to believe (ProxyFix, GASCC_TRUSTED_PROXIES); gunicorn would
    otherwise take X-Forwarded-Proto from any client on 127.0.0.1."""
    from dashboard.server import gunicorn_options

    assert gunicorn_options(demo_settings)["forwarded_allow_ips"] == ""
