"""Ingest tokens: one credential per source and the event types it may send.

A token is `secrets.token_urlsafe(32)` (256 random bits), shown once when created and stored only
as its SHA-256: for a secret of that entropy a fast hash is as safe as a slow one, and it lets the
gateway find a token with one indexed lookup. Tokens are never logged.

A token may be bound to one registered enterprise: its source may then act only on that
enterprise's objects (data_access/projections/permits.py). All active tokens of a source share one
binding, so that the event log's source says whom an event was accepted for.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data_access.db import transaction
from data_access.models import Enterprise, IngestToken

__all__ = [
    "TokenError",
    "TokenGrant",
    "TokenInfo",
    "create_token",
    "find_token",
    "hash_token",
    "list_tokens",
    "revoke_token",
]

MAX_SOURCE = 64
MAX_LABEL = 200


class TokenError(ValueError):
    """A token command was refused; the message says why."""


@dataclass(frozen=True)
class TokenGrant:
    """What a valid token allows: the source it speaks for and the event types it may send."""

    token_id: int
    source: str
    types: frozenset[str]
    enterprise: str | None = None  # the only enterprise whose objects it may act on


@dataclass(frozen=True)
class TokenInfo:
    """A token as operators see it (never the token itself)."""

    id: int
    source: str
    types: tuple[str, ...]
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    enterprise: str | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    engine: Engine,
    source: str,
    types: Collection[str],
    label: str | None = None,
    enterprise: str | None = None,
) -> tuple[int, str]:
    """Store a new token for `source`, optionally bound to a registered `enterprise`; returns
    (id, token). The token is not kept anywhere."""
    source = source.strip()
    if not source or len(source) > MAX_SOURCE:
        raise TokenError(f"the source must be 1..{MAX_SOURCE} characters")
    kinds = sorted(set(types))
    if not kinds:
        raise TokenError("a token needs at least one event type")
    if label is not None and len(label) > MAX_LABEL:
        raise TokenError(f"the label must be at most {MAX_LABEL} characters")
    enterprise = enterprise.strip() if enterprise is not None else None
    token = secrets.token_urlsafe(32)
    with transaction(engine) as session:
        _check_binding(session, source, enterprise)
        row = IngestToken(
            source=source,
            types=kinds,
            token_hash=hash_token(token),
            label=label,
            created_at=datetime.now(UTC),
            revoked_at=None,
            enterprise_id=enterprise,
        )
        session.add(row)
        session.flush()
        return row.id, token


def _check_binding(session: Session, source: str, enterprise: str | None) -> None:
    if enterprise is not None and session.get(Enterprise, enterprise) is None:
        raise TokenError(f"unknown enterprise {enterprise!r}")
    active = select(IngestToken.enterprise_id).where(
        IngestToken.source == source, IngestToken.revoked_at.is_(None)
    )
    for (bound,) in session.execute(active).all():
        if bound != enterprise:
            now = f"enterprise {bound}" if bound else "no enterprise"
            raise TokenError(
                f"source {source} already has active tokens bound to {now}; a source has one "
                "binding: give the same --enterprise, or revoke those tokens first"
            )


def find_token(engine: Engine, token: str) -> TokenGrant | None:
    """The grant of a valid token; None for an unknown or revoked one."""
    if not isinstance(token, str) or not token or len(token) > 512:
        return None
    with transaction(engine) as session:
        row = session.scalar(select(IngestToken).where(IngestToken.token_hash == hash_token(token)))
        if row is None or row.revoked_at is not None:
            return None
        return TokenGrant(
            token_id=row.id,
            source=row.source,
            types=frozenset(row.types),
            enterprise=row.enterprise_id,
        )


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with transaction(engine) as session:
        rows = session.scalars(select(IngestToken).order_by(IngestToken.id))
        return [
            TokenInfo(
                id=row.id,
                source=row.source,
                types=tuple(row.types),
                label=row.label,
                created_at=row.created_at,
                revoked_at=row.revoked_at,
                enterprise=row.enterprise_id,
            )
            for row in rows
        ]


def revoke_token(engine: Engine, token_id: int) -> bool:
    """Revoke a token; False if it was already revoked. Raises TokenError for an unknown id."""
    with transaction(engine) as session:
        row = session.get(IngestToken, token_id)
        if row is None:
            raise TokenError(f"no token with id {token_id}")
        if row.revoked_at is not None:
            return False
        row.revoked_at = datetime.now(UTC)
        return True
