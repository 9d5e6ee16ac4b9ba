"""Errors as JSON, {"error": {"code", "message"}}, in the request's language: Accept-Language
(zh or en), else the app's (GASCC_LANGUAGE)."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from dashboard.i18n import LANGUAGES, t

STATUS_OF = {"bad_parameter": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404}


def request_language() -> str:
    chosen = request.accept_languages.best_match(LANGUAGES)
    return chosen or current_app.config.get("GASCC_LANGUAGE", "zh")


def api_error(code: str, **params: str) -> Response:
    """The error `code` ("api.error.<code>" filled in with `params`) with its status."""
    lang = request_language()
    message = t(f"api.error.{code}", lang).format(**params)
    response = jsonify(error={"code": code, "message": message})
    response.status_code = STATUS_OF[code]
    response.headers["Cache-Control"] = "no-store"
    if code == "unauthorized":
        response.headers["WWW-Authenticate"] = 'Bearer realm="gascc api"'
    return response
