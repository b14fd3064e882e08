"""SSE decoder: openai-python's cases, every split position, CR/CRLF, huge lines, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import pytest

from bot.gateway.errors import BadResponseError
from bot.gateway.sse import LargeEventHold, ServerSentEvent, SSEDecoder, iter_sse

LIMIT = 64 * 2**20


def ev(*, data: str, **fields: object) -> ServerSentEvent:
    return ServerSentEvent(raw=data.encode(), **fields)  # type: ignore[arg-type]


def decode(chunks: Iterable[bytes], limit: int = LIMIT) -> list[ServerSentEvent]:
    decoder = SSEDecoder(max_event_bytes=limit)
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.finish()


# --- openai-python's test list (tests/test_streaming.py) ------------------------------------


def test_basic() -> None:
    events = decode([b"event: completion\n", b'data: {"foo":true}\n', b"\n"])
    assert [(e.event, e.json()) for e in events] == [("completion", {"foo": True})]


def test_data_missing_event() -> None:
    events = decode([b'data: {"foo":true}\n', b"\n"])
    assert [(e.event, e.json()) for e in events] == [(None, {"foo": True})]


def test_event_missing_data() -> None:
    events = decode([b"event: ping\n", b"\n"])
    assert [(e.event, e.data) for e in events] == [("ping", "")]


def test_multiple_events() -> None:
    events = decode([b"event: ping\n", b"\n", b"event: completion\n", b"\n"])
    assert [(e.event, e.data) for e in events] == [("ping", ""), ("completion", "")]


def test_multiple_events_with_data() -> None:
    chunks = [
        b"event: ping\n",
        b'data: {"foo":true}\n',
        b"\n",
        b"event: completion\n",
        b'data: {"bar":false}\n',
    ]
    events = decode([*chunks, b"\n"])
    assert [(e.event, e.json()) for e in events] == [("ping", {"foo": True}), ("completion", {"bar": False})]


def test_multiple_data_lines_with_empty_line() -> None:
    chunks = [
        b"event: ping\n",
        b"data: {\n",
        b'data: "foo":\n',
        b"data: \n",
        b"data:\n",
        b"data: true}\n",
        b"\n\n",
    ]
    (event,) = decode(chunks)
    assert event.data == '{\n"foo":\n\n\ntrue}'
    assert event.json() == {"foo": True}


def test_data_json_escaped_double_new_line() -> None:
    (event,) = decode([b"event: ping\n", b'data: {"foo": "my long\\n\\ncontent"}', b"\n\n"])
    assert event.json() == {"foo": "my long\n\ncontent"}


def test_special_new_line_character() -> None:
    chunks = [b'data: {"content":" culpa"}\n', b"\n", b'data: {"content":" \xe2\x80\xa8"}\n', b"\n"]
    events = decode([*chunks, b'data: {"content":"foo"}\n', b"\n"])
    assert [e.json()["content"] for e in events] == [" culpa", " \u2028", "foo"]


def test_multi_byte_character_multiple_chunks() -> None:
    chunks = [
        b'data: {"content":"',
        b"\xd0",
        b"\xb8\xd0\xb7\xd0",
        b"\xb2\xd0\xb5\xd1\x81\xd1\x82\xd0\xbd\xd0\xb8",
    ]
    (event,) = decode([*chunks, b'"}\n', b"\n"])
    assert event.json() == {"content": "известни"}


# --- fields, comments, line ends ----------------------------------------------------------

STREAM = (
    b": keep-alive\r\n\r\n"
    b"event: message\r\nid: 7\r\nretry: 1500\r\n"
    b'data: {"a":\r\ndata:1}\r\n\r\n'
    b"data:no-space\n\n"
    b"data: cr-only\r\rdata:  two spaces\r\n\r\n"
    b": comment between\n"
    b"unknown: field\n"
    b"data\n\n"
    b"data: [DONE]\n\n"
)
EXPECTED = [
    ev(event="message", data='{"a":\n1}', id="7", retry=1500),
    ev(data="no-space", id="7"),
    ev(data="cr-only", id="7"),
    ev(data=" two spaces", id="7"),
    ev(data="", id="7"),
    ev(data="[DONE]", id="7"),
]


def test_whole_stream_in_one_chunk() -> None:
    assert decode([STREAM]) == EXPECTED


@pytest.mark.parametrize("position", range(1, len(STREAM)))
def test_split_at_every_position(position: int) -> None:
    assert decode([STREAM[:position], STREAM[position:]]) == EXPECTED


def test_one_byte_chunks() -> None:
    assert decode([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


def test_crlf_split_between_cr_and_lf_is_one_line_end() -> None:
    events = decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"])
    assert events == [ev(data="a\nb")]


def test_cr_at_chunk_end_followed_by_data_is_a_line_end() -> None:
    events = decode([b"data: a\r", b"data: b\r\r"])
    assert events == [ev(data="a\nb")]


def test_empty_chunks_are_harmless() -> None:
    assert decode([b"", b"data: x\r", b"", b"\n", b"", b"\n", b""]) == [ev(data="x")]


def test_comment_only_stream_has_no_events() -> None:
    assert decode([b": ping\n\n: ping\r\n\r\n:\n\n"]) == []


def test_id_with_nul_is_ignored_and_id_persists() -> None:
    events = decode([b"id: 1\ndata: a\n\nid: x\x00y\ndata: b\n\n"])
    assert [e.id for e in events] == ["1", "1"]


def test_bad_retry_is_ignored() -> None:
    (event,) = decode([b"retry: soon\ndata: a\n\n"])
    assert event.retry is None


def test_event_cut_mid_line_is_discarded() -> None:
    assert decode([b'data: {"a":1}\n', b'data: {"trunc']) == []
    decoder = SSEDecoder(max_event_bytes=LIMIT)
    decoder.feed(b"event: e\ndata: trunc")
    assert decoder.finish() == []
    assert decoder.pending_bytes == 0  # the cut line is let go


def test_complete_event_without_closing_blank_line_is_flushed() -> None:
    assert decode([b'data: {"a":1}\n\ndata: [DONE]\n']) == [
        ev(data='{"a":1}'),
        ev(data="[DONE]"),
    ]


def test_invalid_json_raises_bad_response() -> None:
    (event,) = decode([b"data: {nope\n\n"])
    with pytest.raises(BadResponseError, match=r"^stream event is not valid JSON$"):
        event.json()


def test_invalid_utf8_raises_bad_response() -> None:
    (event,) = decode([b"data: \xff\xfe\n\n"])
    with pytest.raises(BadResponseError, match=r"^stream line is not valid UTF-8$"):
        _ = event.data
    with pytest.raises(BadResponseError):
        event.json()


def test_invalid_utf8_in_a_field_name_raises() -> None:
    with pytest.raises(BadResponseError, match="UTF-8"):
        decode([b"\xffdata: x\n\n"])


def test_big_carried_line_is_handed_over_without_copying() -> None:
    decoder = SSEDecoder(max_event_bytes=LIMIT)
    decoder.feed(b"data: " + b"x" * 100_000)
    carried = decoder._buffer
    (event,) = decoder.feed(b"y\n\n")
    assert event.raw is carried  # the decoder's own buffer, minus the field name
    assert event.raw == b"x" * 100_000 + b"y"


# --- size: huge lines, limits, linear work --------------------------------------------------


class ScanCountingBytes(bytes):
    """Bytes whose `find` adds the bytes it reads to `scanned`: linearity as a count, not a time."""

    scanned: list[int]

    def find(self, sub, start=None, end=None, /):  # type: ignore[override]
        found = super().find(sub, start, end)
        begin = 0 if start is None else start
        stop = (len(self) if end is None else end) if found < 0 else found + len(sub)
        self.scanned[0] += max(stop - begin, 0)  # a search reads up to its match (or the end)
        return found


def counting_chunks(stream: bytes, size: int, scanned: list[int]) -> Iterable[bytes]:
    for i in range(0, len(stream), size):
        chunk = ScanCountingBytes(stream[i : i + size])
        chunk.scanned = scanned
        yield chunk


def test_twenty_megabyte_line_in_small_chunks_is_linear() -> None:
    payload = b"A" * (20 * 2**20)
    stream = b"data: " + payload + b"\n\n"
    scanned = [0]
    # 5,120 chunks: re-copying or rescanning the carried line per chunk would be quadratic.
    events = decode(counting_chunks(stream, 4096, scanned))
    assert len(events) == 1
    assert len(events[0].data) == len(payload)
    assert scanned[0] <= 3 * len(stream)  # each byte searched a bounded number of times


def test_many_short_lines_in_one_chunk_are_linear() -> None:
    stream = b"data: x\n\n" * 200_000  # LF only: a naive CR search per line rescans the chunk
    scanned = [0]
    events = decode(counting_chunks(stream, len(stream), scanned))
    assert len(events) == 200_000
    assert scanned[0] <= 3 * len(stream)  # a rescan per line would be ~200,000 × the chunk


def test_five_megabyte_data_url_line() -> None:
    url = "data:image/png;base64," + "iVBORw0KGgo" * (5 * 2**20 // 11)
    stream = b'data: {"url":"' + url.encode() + b'"}\r\n\r\ndata: [DONE]\r\n\r\n'
    events = decode(stream[i : i + 65536] for i in range(0, len(stream), 65536))
    assert events[0].json()["url"] == url
    assert events[1].data == "[DONE]"


def test_event_over_limit_raises_before_the_line_ends() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    decoder.feed(b"data: " + b"x" * 900)
    with pytest.raises(BadResponseError, match="1000"):
        decoder.feed(b"x" * 200)  # no newline yet: the buffer alone is over the limit


def test_event_over_limit_across_lines_raises() -> None:
    with pytest.raises(BadResponseError):
        decode([b"data: " + b"x" * 600 + b"\ndata: " + b"y" * 600 + b"\n\n"], limit=1000)


def test_limit_is_per_event() -> None:
    events = decode([(b"data: " + b"x" * 600 + b"\n\n") * 5], limit=1000)
    assert len(events) == 5


async def test_iter_sse_over_async_chunks() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(STREAM), 5):
            yield STREAM[i : i + 5]

    assert [event async for event in iter_sse(chunks(), max_event_bytes=LIMIT)] == EXPECTED


# --- big data lines streamed into a sink, never buffered whole -------------------------------


class RecordingSink:
    """Collects what the decoder feeds it, piece by piece."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.discarded = False

    def feed(self, data: bytes | bytearray, start: int = 0, stop: int | None = None) -> None:
        self.pieces.append(bytes(data[start:stop]))

    def feed_run(self, data: bytes | bytearray, start: int, stop: int) -> int:
        return start  # vouches for nothing: every byte goes through the decoder's scan

    def discard(self) -> None:
        self.discarded = True

    @property
    def data(self) -> bytes:
        return b"".join(self.pieces)


class RunSink(RecordingSink):
    """Vouches for the letters a piece begins with (letters are no line end), as the extractor
    vouches for base64."""

    def __init__(self) -> None:
        super().__init__()
        self.runs = 0

    def feed_run(self, data: bytes | bytearray, start: int, stop: int) -> int:
        end = start
        while end < stop and data[end : end + 1].isalpha():
            end += 1
        if end > start:
            self.pieces.append(bytes(data[start:end]))
            self.runs += 1
        return end


def decode_with_sinks(
    chunks: Iterable[bytes],
    *,
    line_bytes: int = 4,
    limit: int = LIMIT,
    kind: type[RecordingSink] = RecordingSink,
) -> tuple[list[ServerSentEvent], list[RecordingSink]]:
    sinks: list[RecordingSink] = []

    def new_sink() -> RecordingSink:
        sinks.append(kind())
        return sinks[-1]

    decoder = SSEDecoder(max_event_bytes=limit, sink=new_sink, stream_line_bytes=line_bytes)
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.finish(), sinks


def as_buffered(events: list[ServerSentEvent]) -> list[ServerSentEvent]:
    """The events as the buffering decoder would have given them (sink data back in `raw`)."""
    return [
        ServerSentEvent(event=e.event, raw=e.sink.data, id=e.id, retry=e.retry)  # type: ignore[union-attr]
        if e.sink is not None
        else e
        for e in events
    ]


def test_sink_gets_the_same_data_whole() -> None:
    events, sinks = decode_with_sinks([STREAM])
    assert as_buffered(events) == EXPECTED
    assert len(sinks) == 5  # every data value of 4 bytes or more; only the empty one stays bytes
    assert not any(sink.discarded for sink in sinks)


@pytest.mark.parametrize("position", range(1, len(STREAM)))
def test_sink_split_at_every_position(position: int) -> None:
    events, _ = decode_with_sinks([STREAM[:position], STREAM[position:]])
    assert as_buffered(events) == EXPECTED


def test_sink_one_byte_chunks() -> None:
    events, _ = decode_with_sinks(STREAM[i : i + 1] for i in range(len(STREAM)))
    assert as_buffered(events) == EXPECTED


@pytest.mark.parametrize("position", range(1, len(STREAM)))
def test_runs_vouched_for_by_the_sink_split_at_every_position(position: int) -> None:
    events, _ = decode_with_sinks([STREAM[:position], STREAM[position:]], kind=RunSink)
    assert as_buffered(events) == EXPECTED


def test_runs_vouched_for_by_the_sink_one_byte_chunks() -> None:
    events, sinks = decode_with_sinks((STREAM[i : i + 1] for i in range(len(STREAM))), kind=RunSink)
    assert as_buffered(events) == EXPECTED
    assert sum(sink.runs for sink in sinks if isinstance(sink, RunSink)) > 5  # runs were taken


def test_a_run_is_not_scanned_but_the_line_still_ends_after_it() -> None:
    decoder = SSEDecoder(max_event_bytes=LIMIT, sink=RunSink, stream_line_bytes=1024)
    assert decoder.feed(b"data: " + b"A" * 2000) == []
    assert decoder.feed(b"B" * 5000) == []  # the whole chunk is one run
    assert decoder.feed(b"CC") == []
    (event,) = decoder.feed(b"DD\r\n\r\ndata: [DONE]\n\n")[:1]
    assert isinstance(event.sink, RunSink)
    assert event.sink.data == b"A" * 2000 + b"B" * 5000 + b"CCDD"
    assert event.sink.runs == 3  # the chunks after the first streamed piece
    assert decoder.pending_bytes == 0


def test_a_run_stops_at_the_event_limit() -> None:
    decoder = SSEDecoder(max_event_bytes=1000, sink=RunSink, stream_line_bytes=16)
    decoder.feed(b"data: " + b"x" * 900)
    with pytest.raises(BadResponseError, match="1000"):
        decoder.feed(b"x" * 200)
    assert len(decoder.sink.data) <= 1000 - len(b"data: ")  # type: ignore[union-attr]


def test_big_line_reaches_the_sink_before_it_ends() -> None:
    decoder = SSEDecoder(max_event_bytes=LIMIT, sink=RecordingSink, stream_line_bytes=1024)
    assert decoder.feed(b"data: " + b"A" * 2000) == []
    assert decoder.streaming
    assert decoder.feed(b"B" * 5000) == []
    assert decoder._buffer == b""  # nothing of the line is held by the decoder itself
    (event,) = decoder.feed(b"C\r\n\r\n")
    assert isinstance(event.sink, RecordingSink)
    assert event.sink.data == b"A" * 2000 + b"B" * 5000 + b"C"
    assert len(event.sink.pieces) == 3  # one piece per chunk: streamed, not joined
    assert event.raw == b""
    assert decoder.streaming is False


def test_twenty_megabyte_line_streams_in_small_chunks() -> None:
    payload = b"A" * (20 * 2**20)
    stream = b"data: " + payload + b"\n\ndata: [DONE]\n\n"
    events, sinks = decode_with_sinks(
        (stream[i : i + 4096] for i in range(0, len(stream), 4096)), line_bytes=65536
    )
    assert len(sinks) == 1
    assert sinks[0].data == payload
    assert events[1].raw == b"[DONE]"


def test_comment_lines_are_never_streamed() -> None:
    events, sinks = decode_with_sinks([b": " + b"x" * 100, b"x\n", b"data: ok\n\n"], line_bytes=16)
    assert sinks == []
    assert [e.raw for e in events] == [b"ok"]


def test_line_cut_by_the_end_of_stream_is_discarded() -> None:
    events, sinks = decode_with_sinks([b"data: " + b"x" * 100], line_bytes=16)
    assert events == []
    assert sinks[0].discarded


def test_streamed_event_over_limit_raises_before_the_line_ends() -> None:
    decoder = SSEDecoder(max_event_bytes=1000, sink=RecordingSink, stream_line_bytes=16)
    decoder.feed(b"data: " + b"x" * 900)
    with pytest.raises(BadResponseError, match="1000"):
        decoder.feed(b"x" * 200)


def test_close_discards_a_half_fed_sink() -> None:
    made: list[RecordingSink] = []
    decoder = SSEDecoder(
        max_event_bytes=LIMIT, sink=lambda: made.append(RecordingSink()) or made[-1], stream_line_bytes=16
    )
    decoder.feed(b"data: " + b"x" * 100)
    decoder.close()
    assert made[0].discarded
    assert not decoder.streaming
    assert decoder.sink is None


# --- the large-event gate ---------------------------------------------------------------------


class CountingGate:
    """A `LargeEventGate` that records how its slot is taken and given back."""

    def __init__(self, large_event_bytes: int) -> None:
        self.large_event_bytes = large_event_bytes
        self.log: list[str] = []

    async def acquire_large_event(self) -> None:
        self.log.append("acquire")

    def release_large_event(self) -> None:
        self.log.append("release")


async def test_hold_is_taken_once_past_the_threshold_and_given_back_once() -> None:
    gate = CountingGate(large_event_bytes=10)
    hold = LargeEventHold(gate)
    await hold.update(10)  # not past it
    assert gate.log == []
    await hold.update(11)
    await hold.update(50)  # still large: no second acquire
    assert gate.log == ["acquire"]
    await hold.update(10)  # the event ended
    await hold.update(0)
    assert gate.log == ["acquire", "release"]
    hold.release()  # nothing held: nothing given back
    assert gate.log == ["acquire", "release"]
    await hold.update(11)
    hold.release()
    hold.release()
    assert gate.log == ["acquire", "release", "acquire", "release"]
    assert hold.settled(0)  # released: a small event has nothing to do


async def test_hold_without_a_gate_does_nothing() -> None:
    hold = LargeEventHold(None)
    await hold.update(10**9)
    hold.release()


async def test_iter_sse_holds_the_gate_while_a_big_event_is_read() -> None:
    gate = CountingGate(large_event_bytes=8)
    seen: list[tuple[str, list[str]]] = []

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in (b"data: small\n\n", b"data: a big one", b" arrives\n", b"\n", b"data: x\n\n"):
            yield chunk

    async for event in iter_sse(chunks(), max_event_bytes=LIMIT, gate=gate):
        seen.append((event.data, list(gate.log)))
    assert seen == [
        ("small", []),
        ("a big one arrives", ["acquire"]),  # held while the event is consumed
        ("x", ["acquire", "release"]),
    ]


async def test_iter_sse_gives_the_gate_back_when_the_consumer_stops() -> None:
    gate = CountingGate(large_event_bytes=8)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"data: a big one arrives"
        yield b"\n\n"

    stream = iter_sse(chunks(), max_event_bytes=LIMIT, gate=gate)
    async for _ in stream:
        break
    await stream.aclose()
    assert gate.log == ["acquire", "release"]


def test_pending_bytes_count_the_event_being_read() -> None:
    decoder = SSEDecoder(max_event_bytes=LIMIT)
    assert decoder.streaming is False
    decoder.feed(b"event: e\ndata: ab")
    assert decoder.pending_bytes == len(b"event: e") + len(b"data: ab")
    decoder.feed(b"c\n\n")
    assert decoder.pending_bytes == 0
    assert not decoder.streaming


def test_an_event_exactly_at_the_limit_is_allowed() -> None:
    line = b"data: " + b"x" * 10
    assert decode([line + b"\n\n"], limit=len(line)) == [ev(data="x" * 10)]
    with pytest.raises(BadResponseError, match=f"larger than {len(line) - 1} bytes"):
        decode([line + b"\n\n"], limit=len(line) - 1)
    with pytest.raises(BadResponseError):
        decode([line, b"\n\n"], limit=len(line) - 1)  # carried over a chunk boundary


def test_fields_without_a_colon_or_a_space() -> None:
    assert decode([b"data\n\n"]) == [ev(data="")]
    assert decode([b"data:x\n\n"]) == [ev(data="x")]
    assert decode([b"data:  two spaces\n\n"]) == [ev(data=" two spaces")]
    assert decode([b"event:e\ndata\n\n"]) == [ev(data="", event="e")]
    assert decode([b"retry: 1500\ndata: a\n\n"]) == [ev(data="a", retry=1500)]
    assert decode([b"retry: \xd9\xa1\ndata: a\n\n"]) == [ev(data="a")]  # a non-ASCII digit
    assert decode([b"unknown: 1\n\n"]) == []  # an unknown field makes no event


def test_retry_and_event_do_not_carry_over_but_id_does() -> None:
    events = decode([b"id: 7\nevent: e\nretry: 10\ndata: a\n\ndata: b\n\n"])
    assert events == [ev(data="a", id="7", event="e", retry=10), ev(data="b", id="7")]


def test_a_line_reaching_the_stream_threshold_goes_to_the_sink() -> None:
    events, sinks = decode_with_sinks([b"data: abc\n\ndata: abcd\n\n"], line_bytes=4)
    assert [e.sink is not None for e in events] == [False, True]
    assert [s.data for s in sinks] == [b"abcd"]
    events, sinks = decode_with_sinks([b"data: abc", b"d", b"e\n\n"], line_bytes=4)
    assert as_buffered(events) == [ev(data="abcde")]
    assert len(sinks) == 1


def test_sink_is_the_current_events_sink_until_it_is_dispatched() -> None:
    decoder = SSEDecoder(max_event_bytes=LIMIT, sink=RecordingSink, stream_line_bytes=32)
    assert decoder.feed(b"data: short") == []
    assert decoder.sink is None  # still buffered: under the streaming threshold
    decoder.feed(b" but now long enough to stream")
    sink = decoder.sink
    assert isinstance(sink, RecordingSink)
    [event] = decoder.feed(b"\n\n")
    assert event.sink is sink
    assert decoder.sink is None


def test_a_carried_line_streams_as_soon_as_it_reaches_the_threshold() -> None:
    # The whole carried line (field name included) counts: 16 bytes here, at a chunk's end.
    below = SSEDecoder(max_event_bytes=LIMIT, sink=RecordingSink, stream_line_bytes=16)
    assert below.feed(b"data: 012345678") == []
    assert below.sink is None  # 15 bytes: still buffered
    at = SSEDecoder(max_event_bytes=LIMIT, sink=RecordingSink, stream_line_bytes=16)
    assert at.feed(b"data: 0123456789") == []
    assert isinstance(at.sink, RecordingSink)  # exactly the threshold: not one chunk later
    [event] = at.feed(b"\n\n")
    assert event.sink is not None


async def test_settled_says_when_update_would_change_nothing() -> None:
    gate = CountingGate(large_event_bytes=10)
    hold = LargeEventHold(gate)
    assert hold.settled(10)  # small and not held
    assert not hold.settled(11)  # large and not held yet: update must take the place
    await hold.update(11)
    assert hold.settled(11)
    assert not hold.settled(10)  # small again while held: update must give it back
    await hold.update(10)
    assert hold.settled(0)
    assert gate.log == ["acquire", "release"]
    assert LargeEventHold(None).settled(10**9)  # no gate: nothing ever to do


# --- byte order mark ----------------------------------------------------------------------------

BOM_STREAM = b"\xef\xbb\xbfdata: first\n\ndata: \xef\xbb\xbfkept\n\n"


@pytest.mark.parametrize("position", range(len(BOM_STREAM)))
def test_a_leading_bom_is_dropped_split_anywhere(position: int) -> None:
    # The spec: one leading U+FEFF is ignored; a later one is data like any other character.
    events = decode([BOM_STREAM[:position], BOM_STREAM[position:]])
    assert events == [ev(data="first"), ev(data="\ufeffkept")]


def test_only_one_leading_bom_is_dropped() -> None:
    assert decode([b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n"]) == [ev(data="y")]
    assert decode([b"data: x\n\n\xef\xbb\xbfdata: y\n\n"]) == [ev(data="x")]  # not at the start
    assert decode([b"\n\xef\xbb\xbfdata: x\n\ndata: y\n\n"]) == [ev(data="y")]  # after a blank line
    assert decode([b"\xef\xbb\xbf: comment\n\xef\xbb\xbfdata: y\n\n"]) == []


def test_a_leading_bom_before_a_streamed_line() -> None:
    events, sinks = decode_with_sinks(
        [b"\xef\xbb\xbfdata: " + b"x" * 100, b"\n\ndata: ok\n\n"], line_bytes=16
    )
    assert as_buffered(events) == [ev(data="x" * 100), ev(data="ok")]
    assert len(sinks) == 1
    decoder = SSEDecoder(max_event_bytes=LIMIT, sink=RecordingSink, stream_line_bytes=16)
    decoder.feed(b"\xef\xbb\xbfdata: " + b"x" * 100)
    assert decoder.streaming  # the line streams at once, as it would without the BOM
    assert decoder.feed(b"\n") == []
    (event,) = decoder.feed(b"\xef\xbb\xbfdata: y\n\n")  # a BOM on the next line is no BOM
    assert event.sink.data == b"x" * 100  # type: ignore[union-attr]


# --- streamed lines: where streaming starts, what the sink gets, the cap at its exact boundary --


def test_streaming_starts_once_the_space_after_the_colon_is_known() -> None:
    decoder = SSEDecoder(max_event_bytes=LIMIT, sink=RecordingSink, stream_line_bytes=4)
    decoder.feed(b"data:")  # a space may follow, and would be dropped
    assert not decoder.streaming
    decoder.feed(b" y")
    assert decoder.streaming
    decoder = SSEDecoder(max_event_bytes=LIMIT, sink=RecordingSink, stream_line_bytes=4)
    decoder.feed(b"data:x")
    assert decoder.streaming
    (event,) = decoder.feed(b"y\n\n")
    assert event.sink.data == b"xy"  # type: ignore[union-attr]
    decoder = SSEDecoder(max_event_bytes=LIMIT, sink=RecordingSink, stream_line_bytes=4)
    decoder.feed(b"data: ")
    assert decoder.streaming
    (event,) = decoder.feed(b" z\n\n")
    assert event.sink.data == b" z"  # type: ignore[union-attr]


def test_earlier_data_lines_reach_the_sink_before_the_streamed_one() -> None:
    chunks = [b"data: ab\ndata:\ndata: " + b"x" * 100, b"\ndata: cd\n\n"]
    events, sinks = decode_with_sinks(chunks, line_bytes=16)
    assert len(sinks) == 1
    assert sinks[0].data == b"ab\n\n" + b"x" * 100 + b"\ncd"
    assert as_buffered(events) == [ev(data="ab\n\n" + "x" * 100 + "\ncd")]


@pytest.mark.parametrize("kind", [RecordingSink, RunSink])
def test_a_streamed_event_exactly_at_the_limit_is_allowed(kind: type[RecordingSink]) -> None:
    # An event line first (counted when the data line starts streaming), then the data line
    # in three chunks: the sink takes runs of letters from a chunk's start, and the digits
    # after them go through the decoder's scan.
    chunks = [b"event: e\ndata: " + b"a" * 20, b"b" * 10 + b"0" * 10, b"c" * 5 + b"1" * 5]
    size = sum(map(len, chunks)) - 1  # the event line's newline is not counted
    events, _ = decode_with_sinks([*chunks, b"\n\n"], line_bytes=16, limit=size, kind=kind)
    assert as_buffered(events) == [ev(event="e", data="a" * 20 + "b" * 10 + "0" * 10 + "c" * 5 + "1" * 5)]
    with pytest.raises(BadResponseError, match=f"larger than {size - 1} bytes"):
        decode_with_sinks([*chunks, b"\n\n"], line_bytes=16, limit=size - 1, kind=kind)


def test_field_values_may_hold_colons() -> None:
    events = decode([b"event: a:b\nid: 1:2\ndata: c: d\n\n"])
    assert events == [ev(event="a:b", id="1:2", data="c: d")]


@pytest.mark.parametrize("line", [b"data:", b"data", b"event:", b"id:"])
def test_an_empty_value_carried_over_a_chunk_boundary(line: bytes) -> None:
    # The line ends right after the colon (or the name), in the decoder's buffer.
    assert decode([line, b"\n", b"\n"]) == decode([line + b"\n\n"])
    assert decode([b"data", b":", b"\n\n"]) == [ev(data="")]


def test_the_limit_counts_every_line_of_the_event() -> None:
    lines = b"event: e\nid: 1\ndata: abc\ndata: de\n\n"
    size = len(lines) - 5  # four line ends and the blank line are not counted
    assert decode([lines], limit=size) == [ev(event="e", id="1", data="abc\nde")]
    with pytest.raises(BadResponseError, match=f"larger than {size - 1} bytes"):
        decode([lines], limit=size - 1)


def test_only_a_field_name_has_to_be_utf8() -> None:
    # Data stays bytes (a consumer may not need text); an unknown field's name is decoded alone.
    events = decode([b"data: \xfe\nfoo: 1\ndata: \xff\n\n"])
    assert events == [ServerSentEvent(raw=b"\xfe\n\xff")]
