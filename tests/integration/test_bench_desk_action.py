"""Smoke test of bench/desk_action.py: the Redis configuration as it is, two actions.

It checks that the benchmark runs end to end (the demo with Redis, Chromium on the board, the
report posted to Dash's endpoint by a session of its own, clean shutdown), that every reported
incident was drawn in the watching browser, and that the app announced each of its commits on
the hubs' Redis channel; it asserts no timing. The other two configurations start the same way
and are left out to keep this under half a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set")
def test_the_desk_action_benchmark_runs_and_every_action_is_drawn(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    out = tmp_path / "desk.json"
    command = [sys.executable, "bench/desk_action.py", "--only", "redis", "--actions", "2"]
    command += ["--pause-min", "0.3", "--pause-spread", "0", "--redis-url", REDIS_URL]
    command += ["--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())["results"]["redis"]
    assert result["actions"] == result["drawn"] == 2, result
    assert result["lost"] == 0 and result["demo_exit_code"] == 0
    assert all(s["incident_id"].startswith("INC-") for s in result["samples"])
    # Other publishers on the same Redis server may add to it; the app's own two are the floor.
    assert result["channel_messages"] >= 2
    assert "drawn p50/p90/max" in done.stdout
