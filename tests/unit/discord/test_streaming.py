"""StreamedText on virtual time: coalescing, spacing, overflow, finish, failures, close."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from dataclasses import dataclass

import pytest

from bot.discord.flows.streaming import ANSWER_FILENAME, FIRST_EDIT_GAP, StreamedText, TextFile

INTERVAL = 1.0
TIMEOUT = 5  # a hang must fail the test fast; nothing here waits on real time


@dataclass
class Sleeper:
    deadline: float
    future: asyncio.Future[None]

    def release(self) -> None:
        self.future.set_result(None)


class FakeTime:
    """Virtual clock. Manual: sleepers wait for the test. Autojump: sleeping advances the clock."""

    def __init__(self, *, autojump: bool) -> None:
        self.now = 0.0
        self.autojump = autojump
        self.sleepers: asyncio.Queue[Sleeper] = asyncio.Queue()

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        if self.autojump:
            self.now += max(delay, 0.0)
            await asyncio.sleep(0)  # suspend like a real sleep would
            return
        sleeper = Sleeper(self.now + delay, asyncio.get_running_loop().create_future())
        self.sleepers.put_nowait(sleeper)
        await sleeper.future

    async def next_sleeper(self) -> Sleeper:
        return await asyncio.wait_for(self.sleepers.get(), TIMEOUT)


@dataclass
class Call:
    kind: str  # "edit" or "send"
    index: int
    text: str
    at: float


class FakeMessages:
    """Message 0 exists (the deferred response); follow-ups are appended."""

    def __init__(self, timer: FakeTime, *, failing_edits: int = 0, failing_sends: int = 0) -> None:
        self.timer = timer
        self.contents = [""]
        self.attachments: dict[int, TextFile] = {}
        self.calls: list[Call] = []
        self.edits: asyncio.Queue[Call] = asyncio.Queue()
        self.failing_edits = failing_edits
        self.failing_sends = failing_sends

    def editor(self, index: int):
        async def edit(text: str, *, attachment: TextFile | None = None) -> None:
            call = Call("edit", index, text, self.timer.now)
            self.calls.append(call)
            if self.failing_edits:
                self.failing_edits -= 1
                raise RuntimeError("discord said no")
            self.contents[index] = text
            if attachment is not None:
                self.attachments[index] = attachment
            self.edits.put_nowait(call)

        return edit

    async def send_followup(self, text: str, *, attachment: TextFile | None = None):
        self.calls.append(Call("send", len(self.contents), text, self.timer.now))
        if self.failing_sends:
            self.failing_sends -= 1
            raise RuntimeError("discord said no")
        self.contents.append(text)
        if attachment is not None:
            self.attachments[len(self.contents) - 1] = attachment
        return self.editor(len(self.contents) - 1)

    async def next_edit(self) -> Call:
        return await asyncio.wait_for(self.edits.get(), TIMEOUT)

    def assert_spaced(self, interval: float) -> None:
        """Per message, every request starts ≥ interval after the previous one."""
        by_message: dict[int, list[float]] = {}
        for call in self.calls:
            by_message.setdefault(call.index, []).append(call.at)
        for times in by_message.values():
            assert all(b - a >= interval - 1e-9 for a, b in itertools.pairwise(times))


def make(timer: FakeTime, messages: FakeMessages, **kwargs) -> StreamedText:
    return StreamedText(
        messages.editor(0),
        messages.send_followup,
        min_interval=INTERVAL,
        clock=timer.clock,
        sleep=timer.sleep,
        **kwargs,
    )


async def test_hundred_deltas_become_five_spaced_edits() -> None:
    timer = FakeTime(autojump=False)
    messages = FakeMessages(timer)
    stream = make(timer, messages)
    deltas = [f"d{i} " for i in range(100)]

    stream.append(deltas[0])
    first = await messages.next_edit()
    assert (first.text, first.at) == ("d0 ", 0.0)  # the first delta shows at once

    sent = 1
    for _ in range(4):
        stream.append(deltas[sent])
        sent += 1
        sleeper = await timer.next_sleeper()  # the flusher waits for the interval...
        assert sleeper.deadline == pytest.approx(messages.calls[-1].at + INTERVAL)
        for _ in range(19):  # ...while deltas keep arriving, 50 ms apart
            timer.now += 0.05
            stream.append(deltas[sent])
            sent += 1
        timer.now = sleeper.deadline
        sleeper.release()
        edit = await messages.next_edit()
        assert edit.text == "".join(deltas[:sent])  # one edit carries all 20 deltas

    assert sent == 81
    for delta in deltas[sent:]:
        stream.append(delta)
    sleeper = await timer.next_sleeper()
    timer.autojump = True
    timer.now = sleeper.deadline
    sleeper.release()
    await asyncio.wait_for(stream.finish(), TIMEOUT)

    assert [c.kind for c in messages.calls] == ["edit"] * 6
    assert messages.contents == ["".join(deltas)]
    messages.assert_spaced(INTERVAL)


def _chat_deltas(seed: int, total: int) -> list[str]:
    rng = random.Random(seed)
    words = ["image", "of", "a", "fox", "🦊", "**bold**", "x" * 120, "\n", "\n\n", "— long"]
    deltas: list[str] = []
    while sum(map(len, deltas)) < total:
        deltas.append(
            "".join(rng.choice(words) + rng.choice([" ", "", "\n"]) for _ in range(rng.randint(1, 8)))
        )
    return deltas


@pytest.mark.parametrize("seed", range(3))
async def test_overflow_continues_in_followups(seed: int) -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages, max_messages=10)
    deltas = _chat_deltas(seed, 9000)

    async def produce() -> None:
        for delta in deltas:
            stream.append(delta)
            await timer.sleep(0.05)

    await asyncio.wait_for(produce(), TIMEOUT)
    await asyncio.wait_for(stream.finish(), TIMEOUT)

    full = "".join(deltas)
    assert len(messages.contents) >= 5
    assert all(0 < len(call.text) <= 2000 and call.text.strip() for call in messages.calls)
    assert "".join(messages.contents) == full
    assert stream.shown == messages.contents
    messages.assert_spaced(INTERVAL)


async def test_finish_adds_suffix_and_keeps_text_shown() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages)
    stream.append("Here is your ")
    assert (await messages.next_edit()).text == "Here is your "
    stream.append("fox")
    await asyncio.wait_for(stream.finish("\n⚠️ The model stopped early."), TIMEOUT)
    assert messages.contents == ["Here is your fox\n⚠️ The model stopped early."]
    with pytest.raises(RuntimeError):
        stream.append("late")


async def test_suffix_past_the_limit_goes_to_a_followup() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages)
    text = "word " * 398  # 1,990 chars
    stream.append(text)
    await asyncio.wait_for(stream.finish("\n⚠️ Stopped: the provider refused the prompt."), TIMEOUT)
    # The split prefers the newline, which stays at the end of the first message.
    assert messages.contents == [text + "\n", "⚠️ Stopped: the provider refused the prompt."]


async def test_blank_text_is_never_sent() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages)
    stream.append("  \n ")
    await asyncio.wait_for(stream.finish(), TIMEOUT)
    assert messages.calls == []

    messages = FakeMessages(timer)
    stream = make(timer, messages)
    stream.append("x" * 2000)
    stream.append("   \n  ")
    await asyncio.wait_for(stream.finish(), TIMEOUT)
    assert [c.kind for c in messages.calls] == ["edit"]


async def test_edit_errors_are_logged_and_retried(caplog: pytest.LogCaptureFixture) -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer, failing_edits=1)
    stream = make(timer, messages)
    with caplog.at_level(logging.WARNING, logger="bot.discord.flows.streaming"):
        stream.append("hello")
        await asyncio.wait_for(stream.finish(), TIMEOUT)
    assert messages.contents == ["hello"]
    assert [c.text for c in messages.calls] == ["hello", "hello"]
    messages.assert_spaced(INTERVAL)
    assert "will retry" in caplog.text


async def test_a_message_that_cannot_be_edited_is_given_up(caplog: pytest.LogCaptureFixture) -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer, failing_edits=100)
    stream = make(timer, messages, max_failures=3)
    with caplog.at_level(logging.WARNING, logger="bot.discord.flows.streaming"):
        stream.append("hello")
        await asyncio.wait_for(stream.finish(" world"), TIMEOUT)
    assert len(messages.calls) == 3
    assert "giving up" in caplog.text


async def test_failing_followups_end_the_stream_without_hanging() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer, failing_sends=100)
    stream = make(timer, messages, max_failures=2)
    stream.append("a" * 1500 + " " + "b" * 1500)
    await asyncio.wait_for(stream.finish(), TIMEOUT)
    assert [c.kind for c in messages.calls] == ["edit", "send", "send"]
    assert messages.contents == ["a" * 1500 + " "]


async def test_close_cancels_a_waiting_flusher() -> None:
    timer = FakeTime(autojump=False)
    messages = FakeMessages(timer)
    stream = make(timer, messages)
    stream.append("one ")
    await messages.next_edit()
    stream.append("two")
    sleeper = await timer.next_sleeper()
    await asyncio.wait_for(stream.close(), TIMEOUT)
    assert sleeper.future.cancelled()
    stream.append("three")  # ignored after close
    await stream.finish()  # no-op after close
    await stream.close()  # idempotent
    assert messages.contents == ["one "]
    assert len(messages.calls) == 1


async def test_close_from_elsewhere_ends_a_pending_finish() -> None:
    timer = FakeTime(autojump=False)
    messages = FakeMessages(timer)
    stream = make(timer, messages)
    stream.append("one ")
    await messages.next_edit()
    stream.append("two")
    finishing = asyncio.create_task(stream.finish())
    await timer.next_sleeper()
    await stream.close()
    await asyncio.wait_for(finishing, TIMEOUT)  # returns quietly instead of raising CancelledError
    assert messages.contents == ["one "]


async def test_context_manager_closes() -> None:
    timer = FakeTime(autojump=False)
    messages = FakeMessages(timer)
    async with make(timer, messages) as stream:
        stream.append("x")
        await messages.next_edit()
        stream.append("y")
        await timer.next_sleeper()
    assert messages.contents == ["x"]


async def _stream(stream: StreamedText, timer: FakeTime, deltas: list[str], suffix: str = "") -> None:
    async def produce() -> None:
        for delta in deltas:
            stream.append(delta)
            await timer.sleep(0.01)

    await asyncio.wait_for(produce(), TIMEOUT)
    await asyncio.wait_for(stream.finish(suffix), TIMEOUT)


@pytest.mark.parametrize("seed", range(2))
async def test_a_long_answer_uses_five_messages_and_attaches_the_whole_text(seed: int) -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages)  # the default: at most 5 messages
    deltas = _chat_deltas(seed, 300_000)
    await _stream(stream, timer, deltas)

    full = "".join(deltas)
    assert len(messages.contents) == 5
    assert [c.kind for c in messages.calls].count("send") == 4
    assert all(0 < len(call.text) <= 2000 and call.text.strip() for call in messages.calls)
    assert list(messages.attachments) == [4]  # on the last message, once
    attached = messages.attachments[4]
    assert attached.filename == ANSWER_FILENAME == "answer.txt"
    assert attached.data.decode() == full
    assert messages.contents[-1].endswith("\n-# … the whole answer is in `answer.txt`.")
    shown = "".join(messages.contents[:4]) + messages.contents[4].rsplit("\n-# ", 1)[0]
    assert full.startswith(shown.rstrip())
    assert stream.overflowed
    messages.assert_spaced(INTERVAL)


async def test_while_streaming_the_last_message_says_the_answer_continues() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages, max_messages=2)
    stream.append("a " * 1500)
    stream.append("b " * 1500)
    await messages.next_edit()
    while len(messages.contents) < 2 or "continues" not in messages.contents[-1]:
        await messages.next_edit()
    assert messages.contents[-1].endswith("it will be attached as `answer.txt`.")
    assert not messages.attachments
    await asyncio.wait_for(stream.finish(), TIMEOUT)
    assert messages.attachments[1].data.decode() == "a " * 1500 + "b " * 1500


async def test_a_huge_answer_keeps_max_chars_and_declares_the_cut() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages, max_chars=50_000)
    deltas = ["x" * 999 + "\n"] * 1000  # 1,000,000 characters
    await _stream(stream, timer, deltas, suffix="\n⚠️ stopped")

    assert len(messages.contents) == 5
    assert stream.dropped == 950_000
    assert len(stream.text) == 50_000 + len("\n⚠️ stopped")
    data = messages.attachments[4].data.decode()
    assert data.startswith("".join(deltas)[:50_000] + "\n⚠️ stopped")
    assert data.endswith("[cut: 950,000 more characters were not kept]\n")
    last = messages.contents[4]
    assert "`answer.txt` has its first 50,000 characters." in last
    assert last.endswith("\n⚠️ stopped")  # the error suffix stays visible
    assert len(last) <= 2000


async def test_a_cut_is_declared_even_when_the_kept_text_fits() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages, max_chars=100)
    await _stream(stream, timer, ["y" * 60, "z" * 60])
    assert len(messages.contents) == 1
    assert messages.contents[0].startswith("y" * 60 + "z" * 40)
    assert "first 100 characters" in messages.contents[0]
    assert messages.attachments[0].data.decode().startswith("y" * 60 + "z" * 40 + "\n\n[cut: 20 more")


async def test_when_the_last_message_cannot_be_edited_the_file_comes_on_its_own() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages, max_messages=1, max_failures=2)
    stream.append("w " * 1500)
    await messages.next_edit()
    messages.failing_edits = 100
    await asyncio.wait_for(stream.finish(), TIMEOUT)
    assert [c.kind for c in messages.calls][-1] == "send"
    assert messages.attachments[1].data.decode() == "w " * 1500
    assert "answer.txt" in messages.contents[1]


async def test_first_text_after_a_progress_edit_waits_a_quarter_second_not_an_interval() -> None:
    timer = FakeTime(autojump=False)
    messages = FakeMessages(timer)
    stream = make(timer, messages)
    timer.now = 10.0
    stream.edited_elsewhere(9.9)  # the progress text went out 100 ms before the first delta
    stream.append("hello")
    sleeper = await timer.next_sleeper()
    assert sleeper.deadline == pytest.approx(9.9 + FIRST_EDIT_GAP)  # about 150 ms from now
    timer.now = sleeper.deadline
    sleeper.release()
    first = await messages.next_edit()
    assert (first.text, first.at) == ("hello", pytest.approx(10.15))
    stream.append(" world")
    sleeper = await timer.next_sleeper()
    assert sleeper.deadline == pytest.approx(first.at + INTERVAL)  # later edits keep the interval
    await stream.close()


async def test_the_notes_about_the_attached_answer_are_in_the_readers_language() -> None:
    timer = FakeTime(autojump=True)
    messages = FakeMessages(timer)
    stream = make(timer, messages, max_chars=100, locale="de")
    await _stream(stream, timer, ["y" * 60, "z" * 60])
    assert "die Antwort war zu lang: `answer.txt` enthält ihre ersten 100 Zeichen." in messages.contents[0]
    assert (
        messages.attachments[0]
        .data.decode()
        .endswith("[gekürzt: 20 weitere Zeichen wurden nicht behalten]\n")
    )
