"""Per-image actions: which models run them, what is asked, and the menus' ids (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.discord.views import actions as views
from bot.gateway._parse import classify_model
from bot.gateway.models import ModelInfo
from bot.image_actions import (
    ACTION_NAMES,
    ACTIONS,
    action_aspect_ratio,
    action_model,
    action_prompt,
    edits_images,
    image_size,
    supported_actions,
    upscale_options,
)
from bot.policy import ResolvedOptions, with_provider_options
from tests.bot.checks import noise_png
from tests.fakes.ai_gateway import DEFAULT_MODELS


def info(entry: dict[str, Any]) -> ModelInfo:
    found = classify_model({"object": "model", **entry})
    assert found is not None
    return found


def test_the_fake_catalogue_decides_which_models_run_actions() -> None:
    catalogue = {entry["id"]: info(entry) for entry in DEFAULT_MODELS}
    runs = {model for model, entry in catalogue.items() if supported_actions(model, entry)}
    # Chat image models tagged vision/file-input or declaring image input; never image-only models.
    assert runs == {"google/gemini-3-pro-image", "google/gemini-3.1-flash-image-preview"}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"id": "acme/painter-image", "type": "language", "tags": ["image-generation", "vision"]}, True),
        ({"id": "acme/sketch", "type": "language", "tags": ["image-generation"]}, False),
        (
            {
                "id": "google/gemini-9-image",
                "type": "language",
                "architecture": {"input_modalities": ["text"], "output_modalities": ["image"]},
            },
            False,  # the catalogue says no image input: it wins over the table
        ),
        ({"id": "google/gemini-9-image", "type": "language", "tags": ["image-generation"]}, True),
        ({"id": "bfl/flux-kontext-pro", "type": "image", "tags": ["vision"]}, False),
        ({"id": "google/gemini-3-pro", "type": "language", "tags": ["vision"]}, False),  # no image out
    ],
)
def test_image_input_is_read_from_the_catalogue_else_from_the_table(
    entry: dict[str, Any], expected: bool
) -> None:
    assert edits_images(entry["id"], info(entry)) is expected


def test_a_model_missing_from_the_catalogue_is_judged_by_the_table() -> None:
    assert edits_images("google/gemini-2.5-flash-image", None)
    assert not edits_images("acme/unknown", None)


def test_an_action_runs_on_the_jobs_model_only_when_it_made_the_image_by_chat_and_edits() -> None:
    gemini = info(DEFAULT_MODELS[4])
    assert action_model("chatimage", "google/gemini-3-pro-image", gemini) == "google/gemini-3-pro-image"
    assert action_model("imagine", "bfl/flux-2-pro", info(DEFAULT_MODELS[0])) is None
    assert action_model("chatimage", "acme/sketch", None) is None


def test_native_upscale_is_known_for_gemini_3_only_and_given_as_a_copy() -> None:
    options = upscale_options("google/gemini-3-pro-image")
    assert options == {"google": {"imageConfig": {"imageSize": "4K"}}}
    options["google"]["imageConfig"]["imageSize"] = "1K"
    assert upscale_options("google/gemini-3.1-flash-image")["google"]["imageConfig"]["imageSize"] == "4K"  # type: ignore[index]
    assert upscale_options("google/gemini-2.5-flash-image") is None
    assert upscale_options("openai/gpt-image-1") is None


@pytest.mark.parametrize(
    ("name", "size", "expected"),
    [
        ("square", None, "1:1"),
        ("square", (1920, 1080), "1:1"),
        ("vary_subtle", (1920, 1080), "16:9"),
        ("zoom_2", (1024, 1024), "1:1"),
        ("pan_left", (1024, 1024), "3:2"),
        ("pan_right", (1024, 1536), "1:1"),
        ("pan_up", (1024, 1024), "2:3"),
        ("pan_down", (1536, 1024), "1:1"),
        ("upscale", None, None),
        ("upscale", (0, 10), None),
    ],
)
def test_the_aspect_ratio_follows_the_image_and_the_action(
    name: str, size: tuple[int, int] | None, expected: str | None
) -> None:
    assert action_aspect_ratio(ACTIONS[name], size) == expected  # type: ignore[index]


def test_image_size_reads_the_header_and_refuses_junk() -> None:
    assert image_size(noise_png(40, 30)) == (40, 30)
    assert image_size(b"not an image") is None


def test_the_prompt_is_the_instruction_then_the_original_prompt() -> None:
    text = action_prompt(ACTIONS["zoom_2"], "  a red\n fox ")
    assert text.startswith(ACTIONS["zoom_2"].instruction)
    assert text.endswith("The image was made from this prompt: a red fox")
    assert action_prompt(ACTIONS["upscale"], " ") == ACTIONS["upscale"].instruction


def test_workflow_provider_options_go_under_the_servers_locked_ones() -> None:
    resolved = ResolvedOptions(
        model="google/gemini-3-pro-image",
        count=1,
        aspect_ratio=None,
        private=False,
        provider_options={"google": {"imageConfig": {"imageSize": "1K"}, "safety": "strict"}},
        notes=["a"],
    )
    locked = {"google": {"safety": "strict"}}
    upscaled = with_provider_options(resolved, {"google": {"imageConfig": {"imageSize": "4K"}}}, locked, "b")
    assert upscaled.provider_options == {"google": {"imageConfig": {"imageSize": "4K"}, "safety": "strict"}}
    assert upscaled.notes == ["a", "b"]
    overridden = with_provider_options(resolved, {"google": {"safety": "off"}}, locked)
    assert overridden.provider_options["google"]["safety"] == "strict"
    assert resolved.provider_options["google"]["imageConfig"]["imageSize"] == "1K"  # not mutated


def test_menu_ids_read_back_and_stay_within_discords_limits() -> None:
    job = "A" * 32
    assert views.act_custom_id(job, 4) == f"ib:act:{job}:4"
    assert len(views.act_custom_id(job, 99)) <= 100
    for bad in [("bad id!", 1), ("abcd1234", 0), ("abcd1234", 100)]:
        with pytest.raises(ValueError, match="custom_id"):
            views.act_custom_id(*bad)
    select = views.action_select("abcd1234", 2)
    assert [option.value for option in select.options] == list(ACTION_NAMES)
    assert len(select.options) <= 25


@pytest.mark.parametrize(("count", "kinds"), [(0, []), (1, ["act"]), (4, ["act"] * 4), (5, ["pick"])])
def test_a_result_gets_a_menu_per_image_up_to_four_else_one_picker(count: int, kinds: list[str]) -> None:
    items = views.image_action_items("abcd1234", count)
    assert [item.item.custom_id.split(":")[1] for item in items] == kinds  # type: ignore[attr-defined]
    rows = views.image_action_rows("abcd1234", 30)
    (picker,) = rows[0].children
    assert len(picker.item.options) == views.MAX_PICKABLE  # type: ignore[attr-defined]


def test_result_file_names_give_the_image_number() -> None:
    assert views.image_number("image_3.png") == 3
    assert views.image_number("SPOILER_image_12.webp") == 12
    assert views.image_number("answer.txt") is None
    assert views.image_number("my_image_3.png") is None


def test_references_show_the_count_and_the_links_that_are_known() -> None:
    link = views.jump_url(1, 2, 3)
    assert link == "https://discord.com/channels/1/2/3"
    assert views.jump_url(None, 2, 3) == "https://discord.com/channels/@me/2/3"
    assert views.references_text([]) is None
    assert views.references_text([None, None]) == "2 images"
    assert views.references_text([link]) == f"1 image: [1]({link})"
    assert views.references_text([link, None]) == f"2 images: [1]({link}) · 2"
