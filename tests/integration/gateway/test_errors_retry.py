"""HTTP errors, timeouts, refused connections and the retry rules, end to end on loopback."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
import pytest
from pydantic import SecretStr

from bot.gateway import GatewayClient, RetryPolicy
from bot.gateway import errors as gw
from bot.gateway.models import ImageRequest
from tests.fakes.ai_gateway import Disconnect, ErrorReply, FakeAIGateway, ImagesReply
from tests.integration.gateway.conftest import API_KEY

REQUEST = ImageRequest(model="bfl/flux-2-pro", prompt="a fox")


def image_calls(gateway: FakeAIGateway) -> int:
    return sum(r.path == "/v1/images/generations" for r in gateway.requests)


@pytest.mark.parametrize(
    ("status", "error_type", "cls"),
    [
        (400, "invalid_request_error", gw.BadRequestError),
        (401, "authentication_error", gw.AuthenticationError),
        (402, "insufficient_funds", gw.InsufficientCreditsError),
        (403, "forbidden", gw.PermissionDeniedError),
        (404, "model_not_found", gw.NotFoundError),
        (429, "rate_limit_exceeded", gw.RateLimitError),
        (500, "internal_server_error", gw.ServerError),
        (502, None, gw.ServerError),
        (503, None, gw.ServerError),
        (504, None, gw.ServerError),
    ],
)
async def test_each_status_gives_its_class(
    make_client: Callable[..., GatewayClient],
    make_policy: Callable[..., RetryPolicy],
    gateway: FakeAIGateway,
    status: int,
    error_type: str | None,
    cls: type[gw.GatewayError],
) -> None:
    client = make_client(retry=make_policy(max_attempts=1))
    gateway.push(
        "images", ErrorReply(status, "RAW-GATEWAY-TEXT", error_type=error_type, generation_id="gen_e")
    )
    with pytest.raises(gw.GatewayError) as caught:
        await client.generate_images(REQUEST)
    error = caught.value
    assert type(error) is cls
    assert (error.status, error.type, error.generation_id) == (status, error_type, "gen_e")
    assert error.message == "RAW-GATEWAY-TEXT"
    assert "RAW-GATEWAY-TEXT" not in error.user_message
    assert API_KEY not in error.user_message
    assert API_KEY not in str(error)


async def test_bare_string_error_body(client: GatewayClient, gateway: FakeAIGateway) -> None:
    reply = ErrorReply(
        403, "Free tier users do not have access", error_type="no_providers_available", bare_string=True
    )
    gateway.push("images", reply)
    with pytest.raises(gw.PermissionDeniedError) as caught:
        await client.generate_images(REQUEST)
    assert caught.value.type == "no_providers_available"
    assert caught.value.message == "Free tier users do not have access"


async def test_html_error_body_never_reaches_the_user(client: GatewayClient, gateway: FakeAIGateway) -> None:
    gateway.push("images", *[ErrorReply(502, body=b"<html>upstream-secret-host</html>")] * 3)
    with pytest.raises(gw.ServerError) as caught:
        await client.generate_images(REQUEST)
    assert caught.value.message == "HTTP 502"
    assert "upstream-secret-host" in (caught.value.body or "")
    assert "upstream-secret-host" not in caught.value.user_message
    assert image_calls(gateway) == 3  # 502 is retried up to max_attempts


async def test_content_policy_400(client: GatewayClient, gateway: FakeAIGateway) -> None:
    reply = ErrorReply(
        400, "Prompt rejected by the provider's safety system", code="content_policy_violation"
    )
    gateway.push("images", reply)
    with pytest.raises(gw.ContentPolicyError):
        await client.generate_images(REQUEST)
    assert image_calls(gateway) == 1


async def test_key_echoed_in_an_error_is_scrubbed(client: GatewayClient, gateway: FakeAIGateway) -> None:
    gateway.push("images", ErrorReply(401, f"Invalid API key {API_KEY}", error_type="authentication_error"))
    with pytest.raises(gw.AuthenticationError) as caught:
        await client.generate_images(REQUEST)
    assert API_KEY not in caught.value.message
    assert caught.value.body is not None
    assert "Invalid API key" in caught.value.body
    assert API_KEY not in caught.value.body  # ...without the key


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 500])
async def test_never_retried_statuses(
    client: GatewayClient, gateway: FakeAIGateway, sleeps: list[float], status: int
) -> None:
    gateway.push("images", ErrorReply(status), ImagesReply.png(1))
    with pytest.raises(gw.GatewayError):
        await client.generate_images(REQUEST)
    assert image_calls(gateway) == 1
    assert sleeps == []


async def test_429_with_retry_after_seconds_then_success(
    client: GatewayClient, gateway: FakeAIGateway, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    gateway.push("images", ErrorReply(429, "slow down", error_type="rate_limit_exceeded", retry_after="3"))
    with caplog.at_level(logging.WARNING, logger="bot.gateway.client"):
        result = await client.generate_images(REQUEST)
    assert len(result.images) == 1
    assert sleeps == [3.0]
    assert image_calls(gateway) == 2
    (record,) = caplog.records
    assert "status=429" in record.getMessage()
    assert "type=rate_limit_exceeded" in record.getMessage()
    assert "attempt 1/3" in record.getMessage()
    assert API_KEY not in caplog.text


async def test_429_with_retry_after_http_date(
    client: GatewayClient, gateway: FakeAIGateway, sleeps: list[float]
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    gateway.push("images", ErrorReply(429, retry_after=when))
    await client.generate_images(REQUEST)
    (delay,) = sleeps
    assert 28.0 <= delay <= 30.0


async def test_retry_after_beyond_budget_is_raised(
    make_client: Callable[..., GatewayClient], make_policy: Callable[..., RetryPolicy], gateway: FakeAIGateway
) -> None:
    client = make_client(retry=make_policy(total_budget=10.0))
    gateway.push("images", ErrorReply(429, retry_after="60"))
    with pytest.raises(gw.RateLimitError) as caught:
        await client.generate_images(REQUEST)
    assert caught.value.retry_after == 60.0
    assert "60 s" in caught.value.user_message
    assert image_calls(gateway) == 1


async def test_503_then_success_with_jittered_backoff(
    client: GatewayClient, gateway: FakeAIGateway, sleeps: list[float]
) -> None:
    gateway.push("images", ErrorReply(503), ErrorReply(504))
    result = await client.generate_images(REQUEST)
    assert len(result.images) == 1
    assert image_calls(gateway) == 3
    assert len(sleeps) == 2
    assert 0.0075 <= sleeps[0] <= 0.01  # base 0.01, jitter 25 %
    assert 0.015 <= sleeps[1] <= 0.02


async def test_503_every_time_gives_up_after_max_attempts(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    gateway.push("images", *[ErrorReply(503)] * 5)
    with pytest.raises(gw.ServerError):
        await client.generate_images(REQUEST)
    assert image_calls(gateway) == 3


async def test_disconnect_before_response_is_retried(client: GatewayClient, gateway: FakeAIGateway) -> None:
    gateway.push("images", Disconnect())
    result = await client.generate_images(REQUEST)
    assert len(result.images) == 1
    assert image_calls(gateway) == 2


async def test_timeout_gives_typed_error(
    make_client: Callable[..., GatewayClient], make_policy: Callable[..., RetryPolicy], gateway: FakeAIGateway
) -> None:
    client = make_client(total_timeout=0.2, retry=make_policy(max_attempts=1))
    gateway.push("images", ImagesReply.png(1, delay=30))  # cut short when the fake closes
    with pytest.raises(gw.GatewayTimeoutError):
        await client.generate_images(REQUEST)


async def test_timeout_after_the_request_was_sent_is_not_retried(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    # The generation may be running (and billed) upstream: a retry could charge twice.
    # 2 s, not less: on a loaded machine a shorter timeout can fire before the request even
    # reaches the fake, and then nothing was sent at all.
    client = make_client(total_timeout=2.0)
    gateway.push("images", ImagesReply.png(1, delay=30))
    with pytest.raises(gw.GatewayTimeoutError):
        await client.generate_images(REQUEST)
    assert image_calls(gateway) == 1


async def test_connection_refused(
    session: aiohttp.ClientSession, make_policy: Callable[..., RetryPolicy], sleeps: list[float]
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GatewayClient(session, f"http://127.0.0.1:{port}/v1", SecretStr(API_KEY), retry=make_policy())
    with pytest.raises(gw.GatewayConnectionError) as caught:
        await client.generate_images(REQUEST)
    assert len(sleeps) == 2  # retried: nothing was sent
    assert API_KEY not in str(caught.value)


def test_base_url_must_be_absolute_http() -> None:
    with pytest.raises(ValueError, match="base_url"):
        GatewayClient(None, "/v1", None)  # type: ignore[arg-type]
