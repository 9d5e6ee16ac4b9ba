"""User accounts: commands and queries. Passwords arrive hashed; hashing is dashboard.auth's job."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from dashboard.domain.roles import Role, User, check_binding
from data_access.db import transaction
from data_access.models import District, Enterprise, UserAccount


class UserError(ValueError):
    """A user command was refused; the message says why."""


def _to_user(account: UserAccount) -> User:
    return User(
        id=account.id,
        username=account.username,
        role=Role(account.role),
        display_name=account.display_name,
        district=account.district,
        enterprise_id=account.enterprise_id,
    )


def add_user(
    engine: Engine,
    *,
    username: str,
    password_hash: str,
    role: Role,
    display_name: str | None = None,
    district: str | None = None,
    enterprise_id: str | None = None,
) -> User:
    problem = check_binding(role, district, enterprise_id)
    if problem:
        raise UserError(problem)
    with transaction(engine) as session:
        if session.scalar(select(UserAccount.id).where(UserAccount.username == username)):
            raise UserError(f"user {username!r} already exists")
        if district and session.get(District, district) is None:
            raise UserError(f"unknown district {district!r}")
        if enterprise_id and session.get(Enterprise, enterprise_id) is None:
            raise UserError(f"unknown enterprise {enterprise_id!r}")
        account = UserAccount(
            username=username,
            password_hash=password_hash,
            role=role.value,
            display_name=display_name or username,
            district=district,
            enterprise_id=enterprise_id,
            active=True,
            created_at=datetime.now(UTC),
        )
        session.add(account)
        session.flush()
        return _to_user(account)


def find_login(engine: Engine, username: str) -> tuple[User, str] | None:
    """The active user with this name and their password hash, for checking a login."""
    with transaction(engine) as session:
        account = session.scalar(
            select(UserAccount).where(UserAccount.username == username, UserAccount.active)
        )
        return (_to_user(account), account.password_hash) if account else None


def get_user(engine: Engine, user_id: int) -> User | None:
    with transaction(engine) as session:
        account = session.get(UserAccount, user_id)
        return _to_user(account) if account and account.active else None


def list_users(engine: Engine) -> list[User]:
    with transaction(engine) as session:
        return [_to_user(a) for a in session.scalars(select(UserAccount).order_by("id"))]


def deactivate_user(engine: Engine, username: str) -> None:
    with transaction(engine) as session:
        account = session.scalar(select(UserAccount).where(UserAccount.username == username))
        if account is None:
            raise UserError(f"no user {username!r}")
        account.active = False


def count_users(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(UserAccount)) or 0
