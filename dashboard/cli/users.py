"""`python -m dashboard users ...`: account administration for operators.

Every change goes through the administration commands (data_access/commands/admin.py) with the
operator as the actor (`--by`, see dashboard/cli/__init__.py), so the event log says who did it.
"""

from __future__ import annotations

import argparse

from sqlalchemy import Engine

from dashboard.auth import hash_password
from dashboard.cli.errors import CommandError
from dashboard.domain.roles import Role, User
from data_access import commands
from data_access.commands import Done, Result
from data_access.users import list_users


def add(engine: Engine, by: User, args: argparse.Namespace, password: str) -> int:
    role = _role(args.role)
    result = commands.create_user(
        engine,
        by,
        args.username,
        hash_password(password),
        role,
        display_name=args.name,
        district=args.district,
        enterprise_id=args.enterprise,
    )
    _done(result)
    print(f"added user {args.username} ({role.value})")
    return 0


def change_role(engine: Engine, by: User, args: argparse.Namespace) -> int:
    role = _role(args.role)
    result = commands.change_user(
        engine, by, args.username, role, district=args.district, enterprise_id=args.enterprise
    )
    binding = (args.district or args.enterprise or "").strip() or "city-wide"
    if _done(result).seq is None:
        print(f"user {args.username} already is {role.value} ({binding})")
    else:
        print(f"user {args.username} is now {role.value} ({binding})")
    return 0


def list_accounts(engine: Engine) -> int:
    for user in list_users(engine):
        binding = user.district or user.enterprise_id or "city-wide"
        print(f"{user.username:<16} {user.role.value:<17} {binding:<12} {user.display_name}")
    return 0


def deactivate(engine: Engine, by: User, username: str) -> int:
    if _done(commands.deactivate_user(engine, by, username)).seq is None:
        print(f"user {username} was already deactivated")
    else:
        print(f"deactivated user {username}")
    return 0


def _role(value: str | None) -> Role:
    try:
        return Role(value or "")
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise CommandError(f"--role must be one of {allowed}") from None


def _done(result: Result) -> Done:
    """The command's `Done`; a refusal ends the command with its message."""
    if not isinstance(result, Done):
        raise CommandError(result.message)
    return result
