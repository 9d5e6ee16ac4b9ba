"""Administration: user accounts and ingest tokens, for administrators only; and personal API
tokens, which every user makes for themselves and an administrator may revoke (docs/api.md).

The actor is an administrator, or the system acting with an administrator's rights under a name
of its own (`system_user`): an operator at the command line ("cli:<name>"), the demo, the
simulators. Each command appends one administration event (dashboard/domain/events.py); the
projection (data_access/projections/accounts.py) keeps the `users` and `ingest_tokens` tables and
refuses what would break their rules (a username taken, a role without the binding it needs, an
unknown district or enterprise, a second binding for one source): such a refusal comes back as
`Refused` ("rejected") with the projection's message.

Inputs are checked here first, so that the administration pages can say what is wrong in the
user's language (a `Refused` naming the field): a username free and well-formed, a role with the
binding it needs and a known district or enterprise (a password's length is checked before it
is hashed: dashboard/domain/passwords.py). An administrator cannot deactivate or demote
themself, and the last active administrator stays one.

Passwords arrive hashed (dashboard.auth). A token is made here and returned once
(`TokenIssued.token`); only its SHA-256 is recorded, in the log and in the table.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, Row, func, select

from dashboard.domain.events import (
    ADMIN_EVENT_TYPES,
    EVENT_TYPES,
    ApiTokenCreated,
    ApiTokenRevoked,
    TokenCreated,
    TokenRevoked,
    UserChanged,
    UserCreated,
    UserDeactivated,
    UserPasswordReset,
    UserProfile,
)
from dashboard.domain.policy import Action, Refused, missing, unknown
from dashboard.domain.roles import Role, User, check_binding
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.models import District, Enterprise, UserAccount
from data_access.projections.accounts import (
    api_token_id_of,
    api_token_row,
    token_id_of,
    token_row,
    user_row,
)
from data_access.tokens import hash_token

__all__ = [
    "ApiTokenIssued",
    "TokenIssued",
    "change_user",
    "create_api_token",
    "create_token",
    "create_user",
    "deactivate_user",
    "reset_password",
    "revoke_api_token",
    "revoke_token",
]

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class TokenIssued(Done):
    """A new ingest token: its id (also `subject`, as text), and the token itself, shown this
    once and kept nowhere."""

    token_id: int
    token: str = dataclasses.field(repr=False)


@dataclass(frozen=True)
class ApiTokenIssued(Done):
    """A new personal API token: its id (also `subject`, as text), and the token itself, shown
    this once and kept nowhere."""

    token_id: int
    token: str = dataclasses.field(repr=False)


def create_user(
    engine: Engine,
    user: User,
    username: str,
    password_hash: str,
    role: Role,
    *,
    display_name: str | None = None,
    district: str | None = None,
    enterprise_id: str | None = None,
) -> Result:
    """A new account; `Done.subject` is the username. The display name defaults to it."""

    def body(act: Act) -> Done:
        act.require(Action.ADMINISTER)
        _check_username(act, username)
        profile = _profile(role, display_name or username, district, enterprise_id)
        _check_binding(act, profile)
        data = _data(
            UserCreated, username=username, password_hash=password_hash, **profile.model_dump()
        )
        return Done(username, act.append(data))

    return run(engine, user, body)


def change_user(
    engine: Engine,
    user: User,
    username: str,
    role: Role,
    *,
    district: str | None = None,
    enterprise_id: str | None = None,
    display_name: str | None = None,
) -> Result:
    """Give a user a role with the binding it needs (a district, an enterprise, or none), and
    optionally a new display name (None keeps it). Nothing is recorded when nothing changes
    (`Done.seq` None)."""

    def body(act: Act) -> Done:
        act.require(Action.ADMINISTER)
        row = _account(act, username)
        name = display_name or row.display_name
        now = _profile(role, name, district, enterprise_id)
        before = _profile(Role(row.role), row.display_name, row.district, row.enterprise_id)
        if now == before:
            return Done(username, None)
        _check_binding(act, now)
        if before.role is Role.ADMIN and now.role is not Role.ADMIN:
            _keep_an_admin(act, username)
        data = _data(UserChanged, username=username, previous=before, **now.model_dump())
        return Done(username, act.append(data))

    return run(engine, user, body)


def deactivate_user(engine: Engine, user: User, username: str) -> Result:
    """Stop a user from signing in (a session of theirs ends at its next request). A user
    already deactivated is left as is (`Done.seq` None)."""

    def body(act: Act) -> Done:
        act.require(Action.ADMINISTER)
        row = _account(act, username)
        if not row.active:
            return Done(username, None)
        if username == user.username:
            raise Refusal(
                Refused("self_deactivate", "you cannot deactivate yourself", field="username")
            )
        if row.role == Role.ADMIN.value:
            _keep_an_admin(act, username)
        return Done(username, act.append(UserDeactivated(username=username)))

    return run(engine, user, body)


def reset_password(engine: Engine, user: User, username: str, password_hash: str) -> Result:
    """Give a user a new password (hashed by the caller, as for create_user); their old one
    stops working at once. Check the password itself first (dashboard/domain/passwords.py)."""

    def body(act: Act) -> Done:
        act.require(Action.ADMINISTER)
        _account(act, username)
        data = _data(UserPasswordReset, username=username, password_hash=password_hash)
        return Done(username, act.append(data))

    return run(engine, user, body)


def create_token(
    engine: Engine,
    user: User,
    source: str,
    types: Collection[str],
    label: str | None = None,
    enterprise: str | None = None,
) -> TokenIssued | Refused:
    """A new token for `source` and the event types it may send, optionally bound to one
    registered `enterprise`: its source may then act only on that enterprise's objects."""

    def body(act: Act) -> Done:
        act.require(Action.ADMINISTER)
        if not source.strip():
            raise Refusal(missing("source", "a token needs a source name"))
        if enterprise is not None and not enterprise.strip():
            raise Refusal(missing("enterprise", "binding a token needs an enterprise id"))
        token = secrets.token_urlsafe(32)  # 256 random bits (data_access/tokens.py)
        data = _data(
            TokenCreated,
            source=source.strip(),
            types=_token_types(types),
            label=label or None,
            enterprise_id=enterprise.strip() if enterprise is not None else None,
            token_hash=hash_token(token),
        )
        seq = act.append(data)
        token_id = token_id_of(act.connection, data.token_hash)
        assert token_id is not None  # just inserted, in this transaction
        return TokenIssued(str(token_id), seq, token_id, token)

    return run(engine, user, body)  # type: ignore[return-value]


def revoke_token(engine: Engine, user: User, token_id: int) -> Result:
    """Retire a token: the gateway refuses it from now on. A token already revoked is left as
    is (`Done.seq` None)."""

    def body(act: Act) -> Done:
        act.require(Action.ADMINISTER)
        row = token_row(act.connection, token_id)
        if row is None:
            raise Refusal(_unknown("token", str(token_id), f"no token with id {token_id}"))
        if row.revoked_at is not None:
            return Done(str(token_id), None)
        data = TokenRevoked(token_id=token_id, token_hash=row.token_hash)
        return Done(str(token_id), act.append(data))

    return run(engine, user, body)


def create_api_token(
    engine: Engine, user: User, label: str | None = None, *, owner: str | None = None
) -> ApiTokenIssued | Refused:
    """A personal API token: it acts as its owner, with the owner's role and scope, until
    revoked or the account is deactivated. Any user may make their own (`owner` None); making
    one for somebody else (an operator at the command line setting up a script's account) is
    administration."""

    def body(act: Act) -> Done:
        username = owner if owner is not None else user.username
        if username != user.username:
            act.require(Action.ADMINISTER)
        token = secrets.token_urlsafe(32)  # 256 random bits, as the ingest tokens
        data = _data(
            ApiTokenCreated,
            username=username,
            label=(label or "").strip() or None,
            token_hash=hash_token(token),
        )
        seq = act.append(data, prefix="api_token")
        token_id = api_token_id_of(act.connection, data.token_hash)
        assert token_id is not None  # just inserted, in this transaction
        return ApiTokenIssued(str(token_id), seq, token_id, token)

    return run(engine, user, body)  # type: ignore[return-value]


def revoke_api_token(engine: Engine, user: User, token_id: int) -> Result:
    """Retire a personal API token: its owner may revoke their own, an administrator anyone's.
    Somebody else's token is refused as if it did not exist. A token already revoked is left as
    is (`Done.seq` None)."""

    def body(act: Act) -> Done:
        row = api_token_row(act.connection, token_id)
        if row is None or (row.username != user.username and user.role is not Role.ADMIN):
            raise Refusal(unknown("api token", str(token_id), "token_id"))
        if row.revoked_at is not None:
            return Done(str(token_id), None)
        data = ApiTokenRevoked(token_id=token_id, token_hash=row.token_hash)
        return Done(str(token_id), act.append(data, prefix="api_token"))

    return run(engine, user, body)


# --- checks -----------------------------------------------------------------------------------


def _profile(
    role: Role, display_name: str, district: str | None, enterprise_id: str | None
) -> UserProfile:
    """A role, its binding and a name as the events hold them (no binding: None, never "")."""
    district = (district or "").strip() or None
    enterprise_id = (enterprise_id or "").strip() or None
    return _data(
        UserProfile,
        role=role,
        display_name=display_name,
        district=district,
        enterprise_id=enterprise_id,
    )


def _check_username(act: Act, username: str) -> None:
    """A new username: given, without spaces, at most 64 characters, and not taken."""
    if not username.strip():
        raise Refusal(missing("username", "give a username"))
    if username != username.strip() or any(c.isspace() for c in username) or len(username) > 64:
        message = "a username has 1 to 64 characters and no spaces"
        raise Refusal(Refused("bad_username", message, code="invalid_field", field="username"))
    if user_row(act.connection, username) is not None:
        message = f"user {username!r} already exists"
        raise Refusal(
            Refused(
                "username_taken",
                message,
                code="invalid_field",
                field="username",
                params={"username": username},
            )
        )


def _check_binding(act: Act, profile: UserProfile) -> None:
    """The role's binding is there, is the one the role takes, and names a known place."""
    role, district, enterprise = profile.role, profile.district, profile.enterprise_id
    problem = check_binding(role, district, enterprise)
    if problem and role is Role.DISTRICT_OFFICER and not district:
        raise Refusal(missing("district", problem))
    if problem and role is Role.ENTERPRISE and not enterprise:
        raise Refusal(missing("enterprise", problem))
    if problem:
        field = "district" if district else "enterprise_id"
        raise Refusal(Refused("binding_not_taken", problem, code="invalid_field", field=field))
    connection = act.connection
    if (
        district
        and connection.scalar(select(District.code).where(District.code == district)) is None
    ):
        raise Refusal(_unknown("district", district, f"unknown district {district!r}"))
    if (
        enterprise
        and connection.scalar(select(Enterprise.id).where(Enterprise.id == enterprise)) is None
    ):
        raise Refusal(_unknown("enterprise", enterprise, f"unknown enterprise {enterprise!r}"))


def _keep_an_admin(act: Act, username: str) -> None:
    """Refuse to take the administrator role from `username`: not from oneself, and not from
    the last active administrator (no one could administer the system any more)."""
    if username == act.user.username:
        raise Refusal(Refused("self_demote", "you cannot take your own role away", field="role"))
    admins = select(func.count()).where(
        UserAccount.role == Role.ADMIN.value,
        UserAccount.active.is_(True),
        UserAccount.username != username,
    )
    if not act.connection.scalar(admins):
        message = "the last active administrator must stay one"
        raise Refusal(Refused("last_admin", message, field="username"))


def _account(act: Act, username: str) -> Row[Any]:
    row = user_row(act.connection, username)
    if row is None:
        raise Refusal(_unknown("user", username, f"no user {username!r}"))
    return row


def _token_types(types: Collection[str]) -> list[str]:
    """The event types a token may send: at least one, each known, and none of the
    administration types (no source may ever send those)."""
    kinds = sorted(set(types))
    if not kinds:
        raise Refusal(missing("types", "a token needs at least one event type"))
    for kind in kinds:
        if kind in ADMIN_EVENT_TYPES:
            message = f"{kind} events are written by the command center, never by a source"
            raise Refusal(_bad_type("server_only_type", kind, message))
        if kind not in EVENT_TYPES:
            raise Refusal(_bad_type("bad_choice", kind, f"unknown event type {kind!r}"))
    return kinds


def _bad_type(reason: str, kind: str, message: str) -> Refused:
    return Refused(reason, message, code="invalid_field", field="types", params={"value": kind})


def _data(model: type[Model], **fields: Any) -> Model:
    """The event's data (or part of it), or a refusal naming the first field out of bounds."""
    try:
        return model(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = f"{field}: {first['msg']}"
        raise Refusal(
            Refused("invalid", message, code="invalid_field", field=field, params={"field": field})
        ) from None


def _unknown(noun: str, key: str, message: str) -> Refused:
    """As policy.unknown, with the message operators have always read."""
    return Refused(
        "unknown", message, code="unknown_reference", field=noun, params={"noun": noun, "id": key}
    )
