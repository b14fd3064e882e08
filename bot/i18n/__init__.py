"""Every member's language: the message catalogue and the command-name translator.

Sentences are looked up by key in the catalogue of the member's Discord locale
(`interaction.locale`; the server's locale for public posts), falling back to English for a
locale without a catalogue. Command and option names and descriptions are translated by
`bot.discord.translator.CommandTranslator` (the only part importing discord), which discord.py
calls while building the synced schema (`name_localizations`, `description_localizations`).

Shipped: English plus Spanish, Brazilian Portuguese, French and German. `tests/unit/test_i18n.py`
checks that every locale has every key with the same placeholders, and that command strings fit
Discord's limits.
"""

from __future__ import annotations

from bot.i18n.catalog import (
    CATALOGUES,
    DEFAULT_LANGUAGE,
    Heading,
    Phrase,
    language_of,
    localize,
    placeholders,
    text,
    translate,
)

__all__ = [
    "CATALOGUES",
    "DEFAULT_LANGUAGE",
    "Heading",
    "Phrase",
    "language_of",
    "localize",
    "placeholders",
    "text",
    "translate",
]
