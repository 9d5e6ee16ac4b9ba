"""bench/hazard_board.py runs end to end on a small year, and the board's answers with and
without indexes and by a Python scan agree (the bench fails otherwise)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_hazard_board_benchmark_runs_and_its_three_answers_agree(tmp_path: Path) -> None:
    out = tmp_path / "board.json"
    command = [sys.executable, "bench/hazard_board.py", "--hazards", "1500", "--repeat", "2",
               "--scan-repeat", "1", "--json", str(out)]  # fmt: skip
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "answers identical" in finished.stdout
    result = json.loads(out.read_text())
    assert result["mix"]["hazards"] == 1500 and result["load"]["events"] > 1500
