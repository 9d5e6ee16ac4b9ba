"""`python -m dashboard users ...`: account administration for operators."""

from __future__ import annotations

import argparse

from sqlalchemy import Engine

from dashboard.auth import hash_password
from dashboard.cli.errors import CommandError
from dashboard.domain.roles import Role
from data_access.users import UserError, add_user, deactivate_user, list_users


def add(engine: Engine, args: argparse.Namespace, password: str) -> int:
    try:
        role = Role(args.role or "")
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise CommandError(f"--role must be one of {allowed}") from None
    try:
        user = add_user(
            engine,
            username=args.username,
            password_hash=hash_password(password),
            role=role,
            display_name=args.name,
            district=args.district,
            enterprise_id=args.enterprise,
        )
    except UserError as error:
        raise CommandError(str(error)) from None
    print(f"added user {user.username} ({user.role.value})")
    return 0


def list_accounts(engine: Engine) -> int:
    for user in list_users(engine):
        binding = user.district or user.enterprise_id or "city-wide"
        print(f"{user.username:<16} {user.role.value:<17} {binding:<12} {user.display_name}")
    return 0


def deactivate(engine: Engine, username: str) -> int:
    try:
        deactivate_user(engine, username)
    except UserError as error:
        raise CommandError(str(error)) from None
    print(f"deactivated user {username}")
    return 0
