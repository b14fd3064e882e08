"""Prompt moderation: blocked and flagged terms, matched predictably (pure, no I/O).

Matching folds both the prompt and the terms with `normalize` (accents, case, width, invisible
characters) and then requires word boundaries, so "cat" never matches "concatenate" while
"café" matches "CAFE". There is deliberately no leetspeak guessing: moderators can list
variants, and a predictable rule is easier to explain than false positives.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.storage.schemas import GuildSettings

BLOCKED_MESSAGE = "This prompt contains a term this server blocks."
_WORD = re.compile(r"\w+")
# (term as configured, folded single word or None, pattern for anything else)
_Entry = tuple[str, str | None, re.Pattern[str] | None]


@dataclass(frozen=True, slots=True)
class ModerationVerdict:
    """What moderation decided about a prompt.

    Attributes:
        blocked_rule: The sentence to refuse with (`BLOCKED_MESSAGE`), or None when allowed.
            It never contains the word list.
        flagged_terms: Configured flagged terms found in the prompt (report to the log channel).
        blocked_term: The blocked term that matched, for the moderators' log only.
    """

    blocked_rule: str | None = None
    flagged_terms: list[str] = field(default_factory=list)
    blocked_term: str | None = None

    @property
    def blocked(self) -> bool:
        """Whether the prompt must be refused."""
        return self.blocked_rule is not None


def _drop(char: str) -> bool:
    # Combining marks (accents), format characters (zero-width space/joiner, soft hyphen) and
    # variation selectors: invisible, so they must not let a term slip through.
    if unicodedata.combining(char):
        return True
    return unicodedata.category(char) == "Cf" or "\ufe00" <= char <= "\ufe0f"


def normalize(text: str) -> str:
    """Fold text for matching: NFKD, drop accents/invisible marks, casefold, collapse whitespace.

    Args:
        text: Any text (a prompt or a configured term).

    Returns:
        The folded text; ``"Café  Ｘ"`` becomes ``"cafe x"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not _drop(c))
    # casefold() can produce new decomposable characters; NFKD again keeps folding idempotent.
    folded = unicodedata.normalize("NFKD", stripped.casefold())
    return " ".join("".join(c for c in folded if not _drop(c)).split())


def _term_pattern(folded: str) -> str:
    words = folded.split(" ")
    # Words of a multi-word term may be separated by any run of spaces or punctuation.
    body = r"[\W_]+".join(re.escape(w) for w in words)
    start = r"(?<!\w)" if re.match(r"\w", words[0]) else ""
    end = r"(?!\w)" if re.search(r"\w$", words[-1]) else ""
    return start + body + end


@functools.lru_cache(maxsize=256)
def _compile(terms: tuple[str, ...]) -> tuple[_Entry, ...]:
    """Fold each term once: a single word is matched by set lookup, anything else by regex."""
    entries: list[_Entry] = []
    for term in terms:
        folded = normalize(term)
        if not folded:
            continue
        if _WORD.fullmatch(folded):
            entries.append((term, folded, None))
        else:
            entries.append((term, None, re.compile(_term_pattern(folded))))
    return tuple(entries)


def _scan(folded: str, entries: tuple[_Entry, ...], *, first_only: bool) -> list[str]:
    # A single-word term on word boundaries matches exactly when it is one of the text's
    # maximal runs of word characters: a set lookup instead of hundreds of regex scans.
    words: set[str] | None = None
    found = []
    for term, word, pattern in entries:
        if word is not None:
            if words is None:
                words = set(_WORD.findall(folded))
            hit = word in words
        else:
            hit = pattern is not None and pattern.search(folded) is not None
        if hit:
            found.append(term)
            if first_only:
                break
    return found


def find_term(prompt: str, terms: Iterable[str]) -> str | None:
    """The first configured term found in `prompt` (word boundaries, case/accent-insensitive).

    Args:
        prompt: The member's prompt.
        terms: Configured terms, as moderators typed them.

    Returns:
        The first matching term in configuration order, as configured, or None.
    """
    found = _scan(normalize(prompt), _compile(tuple(terms)), first_only=True)
    return found[0] if found else None


def find_terms(prompt: str, terms: Iterable[str]) -> list[str]:
    """Every configured term found in `prompt`, in configuration order.

    Args:
        prompt: The member's prompt.
        terms: Configured terms.

    Returns:
        The matching terms as configured.
    """
    return _scan(normalize(prompt), _compile(tuple(terms)), first_only=False)


def check_prompt(prompt: str, guild: GuildSettings) -> ModerationVerdict:
    """Apply the guild's blocked and flagged terms to a prompt.

    Args:
        prompt: The member's prompt.
        guild: The guild's settings.

    Returns:
        The verdict; when `blocked_rule` is set the caller raises `PolicyError(blocked_rule)`.
    """
    folded = normalize(prompt)
    blocked = _scan(folded, _compile(tuple(guild.blocked_terms)), first_only=True)
    flagged = _scan(folded, _compile(tuple(guild.flagged_terms)), first_only=False)
    if blocked:
        return ModerationVerdict(blocked_rule=BLOCKED_MESSAGE, flagged_terms=flagged, blocked_term=blocked[0])
    return ModerationVerdict(flagged_terms=flagged)
