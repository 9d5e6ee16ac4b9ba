"""Helpers shared by test modules: running the real demo command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DemoProcess:
    process: subprocess.Popen
    url: str
    data_dir: Path
    output: list[str] = field(default_factory=list)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        self.process.send_signal(sig)
        out, _ = self.process.communicate(timeout=timeout)
        self.output.append(out)
        return self.process.returncode


def start_demo(data_dir: Path, timeout: float = 120) -> DemoProcess:
    port = free_port()
    env = {**os.environ, "GASCC_TILE_URL": "none", "PYTHONUNBUFFERED": "1"}
    env.pop("SECRET_KEY", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    demo = DemoProcess(process, f"http://127.0.0.1:{port}", data_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"demo exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{demo.url}/login", timeout=2) as response:
                if response.status == 200:
                    return demo
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"demo did not serve /login within {timeout} s")
