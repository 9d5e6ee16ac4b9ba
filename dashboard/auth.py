"""Sign-in, sessions and the guard that keeps everything but the login page behind them.

The guard runs before every Flask request, so it covers Dash pages, Dash's JSON endpoints (a direct
POST to /_dash-update-component included) and any later API alike: no callback can forget it.

A session is a server-side record (data_access/sessions.py) named by a random id in the signed
cookie: signing out, a role change or a deactivation ends it for every copy of the cookie. The
cookie also carries when it was last seen (renewed at most every SEEN_REFRESH_S), so a session
idle for longer than the setting ends without a database write per request.
"""

from __future__ import annotations

import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

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

from dashboard.domain.login_throttle import failure_keys, wait_s
from dashboard.domain.roles import Role, Scope, User
from dashboard.i18n import LANGUAGES, current_language, t
from dashboard.settings import Settings
from data_access.login_throttle import FailureStore, failure_store
from data_access.sessions import EndReason, end_session, live_session, start_session
from data_access.users import find_login

# Paths anyone may fetch: the login page itself, and static code and styles (no data), and the
# public QR check of a cylinder (dashboard/public_check.py: safe fields only, throttled).
PUBLIC_PREFIXES = ("/login", "/lang/", "/assets/", "/_dash-component-suites/", "/healthz", "/q/")
PUBLIC_PATHS = ("/_favicon.ico", "/favicon.ico")
# Dash's JSON endpoints get a 401 instead of a redirect to an HTML page.
API_PREFIXES = ("/_dash-", "/_reload-hash", "/api/")

SESSION_LIFETIME = timedelta(hours=12)  # absolute: a sign-in lasts no longer, however busy
SEEN_REFRESH_S = 60  # how stale the cookie's last-seen stamp may get before it is renewed
# Dummy hash so that an unknown username costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def _engine() -> Engine:
    return current_app.config["GASCC_ENGINE"]


def _settings() -> Settings:
    return current_app.config["GASCC"].settings


def current_user() -> User | None:
    """The signed-in user of this request, looked up once per request."""
    if "user" not in g:
        g.user = _user_of_cookie()
    return g.user


def _user_of_cookie() -> User | None:
    """The user of this request's session, if it is live: not ended on the server, not idle
    for longer than the setting, not older than SESSION_LIFETIME."""
    session_id, seen = session.get("sid"), session.get("seen")
    if not isinstance(session_id, str) or not isinstance(seen, int):
        return None
    found = live_session(_engine(), session_id)
    if found is None:
        _forget_session()
        return None
    now = int(time.time())
    over = _why_over(found.user, found.started_at, seen, now)
    if over is not None:
        end_session(_engine(), found.user, session_id, over)
        _forget_session()
        return None
    if now - seen >= min(SEEN_REFRESH_S, _settings().session_idle_s // 4):
        session["seen"] = now
    return found.user


def _why_over(user: User, started_at: datetime, seen: int, now: int) -> EndReason | None:
    # The wall's kiosk account runs for days; it still ends when idle (the wall PC is off).
    if user.role is not Role.SCREEN and datetime.now(UTC) - started_at > SESSION_LIFETIME:
        return "expired"
    if now - seen > _settings().session_idle_s:
        return "idle"
    return None


def _forget_session() -> None:
    """Clear the cookie's session, keeping the language the browser chose."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def current_scope() -> Scope:
    """The data scope of the signed-in user; callbacks run only after the login guard."""
    user = current_user()
    assert user is not None
    return user.scope


def csrf_token() -> str:
    """This session's token for forms that change state (sign-out): a page of another site
    can neither read it nor guess it."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def init_auth(server: Flask) -> None:
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    settings: Settings = server.config["GASCC"].settings
    failures = failure_store(server.config["GASCC_ENGINE"], settings.redis_url)
    server.before_request(_require_login)
    server.add_url_rule("/login", "login", lambda: _login(failures), methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])
    server.add_url_rule("/lang/<code>", "language", _switch_language)


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _require_login() -> Response | None:
    if _is_public(request.path):
        return None
    user = current_user()
    if user is not None:
        return _go_home(user)
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


def _client_address() -> str:
    """The client's address: the socket's, or what our trusted proxies say (ProxyFix)."""
    return (request.remote_addr or "unknown")[:64]


def _login(failures: FailureStore) -> Response | tuple[str, int]:
    if request.method == "GET":
        return _login_page()
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    if not username or not password:
        return _login_page(t("login.missing"), username, 400)
    address = _client_address()
    keys = failure_keys(username, address)
    wait = wait_s(failures.failures(keys), username, address, time.time())
    if wait:  # before the password is checked: a throttled guess learns nothing
        return _throttled(username, wait)
    found = find_login(_engine(), username)
    if not check_password_hash(found[1] if found else _DUMMY_HASH, password) or not found:
        failures.record_failure(keys)
        return _login_page(t("login.failed"), username, 401)
    failures.forget(keys[1:2])  # this address's failures for this account only
    return _sign_in(found[0], address)


def _throttled(username: str, wait: int) -> Response:
    html, status = _login_page(t("login.wait").format(seconds=wait), username, 429)
    response = Response(html, status, mimetype="text/html")
    response.headers["Retry-After"] = str(wait)
    return response


def _sign_in(user: User, address: str) -> Response:
    """A fresh session (a new id, a new CSRF token: no fixation); the browser's previous
    session, if it is still live, ends."""
    previous = session.get("sid")
    if isinstance(previous, str):
        found = live_session(_engine(), previous)
        if found is not None:
            end_session(_engine(), found.user, previous, "replaced")
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session["sid"] = start_session(_engine(), user, address)
    session["seen"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(24)
    if language:
        session["lang"] = language
    return redirect(_landing(user, _safe_next(request.args.get("next"))))


def _landing(user: User, target: str) -> str:
    """Where a sign-in lands: the user's home page unless sent elsewhere."""
    return home_of(user) if target == "/" else target


def home_of(user: User) -> str:
    """A user's home page: a wall screen account's is the big screen, an enterprise user's its
    own file (一企一档), everyone else's the One Map."""
    if user.role is Role.SCREEN:
        return "/screen"
    if user.role is Role.ENTERPRISE and user.enterprise_id:
        return f"/enterprise/{quote(user.enterprise_id, safe='')}"
    return "/"


def _go_home(user: User) -> Response | None:
    """An enterprise user who loads "/" (the brand link, a bookmark) goes to its own file; the
    One Map stays one click away in the menu (in-app navigation does not pass here), and "/?map"
    (any query) loads the map itself."""
    at_root = request.method == "GET" and request.path == "/" and not request.query_string
    if at_root and user.role is Role.ENTERPRISE and home_of(user) != "/":
        return redirect(home_of(user))
    return None


def _logout() -> Response | tuple[str, int]:
    """GET only asks (a link or an image cannot sign anyone out); a POST with this session's
    CSRF token signs out and ends the session on the server, for every copy of the cookie."""
    user = current_user()
    if user is None:
        return redirect("/login")
    if request.method == "GET":
        return _logout_page()
    sent = request.form.get("csrf", "")
    if not hmac.compare_digest(sent.encode(), csrf_token().encode()):
        return _logout_page(t("logout.bad_token"), 403)
    end_session(_engine(), user, session["sid"], "logout")
    _forget_session()
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


def _logout_page(error: str = "", status: int = 200) -> tuple[str, int]:
    html = render_template_string(
        LOGOUT_TEMPLATE, lang=current_language(), t=t, error=error, csrf=csrf_token()
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


LOGOUT_TEMPLATE = """<!doctype html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}" data-bs-theme="dark">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t('logout') }} · {{ t('app.title') }}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body class="login-body">
<main class="login-card card shadow-lg">
  <div class="card-body p-4">
    <h1 class="h4 mb-3">{{ t('app.title') }}</h1>
    {% if error %}
    <div class="alert alert-danger py-2" role="alert" id="logout-error">{{ error }}</div>
    {% endif %}
    <p>{{ t('logout.confirm') }}</p>
    <form method="post" action="/logout">
      <input type="hidden" name="csrf" value="{{ csrf }}">
      <button class="btn btn-info w-100" id="logout-submit" type="submit">{{ t('logout') }}</button>
    </form>
  </div>
</main>
</body>
</html>
"""
