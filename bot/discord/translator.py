"""`CommandTranslator`: command, option and context-menu names and descriptions per locale.

discord.py wraps every name and description in `locale_str` and asks the tree's translator
for each Discord locale while building the synced schema; the answers become
`name_localizations` / `description_localizations`. Keys are built from where the string sits:
``imagine`` (command name), ``imagine.description``, ``imagine.prompt`` (option name),
``imagine.prompt.description``; a context menu is keyed by its English name. A string without a
key in the member's language stays English (returning None tells discord.py so).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

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
    return None  # choices and anything else stay as written


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
