"""The read-only JSON API under /api/v1 (docs/api.md): routes.py (the operations), schemas.py
(parameters and responses), openapi.py (the document), auth.py (tokens and sessions),
access.py (which role reads what)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter

from dashboard.api_v1.auth import authenticate_api_request
from dashboard.api_v1.routes import blueprint


class AnyId(BaseConverter):
    """An object's id as the client sent it, whatever it holds (slashes, line breaks): an id
    that matches nothing is then the API's JSON 404, not the framework's HTML one."""

    regex = r"[\s\S]+"
    part_isolating = False


def init_api_v1(server: Flask) -> None:
    """Register the API; its authentication runs first, before the app's login guard."""
    server.url_map.converters["any_id"] = AnyId
    server.register_blueprint(blueprint())
    server.before_request_funcs.setdefault(None, []).insert(0, authenticate_api_request)
