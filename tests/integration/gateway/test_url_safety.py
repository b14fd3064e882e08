"""Image URLs in gateway replies: only the gateway's origin, or https to public addresses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.gateway import GatewayClient
from bot.gateway import errors as gw
from bot.gateway.models import ChatImageRequest, ImageEvent, ImageRequest
from tests.fakes.ai_gateway import ChatReply, FakeAIGateway, ImagesReply, make_png

REQUEST = ImageRequest(model="bfl/flux-2-pro", prompt="p")


def downloads(fake: FakeAIGateway) -> list[str]:
    return [r.path for r in fake.requests if not r.path.startswith("/v1/")]


async def test_the_gateway_origin_is_fetched_with_the_key(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    png = make_png(20_000, seed=3)
    gateway.push("images", ImagesReply(urls=[gateway.add_file(png)]))
    (image,) = (await client.generate_images(REQUEST)).images
    assert image.data == png
    (download,) = [r for r in gateway.requests if r.path.startswith("/files/")]
    assert download.headers["Authorization"].startswith("Bearer ")


async def test_another_loopback_port_is_refused(client: GatewayClient, gateway: FakeAIGateway) -> None:
    async with FakeAIGateway() as other:
        gateway.push("images", ImagesReply(urls=[other.add_file(make_png(500))]))
        with pytest.raises(gw.UnsafeURLError):
            await client.generate_images(REQUEST)
        assert other.requests == []  # never contacted


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.8/x.png",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x.png",
        "ftp://93.184.216.34/x.png",
        "http://93.184.216.34/x.png",
    ],
)
async def test_private_addresses_and_other_schemes_are_refused(
    client: GatewayClient, gateway: FakeAIGateway, url: str
) -> None:
    gateway.push("images", ImagesReply(urls=[url]))
    with pytest.raises(gw.UnsafeURLError):
        await client.generate_images(REQUEST)


async def test_a_name_is_checked_after_resolution(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]  # a public-looking name that resolves to loopback

    client = make_client(resolver=resolver)
    gateway.push("images", ImagesReply(urls=["https://images.example.test/x.png"]))
    with pytest.raises(gw.UnsafeURLError, match="non-public"):
        await client.generate_images(REQUEST)
    assert asked == ["images.example.test"]


async def test_a_redirect_to_loopback_is_refused(client: GatewayClient, gateway: FakeAIGateway) -> None:
    async with FakeAIGateway() as other:
        target = other.add_file(make_png(500))
        gateway.push("images", ImagesReply(urls=[gateway.add_redirect(target)]))
        with pytest.raises(gw.UnsafeURLError):
            await client.generate_images(REQUEST)
        assert other.requests == []
    assert downloads(gateway) == ["/redirect/r1"]


async def test_a_redirect_within_the_origin_is_followed(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    png = make_png(700, seed=4)
    path = gateway.add_file(png).removeprefix(gateway.origin)
    gateway.push("images", ImagesReply(urls=[gateway.add_redirect(path, status=307)]))  # relative Location
    (image,) = (await client.generate_images(REQUEST)).images
    assert image.data == png


async def test_redirects_are_limited(client: GatewayClient, gateway: FakeAIGateway) -> None:
    url = gateway.add_file(make_png(500))
    for _ in range(4):
        url = gateway.add_redirect(url)
    gateway.push("images", ImagesReply(urls=[url]))
    with pytest.raises(gw.UnsafeURLError, match="more than 3"):
        await client.generate_images(REQUEST)
    assert len(downloads(gateway)) == 4  # the original and three redirects; the last is not fetched


async def test_a_streamed_image_url_to_loopback_is_refused(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    async with FakeAIGateway() as other:
        gateway.push("chat", ChatReply(text_deltas=["hi"], image_urls=[other.add_file(make_png(500))]))
        request = ChatImageRequest(model="google/gemini-3-pro-image", prompt="p")
        events: list[object] = []

        async def consume() -> None:
            async for event in client.stream_chat(request):
                events.append(event)

        with pytest.raises(gw.UnsafeURLError):
            await consume()
        assert not any(isinstance(e, ImageEvent) for e in events)
        assert other.requests == []
