"""`CommandTranslator`: command, option and context-menu names and descriptions per locale.

discord.py wraps every name and description in `locale_str` and asks the tree's translator
for each Discord locale while building the synced schema; the answers become
`name_localizations` / `description_localizations`. Keys are built from where the string sits:
``imagine`` (command name), ``imagine.description``, ``imagine.prompt`` (option name),
``imagine.prompt.description``; in a group the command's qualified name (``config model image``,
``config model image.model``); a context menu by its English name; a choice by ``choice.`` and
its English name, the same in every command (``choice.reset``). A string without a key in the
member's language stays English (returning None tells discord.py so).

discord.py names the choices of a `Literal` with plain strings and never asks a translator about
them: `translated_choices` offers the same values with translatable names.
"""

from __future__ import annotations

import hashlib
import json
import re
import types
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import de, en, es, fr, pt_br

# Command strings per Discord locale (names must be lowercase; see tests/unit/test_i18n.py).
COMMAND_STRINGS: dict[str, dict[str, str]] = {
    "es-ES": es.COMMANDS,
    "es-419": es.COMMANDS,
    "pt-BR": pt_br.COMMANDS,
    "fr": fr.COMMANDS,
    "de": de.COMMANDS,
}
ENGLISH_COMMANDS = en.COMMANDS
# Choice names that are notation, not words (aspect ratios such as 16:9, resolutions such as 2K):
# they read the same in every language, so they have no key.
SAME_IN_EVERY_LANGUAGE = re.compile(r"\d+(:\d+|K)")

F = TypeVar("F", bound=Callable[..., Any])


def command_key(string: app_commands.locale_str, context: app_commands.TranslationContextTypes) -> str | None:
    """The catalogue key of a command string, from where discord.py says it sits."""
    data: Any = context.data
    where = context.location
    if isinstance(data, app_commands.ContextMenu):
        return data.name if where is Where.command_name else None
    if isinstance(data, app_commands.Command | app_commands.Group):
        if where in (Where.command_name, Where.group_name):
            return data.qualified_name
        if where in (Where.command_description, Where.group_description):
            return f"{data.qualified_name}.description"
        return None
    if isinstance(data, app_commands.Parameter):
        if where is Where.parameter_name:
            return f"{data.command.qualified_name}.{data.name}"
        if where is Where.parameter_description:
            return f"{data.command.qualified_name}.{data.name}.description"
    if isinstance(data, app_commands.Choice):
        return f"choice.{data.name}"
    return None


def translated_choices(callback: F) -> F:
    """Offer the callback's `Literal` parameters as choices whose names the translator localises.

    Put it under the command decorator. The values (what the callback receives) are unchanged;
    only the shown names gain ``choice.<name>`` translations.
    """
    found = {
        name: [app_commands.Choice(name=app_commands.locale_str(str(v)), value=v) for v in values]
        for name, hint in get_type_hints(callback).items()
        if (values := _literal_values(hint))
    }
    return app_commands.choices(**found)(callback)


def _literal_values(hint: Any) -> tuple[Any, ...]:
    """The values of ``Literal[...]`` or ``Literal[...] | None``; nothing for any other type."""
    if get_origin(hint) in (Union, types.UnionType):
        inner = [arg for arg in get_args(hint) if arg is not type(None)]
        hint = inner[0] if len(inner) == 1 else None
    return get_args(hint) if get_origin(hint) is Literal else ()


class CommandTranslator(app_commands.Translator):
    """Answers discord.py's translation requests from `COMMAND_STRINGS`."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The string in `locale`, or None to keep it English."""
        strings = COMMAND_STRINGS.get(locale.value)
        if strings is None:
            return None
        key = command_key(string, context)
        if key is None or ENGLISH_COMMANDS.get(key) != string.message:
            return None  # a string changed in code but not in the catalogue: keep it English
        return strings.get(key)


def fingerprint() -> str:
    """A digest of every command translation: part of the command-tree hash, so edits re-sync."""
    blob = json.dumps([ENGLISH_COMMANDS, COMMAND_STRINGS], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()
