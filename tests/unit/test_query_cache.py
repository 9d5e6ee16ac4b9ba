"""The query cache: results kept per function, scope and arguments, for the given time only,
in this process or in a real Redis; an engine without a cache computes every time."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine

from dashboard.domain.roles import Scope
from data_access.cache import MemoryCache, RedisCache, cached, use_cache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
calls: list[tuple] = []


@cached(0.2, key=lambda scope, now: scope)
def counted(engine, scope: Scope, now: float) -> dict[str, int] | None:
    calls.append((scope, now))
    return None if scope.district == "none" else {"calls": len(calls)}


@pytest.fixture(params=["memory", "redis"])
def engine(request):
    calls.clear()
    engine = create_engine("sqlite://")
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("TEST_REDIS_URL not set")
        use_cache(engine, RedisCache(REDIS_URL))
    else:
        use_cache(engine, MemoryCache())
    yield engine
    engine.dispose()


def test_a_result_is_shared_per_scope_until_it_expires(engine):
    wuchang, jiangan = Scope(district=f"w{time.time()}"), Scope(district=f"j{time.time()}")
    first = counted(engine, wuchang, 1.0)
    assert counted(engine, wuchang, 2.0) == first  # `now` is not part of the key
    assert counted(engine, jiangan, 2.0) != first  # another scope computes its own
    assert len(calls) == 2
    time.sleep(0.25)
    assert counted(engine, wuchang, 3.0) != first and len(calls) == 3


def test_a_kept_none_is_a_hit_too(engine):
    nothing = Scope(district="none")
    assert counted(engine, nothing, 1.0) is None
    assert counted(engine, nothing, 2.0) is None
    assert len(calls) == 1


def test_without_a_cache_every_call_computes():
    calls.clear()
    bare = create_engine("sqlite://")
    counted(bare, Scope(), 1.0)
    counted(bare, Scope(), 1.0)
    assert len(calls) == 2


def test_the_memory_cache_stays_within_its_bound():
    cache = MemoryCache(max_entries=3)
    for n in range(5):
        cache.set(f"k{n}", n, 60)
    assert [cache.get(f"k{n}") for n in range(5)] == [None, None, 2, 3, 4]


@cached(60, key=lambda scope: scope, follows_log=True)
def live_figure(engine, scope: Scope) -> int:
    calls.append((scope,))
    return len(calls)


def test_a_live_figure_is_shared_only_until_the_log_grows(sqlite_engine):
    from datetime import UTC, datetime

    from dashboard.domain.events import AlarmRaised, Event
    from data_access.eventlog import Incoming, append_events

    calls.clear()
    use_cache(sqlite_engine, MemoryCache())
    first = live_figure(sqlite_engine, Scope())
    assert live_figure(sqlite_engine, Scope()) == first  # shared while nothing new happened
    alarm = AlarmRaised(alarm_id="a-1", kind="methane_high", level="warning", lat=30.5, lon=114.3)
    event = Event.of(alarm, id="a-1", occurred_at=datetime.now(UTC))
    append_events(sqlite_engine, [Incoming("system", event)])
    assert live_figure(sqlite_engine, Scope()) != first  # a new event: counted again at once
