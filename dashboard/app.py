"""The application factory: `create_app(settings)` builds a Dash app bound to its resources."""

from __future__ import annotations

import copy
import importlib
import json
import sys
from pathlib import Path

import dash
from dash import Dash
from sqlalchemy import Engine

from dashboard.api import init_api
from dashboard.api_v1 import init_api_v1
from dashboard.auth import healthz, init_auth
from dashboard.citypack import load_city_pack
from dashboard.domain.browser import RULES_ELEMENT_ID, browser_rules
from dashboard.i18n import t
from dashboard.notifier import Notifier, build_notifier
from dashboard.public_check import init_public_check
from dashboard.reports import init_reports
from dashboard.resources import Resources
from dashboard.routing import build_router
from dashboard.settings import Settings
from dashboard.shell import shell_layout
from dashboard.web_security import callback_failed, init_web_security
from data_access.cache import MemoryCache, RedisCache, use_cache
from data_access.db import make_engine
from data_access.eventlog import on_commit
from data_access.migrate import is_up_to_date
from data_access.notify import CommitAnnouncer

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "pages.one_map",
    "pages.incidents",
    "pages.incident",
    "pages.incident_report",
    "pages.response_times",
    "pages.notifications",
    "pages.hazards",
    "pages.hazard",
    "pages.inspections",
    "pages.inspection_tasks",
    "pages.cylinder",
    "pages.cylinders",
    "pages.detentions",
    "pages.complaints",
    "pages.complaint",
    "pages.enterprises",
    "pages.enterprise",
    "pages.rankings",
    "pages.screen",
    "pages.admin_users",
    "pages.admin_tokens",
    "pages.admin_audit",
    "pages.admin_scoring",
)
CALLBACKS = (
    "callbacks.shell",
    "callbacks.one_map_layers",
    "callbacks.one_map_detail",
    "callbacks.one_map",
    "callbacks.one_map_replay",
    "callbacks.screen",
    "callbacks.incidents",
    "callbacks.incident",
    "callbacks.incident_around",
    "callbacks.incident_actions",
    "callbacks.incident_report",
    "callbacks.response_times",
    "callbacks.notifications",
    "callbacks.hazards",
    "callbacks.hazard",
    "callbacks.inspections",
    "callbacks.inspection_tasks",
    "callbacks.cylinder",
    "callbacks.cylinders",
    "callbacks.detentions",
    "callbacks.complaints",
    "callbacks.complaint",
    "callbacks.enterprises",
    "callbacks.enterprise",
    "callbacks.rankings",
    "callbacks.admin_users",
    "callbacks.admin_tokens",
    "callbacks.admin_audit",
    "callbacks.admin_scoring",
)
STYLESHEETS = (
    "/assets/vendor/bootstrap.min.css",
    "/assets/vendor/bootstrap-icons/bootstrap-icons.min.css",
)

# Dash moves callbacks declared with @dash.callback into the first app that serves a request and
# then forgets them. Tests build a fresh app per test, so keep a copy to hand to each new app.
_registered_callbacks: tuple[list, dict] | None = None


class NotMigratedError(RuntimeError):
    """The database schema is missing or older than this code."""


def create_app(settings: Settings, *, engine: Engine | None = None) -> Dash:
    engine = engine or make_engine(settings.database_url)
    if not is_up_to_date(engine):
        raise NotMigratedError(
            "the database schema is not up to date: run `python -m dashboard db upgrade`"
        )
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        assets_ignore=r"vendor/.*",
        external_stylesheets=list(STYLESHEETS),
        title=t("app.title", settings.language),
        update_title=None,
        suppress_callback_exceptions=True,
        compress=True,
        serve_locally=True,
        on_error=callback_failed,  # a locked database: "busy, try again" on the page
    )
    app.enable_dev_tools(debug=False, dev_tools_disable_version_check=True)
    server = app.server
    server.secret_key = settings.secret_key
    notifier = build_notifier(settings, engine)
    _after_each_commit(engine, settings, notifier)
    server.config.update(
        GASCC=Resources(
            settings,
            engine,
            load_city_pack(settings.city_pack),
            notifier,
            build_router(settings.router_url),
        ),
        GASCC_ENGINE=engine,
        GASCC_LANGUAGE=settings.language,
    )
    init_web_security(app, settings)  # before the login guard: cross-site writes go first
    init_auth(server)
    init_api(server)
    init_api_v1(server)
    init_reports(server)
    init_public_check(server, settings)  # /q/<code>: the public QR check, no login
    server.add_url_rule("/healthz", "healthz", healthz)
    _register_pages_and_callbacks()
    app.layout = shell_layout
    app.index_string = app.index_string.replace("<html>", '<html data-bs-theme="dark">')
    app.index_string = app.index_string.replace("{%config%}", rules_block() + "{%config%}")
    # Dash finishes setting itself up on the first request, and threads serving the first
    # requests together race: one marks set-up done, another then serves a script Dash has not
    # registered yet (HTTP 500). One request now, before any real one, settles it.
    app.server.test_client().get("/healthz")
    return app


def _after_each_commit(engine: Engine, settings: Settings, notifier: Notifier) -> None:
    """A desk action committed: the notifier looks for its request at once, and the live hubs
    of every gateway hear of it through Redis (without Redis they poll the log themselves).
    Cached query results live beside the engine (in Redis when there is one)."""
    notifier.start()
    on_commit(engine, notifier.wake)
    use_cache(engine, RedisCache(settings.redis_url) if settings.redis_url else MemoryCache())
    if settings.redis_url:
        on_commit(engine, CommitAnnouncer(settings.redis_url))


def rules_block() -> str:
    """The domain's rules for the browser's own clocks (assets/gascc.js reads them): a JSON data
    block, not a script that runs, so a strict Content-Security-Policy can stay strict."""
    data = json.dumps(browser_rules(), separators=(",", ":")).replace("<", "\\u003c")
    return f'<script type="application/json" id="{RULES_ELEMENT_ID}">{data}</script>'


def _register_pages_and_callbacks() -> None:
    global _registered_callbacks
    for name in PAGES:
        # With pages_folder="" Dash does not look for `layout` itself: hand it over.
        module = importlib.import_module(name)
        dash.page_registry[name]["layout"] = module.layout
    if _registered_callbacks is None:
        # Register from a clean slate: a module imported earlier (a test importing a helper
        # from it) put its callbacks in Dash's global list, and another Dash app may have taken
        # them from there since. Running each module afresh registers every callback once.
        dash._callback.GLOBAL_CALLBACK_LIST.clear()
        dash._callback.GLOBAL_CALLBACK_MAP.clear()
        for module in CALLBACKS:
            if module in sys.modules:
                importlib.reload(sys.modules[module])
            else:
                importlib.import_module(module)
        _registered_callbacks = (
            list(dash._callback.GLOBAL_CALLBACK_LIST),
            dict(dash._callback.GLOBAL_CALLBACK_MAP),
        )
    callback_list, callback_map = _registered_callbacks
    dash._callback.GLOBAL_CALLBACK_LIST[:] = copy.deepcopy(callback_list)
    dash._callback.GLOBAL_CALLBACK_MAP.update(callback_map)
