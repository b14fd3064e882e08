"""Prompt moderation: blocked and flagged terms, matched so that disguises do not help (pure).

Both the prompt and every term are folded by `bot.policy.folding.match_form` (case, accents,
width, invisible characters, look-alike letters from other scripts). A term then matches:

* on word boundaries, so ``cat`` never matches ``concatenate`` (nor ``Scunthorpe`` a rude word);
* with a plural ending (``s``, ``es``, ``y`` -> ``ies``);
* across invisible characters and camelCase seams (``zom<ZWSP>bie``, ``goreScene``);
* with its words run together or split by any spaces or punctuation (``realperson``,
  ``real-person``), and letter by letter (``g.o.r.e``, ``z o m b i e``).

There is deliberately no leetspeak guessing (``z0mbie``): moderators can list variants, and a
predictable rule is easier to explain than false positives. A refusal never names the term.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.policy.folding import HARD, SOFT, match_form, normalize
from bot.policy.schemas import GuildSettings

BLOCKED_MESSAGE = "This prompt contains a term this server blocks."
OPERATOR_BLOCKED_MESSAGE = "This prompt contains a term this bot does not allow."
_S = re.escape(SOFT) + "?"  # a term may span a soft break anywhere
_GAP = f"[{re.escape(HARD)}{re.escape(SOFT)}]?"  # between a term's words: any break, or none


@dataclass(frozen=True, slots=True)
class ModerationVerdict:
    """What moderation decided about a prompt.

    Attributes:
        blocked_rule: The sentence to refuse with, or None when allowed. It never contains
            the word list.
        flagged_terms: Configured flagged terms found in the prompt (report to the log channel).
        blocked_term: The blocked term that matched, for the log only.
        by_operator: The operator's list blocked it (not the server's): the server's moderators
            are not told which term.
    """

    blocked_rule: str | None = None
    flagged_terms: list[str] = field(default_factory=list)
    blocked_term: str | None = None
    by_operator: bool = False

    @property
    def blocked(self) -> bool:
        """Whether the prompt must be refused."""
        return self.blocked_rule is not None


@dataclass(frozen=True, slots=True)
class _Term:
    """One configured term, compiled: `key` is a cheap necessary condition for `pattern`."""

    term: str
    key: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Folded:
    """A prompt folded once, checked against any number of term lists."""

    text: str
    compact: str  # without any break: every match's letters appear here in a row

    @classmethod
    def of(cls, prompt: str) -> _Folded:
        text = match_form(prompt)
        return cls(text, text.replace(HARD, "").replace(SOFT, ""))


def _word_pattern(word: str, *, last: bool) -> str:
    chars = list(word)
    tail = ""
    if last and chars and chars[-1].isalpha():
        if chars[-1] == "y" and len(chars) > 1:
            chars[-1] = f"(?:y(?:{_S}s)?|i{_S}e{_S}s)"
            return _S.join([*map(re.escape, chars[:-1]), chars[-1]])
        tail = f"(?:(?:{_S}e)?{_S}s)?"
    return _S.join(map(re.escape, chars)) + tail


def _term_pattern(words: list[str]) -> str:
    body = _GAP.join(_word_pattern(w, last=i == len(words) - 1) for i, w in enumerate(words))
    letters = "".join(words)
    # Spelled out letter by letter: "g.o.r.e" folds to "g o r e". No plural ending is needed:
    # "g o r e s" already matches at "g o r e", which a break follows.
    body = f"(?:{body}|{HARD.join(map(re.escape, letters))})"
    start = r"(?<!\w)" if re.match(r"\w", letters[0]) else ""
    end = r"(?!\w)" if re.match(r"\w", letters[-1]) else ""
    return start + body + end


@functools.lru_cache(maxsize=512)
def _compile(terms: tuple[str, ...]) -> tuple[_Term, ...]:
    """Fold and compile each term once per distinct term list (lists change rarely)."""
    compiled: list[_Term] = []
    for term in terms:
        words = [w for w in match_form(term).replace(SOFT, "").split(HARD) if w]
        if not words:
            continue
        letters = "".join(words)
        key = letters[:-1] if letters.endswith("y") and len(letters) > 1 else letters
        compiled.append(_Term(term, key, re.compile(_term_pattern(words))))
    return tuple(compiled)


def _found(folded: _Folded, entries: tuple[_Term, ...]) -> Iterator[str]:
    """The configured terms found in `folded`, lazily, in configuration order."""
    for entry in entries:
        # Substring search first: most terms are absent, and `in` is far cheaper than a regex.
        if entry.key in folded.compact and entry.pattern.search(folded.text):
            yield entry.term


def find_term(prompt: str, terms: Iterable[str]) -> str | None:
    """The first configured term found in `prompt`, in configuration order.

    Args:
        prompt: The member's prompt.
        terms: Configured terms, as moderators typed them.

    Returns:
        The first matching term as configured, or None.
    """
    return next(_found(_Folded.of(prompt), _compile(tuple(terms))), None)


def find_terms(prompt: str, terms: Iterable[str]) -> list[str]:
    """Every configured term found in `prompt`, in configuration order.

    Args:
        prompt: The member's prompt.
        terms: Configured terms.

    Returns:
        The matching terms as configured.
    """
    return list(_found(_Folded.of(prompt), _compile(tuple(terms))))


def check_prompt(
    prompt: str, guild: GuildSettings, operator_blocked: Iterable[str] = ()
) -> ModerationVerdict:
    """Apply the operator's blocked terms, then the guild's blocked and flagged terms.

    Args:
        prompt: The member's prompt.
        guild: The guild's settings (or the rules for places outside servers).
        operator_blocked: Terms the operator blocks everywhere (a floor servers cannot lower).

    Returns:
        The verdict; when `blocked_rule` is set the caller raises `PolicyError(blocked_rule)`.
    """
    folded = _Folded.of(prompt)
    flagged = list(_found(folded, _compile(tuple(guild.flagged_terms))))
    by_operator = next(_found(folded, _compile(tuple(operator_blocked))), None)
    if by_operator is not None:
        return ModerationVerdict(
            blocked_rule=OPERATOR_BLOCKED_MESSAGE,
            flagged_terms=flagged,
            blocked_term=by_operator,
            by_operator=True,
        )
    blocked = next(_found(folded, _compile(tuple(guild.blocked_terms))), None)
    if blocked is not None:
        return ModerationVerdict(blocked_rule=BLOCKED_MESSAGE, flagged_terms=flagged, blocked_term=blocked)
    return ModerationVerdict(flagged_terms=flagged)


__all__ = [
    "BLOCKED_MESSAGE",
    "OPERATOR_BLOCKED_MESSAGE",
    "ModerationVerdict",
    "check_prompt",
    "find_term",
    "find_terms",
    "normalize",
]
