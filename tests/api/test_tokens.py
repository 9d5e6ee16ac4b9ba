"""Personal API tokens: made by their user (or an operator for a user), stored only as their
SHA-256, acting with the user's role and scope, revoked by their user or an administrator, each
step an event with its actor."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from dashboard.domain.roles import Role, system_user
from data_access import commands
from data_access.api_tokens import find_api_token, list_api_tokens
from data_access.commands.admin import ApiTokenIssued, create_api_token, revoke_api_token
from data_access.models import ApiToken, EventRecord
from tests.api.conftest import ApiCity


def log_of(api_city: ApiCity, event_type: str) -> list[tuple[str, str | None]]:
    with api_city.engine.connect() as connection:
        rows = connection.execute(
            select(EventRecord.source, EventRecord.actor).where(EventRecord.type == event_type)
        )
        return [tuple(row) for row in rows]


def test_a_token_reads_with_its_users_scope(api_city: ApiCity):
    assert api_city.get("/api/v1/incidents/INC-W", "api-jiangan").status_code == 404
    assert api_city.get("/api/v1/incidents/INC-W", "api-wuchang").status_code == 200


def test_a_token_is_stored_as_its_sha256_only(api_city: ApiCity):
    token = api_city.tokens["api-duty"]
    with api_city.engine.connect() as connection:
        hashes = set(connection.scalars(select(ApiToken.token_hash)))
        logged = list(
            connection.scalars(select(EventRecord.data).where(EventRecord.type.like("api_token.%")))
        )
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert token not in hashes and all(token not in str(data) for data in logged)


def test_a_revoked_token_is_refused(api_city: ApiCity):
    user = api_city.users["api-duty"]
    issued = create_api_token(api_city.engine, user, "script")
    assert isinstance(issued, ApiTokenIssued)
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert api_city.client.get("/api/v1/kpis", headers=headers).status_code == 200
    assert isinstance(revoke_api_token(api_city.engine, user, issued.token_id), commands.Done)
    response = api_city.client.get("/api/v1/kpis", headers=headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (401, "unauthorized")


def test_a_deactivated_users_token_is_refused(api_city: ApiCity):
    operator = system_user("tests")
    assert isinstance(
        commands.deactivate_user(api_city.engine, operator, "api-leader"), commands.Done
    )
    assert api_city.get("/api/v1/kpis", "api-leader").status_code == 401


def test_a_wrong_token_or_scheme_is_refused_even_with_a_session(api_city: ApiCity):
    for header in ("Bearer not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer " + "x" * 600):
        response = api_city.client.get("/api/v1/kpis", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_token_follows_a_change_of_its_users_role(api_city: ApiCity):
    operator = system_user("tests")
    assert api_city.get("/api/v1/incidents", "api-supervisor").status_code == 200
    changed = commands.change_user(api_city.engine, operator, "api-supervisor", Role.SCREEN)
    assert isinstance(changed, commands.Done)
    assert api_city.get("/api/v1/incidents", "api-supervisor").status_code == 403


def test_making_and_revoking_a_token_are_events_with_their_actor(api_city: ApiCity):
    user = api_city.users["api-jiangan"]
    issued = create_api_token(api_city.engine, user, "mine")
    assert isinstance(issued, ApiTokenIssued)
    admin = api_city.users["api-admin"]
    assert isinstance(revoke_api_token(api_city.engine, admin, issued.token_id), commands.Done)
    assert ("user:api-jiangan", "api-jiangan") in log_of(api_city, "api_token.created")
    assert log_of(api_city, "api_token.revoked") == [("user:api-admin", "api-admin")]
    (info,) = [t for t in list_api_tokens(api_city.engine, user) if t.id == issued.token_id]
    assert (info.created_by, info.revoked_by, info.label) == ("api-jiangan", "api-admin", "mine")


def test_nobody_but_its_owner_and_an_administrator_revokes_a_token(api_city: ApiCity):
    owner, other = api_city.users["api-duty"], api_city.users["api-jiangan"]
    issued = create_api_token(api_city.engine, owner)
    assert isinstance(issued, ApiTokenIssued)
    refused = revoke_api_token(api_city.engine, other, issued.token_id)
    assert isinstance(refused, commands.Refused) and refused.reason == "unknown"
    assert find_api_token(api_city.engine, issued.token) == owner
    assert isinstance(revoke_api_token(api_city.engine, owner, issued.token_id), commands.Done)
    assert find_api_token(api_city.engine, issued.token) is None


def test_only_an_administrator_makes_a_token_for_somebody_else(api_city: ApiCity):
    duty = api_city.users["api-duty"]
    refused = create_api_token(api_city.engine, duty, owner="api-leader")
    assert isinstance(refused, commands.Refused) and refused.reason == "role.administer"
    made = create_api_token(api_city.engine, system_user("cli:ops"), owner="api-leader")
    assert isinstance(made, ApiTokenIssued)
    assert find_api_token(api_city.engine, made.token) == api_city.users["api-leader"]


def test_the_token_list_is_everyones_or_one_users(api_city: ApiCity):
    everyone = list_api_tokens(api_city.engine)
    mine = list_api_tokens(api_city.engine, api_city.users["api-screen"])
    assert {t.username for t in everyone} == set(api_city.users)
    assert [t.username for t in mine] == ["api-screen"]


def test_a_signed_in_session_reads_the_api_as_well(api_city: ApiCity):
    from werkzeug.security import generate_password_hash

    operator = system_user("tests")
    made = commands.create_user(
        api_city.engine,
        operator,
        "api-browser",
        generate_password_hash("pw-123456"),
        Role.DUTY_OFFICER,
    )
    assert isinstance(made, commands.Done)
    api_city.client.post("/login", data={"username": "api-browser", "password": "pw-123456"})
    assert api_city.client.get("/api/v1/incidents").status_code == 200
