"""When `python -m dashboard demo` is ready: the app serves its login page, the gateway answers
its health check and, when they run, the simulators have been heard (an event from a source in
the log after the demo started). The banner waits for all three, so that "ready" means a person
can sign in at once (it used to come about 10 s before the login page answered)."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable

from dashboard.settings import Settings
from data_access.db import make_engine
from data_access.queries.demo_ready import sources_heard_since

POLL_S = 0.2
READY_TIMEOUT_S = 300.0


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def local_host(settings: Settings) -> str:
    """Where this machine reaches the servers (a wildcard address is not one to connect to)."""
    return "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host


def checks(settings: Settings, simulators_after: int | None) -> dict[str, Callable[[], bool]]:
    """What must answer, in the order it is waited for; `simulators_after`: the log's last
    sequence number before the simulators started (None: they do not run)."""
    host = local_host(settings)
    found: dict[str, Callable[[], bool]] = {
        "app": lambda: answers(f"http://{host}:{settings.port}/login"),
        "gateway": lambda: answers(f"http://{host}:{settings.gateway_port}/healthz"),
    }
    if simulators_after is not None:
        found["simulators"] = lambda: _heard(settings, simulators_after)
    return found


def _heard(settings: Settings, after: int) -> bool:
    engine = make_engine(settings.database_url)
    try:
        return sources_heard_since(engine, after)
    finally:
        engine.dispose()


def wait_until_ready(
    waits: dict[str, Callable[[], bool]], timeout_s: float = READY_TIMEOUT_S
) -> list[str]:
    """Wait for each check in turn; the names of those still not answering at the timeout."""
    deadline = time.monotonic() + timeout_s
    for index, check in enumerate(waits.values()):
        while not _safely(check):
            if time.monotonic() >= deadline:
                return list(waits)[index:]
            time.sleep(POLL_S)
    return []


def _safely(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except Exception:  # e.g. the database file not there yet: not ready
        return False


def announce_when_ready(
    waits: dict[str, Callable[[], bool]], announce: Callable[[list[str]], None]
) -> threading.Thread:
    """Call `announce(missing)` from a thread once everything answers (or at the timeout): the
    app's server keeps the main thread."""
    thread = threading.Thread(
        target=lambda: announce(wait_until_ready(waits)), name="demo-ready", daemon=True
    )
    thread.start()
    return thread
