"""Browser fixtures: the real demo command on a free port, and Debian's headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support import ROOT, DemoProcess, start_demo

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path
) -> Iterator[DemoProcess]:
    """The demo the browser modules share, on a copy of the run's seeded city (the demo would
    otherwise seed one more)."""
    with own_demo(tmp_path_factory, demo_database_template, "demo-data") as demo:
        yield demo


@contextmanager
def own_demo(
    tmp_path_factory: pytest.TempPathFactory, template: Path, name: str
) -> Iterator[DemoProcess]:
    """A demo of one test module's own, on a fresh copy of the seeded city: no other module's
    events on its screens, and its caches start cold."""
    data_dir = tmp_path_factory.mktemp(name) / "data"
    data_dir.mkdir()
    shutil.copy(template, data_dir / "gascc.sqlite3")
    demo = start_demo(data_dir)
    try:
        yield demo
    finally:
        if demo.process.poll() is None:
            demo.stop()


# Module scope: Playwright's sync API keeps an event loop in this thread while it runs, which
# would stop pytest-asyncio's tests in later modules from getting one of their own.
@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Tab:
    page: object
    console_errors: list[str]


@pytest.fixture
def new_tab(browser):
    contexts = []

    def open_tab(width: int = 1920, height: int = 1080) -> Tab:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return Tab(page, errors)

    yield open_tab
    for context in contexts:
        context.close()


def sign_in(
    tab: Tab,
    base_url: str,
    username: str,
    password: str | None = None,
    *,
    landing: str = "/",
    language: str | None = None,
) -> None:
    """Sign in through the login form, landing on `landing` (the One Map by default) in
    `language` if given: a test that starts elsewhere need not load the map first."""
    page = tab.page
    if language is not None:
        page.goto(f"{base_url}/lang/{language}")  # the session keeps it through the sign-in
    page.goto(f"{base_url}/login?next={quote(landing)}")
    page.fill("#username", username)
    page.fill("#password", password or f"{username}-demo")
    page.click("#login-submit")


def ingest_token(demo_server: DemoProcess, types: str, source: str = "fire-119") -> str:
    """A fresh ingest token of the demo's gateway for `source`, allowed `types` (comma list)."""
    command = [sys.executable, "-m", "dashboard", "tokens", "add", "--source", source]
    command += ["--types", types, "--data-dir", str(demo_server.data_dir)]
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "unused-for-tokens-0000"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def send(demo_server: DemoProcess, token: str, events: list[dict]) -> dict:
    """Send one frame of events through the demo's /ingest and return the gateway's ack."""
    from websockets.sync.client import connect

    with connect(f"{demo_server.gateway_url}/ingest") as ws:
        ws.send(json.dumps({"op": "hello", "token": token, "client": "test", "protocol": 1}))
        assert json.loads(ws.recv())["op"] == "welcome"
        ws.send(json.dumps({"op": "events", "ref": "r", "events": events}))
        return json.loads(ws.recv())
