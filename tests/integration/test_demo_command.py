"""`python -m dashboard demo`: one command, a seeded city, a clean stop, a second run reusing it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import ROOT, answers, free_port, start_demo

pytestmark = pytest.mark.slow


def wait_for_events_from_simulators(database: Path, timeout_s: float = 120) -> int:
    """Events in the log (a freshly seeded city has none: the seeder writes the registry rows)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            count = connection.execute("SELECT COUNT(*) FROM event_log").fetchone()[0]
        if count:
            return count
        time.sleep(0.5)
    return 0


def wait_for_banner(log_path: Path, timeout_s: float = 120) -> bool:
    deadline = time.monotonic() + timeout_s
    while "ready in" not in log_path.read_text():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def processes_using(data_dir: Path) -> list[str]:
    """Command lines of live processes started for this data directory (gateway, simulators)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if str(data_dir).encode() in args:
            found.append(b" ".join(args).decode(errors="replace"))
    return found


def test_demo_seeds_serves_stops_cleanly_and_reuses_its_data(tmp_path: Path) -> None:
    first = start_demo(tmp_path, simulators=True)
    gateway_health = first.gateway_url.replace("ws://", "http://") + "/healthz"
    assert answers(gateway_health)  # the demo runs the ingest gateway too
    assert wait_for_events_from_simulators(tmp_path / "gascc.sqlite3") > 0  # and the city moves
    assert wait_for_banner(first.log_path)  # printed once the simulators are heard too
    assert first.stop(signal.SIGINT) == 0
    assert not answers(gateway_health)  # and stops them with the app
    assert not processes_using(tmp_path)
    banner = "".join(first.output)
    assert "seeded a new demo city" in banner
    assert "duty" in banner and "duty-demo" in banner
    assert (tmp_path / "gascc.sqlite3").exists()

    second = start_demo(tmp_path)
    with urllib.request.urlopen(f"{second.url}/healthz", timeout=5) as response:
        assert response.status == 200
    assert second.stop(signal.SIGTERM) == 0
    assert "reusing the existing data" in "".join(second.output)
    assert "Traceback" not in "".join(first.output + second.output)


def test_ready_means_the_login_page_the_gateway_and_the_simulators_answer(tmp_path: Path) -> None:
    """The banner's "ready" comes only when a person can sign in at once: the login page
    answers, the gateway's health check too, and the simulators' first events are in the log
    (it used to print about 10 s before the login page answered)."""
    port, gateway_port = free_port(), free_port()
    env = {**os.environ, "GASCC_TILE_URL": "none", "PYTHONUNBUFFERED": "1"}
    env.pop("SECRET_KEY", None)
    log_path = tmp_path / "demo.log"
    data_dir = tmp_path / "data"
    command = [sys.executable, "-m", "dashboard", "demo", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--gateway-port", str(gateway_port)]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        assert wait_for_banner(log_path, 180), log_path.read_text()
        # At once, no retry: each answers the first time it is asked.
        assert answers(f"http://127.0.0.1:{port}/login")
        assert answers(f"http://127.0.0.1:{gateway_port}/healthz")
        with sqlite3.connect(data_dir / "gascc.sqlite3") as connection:
            heard = connection.execute(
                "SELECT COUNT(*) FROM event_log WHERE actor IS NULL"
            ).fetchone()[0]
        assert heard > 0  # the simulators are on the air
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0, log_path.read_text()
