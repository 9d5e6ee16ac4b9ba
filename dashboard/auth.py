"""Sign-in, sessions and the guard that keeps everything but the login page behind them.

The guard runs before every Flask request, so it covers Dash pages, Dash's JSON endpoints (a direct
POST to /_dash-update-component included) and any later API alike: no callback can forget it.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template_string,
    request,
    session,
)
from sqlalchemy import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.domain.roles import Role, Scope, User
from dashboard.i18n import LANGUAGES, current_language, t
from data_access.users import find_login, get_user

# Paths anyone may fetch: the login page itself, and static code and styles (no data).
PUBLIC_PREFIXES = ("/login", "/lang/", "/assets/", "/_dash-component-suites/", "/healthz")
PUBLIC_PATHS = ("/_favicon.ico", "/favicon.ico")
# Dash's JSON endpoints get a 401 instead of a redirect to an HTML page.
API_PREFIXES = ("/_dash-", "/_reload-hash", "/api/")

MAX_FAILURES = 5
FAILURE_WINDOW_S = 300
# Dummy hash so that an unknown username costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def current_user() -> User | None:
    """The signed-in user of this request, looked up once per request."""
    if "user" not in g:
        user_id = session.get("uid")
        engine: Engine = current_app.config["GASCC_ENGINE"]
        g.user = get_user(engine, user_id) if isinstance(user_id, int) else None
    return g.user


def current_scope() -> Scope:
    """The data scope of the signed-in user; callbacks run only after the login guard."""
    user = current_user()
    assert user is not None
    return user.scope


class LoginThrottle:
    """Refuses a username after MAX_FAILURES failed logins in FAILURE_WINDOW_S seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._clock = clock

    def blocked(self, username: str) -> bool:
        recent = self._failures[username]
        while recent and recent[0] < self._clock() - FAILURE_WINDOW_S:
            recent.popleft()
        return len(recent) >= MAX_FAILURES

    def failed(self, username: str) -> None:
        self._failures[username].append(self._clock())

    def succeeded(self, username: str) -> None:
        self._failures.pop(username, None)


def init_auth(server: Flask) -> None:
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    throttle = LoginThrottle()
    server.before_request(_require_login)
    server.add_url_rule("/login", "login", lambda: _login(throttle), methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])
    server.add_url_rule("/lang/<code>", "language", _switch_language)


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _require_login() -> Response | None:
    if _is_public(request.path) or current_user() is not None:
        return None
    if request.path.startswith(API_PREFIXES):
        return Response('{"error": "login required"}', 401, mimetype="application/json")
    return redirect(f"/login?next={_safe_next(request.full_path)}")


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot be used to redirect elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return "/"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return "/" if path.startswith("/login") else path


def _login(throttle: LoginThrottle) -> Response | str:
    if request.method == "GET":
        return _login_page()
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    if not username or not password:
        return _login_page(t("login.missing"), username, 400)
    if throttle.blocked(username):
        return _login_page(t("login.throttled"), username, 429)
    found = find_login(current_app.config["GASCC_ENGINE"], username)
    if not check_password_hash(found[1] if found else _DUMMY_HASH, password) or not found:
        throttle.failed(username)
        return _login_page(t("login.failed"), username, 401)
    throttle.succeeded(username)
    language = session.get("lang")
    session.clear()  # a fresh session on sign-in: no fixation
    session.permanent = True
    session["uid"] = found[0].id
    if language:
        session["lang"] = language
    return redirect(_landing(found[0], _safe_next(request.args.get("next"))))


def _landing(user: User, target: str) -> str:
    """Where a sign-in lands: a wall screen account goes to the big screen unless sent elsewhere."""
    return "/screen" if user.role is Role.SCREEN and target == "/" else target


def _logout() -> Response:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect("/login")


def _switch_language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


def _login_page(error: str = "", username: str = "", status: int = 200) -> tuple[str, int]:
    lang = current_language()
    other = "en" if lang == "zh" else "zh"
    html = render_template_string(
        LOGIN_TEMPLATE,
        lang=lang,
        other=other,
        t=t,
        error=error,
        username=username,
        next=_safe_next(request.args.get("next")),
    )
    return html, status


def healthz() -> Response:
    from data_access.health import database_ok

    ok = database_ok(current_app.config["GASCC_ENGINE"])
    body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unavailable"}
    return jsonify(body), 200 if ok else 503


LOGIN_TEMPLATE = """<!doctype html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}" data-bs-theme="dark">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t('login.title') }} · {{ t('app.title') }}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/vendor/bootstrap-icons/bootstrap-icons.min.css">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body class="login-body">
<main class="login-card card shadow-lg">
  <div class="card-body p-4">
    <div class="d-flex justify-content-between align-items-start mb-3">
      <h1 class="h4 mb-0">
        <i class="bi bi-shield-fill-check text-info me-2"></i>{{ t('app.title') }}
      </h1>
      <a class="btn btn-sm btn-outline-secondary" id="lang-switch"
         href="/lang/{{ other }}?next=/login">{{ t('lang.switch') }}</a>
    </div>
    <p class="text-secondary small">{{ t('login.intro') }}</p>
    {% if error %}
    <div class="alert alert-danger py-2" role="alert" id="login-error">{{ error }}</div>
    {% endif %}
    <form method="post" action="/login?next={{ next | urlencode }}" autocomplete="on">
      <div class="mb-3">
        <label class="form-label" for="username">{{ t('login.username') }}</label>
        <input class="form-control" id="username" name="username" value="{{ username }}"
               autocomplete="username" required autofocus maxlength="64">
      </div>
      <div class="mb-3">
        <label class="form-label" for="password">{{ t('login.password') }}</label>
        <input class="form-control" id="password" name="password" type="password"
               autocomplete="current-password" required>
      </div>
      <button class="btn btn-info w-100" id="login-submit" type="submit">
        {{ t('login.submit') }}
      </button>
    </form>
  </div>
</main>
</body>
</html>
"""
