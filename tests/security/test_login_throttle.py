"""Login throttling (issue 13, item 8): per client address and per account, in storage every
worker shares (the database, or Redis), with back-off an attacker cannot turn into a lock-out
of the duty officer."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import redis

from dashboard.app import create_app
from dashboard.domain.login_throttle import WINDOW_S, failure_keys
from data_access.login_throttle import DatabaseFailures, RedisFailures

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
ATTACKER, OFFICE = "203.0.113.7", "198.51.100.20"


def attempt(client, username: str, password: str, address: str = ATTACKER):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def close(app) -> None:
    app.server.config["GASCC"].notifier.close()
    app.server.config["GASCC_ENGINE"].dispose()


@pytest.fixture
def two_workers(demo_settings) -> Iterator[tuple]:
    """Two gunicorn workers are two apps on one database, each with its own memory."""
    first, second = create_app(demo_settings), create_app(demo_settings)
    yield first.server.test_client(), second.server.test_client()
    close(first)
    close(second)


def test_the_sixth_guess_is_slowed_whichever_worker_answers(two_workers) -> None:
    clients = two_workers
    for number in range(5):
        assert attempt(clients[number % 2], "duty", "wrong-password").status_code == 401
    for client in clients:  # even the right password, for a while: the guess learns nothing
        response = attempt(client, "duty", "duty-demo")
        assert response.status_code == 429
        assert 0 < int(response.headers["Retry-After"]) <= 30


def test_the_wait_is_told_in_chinese_and_english(client) -> None:
    for _ in range(5):
        attempt(client, "duty", "wrong-password")
    response = attempt(client, "duty", "wrong-password")
    seconds = response.headers["Retry-After"]
    assert f"请 {seconds} 秒后再试" in response.get_data(as_text=True)
    client.get("/lang/en")
    response = attempt(client, "duty", "wrong-password")
    assert "try again in" in response.get_data(as_text=True)


def test_a_password_sprayed_over_many_usernames_is_slowed(client) -> None:
    for number in range(10):
        assert attempt(client, f"user{number:02d}", "Spring2026!").status_code == 401
    assert attempt(client, "user10", "Spring2026!").status_code == 429
    assert attempt(client, "duty", "duty-demo").status_code == 429  # the address waits


def test_an_attacker_cannot_lock_the_duty_officer_out(client) -> None:
    for _ in range(8):
        attempt(client, "duty", "wrong-password", ATTACKER)
    assert attempt(client, "duty", "duty-demo", ATTACKER).status_code == 429
    assert attempt(client, "duty", "duty-demo", OFFICE).status_code == 302


def test_a_botnet_guessing_one_account_gets_a_short_back_off_and_no_lock_out(client) -> None:
    for number in range(25):  # one guess from each of 25 addresses
        attempt(client, "duty", "wrong-password", f"192.0.2.{number}")
    waited = attempt(client, "duty", "wrong-password", "192.0.2.1")
    assert waited.status_code == 429 and int(waited.headers["Retry-After"]) <= 30
    assert attempt(client, "duty", "duty-demo", OFFICE).status_code == 302


def test_a_forwarded_address_is_not_believed_without_a_trusted_proxy(client) -> None:
    """Otherwise an attacker would take a fresh address per guess."""
    for number in range(6):
        client.post(
            "/login",
            data={"username": "duty", "password": "wrong-password"},
            headers={"X-Forwarded-For": f"10.9.9.{number}"},
        )
    response = client.post(
        "/login",
        data={"username": "duty", "password": "duty-demo"},
        headers={"X-Forwarded-For": "10.9.9.99"},
    )
    assert response.status_code == 429


def test_a_success_forgets_only_its_own_failures(client) -> None:
    for _ in range(4):
        attempt(client, "duty", "wrong-password")
    assert attempt(client, "duty", "duty-demo").status_code == 302
    for _ in range(4):  # the count started again: four more do not slow the fifth
        assert attempt(client, "duty", "wrong-password").status_code == 401


# --- the two stores, on SQLite, PostgreSQL and Redis ------------------------------------------


@pytest.fixture
def redis_failures() -> Iterator[RedisFailures]:
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter("gascc:login:*"):
        connection.delete(key)
    yield RedisFailures(REDIS_URL)
    for key in connection.scan_iter("gascc:login:*"):
        connection.delete(key)


def check_store(store) -> None:
    keys = failure_keys("Duty", ATTACKER)
    for _ in range(3):
        store.record_failure(keys)
    found = store.failures([*keys, "addr:elsewhere"])
    assert sorted(found) == sorted(keys)
    assert {count for count, _ in found.values()} == {3}
    assert all(abs(last - time.time()) < WINDOW_S for _, last in found.values())
    store.forget(keys[1:2])
    assert sorted(store.failures(keys)) == sorted([keys[0], keys[2]])


def test_the_database_store_counts_for_every_worker(engine) -> None:
    check_store(DatabaseFailures(engine))
    check_store_shared(DatabaseFailures(engine), DatabaseFailures(engine))


def test_the_redis_store_counts_for_every_worker(redis_failures) -> None:
    check_store(redis_failures)
    check_store_shared(redis_failures, RedisFailures(REDIS_URL))


def check_store_shared(one, other) -> None:
    keys = failure_keys("shared", OFFICE)
    one.record_failure(keys)
    other.record_failure(keys)
    assert one.failures(keys)[keys[0]][0] == 2


def test_the_app_uses_redis_when_configured(demo_settings, redis_failures) -> None:
    app = create_app(demo_settings.with_overrides(redis_url=REDIS_URL))
    try:
        client = app.server.test_client()
        for _ in range(5):
            attempt(client, "duty", "wrong-password")
        assert redis_failures.failures(failure_keys("duty", ATTACKER))
        assert attempt(client, "duty", "duty-demo").status_code == 429
    finally:
        close(app)
