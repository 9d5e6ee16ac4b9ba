"""User accounts: queries. The administration commands create and change them
(data_access/commands/admin.py); passwords arrive hashed, hashing is dashboard.auth's job."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from dashboard.domain.roles import Role, User
from data_access.db import transaction
from data_access.models import UserAccount


def to_user(account: UserAccount) -> User:
    return User(
        id=account.id,
        username=account.username,
        role=Role(account.role),
        display_name=account.display_name,
        district=account.district,
        enterprise_id=account.enterprise_id,
    )


def find_login(engine: Engine, username: str) -> tuple[User, str] | None:
    """The active user with this name and their password hash, for checking a login."""
    with transaction(engine) as session:
        account = session.scalar(
            select(UserAccount).where(UserAccount.username == username, UserAccount.active)
        )
        return (to_user(account), account.password_hash) if account else None


def get_user(engine: Engine, user_id: int) -> User | None:
    with transaction(engine) as session:
        account = session.get(UserAccount, user_id)
        return to_user(account) if account and account.active else None


def list_users(engine: Engine) -> list[User]:
    with transaction(engine) as session:
        return [to_user(a) for a in session.scalars(select(UserAccount).order_by("id"))]


def count_users(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(UserAccount)) or 0
