"""User accounts: queries. The administration commands create and change them
(data_access/commands/admin.py); passwords arrive hashed, hashing is dashboard.auth's job."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol, TypeVar

from sqlalchemy import Engine, func, select

from dashboard.domain.roles import Role, User
from data_access.db import transaction
from data_access.models import UserAccount, UserSession


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


class Grant(Protocol):
    """What a live connection was granted (dashboard.live_token.LiveGrant)."""

    @property
    def user_id(self) -> int: ...
    @property
    def role(self) -> Role: ...
    @property
    def session_hash(self) -> str | None: ...
    @property
    def scope(self) -> object: ...


G = TypeVar("G", bound=Grant)
SYSTEM_USER_ID = 0  # dashboard.domain.roles.system_user


def still_admitted(engine: Engine, grants: Collection[G]) -> set[G]:
    """The grants whose user is still active with the same role and binding and, when a grant
    names its sign-in, whose session has not ended: one query for all of a hub's connections."""
    if not grants:
        return set()
    user_ids = {grant.user_id for grant in grants}
    hashes = {grant.session_hash for grant in grants if grant.session_hash}
    with transaction(engine) as session:
        users = {
            account.id: to_user(account)
            for account in session.scalars(
                select(UserAccount).where(UserAccount.id.in_(user_ids), UserAccount.active)
            )
        }
        open_sessions = set(
            session.scalars(
                select(UserSession.session_hash).where(
                    UserSession.session_hash.in_(hashes), UserSession.ended_at.is_(None)
                )
            )
        )
    return {grant for grant in grants if _admits(users.get(grant.user_id), grant, open_sessions)}


def _admits(user: User | None, grant: Grant, open_sessions: set[str]) -> bool:
    if grant.user_id == SYSTEM_USER_ID:
        # A process of our own signing with the secret key (the field-app simulator): the app
        # only ever issues tokens for accounts, so no browser holds one of these.
        return True
    if user is None or user.role is not grant.role or user.scope != grant.scope:
        return False
    return grant.session_hash is None or grant.session_hash in open_sessions
