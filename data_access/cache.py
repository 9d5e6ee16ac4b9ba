"""Query results kept a few seconds, shared by every screen of one scope.

Twenty wall screens of one scope refreshing on the same live tick should cost one query, not
twenty. A query opts in with `@cached(seconds)`; its results are kept per function, scope and
arguments in the cache attached to its engine (`use_cache`, done by the app factory): in this
process by default, in Redis when the app is configured with one (several workers then share
it). An engine without a cache (tests, the CLI, benchmarks' baselines) computes every time.

Arguments that change on every call and must not be part of the key (the current time, say)
are left out with `key=`: `@cached(30, key=lambda scope, level, now: (scope, level))`.

A live figure must never outlive the event that changed it: with `follows_log=True` the key also
holds the log's newest sequence number, so a result is shared only until something new is
committed (screens woken by the same live batch still share one recount).
"""

from __future__ import annotations

import contextlib
import functools
import pickle
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, ParamSpec, Protocol, TypeVar, cast
from weakref import WeakKeyDictionary

import redis
from sqlalchemy import Engine

from data_access.eventlog import last_seq

__all__ = ["MemoryCache", "QueryCache", "RedisCache", "cache_for", "cached", "use_cache"]

P = ParamSpec("P")
R = TypeVar("R")


class QueryCache(Protocol):
    def get(self, key: str) -> Any | None:
        """The value kept under `key`, or None (never kept, or expired)."""

    def set(self, key: str, value: Any, seconds: float) -> None: ...


class MemoryCache:
    """In this process: a dict of (expiry, value), bounded, safe across threads."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: str) -> Any | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._entries[key]
                return None
            return found[1]

    def set(self, key: str, value: Any, seconds: float) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._forget_expired()
            if len(self._entries) >= self.max_entries:  # all alive: drop the oldest set
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (time.monotonic() + seconds, value)

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for key in [k for k, (expiry, _) in self._entries.items() if expiry < now]:
            del self._entries[key]


class RedisCache:
    """In Redis, shared by every worker; a Redis that is away is a miss, never an error."""

    PREFIX = "gascc:cache:"

    def __init__(self, redis_url: str) -> None:
        self._client = redis.Redis.from_url(redis_url, socket_timeout=1)

    def get(self, key: str) -> Any | None:
        try:
            raw = self._client.get(self.PREFIX + key)
        except redis.RedisError:
            return None
        return pickle.loads(cast(bytes, raw)) if raw is not None else None  # our values only

    def set(self, key: str, value: Any, seconds: float) -> None:
        with contextlib.suppress(redis.RedisError):  # unkept: the next reader computes it
            self._client.set(self.PREFIX + key, pickle.dumps(value), px=int(seconds * 1000))


_caches: WeakKeyDictionary[Engine, QueryCache] = WeakKeyDictionary()


def use_cache(engine: Engine, cache: QueryCache) -> None:
    """Keep the cached queries' results on `engine` in `cache`."""
    _caches[engine] = cache


def cache_for(engine: Engine) -> QueryCache | None:
    return _caches.get(engine)


def cached(
    seconds: float, *, key: Callable[..., Hashable] | None = None, follows_log: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep the results of a query `f(engine, *args)` for `seconds`, per its arguments (the
    scope among them), or per `key(*args)` when given; with `follows_log`, only until the
    event log grows."""

    def decorate(query: Callable[P, R]) -> Callable[P, R]:
        name = f"{query.__module__}.{query.__qualname__}"

        @functools.wraps(query)
        def kept(*args: P.args, **kwargs: P.kwargs) -> R:
            engine, rest = args[0], args[1:]
            if not isinstance(engine, Engine) or (cache := _caches.get(engine)) is None:
                return query(*args, **kwargs)
            parts = key(*rest, **kwargs) if key is not None else (rest, sorted(kwargs.items()))
            cache_key = f"{name}:{parts!r}"
            if follows_log:
                cache_key += f":seq={last_seq(engine)}"
            hit = cache.get(cache_key)
            if hit is not None:
                return hit[0]
            value = query(*args, **kwargs)
            cache.set(cache_key, (value,), seconds)  # a tuple: a kept None is a hit too
            return value

        return kept

    return decorate
