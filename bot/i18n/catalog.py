"""The message catalogue: one dict of sentences per language, chosen by Discord locale."""

from __future__ import annotations

import logging
import string
from typing import Any

from bot.i18n import de, en, es, fr, pt_br
from bot.i18n.moderator import de as mod_de
from bot.i18n.moderator import en as mod_en
from bot.i18n.moderator import es as mod_es
from bot.i18n.moderator import fr as mod_fr
from bot.i18n.moderator import pt_br as mod_pt_br

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en"
# Members' sentences, then moderators' (`/config` and the log channel), kept in their own modules.
CATALOGUES: dict[str, dict[str, str]] = {
    "en": en.MESSAGES | mod_en.MESSAGES,
    "es": es.MESSAGES | mod_es.MESSAGES,
    "pt-BR": pt_br.MESSAGES | mod_pt_br.MESSAGES,
    "fr": fr.MESSAGES | mod_fr.MESSAGES,
    "de": de.MESSAGES | mod_de.MESSAGES,
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


class Phrase(str):
    """An English sentence that keeps its catalogue key and values, to be shown in any language.

    The Discord-free core words notes and labels (a result card's options, a locked value)
    without knowing who reads them: a `Phrase` is that English text, equal to it, stored and
    logged as it, and `translate` shows it in the reader's language. Values may be phrases too
    (an option's label inside a sentence); they are translated with it.
    """

    key: str
    values: dict[str, object]

    def __new__(cls, key: str, /, **values: object) -> Phrase:
        """The English sentence `key` with `values`; `KeyError` for a key English lacks."""
        self = super().__new__(cls, cls.shown(text(None, key, **values)))
        self.key = key
        self.values = values
        return self

    @staticmethod
    def shown(sentence: str) -> str:
        """How the catalogue's sentence reads (as it is; `Heading` capitalises)."""
        return sentence

    def __reduce__(self) -> tuple[Any, ...]:
        """Copy and pickle by key and values (the default would pass the English text as the key)."""
        return _phrase, (self.key, self.values)


class Heading(Phrase):
    """A `Phrase` that starts a sentence: its first letter upper case in every language.

    For a label kept lower case in the catalogue (``setting.max_count``: "maximum image count")
    that a sentence puts first ("Maximum image count: ..."); capitals inside it stay ("NSFW policy").
    """

    @staticmethod
    def shown(sentence: str) -> str:
        """`sentence` with its first letter upper case."""
        return sentence[:1].upper() + sentence[1:]

    def __reduce__(self) -> tuple[Any, ...]:
        """Copy and pickle as a `Heading` (see `Phrase.__reduce__`)."""
        return _heading, (self.key, self.values)


def _phrase(key: str, values: dict[str, object]) -> Phrase:
    return Phrase(key, **values)


def _heading(key: str, values: dict[str, object]) -> Heading:
    return Heading(key, **values)


def translate(sentence: str, locale: object) -> str:
    """`sentence` in the reader's language if it is a `Phrase`, any other text as it is.

    Plain text (a model id, a member's negative prompt) is never matched against the catalogue.

    Args:
        sentence: A `Phrase` or plain text.
        locale: `interaction.locale`, the server's locale, or None (English).
    """
    if isinstance(sentence, Phrase):
        values = {
            name: translate(v, locale) if isinstance(v, str) else v for name, v in sentence.values.items()
        }
        return sentence.shown(text(locale, sentence.key, **values))
    return sentence


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
