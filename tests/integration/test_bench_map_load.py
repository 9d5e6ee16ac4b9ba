"""Smoke test of bench/map_load.py at demo scale: one cold and one warm load of each page.

It checks that the benchmark runs end to end (seed, hazards through the event log, the demo,
the naive baseline, Chromium, clean shutdown), that both pages painted and that bytes were
counted; it asserts no timing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def test_the_map_load_benchmark_runs_at_demo_scale(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    out, data = tmp_path / "map_load.json", tmp_path / "data"
    command = [sys.executable, "bench/map_load.py", "--scale", "demo", "--warm", "1"]
    command += ["--data-dir", str(data), "--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["points"]["hazard"] == 700
    with sqlite3.connect(data / "gascc.sqlite3") as connection:
        logged = connection.execute(
            "SELECT COUNT(*) FROM event_log WHERE type = 'hazard.reported'"
        ).fetchone()[0]
    assert logged == 700  # the hazards went through the event log, not straight into the table
    for page in ("one_map", "naive"):
        summary = result[page]
        assert summary["cold_paint_ms"] is not None and summary["warm_paint_ms"] is not None
        assert summary["cold_bytes"] > summary["warm_bytes"] > 0
    assert result["one_map"]["console_errors"] == 0
    assert result["demo_exit_code"] == 0
    assert "ratio one_map/naive" in done.stdout
