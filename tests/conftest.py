"""Shared fixtures: fresh, migrated databases (SQLite always; PostgreSQL when configured).

PostgreSQL tests run when TEST_POSTGRES_URL is set (CI sets it). With REQUIRE_POSTGRES=1 a
missing server fails the run instead of skipping, so CI cannot silently test SQLite only.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from data_access.db import make_engine
from data_access.migrate import upgrade

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def _postgres_database(base_url: str) -> Iterator[str]:
    """A throwaway database on the test server, dropped afterwards."""
    name = f"gascc_t_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin: Engine, name: str, attempts: int = 10) -> None:
    """Drop a test database, waiting out an autovacuum worker: FORCE may end our own sessions
    but not a superuser's, so a worker still busy in the database makes the drop fail."""
    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
        pytest.skip("TEST_POSTGRES_URL not set")
    yield from _postgres_database(POSTGRES_URL)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated, empty database."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database, for tests that need not run on both."""
    engine = make_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


# --- a seeded demo city and apps on it --------------------------------------------------------

DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo city seeded once per test run; tests get copies of the file."""
    from dashboard.demo import ensure_demo_users, seed_if_empty
    from dashboard.settings import Settings

    directory = tmp_path_factory.mktemp("demo-template")
    settings = Settings.from_env({"GASCC_TILE_URL": "none"}, demo=True, data_dir=directory)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    seed_if_empty(engine, settings, scale="demo", seed=DEMO_SEED)
    ensure_demo_users(engine)
    with engine.connect() as connection:  # fold the WAL into the file so one copy is complete
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return directory / "gascc.sqlite3"


@pytest.fixture
def demo_settings(tmp_path: Path, demo_database_template: Path):
    """Settings for a fresh copy of the seeded demo city, with no map tiles."""
    import shutil

    from dashboard.settings import Settings

    shutil.copy(demo_database_template, tmp_path / "gascc.sqlite3")
    env = {"GASCC_TILE_URL": "none", "SECRET_KEY": "test-secret-key-0123456789"}
    return Settings.from_env(env, data_dir=tmp_path)


@pytest.fixture
def demo_app(demo_settings):
    from dashboard.app import create_app

    app = create_app(demo_settings)
    yield app
    app.server.config["GASCC"].notifier.close()
    app.server.config["GASCC_ENGINE"].dispose()


@pytest.fixture
def client(demo_app):
    return demo_app.server.test_client()


def sign_in(client, username: str, password: str | None = None):
    """Sign a Flask test client in as a demo user (password defaults to '<name>-demo')."""
    return client.post(
        "/login", data={"username": username, "password": password or f"{username}-demo"}
    )
