"""Small JSON endpoints for the browser. All sit behind the login guard (prefix /api/)."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from dashboard.auth import current_user
from dashboard.live_token import LIFETIME_S, issue_live_token


def init_api(server: Flask) -> None:
    server.add_url_rule("/api/live-token", "live_token", live_token)


def live_token() -> Response:
    """A fresh token for the live channel and where to connect (assets/live.js asks for it)."""
    from dashboard.app import resources

    settings = resources().settings
    user = current_user()
    assert user is not None  # the login guard answered 401 otherwise
    response = jsonify(
        token=issue_live_token(settings.secret_key, user),
        url=settings.live_url or _default_live_url(settings.gateway_port),
        expires_in=LIFETIME_S,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _default_live_url(gateway_port: int) -> str:
    scheme = "wss" if request.scheme == "https" else "ws"
    return f"{scheme}://{request.host.rsplit(':', 1)[0]}:{gateway_port}/live"
