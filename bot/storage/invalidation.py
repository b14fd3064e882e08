"""Settings-cache invalidation between processes over Redis pub/sub.

Every settings write publishes `guild:<guild_id>` or `channel:<guild_id>:<channel_id>` after
its transaction commits; every process subscribes and evicts that key from its local cache.
Pub/sub is fire-and-forget, so messages sent while a subscriber is disconnected are lost: each
(re)subscription confirmation therefore clears the whole local cache.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)

DEFAULT_CHANNEL = "imagebot:settings"

KeyCallback = Callable[[str], None]
ResetCallback = Callable[[], None]


def guild_key(guild_id: int) -> str:
    """The invalidation message for a guild's settings.

    Args:
        guild_id: The guild.

    Returns:
        `guild:<guild_id>`.
    """
    return f"guild:{guild_id}"


def channel_key(guild_id: int, channel_id: int) -> str:
    """The invalidation message for a channel's settings.

    Args:
        guild_id: The guild.
        channel_id: The channel.

    Returns:
        `channel:<guild_id>:<channel_id>`.
    """
    return f"channel:{guild_id}:{channel_id}"


class InvalidationBus(Protocol):
    """What `Store` needs from an invalidation channel."""

    async def start(self, on_key: KeyCallback, on_reset: ResetCallback) -> None:
        """Subscribe; return once messages will be delivered."""
        ...

    async def publish(self, key: str) -> None:
        """Tell every subscribed process to evict `key`."""
        ...

    async def close(self) -> None:
        """Stop listening and release connections."""
        ...


class RedisInvalidation:
    """Redis pub/sub implementation of `InvalidationBus`.

    Args:
        redis_url: `redis://host:port/db`.
        channel: The pub/sub channel shared by every process of one deployment.
        ready_timeout: Seconds `start` waits for the subscription to be confirmed.
        client_name: Connection name shown by Redis `CLIENT LIST`.
        timeout: Seconds connecting or publishing may take (`REDIS_TIMEOUT`). The subscriber
            connection has no read timeout: it is idle until a message comes.
    """

    def __init__(
        self,
        redis_url: str,
        channel: str = DEFAULT_CHANNEL,
        *,
        ready_timeout: float = 10.0,
        client_name: str = "imagebot-settings-invalidation",
        timeout: float = 5.0,
    ) -> None:
        self._timeout = timeout
        self._redis: Redis = Redis.from_url(
            redis_url, decode_responses=True, client_name=client_name, socket_connect_timeout=timeout
        )
        self._channel = channel
        self._ready_timeout = ready_timeout
        self._pubsub = self._redis.pubsub()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._on_key: KeyCallback = lambda _key: None
        self._on_reset: ResetCallback = lambda: None

    @property
    def channel(self) -> str:
        """The pub/sub channel name."""
        return self._channel

    async def start(self, on_key: KeyCallback, on_reset: ResetCallback) -> None:
        """Subscribe and start the listener task.

        Args:
            on_key: Called with each published key (from any process, this one included).
            on_reset: Called on every (re)subscription: messages may have been missed.

        Raises:
            redis.exceptions.RedisError: Redis is unreachable (fail fast at start-up).
            TimeoutError: The subscription was not confirmed in time.
        """
        if self._task is not None:
            raise RuntimeError("invalidation already started")
        self._on_key, self._on_reset = on_key, on_reset
        await self._pubsub.subscribe(self._channel)
        self._task = asyncio.create_task(self._listen(), name="settings-invalidation")
        self._task.add_done_callback(self._log_crash)
        async with asyncio.timeout(self._ready_timeout):
            await self._ready.wait()

    async def publish(self, key: str) -> None:
        """Publish one key; failures are logged, not raised (the write already committed).

        Args:
            key: From `guild_key` or `channel_key`.
        """
        try:
            async with asyncio.timeout(self._timeout):
                await self._redis.publish(self._channel, key)
        except (RedisError, OSError) as exc:  # OSError includes our TimeoutError
            log.warning("could not publish settings invalidation %s: %s", key, exc)

    async def close(self) -> None:
        """Cancel the listener and close the connections."""
        await cancel_and_wait(self._task)
        self._task = None
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        await self._redis.aclose()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "subscribe":
            # First subscription or redis-py's re-subscription after a reconnect.
            self._on_reset()
            self._ready.set()
        elif kind == "message":
            self._on_key(str(message["data"]))

    async def _listen(self) -> None:
        delay = 0.0  # a single dropped connection is retried at once, then back off
        while True:
            try:
                async for message in self._pubsub.listen():
                    delay = 0.0
                    try:
                        self._dispatch(message)
                    except Exception:
                        log.exception("settings invalidation callback failed for %r", message)
                # listen() ends only when nothing is subscribed any more.
                return
            except (RedisError, OSError) as exc:
                log.warning("settings invalidation listener lost Redis (%s); retrying in %.2fs", exc, delay)
                # Reconnection back-off; listen() reconnects and redis-py re-subscribes.
                await asyncio.sleep(delay)
                delay = min(max(delay * 2, 0.25), 30.0)

    @staticmethod
    def _log_crash(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("settings invalidation listener stopped", exc_info=task.exception())
