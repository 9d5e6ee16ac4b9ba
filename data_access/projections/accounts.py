"""User accounts and tokens, as projections of the administration events, which only the
administration commands append (data_access/commands/admin.py): `users` (user.created,
user.changed, user.deactivated, user.password_reset), `ingest_tokens` (token.created,
token.revoked) and the personal API tokens `api_tokens` (api_token.created, api_token.revoked);
and `user_sessions`, the projection of sign-ins (session.started, session.ended, appended by
data_access/sessions.py). A change of a user's role or binding, a password reset, or their
deactivation ends all their sessions here, in the same transaction: no cookie outlives the
rights it was issued for.

The rules of these tables live in `check`: a username is taken once; a role has the binding it
needs (a district officer one district, an enterprise user one enterprise) and they are known; an
ingest token's enterprise is known, and all active tokens of one source share one binding (so the
event log's source says whom an event was accepted for); a change names a user or token that
exists; an API token belongs to an active user. The tables assign the user and token ids, as before.

A handful of rows per action: each event is written at once (not at the batch's flush), so the
next event of the same batch is checked against it and a command can read the new row back in
its transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, Row, Update, select

from dashboard.domain.events import ADMIN_EVENT_TYPES, Event, Rejection
from dashboard.domain.roles import check_binding
from data_access.models import ApiToken, IngestToken, UserAccount, UserSession, table_of
from data_access.projections.batch import Batch
from data_access.projections.projection import Projection, Wanted

_USERS = table_of(UserAccount)
_TOKENS = table_of(IngestToken)
_SESSIONS = table_of(UserSession)
_API_TOKENS = table_of(ApiToken)
USER_SOURCE_PREFIX = "user:"  # as data_access.commands.base writes a user's source


def wants(event: Event, wanted: Wanted) -> None:
    enterprise = getattr(event.data, "enterprise_id", None)
    if enterprise is not None:
        wanted.keys["enterprises"].add(enterprise)


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    data: Any = event.data
    if event.type.startswith("user."):
        rejection = _check_username(b, event)
        if rejection is not None or event.type in ("user.deactivated", "user.password_reset"):
            return rejection
        return _check_profile(b, event)
    if event.type.startswith("session."):
        return _check_session(b, event)
    if event.type.startswith("api_token."):
        return _check_api_token(b, event)
    if event.type == "token.created":
        return _check_token_binding(b, event)
    if token_id_of(b.connection, data.token_hash) is None:  # token.revoked
        message = f"no token with id {data.token_id}"
        return _rejection(event, "unknown_reference", "token_id", message)
    return None


def _check_username(b: Batch, event: Event) -> Rejection | None:
    """A new user's name is free; a changed or deactivated user exists."""
    username = event.data.username  # type: ignore[attr-defined]
    known = user_row(b.connection, username) is not None
    if event.type == "user.created" and known:
        return _rejection(event, "invalid_field", "username", f"user {username!r} already exists")
    if event.type != "user.created" and not known:
        return _rejection(event, "unknown_reference", "username", f"no user {username!r}")
    return None


def _check_session(b: Batch, event: Event) -> Rejection | None:
    """A session starts for an active user, once; it ends only if it was started."""
    data: Any = event.data
    if event.type == "session.started":
        row = user_row(b.connection, data.username)
        if row is None or not row.active:
            return _rejection(event, "unknown_reference", "username", f"no user {data.username!r}")
        if session_row(b.connection, data.session_hash) is not None:
            return _rejection(event, "invalid_field", "session_hash", "session already started")
        return None
    if session_row(b.connection, data.session_hash) is None:
        return _rejection(event, "unknown_reference", "session_hash", "no such session")
    return None


def _check_profile(b: Batch, event: Event) -> Rejection | None:
    """The role's binding is the one it needs, and names a known district or enterprise."""
    data: Any = event.data
    problem = check_binding(data.role, data.district, data.enterprise_id)
    if problem:
        return _rejection(event, "invalid_field", "role", problem)
    if data.district is not None and data.district not in b.districts:
        return _rejection(
            event, "unknown_reference", "district", f"unknown district {data.district!r}"
        )
    return _check_enterprise(b, event)


def _check_token_binding(b: Batch, event: Event) -> Rejection | None:
    """A source's active tokens all share one binding: the same enterprise, or none."""
    data: Any = event.data
    rejection = _check_enterprise(b, event)
    if rejection is not None:
        return rejection
    active = select(_TOKENS.c.enterprise_id).where(
        _TOKENS.c.source == data.source, _TOKENS.c.revoked_at.is_(None)
    )
    for bound in b.connection.scalars(active):
        if bound != data.enterprise_id:
            now = f"enterprise {bound}" if bound else "no enterprise"
            message = (
                f"source {data.source} already has active tokens bound to {now}; a source has "
                "one binding: give the same --enterprise, or revoke those tokens first"
            )
            return _rejection(event, "invalid_field", "enterprise_id", message)
    return None


def _check_api_token(b: Batch, event: Event) -> Rejection | None:
    """A new API token belongs to an active user; a revoked one exists."""
    data: Any = event.data
    if event.type == "api_token.created":
        owner = user_row(b.connection, data.username)
        if owner is None or not owner.active:
            message = f"no active user {data.username!r}"
            return _rejection(event, "unknown_reference", "username", message)
        return None
    if api_token_row(b.connection, data.token_id) is None:
        return _rejection(event, "unknown_reference", "token_id", f"no API token {data.token_id}")
    return None


def _check_enterprise(b: Batch, event: Event) -> Rejection | None:
    enterprise = event.data.enterprise_id  # type: ignore[attr-defined]
    if enterprise is not None and b["enterprises"].get(enterprise) is None:
        message = f"unknown enterprise {enterprise!r}"
        return _rejection(event, "unknown_reference", "enterprise_id", message)
    return None


def district(b: Batch, event: Event) -> str | None:
    return None  # administration belongs to no district (and is never replayed to a screen)


def apply(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    if event.type.startswith("session."):
        b.connection.execute(_session_statement(event))
        return
    if _ends_sessions(event):
        b.connection.execute(_end_all_sessions(data.username, event))
    users, tokens = _USERS.c, _TOKENS.c
    statement: Insert | Update
    if event.type.startswith("api_token."):
        statement = _api_token_statement(event, source.removeprefix(USER_SOURCE_PREFIX))
    elif event.type == "user.created":
        statement = _USERS.insert().values(
            username=data.username,
            password_hash=data.password_hash,
            active=True,
            created_at=event.occurred_at,
            **_profile(data),
        )
    elif event.type == "user.changed":
        statement = _USERS.update().where(users.username == data.username).values(**_profile(data))
    elif event.type == "user.deactivated":
        statement = _USERS.update().where(users.username == data.username).values(active=False)
    elif event.type == "user.password_reset":
        statement = (
            _USERS.update()
            .where(users.username == data.username)
            .values(password_hash=data.password_hash)
        )
    elif event.type == "token.created":
        statement = _TOKENS.insert().values(
            source=data.source,
            types=list(data.types),
            token_hash=data.token_hash,
            label=data.label,
            created_at=event.occurred_at,
            revoked_at=None,
            enterprise_id=data.enterprise_id,
        )
    else:  # token.revoked; revoking again keeps the first time
        statement = (
            _TOKENS.update()
            .where(tokens.token_hash == data.token_hash, tokens.revoked_at.is_(None))
            .values(revoked_at=event.occurred_at)
        )
    b.connection.execute(statement)


def _session_statement(event: Event) -> Insert | Update:
    data: Any = event.data
    sessions = _SESSIONS.c
    if event.type == "session.started":
        return _SESSIONS.insert().values(
            session_hash=data.session_hash,
            username=data.username,
            started_at=event.occurred_at,
            ended_at=None,
            ended_reason=None,
        )
    return (  # session.ended; ending again keeps the first end
        _SESSIONS.update()
        .where(sessions.session_hash == data.session_hash, sessions.ended_at.is_(None))
        .values(ended_at=event.occurred_at, ended_reason=data.reason)
    )


def _ends_sessions(event: Event) -> bool:
    """Deactivation, a password reset, or a new role or binding (not a new display name) ends
    every session."""
    data: Any = event.data
    if event.type in ("user.deactivated", "user.password_reset"):
        return True
    if event.type != "user.changed":
        return False
    before = data.previous
    return (data.role, data.district, data.enterprise_id) != (
        before.role,
        before.district,
        before.enterprise_id,
    )


def _end_all_sessions(username: str, event: Event) -> Update:
    reasons = {"user.deactivated": "deactivated", "user.password_reset": "password_reset"}
    reason = reasons.get(event.type, "changed")
    sessions = _SESSIONS.c
    return (
        _SESSIONS.update()
        .where(sessions.username == username, sessions.ended_at.is_(None))
        .values(ended_at=event.occurred_at, ended_reason=reason)
    )


def _api_token_statement(event: Event, actor: str) -> Insert | Update:
    data: Any = event.data
    if event.type == "api_token.created":
        return _API_TOKENS.insert().values(
            username=data.username,
            token_hash=data.token_hash,
            label=data.label,
            created_at=event.occurred_at,
            created_by=actor,
            revoked_at=None,
            revoked_by=None,
        )
    api = _API_TOKENS.c  # api_token.revoked; revoking again keeps the first time
    return (
        _API_TOKENS.update()
        .where(api.token_hash == data.token_hash, api.revoked_at.is_(None))
        .values(revoked_at=event.occurred_at, revoked_by=actor)
    )


def _profile(data: Any) -> dict[str, Any]:
    return {
        "role": data.role.value,
        "display_name": data.display_name,
        "district": data.district,
        "enterprise_id": data.enterprise_id,
    }


# --- reading the tables inside a transaction (the commands read them too) -------------------


def user_row(connection: Any, username: str) -> Row[Any] | None:
    """The account of `username`, active or not."""
    return connection.execute(select(_USERS).where(_USERS.c.username == username)).first()


def session_row(connection: Any, session_hash: str) -> Row[Any] | None:
    return connection.execute(
        select(_SESSIONS).where(_SESSIONS.c.session_hash == session_hash)
    ).first()


def token_row(connection: Any, token_id: int) -> Row[Any] | None:
    return connection.execute(select(_TOKENS).where(_TOKENS.c.id == token_id)).first()


def token_id_of(connection: Any, token_hash: str) -> int | None:
    """The id the table gave the token with this hash."""
    return connection.scalar(select(_TOKENS.c.id).where(_TOKENS.c.token_hash == token_hash))


def api_token_row(connection: Any, token_id: int) -> Row[Any] | None:
    return connection.execute(select(_API_TOKENS).where(_API_TOKENS.c.id == token_id)).first()


def api_token_id_of(connection: Any, token_hash: str) -> int | None:
    return connection.scalar(select(_API_TOKENS.c.id).where(_API_TOKENS.c.token_hash == token_hash))


def _rejection(event: Event, code: Any, field: str, message: str) -> Rejection:
    return Rejection(code, f"data.{field}", message, event.id)


PROJECTION = Projection(
    # scoring.changed has its own projection (data_access/projections/scoring.py)
    apply=dict.fromkeys(set(ADMIN_EVENT_TYPES) - {"scoring.changed"}, apply),
    wants=wants,
    check=check,
    district=district,
)
