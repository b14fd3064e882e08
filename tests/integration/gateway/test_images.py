"""`generate_images` against the fake gateway: bytes, headers, URL fallback, caps, bad answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pybase64
import pytest

from bot.gateway import GatewayClient
from bot.gateway import errors as gw
from bot.gateway.models import ImageRequest
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_jpeg, make_png
from tests.integration.gateway.conftest import API_KEY, APP_URL


async def test_four_images_byte_exact_with_request_and_headers(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    reply = ImagesReply.png(
        4, 300_000, usage={"input_tokens": 12, "output_tokens": 4000, "total_tokens": 4012}
    )
    gateway.push("images", reply)
    result = await client.generate_images(
        ImageRequest(model="google/imagen-x", prompt="a lighthouse", n=4, aspect_ratio="16:9", user="1:2")
    )
    assert [image.data for image in result.images] == reply.images
    assert {image.mime for image in result.images} == {"image/png"}
    assert result.model == "google/imagen-x"
    assert result.usage is not None
    assert (result.usage.total_tokens, result.usage.cost) == (4012, 0.04)
    assert result.provider_metadata["gateway"]["routing"] == {"finalProvider": "fake"}
    assert result.extra == {"created": 1785537645}
    async with asyncio.timeout(5):
        request = await gateway.next_request()
    assert (request.method, request.path) == ("POST", "/v1/images/generations")
    assert request.json == {
        "model": "google/imagen-x",
        "prompt": "a lighthouse",
        "n": 4,
        "response_format": "b64_json",
        "providerOptions": {"googleVertex": {"aspectRatio": "16:9"}, "gateway": {"user": "1:2"}},
    }
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["x-title"] == "imagebot"
    assert request.headers["http-referer"] == APP_URL
    assert request.headers["Content-Type"] == "application/json"


async def test_jpeg_is_sniffed_not_assumed(client: GatewayClient, gateway: FakeAIGateway) -> None:
    jpeg = make_jpeg(5000)
    gateway.push("images", ImagesReply([jpeg]))
    (image,) = (await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p"))).images
    assert (image.data, image.mime, image.extension) == (jpeg, "image/jpeg", "jpg")


async def test_key_is_per_request_not_a_session_default(
    client: GatewayClient, gateway: FakeAIGateway, session: aiohttp.ClientSession
) -> None:
    await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p"))
    await client.list_models()
    assert [r.headers.get("Authorization") for r in gateway.requests] == [f"Bearer {API_KEY}"] * 2
    assert "Authorization" not in session.headers
    async with session.get(f"{gateway.origin}/files/none") as resp:  # plain use of the shared session
        assert resp.status == 404
    assert "Authorization" not in gateway.requests[-1].headers


async def test_url_results_on_the_gateway_origin(client: GatewayClient, gateway: FakeAIGateway) -> None:
    reply = ImagesReply.png(2, 20_000, as_url=True)
    gateway.push("images", reply)
    result = await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p", n=2))
    assert [image.data for image in result.images] == reply.images
    downloads = [r for r in gateway.requests if r.path.startswith("/files/")]
    assert len(downloads) == 2


async def test_url_download_is_size_capped(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    client = make_client(max_image_bytes=10_000)
    gateway.push("images", ImagesReply([make_png(50_000)], as_url=True))
    with pytest.raises(gw.ImageTooLargeError):
        await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p"))


async def test_url_download_failure_is_typed(client: GatewayClient, gateway: FakeAIGateway) -> None:
    gateway.push("images", ImagesReply(urls=[f"{gateway.origin}/files/missing"]))
    with pytest.raises(gw.BadResponseError, match="404"):
        await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p"))
    assert sum(r.path == "/v1/images/generations" for r in gateway.requests) == 1  # no retry: billed


async def test_b64_image_over_cap(make_client: Callable[..., GatewayClient], gateway: FakeAIGateway) -> None:
    client = make_client(max_image_bytes=10_000)
    gateway.push("images", ImagesReply([make_png(10_001)]))
    with pytest.raises(gw.ImageTooLargeError):
        await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p"))


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        (
            {"data": [{"b64_json": pybase64.b64encode(b"<html>not an image</html>").decode()}]},
            gw.InvalidImageError,
        ),
        ({"data": [{"b64_json": "@@not base64@@"}]}, gw.InvalidImageError),
        ({"data": "nope"}, gw.BadResponseError),
        ({"data": [{"revised_prompt": "no image at all"}]}, gw.BadResponseError),
    ],
)
async def test_bad_200_bodies(
    client: GatewayClient, gateway: FakeAIGateway, extra: dict[str, object], error: type[gw.GatewayError]
) -> None:
    gateway.push("images", ImagesReply(extra=extra))
    with pytest.raises(error):
        await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p"))
    assert len(gateway.requests) == 1


async def test_concurrent_generations_share_the_session(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    replies = [ImagesReply.png(1, 50_000 + i) for i in range(8)]
    gateway.push("images", *replies)
    results = await asyncio.gather(
        *(client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt=f"p{i}")) for i in range(8))
    )
    assert sorted(len(r.images[0].data) for r in results) == [50_000 + i for i in range(8)]
