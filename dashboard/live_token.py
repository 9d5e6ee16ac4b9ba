"""Short-lived tokens that let a signed-in browser open the live channel (/live).

The Dash app signs one from the user's session; the gateway's live hub, which shares SECRET_KEY
but not the session, checks it and takes the user's scope from it. Tokens live two minutes:
enough to connect, useless if copied later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from dashboard.domain.roles import Role, Scope, User

SALT = "gascc-live-v1"
LIFETIME_S = 120

Clock = Callable[[], float]  # seconds since the epoch, like time.time


@dataclass(frozen=True)
class LiveGrant:
    """Who is on the other end of a live connection, and what they may see."""

    user_id: int
    username: str
    role: Role
    scope: Scope
    session_hash: str | None = None  # the sign-in it came from: the hub drops it when that ends


class LiveTokenError(ValueError):
    """The token is forged, expired or malformed; the message says which."""


class _ClockedSigner(TimestampSigner):
    """itsdangerous's timestamp signer, reading the time from a given clock."""

    def __init__(self, *args: Any, clock: Clock = time.time, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


def _serializer(secret_key: str, clock: Clock) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key, salt=SALT, signer=_ClockedSigner, signer_kwargs={"clock": clock}
    )


def issue_live_token(
    secret_key: str, user: User, clock: Clock = time.time, session_hash: str | None = None
) -> str:
    payload = {
        "session": session_hash,
        "uid": user.id,
        "name": user.username,
        "role": user.role.value,
        "district": user.scope.district,
        "enterprise": user.scope.enterprise_id,
    }
    return _serializer(secret_key, clock).dumps(payload)


def check_live_token(
    secret_key: str, token: str, max_age: int = LIFETIME_S, clock: Clock = time.time
) -> LiveGrant:
    try:
        payload = _serializer(secret_key, clock).loads(token, max_age=max_age)
        return LiveGrant(
            user_id=int(payload["uid"]),
            username=str(payload["name"]),
            role=Role(payload["role"]),
            scope=Scope(district=payload["district"], enterprise_id=payload["enterprise"]),
            session_hash=payload.get("session"),
        )
    except SignatureExpired:
        raise LiveTokenError("live token expired") from None
    except BadSignature:
        raise LiveTokenError("live token is not valid") from None
    except (KeyError, TypeError, ValueError):
        raise LiveTokenError("live token is malformed") from None
