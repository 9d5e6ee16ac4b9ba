"""The read-only JSON API under /api/v1 (docs/api.md): routes.py (the operations), schemas.py
(parameters and responses), openapi.py (the document), auth.py (tokens and sessions),
access.py (which role reads what)."""

from __future__ import annotations

from flask import Flask

from dashboard.api_v1.auth import authenticate_api_request
from dashboard.api_v1.routes import blueprint


def init_api_v1(server: Flask) -> None:
    """Register the API; its authentication runs first, before the app's login guard."""
    server.register_blueprint(blueprint())
    server.before_request_funcs.setdefault(None, []).insert(0, authenticate_api_request)
