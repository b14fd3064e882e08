"""Option precedence: locked > member > channel > guild > global, per option, exhaustively."""

from __future__ import annotations

import difflib
import itertools
import json

import pytest

from bot.errors import InputError, PolicyError
from bot.policy import GlobalDefaults, RequestedOptions, resolve_options, with_provider_options
from bot.policy.schemas import LOCKABLE_OPTIONS, ChannelSettings, GuildSettings

LEVELS = ("member", "channel", "guild", "global")
VALUES: dict[str, dict[str, object]] = {
    "model": {"member": "p/member", "channel": "p/channel", "guild": "p/guild", "global": "p/global"},
    "count": {"member": 2, "channel": 3, "guild": 4, "global": 5},
    "aspect_ratio": {"member": "16:9", "channel": "4:3", "guild": "1:1", "global": "21:9"},
    "private": {"member": True, "channel": False, "guild": True, "global": False},
}
# Field names per level; the model fields depend on the command.
GUILD_FIELD = {"count": "default_count", "aspect_ratio": "aspect_ratio", "private": "private_by_default"}
CHANNEL_FIELD = GUILD_FIELD
GLOBAL_FIELD = {"count": "count", "aspect_ratio": "aspect_ratio", "private": "private"}
# GlobalDefaults always has a count and a privacy flag, so "global" is always set for them.
ALWAYS_GLOBAL = {"count", "private"}


def _subsets(option: str) -> list[frozenset[str]]:
    subsets = [frozenset(c) for n in range(5) for c in itertools.combinations(LEVELS, n)]
    return [s for s in subsets if option not in ALWAYS_GLOBAL or "global" in s]


def _expected(option: str, locked: bool, subset: frozenset[str]) -> tuple[object, str]:
    values = VALUES[option]
    if locked:
        for level in ("guild", "global"):
            if level in subset:
                return values[level], "locked"
        return None, "locked"
    for level in LEVELS:
        if level in subset:
            return values[level], level
    return None, "global"


def _build(option: str, kind: str, locked: bool, subset: frozenset[str]):
    values = VALUES[option]
    model_field = "image_model" if kind == "imagine" else "chat_model"
    guild_field = model_field if option == "model" else GUILD_FIELD[option]
    global_field = model_field if option == "model" else GLOBAL_FIELD[option]
    requested = RequestedOptions(**{option: values["member"]}) if "member" in subset else RequestedOptions()
    guild_kwargs: dict[str, object] = {"max_count": 10}
    if "guild" in subset:
        guild_kwargs[guild_field] = values["guild"]
    if locked:
        guild_kwargs["locked_options"] = [option]
    channel = (
        ChannelSettings(**{guild_field: values["channel"]}) if "channel" in subset else ChannelSettings()
    )
    defaults_kwargs: dict[str, object] = {}
    if option != "model":
        defaults_kwargs[model_field] = "p/base"  # every other option needs some model
    if "global" in subset:
        defaults_kwargs[global_field] = values["global"]
    elif option == "count":
        defaults_kwargs["count"] = 1
    return requested, GuildSettings(**guild_kwargs), channel, GlobalDefaults(**defaults_kwargs)


def _case_id(option: str, kind: str, locked: bool, subset: frozenset[str]) -> str:
    return f"{option}-{kind}-{'locked' if locked else 'open'}-{'+'.join(sorted(subset)) or 'none'}"


CASES = [
    pytest.param(option, kind, locked, subset, id=_case_id(option, kind, locked, subset))
    for option in VALUES
    for kind in (("imagine", "chatimage") if option == "model" else ("imagine",))
    for locked in (False, True)
    for subset in _subsets(option)
]


@pytest.mark.parametrize(("option", "kind", "locked", "subset"), CASES)
def test_precedence_table(option: str, kind: str, locked: bool, subset: frozenset[str]) -> None:
    requested, guild, channel, defaults = _build(option, kind, locked, subset)
    value, source = _expected(option, locked, subset)
    if option == "model" and value is None:
        with pytest.raises(PolicyError, match=r"model is configured — ask a moderator .*/config"):
            resolve_options(
                requested,
                guild,
                channel,
                defaults,
                image=kind == "imagine",
                channel_is_nsfw=False,
                available_models=None,
            )
        return
    result = resolve_options(
        requested,
        guild,
        channel,
        defaults,
        image=kind == "imagine",
        channel_is_nsfw=False,
        available_models=None,
    )
    assert getattr(result, option) == value
    assert result.sources[option] == source
    assert set(result.sources) == set(LOCKABLE_OPTIONS)
    member_overridden = locked and "member" in subset and VALUES[option]["member"] != value
    assert any("locks" in note for note in result.notes) == member_overridden


def test_precedence_table_covers_every_level() -> None:
    assert len(CASES) == 128
    assert {source for *_, subset in (c.values for c in CASES) for source in subset} == set(LEVELS)


def _resolve(
    requested=None, guild=None, channel=None, defaults=None, *, kind="imagine", nsfw=False, available=None
):
    return resolve_options(
        requested or RequestedOptions(),
        guild or GuildSettings(),
        channel,
        defaults or GlobalDefaults(image_model="p/default", chat_model="p/chat"),
        image=kind == "imagine",
        channel_is_nsfw=nsfw,
        available_models=available,
    )


# --- models -----------------------------------------------------------------------------------


def test_member_model_outside_allow_list_is_refused_naming_allowed() -> None:
    guild = GuildSettings(allowed_models=["a/one", "b/two"])
    with pytest.raises(PolicyError) as info:
        _resolve(RequestedOptions(model="c/three"), guild)
    assert "This server allows: a/one, b/two" in info.value.user_message
    assert "c/three" in info.value.user_message


def test_member_model_inside_allow_list_is_used() -> None:
    guild = GuildSettings(allowed_models=["a/one", "b/two"])
    result = _resolve(RequestedOptions(model="b/two"), guild, available=["a/one", "b/two"])
    assert (result.model, result.sources["model"]) == ("b/two", "member")


def test_long_allow_list_is_abbreviated() -> None:
    guild = GuildSettings(allowed_models=[f"p/m{i}" for i in range(15)])
    with pytest.raises(PolicyError, match=r"\(and 5 more\)"):
        _resolve(RequestedOptions(model="x/y"), guild)


def test_unknown_member_model_gets_suggestions() -> None:
    available = ["openai/gpt-image-1", "google/imagen-4.0-generate", "bfl/flux-pro"]
    with pytest.raises(PolicyError) as info:
        _resolve(RequestedOptions(model="openai/gpt-image1"), available=available)
    assert "Did you mean: openai/gpt-image-1" in info.value.user_message


def test_unknown_member_model_without_close_match_has_no_suggestion() -> None:
    with pytest.raises(PolicyError) as info:
        _resolve(RequestedOptions(model="zzz"), available=["openai/gpt-image-1"])
    assert "Did you mean" not in info.value.user_message
    assert "`zzz` is not an available image model" in info.value.user_message


def test_default_model_outside_allow_list_is_skipped_with_note() -> None:
    guild = GuildSettings(image_model="x/banned", allowed_models=["p/default"])
    result = _resolve(guild=guild)
    assert (result.model, result.sources["model"]) == ("p/default", "global")
    assert any("x/banned" in note for note in result.notes)


def test_default_model_missing_from_catalogue_is_skipped() -> None:
    channel = ChannelSettings(image_model="gone/model")
    result = _resolve(channel=channel, available=["p/default", "p/other"])
    assert (result.model, result.sources["model"]) == ("p/default", "global")
    assert any("gone/model" in note and "not available" in note for note in result.notes)


def test_catalogue_first_allowed_model_is_the_last_resort() -> None:
    guild = GuildSettings(allowed_models=["p/second"])
    result = _resolve(guild=guild, defaults=GlobalDefaults(), available=["p/first", "p/second"])
    assert result.model == "p/second"
    assert result.notes == ["No default model is set; using p/second."]


def test_no_model_for_chatimage_names_the_command_kind() -> None:
    with pytest.raises(PolicyError, match="No chat image model is configured"):
        _resolve(kind="chatimage", defaults=GlobalDefaults(image_model="p/img"))


def test_locked_model_missing_from_catalogue_is_refused() -> None:
    guild = GuildSettings(image_model="gone/model", locked_options=["model"])
    with pytest.raises(PolicyError, match="locked image model `gone/model` is not available"):
        _resolve(guild=guild, available=["p/default"])


def test_locked_model_ignores_member_allow_list_and_catalogue_checks() -> None:
    guild = GuildSettings(image_model="p/locked", locked_options=["model"], allowed_models=["p/locked"])
    result = _resolve(RequestedOptions(model="not/allowed"), guild, available=["p/locked"])
    assert (result.model, result.sources["model"]) == ("p/locked", "locked")
    assert result.notes == ["This server locks the model to p/locked."]


def test_locked_model_without_any_value_ignores_member_and_channel() -> None:
    guild = GuildSettings(locked_options=["model"])
    channel = ChannelSettings(image_model="p/channel")
    result = _resolve(
        RequestedOptions(model="p/member"), guild, channel, GlobalDefaults(), available=["p/cat"]
    )
    assert (result.model, result.sources["model"]) == ("p/cat", "locked")


# --- count ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cap", "word"), [(4, "images"), (1, "image")])
def test_member_count_above_cap_is_refused(cap: int, word: str) -> None:
    guild = GuildSettings(max_count=cap, default_count=1)
    with pytest.raises(PolicyError, match=f"at most {cap} {word} per request"):
        _resolve(RequestedOptions(count=cap + 1), guild)


def test_member_count_at_cap_is_allowed() -> None:
    assert _resolve(RequestedOptions(count=3), GuildSettings(max_count=3)).count == 3


def test_global_cap_applies_when_guild_sets_none() -> None:
    defaults = GlobalDefaults(image_model="p/x", max_count=2)
    with pytest.raises(PolicyError, match="at most 2 images"):
        _resolve(RequestedOptions(count=3), defaults=defaults)
    assert _resolve(RequestedOptions(count=6), GuildSettings(max_count=6), defaults=defaults).count == 6


def test_count_below_one_is_an_input_error() -> None:
    with pytest.raises(InputError):
        _resolve(RequestedOptions(count=0))


def test_default_count_above_cap_is_clamped_with_note() -> None:
    result = _resolve(guild=GuildSettings(max_count=2), channel=ChannelSettings(default_count=5))
    assert (result.count, result.sources["count"]) == (2, "channel")
    assert "The default of 5 images is above this server's cap; using 2." in [str(n) for n in result.notes]


def test_locked_count_wins_over_member_count_above_cap() -> None:
    guild = GuildSettings(default_count=2, max_count=4, locked_options=["count"])
    result = _resolve(RequestedOptions(count=9), guild)
    assert (result.count, result.sources["count"]) == (2, "locked")
    assert result.notes == ["This server locks count to 2."]


# --- aspect ratio and privacy ---------------------------------------------------------------


def test_unknown_aspect_ratio_is_an_input_error_listing_choices() -> None:
    with pytest.raises(InputError, match="Choose one of: 1:1, 2:3"):
        _resolve(RequestedOptions(aspect_ratio="7:5"))


def test_locked_aspect_ratio_without_value_means_model_default() -> None:
    guild = GuildSettings(locked_options=["aspect_ratio"])
    result = _resolve(RequestedOptions(aspect_ratio="16:9"), guild, ChannelSettings(aspect_ratio="4:3"))
    assert (result.aspect_ratio, result.sources["aspect_ratio"]) == (None, "locked")
    assert result.notes == ["This server locks aspect ratio to the model's default."]


def test_locked_private_notes_public() -> None:
    guild = GuildSettings(private_by_default=False, locked_options=["private"])
    result = _resolve(RequestedOptions(private=True), guild)
    assert (result.private, result.notes) == (False, ["This server locks private to public."])


# --- provider options -----------------------------------------------------------------------

PROVIDER_GUILD = GuildSettings(
    provider_options={"vertex": {"safety": "strict", "seed": 1}, "openai": {"quality": "low"}},
    nsfw_provider_options={"vertex": {"safety": "off", "person": "allow"}},
    locked_provider_options={"vertex": {"seed": 42}},
)
PROVIDER_CHANNEL = ChannelSettings(provider_options={"vertex": {"seed": 7, "style": "photo"}})


@pytest.mark.parametrize(
    ("policy", "nsfw_channel", "nsfw_applies"),
    [
        ("age_restricted", True, True),
        ("age_restricted", False, False),
        ("never", True, False),
        ("never", False, False),
    ],
)
def test_provider_options_merge_and_nsfw_gating(policy: str, nsfw_channel: bool, nsfw_applies: bool) -> None:
    guild = PROVIDER_GUILD.model_copy(update={"nsfw_policy": policy})
    result = _resolve(guild=guild, channel=PROVIDER_CHANNEL, nsfw=nsfw_channel)
    vertex = {"safety": "off", "person": "allow"} if nsfw_applies else {"safety": "strict"}
    assert result.provider_options == {
        "vertex": {**vertex, "seed": 42, "style": "photo"},
        "openai": {"quality": "low"},
    }


def test_locked_provider_options_win_over_nsfw_options() -> None:
    guild = GuildSettings(
        nsfw_policy="age_restricted",
        nsfw_provider_options={"vertex": {"safety": "off"}},
        locked_provider_options={"vertex": {"safety": "strict"}},
    )
    assert _resolve(guild=guild, nsfw=True).provider_options == {"vertex": {"safety": "strict"}}


def test_merged_provider_options_do_not_alias_settings() -> None:
    result = _resolve(guild=PROVIDER_GUILD, channel=PROVIDER_CHANNEL)
    result.provider_options["vertex"]["seed"] = 0
    assert PROVIDER_GUILD.locked_provider_options == {"vertex": {"seed": 42}}
    assert PROVIDER_GUILD.provider_options["vertex"] == {"safety": "strict", "seed": 1}


# --- result helpers --------------------------------------------------------------------------


def test_as_dict_round_trips_through_json() -> None:
    result = _resolve(
        RequestedOptions(count=2),
        GuildSettings(aspect_ratio="3:2", locked_options=["aspect_ratio"]),
        PROVIDER_CHANNEL,
    )
    stored = result.as_dict()  # what a job row keeps
    assert json.loads(json.dumps(stored)) == stored
    assert (stored["count"], stored["aspect_ratio"], stored["sources"]["aspect_ratio"]) == (
        2,
        "3:2",
        "locked",
    )


def test_display_options_mark_defaults() -> None:
    result = _resolve(
        RequestedOptions(count=2), GuildSettings(aspect_ratio="3:2"), ChannelSettings(private_by_default=True)
    )
    assert result.display_options() == {
        "count": "2",
        "aspect ratio": "3:2 (server default)",
        "private": "yes (channel default)",
    }


def test_as_dict_holds_every_field() -> None:
    guild = GuildSettings(
        nsfw_policy="age_restricted",
        nsfw_provider_options={"vertex": {"safety": "off", "tags": ["a", "b"]}},
    )
    result = _resolve(RequestedOptions(model="p/m", private=True), guild, nsfw=True)
    result.notes.append("A note.")
    assert result.as_dict() == {
        "model": "p/m",
        "count": 1,
        "aspect_ratio": None,
        "private": True,
        "provider_options": {"vertex": {"safety": "off", "tags": ["a", "b"]}},
        "sources": {
            "model": "member",
            "count": "global",
            "aspect_ratio": "global",
            "private": "member",
            **dict.fromkeys(("quality", "resolution", "seed", "background", "negative_prompt"), "global"),
            "enhance": "global",
        },
        "age_restricted": True,
        "notes": ["A note."],
        "parameters": {},
        "enhance": False,
        "enhance_model": None,
    }


def test_display_options_of_plain_values() -> None:
    result = _resolve(RequestedOptions(count=1, private=False))
    assert result.display_options() == {"count": "1", "aspect ratio": "model default", "private": "no"}
    locked = _resolve(guild=GuildSettings(default_count=3, locked_options=["count"]))
    assert locked.display_options()["count"] == "3 (locked)"


# --- more edges (each pins a behaviour a mutant of options.py changed) -----------------------


def test_one_image_is_the_least_a_member_may_ask_for() -> None:
    assert _resolve(RequestedOptions(count=1)).count == 1
    with pytest.raises(InputError) as info:
        _resolve(RequestedOptions(count=-3))
    assert info.value.user_message == "Ask for at least 1 image."


@pytest.mark.parametrize(("nsfw", "applied"), [(True, True), (False, False)])
def test_age_restricted_flag_says_whether_nsfw_options_applied(nsfw: bool, applied: bool) -> None:
    guild = GuildSettings(nsfw_policy="age_restricted", nsfw_provider_options={"vertex": {"safety": "off"}})
    assert _resolve(guild=guild, nsfw=nsfw).age_restricted is applied


def test_last_resort_model_is_a_global_default() -> None:
    result = _resolve(defaults=GlobalDefaults(), available=["p/first"])
    assert (result.model, result.sources["model"]) == ("p/first", "global")


def test_locked_model_missing_from_catalogue_says_what_to_do() -> None:
    guild = GuildSettings(chat_model="gone/model", locked_options=["model"])
    with pytest.raises(PolicyError) as info:
        _resolve(guild=guild, kind="chatimage", available=["p/chat"])
    assert info.value.user_message == (
        "This server's locked chat image model `gone/model` is not available right now. "
        "Ask a moderator to check /config."
    )


def test_locked_model_without_value_notes_the_member_choice_only_when_made() -> None:
    guild = GuildSettings(locked_options=["model"])
    chosen = _resolve(
        RequestedOptions(model="p/member"), guild, defaults=GlobalDefaults(), available=["p/cat"]
    )
    assert chosen.notes == [
        "This server does not let members choose the model.",
        "No default model is set; using p/cat.",
    ]
    unchosen = _resolve(guild=guild, defaults=GlobalDefaults(), available=["p/cat"])
    assert unchosen.notes == ["No default model is set; using p/cat."]


def test_unknown_member_model_lists_at_most_three_close_matches() -> None:
    available = ["p/model-xabcd", "p/model-xab", "p/model-xa", "p/model-xabc"]
    with pytest.raises(PolicyError) as info:
        _resolve(RequestedOptions(model="p/model-x"), available=available)
    assert info.value.user_message == (  # closest first
        "`p/model-x` is not an available image model. Did you mean: p/model-xa, p/model-xab, p/model-xabc?"
    )


def test_unknown_member_model_suggests_a_match_half_alike() -> None:
    member, offered = "abcde-12345", "abcde-vwxyz"
    assert 0.5 < difflib.SequenceMatcher(None, member, offered).ratio() < 0.6  # below difflib's default
    with pytest.raises(PolicyError) as info:
        _resolve(RequestedOptions(model=member), available=[offered])
    assert info.value.user_message.endswith(f"Did you mean: {offered}?")


def test_unknown_member_model_without_suggestion_ends_the_sentence() -> None:
    with pytest.raises(PolicyError) as info:
        _resolve(RequestedOptions(model="zzz"), available=["openai/gpt-image-1"])
    assert info.value.user_message == "`zzz` is not an available image model."


def test_unavailable_channel_default_falls_to_the_server_default() -> None:
    result = _resolve(
        guild=GuildSettings(image_model="p/guild"),
        channel=ChannelSettings(image_model="gone/model"),
        available=["p/first", "p/guild"],
    )
    assert (result.model, result.sources["model"]) == ("p/guild", "guild")


@pytest.mark.parametrize(
    ("models", "listing"),
    [
        (10, ", ".join(f"p/m{i}" for i in range(10))),
        (11, ", ".join(f"p/m{i}" for i in range(10)) + " (and 1 more)"),
    ],
)
def test_allow_list_beyond_ten_is_counted(models: int, listing: str) -> None:
    guild = GuildSettings(allowed_models=[f"p/m{i}" for i in range(models)])
    with pytest.raises(PolicyError) as info:
        _resolve(RequestedOptions(model="x/y"), guild)
    assert info.value.user_message == f"`x/y` is not allowed here. This server allows: {listing}."


def test_locked_private_notes_private() -> None:
    guild = GuildSettings(private_by_default=True, locked_options=["private"])
    result = _resolve(RequestedOptions(private=False), guild)
    assert (result.private, result.notes) == (True, ["This server locks private to private."])


def test_list_provider_options_are_copied() -> None:
    guild = GuildSettings(provider_options={"vertex": {"tags": ["a"]}})
    result = _resolve(guild=guild)
    assert result.provider_options == {"vertex": {"tags": ["a"]}}
    result.provider_options["vertex"]["tags"].append("b")
    assert guild.provider_options == {"vertex": {"tags": ["a"]}}


def test_an_unknown_aspect_ratio_is_named_in_the_refusal() -> None:
    with pytest.raises(InputError) as info:
        _resolve(RequestedOptions(aspect_ratio="7:3"))
    assert info.value.user_message.startswith("Unknown aspect ratio '7:3'. Choose one of: 1:1, 2:3")


def test_workflow_provider_options_go_over_the_defaults_under_the_locks() -> None:
    guild = GuildSettings(
        provider_options={"bfl": {"steps": 20, "safety": 2}}, locked_provider_options={"bfl": {"safety": 1}}
    )
    base = _resolve(guild=guild)
    upscale = with_provider_options(base, {"bfl": {"steps": 50, "safety": 6}}, guild.locked_provider_options)
    assert upscale.provider_options == {"bfl": {"steps": 50, "safety": 1}}
    assert upscale.notes == base.notes  # no note given: none added
    kept = with_provider_options(base, {"openai": {"x": 1}}, {}, note="Upscaled.")
    assert kept.provider_options == {"bfl": {"steps": 20, "safety": 1}, "openai": {"x": 1}}
    assert kept.notes == [*base.notes, "Upscaled."]
