"""Helpers shared by test modules: running the real demo command, issuing ingest tokens."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard.domain.roles import Role, User, system_user

ROOT = Path(__file__).resolve().parents[1]
JIANGAN, WUCHANG = "420102", "420106"  # district codes
IN_JIANGAN = (30.585, 114.29)  # its nearest district centroid is Wuchang's: a containment test
IN_WUCHANG = (30.55, 114.31)


def desk_user(
    username: str = "duty",
    role: Role = Role.DUTY_OFFICER,
    district: str | None = None,
    enterprise_id: str | None = None,
) -> User:
    """A signed-in user as commands take it (the duty officer unless told otherwise)."""
    return User(0, username, role, username, district=district, enterprise_id=enterprise_id)


def incident(incident_id: str, lat: float, lon: float) -> dict:
    """An `incident.reported` event as a source sends it, happening now at (lat, lon)."""
    return {
        "id": incident_id,
        "type": "incident.reported",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {
            "incident_id": incident_id,
            "kind": "leak",
            "channel": "hotline_96511",
            "lat": lat,
            "lon": lon,
            "address": "江汉路 88 号",
            "severity": 2,
            "description": "居民报告闻到燃气味",
        },
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DemoProcess:
    process: subprocess.Popen
    url: str
    gateway_url: str
    data_dir: Path
    log_path: Path
    output: list[str] = field(default_factory=list)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        self.process.send_signal(sig)
        self.process.wait(timeout=timeout)
        self.output.append(self.log_path.read_text())
        return self.process.returncode

    def crash(self) -> None:
        """kill -9 of everything the demo started (app workers, gateway): a power cut."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.output.append(self.log_path.read_text())


def start_demo(
    data_dir: Path,
    timeout: float = 120,
    *,
    simulators: bool = False,
    settings: dict[str, str] | None = None,
    backfill: bool = False,
) -> DemoProcess:
    """`python -m dashboard demo` on free ports, no map tiles; returns once both servers answer.

    Without the simulators and the quarter's backfill unless asked: most tests want a city that
    changes only when they say.
    `settings`: more environment variables (GASCC_...). It runs in a process group of its own.

    Its output goes to a file, not a pipe, so a chatty run can never block on a full pipe.
    """
    port, gateway_port = free_port(), free_port()
    env = {**os.environ, "GASCC_TILE_URL": "none", "PYTHONUNBUFFERED": "1", **(settings or {})}
    env.pop("SECRET_KEY", None)
    log_path = data_dir.parent / f"{data_dir.name}-demo.log"
    command = [
        sys.executable,
        "-m",
        "dashboard",
        "demo",
        "--port",
        str(port),
        "--gateway-port",
        str(gateway_port),
        "--data-dir",
        str(data_dir),
        *([] if simulators else ["--no-simulators"]),
        *([] if backfill else ["--no-backfill"]),  # the quarter's history takes a while
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    demo = DemoProcess(
        process, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{gateway_port}", data_dir, log_path
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"demo exited early:\n{log_path.read_text()}")
        if answers(f"{demo.url}/login") and answers(f"http://127.0.0.1:{gateway_port}/healthz"):
            return demo
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"demo did not serve within {timeout} s:\n{log_path.read_text()}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def issue_token(
    engine: Any,
    source: str,
    types: Sequence[str],
    label: str | None = None,
    enterprise: str | None = None,
) -> tuple[int, str]:
    """A new ingest token (id, token) through the administration command, by "tests"."""
    from data_access.commands import TokenIssued, create_token

    issued = create_token(engine, system_user("tests"), source, types, label, enterprise)
    assert isinstance(issued, TokenIssued), issued
    return issued.token_id, issued.token


def report_hazard(
    engine: Any,
    hazard_id: str,
    district: str = JIANGAN,
    level: str = "general",
    due_at: datetime | None = None,
    occurred_at: datetime | None = None,
    not_of: str | None = None,
    origin: str | None = None,
) -> tuple[str, str]:
    """A hazard at a site of `district` (the first by id, of an enterprise other than `not_of`),
    reported by an inspector's app; returns (the hazard id, the site's enterprise: the hazard's
    responsible one)."""
    from datetime import timedelta

    from sqlalchemy import select

    from dashboard.domain.events import Event, HazardReported
    from data_access.eventlog import Accepted, Incoming, append_events
    from data_access.models import Site

    with engine.connect() as connection:
        site = connection.execute(
            select(Site.id, Site.enterprise_id, Site.lat, Site.lon)
            .where(Site.district == district, Site.enterprise_id != (not_of or ""))
            .order_by(Site.id)
        ).first()
    when = occurred_at or datetime.now(UTC)
    data = HazardReported(
        hazard_id=hazard_id,
        target_type="site",
        target_id=site.id,
        district=district,
        category="燃气报警器失效",
        level=level,  # type: ignore[arg-type]
        description="站内可燃气体报警器未通电",
        lat=site.lat,
        lon=site.lon,
        due_at=due_at or when + timedelta(days=7),
        origin=origin,  # type: ignore[arg-type]
    )
    event = Event.of(data, id=hazard_id, occurred_at=when)
    (outcome,) = append_events(engine, [Incoming("inspection-app", event)])
    assert isinstance(outcome, Accepted), outcome
    return hazard_id, site.enterprise_id
