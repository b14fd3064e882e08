"""Text folding for term matching: one comparable form for a prompt and for a term (pure).

`match_form` turns text into the form both sides are compared in:

1. spaces other than ASCII ones (no-break, hair, ideographic...) become a *soft break*, then
   NFKC (full-width, mathematical and other compatibility letters become plain ones);
2. camelCase seams (``goreScene``) become a *soft break*;
3. case folding, then NFD with every combining mark dropped (accents and "Zalgo" stacks);
4. every default-ignorable or otherwise invisible code point (zero-width characters, soft
   hyphen, combining grapheme joiner, variation selectors, bidi controls, Hangul and Braille
   fillers, Mongolian selectors, tags, private-use and control characters) becomes a soft break;
5. confusable letters map to their UTS #39 prototype (Cyrillic ``о`` and Greek ``ο`` -> ``o``,
   ``ɡ`` -> ``g``), from Unicode's table shipped in ``unicode_confusables.txt``; ASCII is never
   remapped, so ``0`` stays a digit;
6. ASCII whitespace and all punctuation become a *hard break* (one space); runs of breaks
   collapse to one break, hard if any of them was hard.

A soft break is `SOFT` (NUL, never in folded text otherwise); the matcher lets terms span it, so
``zom<ZWSP>bie`` still reads as ``zombie`` while ``gore<ZWSP>scene`` still has a word boundary.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

SOFT = "\x00"
HARD = " "
_TABLE_FILE = Path(__file__).with_name("unicode_confusables.txt")

# Unicode 15.0 DerivedCoreProperties.txt, Default_Ignorable_Code_Point, as ranges.
_DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
# Blank-looking characters that are not default-ignorable: Braille blank, musical null notehead.
_ALSO_INVISIBLE = frozenset({0x2800, 0x1D159})
# Spaces other than the ASCII ones (no-break, thin, hair, ideographic...) are soft breaks: people
# type ASCII spaces between words, and an NBSP or hair space *inside* a word is an evasion.
_EXOTIC_SPACES = {c: "\x00" for c in (0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F)}
_CAMEL = re.compile(r"(?<=[a-z\u00df-\u00ff])(?=[A-Z\u00c0-\u00de])")
_BREAKS = re.compile(r"[ \x00]+")


def _is_invisible(code: int) -> bool:
    if code in _ALSO_INVISIBLE:
        return True
    return any(low <= code <= high for low, high in _DEFAULT_IGNORABLE)


@functools.cache
def confusables() -> dict[str, str]:
    """The shipped UTS #39 table: folded source character -> folded prototype."""
    table: dict[str, str] = {}
    for line in _TABLE_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        source, prototype = line.split("\t")
        table[chr(int(source, 16))] = "".join(chr(int(h, 16)) for h in prototype.split())
    return table


class _Translation(dict[int, str]):
    """`str.translate` table computed per code point on first sight, then cached."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        category = unicodedata.category(char)
        if category in ("Mn", "Me") and not _is_invisible(code):
            out = ""  # accents and other combining marks: folded away
        elif (
            _is_invisible(code)
            or category in ("Cf", "Co", "Cn", "Cs")
            or (category == "Cc" and not char.isspace())
        ):
            out = SOFT
        else:
            out = "".join(_separator(c) for c in confusables().get(char, char))
        self[code] = out
        return out


def _separator(char: str) -> str:
    # Every separator (Z*) is whitespace by `str.isspace`'s definition (Zs, or bidi WS/B/S).
    if char.isspace() or unicodedata.category(char).startswith("P"):
        return HARD
    return char


_TRANSLATION = _Translation()


def _collapse(match: re.Match[str]) -> str:
    return HARD if HARD in match[0] else SOFT


def match_form(text: str) -> str:
    """Fold `text` into the form prompts and terms are compared in (see the module docstring).

    Args:
        text: A prompt or a configured term.

    Returns:
        Folded text whose breaks are single `HARD` spaces or `SOFT` markers, with none at
        either end.
    """
    text = unicodedata.normalize("NFKC", text.translate(_EXOTIC_SPACES))
    text = _CAMEL.sub(SOFT, text)
    text = unicodedata.normalize("NFD", text.casefold()).translate(_TRANSLATION)
    return _BREAKS.sub(_collapse, text).strip(HARD + SOFT)


def normalize(text: str) -> str:
    r"""Readable folded text: `match_form` with soft breaks removed.

    Args:
        text: Any text.

    Returns:
        For example ``"Café  Ｘ"`` -> ``"cafe x"`` and ``"zоm\u200bbie"`` -> ``"zombie"``.
    """
    return match_form(text).replace(SOFT, "")
