"""Request bodies (neutral options -> provider fields) and result/catalogue parsing."""

from __future__ import annotations

from typing import Any

import orjson
import pybase64
import pytest

from bot.gateway import _parse, _requests
from bot.gateway import errors as gw
from bot.gateway.models import ChatImageRequest, ImageRequest, Usage
from tests.fakes.ai_gateway import DEFAULT_MODELS, data_url, make_jpeg, make_png

PNG = make_png(500, seed=1)


def images_body(**kwargs: Any) -> dict[str, Any]:
    return _requests.images_payload(ImageRequest(prompt="a red fox", **kwargs))


def test_images_payload_basics() -> None:
    assert images_body(model="bfl/flux-2-pro", n=3) == {
        "model": "bfl/flux-2-pro",
        "prompt": "a red fox",
        "n": 3,
        "response_format": "b64_json",
    }


@pytest.mark.parametrize(
    ("model", "ratio", "expected"),
    [
        ("google/imagen-x", "16:9", {"providerOptions": {"googleVertex": {"aspectRatio": "16:9"}}}),
        ("openai/gpt-image-1", "1:1", {"size": "1024x1024"}),
        ("openai/gpt-image-1", "16:9", {"size": "1536x1024"}),
        ("openai/gpt-image-1", "9:16", {"size": "1024x1536"}),
        ("openai/gpt-image-1", "4:3", {"size": "1536x1024"}),
        ("bfl/flux-2-pro", "1:1", {"providerOptions": {"blackForestLabs": {"width": 1024, "height": 1024}}}),
        ("bfl/flux-2-pro", "16:9", {"providerOptions": {"blackForestLabs": {"width": 1376, "height": 768}}}),
        ("bfl/flux-2-pro", "21:1", {"providerOptions": {"blackForestLabs": {"width": 1920, "height": 256}}}),
        ("spacexai/grok-imagine-image", "19.5:9", {"providerOptions": {"xai": {"aspectRatio": "19.5:9"}}}),
        ("xai/grok-imagine-image", "2:3", {"providerOptions": {"xai": {"aspectRatio": "2:3"}}}),
        ("recraft/recraft-v3", "1:1", {"size": "1024x1024"}),
        ("bytedance/seedream-4.0", "3:2", {"size": "1280x832"}),
        ("openai/gpt-image-1", "auto", {}),
    ],
)
def test_aspect_ratio_mapping(model: str, ratio: str, expected: dict[str, Any]) -> None:
    body = images_body(model=model, aspect_ratio=ratio)
    mapped = {key: body[key] for key in ("size", "providerOptions") if key in body}
    assert mapped == expected


def test_bfl_dimensions_are_multiples_of_32_within_range() -> None:
    for ratio in ("3:7", "7:3", "4:5", "5:4", "2:1"):
        options = images_body(model="bfl/flux-2-pro", aspect_ratio=ratio)["providerOptions"][
            "blackForestLabs"
        ]
        assert options["width"] % 32 == 0
        assert options["height"] % 32 == 0
        assert 256 <= options["width"] <= 1920
        assert 256 <= options["height"] <= 1920
        assert 0.85 < options["width"] * options["height"] / 2**20 < 1.15


def test_caller_provider_options_and_size_win() -> None:
    body = images_body(
        model="bfl/flux-2-pro",
        aspect_ratio="16:9",
        size="512x512",
        user="guild:user",
        provider_options={
            "blackForestLabs": {"width": 640, "outputFormat": "jpeg"},
            "gateway": {"tags": ["t"]},
        },
    )
    assert body["size"] == "512x512"
    assert body["providerOptions"] == {
        "blackForestLabs": {"width": 640, "height": 768, "outputFormat": "jpeg"},
        "gateway": {"user": "guild:user", "tags": ["t"]},
    }


def test_caller_user_in_gateway_options_wins_over_request_user() -> None:
    body = images_body(model="x/y", user="a", provider_options={"gateway": {"user": "b"}})
    assert body["providerOptions"]["gateway"] == {"user": "b"}


def test_chat_payload_with_input_images() -> None:
    req = ChatImageRequest(
        model="google/gemini-3-pro-image", prompt="edit this", aspect_ratio="16:9", user="u"
    )
    body = _requests.chat_payload(req, ["data:image/png;base64,AAAA"], stream=True)
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "edit this"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        }
    ]
    assert body["modalities"] == ["text", "image"]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["providerOptions"] == {
        "google": {"imageConfig": {"aspectRatio": "16:9"}},
        "gateway": {"user": "u"},
    }


def test_caller_chat_options_merge_into_the_mapped_ones_at_every_depth() -> None:
    req = ChatImageRequest(
        model="google/gemini-3-pro-image",
        prompt="upscale",
        aspect_ratio="16:9",
        provider_options={"google": {"imageConfig": {"imageSize": "4K"}, "safety": "x"}},
    )
    body = _requests.chat_payload(req, [], stream=True)
    assert body["providerOptions"] == {
        "google": {"imageConfig": {"aspectRatio": "16:9", "imageSize": "4K"}, "safety": "x"}
    }
    assert req.provider_options == {"google": {"imageConfig": {"imageSize": "4K"}, "safety": "x"}}


def test_chat_payload_text_only_not_streamed() -> None:
    body = _requests.chat_payload(ChatImageRequest(model="other/model", prompt="hi"), [], stream=False)
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert "stream_options" not in body
    assert "providerOptions" not in body


# --- results -----------------------------------------------------------------------------------


def box(payload: Any) -> list[Any]:
    return [orjson.dumps(payload)]


def test_parse_images_body_with_usage_metadata_and_extra() -> None:
    jpeg = make_jpeg(600)
    payload = {
        "created": 1,
        "model": "bfl/flux-2-pro",
        "data": [
            {"b64_json": pybase64.b64encode(PNG).decode(), "revised_prompt": "a fox, red"},
            {"b64_json": pybase64.b64encode(jpeg).decode()},
            {"url": "https://cdn.example.test/i.png"},
        ],
        "usage": {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30},
        "provider_metadata": {"gateway": {"cost": "0.08"}},
        "output_format": "png",
    }
    parsed = _parse.parse_images_body(box(payload), max_image_bytes=2**20)
    first, second, third = parsed.images
    assert isinstance(first, _parse.GeneratedImage)
    assert first.data == PNG
    assert first.revised_prompt == "a fox, red"
    assert isinstance(second, _parse.GeneratedImage)
    assert second.mime == "image/jpeg"
    assert third == _parse.PendingImage("https://cdn.example.test/i.png")
    assert parsed.usage == Usage(
        10, 20, 30, 0.08, {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30}
    )
    assert parsed.provider_metadata == {"gateway": {"cost": "0.08"}}
    assert parsed.extra == {"created": 1, "output_format": "png"}
    assert parsed.model == "bfl/flux-2-pro"


def test_parse_empties_the_box() -> None:
    holder = box({"data": []})
    _parse.parse_images_body(holder, max_image_bytes=10)
    assert holder == []


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"<html>oops</html>", gw.BadResponseError),
        (b"[1, 2]", gw.BadResponseError),
        (b'{"created": 1}', gw.BadResponseError),
        (b'{"data": ["x"]}', gw.BadResponseError),
        (b'{"data": [{"revised_prompt": "no image"}]}', gw.BadResponseError),
        (b'{"data": [{"b64_json": "!!!!"}]}', gw.InvalidImageError),
        (b'{"data": [{"b64_json": "aGVsbG8gd29ybGQh"}]}', gw.InvalidImageError),
        (b'{"data": [{"url": "ftp://x/y.png"}]}', gw.UnsafeURLError),
        (b'{"error": {"message": "quota", "type": "insufficient_funds"}}', gw.InsufficientCreditsError),
    ],
)
def test_parse_images_body_rejects(raw: bytes, error: type[gw.GatewayError]) -> None:
    with pytest.raises(error):
        _parse.parse_images_body([raw], max_image_bytes=2**20)


def test_parse_images_body_caps_each_image() -> None:
    big = pybase64.b64encode(make_png(5000)).decode()
    with pytest.raises(gw.ImageTooLargeError):
        _parse.parse_images_body(box({"data": [{"b64_json": big}]}), max_image_bytes=4999)


def test_parse_chat_body() -> None:
    payload = {
        "id": "gen_9",
        "model": "google/gemini-3-pro-image",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "images": [{"type": "image_url", "image_url": {"url": data_url(PNG)}}, data_url(PNG)],
                },
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12, "cost": "0.01"},
    }
    parsed = _parse.parse_chat_body(box(payload), max_image_bytes=2**20)
    assert parsed.text == ""
    assert [image.data for image in parsed.images] == [PNG, PNG]  # type: ignore[union-attr]
    assert parsed.generation_id == "gen_9"
    assert parsed.usage is not None
    assert (parsed.usage.input_tokens, parsed.usage.cost) == (5, 0.01)
    assert parsed.extra["finish_reason"] == "stop"


def test_content_text_forms() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}]
    assert _parse.content_text(parts) == "ab"
    assert _parse.content_text("plain") == "plain"
    assert _parse.content_text(None) == ""


def test_parse_chat_body_without_choices() -> None:
    with pytest.raises(gw.BadResponseError):
        _parse.parse_chat_body(box({"choices": []}), max_image_bytes=10)


def test_usage_absent_and_cost_only_from_metadata() -> None:
    assert _parse.parse_usage(None) is None
    usage = _parse.parse_usage(None, {"gateway": {"cost": 0.5}})
    assert usage is not None
    assert usage.cost == 0.5
    assert usage.total_tokens is None


# --- catalogue classification ---------------------------------------------------------------


def test_classify_default_catalogue() -> None:
    infos = {info.id: info for info in map(_parse.classify_model, DEFAULT_MODELS) if info is not None}
    assert {model_id: info.endpoint for model_id, info in infos.items()} == {
        "bfl/flux-2-pro": "images",
        "openai/gpt-image-1": "images",
        "spacexai/grok-imagine-image": "images",
        "recraft/recraft-v3": "images",
        "google/gemini-3-pro-image": "chat",  # tag
        "google/gemini-3.1-flash-image-preview": "chat",  # output_modalities
        "google/gemini-3-pro": None,
        "anthropic/claude-sonnet-4.5": None,
        "openai/text-embedding-3-small": None,
    }
    assert infos["google/gemini-3-pro-image"].accepts_image_input
    assert infos["google/gemini-3.1-flash-image-preview"].accepts_image_input  # input_modalities
    assert not infos["bfl/flux-2-pro"].accepts_image_input
    assert infos["google/gemini-3-pro-image"].model_extra == {
        "object": "model",
        "created": 1785537645,
        "context_window": 65536,
    }
    assert infos["bfl/flux-2-pro"].price_label == "$0.040/image"


@pytest.mark.parametrize(
    ("entry", "endpoint"),
    [
        ({"id": "google/gemini-2.5-flash-image", "type": "language", "tags": []}, "chat"),
        ({"id": "vendor/new-model-image-v2", "type": "language"}, "chat"),
        ({"id": "vendor/imagery-text", "type": "language"}, None),
        ({"id": "vendor/some-video-image", "type": "video"}, None),
        ({"id": "vendor/painter", "type": "image", "tags": None, "pricing": None, "name": 5}, "images"),
        ({"id": "vendor/unknown-kind", "type": "reranking", "tags": ["image-generation"]}, None),
    ],
)
def test_classify_edge_cases(entry: dict[str, Any], endpoint: str | None) -> None:
    info = _parse.classify_model(entry)
    assert info is not None
    assert info.endpoint == endpoint


@pytest.mark.parametrize("entry", [None, "x", {"name": "no id"}, {"id": 5}])
def test_classify_unreadable_entries(entry: Any) -> None:
    assert _parse.classify_model(entry) is None


def test_parse_models_body_skips_bad_entries() -> None:
    infos = _parse.parse_models_body(box({"object": "list", "data": [{"id": "a/b", "type": "image"}, 7]}))
    assert [info.id for info in infos] == ["a/b"]
    with pytest.raises(gw.BadResponseError):
        _parse.parse_models_body(box({"object": "list"}))
