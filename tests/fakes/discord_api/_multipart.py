"""A streaming `multipart/form-data` reader: each part counted and checksummed as it arrives.

aiohttp's `BodyPartReader.read()` grows a buffer per part and scans for the boundary in small
steps; under the load bench that made the fake Discord costlier than the bot it measures. This
reader looks for the delimiter with `bytes.find` over each chunk as it comes off the socket,
keeps a file's bytes only when asked (`keep`), and always records its size and CRC-32, so the
bench can check an upload byte for byte without holding it.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable
from dataclasses import dataclass, field

from aiohttp.multipart import parse_content_disposition


@dataclass
class Part:
    """One part: its form field name, file name, content type, bytes (when kept), size, CRC-32."""

    name: str | None
    filename: str | None
    content_type: str
    data: bytes = b""
    size: int = 0
    crc32: int = 0
    chunks: list[bytes] = field(default_factory=list, repr=False)

    def feed(self, data: bytes | memoryview, *, keep: bool) -> None:
        """Count (and keep) a piece of the part's body."""
        if not data:
            return
        self.size += len(data)
        self.crc32 = zlib.crc32(data, self.crc32)
        if keep:
            self.chunks.append(bytes(data))

    def close(self) -> None:
        """Join the kept pieces."""
        self.data, self.chunks = b"".join(self.chunks), []


def _headers(block: bytes) -> Part:
    headers: dict[str, str] = {}
    for line in block.decode("utf-8", "replace").split("\r\n"):
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    _, params = parse_content_disposition(headers.get("content-disposition"))
    return Part(
        params.get("name"), params.get("filename"), headers.get("content-type", "application/octet-stream")
    )


async def read_parts(chunks: AsyncIterable[bytes], boundary: str, *, keep_files: bool) -> list[Part]:
    """Read a whole multipart body.

    Args:
        chunks: The body as it arrives (`request.content.iter_any()`).
        boundary: The `boundary` parameter of its Content-Type.
        keep_files: Keep the bytes of file parts (parts without a file name are always kept).

    Returns:
        The parts in order.

    Raises:
        ValueError: The body is not well-formed multipart.
    """
    delimiter = b"\r\n--" + boundary.encode()
    parts: list[Part] = []
    part: Part | None = None
    pending = b"\r\n"  # the first delimiter has no CRLF before it
    in_headers = False
    ended = False
    async for chunk in chunks:
        pending += chunk
        while not ended:
            if in_headers:
                end = pending.find(b"\r\n\r\n")
                if end < 0:
                    break
                part = _headers(pending[:end])
                parts.append(part)
                pending, in_headers = pending[end + 4 :], False
                continue
            at = pending.find(delimiter)
            if at < 0 or len(pending) < at + len(delimiter) + 2:
                # Hand on all but what could be the start of a delimiter cut by the chunk edge.
                safe = len(pending) - len(delimiter) - 2 if at < 0 else at
                if safe > 0:  # (before the first delimiter: a preamble, dropped)
                    if part is not None:
                        part.feed(memoryview(pending)[:safe], keep=keep_files or part.filename is None)
                    pending = pending[safe:]
                break
            if part is not None:
                part.feed(memoryview(pending)[:at], keep=keep_files or part.filename is None)
                part.close()
                part = None
            after = pending[at + len(delimiter) : at + len(delimiter) + 2]
            pending = pending[at + len(delimiter) + 2 :]
            if after == b"--":
                ended = True
            elif after == b"\r\n":
                in_headers = True
            else:
                raise ValueError("malformed multipart delimiter")
    if not ended:
        raise ValueError("multipart body ended before its closing delimiter")
    return parts
