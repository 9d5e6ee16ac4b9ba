"""Ingest tokens: one credential per source and the event types it may send (reading them; the
administration commands create and revoke them, data_access/commands/admin.py).

A token is `secrets.token_urlsafe(32)` (256 random bits), shown once when created and stored only
as its SHA-256: for a secret of that entropy a fast hash is as safe as a slow one, and it lets the
gateway find a token with one indexed lookup. The token itself is never stored or logged; the
event log holds its hash (`token.created`), as the table does.

A token may be bound to one registered enterprise: its source may then act only on that
enterprise's objects (data_access/projections/permits.py). All active tokens of a source share one
binding, so that the event log's source says whom an event was accepted for
(data_access/projections/accounts.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from data_access.db import transaction
from data_access.models import IngestToken

__all__ = ["TokenGrant", "TokenInfo", "find_token", "hash_token", "list_tokens"]


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
