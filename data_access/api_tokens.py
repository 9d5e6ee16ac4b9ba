"""Personal API tokens: reading them (the commands create and revoke them,
data_access/commands/admin.py; docs/api.md).

A token is `secrets.token_urlsafe(32)` (256 random bits), shown once when created and stored only
as its SHA-256, like the ingest tokens (data_access/tokens.py): for a secret of that entropy a
fast hash is as safe as a slow one, and one indexed lookup finds it. A token acts as its user,
with the user's current role and scope: a change of role applies to the token at once, and a
deactivated user's tokens stop working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from dashboard.domain.roles import User
from data_access.db import transaction
from data_access.models import ApiToken, UserAccount
from data_access.tokens import hash_token
from data_access.users import to_user

__all__ = ["ApiTokenInfo", "find_api_token", "list_api_tokens"]

MAX_TOKEN_LENGTH = 512


@dataclass(frozen=True, slots=True)
class ApiTokenInfo:
    """A token as its owner and the administrators see it (never the token itself)."""

    id: int
    username: str
    label: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None


def find_api_token(engine: Engine, token: str) -> User | None:
    """The user a valid token acts as; None for an unknown or revoked token, or a user who is
    no longer active."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    query = (
        select(UserAccount)
        .join(ApiToken, ApiToken.username == UserAccount.username)
        .where(
            ApiToken.token_hash == hash_token(token),
            ApiToken.revoked_at.is_(None),
            UserAccount.active,
        )
    )
    with transaction(engine) as session:
        account = session.scalar(query)
        return to_user(account) if account is not None else None


def list_api_tokens(engine: Engine, user: User | None = None) -> list[ApiTokenInfo]:
    """Every API token (for the administration pages), or only `user`'s, oldest first."""
    query = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.username == user.username)
    with transaction(engine) as session:
        return [
            ApiTokenInfo(
                id=row.id,
                username=row.username,
                label=row.label,
                created_at=row.created_at,
                created_by=row.created_by,
                revoked_at=row.revoked_at,
                revoked_by=row.revoked_by,
            )
            for row in session.scalars(query)
        ]
