"""Edges of `bot.gateway._parse` that a lenient parser gets wrong quietly (issue 11, item 8).

Each test pins one decision: the per-image cap on data URLs, how a non-JSON error body is
classified, how an in-stream error is typed, how a catalogue entry is classified.
"""

from __future__ import annotations

from typing import Any

import orjson
import pybase64
import pytest

from bot.gateway import _parse
from bot.gateway import errors as gw
from bot.gateway._extract import BLOB_PREFIX
from bot.gateway.budget import ImageBudget
from bot.gateway.models import GeneratedImage
from bot.gateway.spool import ImageData
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


# --- exact shapes of parsed results (what a lenient or sloppy parser would get wrong) --------


def placeholder(index: int) -> str:
    return f"{BLOB_PREFIX}{index}"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"<html>", "the gateway answered with invalid JSON"),
        (b"[1]", "the gateway answered with JSON that is not an object"),
        (b'{"data": 5}', "image result has no `data` list"),
        (b'{"data": ["x"]}', "image result item is not an object"),
        (b'{"data": [{"revised_prompt": "p"}]}', "image result item has neither `b64_json` nor `url`"),
        (b'{"data": [{"b64_json": 5}]}', "image result item has neither `b64_json` nor `url`"),
    ],
)
def test_unreadable_image_bodies_say_why_in_the_log(raw: bytes, reason: str) -> None:
    with pytest.raises(gw.BadResponseError) as info:
        _parse.parse_images_body([raw], max_image_bytes=10)
    assert str(info.value) == reason


def test_a_model_list_without_data_says_why() -> None:
    with pytest.raises(gw.BadResponseError) as info:
        _parse.parse_models_body(box({"object": "list", "data": {}}))
    assert str(info.value) == "model list has no `data` list"


def test_an_image_url_that_is_not_http_or_data_is_refused_with_its_reason() -> None:
    with pytest.raises(gw.UnsafeURLError) as info:
        _parse.image_from_url("file:///etc/passwd", 10)
    assert str(info.value) == "image URL is neither a data URL nor http(s)"


@pytest.mark.parametrize("url", ["https://cdn.example.test/a.png", "http://cdn.example.test/a.png"])
def test_an_http_image_url_is_a_pending_download_with_its_revised_prompt(url: str) -> None:
    assert _parse.image_from_url(url, 10, "a fox") == _parse.PendingImage(url, "a fox")


def test_a_data_url_image_keeps_mime_revised_prompt_and_budget() -> None:
    budget = ImageBudget()
    image = _parse.image_from_url(data_url(PNG), len(PNG), "a fox", budget=budget)
    assert isinstance(image, GeneratedImage)
    assert (image.data, image.mime, image.revised_prompt) == (PNG, "image/png", "a fox")
    assert budget.in_memory == len(PNG)


def test_a_placeholder_becomes_its_blob_with_the_revised_prompt() -> None:
    blobs = [ImageData.of(make_png(200, seed=1)), ImageData.of(PNG)]
    image = _parse.image_from_url(placeholder(1), 10, "a fox", blobs)
    assert isinstance(image, GeneratedImage)
    assert (image.data, image.revised_prompt) == (PNG, "a fox")
    direct = _parse.blob_image(placeholder(0), blobs, "an owl")
    assert direct is not None
    assert direct.revised_prompt == "an owl"
    assert _parse.blob_image("not a placeholder", blobs) is None


@pytest.mark.parametrize("index", [2, 3])
def test_a_placeholder_past_the_blobs_is_a_bad_response(index: int) -> None:
    blobs = [ImageData.of(PNG), ImageData.of(PNG)]
    with pytest.raises(gw.BadResponseError) as info:
        _parse.blob_image(placeholder(index), blobs)
    assert str(info.value) == "image placeholder out of range"


def test_images_body_items_in_every_form() -> None:
    blobs = [ImageData.of(PNG)]
    budget = ImageBudget()
    other = make_png(400, seed=2)
    body = {
        "data": [
            {"b64_json": placeholder(0), "revised_prompt": "from a blob"},
            {"b64_json": pybase64.b64encode(other).decode(), "revised_prompt": 7},
            {"b64_json": "", "url": "https://cdn.example.test/a.png", "revised_prompt": "by url"},
            {"url": placeholder(0)},
            {"url": data_url(other)},
        ],
        "id": 5,
        "generationId": "gen_1",
        "model": 3,
        "providerMetadata": "not an object",
    }
    parsed = _parse.parse_images_body(box(body), len(other), blobs, budget=budget)
    blob, decoded, pending, by_url, data = parsed.images
    assert isinstance(blob, GeneratedImage)
    assert (blob.data, blob.revised_prompt) == (PNG, "from a blob")
    assert isinstance(decoded, GeneratedImage)
    assert (decoded.data, decoded.revised_prompt) == (other, None)  # a non-string prompt is dropped
    assert pending == _parse.PendingImage("https://cdn.example.test/a.png", "by url")
    assert isinstance(by_url, GeneratedImage)
    assert by_url.data == PNG
    assert isinstance(data, GeneratedImage)
    assert data.data == other
    assert budget.in_memory == 2 * len(other)  # the two images decoded here, not the blob
    assert (parsed.text, parsed.generation_id, parsed.model) == ("", "gen_1", None)
    assert (parsed.provider_metadata, parsed.usage, parsed.dropped) == ({}, None, 0)


def test_images_past_the_request_cap_are_dropped_at_the_exact_boundary() -> None:
    item = {"url": "https://cdn.example.test/a.png"}
    for count, kept, dropped in [(1, 1, 0), (2, 2, 0), (3, 2, 1), (5, 2, 3)]:
        parsed = _parse.parse_images_body(box({"data": [item] * count}), 10, max_images=2)
        assert (len(parsed.images), parsed.dropped) == (kept, dropped)
    unbounded = _parse.parse_images_body(box({"data": [item] * 5}), 10)
    assert (len(unbounded.images), unbounded.dropped) == (5, 0)


def test_chat_images_are_held_in_the_budget() -> None:
    budget = ImageBudget()
    parsed = _parse.parse_chat_body(box(chat(data_url(PNG))), len(PNG), budget=budget)
    assert [image.data for image in parsed.images] == [PNG]  # type: ignore[union-attr]
    assert budget.in_memory == len(PNG)


def test_a_chat_image_item_without_a_url_says_so_exactly() -> None:
    with pytest.raises(gw.BadResponseError) as info:
        _parse.parse_chat_body(box(chat({"image_url": {"url": 5}})), max_image_bytes=10)
    assert str(info.value) == "chat image item has no URL"
    assert _parse.image_url_of({"image_url": 5}) is None


def test_content_text_keeps_only_text_parts() -> None:
    parts = ["loose", {"type": "image_url", "text": "no"}, {"type": "text"}, {"type": "text", "text": "a"}]
    assert _parse.content_text(parts) == "a"


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"input_tokens": True, "cost": "inf"}, (None, None)),
        ({"input_tokens": "12", "cost": "nan"}, (12, None)),
        ({"input_tokens": 3.9, "cost": False}, (3, None)),
    ],
)
def test_usage_numbers_must_be_finite_and_not_booleans(usage: dict[str, Any], expected: object) -> None:
    parsed = _parse.parse_usage(usage)
    assert parsed is not None
    assert (parsed.input_tokens, parsed.cost) == expected


def test_classify_model_keeps_only_string_supported_parameters() -> None:
    info = _parse.classify_model({"id": "v/m", "supported_parameters": ["seed", 3, "n"]})
    assert info is not None
    assert info.supported_parameters == ("seed", "n")


# --- exact fields of errors -------------------------------------------------------------------


def test_a_non_string_message_falls_back_to_the_outer_one() -> None:
    error = _parse.error_from_payload({"error": {"message": 5}, "message": "outer"}, status=400)
    assert error.message == "outer"


def test_a_non_string_bare_error_has_no_message() -> None:
    error = _parse.error_from_payload({"error": 5}, status=None)
    assert (type(error), error.message, error.param) == (gw.ServerError, "HTTP 500", None)


def test_a_bare_string_error_has_no_param() -> None:
    assert _parse.error_from_payload({"error": "no", "param": "x"}, status=400).param is None


def test_a_non_string_type_is_dropped() -> None:
    error = _parse.error_from_payload({"error": {"message": "m", "type": 5}}, status=None)
    assert (type(error), error.type, error.status) == (gw.ServerError, None, 500)


def test_a_non_string_nested_type_falls_back_to_the_outer_error_type() -> None:
    value = {"error_type": "rate_limit_exceeded", "error_message": '{"error": {"message": "m", "type": 5}}'}
    error = _parse.error_from_payload({"error": {"value": value}}, status=None)
    assert (type(error), error.type, error.message) == (gw.RateLimitError, "rate_limit_exceeded", "m")


def test_content_policy_is_read_from_the_type_alone() -> None:
    body = {"error": {"message": "refused", "type": "content_policy_violation"}}
    assert type(_parse.error_from_payload(body, status=400)) is gw.ContentPolicyError


def test_an_empty_raw_body_is_kept_as_none() -> None:
    assert _parse.error_from_payload({"error": "x"}, status=400, raw="").body is None


def test_an_error_body_that_is_not_utf8_is_kept_with_replacements() -> None:
    error = _parse.error_from_http(502, b"bad \xff gateway")
    assert (type(error), error.body, error.retryable) == (gw.ServerError, "bad \ufffd gateway", True)
    coded = _parse.error_from_http(400, b'{"error": {"message": "caf\xc3\xa9 \xff"}}')
    assert coded.body == '{"error": {"message": "caf\u00e9 \ufffd"}}'
