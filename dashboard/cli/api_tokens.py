"""`python -m dashboard api-tokens create|list|revoke`: personal API tokens (docs/api.md).

`create USERNAME` makes a token that acts as that user (their role and scope), prints it alone on
its last line (shown this once, stored only hashed); the operator is the actor (`--by`).
"""

from __future__ import annotations

from sqlalchemy import Engine

from dashboard.cli.errors import CommandError
from dashboard.domain.roles import User
from data_access.api_tokens import list_api_tokens
from data_access.commands import Done
from data_access.commands.admin import ApiTokenIssued, create_api_token, revoke_api_token
from data_access.users import find_login


def create(engine: Engine, by: User, username: str, label: str | None) -> int:
    if find_login(engine, username) is None:
        raise CommandError(f"no active user {username!r}")
    issued = create_api_token(engine, by, label, owner=username)
    if not isinstance(issued, ApiTokenIssued):
        raise CommandError(issued.message)
    print(f"created API token {issued.token_id} for {username}: it reads with their scope")
    print("the token is shown only now; store it safely:")
    print(issued.token, flush=True)
    return 0


def list_all(engine: Engine, username: str | None) -> int:
    owner = None
    if username is not None:
        found = find_login(engine, username)
        if found is None:
            raise CommandError(f"no active user {username!r}")
        owner = found[0]
    print(f"{'id':>4}  {'user':<20} {'created':<20} {'by':<16} {'revoked':<20} label")
    for info in list_api_tokens(engine, owner):
        created = info.created_at.strftime("%Y-%m-%d %H:%M:%SZ")
        revoked = info.revoked_at.strftime("%Y-%m-%d %H:%M:%SZ") if info.revoked_at else "-"
        print(
            f"{info.id:>4}  {info.username:<20} {created:<20} {info.created_by:<16} "
            f"{revoked:<20} {info.label or ''}"
        )
    return 0


def revoke(engine: Engine, by: User, token_id: int) -> int:
    result = revoke_api_token(engine, by, token_id)
    if not isinstance(result, Done):
        raise CommandError(result.message)
    revoked = result.seq is not None
    print(
        f"revoked API token {token_id}" if revoked else f"API token {token_id} was revoked before"
    )
    return 0
