"""Shared fixtures: fresh, migrated databases (SQLite always; PostgreSQL when configured).

PostgreSQL tests run when TEST_POSTGRES_URL is set (CI sets it). With REQUIRE_POSTGRES=1 a
missing server fails the run instead of skipping, so CI cannot silently test SQLite only.

Migrating a database and seeding the demo city into it are done once per run, into a template
of each kind; every test gets its own copy (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE`
on PostgreSQL), so tests stay independent without paying for the migrations and the seed each.
A PostgreSQL copy takes the server a second or more to make and to drop, so both happen on a
thread beside the tests: the copies for the next tests are made while this one runs
(PostgresCopies).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from data_access.db import make_engine
from data_access.migrate import upgrade

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
DEMO_SEED = 7
COPIES_AHEAD = 2  # copies in the making at once: two kept pace with short tests, one did not

# Fills a template: (its engine, a directory for the files settings may write) -> None.
Prepare = Callable[[Engine, Path], None]


def _postgres_admin() -> Engine:
    return make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


class PostgresCopies:
    """Throwaway copies of one template (None: empty databases), each for one test.

    Making copies and dropping them are done on threads of their own, COPIES_AHEAD copies
    ahead: the copy a test takes was made while earlier tests ran, and its drop runs while later
    ones do.
    Every test still gets a database made for it alone from the same template; only the moment
    it is made moves. A failed drop is raised at the end of the run (close)."""

    def __init__(self, template: str | None, ahead: int = COPIES_AHEAD) -> None:
        self.template = template
        self.admin = _postgres_admin()
        self._ahead = ahead
        self._worker = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="postgres-copies")
        self._spares: deque[Future[str]] = deque()
        self._drops: list[Future[None]] = []

    def _make(self) -> str:
        name = f"gascc_t_{uuid.uuid4().hex[:10]}"
        _create_database(self.admin, name, self.template)
        return name

    def url(self, name: str) -> str:
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def take(self) -> str:
        """A fresh copy's name; the copies for the next tests are started at once."""
        while len(self._spares) <= self._ahead:
            self._spares.append(self._worker.submit(self._make))
        return self._spares.popleft().result()

    def give_back(self, name: str) -> None:
        self._drops.append(self._worker.submit(_drop_database, self.admin, name))

    def _drop_unused(self, spare: Future[str]) -> None:
        if spare.exception() is None:  # a copy that failed to be made was a test's failure
            _drop_database(self.admin, spare.result())

    def close(self) -> None:
        for spare in self._spares:
            self._drops.append(self._worker.submit(self._drop_unused, spare))
        self._worker.shutdown(wait=True)
        self.admin.dispose()
        for drop in self._drops:
            drop.result()  # raises what a drop raised


@contextmanager
def _postgres_database(copies: PostgresCopies) -> Iterator[str]:
    """A throwaway database on the test server (from `copies`), dropped afterwards."""
    name = copies.take()
    try:
        yield copies.url(name)
    finally:
        copies.give_back(name)


def _create_database(admin: Engine, name: str, template: str | None, attempts: int = 10) -> None:
    """Create a database, from `template` if given. A template must have no other session: an
    autovacuum worker that got in before it was closed to connections makes the copy fail."""
    statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
            return
        except OperationalError:
            if template is None or attempt == attempts - 1:
                raise
            time.sleep(0.5)


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


def _require_postgres() -> None:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
        pytest.skip("TEST_POSTGRES_URL not set")


def _migrate(engine: Engine, _data_dir: Path) -> None:
    upgrade(engine)


def _migrate_and_seed_city(engine: Engine, data_dir: Path) -> None:
    from dashboard.demo import seed_if_empty
    from dashboard.settings import Settings

    upgrade(engine)
    settings = Settings.from_env({"GASCC_TILE_URL": "none"}, demo=True, data_dir=data_dir)
    seed_if_empty(engine, settings, scale="demo", seed=DEMO_SEED)


def _fold_wal(engine: Engine) -> None:
    """Move everything from the SQLite write-ahead log into the file, so one copy is complete."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _sqlite_template(directory: Path, prepare: Prepare) -> Path:
    path = directory / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    prepare(engine, directory)
    _fold_wal(engine)
    engine.dispose()
    return path


def _postgres_template(directory: Path, prepare: Prepare) -> Iterator[str]:
    """A database prepared once and then closed to connections, so that it can be copied."""
    admin = _postgres_admin()
    name = f"gascc_tmpl_{uuid.uuid4().hex[:10]}"
    _create_database(admin, name, None)
    try:
        engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
        prepare(engine, directory)
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        yield name
    finally:
        _drop_database(admin, name)
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sqlite_template(tmp_path_factory.mktemp("migrated-template"), _migrate)


@pytest.fixture(scope="session")
def sqlite_city_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sqlite_template(tmp_path_factory.mktemp("city-template"), _migrate_and_seed_city)


@pytest.fixture(scope="session")
def postgres_migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _postgres_template(tmp_path_factory.mktemp("pg-migrated"), _migrate)


@pytest.fixture(scope="session")
def postgres_city_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _postgres_template(tmp_path_factory.mktemp("pg-city"), _migrate_and_seed_city)


def _copies_of(template: str | None) -> Iterator[PostgresCopies]:
    copies = PostgresCopies(template)
    yield copies
    copies.close()  # before the template's own teardown: no copy of it is being made


@pytest.fixture(scope="session")
def postgres_empty_copies() -> Iterator[PostgresCopies]:
    yield from _copies_of(None)


@pytest.fixture(scope="session")
def postgres_migrated_copies(postgres_migrated_template: str) -> Iterator[PostgresCopies]:
    yield from _copies_of(postgres_migrated_template)


@pytest.fixture(scope="session")
def postgres_city_copies(postgres_city_template: str) -> Iterator[PostgresCopies]:
    yield from _copies_of(postgres_city_template)


@contextmanager
def _database_copy(
    request: pytest.FixtureRequest, tmp_path: Path, template: str | None
) -> Iterator[str]:
    """A database of the kind `request.param` for one test: empty, or a copy of the session's
    `template` ("migrated" or "city"). The templates are made on first use, so a run that
    deselects PostgreSQL never needs the server."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        if template is not None:
            shutil.copy(request.getfixturevalue(f"sqlite_{template}_template"), path)
        yield f"sqlite:///{path}"
        return
    _require_postgres()
    copies = request.getfixturevalue(f"postgres_{template or 'empty'}_copies")
    with _postgres_database(copies) as url:
        yield url


def engine_on_copy(
    request: pytest.FixtureRequest, tmp_path: Path, template: str
) -> Iterator[Engine]:
    """An engine on a copy of `template` (see _database_copy), disposed after the test."""
    with _database_copy(request, tmp_path, template) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, once on SQLite and once on PostgreSQL."""
    with _database_copy(request, tmp_path, None) as url:
        yield url


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database."""
    yield from engine_on_copy(request, tmp_path, "migrated")


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_migrated_template: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database, for tests that need not run on both."""
    shutil.copy(sqlite_migrated_template, tmp_path / "test.sqlite3")
    engine = make_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    yield engine
    engine.dispose()


# --- a seeded demo city and apps on it --------------------------------------------------------


@pytest.fixture(scope="session")
def demo_database_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_city_template: Path
) -> Path:
    """The demo city with the demo logins, on SQLite; tests get copies of the file."""
    from dashboard.demo import ensure_demo_users

    path = tmp_path_factory.mktemp("demo-template") / "gascc.sqlite3"
    shutil.copy(sqlite_city_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ensure_demo_users(engine)
    _fold_wal(engine)
    engine.dispose()
    return path


@pytest.fixture
def demo_settings(tmp_path: Path, demo_database_template: Path):
    """Settings for a fresh copy of the seeded demo city, with no map tiles."""
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
