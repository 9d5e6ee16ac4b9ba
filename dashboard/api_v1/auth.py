"""Who is asking the API: a personal API token (`Authorization: Bearer <token>`) or the
session cookie of a signed-in user.

`authenticate_api_request` runs before the app's login guard (dashboard/auth.py), for /api/v1
paths only: with a valid token it sets the request's user (the guard then sees a signed-in user
and lets the request through); with an Authorization header that is not a valid token, or with
neither a token nor a session, it answers 401 in the API's own error form. A token given is used
even when a session cookie comes along, so a script never acts with a browser's rights by
accident.
"""

from __future__ import annotations

from flask import Response, current_app, g, request

from dashboard.api_v1.errors import api_error
from dashboard.auth import current_user
from data_access.api_tokens import find_api_token

API_V1_PREFIX = "/api/v1"


def authenticate_api_request() -> Response | None:
    if request.path != API_V1_PREFIX and not request.path.startswith(f"{API_V1_PREFIX}/"):
        return None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            return api_error("unauthorized")
        user = find_api_token(current_app.config["GASCC_ENGINE"], token.strip())
        if user is None:
            return api_error("unauthorized")
        g.user = user  # what dashboard.auth.current_user answers for this request
        return None
    if current_user() is None:
        return api_error("unauthorized")
    return None
