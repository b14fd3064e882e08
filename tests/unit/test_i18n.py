"""The catalogues and the command translator: complete, consistent, and within Discord's limits."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.discord.app import ImageBot
from bot.discord.flows.progress import localized_progress
from bot.discord.translator import (
    COMMAND_STRINGS,
    ENGLISH_COMMANDS,
    SAME_IN_EVERY_LANGUAGE,
    CommandTranslator,
)
from bot.discord.views.cards import with_enhanced
from bot.error_messages import localized_message, user_message_for
from bot.errors import CooldownError, InputError, ServiceUnavailableError
from bot.gateway import errors as gw
from bot.i18n import (
    CATALOGUES,
    DEFAULT_LANGUAGE,
    Phrase,
    language_of,
    localize,
    placeholders,
    text,
    translate,
)
from bot.image_actions import ACTIONS
from bot.jobs import GENERATING, QUEUED_PREFIX
from bot.money import PAUSED_MESSAGE
from bot.policy.schemas import LOCKABLE_OPTIONS, PARAMETERS, ChannelSettings, GuildSettings
from tests.unit.test_app_shape import bot  # noqa: F401  (the fixture)

ENGLISH = CATALOGUES[DEFAULT_LANGUAGE]
LANGUAGES = [language for language in CATALOGUES if language != DEFAULT_LANGUAGE]
# Discord's discord.Locale values every command catalogue is offered under.
DISCORD_LOCALES = {locale.value for locale in discord.Locale}
# Discord's limits on component text, by key prefix: button labels 80; modal titles and field
# labels 45; field descriptions and placeholders 100; select placeholders and options 100.
COMPONENT_LIMITS = {"button.": 80, "modal.": 45, "modal_hint.": 100, "select.": 100}
# Select option labels that are not under `select.`: the per-image actions.
OPTION_LABELS = [f"action.{name}" for name in ACTIONS]


# Devanagari and Thai blocks: Discord's name rule admits those scripts' marks, not only letters.
INDIC_MARKS = ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x0E00, 0x0E7F))


def is_command_name(name: str) -> bool:
    """Discord's CHAT_INPUT name rule, ``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase.

    (Python's `re` has no ``\\p{…}``: letters and numbers are the Unicode categories L* and N*.)
    """
    ok = all(
        ch in "-_"
        or unicodedata.category(ch)[0] in "LN"
        or any(low <= ord(ch) <= high for low, high in INDIC_MARKS)
        for ch in name
    )
    return ok and 1 <= len(name) <= 32 and name == name.lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_locale_has_every_sentence_with_the_same_placeholders(language: str) -> None:
    catalogue = CATALOGUES[language]
    assert set(catalogue) == set(ENGLISH), f"{language}: keys differ"
    for key, sentence in ENGLISH.items():
        assert placeholders(catalogue[key]) == placeholders(sentence), f"{language} {key}"
        assert catalogue[key].strip(), f"{language} {key} is empty"
        assert len(catalogue[key]) <= 1000, f"{language} {key} is too long for one message part"


@pytest.mark.parametrize("language", list(CATALOGUES))
def test_component_strings_fit_discords_limits(language: str) -> None:
    catalogue = CATALOGUES[language]
    checked = 0
    for key, sentence in catalogue.items():
        # filled in with the longest values they get: a two-digit image number, a count of 3
        shown = sentence.format(**dict.fromkeys(placeholders(sentence), "99"))
        for prefix, limit in COMPONENT_LIMITS.items():
            if key.startswith(prefix):
                assert len(shown) <= limit, f"{language} {key}: {len(shown)} > {limit} characters"
                checked += 1
        if key in OPTION_LABELS:
            assert len(shown) <= 100, f"{language} {key}"
            checked += 1
    assert checked >= 25  # the prefixes still name the component keys


@pytest.mark.parametrize("locale", sorted(COMMAND_STRINGS))
def test_every_command_locale_is_complete_and_fits_discords_limits(locale: str) -> None:
    assert locale in DISCORD_LOCALES
    strings = COMMAND_STRINGS[locale]
    assert set(strings) == set(ENGLISH_COMMANDS)
    for key, value in strings.items():
        if key.endswith(".description"):
            assert 1 <= len(value) <= 100, f"{locale} {key}: {len(value)} characters"
        elif key.startswith("choice."):
            assert 1 <= len(value) <= 100, f"{locale} {key}"
        elif key[:1].isupper():  # a context menu: any case and spaces, 1-32 characters
            assert 1 <= len(value) <= 32, f"{locale} {key}"
        else:
            assert is_command_name(value), f"{locale} {key}: {value!r} is not a valid command name"
    for key, value in ENGLISH_COMMANDS.items():
        if key.endswith(".description"):
            assert len(value) <= 100


def test_language_of_maps_discord_locales() -> None:
    assert language_of(discord.Locale.spain_spanish) == "es"
    assert language_of(discord.Locale.latin_american_spanish) == "es"
    assert language_of(discord.Locale.brazil_portuguese) == "pt-BR"
    assert language_of("fr") == "fr"
    assert language_of(discord.Locale.japanese) == "en"  # no catalogue yet: English
    assert language_of(None) == "en"
    assert text("ja", "error.cooldown", seconds=5) == "Slow down — you can generate again in 5 s."


def test_refusals_and_gateway_errors_are_translated() -> None:
    assert localize(PAUSED_MESSAGE, "de") == CATALOGUES["de"]["error.paused"]
    assert localized_message(ServiceUnavailableError("redis"), "fr") == CATALOGUES["fr"]["error.unavailable"]
    assert localize("a sentence nobody catalogued", "de") == "a sentence nobody catalogued"
    error = CooldownError(
        "Slow down — you can generate again in 7 s.", 7, key="error.cooldown", values={"seconds": 7}
    )
    assert localized_message(error, "es-ES") == "Más despacio: podrás generar de nuevo en 7 s."
    assert localized_message(error, "en-US") == user_message_for(error)
    for cls in (gw.ServerError, gw.ContentPolicyError, gw.GatewayTimeoutError, gw.JobTooLargeError):
        assert localized_message(cls(), "en-US") == cls().user_message  # English is the source
        assert localized_message(cls(), "fr") == CATALOGUES["fr"][f"gateway.{cls.__name__}"]
    assert localized_message(gw.RateLimitError(retry_after=12), "pt-BR").endswith("em 12 s.")
    assert localized_message(TimeoutError(), "fr") == CATALOGUES["fr"]["gateway.GatewayTimeoutError"]


def _english_strings(node: dict[str, Any], key: str) -> dict[str, str]:
    """The catalogue keys of a command and everything under it, with the English the cog declares."""
    found = {key: node["name"]}
    if node.get("type", 1) not in (2, 3) or "description" in node:  # not a context menu
        found[f"{key}.description"] = node["description"]
    for choice in node.get("choices") or []:
        if not SAME_IN_EVERY_LANGUAGE.fullmatch(choice["name"]):
            found[f"choice.{choice['name']}"] = choice["name"]
    for option in node.get("options") or []:
        if option["type"] in (1, 2):  # a sub-command or group: keyed by its qualified name
            found.update(_english_strings(option, f"{key} {option['name']}"))
        else:
            found.update(_english_strings(option, f"{key}.{option['name']}"))
    return found


def _nodes(node: dict[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    """A command and every group, sub-command and option under it, with its path."""
    found = [(path, node)]
    for option in node.get("options") or []:
        found += _nodes(option, f"{path} {option['name']}")
    return found


def _shown(node: dict[str, Any], field: str, locale: str | None) -> str | None:
    """What a member with `locale` reads (None: the English default)."""
    return node[field] if locale is None else (node.get(f"{field}_localizations") or {}).get(locale)


async def test_catalogue_matches_the_commands(bot: ImageBot) -> None:  # noqa: F811
    tree = bot.tree
    declared: dict[str, str] = {}
    for command in tree.get_commands():
        data = command.to_dict(tree)
        declared.update(_english_strings(data, data["name"]))
    assert {"config model image.model", "choice.reset", "config"} <= set(declared)
    assert set(declared) == set(ENGLISH_COMMANDS), "the catalogue and the cogs name different strings"
    for key, english in ENGLISH_COMMANDS.items():
        assert declared[key] == english, f"{key}: the cog says {declared[key]!r}"


@pytest.mark.parametrize("locale", [None, *sorted(COMMAND_STRINGS)])
async def test_every_command_option_and_choice_is_translated_and_fits_discords_limits(
    bot: ImageBot,  # noqa: F811
    locale: str | None,
) -> None:
    """The synced schema, walked to every group, sub-command, option and choice, in one locale."""
    tree = bot.tree
    payloads = [await c.get_translated_payload(tree, CommandTranslator()) for c in tree.get_commands()]
    checked = 0
    top_level: dict[int, list[str]] = {}
    for payload in payloads:
        menu = payload.get("type", 1) != 1
        for path, node in _nodes(payload, payload["name"]):
            name = _shown(node, "name", locale)
            assert name is not None, f"{locale} {path!r}: no name"
            if menu:  # a context menu: any case and spaces
                assert 1 <= len(name) <= 32, f"{locale} {path!r}: {name!r}"
            else:
                assert is_command_name(name), f"{locale} {path!r}: {name!r} is not a valid name"
                description = _shown(node, "description", locale)
                assert description is not None, f"{locale} {path!r}: no description"
                assert 1 <= len(description) <= 100, f"{locale} {path!r}: {len(description)} characters"
            siblings = [_shown(option, "name", locale) for option in node.get("options") or []]
            assert len(siblings) == len(set(siblings)), f"{locale} {path!r}: names collide: {siblings}"
            choices = node.get("choices") or []
            shown = [_shown(choice, "name", locale) or choice["name"] for choice in choices]
            for choice, text_shown in zip(choices, shown, strict=True):
                translated = _shown(choice, "name", locale) is not None
                assert translated or SAME_IN_EVERY_LANGUAGE.fullmatch(choice["name"]), (
                    f"{locale} {path!r}: choice {choice['name']!r} is not translated"
                )
                assert 1 <= len(text_shown) <= 100, f"{locale} {path!r}: {text_shown!r}"
            assert len(shown) == len(set(shown)), f"{locale} {path!r}: choices collide: {shown}"
            checked += 1 + len(choices)
        top_level.setdefault(payload.get("type", 1), []).append(_shown(payload, "name", locale) or "")
    for kind, names in top_level.items():
        assert len(names) == len(set(names)), f"{locale}: type {kind} commands collide: {names}"
    assert checked > 200  # the walk reached /config's sub-commands, options and choices


SOURCES = [p for d in ("bot", "cogs") for p in Path(d).rglob("*.py")]
LITERAL_KEY = re.compile(r"""(?:\.keyed\(|\bPhrase\(|\btext\([^()"]*?,\s*)"([a-z_]+\.[A-Za-z_.]+)\"""")


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    named = {key for path in SOURCES for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))}
    assert len(named) > 60  # the pattern still finds the call sites
    assert named - set(ENGLISH) == set()
    # keys built at run time
    built = [f"button.{a}" for a in ("reroll", "edit", "delete", "cancel")]
    built += [f"refusal.{k}_{w}" for k in ("quota_partial", "quota", "budget") for w in ("server", "outside")]
    options = ("locked_unavailable", "model_unknown", "model_unknown_hint", "no_model")
    built += [f"options.{k}_{w}" for k in options for w in ("image", "chat")]
    levels = ("channel", "guild", "global")
    built += [f"note.{k}_{level}" for k in ("not_allowed", "unavailable") for level in levels]
    built += [f"note.skipped_{level}" for level in ("locked", "guild", "channel", "other")]
    built += [f"option.{name}" for name in (*PARAMETERS, "count", "aspect_ratio", "private", "enhance")]
    built += [f"source.{source}" for source in ("locked", "channel", "guild")]
    built += [f"status.{s}" for s in ("queued", "running", "done", "failed", "cancelled", "interrupted")]
    built += OPTION_LABELS
    # /config: every settings field is named by its key; lock notes name every lockable option
    fields = [*GuildSettings.model_fields, *ChannelSettings.model_fields, "channel_overrides"]
    built += [f"setting.{field}" for field in fields]
    built += [f"option.{option}" for option in LOCKABLE_OPTIONS]
    kinds = ("image", "chat")
    built += [f"config.note_{k}_{kind}" for k in ("not_allowed", "default_skipped") for kind in kinds]
    built += [
        "config.model_is_image",
        "config.model_is_chat",
        "permission.manage_guild",
        "permission.view_channel",
    ]
    assert set(built) - set(ENGLISH) == set()


def test_the_action_menu_reads_the_catalogue_and_english_is_the_actions_own_label() -> None:
    for name, action in ACTIONS.items():
        assert text(None, f"action.{name}") == action.label


def test_phrases_are_their_english_and_translate_with_their_values() -> None:
    note = Phrase(
        "note.locked", option=Phrase("option.aspect_ratio"), value=Phrase("value.the_model_default")
    )
    assert note == "This server locks aspect ratio to the model's default."
    assert (
        translate(note, "de")
        == "Auf diesem Server ist Seitenverhältnis festgelegt: der Standard des Modells."
    )
    assert translate(note, "en-US") == note
    assert translate("Delete", "de") == "Delete"  # plain text (a member's words) is never looked up


def test_core_refusals_carry_their_key_and_read_in_the_members_language() -> None:
    error = InputError.keyed("input.too_large", size="21.5", limit=20)
    assert error.user_message == "That image is 21.5 MB; the limit is 20 MB."
    assert localized_message(error, "de") == "Das Bild hat 21.5 MB; die Grenze liegt bei 20 MB."
    assert localized_message(error, "fr") == "Cette image fait 21.5 Mo ; la limite est de 20 Mo."


def test_progress_lines_are_translated_where_they_are_shown() -> None:
    assert localized_progress(f"{QUEUED_PREFIX} 12.", "pt-BR") == "Na fila: posição 12."
    assert localized_progress(GENERATING.format(model="a/b"), "es-419") == "Generando con `a/b`…"
    assert localized_progress(GENERATING.format(model="a/b"), "en-US") == GENERATING.format(model="a/b")
    assert localized_progress("something else", "fr") == "something else"
    enhancing = Phrase("progress.enhancing", model="a/b")
    assert localized_progress(enhancing, "de") == "Prompt wird mit `a/b` verbessert…"
    assert localized_progress(enhancing, "en-US") == "Enhancing the prompt with `a/b`…"


def test_the_enhanced_prompt_label_is_in_the_readers_language() -> None:
    assert (
        with_enhanced("a fox", "a red fox at dusk", "fr") == "a fox\n\nPrompt (amélioré) : a red fox at dusk"
    )
    assert with_enhanced("a fox", None, "fr") == "a fox"
    assert with_enhanced("a fox", "a red fox", None) == "a fox\n\nPrompt (enhanced): a red fox"


async def test_the_translator_fills_config_from_the_catalogue(bot: ImageBot) -> None:  # noqa: F811
    config = bot.tree.get_command("config")
    assert config is not None
    payload = await config.get_translated_payload(bot.tree, CommandTranslator())
    model = next(o for o in payload["options"] if o["name"] == "model")
    reset = next(o for o in model["options"] if o["name"] == "reset")
    (which,) = reset["options"]
    for locale, strings in COMMAND_STRINGS.items():
        assert payload["name_localizations"][locale] == strings["config"]
        assert model["name_localizations"][locale] == strings["config model"]
        assert reset["description_localizations"][locale] == strings["config model reset.description"]
        assert which["name_localizations"][locale] == strings["config model reset.which"]
        shown = [choice["name_localizations"][locale] for choice in which["choices"]]
        assert shown == [strings[f"choice.{name}"] for name in ("image", "chat", "both")]
    assert payload["name_localizations"]["de"] == "config"
    assert reset["name_localizations"]["de"] == "zurücksetzen"
    # what the command receives is the English value, whatever the member read
    assert [choice["value"] for choice in which["choices"]] == ["image", "chat", "both"]


@pytest.mark.parametrize("locale", sorted(COMMAND_STRINGS))
def test_lock_choices_read_as_the_imagine_options_members_see(locale: str) -> None:
    strings = COMMAND_STRINGS[locale]
    for option in LOCKABLE_OPTIONS:
        assert strings[f"choice.{option}"] == strings[f"imagine.{option}"], f"{locale} {option}"


def _command_paths(strings: dict[str, str]) -> set[tuple[str, ...]]:
    """Every slash command, group and sub-command as its words, e.g. ``("config", "lock")``."""
    keys = [k for k in strings if "." not in k and k[:1].islower()]  # no options, choices, menus
    return {tuple(strings[" ".join(key.split()[: n + 1])] for n in range(len(key.split()))) for key in keys}


def _longest_path(words: list[str], paths: set[tuple[str, ...]]) -> int:
    return max((n for n in range(1, len(words) + 1) if tuple(words[:n]) in paths), default=0)


MENTION = re.compile(r"(?<![\w/])/(\w[\w-]*(?: [\w-]+){0,2})")


@pytest.mark.parametrize("locale", sorted(COMMAND_STRINGS))
def test_sentences_name_commands_as_the_reader_sees_them(locale: str) -> None:
    """ "Add it with `/config allowed add`" reads `/config erlaubt hinzufügen` in German."""
    local, english = _command_paths(COMMAND_STRINGS[locale]), _command_paths(ENGLISH_COMMANDS)
    sentences = {**CATALOGUES[language_of(locale)], **COMMAND_STRINGS[locale]}  # descriptions too
    mentions = [
        (key, match.group(1).split())
        for key, sentence in sentences.items()
        for match in MENTION.finditer(sentence)
    ]
    assert len(mentions) > 20  # the pattern still finds them
    for key, words in mentions:
        # a mention that spells more of an English command than of the reader's is untranslated
        assert _longest_path(words, local) >= _longest_path(words, english), (
            f"{locale} {key}: /{' '.join(words)}"
        )
