"""Waking live hubs when new events are committed: Redis pub/sub when configured.

Writers publish the newest sequence number after each commit; every hub (in every gateway
process) subscribes and then reads the log itself, so a lost message costs nothing but a delay:
hubs also poll the log on a slow timer.
"""

from __future__ import annotations

import logging
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
