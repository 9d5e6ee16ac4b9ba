"""Server-side sign-in sessions: started and ended by events (session.started, session.ended),
so every sign-in and sign-out is in the audit trail with its user as actor; the projection keeps
`user_sessions` (data_access/projections/accounts.py), which also ends all of a user's sessions
when an administrator changes their role or binding or deactivates them.

The browser holds the session's random id in its signed cookie; the log and the table hold only
its SHA-256, so neither can be replayed as a cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine, select

from dashboard.domain.events import SessionEnded, SessionStarted
from dashboard.domain.roles import User
from data_access.commands.base import Act, Done, run
from data_access.db import transaction
from data_access.models import UserAccount, UserSession
from data_access.users import to_user

EndReason = Literal["logout", "idle", "expired", "replaced"]


@dataclass(frozen=True)
class LiveSession:
    """A session that has not ended, of an active user."""

    user: User
    started_at: datetime


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(engine: Engine, user: User, address: str | None) -> str:
    """A new session for `user` (who just proved their password); returns its id, for the
    cookie only."""
    session_id = secrets.token_urlsafe(32)
    data = SessionStarted(
        username=user.username, session_hash=session_hash(session_id), address=address
    )

    def body(act: Act) -> Done:
        return Done(user.username, act.append(data, prefix="session"))

    result = run(engine, user, body)
    if not isinstance(result, Done):
        raise RuntimeError(f"could not start a session: {result.message}")
    return session_id


def end_session(engine: Engine, user: User, session_id: str, reason: EndReason) -> None:
    """End a session (already ended: nothing changes, nothing is recorded)."""
    hashed = session_hash(session_id)

    def body(act: Act) -> Done:
        row = act.connection.execute(
            select(UserSession.ended_at).where(UserSession.session_hash == hashed)
        ).first()
        if row is None or row.ended_at is not None:
            return Done(user.username, None)
        data = SessionEnded(username=user.username, session_hash=hashed, reason=reason)
        return Done(user.username, act.append(data, prefix="session"))

    run(engine, user, body)


def live_session(engine: Engine, session_id: str) -> LiveSession | None:
    """The session with this id if it has not ended and its user is active; one read."""
    query = (
        select(UserAccount, UserSession.started_at)
        .join(UserSession, UserSession.username == UserAccount.username)
        .where(
            UserSession.session_hash == session_hash(session_id),
            UserSession.ended_at.is_(None),
            UserAccount.active,
        )
    )
    with transaction(engine) as session:
        row = session.execute(query).first()
        return LiveSession(to_user(row[0]), row[1]) if row else None
