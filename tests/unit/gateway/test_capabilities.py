"""Per-model parameters: which model takes which (catalogue, else the table) and the exact body sent."""

from __future__ import annotations

from typing import Any

import pytest

from bot.gateway import _parse, _requests
from bot.gateway.capabilities import parameters_for
from bot.gateway.models import ChatImageRequest, ImageRequest
from tests.fakes.ai_gateway import DEFAULT_MODELS


def _catalogue() -> dict[str, Any]:
    return {m.id: m for m in map(_parse.classify_model, DEFAULT_MODELS) if m is not None}


@pytest.mark.parametrize(
    ("model", "endpoint", "names"),
    [
        ("openai/gpt-image-1", "images", ("quality", "background")),
        ("openai/gpt-image-1-mini", "images", ("quality", "background")),
        ("openai/gpt-image-2", "images", ("quality",)),
        ("bfl/flux-2-pro", "images", ("resolution", "seed")),
        ("spacexai/grok-imagine-image", "images", ("quality",)),
        ("spacexai/grok-imagine-image-pro", "images", ("quality", "resolution")),
        ("xai/grok-imagine-image", "images", ("quality",)),
        ("google/imagen-4.0-generate-001", "images", ("negative_prompt",)),
        ("google/gemini-3-pro-image", "chat", ("resolution", "seed", "negative_prompt")),
        ("recraft/recraft-v3", "images", ()),
        ("bytedance/seedream-4.0", "images", ()),
        ("openai/gpt-image-1", "chat", ()),  # the table is per endpoint
    ],
)
def test_table_decides_without_the_catalogue(model: str, endpoint: Any, names: tuple[str, ...]) -> None:
    found = parameters_for(model, endpoint)
    assert found.source == "table"
    assert found.names == names


def test_values_per_model() -> None:
    grok_pro = parameters_for("spacexai/grok-imagine-image-pro", "images")
    assert grok_pro.supports("resolution", "2K")
    assert not grok_pro.supports("resolution", "4K")
    gemini = parameters_for("google/gemini-3-pro-image", "chat")
    assert gemini.values("resolution") == ("1K", "2K", "4K")
    assert parameters_for("openai/gpt-image-1", "images").supports("quality", "low")
    assert not parameters_for("bfl/flux-2-pro", "images").supports("quality")


def test_the_catalogue_decides_when_it_lists_parameters() -> None:
    entry = {
        **DEFAULT_MODELS[0],
        "id": "recraft/recraft-v9",
        "supported_parameters": ["negative_prompt", "seed"],
    }
    info = _parse.classify_model(entry)
    assert info is not None
    assert info.supported_parameters == ("negative_prompt", "seed")
    found = parameters_for(info.id, "images", info)
    assert (found.source, found.names) == ("catalogue", ("seed", "negative_prompt"))
    # A catalogue that leaves a parameter out narrows the table: no background for this gpt-image.
    narrowed = _parse.classify_model({**DEFAULT_MODELS[1], "supported_parameters": ["quality", "resolution"]})
    assert narrowed is not None
    assert parameters_for(narrowed.id, "images", narrowed).names == ("quality",)  # nothing places resolution


def test_catalogue_entries_without_the_list_use_the_table() -> None:
    catalogue = _catalogue()
    assert parameters_for("bfl/flux-2-pro", "images", catalogue["bfl/flux-2-pro"]).source == "table"


def _images(model: str, **parameters: Any) -> dict[str, Any]:
    return _requests.images_payload(ImageRequest(model=model, prompt="a fox", parameters=parameters))


def test_openai_parameters_are_top_level_fields() -> None:
    body = _images("openai/gpt-image-1", quality="high", background="transparent")
    assert (body["quality"], body["background"]) == ("high", "transparent")
    assert "providerOptions" not in body


def test_bfl_seed_and_resolution_go_in_black_forest_labs_options() -> None:
    body = _requests.images_payload(
        ImageRequest(model="bfl/flux-2-pro", prompt="a fox", aspect_ratio="16:9", parameters={"seed": 42})
    )
    assert body["providerOptions"]["blackForestLabs"] == {"seed": 42, "width": 1376, "height": 768}
    big = _requests.images_payload(
        ImageRequest(
            model="bfl/flux-2-pro", prompt="a fox", aspect_ratio="16:9", parameters={"resolution": "2K"}
        )
    )
    assert big["providerOptions"]["blackForestLabs"] == {"width": 1920, "height": 1088}
    square = _images("bfl/flux-2-pro", resolution="2K")
    assert square["providerOptions"]["blackForestLabs"] == {"width": 1920, "height": 1920}
    assert "seed" not in square
    assert "resolution" not in square


def test_xai_quality_and_resolution_in_xai_options() -> None:
    body = _images("spacexai/grok-imagine-image-pro", quality="low", resolution="2K")
    assert body["providerOptions"]["xai"] == {"quality": "low", "resolution": "2k"}


def test_imagen_negative_prompt() -> None:
    body = _images("google/imagen-4.0-generate-001", negative_prompt="text, watermark")
    assert body["providerOptions"]["googleVertex"] == {"negativePrompt": "text, watermark"}
    assert body["prompt"] == "a fox"


def test_gemini_chat_parameters() -> None:
    req = ChatImageRequest(
        model="google/gemini-3-pro-image",
        prompt="a fox",
        aspect_ratio="16:9",
        parameters={"resolution": "4K", "seed": 7, "negative_prompt": "snow"},
    )
    body = _requests.chat_payload(req, [], stream=True)
    assert body["providerOptions"]["google"] == {"imageConfig": {"imageSize": "4K", "aspectRatio": "16:9"}}
    assert body["seed"] == 7
    assert body["messages"][0]["content"] == "a fox\n\nAvoid: snow"


def test_a_catalogue_listed_parameter_without_a_place_goes_top_level() -> None:
    body = _images("recraft/recraft-v9", negative_prompt="blur", seed=3)
    assert (body["negative_prompt"], body["seed"]) == ("blur", 3)


def test_server_provider_options_still_win_over_a_parameter() -> None:
    req = ImageRequest(
        model="bfl/flux-2-pro",
        prompt="a fox",
        parameters={"seed": 1},
        provider_options={"blackForestLabs": {"seed": 99}},
    )
    assert _requests.images_payload(req)["providerOptions"]["blackForestLabs"]["seed"] == 99
