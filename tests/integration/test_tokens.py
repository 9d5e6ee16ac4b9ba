"""Ingest tokens: `python -m dashboard tokens add|list|revoke` and data_access.tokens."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dashboard.cli import main
from data_access.db import make_engine, transaction
from data_access.models import IngestToken
from data_access.tokens import (
    TokenError,
    create_token,
    find_token,
    hash_token,
    list_tokens,
    revoke_token,
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path


def run(data_dir: Path, *args: str) -> int:
    return main([*args, "--data-dir", str(data_dir)])


def db(data_dir: Path) -> Engine:
    return make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")


# --- data_access.tokens -------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_hash(engine: Engine) -> None:
    token_id, token = create_token(engine, "ent-0012", ["cylinder.scanned"], "acme")
    assert len(token) >= 43  # token_urlsafe(32)
    with transaction(engine) as session:
        row = session.scalar(select(IngestToken).where(IngestToken.id == token_id))
        stored = [str(value) for value in vars(row).values()]
    assert token not in stored
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)


def test_find_token_grants_source_and_types_until_revoked(engine: Engine) -> None:
    token_id, token = create_token(engine, "ent-0012", ["team.position", "cylinder.scanned"])
    grant = find_token(engine, token)
    assert grant is not None
    assert grant.source == "ent-0012"
    assert grant.types == {"team.position", "cylinder.scanned"}
    assert find_token(engine, token + "x") is None
    assert find_token(engine, "") is None
    assert revoke_token(engine, token_id) is True
    assert revoke_token(engine, token_id) is False
    assert find_token(engine, token) is None
    (info,) = list_tokens(engine)
    assert info.revoked_at is not None and info.source == "ent-0012"


def test_tokens_are_unique_and_refuse_bad_input(engine: Engine) -> None:
    tokens = {create_token(engine, "fleet", ["team.position"])[1] for _ in range(5)}
    assert len(tokens) == 5
    with pytest.raises(TokenError):
        create_token(engine, " ", ["team.position"])
    with pytest.raises(TokenError):
        create_token(engine, "fleet", [])
    with pytest.raises(TokenError):
        revoke_token(engine, 999)


# --- the command line ---------------------------------------------------------------------------


def test_tokens_add_prints_the_token_alone_on_its_last_line(data_dir: Path, capsys) -> None:
    code = run(
        data_dir,
        "tokens",
        "add",
        "--source",
        "ent-0012",
        "--types",
        "cylinder.scanned,delivery.safety_checked",
        "--label",
        "Acme LPG",
    )
    assert code == 0
    token = capsys.readouterr().out.rstrip("\n").splitlines()[-1]
    assert " " not in token and len(token) >= 43
    grant = find_token(db(data_dir), token)
    assert grant is not None and grant.source == "ent-0012"
    assert grant.types == {"cylinder.scanned", "delivery.safety_checked"}


def test_tokens_list_shows_everything_but_the_token(data_dir: Path, capsys) -> None:
    run(data_dir, "tokens", "add", "--source", "ent-0012", "--types", "cylinder.scanned")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    run(data_dir, "tokens", "add", "--source", "fire-119", "--types", "incident.reported")
    capsys.readouterr()
    assert run(data_dir, "tokens", "revoke", "1") == 0
    assert "revoked token 1" in capsys.readouterr().out
    assert run(data_dir, "tokens", "list") == 0
    listing = capsys.readouterr().out
    assert token not in listing
    lines = listing.strip().splitlines()
    assert lines[0].split()[:4] == ["id", "source", "created", "revoked"]
    first, second = lines[1], lines[2]
    assert first.split()[:2] == ["1", "ent-0012"] and "cylinder.scanned" in first
    assert second.split()[:2] == ["2", "fire-119"] and "incident.reported" in second
    assert second.split()[4] == "-"  # not revoked
    assert first.split()[4] != "-"
    assert find_token(db(data_dir), token) is None


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ("cylinder.scaned", "unknown event type(s) cylinder.scaned"),
        ("", "at least one event type"),
        (" , ", "at least one event type"),
    ],
)
def test_tokens_add_refuses_unknown_types(data_dir: Path, capsys, types, expected) -> None:
    code = run(data_dir, "tokens", "add", "--source", "ent-0012", "--types", types)
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err
    assert len(err.strip().splitlines()) == 1


def test_system_types_only_when_listed(data_dir: Path, capsys) -> None:
    run(data_dir, "tokens", "add", "--source", "ops", "--types", "incident.closed,team.status")
    out = capsys.readouterr().out
    assert "system event types: incident.closed" in out
    grant = find_token(db(data_dir), out.strip().splitlines()[-1])
    assert grant is not None and grant.types == {"incident.closed", "team.status"}
    run(data_dir, "tokens", "add", "--source", "fleet", "--types", "team.status")
    grant = find_token(db(data_dir), capsys.readouterr().out.strip().splitlines()[-1])
    assert grant is not None and grant.types == {"team.status"}


def test_tokens_revoke_of_an_unknown_id_is_one_line(data_dir: Path, capsys) -> None:
    assert run(data_dir, "tokens", "revoke", "42") == 2
    assert capsys.readouterr().err.strip() == "error: no token with id 42"
