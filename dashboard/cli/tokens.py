"""`python -m dashboard tokens add|list|revoke`: ingest tokens for operators.

`tokens add` prints the new token alone on its last line, so scripts can take it with `tail -n 1`;
it is shown this once and stored only hashed. Adding and revoking go through the administration
commands (data_access/commands/admin.py) with the operator as the actor (`--by`).
"""

from __future__ import annotations

import argparse

from sqlalchemy import Engine

from dashboard.cli.errors import CommandError
from dashboard.domain.events import ADMIN_EVENT_TYPES, EVENT_TYPES, SYSTEM_EVENT_TYPES
from dashboard.domain.roles import User
from data_access import commands
from data_access.commands import Done, TokenIssued
from data_access.tokens import list_tokens


def parse_types(raw: str) -> list[str]:
    """The comma-separated --types value as a list of known event types."""
    kinds = [part.strip() for part in raw.split(",") if part.strip()]
    if not kinds:
        raise CommandError("--types needs at least one event type, e.g. cylinder.scanned")
    server_only = [kind for kind in kinds if kind in ADMIN_EVENT_TYPES]
    if server_only:
        raise CommandError(
            f"--types: {', '.join(server_only)} events are written by the command center itself; "
            "no token may send them"
        )
    unknown = [kind for kind in kinds if kind not in EVENT_TYPES]
    if unknown:
        raise CommandError(
            f"--types: unknown event type(s) {', '.join(unknown)}; "
            f"known types: {', '.join(sorted(EVENT_TYPES))}"
        )
    return sorted(set(kinds))


def add(engine: Engine, by: User, args: argparse.Namespace) -> int:
    kinds = parse_types(args.types)
    enterprise = args.enterprise
    if enterprise is not None and not enterprise.strip():
        raise CommandError("--enterprise needs an enterprise id, e.g. ENT-0012")
    issued = commands.create_token(engine, by, args.source, kinds, args.label, enterprise)
    if not isinstance(issued, TokenIssued):
        raise CommandError(issued.message)
    system = [kind for kind in kinds if kind in SYSTEM_EVENT_TYPES]
    print(f"added token {issued.token_id} for source {args.source.strip()}: {', '.join(kinds)}")
    if enterprise is not None:
        print(f"bound to enterprise {enterprise.strip()}: it may act only on its objects")
    if system:
        print(f"note: this token may send system event types: {', '.join(system)}")
    print("the token is shown only now; store it safely:")
    print(issued.token, flush=True)
    return 0


def list_all(engine: Engine) -> int:
    print(f"{'id':>4}  {'source':<20} {'created':<20} {'revoked':<20} {'enterprise':<16} types")
    for info in list_tokens(engine):
        created = info.created_at.strftime("%Y-%m-%d %H:%M:%SZ")
        revoked = info.revoked_at.strftime("%Y-%m-%d %H:%M:%SZ") if info.revoked_at else "-"
        enterprise = info.enterprise or "-"  # "-": not bound, may act on any enterprise's objects
        label = f"  ({info.label})" if info.label else ""
        print(
            f"{info.id:>4}  {info.source:<20} {created:<20} {revoked:<20} {enterprise:<16} "
            f"{','.join(info.types)}{label}"
        )
    return 0


def revoke(engine: Engine, by: User, token_id: int) -> int:
    result = commands.revoke_token(engine, by, token_id)
    if not isinstance(result, Done):
        raise CommandError(result.message)
    revoked = result.seq is not None
    print(f"revoked token {token_id}" if revoked else f"token {token_id} was already revoked")
    return 0
