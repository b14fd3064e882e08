"""Reading bodies: `body_pieces` hands out aiohttp's buffered pieces as they are."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp.base_protocol import BaseProtocol

from bot.gateway.fetch import body_pieces


def reader() -> aiohttp.StreamReader:
    loop = asyncio.get_running_loop()
    return aiohttp.StreamReader(BaseProtocol(loop), 2**20, loop=loop)  # never pauses here


async def collect(content: aiohttp.StreamReader) -> list[bytes]:
    async with asyncio.timeout(5):
        return [piece async for piece in body_pieces(content)]


async def test_buffered_pieces_are_handed_out_one_by_one_never_joined() -> None:
    content = reader()
    pieces = [b"a" * 70_000, b"b" * 70_000, b"c" * 10]
    for piece in pieces:
        content.feed_data(piece)  # all buffered before the consumer reads: iter_any would join them
    content.feed_eof()
    received = await collect(content)
    assert received == pieces
    assert all(got is sent for got, sent in zip(received, pieces, strict=True))  # not even copied


async def test_chunked_bodies_keep_their_pieces_and_skip_empty_chunk_ends() -> None:
    content = reader()
    for event in (b"data: 1\n\n", b"data: 2\n\n"):
        content.begin_http_chunk_receiving()
        content.feed_data(event)
        content.end_http_chunk_receiving()
    content.begin_http_chunk_receiving()
    content.end_http_chunk_receiving()  # an empty chunk: no empty piece comes out of it
    content.feed_eof()
    assert await collect(content) == [b"data: 1\n\n", b"data: 2\n\n"]
