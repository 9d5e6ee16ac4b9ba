"""What every response and every state-changing request goes through, besides the login guard
(dashboard/auth.py): security headers and the Content-Security-Policy, the refusal of
cross-site writes, proxies we trust, the Secure cookie, and answers instead of tracebacks
(a locked database, a component suite that does not exist).

The policy and each of its relaxations: docs/security.md, "Headers on every response".
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from dash import Dash, set_props
from dash.exceptions import DependencyException
from flask import Flask, Response, current_app, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import ids
from dashboard.i18n import t
from dashboard.settings import Settings

log = logging.getLogger("gascc.web")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def init_web_security(app: Dash, settings: Settings) -> None:
    server = app.server
    if settings.trusted_proxies:
        # Only as many X-Forwarded-* hops as there are proxies of ours: a client cannot claim
        # an address or HTTPS by sending the headers itself.
        n = settings.trusted_proxies
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n
        )
    server.config["SESSION_COOKIE_SECURE"] = settings.secure_cookies
    server.session_interface = SecureWhenHttps()
    server.before_request(refuse_cross_site)
    policy = ContentSecurityPolicy(app, settings)
    server.after_request(lambda response: add_security_headers(response, policy))
    server.register_error_handler(OperationalError, database_busy)
    server.register_error_handler(DependencyException, missing_dependency)


class SecureWhenHttps(SecureCookieSessionInterface):
    """The session cookie is Secure when the request came over HTTPS (as our trusted proxy
    says), or always with GASCC_SECURE_COOKIES=on."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def refuse_cross_site() -> Response | None:
    """A write must come from our own pages: a foreign Origin, or a browser telling us the
    request is cross-site, is refused before any other check (the login form included)."""
    if request.method not in STATE_CHANGING:
        return None
    origin = request.headers.get("Origin")
    cross_site = request.headers.get("Sec-Fetch-Site") == "cross-site"
    if not cross_site and (origin is None or _same_host(origin)):
        return None
    log.warning("refused a cross-site %s %s from origin %s", request.method, request.path, origin)
    body = {"error": "cross_site", "message": t("security.cross_site")}
    return Response(jsonify(body).get_data(), 403, mimetype="application/json")


def _same_host(origin: str) -> bool:
    """The Origin names the host (and port) the request was sent to. The scheme is not
    compared: behind a TLS proxy not counted in GASCC_TRUSTED_PROXIES the app sees http while
    the browser says https, and a page of another site always differs in its host."""
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


class ContentSecurityPolicy:
    """The policy for this app: its fixed parts built once, the live channel's origin (which
    follows the host the browser used) per request."""

    def __init__(self, app: Dash, settings: Settings) -> None:
        self._app = app
        self._settings = settings
        self._script_hashes: list[str] | None = None

    def header(self) -> str:
        if self._script_hashes is None:
            # Dash's inline scripts (its renderer's start, clientside callbacks given as
            # strings) are known once the app has served its first request.
            self._script_hashes = list(self._app.csp_hashes())
        directives = {
            "default-src": ["'self'"],
            "script-src": ["'self'", *self._script_hashes],
            # Dash's components and Plotly set style attributes and add <style> elements.
            "style-src": ["'self'", "'unsafe-inline'"],
            # Bootstrap's stylesheet draws its form controls with data: SVG images
            "img-src": ["'self'", "data:", *tile_origins(self._settings)],
            "font-src": ["'self'"],
            "connect-src": ["'self'", *live_origins(self._settings)],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        }
        return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def live_origins(settings: Settings) -> list[str]:
    """Where browsers open the live channel: GASCC_LIVE_URL, else this host's gateway port."""
    if settings.live_url:
        parts = urlsplit(settings.live_url)
        return [f"{parts.scheme}://{parts.netloc}"]
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return [f"ws://{host}:{settings.gateway_port}", f"wss://{host}:{settings.gateway_port}"]


def tile_origins(settings: Settings) -> list[str]:
    """The tile provider's hosts; a subdomain placeholder ({s}) becomes a wildcard label."""
    from dashboard.tiles import tile_sources

    origins = []
    for source in tile_sources(settings):
        parts = urlsplit(source.url)
        if not parts.netloc:
            continue  # a path on this server: 'self'
        labels = parts.netloc.split(".")
        host = ".".join("*" if "{" in label else label for label in labels)
        origins.append(f"{parts.scheme}://{host}")
    return sorted(set(origins))


def add_security_headers(response: Response, policy: ContentSecurityPolicy) -> Response:
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    # A response that set its own, stricter policy (a served photo) keeps it.
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = policy.header()
    return response


def callback_failed(error: Exception) -> None:
    """Dash's handler for an exception in any callback: a locked (or unreachable) database
    shows "busy, try again" on the page and logs one line; anything else is a bug and is
    raised as before. Returning None leaves the callback's outputs as they were."""
    if not isinstance(error, OperationalError):
        raise error
    log.warning("database busy in a callback: %s", _first_line(error))
    set_props(ids.BUSY_NOTICE, {"children": t("security.busy"), "is_open": True})


def _first_line(error: OperationalError) -> str:
    return str(error.orig).splitlines()[0] if error.orig else type(error).__name__


def database_busy(error: OperationalError) -> Response:
    """The database stayed locked (or unreachable) longer than the busy timeout: "busy, try
    again" in the user's language, and one line in the log instead of a traceback."""
    log.warning("database busy: %s %s: %s", request.method, request.path, _first_line(error))
    body = {"error": "busy", "message": t("security.busy")}
    response = Response(jsonify(body).get_data(), 503, mimetype="application/json")
    response.headers["Retry-After"] = "5"
    return response


def missing_dependency(error: DependencyException) -> Response:
    """Dash raises this for a component suite or path it does not serve: that is a 404."""
    if request.path.startswith("/_dash-component-suites/"):
        return Response("not found", 404, mimetype="text/plain")
    current_app.logger.error("Dash dependency error on %s: %s", request.path, error)
    return Response("internal error", 500, mimetype="text/plain")
