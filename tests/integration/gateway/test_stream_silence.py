"""A stream that goes silent fails; a slow stream or a slow reader does not.

The silence inside a streamed body is watched by `fetch.body_pieces_until_silent` (one timer per
quiet spell), not by aiohttp's `sock_read` (a timer per piece): these cases pin its meaning.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from bot.gateway import GatewayClient
from bot.gateway import errors as gw
from bot.gateway.models import ChatImageRequest, Finished, TextDelta
from tests.fakes.ai_gateway import ChatReply, FakeAIGateway

REQUEST = ChatImageRequest(model="google/gemini-3-pro-image", prompt="a lighthouse")
SILENCE = 0.4
DELTAS = ["one ", "two ", "three ", "four ", "five"]


async def test_a_stream_that_goes_silent_fails_with_a_timeout(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    client = make_client(sock_read_timeout=SILENCE)
    # The role chunk and two deltas, then nothing (the connection stays open).
    gateway.push("chat", ChatReply(text_deltas=DELTAS, stall_after_events=3))
    seen: list[str] = []

    async def read() -> None:
        async with asyncio.timeout(20):
            async for event in client.stream_chat(REQUEST):
                if isinstance(event, TextDelta):
                    seen.append(event.text)

    started = time.monotonic()
    with pytest.raises(gw.GatewayTimeoutError, match="went silent"):
        await read()
    waited = time.monotonic() - started
    assert seen == DELTAS[:2]  # what came before the silence reached the caller
    assert waited >= SILENCE  # not before the silence was long enough
    assert len([r for r in gateway.requests if r.path.endswith("/chat/completions")]) == 1


async def test_a_stream_slower_than_the_silence_in_all_but_never_silent_that_long(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    client = make_client(sock_read_timeout=SILENCE)
    # Six events a quarter of the silence apart: the whole stream takes longer than the silence.
    gateway.push("chat", ChatReply(text_deltas=DELTAS, delay=SILENCE / 4))
    started = time.monotonic()
    async with asyncio.timeout(20):
        events = [event async for event in client.stream_chat(REQUEST)]
    assert time.monotonic() - started > SILENCE
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "".join(DELTAS)
    assert isinstance(events[-1], Finished)


async def test_a_reader_slower_than_the_silence_is_not_a_silent_stream(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    """The gateway sent everything at once; the member's side takes its time with each delta."""
    client = make_client(sock_read_timeout=SILENCE)
    gateway.push("chat", ChatReply(text_deltas=DELTAS))
    text: list[str] = []
    async with asyncio.timeout(20):
        async for event in client.stream_chat(REQUEST):
            if isinstance(event, TextDelta):
                text.append(event.text)
                if len(text) <= 2:
                    await asyncio.sleep(SILENCE * 1.5)  # e.g. a Discord edit that is rate limited
            last = event
    assert "".join(text) == "".join(DELTAS)
    assert isinstance(last, Finished)
