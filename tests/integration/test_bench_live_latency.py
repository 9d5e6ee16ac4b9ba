"""Smoke test of bench/live_latency.py: one tab, a low rate, a short warm-up, two seconds of probes.

It checks that the benchmark runs end to end (demo, tokens, polling app, Chromium, both
phases, clean shutdown) and that every probe reached the tab; it asserts no timing.
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


def test_the_live_latency_benchmark_runs_and_every_probe_is_drawn(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    out = tmp_path / "live.json"
    command = [sys.executable, "bench/live_latency.py", "--tabs", "1", "--rate", "50"]
    command += ["--seconds", "2", "--warmup", "1", "--drain", "0.5", "--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    for phase in ("live", "polling"):
        assert result[phase]["probes"] == 10, result[phase]
        assert result[phase]["pairs_drawn"] == result[phase]["pairs_expected"] == 10
        assert result[phase]["lost"] == 0
    assert result["live"]["live_messages"] > 0
    assert result["demo_exit_code"] == 0
    assert "ratio live/polling" in done.stdout
