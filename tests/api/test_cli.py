"""`python -m dashboard api-tokens create|list|revoke`: an operator issues a user's token (shown
once, on the last line), lists tokens without their secrets, and revokes them; each change is an
event naming the operator."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.cli import main
from data_access.api_tokens import find_api_token
from data_access.db import make_engine
from data_access.models import EventRecord


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path


def run(data_dir: Path, *args: str, stdin: str = "") -> int:
    sys.stdin = io.StringIO(stdin)
    try:
        return main([*args, "--data-dir", str(data_dir)])
    finally:
        sys.stdin = sys.__stdin__


def test_an_operator_creates_lists_and_revokes_a_users_api_token(data_dir: Path, capsys):
    add = ("users", "add", "wang", "--role", "duty_officer", "--password-stdin", "--by", "alice")
    assert run(data_dir, *add, stdin="correct horse battery\n") == 0
    assert (
        run(data_dir, "api-tokens", "create", "wang", "--label", "report script", "--by", "bob")
        == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    user = find_api_token(engine, token)
    assert user is not None and user.username == "wang"

    assert run(data_dir, "api-tokens", "list", "--user", "wang") == 0
    listing = capsys.readouterr().out
    assert "wang" in listing and "cli:bob" in listing and "report script" in listing
    assert token not in listing

    assert run(data_dir, "api-tokens", "revoke", "1", "--by", "carol") == 0
    assert "revoked API token 1" in capsys.readouterr().out
    assert find_api_token(engine, token) is None
    with engine.connect() as connection:
        query = select(EventRecord.type, EventRecord.actor).where(EventRecord.type.like("api_%"))
        assert [tuple(row) for row in connection.execute(query.order_by(EventRecord.seq))] == [
            ("api_token.created", "cli:bob"),
            ("api_token.revoked", "cli:carol"),
        ]
    engine.dispose()


def test_a_token_for_an_unknown_user_is_refused_in_one_line(data_dir: Path, capsys):
    assert run(data_dir, "db", "upgrade") == 0
    assert run(data_dir, "api-tokens", "create", "nobody", "--by", "bob") == 2
    assert capsys.readouterr().err.strip() == "error: no active user 'nobody'"
