"""Image bytes in and out of the gateway: strict base64, data URLs, MIME sniffing, size caps.

The MIME type is always sniffed from the bytes, never taken from a URL or a data-URL prefix:
bytes that are not a PNG, JPEG, WebP or GIF are refused rather than shown as an image.
Decodes larger than `OFFLOAD_BYTES` run in a worker thread (the `*_async` variants) so the
event loop keeps answering Discord while megabytes of base64 are decoded.
"""

from __future__ import annotations

import asyncio
import binascii

import pybase64

from bot.gateway.budget import ImageBudget
from bot.gateway.errors import ImageTooLargeError, InvalidImageError
from bot.gateway.models import GeneratedImage
from bot.gateway.spool import ImageData

OFFLOAD_BYTES = 256 * 1024
"""Base64 text longer than this is decoded off the event loop by the async helpers."""

_DATA_PREFIX = "data:"
_BASE64_MARKER = ";base64"


def sniff_mime(data: bytes | bytearray | memoryview) -> str | None:
    """Return the MIME type of PNG/JPEG/WebP/GIF bytes, None for anything else."""
    head = bytes(data[:12])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return None


B64Text = str | bytes | bytearray | memoryview
"""Base64 input: text or any bytes-like object (decoded without copying)."""


def decoded_size(b64: B64Text) -> int:
    """Exact decoded length of well-formed padded base64 (an upper bound otherwise)."""
    length = len(b64)
    size = (length // 4) * 3 + (length % 4) * 3 // 4
    if length >= 1 and b64[-1:] in ("=", b"="):
        size -= 1
        if length >= 2 and b64[-2:-1] in ("=", b"="):
            size -= 1
    return size


def check_size(size: int, max_bytes: int | None) -> None:
    """Raise `ImageTooLargeError` when `size` exceeds `max_bytes` (None: no cap)."""
    if max_bytes is not None and size > max_bytes:
        raise ImageTooLargeError(f"image of {size} bytes exceeds the {max_bytes}-byte cap")


def b64decode_strict(b64: B64Text, *, max_bytes: int | None = None) -> bytes:
    """Decode base64, refusing anything but the standard alphabet with correct padding.

    The size cap is checked on the base64 length before decoding, so an oversized payload
    never allocates its decoded copy.

    Raises:
        ImageTooLargeError: The decoded size would exceed `max_bytes`.
        InvalidImageError: The text is not valid base64.
    """
    check_size(decoded_size(b64), max_bytes)
    try:
        return pybase64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidImageError("image data is not valid base64") from exc


def to_image(
    data: bytes | ImageData, *, revised_prompt: str | None = None, budget: ImageBudget | None = None
) -> GeneratedImage:
    """Wrap decoded bytes as an image after sniffing their type.

    Args:
        data: The bytes, or bytes already held under the budget.
        revised_prompt: The model's rewrite of the prompt, if any.
        budget: Count plain bytes in this budget (spooled when it is full).

    Raises:
        InvalidImageError: The bytes are not a PNG, JPEG, WebP or GIF image.
    """
    mime = sniff_mime(data.head(12) if isinstance(data, ImageData) else data)
    if mime is None:
        raise InvalidImageError("image data is not a PNG, JPEG, WebP or GIF image")
    if not isinstance(data, ImageData):
        data = ImageData.of(data, budget)
    return GeneratedImage(data=data, mime=mime, revised_prompt=revised_prompt)


def decode_b64_image(
    b64: B64Text,
    *,
    max_bytes: int | None = None,
    revised_prompt: str | None = None,
    budget: ImageBudget | None = None,
) -> GeneratedImage:
    """Decode a `b64_json` value into an image (cap, strict base64, sniffing)."""
    return to_image(b64decode_strict(b64, max_bytes=max_bytes), revised_prompt=revised_prompt, budget=budget)


def _data_url_header(url: str) -> tuple[str, int]:
    """Return (declared MIME, index of the base64 payload) of a base64 data URL."""
    comma = url.find(",", 0, 512)  # the header is short; never scan megabytes for it
    if not url.startswith(_DATA_PREFIX) or comma < 0:
        raise InvalidImageError("not a data URL")
    header = url[len(_DATA_PREFIX) : comma]
    if not header.lower().endswith(_BASE64_MARKER):
        raise InvalidImageError("data URL is not base64-encoded")
    mime = header[: -len(_BASE64_MARKER)].split(";", 1)[0].strip().lower()
    return mime, comma + 1


def decode_data_url(
    url: str, *, max_bytes: int | None = None, budget: ImageBudget | None = None
) -> GeneratedImage:
    """Decode an image data URL (`message.images[].image_url.url`).

    Raises:
        InvalidImageError: Not a base64 data URL of a PNG/JPEG/WebP/GIF image.
        ImageTooLargeError: Over `max_bytes` once decoded.
    """
    _, start = _data_url_header(url)
    # Check the cap on the length before slicing: the slice is a copy of the whole payload.
    check_size((len(url) - start) * 3 // 4 - 2, max_bytes)
    return decode_b64_image(url[start:], max_bytes=max_bytes, budget=budget)


def encode_data_url(data: bytes, mime: str | None = None) -> str:
    """Encode image bytes as a data URL for an `image_url` content part.

    Args:
        data: The image bytes.
        mime: The caller's MIME type; the sniffed type wins when the bytes are recognisable.
    """
    kind = sniff_mime(data) or mime or "application/octet-stream"
    return f"data:{kind};base64,{pybase64.b64encode(data).decode('ascii')}"


async def decode_data_url_async(
    url: str, *, max_bytes: int | None = None, budget: ImageBudget | None = None
) -> GeneratedImage:
    """`decode_data_url`, in a worker thread when the payload is large."""
    if len(url) > OFFLOAD_BYTES:
        return await asyncio.to_thread(decode_data_url, url, max_bytes=max_bytes, budget=budget)
    return decode_data_url(url, max_bytes=max_bytes, budget=budget)


async def encode_data_url_async(data: bytes, mime: str | None = None) -> str:
    """`encode_data_url`, in a worker thread when the image is large."""
    if len(data) > OFFLOAD_BYTES:
        return await asyncio.to_thread(encode_data_url, data, mime)
    return encode_data_url(data, mime)
