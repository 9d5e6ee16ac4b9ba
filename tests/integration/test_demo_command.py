"""`python -m dashboard demo`: one command, a seeded city, a clean stop, a second run reusing it."""

from __future__ import annotations

import signal
import urllib.request
from pathlib import Path

import pytest

from tests.support import answers, start_demo

pytestmark = pytest.mark.slow


def test_demo_seeds_serves_stops_cleanly_and_reuses_its_data(tmp_path: Path) -> None:
    first = start_demo(tmp_path)
    gateway_health = first.gateway_url.replace("ws://", "http://") + "/healthz"
    assert answers(gateway_health)  # the demo runs the ingest gateway too
    assert first.stop(signal.SIGINT) == 0
    assert not answers(gateway_health)  # and stops it with the app
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
