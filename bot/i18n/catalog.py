"""The message catalogue: one dict of sentences per language, chosen by Discord locale."""

from __future__ import annotations

import logging
import string
from typing import Any

from bot.i18n import de, en, es, fr, pt_br

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en"
CATALOGUES: dict[str, dict[str, str]] = {
    "en": en.MESSAGES,
    "es": es.MESSAGES,
    "pt-BR": pt_br.MESSAGES,
    "fr": fr.MESSAGES,
    "de": de.MESSAGES,
}
# Discord locales (`discord.Locale` values) that read a catalogue of a wider language.
_ALIASES = {"es-ES": "es", "es-419": "es", "pt-BR": "pt-BR", "fr": "fr", "de": "de"}


def language_of(locale: object) -> str:
    """The catalogue for a Discord locale (`discord.Locale`, its value, or None): English if none fits."""
    value = str(getattr(locale, "value", locale) or "")
    return _ALIASES.get(value, DEFAULT_LANGUAGE)


def placeholders(sentence: str) -> set[str]:
    """The `{name}` fields of a catalogue sentence."""
    return {field for _, field, _, _ in string.Formatter().parse(sentence) if field}


def text(locale: object, key: str, /, **values: Any) -> str:
    """The sentence `key` in the member's language, with `values` filled in.

    Args:
        locale: `interaction.locale` (or the server's locale for public posts), or None.
        key: Catalogue key.
        **values: The sentence's placeholders.

    Raises:
        KeyError: `key` is not in the English catalogue (a programming error).
    """
    language = language_of(locale)
    sentence = CATALOGUES[language].get(key)
    if sentence is None:  # a key added in English only: English rather than nothing
        log.warning("catalogue %s has no %r", language, key)
        sentence = CATALOGUES[DEFAULT_LANGUAGE][key]
    return sentence.format(**values) if values else sentence


def _english_keys() -> dict[str, str]:
    return {
        sentence: key for key, sentence in CATALOGUES[DEFAULT_LANGUAGE].items() if not placeholders(sentence)
    }


_BY_ENGLISH = _english_keys()


def localize(english: str, locale: object) -> str:
    """A fixed English sentence (one without placeholders) in the member's language.

    Lets code that raises with an English constant (e.g. `PAUSED_MESSAGE`) be shown translated
    without every raise site knowing about the catalogue; any other sentence stays English.
    """
    key = _BY_ENGLISH.get(english)
    return english if key is None else text(locale, key)
