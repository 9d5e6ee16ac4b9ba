"""How much each ingest token is used: when last, and how many events accepted and rejected.

Operational telemetry, not domain state: no one's decision changes what the command center
knows, so it is not an event and never enters the log (nor a replay). The gateway counts in
memory and flushes now and then with `record_usage`; the token administration page reads it
with `token_usage`. A restart may lose the counts since the last flush, which is acceptable for
figures that say "is this source alive, is it sending rubbish".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, select
from sqlalchemy.dialects import postgresql, sqlite

from data_access.models import IngestToken, IngestTokenUsage, table_of

__all__ = ["TokenUsage", "record_usage", "token_usage"]

_USAGE = table_of(IngestTokenUsage)


@dataclass(frozen=True)
class TokenUsage:
    """A token as the administration page lists it (never the token itself)."""

    id: int
    source: str
    types: tuple[str, ...]
    enterprise: str | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None  # None: never used since usage is counted
    accepted: int
    rejected: int


def record_usage(engine: Engine, usage: Mapping[int, tuple[int, int, datetime]]) -> None:
    """Add each token's (accepted, rejected, last used) to its figures, keeping the latest
    last-used time: one upsert statement for the whole flush, on SQLite and PostgreSQL."""
    if not usage:
        return
    rows = [
        {"token_id": token_id, "accepted": accepted, "rejected": rejected, "last_used_at": when}
        for token_id, (accepted, rejected, when) in sorted(usage.items())
    ]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(_USAGE).values(rows)
    new, old = insert.excluded, _USAGE.c
    statement = insert.on_conflict_do_update(
        index_elements=[old.token_id],
        set_={
            "accepted": old.accepted + new.accepted,
            "rejected": old.rejected + new.rejected,
            "last_used_at": case(
                (new.last_used_at > old.last_used_at, new.last_used_at), else_=old.last_used_at
            ),
        },
    )
    with engine.begin() as connection:
        connection.execute(statement)


def token_usage(engine: Engine) -> list[TokenUsage]:
    """Every token, newest first, with its figures (zero when never counted)."""
    token = table_of(IngestToken).c
    query = (
        select(
            token.id,
            token.source,
            token.types,
            token.enterprise_id,
            token.label,
            token.created_at,
            token.revoked_at,
            _USAGE.c.last_used_at,
            _USAGE.c.accepted,
            _USAGE.c.rejected,
        )
        .outerjoin(_USAGE, _USAGE.c.token_id == token.id)
        .order_by(token.id.desc())
    )
    with engine.connect() as connection:
        return [
            TokenUsage(
                id=row.id,
                source=row.source,
                types=tuple(row.types),
                enterprise=row.enterprise_id,
                label=row.label,
                created_at=row.created_at,
                revoked_at=row.revoked_at,
                last_used_at=row.last_used_at,
                accepted=int(row.accepted or 0),
                rejected=int(row.rejected or 0),
            )
            for row in connection.execute(query)
        ]
