"""Ingest tokens: `python -m dashboard tokens add|list|revoke`, the token commands and
data_access.tokens."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dashboard.cli import main
from dashboard.domain.events import Event, TeamPosition
from dashboard.domain.roles import system_user
from dashboard.gateway.server import incoming_of
from data_access import commands, registry
from data_access.commands import Done, Refused, Result
from data_access.db import make_engine, transaction
from data_access.models import EventRecord, IngestToken
from data_access.tokens import find_token, hash_token, list_tokens
from tests.support import issue_token

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path


def run(data_dir: Path, *args: str) -> int:
    return main([*args, "--data-dir", str(data_dir)])


def db(data_dir: Path) -> Engine:
    return make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")


# --- the token commands and data_access.tokens -------------------------------------------------

OPERATOR = system_user("tests")


def revoke(engine: Engine, token_id: int) -> Result:
    return commands.revoke_token(engine, OPERATOR, token_id)


def refusal(engine: Engine, *args, **kwargs) -> str:
    """Why creating this token is refused."""
    result = commands.create_token(engine, OPERATOR, *args, **kwargs)
    assert isinstance(result, Refused), result
    return result.message


def test_a_token_is_stored_and_logged_only_as_its_hash(engine: Engine) -> None:
    token_id, token = issue_token(engine, "ent-0012", ["cylinder.scanned"], "acme")
    assert len(token) >= 43  # token_urlsafe(32)
    with transaction(engine) as session:
        row = session.scalar(select(IngestToken).where(IngestToken.id == token_id))
        stored = [str(value) for value in vars(row).values()]
        (logged,) = session.execute(select(EventRecord.actor, EventRecord.data)).all()
    assert token not in stored and token not in str(logged.data)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert logged.actor == "tests" and logged.data["token_hash"] == row.token_hash


def test_find_token_grants_source_and_types_until_revoked(engine: Engine) -> None:
    token_id, token = issue_token(engine, "ent-0012", ["team.position", "cylinder.scanned"])
    grant = find_token(engine, token)
    assert grant is not None
    assert grant.source == "ent-0012"
    assert grant.types == {"team.position", "cylinder.scanned"}
    assert find_token(engine, token + "x") is None
    assert find_token(engine, "") is None
    first, again = revoke(engine, token_id), revoke(engine, token_id)
    assert isinstance(first, Done) and first.seq is not None
    assert isinstance(again, Done) and again.seq is None  # already revoked: nothing recorded
    assert find_token(engine, token) is None
    (info,) = list_tokens(engine)
    assert info.revoked_at is not None and info.source == "ent-0012"


def test_tokens_are_unique_and_refuse_bad_input(engine: Engine) -> None:
    tokens = {issue_token(engine, "fleet", ["team.position"])[1] for _ in range(5)}
    assert len(tokens) == 5
    assert "source" in refusal(engine, " ", ["team.position"])
    assert "at least one event type" in refusal(engine, "fleet", [])
    assert "written by the command center" in refusal(engine, "fleet", ["user.created"])
    assert isinstance(revoke(engine, 999), Refused)


def register_enterprises(engine: Engine, *ids: str) -> None:
    district = {"code": "420102", "name_zh": "江岸区", "name_en": "Jiang'an", "population": 1,
                "area_km2": 1.0, "centroid_lat": 30.6, "centroid_lon": 114.3,
                "geometry": {"type": "Point", "coordinates": [114.3, 30.6]}}  # fmt: skip
    registry.insert_rows(engine, "districts", [district])
    rows = [{"id": i, "name": i, "kind": "bottled", "district": "420102"} for i in ids]
    registry.insert_rows(engine, "enterprises", rows)


def test_a_token_may_be_bound_to_one_registered_enterprise(engine: Engine) -> None:
    register_enterprises(engine, "ENT-0012")
    token_id, token = issue_token(engine, "ent-0012", ["cylinder.scanned"], enterprise="ENT-0012")
    grant = find_token(engine, token)
    assert grant is not None and grant.enterprise == "ENT-0012"
    (info,) = list_tokens(engine)
    assert (info.id, info.enterprise) == (token_id, "ENT-0012")
    unbound = find_token(engine, issue_token(engine, "fleet", ["team.position"])[1])
    assert unbound is not None and unbound.enterprise is None


def test_a_source_has_one_binding_and_only_to_a_known_enterprise(engine: Engine) -> None:
    register_enterprises(engine, "ENT-0012", "ENT-0013")
    unknown = refusal(engine, "ent-9999", ["cylinder.scanned"], enterprise="ENT-9999")
    assert "unknown enterprise 'ENT-9999'" in unknown
    issue_token(engine, "ent-0012", ["cylinder.scanned"], enterprise="ENT-0012")
    issue_token(engine, "ent-0012", ["team.position"], enterprise="ENT-0012")  # a second token
    for other in ("ENT-0013", None):
        rebound = refusal(engine, "ent-0012", ["cylinder.scanned"], enterprise=other)
        assert "already has active tokens bound to enterprise" in rebound
    issue_token(engine, "fleet", ["team.position"])
    bound = refusal(engine, "fleet", ["team.position"], enterprise="ENT-0013")
    assert "bound to no enterprise" in bound
    for info in list_tokens(engine):  # rebinding: revoke first
        if info.source == "ent-0012":
            assert isinstance(revoke(engine, info.id), Done)
    issue_token(engine, "ent-0012", ["cylinder.scanned"], enterprise="ENT-0013")


def test_the_gateway_gets_the_binding_with_the_source(engine: Engine) -> None:
    register_enterprises(engine, "ENT-0012")
    token = issue_token(engine, "ent-0012", ["cylinder.scanned"], enterprise="ENT-0012")[1]
    grant = find_token(engine, token)
    assert grant is not None and (grant.source, grant.enterprise) == ("ent-0012", "ENT-0012")
    event = Event.of(TeamPosition(team_id="t1", lat=30.6, lon=114.3), id="p-1", occurred_at=NOW)
    incoming = incoming_of(grant, event)
    assert (incoming.source, incoming.enterprise, incoming.event) == ("ent-0012", "ENT-0012", event)


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
        ("team.position,token.created", "token.created events are written by the command center"),
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


def test_tokens_add_binds_to_an_enterprise_and_list_shows_it(data_dir: Path, capsys) -> None:
    assert run(data_dir, "db", "upgrade") == 0
    register_enterprises(db(data_dir), "ENT-0012")
    args = ["tokens", "add", "--source", "ent-0012", "--types", "cylinder.scanned"]
    assert run(data_dir, *args, "--enterprise", "ENT-0012") == 0
    out = capsys.readouterr().out
    assert "bound to enterprise ENT-0012" in out
    grant = find_token(db(data_dir), out.strip().splitlines()[-1])
    assert grant is not None and grant.enterprise == "ENT-0012"
    run(data_dir, "tokens", "add", "--source", "fire-119", "--types", "incident.reported")
    capsys.readouterr()
    assert run(data_dir, "tokens", "list") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:5] == ["id", "source", "created", "revoked", "enterprise"]
    assert lines[1].split()[5:7] == ["ENT-0012", "cylinder.scanned"]
    assert lines[2].split()[5:7] == ["-", "incident.reported"]


@pytest.mark.parametrize(
    ("enterprise", "expected"),
    [("ENT-9999", "unknown enterprise 'ENT-9999'"), (" ", "--enterprise needs an enterprise id")],
)
def test_tokens_add_refuses_an_unknown_enterprise(
    data_dir: Path, capsys, enterprise: str, expected: str
) -> None:
    args = ["--source", "ent-0012", "--types", "cylinder.scanned", "--enterprise", enterprise]
    assert run(data_dir, "tokens", "add", *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err and len(err.strip().splitlines()) == 1
    assert list_tokens(db(data_dir)) == []
