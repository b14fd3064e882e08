"""fit_images: byte-for-byte when it fits, re-encoded under the limit otherwise, batched."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from bot.discord.views.files import FittedImage, ImageFitError, batch_images, fit_images
from bot.gateway.models import GeneratedImage
from bot.gateway.spool import ImageData


def noise_png(width: int, height: int, *, mode: str = "RGB", seed: int = 0) -> bytes:
    """A PNG of random pixels: it barely compresses, so its size is predictable."""
    channels = len(mode)
    pixels = random.Random(seed).randbytes(width * height * channels)
    buffer = io.BytesIO()
    Image.frombytes(mode, (width, height), pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def png_image(width: int, height: int, **kwargs) -> GeneratedImage:
    return GeneratedImage(data=noise_png(width, height, **kwargs), mime="image/png")


def decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image


async def test_images_that_fit_are_kept_byte_for_byte() -> None:
    images = [png_image(64, 64, seed=i) for i in range(3)]
    batches = await fit_images(images, per_file_limit=10 * 2**20)
    assert len(batches) == 1
    for original, fitted in zip(images, batches[0], strict=True):
        assert fitted.data == original.data
        assert (fitted.mime, fitted.reencoded, fitted.original_size) == (
            "image/png",
            False,
            len(original.data),
        )
    assert [f.filename for f in batches[0]] == ["image_1.png", "image_2.png", "image_3.png"]


async def test_image_over_the_file_limit_is_reencoded_under_it() -> None:
    original = png_image(400, 400)
    assert len(original.data) > 400_000
    limit = 60_000
    [[fitted]] = await fit_images([original], per_file_limit=limit)
    assert fitted.reencoded
    assert fitted.size <= limit
    assert fitted.original_size == len(original.data)
    image = decoded(fitted.data)
    assert Image.MIME[image.format] == fitted.mime
    assert fitted.filename == f"image_1.{ {'image/webp': 'webp', 'image/jpeg': 'jpg'}[fitted.mime] }"
    assert image.width <= 400
    assert image.width / image.height == pytest.approx(1.0, abs=0.02)


async def test_reencoding_tries_quality_before_downscaling() -> None:
    original = png_image(300, 200)
    # Generous enough for a lossy encode at full size: the dimensions must not change.
    [[fitted]] = await fit_images([original], per_file_limit=len(original.data) - 1)
    assert fitted.reencoded
    assert decoded(fitted.data).size == (300, 200)


async def test_transparent_image_survives_reencoding() -> None:
    original = png_image(200, 200, mode="RGBA")
    [[fitted]] = await fit_images([original], per_file_limit=40_000)
    assert fitted.size <= 40_000
    # WebP comes first in the ladder and keeps the alpha channel.
    assert fitted.mime == "image/webp"
    assert decoded(fitted.data).mode == "RGBA"


async def test_set_too_large_together_is_split_not_reencoded() -> None:
    images = [png_image(128, 128, seed=i) for i in range(3)]
    size = len(images[0].data)
    batches = await fit_images(images, per_file_limit=size + 10, per_message_limit=int(size * 2.5))
    assert [len(batch) for batch in batches] == [2, 1]
    flat = [fitted for batch in batches for fitted in batch]
    assert [f.data for f in flat] == [i.data for i in images]
    assert not any(f.reencoded for f in flat)
    assert [f.filename for f in flat] == ["image_1.png", "image_2.png", "image_3.png"]


async def test_image_fitting_the_file_limit_but_not_a_message_is_reencoded() -> None:
    original = png_image(300, 300)
    message_limit = len(original.data) // 3
    [[fitted]] = await fit_images([original], per_file_limit=100 * 2**20, per_message_limit=message_limit)
    assert fitted.reencoded
    assert fitted.size <= message_limit


async def test_more_than_max_files_go_to_several_messages() -> None:
    images = [png_image(8, 8, seed=i) for i in range(23)]
    batches = await fit_images(images, per_file_limit=2**20)
    assert [len(batch) for batch in batches] == [10, 10, 3]
    assert [f.data for batch in batches for f in batch] == [i.data for i in images]


async def test_no_images_no_batches() -> None:
    assert await fit_images([], per_file_limit=1000) == []


async def test_decompression_bomb_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 3000), "red").save(buffer, format="PNG")  # tiny file, 9 MP
    bomb = GeneratedImage(data=buffer.getvalue(), mime="image/png")
    with pytest.raises(ImageFitError, match="too large"):
        await fit_images([bomb], per_file_limit=len(bomb.data) - 1, max_pixels=1_000_000)


async def test_corrupt_image_over_the_limit_is_refused() -> None:
    broken = GeneratedImage(data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000, mime="image/png")
    with pytest.raises(ImageFitError) as info:
        await fit_images([broken], per_file_limit=1000)
    assert info.value.user_message == "The generated image is too large to post on Discord."


async def test_invalid_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        await fit_images([], per_file_limit=0)


def fitted(size: int) -> FittedImage:
    return FittedImage(
        content=ImageData.of(b"x" * size),
        mime="image/png",
        filename="f.png",
        reencoded=False,
        original_size=size,
    )


@pytest.mark.parametrize(
    ("sizes", "limit", "max_files", "expected"),
    [
        ([5, 5, 5], 10, 10, [[5, 5], [5]]),
        ([10, 1, 9], 10, 10, [[10], [1, 9]]),
        ([1] * 5, 100, 2, [[1, 1], [1, 1], [1]]),
        ([3, 8, 3], 10, 10, [[3], [8], [3]]),  # order is kept, never re-packed
    ],
)
def test_batching_rules(sizes: list[int], limit: int, max_files: int, expected: list[list[int]]) -> None:
    batches = batch_images([fitted(s) for s in sizes], per_message_limit=limit, max_files=max_files)
    assert [[f.size for f in batch] for batch in batches] == expected
