"""Pure helpers of `/config`: input parsing, settings edits, error sentences and rendering limits."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_core import InitErrorDetails

from bot.discord.flows.config import edits
from bot.discord.flows.config.parsing import (
    check_option_key,
    invalid_settings,
    model_problem,
    parse_scalar,
    split_terms,
    validation_sentence,
)
from bot.discord.views.choices import model_choices, text_choices
from bot.discord.views.config import (
    audit_embed,
    change_reply,
    changed_fields,
    channels_listing,
    format_value,
    listing,
    modlog_changes,
    settings_embed,
)
from bot.error_messages import localized_message
from bot.errors import InputError
from bot.gateway.models import ModelInfo
from bot.i18n import Heading, translate
from bot.policy import GlobalDefaults
from bot.policy.schemas import MAX_TERMS, ChannelSettings, GuildSettings
from bot.storage.records import AuditEntry


def validation_error(**data: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        GuildSettings(**data)
    return caught.value


def embed_limits_hold(embed: Any) -> None:
    data = embed.to_dict()
    assert len(embed) <= 6000
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    for field in data.get("fields", []):
        assert 1 <= len(field["name"]) <= 256
        assert 1 <= len(field["value"]) <= 1024


# --- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 2),
        (" 0.5 ", 0.5),
        ("true", True),
        ("false", False),
        ('"2"', "2"),
        ("block_some", "block_some"),
        ("null", "null"),
        ("[1, 2]", "[1, 2]"),
        ('{"a": 1}', '{"a": 1}'),
        ("NaN", "NaN"),
        ("1e999", "1e999"),
        ("high quality", "high quality"),
    ],
)
def test_parse_scalar_reads_json_scalars_else_text(text: str, expected: object) -> None:
    value = parse_scalar(text)
    assert value == expected
    assert type(value) is type(expected)


def test_option_keys_are_checked() -> None:
    assert check_option_key(" googleVertex ", "safetySetting") == ("googleVertex", "safetySetting")
    with pytest.raises(InputError, match="provider may only use"):
        check_option_key("google vertex", "x")
    with pytest.raises(InputError, match="option name may only use"):
        check_option_key("openai", "a/b")
    with pytest.raises(InputError, match="set by the bot"):
        check_option_key("gateway", "user")


def test_split_terms_drops_blanks_and_repeats() -> None:
    assert split_terms("gore, blood ,  ,GORE\nbig   cat") == ["gore", "blood", "big cat"]
    assert split_terms(" , ") == []


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        ({"default_count": 6}, "Default count 6 is above the maximum 4."),
        ({"max_count": 11}, "Maximum image count: input should be less than or equal to 10."),
        ({"cooldown_seconds": -1}, "Cooldown: input should be greater than or equal to 0."),
        ({"blocked_terms": [f"t{i}" for i in range(MAX_TERMS + 1)]}, f"At most {MAX_TERMS} terms."),
        (
            {"locked_options": ["prompt"]},
            "Cannot lock prompt; lockable: model, count, aspect_ratio, private, quality, resolution, seed, "
            "background, negative_prompt, enhance.",
        ),
    ],
)
def test_validation_errors_become_one_sentence(data: dict[str, Any], sentence: str) -> None:
    error = validation_error(**data)
    assert validation_sentence(error) == sentence
    assert invalid_settings(error).user_message == sentence


def test_aspect_ratio_error_names_the_choices() -> None:
    sentence = validation_sentence(validation_error(aspect_ratio="7:1"))
    assert sentence.startswith("Aspect ratio must be one of 1:1,")
    assert "\n" not in sentence


@pytest.mark.parametrize(
    ("data", "key", "sentence"),
    [
        ({"monthly_budget": 0}, "config.above", "Monthly budget: input should be greater than 0."),
        (
            {"monthly_budget": 2e6},
            "config.at_most",
            "Monthly budget: input should be less than or equal to 1000000.",
        ),
        (
            {"negative_prompt": "x" * 501},
            "config.text_too_long",
            "Default negative prompt: at most 500 characters.",
        ),
        (
            {"quality": "ultra"},
            "config.choose_one",
            "Default quality: choose one of `low`, `medium`, `high`.",
        ),
        (
            {"nsfw_policy": "all"},
            "config.choose_one",
            "NSFW policy: choose one of `never`, `age_restricted`.",
        ),
        (
            {"default_count": 2.5},
            "config.whole_number",
            "Default image count: input should be a whole number.",
        ),
        (
            {"private_by_default": "maybe"},
            "config.true_or_false",
            "Private by default: input should be true or false.",
        ),
        ({"aspect_ratio": "7:1"}, "config.unknown_ratio", None),
        ({"blocked_terms": ["x" * 101]}, "config.term_too_long", "A term is longer than 100 characters."),
    ],
)
def test_each_settings_rule_has_a_catalogued_sentence(
    data: dict[str, Any], key: str, sentence: str | None
) -> None:
    error = invalid_settings(validation_error(**data))
    assert error.key == key
    if sentence is not None:
        assert error.user_message == sentence


def test_settings_errors_read_in_the_moderators_language_with_the_fields_label() -> None:
    out_of_range = invalid_settings(validation_error(max_count=11))
    assert localized_message(out_of_range, "de") == "Höchstzahl an Bildern: Der Wert darf höchstens 10 sein."
    # the label starts the sentence: upper case there, whatever the catalogue's case
    below_zero = invalid_settings(validation_error(cooldown_seconds=-1))
    assert (
        localized_message(below_zero, "fr")
        == "Délai d'attente : la valeur doit être supérieure ou égale à 0."
    )
    choice = invalid_settings(validation_error(resolution="8K"))
    assert localized_message(choice, "pt-BR") == (
        "Resolução padrão: escolha um destes valores: `1K`, `2K`, `4K`."
    )
    # our own validators' sentences, channel settings included
    with pytest.raises(ValidationError) as caught:
        ChannelSettings(aspect_ratio="7:1")
    ratio = invalid_settings(caught.value)
    assert localized_message(ratio, "es-ES").startswith(
        "La relación de aspecto debe ser una de estas: 1:1, 2:3,"
    )
    above = invalid_settings(validation_error(default_count=6))
    assert localized_message(above, "de") == "Die Standardanzahl 6 liegt über der Höchstzahl 4."
    assert localized_message(above, "en-US") == "Default count 6 is above the maximum 4."


def test_a_bound_no_field_has_yet_still_reads_as_a_sentence() -> None:
    problem: InitErrorDetails = {
        "type": "less_than",
        "loc": ("cooldown_seconds",),
        "input": 9,
        "ctx": {"lt": 5},
    }
    error = ValidationError.from_exception_data("GuildSettings", [problem])
    assert validation_sentence(error) == "Cooldown: input should be less than 5."


def test_an_unmapped_pydantic_error_gets_the_generic_sentence_and_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = invalid_settings(validation_error(image_model=3))
    assert error.user_message == "Default image model: that value is not valid."
    assert localized_message(error, "fr") == "Modèle d'image par défaut : cette valeur n'est pas valide."
    assert "string_type" in caplog.text
    assert "image_model" in caplog.text
    unknown_field = invalid_settings(validation_error(prompt="x"))  # extra="forbid"
    assert unknown_field.user_message == "That value is not valid."
    assert localized_message(unknown_field, "de") == "Dieser Wert ist ungültig."


def test_a_heading_is_its_label_capitalised_in_every_language() -> None:
    heading = Heading("setting.max_count")
    assert heading == "Maximum image count"
    assert translate(heading, "fr") == "Nombre maximal d'images"
    assert translate(Heading("setting.nsfw_policy"), "en") == "NSFW policy"
    copied = copy.deepcopy(heading)
    assert isinstance(copied, Heading)
    assert translate(copied, "es-ES") == "Cantidad máxima de imágenes"


def test_values_never_leave_their_code_span() -> None:
    assert format_value("negative_prompt", "a` [link](https://x.test) `b") == "`aˋ [link](https://x.test) ˋb`"
    assert format_value("allowed_models", ["a`b"]) == "`aˋb`"


IMAGE = ModelInfo(id="bfl/flux-2-pro", endpoint="images")
CHAT = ModelInfo(id="google/gemini-3-pro-image", endpoint="chat")
TEXT = ModelInfo(id="anthropic/claude-sonnet-4.5")


@pytest.mark.parametrize(
    ("model_id", "info", "endpoint", "suggestions", "expected"),
    [
        ("bfl/flux-2-pro", IMAGE, "images", [], None),
        ("bfl/flux-2-pro", IMAGE, None, [], None),
        ("google/gemini-3-pro-image", CHAT, None, [], None),
        (
            "flux",
            None,
            "images",
            ["bfl/flux-2-pro"],
            "`flux` is not in the gateway's model list. Did you mean: `bfl/flux-2-pro`?",
        ),
        ("zzz", None, "images", [], "`zzz` is not in the gateway's model list."),
        (
            "anthropic/claude-sonnet-4.5",
            TEXT,
            "chat",
            [],
            "`anthropic/claude-sonnet-4.5` does not make images.",
        ),
        (
            "google/gemini-3-pro-image",
            CHAT,
            "images",
            [],
            "is a chat model: set it with `/config model chat`.",
        ),
        ("bfl/flux-2-pro", IMAGE, "chat", [], "is an image-only model: set it with `/config model image`."),
    ],
)
def test_model_problems(
    model_id: str, info: ModelInfo | None, endpoint: Any, suggestions: list[str], expected: str | None
) -> None:
    problem = model_problem(model_id, info, endpoint, suggestions)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.endswith(expected)


# --- edits --------------------------------------------------------------------------------------


def test_term_edits_are_case_insensitive_and_validated() -> None:
    settings = edits.add_terms("blocked_terms", ["Dragon", "ogre"])(GuildSettings(blocked_terms=["dragon"]))
    assert settings.blocked_terms == ["dragon", "ogre"]
    assert edits.remove_terms("blocked_terms", ["DRAGON"])(settings).blocked_terms == ["ogre"]
    assert edits.missing_terms(["ogre"], ["OGRE", "troll"]) == ["troll"]
    with pytest.raises(ValidationError):
        edits.add_terms("flagged_terms", [f"t{i}" for i in range(MAX_TERMS + 1)])(GuildSettings())


def test_model_and_lock_edits() -> None:
    settings = edits.add_model("a/b")(GuildSettings())
    settings = edits.add_model("a/b")(settings)
    assert settings.allowed_models == ["a/b"]
    assert edits.remove_model("a/b")(settings).allowed_models == []
    locked = edits.set_lock("count", True)(edits.set_lock("model", True)(GuildSettings()))
    assert locked.locked_options == ["count", "model"]
    assert edits.set_lock("model", False)(locked).locked_options == ["count"]


def test_provider_option_lives_in_one_scope_at_a_time() -> None:
    settings = GuildSettings(provider_options={"openai": {"quality": "low", "style": "vivid"}})
    settings = edits.set_provider_option("locked_provider_options", "openai", "quality", "high")(settings)
    assert settings.provider_options == {"openai": {"style": "vivid"}}
    assert settings.locked_provider_options == {"openai": {"quality": "high"}}
    assert edits.has_provider_option(settings, "openai", "quality")
    settings = edits.unset_provider_option("openai", "quality")(settings)
    assert settings.locked_provider_options == {}  # empty provider entries are dropped
    assert not edits.has_provider_option(settings, "openai", "quality")
    settings = edits.set_provider_option("nsfw_provider_options", "bfl", "safety_tolerance", 5)(settings)
    assert settings.nsfw_provider_options == {"bfl": {"safety_tolerance": 5}}


def test_notes_warn_about_skipped_defaults_and_empty_locks() -> None:
    settings = GuildSettings(allowed_models=["a/b"], image_model="c/d")
    assert "not in the allowed models" in edits.model_notes(settings, "c/d", "images")[0]
    assert edits.model_notes(settings, "a/b", "images") == []
    assert edits.model_notes(GuildSettings(), "c/d", "images") == []
    assert "`c/d` is not allowed" in edits.allowed_notes(settings)[0]
    assert "any image model" in edits.allowed_notes(GuildSettings())[0]
    assert "global default" in edits.lock_notes(GuildSettings(locked_options=["model"]), "model")[0]
    assert edits.lock_notes(GuildSettings(locked_options=["model"], image_model="a/b"), "model") == []
    assert edits.lock_notes(GuildSettings(), "model") == []


# --- rendering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "channel", "shown"),
    [
        ("image_model", None, False, "not set (global default)"),
        ("image_model", None, True, "inherit server setting"),
        ("image_model", "bfl/flux-2-pro", False, "`bfl/flux-2-pro`"),
        ("private_by_default", True, False, "on"),
        ("log_channel_id", 42, False, "<#42>"),
        ("cooldown_seconds", 0, False, "off"),
        ("cooldown_seconds", 30, False, "30 s"),
        ("daily_quota", None, False, "unlimited"),
        ("nsfw_policy", "age_restricted", False, "age-restricted channels only"),
        ("blocked_terms", ["secret"], False, "1 term"),
        ("flagged_terms", ["a", "b"], False, "2 terms"),
        ("allowed_models", [], False, "every image model"),
        ("locked_options", ["model", "count"], False, "`model`, `count`"),
        ("provider_options", {}, False, "none"),
        ("provider_options", {"openai": {"quality": "high"}}, False, '`{"openai":{"quality":"high"}}`'),
        ("aspect_ratio", None, False, "model default"),
    ],
)
def test_format_value(field: str, value: object, channel: bool, shown: str) -> None:
    assert format_value(field, value, channel=channel) == shown


def test_change_reply_shows_old_and_new_and_never_the_terms() -> None:
    old = GuildSettings(blocked_terms=["secret"])
    new = GuildSettings(blocked_terms=["secret", "other"], image_model="a/b")
    changes = changed_fields(old, new)
    assert [name for name, _, _ in changes] == ["image_model", "blocked_terms"]
    text = change_reply(changes, new, [], notes=["Careful."])
    assert text.splitlines() == [
        "✅ Updated:",
        "**Default image model**: not set (global default) → `a/b`",
        "**Blocked terms**: 1 term → 2 terms",
        "⚠️ Careful.",
    ]
    assert "secret" not in text
    # The log channel reads values as /config shows them (a channel's unset value inherits).
    assert modlog_changes(changes, channel_name="art") == [
        ("Default image model in #art", "inherit server setting", "`a/b`"),
        ("Blocked terms in #art", "1 term", "2 terms"),
    ]
    assert modlog_changes(changes, locale="es-ES")[0] == (
        "Modelo de imagen predeterminado",
        "sin definir (predeterminado global)",
        "`a/b`",
    )


def test_change_reply_when_nothing_changed_and_for_channels() -> None:
    settings = GuildSettings(cooldown_seconds=10)
    assert change_reply([], settings, ["cooldown_seconds"]) == "Nothing changed.\n**Cooldown** is 10 s."
    channel = ChannelSettings(default_count=2)
    text = change_reply(changed_fields(ChannelSettings(), channel), channel, ["default_count"], channel_id=7)
    assert text == "✅ Updated in <#7>:\n**Default image count**: inherit server setting → 2"
    long_notes = ["x" * 1500, "y" * 1500]
    assert len(change_reply([], settings, [], notes=long_notes)) <= 2000


def test_settings_embed_shows_effective_values_and_their_source() -> None:
    guild = GuildSettings(image_model="a/b", default_count=2, blocked_terms=["secret"], log_channel_id=9)
    channel = ChannelSettings(aspect_ratio="16:9", chat_model="c/d")
    embed = settings_embed(
        guild, channel, channel_id=5, defaults=GlobalDefaults(chat_model="g/h"), overridden_channels=2
    )
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Default image model"] == "`a/b`"
    assert fields["Default chat model"] == "`c/d` (this channel)"
    assert fields["Images per request"] == "default 2 · max 4"
    assert fields["Aspect ratio"] == "`16:9` (this channel)"
    assert fields["Blocked terms"].startswith("1 term")
    assert fields["Log channel"] == "<#9>"
    assert "Default aspect ratio: `16:9`" in fields["This channel's overrides"]
    assert "secret" not in str(embed.to_dict())
    assert embed.footer.text is not None
    assert "2 channel(s)" in embed.footer.text
    unset = settings_embed(
        GuildSettings(), None, channel_id=5, defaults=GlobalDefaults(image_model="g/i"), overridden_channels=0
    )
    unset_fields = {f.name: f.value for f in unset.fields}
    assert unset_fields["Default image model"] == "`g/i` (global default)"
    assert unset_fields["Images per request"] == "default 1 (global default) · max 4"
    assert unset_fields["Private by default"] == "off (global default)"


def test_settings_embed_stays_within_limits_when_everything_is_huge() -> None:
    big_options = {f"provider{p}": {f"key{k}": "v" * 150 for k in range(10)} for p in range(10)}
    guild = GuildSettings(
        image_model="m" * 100,
        chat_model="n" * 100,
        allowed_models=[f"creator/model-{i}-" + "x" * 80 for i in range(MAX_TERMS)],
        provider_options=big_options,
        locked_provider_options=big_options,
        nsfw_provider_options=big_options,
        blocked_terms=[f"term{i}" for i in range(MAX_TERMS)],
        locked_options=["model", "count", "aspect_ratio", "private"],
    )
    channel = ChannelSettings(image_model="o" * 100, chat_model="p" * 100, provider_options=big_options)
    embed_limits_hold(
        settings_embed(guild, channel, channel_id=1, defaults=GlobalDefaults(), overridden_channels=9)
    )


def entry(
    n: int, field: str, old: Any, new: Any, *, channel_id: int | None = None, action: str = "guild.update"
) -> AuditEntry:
    return AuditEntry(
        id=n,
        guild_id=1,
        channel_id=channel_id,
        actor_id=100 + n,
        action=action,
        field=field,
        old=old,
        new=new,
        created_at=datetime(2025, 1, 1, 12, 0, n % 60, tzinfo=UTC),
    )


def test_audit_embed_lists_who_what_old_new_when() -> None:
    entries = [
        entry(3, "blocked_terms", ["a"], ["a", "b"]),
        entry(2, "default_count", None, 3, channel_id=77, action="channel.update"),
        entry(1, "image_model", "a/b", None, action="guild.reset"),
    ]
    lines = (audit_embed(entries).description or "").splitlines()
    stamp = int(datetime(2025, 1, 1, 12, 0, 3, tzinfo=UTC).timestamp())
    assert lines[0] == f"<t:{stamp}:R> <@103>: **Blocked terms**: 1 term → 2 terms"
    assert lines[1].endswith("<@102> in <#77>: **Default image count**: inherit server setting → 3")
    assert lines[2].endswith("<@101> (reset): **Default image model**: `a/b` → not set (global default)")
    assert audit_embed([]).description == "No settings changes recorded yet."


def test_audit_embed_drops_old_entries_to_fit() -> None:
    entries = [entry(i, "image_model", "a" * 100, "b" * 100) for i in range(200)]
    embed = audit_embed(entries)
    embed_limits_hold(embed)
    assert 0 < len((embed.description or "").splitlines()) < 200


def test_listing_cuts_long_lists() -> None:
    assert listing("Blocked terms", []) == "Blocked terms: none."
    assert listing("Blocked terms", ["a", "b"]) == "Blocked terms (2): `a`, `b`"
    text = listing("Blocked terms", [f"term-{i:03d}-" + "x" * 80 for i in range(MAX_TERMS)])
    assert len(text) <= 2000
    assert text.endswith("more")
    shown = text.count("`term-") + int(text.rsplit("and ", 1)[1].split()[0])
    assert shown == MAX_TERMS


def test_channels_listing() -> None:
    assert "No channel" in channels_listing({})
    text = channels_listing({5: ChannelSettings(default_count=2, private_by_default=True)})
    assert text == "<#5>: default image count 2, private by default on"


def test_model_choices_prefer_prefix_matches_and_fit_discord() -> None:
    models = [
        ModelInfo(id="openai/gpt-image-1", endpoint="images", name="GPT Image 1", pricing={"image": "0.042"}),
        ModelInfo(id="bfl/flux-2-pro", endpoint="images"),
        *(ModelInfo(id=f"x/m{i}", endpoint="images") for i in range(40)),
    ]
    choices = model_choices(models, "")
    assert len(choices) == 25
    found = model_choices(models, "gpt")
    assert [c.value for c in found] == ["openai/gpt-image-1"]
    assert found[0].name == "GPT Image 1 (openai/gpt-image-1) · $0.042/image"
    assert [c.value for c in model_choices(models, "BFL")] == ["bfl/flux-2-pro"]
    too_long = ModelInfo(id="a/" + "x" * 99, endpoint="images")  # Discord refuses values over 100
    assert model_choices([too_long], "") == []
    assert len(model_choices([too_long, *models], "")) == 25
    assert [c.value for c in text_choices(["Dragon", "ogre", "x" * 101], "dra")] == ["Dragon"]
    assert text_choices(["x" * 101], "") == []
