"""Edges of `bot.gateway._parse` that a lenient parser gets wrong quietly (issue 11, item 8).

Each test pins one decision: the per-image cap on data URLs, how a non-JSON error body is
classified, how an in-stream error is typed, how a catalogue entry is classified.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from bot.gateway import _parse
from bot.gateway import errors as gw
from bot.gateway.models import GeneratedImage
from tests.fakes.ai_gateway import data_url, make_png

KEY = "sk-secret-key-123"
PNG = make_png(3000, seed=3)


def box(payload: object) -> list[bytes | bytearray]:
    return [orjson.dumps(payload)]


def chat(*images: object) -> dict[str, Any]:
    return {"choices": [{"message": {"content": "hi", "images": list(images)}}]}


# --- the per-image cap on data URLs -----------------------------------------------------------


def test_a_chat_data_url_image_is_held_to_the_per_image_cap() -> None:
    url = data_url(PNG)
    parsed = _parse.parse_chat_body(box(chat(url)), max_image_bytes=len(PNG))
    assert [image.data for image in parsed.images] == [PNG]  # type: ignore[union-attr]
    with pytest.raises(gw.ImageTooLargeError):
        _parse.parse_chat_body(box(chat(url)), max_image_bytes=len(PNG) - 1)


def test_an_images_url_item_with_a_data_url_is_held_to_the_cap_too() -> None:
    body = {"data": [{"url": data_url(PNG), "revised_prompt": "a fox"}]}
    [image] = _parse.parse_images_body(box(body), max_image_bytes=len(PNG)).images
    assert isinstance(image, GeneratedImage)
    assert (image.data, image.revised_prompt) == (PNG, "a fox")
    with pytest.raises(gw.ImageTooLargeError):
        _parse.parse_images_body(box(body), max_image_bytes=len(PNG) - 1)


def test_chat_images_past_the_request_cap_are_dropped_and_counted() -> None:
    url = data_url(PNG)
    parsed = _parse.parse_chat_body(box(chat(url, url, url)), max_image_bytes=len(PNG), max_images=2)
    assert (len(parsed.images), parsed.dropped) == (2, 1)
    exact = _parse.parse_chat_body(box(chat(url, url)), max_image_bytes=len(PNG), max_images=2)
    assert (len(exact.images), exact.dropped) == (2, 0)


def test_chat_image_items_must_carry_a_url() -> None:
    with pytest.raises(gw.BadResponseError, match="no URL"):
        _parse.parse_chat_body(box(chat({"type": "image_url"})), max_image_bytes=10)
    with pytest.raises(gw.BadResponseError, match="not a list"):
        _parse.parse_chat_body(box({"choices": [{"message": {"images": "x"}}]}), max_image_bytes=10)
    with pytest.raises(gw.BadResponseError, match="no message"):
        _parse.parse_chat_body(box({"choices": [{"message": "x"}]}), max_image_bytes=10)


# --- non-JSON (and non-object) error bodies ---------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, gw.AuthenticationError),
        (429, gw.RateLimitError),
        (413, gw.BadRequestError),
        (504, gw.ServerError),
    ],
)
def test_a_non_json_error_body_is_classified_by_status_alone(status: int, cls: type[gw.GatewayError]) -> None:
    error = _parse.error_from_http(status, b"<html>upstream said no</html>", retry_after=7.0)
    assert type(error) is cls
    assert (error.status, error.type, error.code, error.generation_id) == (status, None, None, None)
    assert (error.message, error.retry_after) == (f"HTTP {status}", 7.0)
    assert error.body == "<html>upstream said no</html>"


def test_a_json_error_body_that_is_not_an_object_is_classified_by_status() -> None:
    error = _parse.error_from_http(402, b'["no", "credits"]')
    assert type(error) is gw.InsufficientCreditsError
    assert (error.message, error.body) == ("HTTP 402", '["no", "credits"]')


def test_an_empty_error_body_keeps_no_body() -> None:
    error = _parse.error_from_http(503, b"")
    assert type(error) is gw.ServerError
    assert (error.message, error.body) == ("HTTP 503", None)


def test_a_non_json_error_body_is_scrubbed_of_the_key() -> None:
    error = _parse.error_from_http(500, f"bad key {KEY}!".encode(), secret=KEY)
    assert error.body == "bad key ***!"


def test_a_json_error_body_is_scrubbed_of_the_key_in_message_and_body() -> None:
    raw = orjson.dumps({"error": {"message": f"key {KEY} refused"}})
    error = _parse.error_from_http(401, raw, secret=KEY)
    assert error.message == "key *** refused"
    assert error.body == '{"error":{"message":"key *** refused"}}'


# --- in-stream errors and error payloads ------------------------------------------------------


def test_an_error_inside_a_200_is_typed_by_its_type() -> None:
    error = _parse.error_from_payload({"error": {"message": "no", "type": "model_not_found"}}, status=200)
    assert type(error) is gw.NotFoundError
    assert error.status == 404


def test_an_untyped_in_stream_error_is_a_server_error() -> None:
    error = _parse.error_from_payload({"error": {"message": "boom"}}, status=None)
    assert type(error) is gw.ServerError
    assert (error.status, error.type, error.message) == (500, None, "boom")


def test_an_unknown_code_does_not_become_the_type() -> None:
    error = _parse.error_from_payload({"error": {"message": "x", "code": "weird_code"}}, status=None)
    assert (error.type, error.code, error.status) == (None, "weird_code", 500)


@pytest.mark.parametrize(("code", "kept"), [(7, 7), (True, None), (1.5, None), ("c", "c")])
def test_error_codes_are_strings_or_integers(code: object, kept: object) -> None:
    error = _parse.error_from_payload({"error": {"message": "x", "code": code}}, status=400)
    assert error.code == kept


def test_a_bare_string_error_takes_type_and_code_from_the_body() -> None:
    body = {"error": "slow down", "type": "rate_limit_exceeded", "code": 42}
    error = _parse.error_from_payload(body, status=None)
    assert type(error) is gw.RateLimitError
    assert (error.message, error.type, error.code, error.status) == (
        "slow down",
        "rate_limit_exceeded",
        42,
        429,
    )


def test_a_message_beside_the_error_is_used_when_the_error_has_none() -> None:
    error = _parse.error_from_payload({"error": {"type": "x"}, "message": "outer text"}, status=400)
    assert error.message == "outer text"
    assert _parse.error_from_payload({"error": {"type": "x"}}, status=400).message == "HTTP 400"


def test_a_long_message_is_cut_to_500_characters() -> None:
    error = _parse.error_from_payload({"error": {"message": "m" * 600}}, status=400)
    assert error.message == "m" * 500


def test_the_generation_id_comes_from_the_first_key_present() -> None:
    body = {"error": {"message": "x"}, "id": "c", "generation_id": "b", "generationId": "a"}
    assert _parse.error_from_payload(body, status=500).generation_id == "a"
    del body["generationId"]
    assert _parse.error_from_payload(body, status=500).generation_id == "b"
    del body["generation_id"]
    assert _parse.error_from_payload(body, status=500).generation_id == "c"
    body["id"] = 5
    assert _parse.error_from_payload(body, status=500).generation_id is None


def test_content_policy_only_for_a_400() -> None:
    body = {"error": {"message": "rejected by the safety system"}}
    assert type(_parse.error_from_payload(body, status=400)) is gw.ContentPolicyError
    assert type(_parse.error_from_payload(body, status=422)) is gw.BadRequestError
    coded = {"error": {"message": "no", "code": "content_policy_violation"}}
    assert type(_parse.error_from_payload(coded, status=400)) is gw.ContentPolicyError


@pytest.mark.parametrize(
    ("value", "message", "error_type"),
    [
        ({"error_type": "t", "error_message": '{"error": {"message": "inner", "type": "u"}}'}, "inner", "u"),
        ({"error_type": "t", "error_message": '{"error": {"message": "inner"}}'}, "inner", "t"),
        ({"error_type": "t", "error_message": '{"error": "as a string"}'}, "as a string", "t"),
        ({"error_type": "t", "error_message": '{"other": 1}'}, "outer", "t"),
        ({"error_type": "t", "error_message": "[1]"}, "outer", "t"),
        ({"error_type": "t", "error_message": 5}, "outer", "t"),
        ({"error_type": 5, "error_message": "not json"}, "not json", None),
        ("not a dict", "outer", None),
    ],
)
def test_nested_in_stream_error_values(value: object, message: str, error_type: str | None) -> None:
    error = _parse.error_from_payload({"error": {"message": "outer", "value": value}}, status=None)
    assert (error.message, error.type) == (message, error_type)


def test_the_outer_type_wins_over_the_nested_one() -> None:
    value = {"error_message": '{"error": {"message": "inner", "type": "rate_limit_exceeded"}}'}
    error = _parse.error_from_payload(
        {"error": {"message": "outer", "type": "authentication_error", "value": value}}, status=None
    )
    assert (type(error), error.type, error.message) == (
        gw.AuthenticationError,
        "authentication_error",
        "inner",
    )


# --- catalogue classification -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "endpoint", "image_input"),
    [
        ({"id": "v/m", "type": "language", "tags": ["Image-Generation"]}, "chat", False),
        ({"id": "v/m", "tags": ["image-output", "VISION"]}, "chat", True),  # no type: a language model
        ({"id": "v/m", "type": "language", "tags": ["image-gen", 3]}, "chat", False),
        ({"id": "v/m", "architecture": {"output_modalities": ["text", "image"]}}, "chat", False),
        ({"id": "v/m", "architecture": {"input_modalities": ["image"]}}, None, True),
        ({"id": "v/m", "architecture": "text->image"}, None, False),
        ({"id": "v/m", "tags": ["file-input"]}, None, True),
        ({"id": "v/m", "tags": ["image-editing"]}, None, True),
        ({"id": "v/m", "tags": "vision"}, None, False),  # tags must be a list
        ({"id": "v/Model-Image.2"}, "chat", False),
        ({"id": "v/model-image"}, "chat", False),
        ({"id": "v/model-images"}, None, False),
        ({"id": "v/m", "type": "embedding", "tags": ["image-generation"]}, None, False),
        ({"id": "v/m", "type": 5, "tags": ["image-generation"]}, "chat", False),  # a non-string type: none
    ],
)
def test_classify_model(entry: dict[str, Any], endpoint: str | None, image_input: bool) -> None:
    info = _parse.classify_model(entry)
    assert info is not None
    assert (info.endpoint, info.accepts_image_input) == (endpoint, image_input)


def test_classify_model_keeps_readable_fields_and_drops_the_rest() -> None:
    entry = {
        "id": "v/m",
        "type": "image",
        "name": "Model",
        "owned_by": 7,
        "description": "Makes images",
        "tags": ["a", 1, "b"],
        "pricing": {"image": "0.04"},
    }
    info = _parse.classify_model(entry)
    assert info is not None
    assert (info.name, info.owned_by, info.description, info.type) == ("Model", None, "Makes images", "image")
    assert info.tags == ("a", "b")
    assert info.pricing == {"image": "0.04"}
    assert _parse.classify_model({"id": "v/m", "pricing": ["x"]}).pricing == {}  # type: ignore[union-attr]


def test_a_chat_message_without_images_is_text_only() -> None:
    parsed = _parse.parse_chat_body(
        box({"choices": [{"message": {"content": "just text"}}]}), max_image_bytes=10
    )
    assert (parsed.text, parsed.images, parsed.dropped) == ("just text", [], 0)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"choices": []}, "chat result has no choices"),
        ({"choices": ["x"]}, "chat result has no choices"),
        ({"choices": [{"message": None}]}, "chat result has no message"),
        ({"choices": [{"message": {"images": 5}}]}, "chat message `images` is not a list"),
    ],
)
def test_unreadable_chat_bodies_say_why_in_the_log(payload: dict[str, Any], reason: str) -> None:
    with pytest.raises(gw.BadResponseError) as info:
        _parse.parse_chat_body(box(payload), max_image_bytes=10)
    assert str(info.value) == reason
