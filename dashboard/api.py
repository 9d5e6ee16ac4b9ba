"""Small endpoints for the browser, all behind the login guard: JSON under /api/, and the
field photos (safety checks, rectifications) under /photos/."""

from __future__ import annotations

import re

from flask import Flask, Response, abort, jsonify, request, send_from_directory, session

from dashboard.auth import current_user
from dashboard.live_token import LIFETIME_S, issue_live_token
from dashboard.photo_store import stored_photo
from dashboard.resources import resources
from data_access.sessions import session_hash


def init_api(server: Flask) -> None:
    server.add_url_rule("/api/live-token", "live_token", live_token)
    server.add_url_rule("/photos/<name>", "photo", photo)


# Photos are stored under their content hash, as events name them ("sha256:<hex>").
PHOTO_NAME = re.compile(r"[0-9a-f]{64}\.svg")


def live_token() -> Response:
    """A fresh token for the live channel and where to connect (assets/live.js asks for it)."""
    settings = resources().settings
    user = current_user()
    assert user is not None  # the login guard answered 401 otherwise
    response = jsonify(
        token=issue_live_token(settings.secret_key, user, session_hash=_session_hash()),
        url=settings.live_url or _default_live_url(settings.gateway_port),
        expires_in=LIFETIME_S,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _session_hash() -> str | None:
    """The sign-in of this request (none for an API token): the live channel ends with it."""
    session_id = session.get("sid")
    return session_hash(session_id) if isinstance(session_id, str) else None


def _default_live_url(gateway_port: int) -> str:
    scheme = "wss" if request.scheme == "https" else "ws"
    return f"{scheme}://{request.host.rsplit(':', 1)[0]}:{gateway_port}/live"


def photo(name: str) -> Response:
    """A photo by its content hash, from <data dir>/photos: the field apps' SVG (the simulators
    write them), or a JPEG or PNG a user uploaded (dashboard/photo_store.py)."""
    if not PHOTO_NAME.fullmatch(name):
        abort(404)
    photos = resources().settings.data_dir / "photos"
    uploaded = None if (photos / name).is_file() else stored_photo(photos, name[:64])
    response = send_from_directory(photos, uploaded[0] if uploaded else name)
    response.mimetype = uploaded[1] if uploaded else "image/svg+xml"
    # An SVG can carry script: never let it run or be sniffed as something else.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    return response
