"""Serving the Dash app with gunicorn from inside our own CLI (`demo`, `serve`).

Each worker builds its own app (and so its own database engine) after the fork.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from dashboard.settings import Settings


class DashboardServer(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in gunicorn_options(self.settings).items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from dashboard.app import create_app

        return create_app(self.settings).server


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": 8,
        "timeout": 120,
        "graceful_timeout": 10,
        "loglevel": "warning",
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "gascc-dashboard",
        # X-Forwarded-* is believed only from our own proxies, and only by the app (ProxyFix,
        # GASCC_TRUSTED_PROXIES): gunicorn itself trusts none, not even from 127.0.0.1.
        "forwarded_allow_ips": "",
    }


def serve(settings: Settings) -> int:
    """Run until SIGINT or SIGTERM; gunicorn's arbiter stops the workers gracefully."""
    DashboardServer(settings).run()
    return 0
