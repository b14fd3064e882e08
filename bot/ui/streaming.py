"""Streamed text in Discord messages: throttled, coalesced edits that overflow into follow-ups.

`/chatimage` streams text deltas; editing the message for every delta would hit Discord's
rate limits at once. `StreamedText` is the one place that turns deltas into edits: callers
`append()` without waiting, a background task edits each message at most once per
`min_interval` with everything that arrived meanwhile, and text beyond 2,000 characters
continues in a follow-up message (split at a newline or space when possible).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

from bot.tasks import cancel_and_wait
from bot.ui.text import CONTENT_LIMIT, split_point

log = logging.getLogger(__name__)

Editor = Callable[[str], Awaitable[object]]
FollowupSender = Callable[[str], Awaitable[Editor]]
MIN_EDIT_INTERVAL = 1.0
MAX_FAILURES = 3


@dataclass(slots=True)
class _Message:
    """One Discord message showing `text[start:end]` (`end` is None while it can still grow)."""

    editor: Editor
    start: int
    shown: str = ""
    end: int | None = None
    last_edit: float = float("-inf")
    failures: int = 0
    dead: bool = False


class StreamedText:
    """Shows a growing text across one or more messages without flooding Discord.

    Args:
        edit: Edits the first (already existing, e.g. deferred) message's content.
        send_followup: Sends a new message with the given content and returns its editor;
            used when the text outgrows a message.
        min_interval: Minimum seconds between two edits of the same message.
        limit: Maximum characters per message.
        clock: Monotonic clock (injectable for tests).
        sleep: Coroutine function sleeping for a number of seconds (injectable for tests).
        max_failures: Consecutive failed edits (or sends) after which a message (or the
            stream) is given up; failures are logged, never raised.
    """

    def __init__(
        self,
        edit: Editor,
        send_followup: FollowupSender,
        *,
        min_interval: float = MIN_EDIT_INTERVAL,
        limit: int = CONTENT_LIMIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        max_failures: int = MAX_FAILURES,
    ) -> None:
        """Prepare the stream; nothing is sent before the first `append`."""
        if limit < 1 or min_interval < 0 or max_failures < 1:
            raise ValueError("limit and max_failures must be positive, min_interval not negative")
        self._send_followup = send_followup
        self._min_interval = min_interval
        self._limit = limit
        self._clock = clock
        self._sleep = sleep
        self._max_failures = max_failures
        self._messages = [_Message(editor=edit, start=0)]
        self._text = ""
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._finishing = False
        self._closed = False
        self._broken = False
        self._followup_failures = 0
        self._last_followup_attempt = float("-inf")

    @property
    def text(self) -> str:
        """Everything appended so far (plus the `finish` suffix)."""
        return self._text

    @property
    def shown(self) -> list[str]:
        """What each message displays right now, first message first."""
        return [message.shown for message in self._messages]

    def edited_elsewhere(self, at: float) -> None:
        """Record that the first message was edited at `at` (on `clock`) by someone else.

        E.g. the queue position shown before the stream began: the first streamed edit then
        still waits `min_interval` after it.
        """
        first = self._messages[0]
        first.last_edit = max(first.last_edit, at)

    def append(self, delta: str) -> None:
        """Add text; it is shown by the background flusher, never on the caller's path.

        Raises:
            RuntimeError: after `finish`.
        """
        if self._finishing:
            raise RuntimeError("append() after finish()")
        if self._closed or not delta:
            return
        self._text += delta
        self._start()
        self._wake.set()

    async def finish(self, suffix: str = "") -> None:
        """Show everything, plus `suffix` (e.g. a newline and a warning line), and stop.

        Text already shown stays; the last edits still respect `min_interval`.
        """
        if self._closed or self._finishing:
            return
        self._text += suffix
        self._finishing = True
        self._start()
        self._wake.set()
        task = self._task
        if task is None:
            return
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._closed and not (current is not None and current.cancelling()):
                return  # close() from elsewhere ended the flusher: not our cancellation
            raise

    async def close(self) -> None:
        """Stop at once without flushing (idempotent); pending text is dropped."""
        self._closed = True
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def __aenter__(self) -> StreamedText:
        """Use as ``async with``: the stream is closed (not finished) on exit."""
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the stream; call `finish` inside the block to flush instead."""
        await self.close()

    # --- the flusher ------------------------------------------------------------------------

    def _start(self) -> None:
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="streamed-text")

    async def _run(self) -> None:
        try:
            while not self._closed:
                if await self._step():
                    continue
                if self._finishing or self._broken:
                    return
                self._wake.clear()
                await self._wake.wait()
        except Exception:  # a bug here must not take the generation down with it
            log.exception("streamed text flusher failed")

    async def _step(self) -> bool:
        """Do one unit of work (sleep, edit, seal or send); False when there is nothing to do."""
        if self._broken:
            return False
        current = self._messages[-1]
        if current.end is not None:
            return await self._open_followup(current, current.end)
        pending = self._text[current.start :]
        cut = split_point(pending, self._limit)
        target = pending[:cut]
        # Discord refuses blank messages, so whitespace-only text waits for more.
        if target != current.shown and target.strip() and not current.dead:
            delay = current.last_edit + self._min_interval - self._clock()
            if delay > 0:
                await self._sleep(delay)
                return True  # recompute: more text may have arrived (that is the coalescing)
            await self._edit(current, target)
            return True
        if cut < len(pending):
            current.end = current.start + cut  # sealed: the rest goes to a follow-up
            return True
        return False

    async def _edit(self, message: _Message, target: str) -> None:
        started = self._clock()
        message.last_edit = started
        try:
            await message.editor(target)
        except Exception:
            message.failures += 1
            index = self._messages.index(message) + 1
            if message.failures >= self._max_failures:
                message.dead = True
                log.warning(
                    "giving up editing streamed message %d after %d failures", index, message.failures
                )
            else:
                log.warning("editing streamed message %d failed; will retry", index, exc_info=True)
            return
        message.shown = target
        message.failures = 0

    async def _open_followup(self, sealed: _Message, end: int) -> bool:
        rest = self._text[end:]
        if not rest.strip():
            return False
        cut = split_point(rest, self._limit)
        piece = rest[:cut]
        if not piece.strip():
            sealed.end = end + cut  # a whole message of whitespace: nothing to show, skip it
            return True
        delay = self._last_followup_attempt + self._min_interval - self._clock()
        if self._followup_failures and delay > 0:
            await self._sleep(delay)
            return True
        started = self._clock()
        self._last_followup_attempt = started
        try:
            editor = await self._send_followup(piece)
        except Exception:
            self._followup_failures += 1
            if self._followup_failures >= self._max_failures:
                self._broken = True
                log.warning("giving up streamed text after %d failed follow-ups", self._followup_failures)
            else:
                log.warning("sending a streamed follow-up failed; will retry", exc_info=True)
            return not self._broken
        self._followup_failures = 0
        self._messages.append(_Message(editor=editor, start=end, shown=piece, last_edit=started))
        return True


__all__ = ["MIN_EDIT_INTERVAL", "Editor", "FollowupSender", "StreamedText"]
