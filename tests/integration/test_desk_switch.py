"""`--desk` / `--no-desk`: the demo passes the choice to the simulators, whose run starts the
simulated duty officer with --demo and a database, and not with --no-desk."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from dashboard.cli import _simulators_command, build_parser
from dashboard.settings import Settings
from simulators.__main__ import _duty_desk, _parser
from simulators.duty_desk import DutyDesk


def test_the_demo_passes_no_desk_to_the_simulators(tmp_path: Path) -> None:
    settings = Settings.from_env({"SECRET_KEY": "x" * 32}, data_dir=tmp_path)
    args = build_parser().parse_args(["demo", "--no-desk"])
    assert args.no_desk
    assert _simulators_command(settings, desk=not args.no_desk)[-1] == "--no-desk"
    assert _simulators_command(settings)[-1] == "--desk"


def test_the_simulators_staff_the_desk_with_demo_unless_told_not_to(city: Engine) -> None:
    settings = Settings.from_env({"SECRET_KEY": "x" * 32}, data_dir=Path("."))
    url = ["run", "--url", "ws://127.0.0.1:1/ingest"]
    on = _duty_desk(_parser().parse_args([*url, "--demo"]), city, settings)
    assert isinstance(on, DutyDesk) and on.user.username == "desk-sim"
    assert on.user.display_name == "值班员（模拟） 刘洋"
    assert _duty_desk(_parser().parse_args([*url, "--demo", "--no-desk"]), city, settings) is None
    assert _duty_desk(_parser().parse_args(url), city, settings) is None  # not without --demo
    assert _duty_desk(_parser().parse_args([*url, "--demo"]), None, settings) is None  # no db
