"""The fake Discord's streaming multipart reader against aiohttp's own encoder (what discord.py sends)."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fakes.ai_gateway import make_png
from tests.fakes.discord_api._multipart import read_parts


class _Sink:
    """Collects what aiohttp's `MultipartWriter.write` puts on the wire."""

    def __init__(self) -> None:
        self.data = bytearray()

    async def write(self, data: bytes) -> None:
        self.data += data


async def _encoded() -> tuple[bytes, str, list[bytes]]:
    """A message upload as discord.py's aiohttp encodes it (with a preamble, which must be skipped)."""
    files = [make_png(70_000, seed=n) for n in range(3)] + [b"\r\n--not-the-boundary\r\n" * 50]
    form = aiohttp.FormData()
    form.add_field("payload_json", '{"content": "hi"}', content_type="application/json")
    for n, data in enumerate(files):
        form.add_field(f"files[{n}]", data, filename=f"image_{n}.png", content_type="image/png")
    writer = form()
    assert isinstance(writer, aiohttp.MultipartWriter)
    sink = _Sink()
    await writer.write(sink)  # type: ignore[arg-type]
    return b"preamble\r\n" + bytes(sink.data), writer.boundary, files


async def _chunks(body: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("size", [1, 3, 17, 41, 42, 43, 4096, 65536, 10**7])
async def test_every_chunking_gives_the_same_parts(size: int) -> None:
    body, boundary, files = await _encoded()
    parts = await read_parts(_chunks(body, size), boundary, keep_files=True)
    assert [p.name for p in parts] == ["payload_json", "files[0]", "files[1]", "files[2]", "files[3]"]
    assert parts[0].data == b'{"content": "hi"}'
    assert [p.data for p in parts[1:]] == files
    assert [(p.filename, p.content_type) for p in parts[1:]] == [
        (f"image_{n}.png", "image/png") for n in range(4)
    ]
    assert [(p.size, p.crc32) for p in parts[1:]] == [(len(f), zlib.crc32(f)) for f in files]


async def test_file_bytes_are_counted_not_kept_when_asked() -> None:
    body, boundary, files = await _encoded()
    parts = await read_parts(_chunks(body, 1000), boundary, keep_files=False)
    assert parts[0].data == b'{"content": "hi"}'  # the JSON part is always kept
    assert [(p.data, p.size, p.crc32) for p in parts[1:]] == [(b"", len(f), zlib.crc32(f)) for f in files]


async def test_a_body_cut_short_is_refused() -> None:
    body, boundary, _ = await _encoded()
    with pytest.raises(ValueError, match="closing delimiter"):
        await read_parts(_chunks(body[:-30], 4096), boundary, keep_files=False)
