"""schemathesis against a running demo (`python -m dashboard demo`, the seeded city plus a
hazard, an incident, an alarm and a complaint in two districts), signed in with a personal API
token: every operation of /api/v1/openapi.json, with every check (no 500, status codes, content
types and bodies as documented, schema-violating requests refused, the token's absence noticed).

The run prints its seed; `schemathesis run ... --seed N` repeats it (docs/api.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.api_v1.routes import OPERATIONS
from data_access.commands.admin import ApiTokenIssued, create_api_token
from data_access.db import make_engine
from data_access.models import Cylinder, Enterprise
from data_access.users import find_login
from tests.api.conftest import first, seed_events
from tests.support import JIANGAN, WUCHANG, start_demo

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
RUN_TIMEOUT_S = 300  # a hung run fails instead of blocking CI; it takes about 30 s


def seed_and_issue_token(data_dir: Path) -> str:
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    try:
        owners = select(Cylinder.enterprise_id)
        enterprises = {
            suffix: first(
                engine,
                select(Enterprise.id)
                .where(Enterprise.district == district, Enterprise.id.in_(owners))
                .order_by(Enterprise.id),
            )
            for suffix, district in (("J", JIANGAN), ("W", WUCHANG))
        }
        seed_events(engine, enterprises)
        login = find_login(engine, "duty")
        assert login is not None
        issued = create_api_token(engine, login[0], "schemathesis")
        assert isinstance(issued, ApiTokenIssued), issued
        return issued.token
    finally:
        engine.dispose()


@pytest.mark.timeout(RUN_TIMEOUT_S + 180)
def test_schemathesis_finds_nothing_against_the_running_api(
    tmp_path: Path, demo_database_template: Path
) -> None:
    (tmp_path / "data").mkdir()  # the run's seeded city: the demo need not seed its own
    shutil.copy(demo_database_template, tmp_path / "data" / "gascc.sqlite3")
    demo = start_demo(tmp_path / "data")
    try:
        token = seed_and_issue_token(tmp_path / "data")
        command = [
            str(SCHEMATHESIS),
            "run",
            f"{demo.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--max-examples",
            "20",
            "--workers",
            "2",
            "--no-color",
        ]
        run = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
            cwd=tmp_path,  # its cache (.schemathesis/) stays out of the checkout
        )
    finally:
        demo.stop()
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert f"Tested: {len(OPERATIONS)}" in report, report
