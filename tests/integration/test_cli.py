"""`python -m dashboard db|users`: operators get one clear line for every mistake, and every change
they make is in the event log with their name."""

from __future__ import annotations

import getpass
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from dashboard.cli import main
from dashboard.domain.roles import Role
from data_access.db import make_engine
from data_access.migrate import head_revision
from data_access.models import EventRecord
from data_access.tokens import find_token
from data_access.users import find_login


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path


def run(data_dir: Path, *args: str, stdin: str = "") -> int:
    import sys

    sys.stdin = io.StringIO(stdin)
    try:
        return main([*args, "--data-dir", str(data_dir)])
    finally:
        sys.stdin = sys.__stdin__


def test_db_upgrade_creates_the_schema_and_says_so(data_dir: Path, capsys) -> None:
    assert run(data_dir, "db", "upgrade") == 0
    assert "newest schema" in capsys.readouterr().out
    assert (data_dir / "gascc.sqlite3").exists()
    assert run(data_dir, "db", "current") == 0
    assert capsys.readouterr().out.startswith(f"current {head_revision()}")


def test_users_add_stores_a_hashed_password(data_dir: Path, capsys) -> None:
    code = run(
        data_dir,
        "users",
        "add",
        "wang",
        "--role",
        "duty_officer",
        "--name",
        "王敏",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert code == 0
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    user, stored = find_login(engine, "wang")
    assert user.display_name == "王敏"
    assert stored != "correct horse battery"
    assert check_password_hash(stored, "correct horse battery")
    run(data_dir, "users", "list")
    assert "wang" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "chief"], "--role must be one of"),
        (["--role", "leader", "--district", "420102"], "takes no district"),
        (["--role", "district_officer"], "bound to one district"),
        (["--role", "district_officer", "--district", "999999"], "unknown district"),
        (["--role", "enterprise", "--enterprise", "ENT-9999"], "unknown enterprise"),
    ],
)
def test_users_add_refuses_a_wrong_role_or_binding(data_dir, capsys, args, message) -> None:
    code = run(data_dir, "users", "add", "x", *args, "--password-stdin", stdin="long-enough-pw\n")
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_users_add_refuses_a_short_password(data_dir: Path, capsys) -> None:
    code = run(data_dir, "users", "add", "x", "--role", "leader", "--password-stdin", stdin="abc\n")
    assert code == 2
    assert "at least 8 characters" in capsys.readouterr().err


def test_options_may_come_before_the_username(data_dir: Path) -> None:
    args = ("users", "add", "--role", "screen", "wall-1", "--password-stdin")
    assert run(data_dir, *args, stdin="long-enough-pw\n") == 0


def test_users_add_refuses_a_duplicate(data_dir: Path, capsys) -> None:
    args = ("users", "add", "li", "--role", "supervisor", "--password-stdin")
    assert run(data_dir, *args, stdin="long-enough-pw\n") == 0
    assert run(data_dir, *args, stdin="long-enough-pw\n") == 2
    assert "already exists" in capsys.readouterr().err


def logged(data_dir: Path) -> list[tuple[str, str | None, str]]:
    """(type, actor, source) of every event in the log, oldest first."""
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    with engine.connect() as connection:
        query = select(EventRecord.type, EventRecord.actor, EventRecord.source)
        rows = [tuple(row) for row in connection.execute(query.order_by(EventRecord.seq))]
    engine.dispose()
    return rows


def test_every_change_is_an_event_naming_the_operator(data_dir, monkeypatch, capsys) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "ops-li")  # who --by defaults to
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    add = ("users", "add", "wang", "--role", "duty_officer", "--password-stdin", "--by", "alice")
    assert run(data_dir, *add, stdin="correct horse battery\n") == 0
    assert logged(data_dir) == [("user.created", "cli:alice", "user:cli:alice")]
    _, stored = find_login(engine, "wang")
    assert check_password_hash(stored, "correct horse battery")

    assert run(data_dir, "users", "role", "wang", "--role", "district_officer") == 2
    assert "bound to one district" in capsys.readouterr().err
    assert run(data_dir, "users", "role", "wang", "--role", "leader") == 0
    assert "wang is now leader" in capsys.readouterr().out
    assert logged(data_dir)[-1] == ("user.changed", "cli:ops-li", "user:cli:ops-li")
    assert find_login(engine, "wang")[0].role is Role.LEADER

    assert run(data_dir, "users", "deactivate", "wang", "--by", "alice") == 0
    assert logged(data_dir)[-1] == ("user.deactivated", "cli:alice", "user:cli:alice")
    assert find_login(engine, "wang") is None  # no login any more

    tokens = ("tokens", "add", "--source", "fleet", "--types", "team.position", "--by", "bob")
    assert run(data_dir, *tokens) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert run(data_dir, "tokens", "revoke", "1", "--by", "bob") == 0
    assert logged(data_dir)[-2:] == [
        ("token.created", "cli:bob", "user:cli:bob"),
        ("token.revoked", "cli:bob", "user:cli:bob"),
    ]
    assert find_token(engine, token) is None
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--role", "leader"], "no user 'nobody'"),
        (["wang", "--role", "chief"], "--role must be one of"),
        (["wang", "--role", "leader", "--district", "420102"], "takes no district"),
        (["wang", "--role", "enterprise", "--enterprise", "ENT-9999"], "unknown enterprise"),
        (["wang", "--role", "leader", "--by", ""], "--by needs a name"),
    ],
)
def test_users_role_refuses_in_one_line_and_records_nothing(data_dir, capsys, args, message):
    add = ("users", "add", "wang", "--role", "duty_officer", "--password-stdin")
    assert run(data_dir, *add, stdin="long-enough-pw\n") == 0
    capsys.readouterr()
    assert run(data_dir, "users", "role", *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert [kind for kind, _, _ in logged(data_dir)] == ["user.created"]


def test_serve_refuses_to_start_without_a_secret_key(data_dir: Path, capsys) -> None:
    assert main(["serve", "--data-dir", str(data_dir)]) == 2
    assert "SECRET_KEY" in capsys.readouterr().err


def test_serve_refuses_an_unmigrated_database(data_dir: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SECRET_KEY", "a-long-enough-secret-key")
    assert main(["serve", "--data-dir", str(data_dir)]) == 2
    assert "db upgrade" in capsys.readouterr().err
