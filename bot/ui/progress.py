"""Throttled progress text in the deferred "thinking" message (≤ one edit per 1.5 s)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)

MIN_EDIT_INTERVAL = 1.5


class ProgressMessage:
    """Coalesces progress lines into edits of one message, at most one per `min_interval`.

    The newest text always wins; a pending text is flushed by a background task so callers
    never wait on Discord. `close()` drops whatever is still pending (the result replaces it).

    Args:
        edit: Coroutine function that edits the message content.
        min_interval: Minimum seconds between two edits.
        clock: Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        edit: Callable[[str], Awaitable[object]],
        *,
        min_interval: float = MIN_EDIT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._edit = edit
        self._min_interval = min_interval
        self._clock = clock
        self._last_edit = float("-inf")
        self._pending: str | None = None
        self._shown: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def last_edit(self) -> float:
        """When the last edit was sent (on `clock`), or -inf if none was."""
        return self._last_edit

    async def update(self, text: str) -> None:
        """Show `text` as soon as the edit rate allows."""
        if self._closed or text == self._shown:
            return
        self._pending = text
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="progress-edit")

    async def _flush(self) -> None:
        while self._pending is not None and not self._closed:
            wait = self._last_edit + self._min_interval - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            text, self._pending = self._pending, None
            self._last_edit = self._clock()
            try:
                await self._edit(text)
                self._shown = text
            except Exception as exc:  # a failed progress edit must never fail the job
                log.debug("progress edit failed: %s", exc)

    async def close(self) -> None:
        """Stop editing: cancel a pending or in-flight edit so none lands after the result."""
        self._closed = True
        task, self._task = self._task, None
        await cancel_and_wait(task)
