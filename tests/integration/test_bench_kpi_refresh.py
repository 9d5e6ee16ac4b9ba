"""bench/kpi_refresh.py runs end to end and its running tally agrees with a full count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_kpi_refresh_benchmark_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "kpi.json"
    command = [sys.executable, "bench/kpi_refresh.py", "--scans", "3000", "--new", "50",
               "--repeat", "1", "--json", str(out)]  # fmt: skip
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr  # the bench asserts tally == full count
    result = json.loads(out.read_text())
    assert (result["scans"], result["new"]) == (3000, 50)
    assert result["full_count_ms"] > 0 and result["ratio"] > 0
