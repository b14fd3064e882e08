"""Fit generated images into Discord's upload limits: byte-for-byte when possible.

Discord limits each file (``Interaction.filesize_limit``: 10 MiB unless boosted), each message
request (25 MiB, including the JSON part) and attachments per message (10). Images that fit
are posted exactly as the gateway sent them; several that fit alone but not together are split
across messages rather than degraded. Only an image too large on its own is re-encoded in a
worker thread (opaque images as JPEG, transparent ones as WebP, descending quality, then
downscaled), under the process-wide
image budget: a limited number of decodes at once and a cap on the pixels decoded at once
(`ImageBudget.decoding`), the source read from RAM or its spool file, the result held like
any other image (RAM while the budget allows, else spooled).
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from bot.errors import UserFacingError
from bot.gateway.budget import ImageBudget, default_budget
from bot.gateway.models import GeneratedImage
from bot.gateway.spool import ImageData

log = logging.getLogger(__name__)

# 25 MiB per request, minus headroom for the multipart boundaries and the JSON payload part.
DEFAULT_MESSAGE_LIMIT = 25 * 2**20 - 256 * 1024
MAX_FILES_PER_MESSAGE = 10
# Decoded RGBA costs 4 bytes per pixel; 50 MP is ~200 MB, far above any generated image.
DEFAULT_MAX_PIXELS = 50_000_000
_WEBP_MAX_SIDE = 16383
_MIN_SIDE = 16
# (format, quality) tried at each scale, best first. Opaque images go to JPEG: at 4096² it
# encodes in ~0.2 s with ~15 MB of working memory and releases the GIL throughout, where WebP
# (method 4) takes ~3 s, ~370 MB and holds the GIL for stretches of 100+ ms (the event loop
# would stall). WebP is kept for what JPEG cannot carry: transparency, at its fastest method.
_OPAQUE_LADDER: tuple[tuple[str, int], ...] = (("JPEG", 90), ("JPEG", 85), ("JPEG", 75), ("JPEG", 60))
_ALPHA_LADDER: tuple[tuple[str, int], ...] = (("WEBP", 85), ("WEBP", 70))
_WEBP_METHOD = 0
# An attempt this far over the limit will not be saved by a lower quality: downscale at once.
_HOPELESS_RATIO = 2.5
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


class ImageFitError(UserFacingError):
    """An image too large to post that cannot be decoded (corrupt, or a decompression bomb)."""


@dataclass(frozen=True, slots=True)
class FittedImage:
    """An image ready to attach.

    Attributes:
        content: The bytes to upload (the original bytes unless `reencoded`), in RAM or spooled.
        mime: MIME type of `content`.
        filename: Attachment file name with a matching extension.
        reencoded: Whether `content` differs from what the gateway sent.
        original_size: Size in bytes of the gateway's image.
    """

    content: ImageData
    mime: str
    filename: str
    reencoded: bool
    original_size: int

    @property
    def size(self) -> int:
        """Size in bytes of `content`."""
        return self.content.size

    @property
    def data(self) -> bytes:
        """All the bytes (read from the spool file when spooled: avoid on hot paths)."""
        return self.content.read()

    def open(self) -> BinaryIO:
        """A new reader over the bytes, for an upload."""
        return self.content.open()


async def fit_images(
    images: Sequence[GeneratedImage],
    *,
    per_file_limit: int,
    per_message_limit: int = DEFAULT_MESSAGE_LIMIT,
    max_files: int = MAX_FILES_PER_MESSAGE,
    filename_prefix: str = "image",
    max_pixels: int | None = None,
    budget: ImageBudget | None = None,
) -> list[list[FittedImage]]:
    """Make every image fit and group them into messages.

    Args:
        images: Generated images, in the order to post them.
        per_file_limit: Bytes allowed per file (``interaction.filesize_limit``).
        per_message_limit: Bytes allowed for all files of one message.
        max_files: Attachments allowed per message.
        filename_prefix: File names are ``<prefix>_<n>.<ext>`` with n counting from 1.
        max_pixels: Refuse to decode larger images (default: the smaller of
            ``PIL.Image.MAX_IMAGE_PIXELS`` and `DEFAULT_MAX_PIXELS`).
        budget: The process-wide image budget (decodes at once, pixels, RAM).

    Returns:
        Batches in order, each ≤ `max_files` files totalling ≤ `per_message_limit` bytes.

    Raises:
        ImageFitError: an image is too large and cannot be decoded to shrink it.
        ValueError: a limit is not positive.
    """
    if per_file_limit <= 0 or per_message_limit <= 0 or max_files <= 0:
        raise ValueError("limits must be positive")
    target = min(per_file_limit, per_message_limit)
    pixels = (
        max_pixels
        if max_pixels is not None
        else min(Image.MAX_IMAGE_PIXELS or DEFAULT_MAX_PIXELS, DEFAULT_MAX_PIXELS)
    )
    budget = budget or default_budget()
    fitted: list[FittedImage] = []
    for number, image in enumerate(images, start=1):
        if image.size <= target:
            content, mime, reencoded = image.content, image.mime, False
        else:
            content, mime = await _reencode(image, target, pixels, budget)
            reencoded = True
            log.info("re-encoded image %d from %d to %d bytes (%s)", number, image.size, content.size, mime)
        extension = _EXTENSIONS.get(mime, "bin")
        fitted.append(
            FittedImage(
                content=content,
                mime=mime,
                filename=f"{filename_prefix}_{number}.{extension}",
                reencoded=reencoded,
                original_size=image.size,
            )
        )
    return batch_images(fitted, per_message_limit=per_message_limit, max_files=max_files)


def batch_images(
    images: Sequence[FittedImage], *, per_message_limit: int, max_files: int = MAX_FILES_PER_MESSAGE
) -> list[list[FittedImage]]:
    """Group images, in order, into messages of ≤ `max_files` files and ≤ `per_message_limit` bytes.

    Args:
        images: Images that each fit `per_message_limit`.
        per_message_limit: Bytes allowed for all files of one message.
        max_files: Attachments allowed per message.

    Returns:
        The batches (empty when there are no images).
    """
    batches: list[list[FittedImage]] = []
    current: list[FittedImage] = []
    total = 0
    for image in images:
        if current and (len(current) >= max_files or total + image.size > per_message_limit):
            batches.append(current)
            current, total = [], 0
        current.append(image)
        total += image.size
    if current:
        batches.append(current)
    return batches


async def _reencode(
    image: GeneratedImage, target: int, max_pixels: int, budget: ImageBudget
) -> tuple[ImageData, str]:
    """Shrink one image in a worker thread, inside the budget's decode slot and pixel share."""
    # The header alone gives the pixel count, so the budget is taken before any pixel exists.
    width, height = await asyncio.to_thread(_dimensions, image.content, max_pixels)
    async with budget.decoding(width * height):
        return await budget.run(_shrink, image.content, target, max_pixels, budget)


def _dimensions(content: ImageData, max_pixels: int) -> tuple[int, int]:
    """Width and height from the header (no pixel decoded); refuse decompression bombs."""
    try:
        with content.open() as reader, Image.open(reader) as opened:
            width, height = opened.size
    except (Image.DecompressionBombError, UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageFitError.keyed("image.too_large") from exc
    if width * height > max_pixels:
        raise ImageFitError.keyed("image.too_large")
    return width, height


def _shrink(content: ImageData, limit: int, max_pixels: int, budget: ImageBudget) -> tuple[ImageData, str]:
    """Re-encode (and if needed downscale) an image until it is at most `limit` bytes.

    Runs in a worker thread; the pixels are freed before the result is stored.
    """
    data, mime = _shrink_bytes(content, limit, max_pixels)
    return ImageData.of(data, budget), mime


def _shrink_bytes(content: ImageData, limit: int, max_pixels: int) -> tuple[bytes, str]:
    try:
        with content.open() as reader:
            opened = Image.open(reader)
            # `open` reads the header only: check the size before decoding any pixel.
            width, height = opened.size
            if width * height > max_pixels:
                raise ImageFitError.keyed("image.too_large")
            opened.seek(0)  # first frame of an animation
            has_alpha = opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info
            mode = "RGBA" if has_alpha else "RGB"
            opened.load()
            # Already in the right mode (the usual PNG): use the decoded pixels as they are;
            # `convert` would hold a second full copy.
            frame = opened if opened.mode == mode else opened.convert(mode)
            del opened
    except (Image.DecompressionBombError, UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageFitError.keyed("image.too_large") from exc

    scale = 1.0
    while True:
        size = (max(1, round(frame.width * scale)), max(1, round(frame.height * scale)))
        if min(size) < _MIN_SIDE:
            raise ImageFitError.keyed("image.too_large_downscaled")
        # `reducing_gap`: halve cheaply (box filter) first, then LANCZOS over few pixels.
        current = frame if scale == 1.0 else frame.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        smallest = math.inf
        # Transparency matters (e.g. "transparent background" requests): never flatten it,
        # unless the image is too large for WebP at all.
        ladder = _ALPHA_LADDER if has_alpha and max(size) <= _WEBP_MAX_SIDE else _OPAQUE_LADDER
        for fmt, quality in ladder:
            encoded = _encode(current, fmt, quality)
            if len(encoded) <= limit:
                return encoded, f"image/{fmt.lower()}"
            smallest = min(smallest, len(encoded))
            if len(encoded) > limit * _HOPELESS_RATIO:
                break
        # Bytes scale roughly with pixel count: aim just under the limit, at least 0.8x per step.
        estimate = math.sqrt(limit / smallest) * 0.95 if math.isfinite(smallest) else 0.8
        scale *= min(0.8, estimate)


def _encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    if fmt == "JPEG" and image.mode != "RGB":
        # JPEG has no alpha: flatten on white rather than let transparent areas turn black.
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    buffer = io.BytesIO()
    if fmt == "WEBP":
        image.save(buffer, format="WEBP", quality=quality, method=_WEBP_METHOD)
    else:
        # No `optimize`: it buffers every coefficient (~4× the memory) to save a few percent.
        image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MESSAGE_LIMIT",
    "MAX_FILES_PER_MESSAGE",
    "FittedImage",
    "ImageFitError",
    "batch_images",
    "fit_images",
]
