"""The big screen on a wall nobody touches: it rotates, its clock ticks, and it survives a gateway
restart and an app restart, catching up by itself.

The app and the gateway run as separate processes here (the demo would run the gateway as its
child), so that each can be killed and started again on its own port.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.sync.client import connect

from dashboard import ids
from data_access.db import make_engine
from tests.browser.conftest import sign_in
from tests.support import IN_WUCHANG, ROOT, answers, free_port, incident, issue_token

pytestmark = pytest.mark.browser
SECRET = "screen-test-secret-0123456789"


@dataclass
class City:
    """A seeded city served by an app process and a gateway process of its own."""

    data_dir: Path
    app_port: int
    gateway_port: int
    token: str
    app: subprocess.Popen | None = None
    gateway: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SECRET_KEY": SECRET,
            "GASCC_TILE_URL": "none",
            "GASCC_GATEWAY_PORT": str(self.gateway_port),
            "GASCC_WORKERS": "1",
            "PYTHONUNBUFFERED": "1",
        }

    def _start(self, command: list[str], ready: str, log: str) -> subprocess.Popen:
        with (self.data_dir.parent / log).open("a") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "dashboard", *command, "--data-dir", str(self.data_dir)],
                cwd=ROOT,
                env=self._env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while not answers(ready):
            assert process.poll() is None and time.monotonic() < deadline, f"{command[0]} failed"
            time.sleep(0.2)
        return process

    def start_gateway(self) -> None:
        ready = f"http://127.0.0.1:{self.gateway_port}/healthz"
        self.gateway = self._start(["gateway", "--port", str(self.gateway_port)], ready, "gw.log")

    def start_app(self) -> None:
        self.app = self._start(
            ["serve", "--port", str(self.app_port)], f"{self.url}/login", "a.log"
        )

    def stop(self, process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
        if process is not None and process.poll() is None:
            process.send_signal(sig)
            process.wait(timeout=30)

    def report(self, incident_id: str) -> None:
        with connect(f"ws://127.0.0.1:{self.gateway_port}/ingest") as ws:
            hello = {"op": "hello", "token": self.token, "client": "test", "protocol": 1}
            ws.send(json.dumps(hello))
            assert json.loads(ws.recv())["op"] == "welcome"
            frame = {"op": "events", "ref": "r", "events": [incident(incident_id, *IN_WUCHANG)]}
            ws.send(json.dumps(frame))
            assert json.loads(ws.recv())["accepted"] == [incident_id]


@pytest.fixture
def city(tmp_path: Path, demo_database_template: Path) -> Iterator[City]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_database_template, data_dir / "gascc.sqlite3")
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    _, token = issue_token(engine, "fire-119", ["incident.reported"])
    engine.dispose()
    city = City(data_dir, free_port(), free_port(), token)
    city.start_gateway()
    city.start_app()
    yield city
    city.stop(city.app)
    city.stop(city.gateway)


def expected_while_down(city: City, text: str, url: str) -> bool:
    """The browser's own reports of what the test did on purpose: the live socket failing while
    the gateway is down, and requests to the app failing while the app is down."""
    if text.startswith(f"WebSocket connection to 'ws://127.0.0.1:{city.gateway_port}/live' failed"):
        return True
    return text.startswith("Failed to load resource: net::ERR_CONNECTION_REFUSED") and (
        url.startswith(city.url)
    )


def test_the_screen_rotates_ticks_and_survives_gateway_and_app_restarts(city, new_tab) -> None:
    tab = new_tab(1920, 1080)
    page = tab.page
    errors: list[tuple[str, str]] = []
    page.on(
        "console",
        lambda m: errors.append((m.text, m.location.get("url", ""))) if m.type == "error" else None,
    )
    sign_in(tab, city.url, "screen")
    page.wait_for_url(f"{city.url}/screen")  # the wall account lands on the big screen
    page.goto(f"{city.url}/screen?rotate=2")
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    page.wait_for_selector(".screen-kpi[data-kpi='incidents_open']", timeout=30_000)
    assert page.locator(f"#{ids.NAVBAR}").count() == 0

    # The panels rotate, the dots follow, the clock ticks: all in the browser.
    page.wait_for_selector(f"#{ids.SCREEN}[data-active='1']", timeout=10_000)
    page.wait_for_selector(f"#{ids.SCREEN}[data-active='2']", timeout=10_000)
    clock = page.locator(f"#{ids.SCREEN_CLOCK}").inner_text()
    page.wait_for_function(
        f"before => document.getElementById('{ids.SCREEN_CLOCK}').innerText !== before", arg=clock
    )
    city.report("INC-S1")
    page.wait_for_selector("[data-incident='INC-S1']", state="attached", timeout=15_000)
    page.evaluate("window.gasccTestMark = 'no reload'")

    # The gateway dies; an incident arrives right after it is back: the screen catches up.
    city.stop(city.gateway, signal.SIGKILL)
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='offline']", timeout=15_000)
    city.start_gateway()
    city.report("INC-S2")
    page.wait_for_selector("[data-incident='INC-S2']", state="attached", timeout=30_000)
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    assert page.evaluate("window.gasccTestMark") == "no reload"

    # The app restarts: the banner says so, and the page reloads by itself when it is back.
    city.stop(city.app)
    page.wait_for_selector(f"#{ids.SCREEN_BANNER}:not([hidden])", timeout=30_000)
    assert "since" in page.locator(f"#{ids.SCREEN_BANNER}").inner_text() or "自" in (
        page.locator(f"#{ids.SCREEN_BANNER}").inner_text()
    )
    city.start_app()
    page.wait_for_function("() => window.gasccTestMark === undefined", timeout=60_000)
    page.wait_for_selector("[data-incident='INC-S2']", state="attached", timeout=30_000)
    page.wait_for_selector(f"#{ids.LIVE_STATUS}[data-state='live']", timeout=30_000)
    assert page.locator(f"#{ids.SCREEN_BANNER}").is_hidden()
    assert page.url == f"{city.url}/screen?rotate=2"

    unexpected = [(text, url) for text, url in errors if not expected_while_down(city, text, url)]
    assert unexpected == []
    assert [
        e for e in tab.console_errors if not e.startswith(("WebSocket", "Failed to load"))
    ] == []
