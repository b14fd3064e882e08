"""Server-sent events decoded from raw byte chunks.

Modelled on openai-python's `SSEDecoder`, with two differences that matter here: a streamed
image is a single `data:` line of many megabytes (aiohttp's line reader gives up at 512 KiB,
so we never use it), and an event is bounded by `max_event_bytes` so a runaway stream cannot
exhaust memory. Line ends may be LF, CRLF or CR, split anywhere across chunks; a UTF-8 byte
order mark at the very start of the stream is dropped (the spec's one leading U+FEFF).

Given a `sink` factory, an event whose data grows past `STREAM_LINE_BYTES` is not buffered at
all: its data (earlier lines, the newlines between them, and the big line piece by piece as
its chunks arrive) is fed straight into a sink (the chat stream's image extractor, which
decodes base64 as it comes), and the event is dispatched with that sink instead of the bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from bot.gateway.errors import BadResponseError

_LF = 0x0A
_CR = 0x0D
_COLON = 0x3A
_SPACE = 0x20
_BOM = b"\xef\xbb\xbf"
STREAM_LINE_BYTES = 64 * 1024
"""A `data` value this long goes to the sink (when there is one) instead of a buffer."""


class DataSink(Protocol):
    """Where a big event's data goes (see `SSEDecoder`)."""

    def feed(self, data: bytes | bytearray, start: int = 0, stop: int | None = None) -> None:
        """Consume `data[start:stop]` (the sink must not keep a reference to `data`)."""

    def feed_run(self, data: bytes | bytearray, start: int, stop: int) -> int:
        """Consume a leading part of `data[start:stop]` that holds no line end; return its end.

        Optional work for the sink (return `start` to decline): a part it can vouch for (the
        extractor: base64, validated as it is decoded) is not scanned for line ends.
        """

    def discard(self) -> None:
        """Drop everything fed so far (the event was cut short or the stream failed)."""


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event.

    The data stays bytes (`raw`): a streamed image is one multi-megabyte line, and turning it
    into a `str` before parsing would only add a copy. `data` decodes it when text is wanted.

    Attributes:
        event: The `event:` field, None when absent.
        raw: The `data:` lines joined with newlines, as bytes.
        id: The last `id:` seen on the stream (it persists across events, as the spec says).
        retry: The `retry:` field in milliseconds, when given.
        sink: The sink that took the data instead of `raw` (then `raw` is empty).
    """

    event: str | None = None
    raw: bytes | bytearray = b""
    id: str | None = None
    retry: int | None = None
    sink: DataSink | None = None

    @property
    def data(self) -> str:
        """The data as text.

        Raises:
            BadResponseError: The data is not UTF-8.
        """
        return _text(self.raw, 0, len(self.raw))

    def json(self) -> Any:
        """Parse the data as JSON.

        Raises:
            BadResponseError: The data is not valid JSON.
        """
        try:
            return orjson.loads(self.raw)
        except orjson.JSONDecodeError as exc:
            raise BadResponseError("stream event is not valid JSON") from exc


class SSEDecoder:
    """Incremental decoder: feed byte chunks, get complete events.

    Complete lines inside a chunk are sliced straight from the chunk; only the unfinished
    tail is copied into a buffer, so a 20 MB line arriving in small chunks costs one
    amortised append per chunk (no rescans, no re-copies of the buffer).

    Args:
        max_event_bytes: Upper bound on the bytes of one event (all its lines together).
        sink: Makes a sink for an event whose data reaches `stream_line_bytes`; None: buffer.
        stream_line_bytes: How long a data value grows before it goes to the sink.
    """

    def __init__(
        self,
        *,
        max_event_bytes: int,
        sink: Callable[[], DataSink] | None = None,
        stream_line_bytes: int = STREAM_LINE_BYTES,
    ) -> None:
        self._max_event_bytes = max_event_bytes
        self._stream_line_bytes = stream_line_bytes
        self._new_sink = sink
        self._sink: DataSink | None = None  # the current event's data goes here
        self._sink_line = False  # inside a data line being streamed into the sink
        self._buffer = bytearray()  # the unfinished line carried over from earlier chunks
        self._skip_lf = False  # last chunk ended with CR: a leading LF belongs to that line end
        self._first_line = True  # the stream's first line: a leading BOM is dropped from it
        self._event: str | None = None
        self._data: list[bytes | bytearray] = []
        self._last_id: str | None = None
        self._retry: int | None = None
        self._pending = False  # a field was seen since the last dispatch
        self._event_bytes = 0

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:  # noqa: C901 - one pass over the bytes: the hot loop stays inline
        """Consume one chunk and return the events it completed.

        Raises:
            BadResponseError: An event exceeds `max_event_bytes` or a line is not UTF-8.
        """
        events: list[ServerSentEvent] = []
        size = len(chunk)
        pos = 0
        if self._skip_lf and size:
            self._skip_lf = False
            if chunk[0] == _LF:
                pos = 1
        if self._sink_line and size:  # a streamed line goes on (it did not end in CR: no LF to skip)
            pos = self._stream_run(chunk, size)
        # Remember where each terminator was last found: searching again only when the scan
        # has passed it keeps a chunk with many short lines linear even when one of CR/LF
        # never occurs (each failed search would otherwise rescan to the end of the chunk).
        next_lf = chunk.find(b"\n", pos)
        next_cr = chunk.find(b"\r", pos)
        while next_lf >= 0 or next_cr >= 0:
            end = next_lf if next_cr < 0 or (0 <= next_lf < next_cr) else next_cr
            if self._sink_line:
                self._stream(chunk, pos, end)
                self._sink_line = False
                event = None
            elif self._buffer:
                self._buffer += memoryview(chunk)[pos:end]
                self._check_size(len(self._buffer))
                event = self._line(self._buffer, 0, len(self._buffer))
                self._buffer = bytearray()
            else:
                self._check_size(end - pos)
                event = self._line(chunk, pos, end)
            if event is not None:
                events.append(event)
            pos = end + 1
            if end == next_cr:
                if pos == size:
                    self._skip_lf = True
                elif chunk[pos] == _LF:
                    pos += 1
            if 0 <= next_lf < pos:
                next_lf = chunk.find(b"\n", pos)
            if 0 <= next_cr < pos:
                next_cr = chunk.find(b"\r", pos)
        if pos < size:
            if self._sink_line:
                self._stream(chunk, pos, size)
            else:
                self._buffer += memoryview(chunk)[pos:]
                self._check_size(len(self._buffer))
                if self._new_sink is not None and len(self._buffer) >= self._stream_line_bytes:
                    self._stream_buffer()
        return events

    @property
    def pending_bytes(self) -> int:
        """Bytes of the event being read (complete lines plus the unfinished one)."""
        return self._event_bytes + len(self._buffer)

    @property
    def streaming(self) -> bool:
        """Whether a data line is being fed into a sink (big chunks are on their way)."""
        return self._sink_line

    @property
    def sink(self) -> DataSink | None:
        """The sink taking the current event's data, if it has one yet."""
        return self._sink

    def close(self) -> None:
        """Drop a half-fed sink (after an error or when the consumer stops early)."""
        sink, self._sink, self._sink_line = self._sink, None, False
        if sink is not None:
            sink.discard()

    def _stream(self, chunk: bytes | bytearray, start: int, stop: int) -> None:
        """Feed a piece of the line being streamed into the sink."""
        self._event_bytes += stop - start
        if self._event_bytes > self._max_event_bytes:
            raise BadResponseError(f"stream event larger than {self._max_event_bytes} bytes")
        assert self._sink is not None
        self._sink.feed(chunk, start, stop)

    def _stream_run(self, chunk: bytes, stop: int) -> int:
        """Let the sink take what it vouches holds no line end, from the chunk's start on.

        Returns:
            Where the sink stopped.
        """
        assert self._sink is not None
        room = self._max_event_bytes - self._event_bytes  # never past the cap: `_stream` raises
        end = self._sink.feed_run(chunk, 0, min(stop, room))
        self._event_bytes += end
        return end

    def _stream_buffer(self) -> None:
        """The carried line reached `stream_line_bytes`: if it is `data`, stream it from now on."""
        buf = self._buffer
        start = len(_BOM) if self._first_line and buf.startswith(_BOM) else 0
        if not buf.startswith(b"data:", start):
            return  # a comment or another field: buffered (under the size cap) as usual
        if len(buf) < start + 6:
            return  # whether a space follows the colon (and is dropped) is not known yet
        value_start = start + (6 if buf[start + 5] == _SPACE else 5)
        self._first_line = False
        self._event_bytes += len(buf)
        self._sink_for_line().feed(buf, value_start)
        self._buffer = bytearray()
        self._sink_line = True
        self._pending = True

    def _sink_for_line(self) -> DataSink:
        """The event's sink, ready for a new data line (earlier lines and the newline fed)."""
        if self._sink is None:
            assert self._new_sink is not None
            self._sink = self._new_sink()
            lines, self._data = self._data, []
            for line in lines:
                self._sink.feed(line)
                self._sink.feed(b"\n")
        else:
            self._sink.feed(b"\n")
        return self._sink

    def finish(self) -> list[ServerSentEvent]:
        """Flush at end of stream.

        An event whose lines were all complete but lacked the closing blank line is still
        dispatched (some servers omit it after the last event); an event cut mid-line is
        discarded whole, as the connection evidently dropped inside it. The stream is over: the
        decoder is not fed again.
        """
        truncated = bool(self._buffer) or self._sink_line
        self._buffer = bytearray()
        if truncated:
            self.close()
            self._event, self._data, self._retry, self._pending = None, [], None, False
        event = self._dispatch()
        return [event] if event is not None else []

    def _check_size(self, line_bytes: int) -> None:
        if self._event_bytes + line_bytes > self._max_event_bytes:
            raise BadResponseError(f"stream event larger than {self._max_event_bytes} bytes")

    def _line(self, buf: bytes | bytearray, start: int, end: int) -> ServerSentEvent | None:
        if self._first_line:
            self._first_line = False
            if buf.startswith(_BOM):  # the first line starts its chunk (or the carried buffer)
                start = len(_BOM)
        if start == end:
            return self._dispatch()
        self._event_bytes += end - start
        if buf[start] == _COLON:
            return None  # comment / keep-alive
        colon = buf.find(b":", start, end)
        if colon == -1:
            colon = end  # a field name alone: its value is empty
        value_start = min(colon + 1, end)
        if value_start < end and buf[value_start] == _SPACE:
            value_start += 1
        name = buf[start:colon]  # bytes: the known names are ASCII, nothing to decode
        if name == b"data":
            if self._sink is not None or (
                self._new_sink is not None and end - value_start >= self._stream_line_bytes
            ):
                self._sink_for_line().feed(buf, value_start, end)
            elif buf is self._buffer:
                # Take the carried-over buffer (always this whole line) as it is: dropping its
                # head only moves the start offset, so a multi-megabyte line is never copied.
                del buf[:value_start]
                self._data.append(buf)
            else:
                self._data.append(buf[value_start:end])
        elif name == b"event":
            self._event = _text(buf, value_start, end)
        elif name == b"id":
            value = _text(buf, value_start, end)
            if "\0" not in value:
                self._last_id = value
        elif name == b"retry":
            value = _text(buf, value_start, end)
            if value.isascii() and value.isdigit():
                self._retry = int(value)
        else:
            _text(buf, start, colon)  # an unknown field is ignored (no event), but must be UTF-8
            return None
        self._pending = True
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        self._event_bytes = 0
        if not self._pending:
            return None
        sink, self._sink = self._sink, None
        if sink is not None:
            event = ServerSentEvent(event=self._event, id=self._last_id, retry=self._retry, sink=sink)
        else:
            data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
            event = ServerSentEvent(event=self._event, raw=data, id=self._last_id, retry=self._retry)
        self._event, self._data, self._retry, self._pending = None, [], None, False
        return event


def _text(buf: bytes | bytearray, start: int, end: int) -> str:
    try:
        return str(memoryview(buf)[start:end], "utf-8")
    except UnicodeDecodeError as exc:
        raise BadResponseError("stream line is not valid UTF-8") from exc


class LargeEventGate(Protocol):
    """Admits a limited number of large events at once (`ImageBudget` is one)."""

    large_event_bytes: int

    async def acquire_large_event(self) -> None:
        """Wait for a slot."""

    def release_large_event(self) -> None:
        """Give the slot back."""


class LargeEventHold:
    """One stream's place at a `LargeEventGate`: taken while its decoder is inside a big event.

    Args:
        gate: The gate; ``None`` makes every call a no-op.
    """

    __slots__ = ("_gate", "_holding")

    def __init__(self, gate: LargeEventGate | None) -> None:
        self._gate = gate
        self._holding = False

    def settled(self, pending_bytes: int) -> bool:
        """Whether `update(pending_bytes)` would do nothing (so a hot loop need not await it)."""
        gate = self._gate
        return gate is None or (pending_bytes > gate.large_event_bytes) == self._holding

    async def update(self, pending_bytes: int) -> None:
        """Take the place once the event being read grows large; give it back once it ends."""
        gate = self._gate
        if gate is None:
            return
        large = pending_bytes > gate.large_event_bytes
        if large and not self._holding:
            await gate.acquire_large_event()
            self._holding = True
        elif self._holding and not large:
            gate.release_large_event()
            self._holding = False

    def release(self) -> None:
        """Give the place back, if held (the stream ended or was abandoned)."""
        if self._holding and self._gate is not None:
            self._gate.release_large_event()
            self._holding = False


async def iter_sse(
    chunks: AsyncIterable[bytes], *, max_event_bytes: int, gate: LargeEventGate | None = None
) -> AsyncIterator[ServerSentEvent]:
    """Yield the events of a byte stream (e.g. `bot.gateway.fetch.body_pieces(resp.content)`).

    Args:
        chunks: Raw body chunks of any size, split anywhere.
        max_event_bytes: Upper bound on one event's size.
        gate: When given, an event growing past `gate.large_event_bytes` (a streamed image) is
            read on only once the gate admits it, and the slot is held until the event has
            been consumed: the process holds only a few multi-megabyte events at once, and the
            others wait with the socket unread (TCP pushes back on the gateway).

    Raises:
        BadResponseError: An event exceeds `max_event_bytes` or is not UTF-8.
    """
    decoder = SSEDecoder(max_event_bytes=max_event_bytes)
    hold = LargeEventHold(gate)
    try:
        async for chunk in chunks:
            for event in decoder.feed(chunk):
                yield event
            await hold.update(decoder.pending_bytes)
        for event in decoder.finish():
            yield event
    finally:
        hold.release()
