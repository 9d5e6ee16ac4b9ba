"""Short-lived tokens that let a signed-in browser open the live channel (/live).

The Dash app signs one from the user's session; the gateway's live hub, which shares SECRET_KEY
but not the session, checks it and takes the user's scope from it. Tokens live two minutes:
enough to connect, useless if copied later.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from dashboard.domain.roles import Role, Scope, User

SALT = "gascc-live-v1"
LIFETIME_S = 120


@dataclass(frozen=True)
class LiveGrant:
    """Who is on the other end of a live connection, and what they may see."""

    user_id: int
    username: str
    role: Role
    scope: Scope


class LiveTokenError(ValueError):
    """The token is forged, expired or malformed; the message says which."""


def issue_live_token(secret_key: str, user: User) -> str:
    payload = {
        "uid": user.id,
        "name": user.username,
        "role": user.role.value,
        "district": user.scope.district,
        "enterprise": user.scope.enterprise_id,
    }
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(payload)


def check_live_token(secret_key: str, token: str, max_age: int = LIFETIME_S) -> LiveGrant:
    try:
        payload = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=max_age)
        return LiveGrant(
            user_id=int(payload["uid"]),
            username=str(payload["name"]),
            role=Role(payload["role"]),
            scope=Scope(district=payload["district"], enterprise_id=payload["enterprise"]),
        )
    except SignatureExpired:
        raise LiveTokenError("live token expired") from None
    except BadSignature:
        raise LiveTokenError("live token is not valid") from None
    except (KeyError, TypeError, ValueError):
        raise LiveTokenError("live token is malformed") from None
