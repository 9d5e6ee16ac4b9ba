"""Where failed sign-ins are counted (dashboard/domain/login_throttle.py says what they cost):
in Redis when there is one, else in the database's `login_failures` table. Either is shared by
every gunicorn worker and survives a restart of the app."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Protocol

import redis
from sqlalchemy import Engine, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.domain.login_throttle import WINDOW_S
from data_access.db import transaction
from data_access.models import LoginFailure, table_of

_FAILURES = table_of(LoginFailure)
_REDIS_PREFIX = "gascc:login:"


class FailureStore(Protocol):
    def failures(self, keys: Iterable[str]) -> dict[str, tuple[int, float]]: ...
    def record_failure(self, keys: Iterable[str]) -> None: ...
    def forget(self, keys: Iterable[str]) -> None: ...


class DatabaseFailures:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    def failures(self, keys: Iterable[str]) -> dict[str, tuple[int, float]]:
        recent = time.time() - WINDOW_S
        query = select(_FAILURES).where(
            _FAILURES.c.key.in_(list(keys)), _FAILURES.c.last_at >= recent
        )
        with transaction(self._engine) as session:
            return {row.key: (row.failures, row.last_at) for row in session.execute(query)}

    def record_failure(self, keys: Iterable[str]) -> None:
        now = time.time()
        columns = _FAILURES.c
        with transaction(self._engine) as session:
            for key in keys:
                statement = self._insert(_FAILURES).values(key=key, failures=1, last_at=now)
                statement = statement.on_conflict_do_update(
                    index_elements=[columns.key],
                    set_={
                        # a counter forgets WINDOW_S after its latest failure
                        "failures": case(
                            (columns.last_at < now - WINDOW_S, 1), else_=columns.failures + 1
                        ),
                        "last_at": now,
                    },
                )
                session.execute(statement)
            session.execute(delete(_FAILURES).where(columns.last_at < now - WINDOW_S))

    def forget(self, keys: Iterable[str]) -> None:
        with transaction(self._engine) as session:
            session.execute(delete(_FAILURES).where(_FAILURES.c.key.in_(list(keys))))


class RedisFailures:
    """A hash per key (failures, last_at) that expires WINDOW_S after its latest failure."""

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url)

    def failures(self, keys: Iterable[str]) -> dict[str, tuple[int, float]]:
        names = list(keys)
        pipe = self._redis.pipeline()
        for key in names:
            pipe.hmget(_REDIS_PREFIX + key, "failures", "last_at")
        found = {}
        for key, (count, last_at) in zip(names, pipe.execute(), strict=True):
            if count is not None and last_at is not None:
                found[key] = (int(count), float(last_at))
        return found

    def record_failure(self, keys: Iterable[str]) -> None:
        pipe = self._redis.pipeline()
        for key in keys:
            name = _REDIS_PREFIX + key
            pipe.hincrby(name, "failures", 1)
            pipe.hset(name, "last_at", time.time())
            pipe.expire(name, WINDOW_S)
        pipe.execute()

    def forget(self, keys: Iterable[str]) -> None:
        names = [_REDIS_PREFIX + key for key in keys]
        if names:
            self._redis.delete(*names)


def failure_store(engine: Engine, redis_url: str | None) -> FailureStore:
    return RedisFailures(redis_url) if redis_url else DatabaseFailures(engine)
