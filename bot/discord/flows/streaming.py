"""Streamed text in Discord messages: throttled, coalesced edits that overflow into follow-ups.

`/chatimage` streams text deltas; editing the message for every delta would hit Discord's
rate limits at once. `StreamedText` is the one place that turns deltas into edits: callers
`append()` without waiting, a background task edits each message at most once per
`min_interval` with everything that arrived meanwhile, and text beyond 2,000 characters
continues in a follow-up message (split at a newline or space when possible).

No floods: a stream uses at most `max_messages` messages. When the text outgrows them, the last
one ends with a notice and, once the stream finishes, gets the whole text attached as
`answer.txt`. At most `max_chars` characters are kept; beyond that the text is dropped and the
notice and the file say so (a model writing megabytes must not grow the process).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

from bot.discord.views.text import CONTENT_LIMIT, split_point
from bot.i18n import text
from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Editor = Callable[..., Awaitable[object]]
"""Edits a message's content: ``await edit(text)``; the last message also gets
``await edit(text, attachment=TextFile(...))`` once, to attach the whole answer."""
FollowupSender = Callable[..., Awaitable[Editor]]
"""Sends a new message: ``await send(text)`` returns its editor; ``attachment=`` as for `Editor`."""
MIN_EDIT_INTERVAL = 1.0
FIRST_EDIT_GAP = 0.25  # after a progress edit, the first streamed text waits only this long
MAX_FAILURES = 3
MAX_MESSAGES = 5
MAX_CHARS = 1_000_000  # ~1 MB in answer.txt: far beyond any useful answer, far below upload limits
ANSWER_FILENAME = "answer.txt"


@dataclass(frozen=True, slots=True)
class TextFile:
    """A text attachment (the whole answer when it does not fit in the messages)."""

    filename: str
    data: bytes


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
        max_messages: Messages the text may use; beyond them it goes to `answer.txt`.
        max_chars: Characters kept (shown and attached); later text is dropped and declared.
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
        max_messages: int = MAX_MESSAGES,
        max_chars: int = MAX_CHARS,
        locale: object = None,
    ) -> None:
        """Prepare the stream; nothing is sent before the first `append`.

        `locale` is the reader's language, for the notes about the attached answer.
        """
        if limit < 1 or min_interval < 0 or max_failures < 1 or max_messages < 1 or max_chars < 1:
            raise ValueError("limits, max_failures and max_messages must be positive, min_interval ≥ 0")
        self._send_followup = send_followup
        self._min_interval = min_interval
        self._limit = limit
        self._clock = clock
        self._sleep = sleep
        self._max_failures = max_failures
        self._max_messages = max_messages
        self._max_chars = max_chars
        self._locale = locale
        self._messages = [_Message(editor=edit, start=0)]
        self._parts: list[str] = []  # joined lazily: `+=` on a long str copies it every time
        self._length = 0
        self._suffix = ""
        self._dropped = 0
        self._overflowed = False
        self._attached = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._finishing = False
        self._closed = False
        self._broken = False
        self._followup_failures = 0
        self._last_followup_attempt = float("-inf")

    @property
    def text(self) -> str:
        """Everything kept so far (at most `max_chars`), plus the `finish` suffix."""
        return self._body() + self._suffix

    @property
    def overflowed(self) -> bool:
        """Whether the text outgrew `max_messages` (so it is, or will be, in `answer.txt`)."""
        return self._overflowed

    @property
    def dropped(self) -> int:
        """Characters dropped beyond `max_chars`."""
        return self._dropped

    def _body(self) -> str:
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @property
    def shown(self) -> list[str]:
        """What each message displays right now, first message first."""
        return [message.shown for message in self._messages]

    def edited_elsewhere(self, at: float, gap: float = FIRST_EDIT_GAP) -> None:
        """Record that the first message was edited at `at` (on `clock`) by someone else.

        E.g. the progress text shown before the stream began: the first streamed edit then
        waits `gap` after it (not a whole `min_interval`: the first text should appear at
        once, and two edits a quarter second apart are well within Discord's rate limits;
        the edits after it keep `min_interval`).
        """
        first = self._messages[0]
        first.last_edit = max(first.last_edit, at - self._min_interval + min(gap, self._min_interval))

    def append(self, delta: str) -> None:
        """Add text; it is shown by the background flusher, never on the caller's path.

        Raises:
            RuntimeError: after `finish`.
        """
        if self._finishing:
            raise RuntimeError("append() after finish()")
        if self._closed or not delta:
            return
        room = self._max_chars - self._length
        if len(delta) > room:
            self._dropped += len(delta) - room
            delta = delta[:room]
            if not delta:
                return
        self._parts.append(delta)
        self._length += len(delta)
        self._start()
        if not self._overflowed:  # past the last message nothing changes before `finish`
            self._wake.set()

    async def finish(self, suffix: str = "") -> None:
        """Show everything, plus `suffix` (e.g. a newline and a warning line), and stop.

        Text already shown stays; the last edits still respect `min_interval`.
        """
        if self._closed or self._finishing:
            return
        self._suffix = suffix
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
        if self._overflowed or (
            len(self._messages) >= self._max_messages
            and self._length + len(self._suffix) - current.start > self._limit
        ):
            return await self._step_last(current)
        pending = self.text[current.start :]
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
        if self._dropped and self._finishing and not self._attached:
            return await self._step_last(current)  # all shown, but the cut must be declared
        return False

    async def _step_last(self, last: _Message) -> bool:
        """The last allowed message: the head of its text, a notice, and finally `answer.txt`."""
        self._overflowed = True
        notice = self._notice()
        room = max(self._limit - len(notice) - len(self._suffix), 1)
        head = self._body()[last.start : last.start + room + 1]
        head = head[: split_point(head, room)]
        target = (head.rstrip() + notice + self._suffix)[: self._limit]
        attach = self._finishing and not self._attached
        if (target == last.shown and not attach) or last.dead:
            if attach and last.dead:
                await self._attach_elsewhere(notice.strip())
            return False
        delay = last.last_edit + self._min_interval - self._clock()
        if delay > 0:
            await self._sleep(delay)
            return True
        if attach:
            self._attached = await self._edit(last, target, attachment=self.answer_file())
        else:
            await self._edit(last, target)
        return True

    def _notice(self) -> str:
        if not self._finishing:
            return "\n-# " + text(self._locale, "stream.continues", file=ANSWER_FILENAME)
        if self._dropped:
            count = f"{self._max_chars:,}"
            return "\n-# " + text(self._locale, "stream.too_long", file=ANSWER_FILENAME, count=count)
        return "\n-# " + text(self._locale, "stream.whole", file=ANSWER_FILENAME)

    def answer_file(self) -> TextFile:
        """The whole kept text as `answer.txt` (with a last line saying if it was cut)."""
        kept = self.text
        if self._dropped:
            kept += "\n\n" + text(self._locale, "stream.cut", count=f"{self._dropped:,}") + "\n"
        return TextFile(ANSWER_FILENAME, kept.encode("utf-8", "replace"))

    async def _attach_elsewhere(self, notice: str) -> None:
        """The last message cannot be edited: send the file in a message of its own (once)."""
        self._attached = True
        try:
            await self._send_followup(notice.removeprefix("-# "), attachment=self.answer_file())
        except Exception:
            log.warning("could not send %s for the streamed answer", ANSWER_FILENAME, exc_info=True)

    async def _edit(self, message: _Message, target: str, **attachment: TextFile) -> bool:
        started = self._clock()
        message.last_edit = started
        try:
            await message.editor(target, **attachment)
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
            return False
        message.shown = target
        message.failures = 0
        return True

    async def _open_followup(self, sealed: _Message, end: int) -> bool:
        rest = self.text[end:]
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


__all__ = [
    "ANSWER_FILENAME",
    "MAX_CHARS",
    "MAX_MESSAGES",
    "MIN_EDIT_INTERVAL",
    "Editor",
    "FollowupSender",
    "StreamedText",
    "TextFile",
]
