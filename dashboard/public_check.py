"""The public QR check, /q/<code>: the one page besides sign-in that needs no login (Fuzhou's
WeChat check, seed 001 part 2.4; docs/public-check.md).

A plain server-rendered Flask route, not a Dash page: a phone scanning a cylinder gets one small
HTML page with no script at all, under a policy stricter than the app's (no script, styles from
this server only). What it shows is dashboard/domain/public_check.py's `PublicCheck`, read by
data_access/queries/public_check.py; the complaint form posts to the same URL and files through
data_access/commands/public.py.

- CSRF without a login: the form carries a token signed with the app's secret (itsdangerous, as
  Flask's own session) naming the code and the time it was served; a post without it, with a
  forged or another code's token, or after FORM_MAX_AGE_S is refused (the text stays in the form).
  A foreign Origin is refused before that by dashboard/web_security.py, as for every write.
- Throttles per client address (Flask-Limiter, in the app's Redis when there is one, so every
  worker counts together): page views and, much tighter, complaints. The address is the one the
  sign-in throttle uses (dashboard/auth.py: the socket's, or what our trusted proxies say).
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import OperationalError

from dashboard.auth import _client_address as client_address  # the sign-in throttle's address
from dashboard.domain.public_check import (
    CODE_MAX,
    COMPLAINT_LIMIT,
    FORM_MAX_AGE_S,
    HOTLINE,
    QR_CATEGORIES,
    TEXT_MAX,
    VIEW_LIMIT,
    PublicCheck,
    public_check,
)
from dashboard.i18n import LANGUAGES, current_language, t
from dashboard.settings import Settings
from data_access import commands
from data_access.commands import Done
from data_access.queries.public_check import complaint_place, cylinder_facts, district_choices

log = logging.getLogger("gascc.public")

PREFIX = "/q/"
_SALT = "gascc.public-check.complaint"
_TEMPLATES = "gascc.public_check.templates"
# Stricter than the app's policy: this page runs no script and inlines no style.
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def init_public_check(server: Flask, settings: Settings) -> Limiter:
    """Register /q/<code> with its throttles on the app's server."""
    limiter = Limiter(
        client_address,
        app=server,
        storage_uri=settings.redis_url or "memory://",
        strategy="sliding-window-counter",  # O(1) a hit, whatever the limit
        key_prefix="gascc-public",
        # A Redis outage must not take the public page down: count in memory meanwhile.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    views = settings.public_view_limit or VIEW_LIMIT
    complaints = settings.public_complaint_limit or COMPLAINT_LIMIT

    def limit() -> str:
        return complaints if request.method == "POST" else views

    # One limit, counted per method: views and complaints each against their own throttle.
    view = limiter.limit(limit, per_method=True, on_breach=_too_many)(check_page)
    # <path:...>: every URL under /q/ is this page (a code with a slash is refused below), so the
    # login guard's public prefix opens nothing else, not even Dash's catch-all shell.
    server.add_url_rule(f"{PREFIX}<path:code>", "public_check", view, methods=["GET", "POST"])
    server.add_url_rule(PREFIX, "public_check_no_code", view, defaults={"code": ""})
    # Compiled once: compiling them on every request cost a public page ~0.3 s of CPU.
    env = server.jinja_env
    server.extensions[_TEMPLATES] = {
        name: env.from_string(source)
        for name, source in (("page", PAGE), ("done", DONE), ("message", MESSAGE))
    }
    return limiter


def check_page(code: str) -> Response:
    lang = _language()
    if not code or len(code) > CODE_MAX or "/" in code:
        return _page(render(lang, None, code[:CODE_MAX], error=t("qc.bad_code", lang)), 404)
    try:
        if request.method == "POST":
            return _complaint(lang, code)
        return _page(render(lang, _check(code), code))
    except OperationalError as error:  # a locked or unreachable database: "busy", not a trace
        log.warning("public check busy: %s", type(error).__name__)
        response = _page(_message_page(lang, t("qc.title", lang), t("qc.busy", lang)), 503)
        response.headers["Retry-After"] = "5"
        return response


def _complaint(lang: str, code: str) -> Response:
    form = request.form
    category = form.get("category", "")
    text = form.get("text", "")[: TEXT_MAX * 4]  # keep what they typed, within reason
    district = form.get("district", "") or None
    kept = {"category": category, "text": text, "district": district or ""}
    problem = token_problem(form.get("token", ""), code)
    if problem is not None:
        return _refused(lang, code, problem, kept)
    result = commands.file_qr_complaint(
        current_app.config["GASCC_ENGINE"], code, category, text, district=district
    )
    if not isinstance(result, Done):
        return _refused(lang, code, result.reason, kept)
    return _page(_render("done", lang=lang, t=t, code=code, number=result.subject, hotline=HOTLINE))


def _refused(lang: str, code: str, reason: str, kept: dict[str, str]) -> Response:
    message = t(f"refused.{reason}", lang).format(limit=TEXT_MAX)
    return _page(render(lang, _check(code), code, error=message, kept=kept), 400)


def _check(code: str) -> PublicCheck:
    settings: Settings = current_app.config["GASCC"].settings
    engine = current_app.config["GASCC_ENGINE"]
    today = datetime.now(ZoneInfo(settings.time_zone)).date()
    return public_check(cylinder_facts(engine, code, settings.time_zone), today)


def _language() -> str:
    """?lang= (a link on the page, the form's hidden field), else the session's or the city's."""
    chosen = request.values.get("lang")
    return chosen if chosen in LANGUAGES else current_language()


# --- the form's token ---------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def form_token(code: str) -> str:
    """A token for one form about `code`, good for FORM_MAX_AGE_S."""
    return _serializer().dumps({"code": code, "nonce": secrets.token_urlsafe(6)})


def token_problem(token: str, code: str) -> str | None:
    """None for a good token for this code, else the refusal's reason."""
    try:
        data = _serializer().loads(token, max_age=FORM_MAX_AGE_S)
    except SignatureExpired:
        return "qr.expired"
    except BadSignature:
        return "qr.token"
    if not isinstance(data, dict) or data.get("code") != code:
        return "qr.token"
    return None


# --- pages ------------------------------------------------------------------------------------


def render(
    lang: str,
    check: PublicCheck | None,
    code: str,
    *,
    error: str = "",
    kept: dict[str, str] | None = None,
) -> str:
    districts = []
    engine = current_app.config["GASCC_ENGINE"]
    if (
        check is not None
        and not check.registered
        and complaint_place(engine, code).district is None
    ):
        choices = district_choices(engine)  # a code nobody has seen: the caller says where
        districts = [(d.code, d.name_zh if lang == "zh" else d.name_en) for d in choices]
    return _render(
        "page",
        lang=lang,
        other="en" if lang == "zh" else "zh",
        t=t,
        code=code,
        check=check,
        error=error,
        kept=kept or {},
        categories=QR_CATEGORIES,
        districts=districts,
        token=form_token(code) if check is not None else "",
        text_max=TEXT_MAX,
        hotline=HOTLINE,
    )


def _message_page(lang: str, title: str, message: str, text: str = "") -> str:
    return _render(
        "message", lang=lang, t=t, title=title, message=message, text=text, hotline=HOTLINE
    )


def _render(name: str, **context: Any) -> str:
    """One of this page's templates, autoescaped like every template of the app."""
    return current_app.extensions[_TEMPLATES][name].render(**context)


def _page(html: str, status: int = 200) -> Response:
    response = Response(html, status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Cache-Control"] = "no-store"  # the form's token is fresh every time
    return response


def _too_many(limit: RequestLimit) -> Response:
    """The throttle's answer, in the user's language: when to try again, and for a complaint
    the text that was not sent, so that nothing typed is lost."""
    lang = _language()
    wait = max(1, int(limit.reset_at - time.time()))
    text = request.form.get("text", "")[: TEXT_MAX * 4] if request.method == "POST" else ""
    message = t("qc.too_many", lang).format(seconds=wait)
    response = _page(_message_page(lang, t("qc.too_many.title", lang), message, text), 429)
    response.headers["Retry-After"] = str(wait)
    return response


_HEAD = """<!doctype html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ t('qc.title', lang) }}</title>
<link rel="stylesheet" href="/assets/public_check.css">
<link rel="icon" href="/_favicon.ico">
</head>
"""

PAGE = (
    _HEAD
    + """<body class="qc">
<header class="qc-header">
  <h1>{{ t('qc.title', lang) }}</h1>
  <a class="qc-lang" id="qc-lang" href="?lang={{ other }}">{{ t('qc.lang', lang) }}</a>
</header>
<main>
<p class="qc-code">{{ t('qc.code', lang) }} <strong id="qc-code">{{ code }}</strong></p>
{% if error %}<div class="qc-error" role="alert" id="qc-error">{{ error }}</div>{% endif %}
{% if check %}
<section class="qc-verdict qc-{{ check.verdict }}" id="qc-verdict"
         data-verdict="{{ check.verdict }}">
  <p class="qc-verdict-line">{{ '⚠' if check.do_not_use else '✓' }}
    {{ t('qc.verdict.' ~ check.verdict, lang) }}</p>
  <p class="qc-advice">{{ t('qc.advice.' ~ check.verdict, lang) }}</p>
  {% if check.do_not_use %}
  <a class="qc-call" href="tel:{{ hotline }}">☎ {{ t('qc.hotline', lang) }}</a>
  {% endif %}
</section>
{% if check.registered %}
<dl class="qc-facts" id="qc-facts">
  {% set nothing = t('qc.none', lang) %}
  <dt>{{ t('qc.enterprise', lang) }}</dt>
  <dd id="qc-enterprise">{{ check.enterprise_name or nothing }}</dd>
  <dt>{{ t('qc.licence', lang) }}</dt>
  <dd id="qc-licence">{{ check.licence_no or nothing }}</dd>
  <dt>{{ t('qc.last_filled', lang) }}</dt>
  <dd id="qc-last-filled">{{ check.last_filled_on or nothing }}</dd>
  <dt>{{ t('qc.station', lang) }}</dt>
  <dd id="qc-station">{{ check.filling_station or nothing }}</dd>
  <dt>{{ t('qc.inspection', lang) }}</dt>
  <dd id="qc-inspection">{{ check.inspection_due }}
    {% if check.inspection_in_date %}<span class="qc-tag qc-ok">{{ t('qc.in_date', lang) }}</span>
    {% else %}<span class="qc-tag qc-bad">{{ t('qc.overdue', lang) }}</span>{% endif %}</dd>
  <dt>{{ t('qc.scrap', lang) }}</dt>
  <dd id="qc-scrap">{{ check.scrap_due }}
    {% if check.scrap_passed %}<span class="qc-tag qc-bad">{{ t('qc.scrap_passed', lang) }}</span>
    {% else %}<span class="qc-tag qc-ok">{{ t('qc.scrap_ok', lang) }}</span>{% endif %}</dd>
</dl>
{% endif %}
<section class="qc-form">
  <h2>{{ t('qc.form.title', lang) }}</h2>
  <form method="post" action="" id="qc-complaint">
    <input type="hidden" name="token" value="{{ token }}">
    <input type="hidden" name="lang" value="{{ lang }}">
    <fieldset>
      <legend>{{ t('qc.form.category', lang) }}</legend>
      {% for category in categories %}
      <label class="qc-choice"><input type="radio" name="category" value="{{ category }}"
        {{ 'checked' if kept.category == category }} required>
        {{ t('qc.category.' ~ category, lang) }}</label>
      {% endfor %}
    </fieldset>
    {% if districts %}
    <label class="qc-field" for="qc-district">{{ t('qc.form.district', lang) }}</label>
    <select id="qc-district" name="district" required>
      <option value="">{{ t('qc.form.district_pick', lang) }}</option>
      {% for value, name in districts %}
      <option value="{{ value }}" {{ 'selected' if kept.district == value }}>{{ name }}</option>
      {% endfor %}
    </select>
    {% endif %}
    <label class="qc-field" for="qc-text">{{ t('qc.form.text', lang) }}</label>
    <textarea id="qc-text" name="text" rows="4" maxlength="{{ text_max }}"
              required>{{ kept.text }}</textarea>
    <p class="qc-hint">{{ t('qc.form.text_hint', lang).format(limit=text_max) }}</p>
    <button type="submit" id="qc-submit">{{ t('qc.form.submit', lang) }}</button>
  </form>
</section>
{% endif %}
</main>
"""
    + """<footer class="qc-footer">
  <p>{{ t('qc.privacy', lang) }}</p>
  <p><a href="tel:{{ hotline }}">{{ t('qc.hotline', lang) }}</a></p>
</footer>
</body>
</html>
"""
)

DONE = (
    _HEAD
    + """<body class="qc">
<header class="qc-header"><h1>{{ t('qc.title', lang) }}</h1></header>
<main>
<section class="qc-verdict qc-done" id="qc-done">
  <p class="qc-verdict-line">✓ {{ t('qc.done.title', lang) }}</p>
  <p>{{ t('qc.done.number', lang) }}</p>
  <p class="qc-number" id="qc-number">{{ number }}</p>
  <p class="qc-advice">{{ t('qc.done.next', lang) }}</p>
</section>
<p><a class="qc-back" href="?lang={{ lang }}">{{ t('qc.done.back', lang) }}</a></p>
</main>
<footer class="qc-footer">
  <p><a href="tel:{{ hotline }}">{{ t('qc.hotline', lang) }}</a></p>
</footer>
</body>
</html>
"""
)

MESSAGE = (
    _HEAD
    + """<body class="qc">
<header class="qc-header"><h1>{{ t('qc.title', lang) }}</h1></header>
<main>
<section class="qc-verdict qc-notice" id="qc-message">
  <p class="qc-verdict-line">{{ title }}</p>
  <p>{{ message }}</p>
</section>
{% if text %}
<p>{{ t('qc.too_many.text', lang) }}</p>
<textarea class="qc-kept" id="qc-kept" rows="4" readonly>{{ text }}</textarea>
{% endif %}
</main>
<footer class="qc-footer">
  <p><a href="tel:{{ hotline }}">{{ t('qc.hotline', lang) }}</a></p>
</footer>
</body>
</html>
"""
)
