"""Error taxonomy: status/type -> class, lenient body parsing, safe user messages."""

from __future__ import annotations

import orjson
import pytest

from bot.gateway import _parse
from bot.gateway import errors as gw

KEY = "sk-secret-key-123"


@pytest.mark.parametrize(
    ("status", "error_type", "cls"),
    [
        (400, None, gw.BadRequestError),
        (401, None, gw.AuthenticationError),
        (402, None, gw.InsufficientCreditsError),
        (403, None, gw.PermissionDeniedError),
        (404, None, gw.NotFoundError),
        (408, None, gw.GatewayTimeoutError),
        (413, None, gw.BadRequestError),
        (422, None, gw.BadRequestError),
        (424, "failed_dependency", gw.BadRequestError),
        (418, None, gw.BadRequestError),
        (429, None, gw.RateLimitError),
        (500, None, gw.ServerError),
        (502, None, gw.ServerError),
        (503, None, gw.ServerError),
        (504, None, gw.ServerError),
        (None, "rate_limit_exceeded", gw.RateLimitError),
        (None, "model_not_found", gw.NotFoundError),
        (None, "authentication_error", gw.AuthenticationError),
        (None, "insufficient_funds", gw.InsufficientCreditsError),
        (None, "no_providers_available", gw.PermissionDeniedError),
        (None, "gateway_stream_timeout", gw.ServerError),
        (None, "something_new", gw.ServerError),
        (200, "invalid_request_error", gw.BadRequestError),
    ],
)
def test_class_for(status: int | None, error_type: str | None, cls: type[gw.GatewayError]) -> None:
    assert gw.class_for(status, error_type) is cls


@pytest.mark.parametrize(
    ("error_type", "code", "message", "expected"),
    [
        (None, "content_policy_violation", "rejected", True),
        ("invalid_request_error", None, "Your request was rejected by the safety system", True),
        (None, None, "flagged by moderation", True),
        ("invalid_request_error", "missing_parameter", "missing required parameter 'model'", False),
        (None, None, "prompt too long", False),
    ],
)
def test_is_content_policy(error_type: str | None, code: str | None, message: str, expected: bool) -> None:
    assert gw.is_content_policy(error_type, code, message) is expected


def test_object_error_body() -> None:
    body = {
        "error": {"message": "Model 'x/y' not found", "type": "model_not_found", "param": {"modelId": "x/y"}},
        "generationId": "gen_1",
    }
    error = _parse.error_from_http(404, orjson.dumps(body))
    assert isinstance(error, gw.NotFoundError)
    assert (error.status, error.type, error.param, error.generation_id) == (
        404,
        "model_not_found",
        {"modelId": "x/y"},
        "gen_1",
    )
    assert error.message == "Model 'x/y' not found"


def test_bare_string_error_body() -> None:
    body = {"error": "Your team has restricted access to this provider", "type": "no_providers_available"}
    error = _parse.error_from_http(403, orjson.dumps(body))
    assert isinstance(error, gw.PermissionDeniedError)
    assert error.type == "no_providers_available"
    assert error.message.startswith("Your team has restricted access")


def test_non_json_body_is_kept_for_logs_only() -> None:
    html = b"<html><body>502 Bad Gateway from upstream-7</body></html>"
    error = _parse.error_from_http(502, html, retry_after=3.0)
    assert isinstance(error, gw.ServerError)
    assert error.message == "HTTP 502"
    assert error.body is not None
    assert "upstream-7" in error.body
    assert error.retry_after == 3.0
    assert "upstream-7" not in error.user_message
    assert "upstream-7" not in str(error)


def test_400_with_policy_marker_is_content_policy() -> None:
    body = {"error": {"message": "Image rejected by safety system", "type": "invalid_request_error"}}
    error = _parse.error_from_http(400, orjson.dumps(body))
    assert isinstance(error, gw.ContentPolicyError)
    assert "content policy" in error.user_message


def test_policy_marker_on_other_status_is_not_content_policy() -> None:
    body = {"error": {"message": "policy routing rule denied", "type": "forbidden"}}
    assert type(_parse.error_from_http(403, orjson.dumps(body))) is gw.PermissionDeniedError


def test_user_message_never_has_body_or_key_and_key_is_scrubbed() -> None:
    body = {"error": {"message": f"Invalid key {KEY} (RAW-DETAIL)", "type": "authentication_error"}}
    error = _parse.error_from_http(401, orjson.dumps(body), secret=KEY)
    assert isinstance(error, gw.AuthenticationError)
    assert error.body == '{"error":{"message":"Invalid key *** (RAW-DETAIL)","type":"authentication_error"}}'
    assert error.message == "Invalid key *** (RAW-DETAIL)"  # kept for the log, scrubbed
    for text in (error.user_message, str(error)):
        assert KEY not in text
    assert "RAW-DETAIL" not in error.user_message


@pytest.mark.parametrize(
    "cls", [c for c in vars(gw).values() if isinstance(c, type) and issubclass(c, gw.GatewayError)]
)
def test_every_class_has_a_fixed_safe_user_message(cls: type[gw.GatewayError]) -> None:
    error = cls("RAW BODY TEXT", body='{"secret": "RAW BODY TEXT"}', retry_after=12.0)
    assert error.user_message
    assert "RAW BODY TEXT" not in error.user_message


def test_rate_limit_message_mentions_retry_after() -> None:
    assert "12 s" in gw.RateLimitError("x", retry_after=12.2).user_message
    assert "minute" in gw.RateLimitError("x").user_message


def test_in_stream_error_extracts_nested_provider_message() -> None:
    inner = orjson.dumps({"error": {"message": "maximum context length is 40960 tokens"}}).decode()
    chunk = {
        "id": "gen_01KYX",
        "object": "chat.completion.chunk",
        "error": {
            "code": "error",
            "message": "Stream error occurred",
            "name": "AI_TypeValidationError",
            "value": {"error_type": "validation_error", "error_message": inner},
        },
    }
    error = _parse.error_from_payload(chunk, status=None)
    # A validation error (here: context length) means the request must change: a 400, not retried.
    assert isinstance(error, gw.BadRequestError)
    assert not error.retryable
    assert error.message == "maximum context length is 40960 tokens"
    assert error.generation_id == "gen_01KYX"
    assert error.type == "validation_error"


def test_in_stream_error_type_from_code_gives_implied_status() -> None:
    chunk = {"id": "gen_2", "error": {"code": "gateway_stream_timeout", "message": "upstream timed out"}}
    error = _parse.error_from_payload(chunk, status=None)
    assert isinstance(error, gw.ServerError)
    assert (error.status, error.type, error.message) == (504, "gateway_stream_timeout", "upstream timed out")


def test_in_stream_rate_limit_is_typed() -> None:
    error = _parse.error_from_payload(
        {"error": {"message": "slow down", "type": "rate_limit_exceeded"}}, status=None
    )
    assert isinstance(error, gw.RateLimitError)
    assert error.status == 429


def test_unparseable_nested_message_is_used_as_text() -> None:
    chunk = {"error": {"message": "outer", "value": {"error_message": "plain provider text"}}}
    assert _parse.error_from_payload(chunk, status=None).message == "plain provider text"
