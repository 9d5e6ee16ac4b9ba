"""Waking live hubs when new events are committed: Redis pub/sub when configured.

Writers publish the newest sequence number after each commit (the gateways after each ingest
batch, the Dash app after each desk action: `CommitAnnouncer`); every hub (in every gateway
process) subscribes and then reads the log itself, so a lost message costs nothing but a delay:
hubs also poll the log on a slow timer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator

import redis
import redis.asyncio as aioredis

CHANNEL = "gascc:events"
log = logging.getLogger(__name__)


class SeqPublisher:
    """Publishes "the log now reaches seq N"; never raises, because the log is the truth."""

    def __init__(self, redis_url: str) -> None:
        self._client = redis.Redis.from_url(redis_url, socket_timeout=2)

    def publish(self, seq: int) -> None:
        try:
            self._client.publish(CHANNEL, str(seq))
        except redis.RedisError as error:
            log.warning("could not publish seq %s to Redis: %s", seq, error)

    def close(self) -> None:
        self._client.close()


class CommitAnnouncer:
    """Tells the live hubs of every gateway, through Redis, that the Dash app committed a desk
    action (`data_access.eventlog.on_commit`), so other screens see it at once rather than at
    the hubs' next poll of the log. Publishing happens in a thread of its own, newest seq only,
    so a slow or absent Redis never holds up the officer who clicked."""

    def __init__(self, redis_url: str) -> None:
        self._publisher = SeqPublisher(redis_url)
        self._newest = 0  # the newest committed seq heard of
        self._sent = 0  # the newest published
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="commit-announcer", daemon=True)
        self._thread.start()

    def __call__(self, seq: int) -> None:
        with self._changed:
            self._newest = max(self._newest, seq)
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed or self._newest > self._sent)
                if self._closed:
                    return
                newest = self._newest
            self._publisher.publish(newest)
            self._sent = newest

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._thread.join(5)
        self._publisher.close()


RESUBSCRIBED = -1  # yielded after every (re)subscription: messages may have been missed


async def subscribe_seqs(redis_url: str) -> AsyncIterator[int]:
    """Sequence numbers as writers publish them, and RESUBSCRIBED whenever the subscription is
    (re)established, since redis-py reconnects silently and what was published meanwhile is lost.
    Raises when the connection fails for good."""
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(CHANNEL)
        async for message in pubsub.listen():
            if message.get("type") == "subscribe":
                yield RESUBSCRIBED
            elif message.get("type") == "message":
                try:
                    yield int(message["data"])
                except (TypeError, ValueError):
                    continue
    finally:
        await pubsub.aclose()
        await client.aclose()
