"""Media helpers: strict base64, data URLs, sniffing, caps, off-loop decoding."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import Any

import pybase64
import pytest

from bot.gateway import media
from bot.gateway.errors import ImageTooLargeError, InvalidImageError
from tests.fakes.ai_gateway import data_url, make_jpeg, make_png

PNG = make_png(300)
JPEG = make_jpeg(400)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 20


def b64(data: bytes) -> str:
    return pybase64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (GIF, "image/gif"),
        (b"GIF87a" + b"\x00" * 10, "image/gif"),
        (b"<html>not an image</html>", None),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"\x89PN", None),
        (b"", None),
    ],
)
def test_sniff_mime(data: bytes, mime: str | None) -> None:
    assert media.sniff_mime(data) == mime


def test_fake_images_are_real_images_of_the_requested_size() -> None:
    from PIL import Image  # Pillow proves the padded fixtures are valid files, not just magic bytes

    png, jpeg = make_png(100_000, seed=3), make_jpeg(100_000, seed=3)
    assert len(png) == 100_000
    assert abs(len(jpeg) - 100_000) <= 3
    for data, kind in ((png, "PNG"), (jpeg, "JPEG")):
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == kind


@pytest.mark.parametrize("length", range(0, 13))
def test_decoded_size_is_exact_for_padded_base64(length: int) -> None:
    encoded = b64(bytes(range(length)))
    assert media.decoded_size(encoded) == length
    assert media.decoded_size(encoded.encode()) == length


def test_strict_decode_round_trips() -> None:
    assert media.b64decode_strict(b64(PNG)) == PNG
    assert media.b64decode_strict(b64(PNG).encode()) == PNG


@pytest.mark.parametrize(
    "bad",
    ["abc", "ab!d", "aGVs\nbG8=", "aGVs bG8=", "aGVsbG8", "aGVsbG8==="[:10] + "x", "-_-_"],
)
def test_strict_decode_refuses_invalid_base64(bad: str) -> None:
    with pytest.raises(InvalidImageError):
        media.b64decode_strict(bad)


def test_cap_is_checked_on_the_base64_length_before_decoding() -> None:
    not_even_base64 = "!" * 4000  # decoding would fail; the cap must trip first
    with pytest.raises(ImageTooLargeError):
        media.b64decode_strict(not_even_base64, max_bytes=1000)


def test_cap_allows_exactly_max_bytes() -> None:
    data = make_png(1000)
    assert media.b64decode_strict(b64(data), max_bytes=1000) == data
    with pytest.raises(ImageTooLargeError):
        media.b64decode_strict(b64(data), max_bytes=999)


def test_to_image_sniffs_and_refuses_non_images() -> None:
    image = media.to_image(JPEG, revised_prompt="a cat")
    assert (image.mime, image.extension, image.revised_prompt) == ("image/jpeg", "jpg", "a cat")
    with pytest.raises(InvalidImageError):
        media.to_image(b'{"error": "not an image"}')


def test_decode_b64_image_refuses_valid_base64_of_non_image_bytes() -> None:
    with pytest.raises(InvalidImageError):
        media.decode_b64_image(b64(b"hello world, definitely text"))


def test_data_url_round_trip_and_mime_from_bytes() -> None:
    url = media.encode_data_url(PNG, "image/jpeg")  # the bytes say PNG: the bytes win
    assert url.startswith("data:image/png;base64,")
    image = media.decode_data_url(url)
    assert (image.data, image.mime) == (PNG, "image/png")


def test_encode_data_url_keeps_caller_mime_for_unknown_bytes() -> None:
    assert media.encode_data_url(b"%PDF-1.7", "application/pdf").startswith("data:application/pdf;base64,")


def test_data_url_with_parameters_and_a_lying_mime() -> None:
    url = f"data:image/jpeg;charset=binary;base64,{b64(PNG)}"
    assert media.decode_data_url(url).mime == "image/png"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.test/image.png",
        "data:image/png," + "x" * 10,
        "data:image/png;base64",
        "data:image/png;base64," + "%%%%",
        "data:text/plain;base64," + pybase64.b64encode(b"plain text here").decode(),
    ],
)
def test_bad_data_urls(url: str) -> None:
    with pytest.raises(InvalidImageError):
        media.decode_data_url(url)


def test_data_url_cap_checked_before_slicing() -> None:
    with pytest.raises(ImageTooLargeError):
        media.decode_data_url("data:image/png;base64," + "A" * 40_000, max_bytes=10_000)


@pytest.fixture
def to_thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record which functions went through `asyncio.to_thread` (and still run them there)."""
    calls: list[str] = []
    real = asyncio.to_thread

    async def recording(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        calls.append(func.__name__)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", recording)
    return calls


async def test_big_decodes_run_off_the_event_loop(to_thread_calls: list[str]) -> None:
    big = make_png(media.OFFLOAD_BYTES + 1)
    assert (await media.decode_data_url_async(data_url(big))).data == big
    assert (await media.encode_data_url_async(big)) == data_url(big)
    assert to_thread_calls == ["decode_data_url", "encode_data_url"]


async def test_small_decodes_stay_on_the_loop(to_thread_calls: list[str]) -> None:
    assert (await media.decode_data_url_async(data_url(PNG))).data == PNG
    assert to_thread_calls == []
