"""Benchmark: how long `python -m dashboard demo` takes to serve its login page.

    python bench/demo_start.py [--runs 3]

Each run starts the demo on a fresh data directory (it migrates and seeds the demo city), waits
for `/login` to answer 200, stops it with SIGINT, then starts it again on the same directory
(reusing the data) and times that too. As the same-run baseline it times `python -m http.server`
serving its first 200: the cost of starting any Python web server on this machine. It prints
both times and their ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def time_to_first_200(command: list[str], url_path: str, cwd: Path) -> float:
    port = free_port()
    env = {**os.environ, "GASCC_TILE_URL": "none"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{url_path}", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    fresh, reuse, baseline = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as data_dir:
            demo = [sys.executable, "-m", "dashboard", "demo", "--data-dir", data_dir, "--port"]
            fresh.append(time_to_first_200(demo, "/login", ROOT))
            reuse.append(time_to_first_200(demo, "/login", ROOT))
            http = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1"]
            baseline.append(time_to_first_200(http, "/", Path(data_dir)))
    base = statistics.median(baseline)
    for label, times in (("fresh (migrate + seed demo)", fresh), ("second run (reuse)", reuse)):
        median = statistics.median(times)
        print(f"{label:<30} median {median:6.2f} s  ratio to baseline {median / base:5.1f}")
    print(f"{'baseline: python -m http.server':<30} median {base:6.2f} s  (runs: {runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
