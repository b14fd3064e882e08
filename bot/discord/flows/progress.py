"""Bounded progress text in the deferred "thinking" message.

A busy bot queues hundreds of jobs; editing each one's message whenever its queue position
moves would cost jobs × wait edits (and Discord's rate limits). Here a message is edited at
most once per `PROGRESS_EDIT_INTERVAL` (10 s), and only on a meaningful change: the first
position, a position at most a quarter of the one shown (400 → 100 → 25 → 6 → 1), or a new
stage ("Generating…"). A job then gets a handful of edits however long it waits (the position
quarters at most log4(depth) times), so the edits grow with the number of jobs, not with
jobs × wait.

The first edit waits `FIRST_EDIT_DELAY` after the deferral: until then Discord shows the
deferral's own "thinking…", and a job that starts (or finishes) in that time never shows the
queue text it would have replaced at once. A burst of commands is then not followed in the same
second by an edit per command; the edits that come due together go out through the burst pacer
(`flows.delivery.progress_for`), a loop-pass-sized batch at a time (bench/bot_load.py, 400 at
once: the longest loop pass went from 21.7 to 18.0 ms of CPU; the deferral p99 did not move).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable

from bot.i18n import Phrase, text, translate
from bot.jobs import GENERATING, QUEUED_PREFIX
from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)

PROGRESS_EDIT_INTERVAL = 10.0
FIRST_EDIT_DELAY = 1.0
POSITION_STEP = 4  # a new position is shown once it is at most 1/4 of the one shown
_POSITION = re.compile(re.escape(QUEUED_PREFIX) + r" (\d+)")
_GENERATING = re.compile(re.escape(GENERATING).replace(re.escape("{model}"), "(?P<model>[^`]*)"))


def queue_position(text: str | None) -> int | None:
    """The position of a "Queued — position N." text, None for any other text."""
    match = _POSITION.match(text) if text else None
    return int(match.group(1)) if match else None


def localized_progress(english: str, locale: object) -> str:
    """A progress line of the core (English, see `bot.jobs`; or a `Phrase`) in the reader's language."""
    if isinstance(english, Phrase):
        return translate(english, locale)
    position = queue_position(english)
    if position is not None:
        return text(locale, "progress.queued", position=position)
    generating = _GENERATING.fullmatch(english)
    if generating is not None:
        return text(locale, "progress.generating", model=generating["model"])
    return english


def meaningful(shown: str | None, text: str) -> bool:
    """Whether `text` is worth an edit over `shown` (the text the message shows now).

    A queue position replacing a position is meaningful only once it is at most a quarter of it;
    any other change (the first text, a new stage) always is.
    """
    if text == shown:
        return False
    before, after = queue_position(shown), queue_position(text)
    if before is None or after is None:
        return True
    return after <= before // POSITION_STEP


class ProgressMessage:
    """Coalesces progress lines into edits of one message: meaningful ones, one per `min_interval`.

    The newest meaningful text wins; a pending text is flushed by a background task so callers
    never wait on Discord. `close()` drops whatever is still pending (the result replaces it).

    Args:
        edit: Coroutine function that edits the message content.
        min_interval: Minimum seconds between two edits.
        first_delay: Seconds from now before the first edit (default `FIRST_EDIT_DELAY`).
        clock: Monotonic clock (injectable for tests).
        sleep: Coroutine function sleeping for a number of seconds (injectable for tests).
    """

    def __init__(
        self,
        edit: Callable[[str], Awaitable[object]],
        *,
        min_interval: float = PROGRESS_EDIT_INTERVAL,
        first_delay: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._edit = edit
        self._min_interval = min_interval
        self._not_before = clock() + (FIRST_EDIT_DELAY if first_delay is None else first_delay)
        self._clock = clock
        self._sleep = sleep
        self._last_edit = float("-inf")
        self._pending: str | None = None
        self._shown: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.edits = 0

    @property
    def last_edit(self) -> float:
        """When the last edit was sent (on `clock`), or -inf if none was."""
        return self._last_edit

    async def update(self, text: str) -> None:
        """Show `text` as soon as the edit rate allows, if it is a meaningful change."""
        if self._closed or not meaningful(self._shown, text):
            if not self._closed and self._pending is not None and text == self._shown:
                self._pending = None  # back to what is shown: nothing left to say
            return
        self._pending = text
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="progress-edit")

    async def _flush(self) -> None:
        while self._pending is not None and not self._closed:
            wait = max(self._last_edit + self._min_interval, self._not_before) - self._clock()
            if wait > 0:
                await self._sleep(wait)
                continue
            text, self._pending = self._pending, None
            self._last_edit = self._clock()
            self.edits += 1
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
