"""Per-model parameters and enhancement in the policy: precedence, locks, the model's support."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.errors import InputError, PolicyError
from bot.policy import GlobalDefaults, GuildSettings, RequestedOptions, ResolvedOptions, resolve_options
from bot.policy.parameters import check_requested, enhance_model
from bot.policy.schemas import MAX_SEED

_TAKES = {
    "openai/gpt-image-1": {"quality": None, "background": None},
    "bfl/flux-2-pro": {"seed": None, "resolution": ("1K", "2K")},
}


class _Support:
    def __init__(self, model: str) -> None:
        self.params = _TAKES.get(model, {})

    def supports(self, name: str, value: object = None) -> bool:
        if name not in self.params:
            return False
        values = self.params[name]
        return value is None or values is None or str(value) in values

    def values(self, name: str) -> tuple[str, ...] | None:
        return self.params.get(name)


def _resolve(requested: RequestedOptions, guild: GuildSettings | None = None) -> ResolvedOptions:
    return resolve_options(
        requested,
        guild or GuildSettings(),
        None,
        GlobalDefaults(image_model="bfl/flux-2-pro"),
        image=True,
        channel_is_nsfw=False,
        available_models=None,
        support=_Support,
    )


def test_member_values_the_model_takes_are_kept_with_their_source() -> None:
    result = _resolve(RequestedOptions(model="bfl/flux-2-pro", seed=0, resolution="2K"))
    assert result.parameters == {"resolution": "2K", "seed": 0}
    assert result.sources["seed"] == "member"
    assert result.display_options()["seed"] == "0"


@pytest.mark.parametrize(
    ("requested", "sentence"),
    [
        (RequestedOptions(model="openai/gpt-image-1", seed=3), "`openai/gpt-image-1` does not take a seed."),
        (
            RequestedOptions(model="bfl/flux-2-pro", resolution="4K"),
            "`bfl/flux-2-pro` does not offer resolution 4K; it offers 1K, 2K.",
        ),
        (RequestedOptions(model="bfl/flux-2-pro", quality="ultra"), "Unknown quality 'ultra'."),
        (
            RequestedOptions(model="bfl/flux-2-pro", seed=-1),
            f"The seed must be a whole number from 0 to {MAX_SEED}.",
        ),
        (
            RequestedOptions(model="bfl/flux-2-pro", negative_prompt="  "),
            "The negative prompt cannot be empty.",
        ),
    ],
)
def test_member_values_the_model_does_not_take_are_refused(
    requested: RequestedOptions, sentence: str
) -> None:
    with pytest.raises(InputError, match=sentence.replace("(", r"\(").replace(".", r"\.")):
        _resolve(requested)


def test_server_defaults_apply_locks_win_and_unsupported_ones_are_skipped() -> None:
    guild = GuildSettings(quality="low", background="opaque", locked_options=["quality"])
    result = _resolve(RequestedOptions(model="openai/gpt-image-1", quality="high"), guild)
    assert result.parameters == {"quality": "low", "background": "opaque"}
    assert (result.sources["quality"], result.sources["background"]) == ("locked", "guild")
    assert "This server locks quality to low." in result.notes
    skipped = _resolve(RequestedOptions(model="bfl/flux-2-pro"), guild)
    assert skipped.parameters == {}
    assert skipped.notes == [
        "The locked quality low does not apply to bfl/flux-2-pro; skipped.",
        "The server's background opaque does not apply to bfl/flux-2-pro; skipped.",
    ]


def test_a_locked_seed_means_no_seed() -> None:
    result = _resolve(
        RequestedOptions(model="bfl/flux-2-pro", seed=5), GuildSettings(locked_options=["seed"])
    )
    assert result.parameters == {}
    assert "This server locks seed to the model's default." in result.notes


def test_enhance_precedence() -> None:
    on = GuildSettings(enhance_prompts=True)
    assert _resolve(RequestedOptions(), on).enhance is True
    assert _resolve(RequestedOptions(enhance=False), on).enhance is False
    assert _resolve(RequestedOptions()).enhance is False
    locked = GuildSettings(enhance_prompts=True, locked_options=["enhance"])
    result = _resolve(RequestedOptions(enhance=False), locked)
    assert result.enhance is True
    assert "This server locks enhance to on." in result.notes


def test_check_requested_accepts_our_values() -> None:
    for name, value in (
        ("quality", "medium"),
        ("resolution", "1K"),
        ("background", "transparent"),
        ("seed", 0),
    ):
        check_requested(name, value)  # type: ignore[arg-type]
    check_requested("seed", None)


def test_enhance_model_order() -> None:
    defaults = GlobalDefaults(chat_model="google/gemini-3-pro-image")
    language = ["a/text", "google/gemini-3-pro-image", "b/writer"]
    assert enhance_model(GuildSettings(enhance_model="b/writer"), defaults, language) == "b/writer"
    assert enhance_model(GuildSettings(chat_model="a/text"), defaults, language) == "a/text"
    assert enhance_model(GuildSettings(), defaults, language) == "google/gemini-3-pro-image"
    # Not a language model of the catalogue: skipped; then the first text-only model.
    assert (
        enhance_model(GuildSettings(enhance_model="x/gone"), GlobalDefaults(), language, ["a/text"])
        == "a/text"
    )
    # Unknown catalogue: the configured model is taken as it is.
    assert enhance_model(GuildSettings(enhance_model="x/any"), defaults, None) == "x/any"

    def operator(model: str) -> None:
        if model != "b/writer":
            raise PolicyError("not allowed")

    assert enhance_model(GuildSettings(), defaults, language, ["a/text", "b/writer"], operator) == "b/writer"
    with pytest.raises(PolicyError, match="No chat model is available"):
        enhance_model(GuildSettings(), GlobalDefaults(), language, [])


def test_requested_values_inside_our_choices_pass_and_outside_are_named() -> None:
    check_requested("seed", MAX_SEED)  # the largest seed is allowed
    check_requested("negative_prompt", "blurry")
    check_requested("quality", "high")
    with pytest.raises(InputError) as unknown:
        check_requested("quality", "ultra")
    assert unknown.value.user_message == "Unknown quality 'ultra'. Choose one of: low, medium, high."
    with pytest.raises(InputError) as empty:
        check_requested("negative_prompt", "  ")
    assert empty.value.user_message == "The negative prompt cannot be empty."


def test_no_enhancement_model_is_refused_with_a_pointer_to_config() -> None:
    with pytest.raises(PolicyError) as info:
        enhance_model(GuildSettings(), GlobalDefaults(), language_models=None)
    assert info.value.user_message == (
        "No chat model is available to enhance prompts. Ask a moderator to check /config."
    )


def test_enhancement_shows_in_the_options_with_its_model() -> None:
    enhanced = replace(_resolve(RequestedOptions(enhance=True)), enhance_model="openai/gpt-5-mini")
    assert enhanced.display_options()["enhance"] == "yes (openai/gpt-5-mini)"
    assert replace(enhanced, enhance_model=None).display_options()["enhance"] == "yes"
    guild = GuildSettings(enhance_prompts=True)
    assert _resolve(RequestedOptions(), guild).display_options()["enhance"] == "yes (server default)"
    assert "enhance" not in _resolve(RequestedOptions()).display_options()


def test_a_locked_switch_is_named_on_or_off_in_the_note() -> None:
    off = GuildSettings(enhance_prompts=False, locked_options=["enhance"])
    assert "This server locks enhance to off." in _resolve(RequestedOptions(enhance=True), off).notes
    on = GuildSettings(enhance_prompts=True, locked_options=["enhance"])
    assert "This server locks enhance to on." in _resolve(RequestedOptions(enhance=False), on).notes
