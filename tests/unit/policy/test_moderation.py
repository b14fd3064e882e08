"""Blocked/flagged terms: folded (case, accents, width, invisibles, look-alikes), on word boundaries.

The adversarial corpus is in test_evasion_corpus.py."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bot.policy import (
    BLOCKED_MESSAGE,
    OPERATOR_BLOCKED_MESSAGE,
    check_prompt,
    find_term,
    find_terms,
    folding,
    normalize,
)
from bot.policy.folding import SOFT, confusables, match_form
from bot.policy.moderation import _compile
from bot.policy.schemas import GuildSettings


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Café  Crème", "cafe creme"),
        ("CAFE\u0301", "cafe"),  # combining acute accent
        ("Straße", "strasse"),
        ("ＦＵＬＬ　ｗｉｄｔｈ", "full width"),
        ("  tabs\tand\nnewlines  ", "tabs and newlines"),
        ("b\u200bad\u00ad", "bad"),  # zero-width space and soft hyphen
        ("🍆\ufe0f", "🍆"),  # emoji variation selector
        ("İstanbul", "istanbul"),
    ],
)
def test_normalize(text: str, folded: str) -> None:
    assert normalize(text) == folded
    assert normalize(folded) == folded


@pytest.mark.parametrize(
    ("prompt", "term", "matches"),
    [
        # case and accents, both directions
        ("A BAD idea", "bad", True),
        ("a CAFE at night", "café", True),
        ("un café noir", "CAFE", True),
        ("cafe\u0301 au lait", "café", True),
        ("STRASSE", "straße", True),
        ("ＢＡＤ", "bad", True),
        ("b\u200bad", "bad", True),
        # word boundaries
        ("concatenate", "cat", False),
        ("cats and dogs", "cat", True),  # plurals match
        ("boxes", "box", True),
        ("puppies", "puppy", True),
        ("catsup", "cat", False),
        ("a cat.", "cat", True),
        ("(cat)", "cat", True),
        ("the cat's toy", "cat", True),
        ("cat_dog", "cat", True),  # underscore is punctuation, a word break
        ("cat2", "cat", False),
        # multi-word terms: any run of spaces or punctuation between the words
        ("some bad   word here", "bad word", True),
        ("bad-word", "bad word", True),
        ("BAD_word!", "bad word", True),
        ("bad\nword", "bad word", True),
        ("badword", "bad word", True),  # the space removed
        ("bad\u200bword", "bad word", True),
        ("bad words", "bad word", True),
        ("badwordy", "bad word", False),
        ("a bad day, word", "bad word", False),
        # punctuation inside terms is literal, not a regex
        ("what the F*CK!", "f*ck", True),
        ("fack", "f*ck", False),
        ("axb", "a.b", False),
        ("see a.b now", "a.b", True),
        # emoji: no word boundaries needed around symbols
        ("nice🍆pic", "🍆", True),
        ("nice 🍆\ufe0f pic", "🍆", True),
        ("nice 🍆 pic", "🍆\ufe0f", True),
        ("a peach 🍑", "🍆", False),
        ("#tag here", "#tag", True),
        ("x#tagged", "#tag", False),
        # look-alike letters and invisible characters
        ("a zоmbie", "zombie", True),  # Cyrillic o
        ("zom\u034fbie", "zombie", True),
        ("goreScene", "gore", True),
        ("g.o.r.e", "gore", True),
        ("gorgeous", "gore", False),
        # word boundaries on both sides, and the plural ending only on the last word
        ("bobcat", "cat", False),
        ("a bobcat", "cat", False),
        ("bads word", "bad word", False),
        ("catch22s", "catch22", False),  # no plural after a digit
        ("catch22", "catch22", True),
        ("ties", "ty", True),  # y -> ies, for two letters too
        ("yak ies", "y", False),  # ... but not for a lone y
        ("yes", "y", True),
        # spelled out letter by letter
        ("a b", "ab", True),
        ("b a d w o r d", "bad word", True),
        ("g o r e s", "gore", True),
        ("goreish 🍆", "gore", False),
    ],
)
def test_find_term(prompt: str, term: str, matches: bool) -> None:
    assert find_term(prompt, [term]) == (term if matches else None)


def test_find_term_returns_configured_spelling_in_config_order() -> None:
    assert find_term("Un CAFE et un bad word", ["bad", "Café"]) == "bad"
    assert find_terms("Un CAFE et un bad word", ["Café", "nope", "bad word", "bad"]) == [
        "Café",
        "bad word",
        "bad",
    ]


def test_no_terms_or_blank_terms_match_nothing() -> None:
    assert find_term("anything", []) is None
    assert find_terms("anything", ["  ", "\u200b"]) == []


def test_patterns_are_cached_per_term_tuple() -> None:
    terms = ("cache-probe-one", "cache-probe-two")
    find_term("x", terms)
    hits = _compile.cache_info().hits
    find_term("y", list(terms))
    assert _compile.cache_info().hits == hits + 1


def test_check_prompt_blocks_without_revealing_the_term() -> None:
    guild = GuildSettings(blocked_terms=["Secret Word"], flagged_terms=["gore", "blood"])
    verdict = check_prompt("a SECRET-word with blood", guild)
    assert verdict.blocked
    assert verdict.blocked_rule == BLOCKED_MESSAGE
    assert "secret" not in verdict.blocked_rule.lower()
    assert verdict.blocked_term == "Secret Word"
    assert verdict.flagged_terms == ["blood"]


def test_check_prompt_flags_without_blocking() -> None:
    guild = GuildSettings(blocked_terms=["forbidden"], flagged_terms=["gore", "Blood"])
    verdict = check_prompt("GORE and bloody and BLOOD", guild)
    assert (verdict.blocked, verdict.blocked_rule, verdict.blocked_term) == (False, None, None)
    assert verdict.flagged_terms == ["gore", "Blood"]


def test_check_prompt_clean() -> None:
    verdict = check_prompt("a cat on a mat", GuildSettings(blocked_terms=["dog"], flagged_terms=["mouse"]))
    assert not verdict.blocked
    assert verdict.flagged_terms == []


def test_operator_terms_block_with_their_own_sentence_first() -> None:
    guild = GuildSettings(blocked_terms=["cat"], flagged_terms=["dog"])
    verdict = check_prompt("a cat and a dog and a zombie", guild, ["zombie"])
    assert verdict.blocked
    assert verdict.by_operator
    assert verdict.blocked_rule == OPERATOR_BLOCKED_MESSAGE
    assert "zombie" not in verdict.blocked_rule
    assert verdict.blocked_term == "zombie"  # for the log
    assert verdict.flagged_terms == ["dog"]
    server = check_prompt("a cat", guild, ["zombie"])
    assert (server.blocked_rule, server.by_operator) == (BLOCKED_MESSAGE, False)


def test_folding_forms() -> None:
    assert match_form("goreScene") == "gore" + SOFT + "scene"
    assert match_form("g.o.r.e!") == "g o r e"
    assert match_form("zom\u200b \u200bbie") == "zom bie"  # a run with a hard break is hard
    assert match_form("\u200bzom\u200bbie\u200b") == "zom" + SOFT + "bie"  # no break at either end
    assert normalize("zоm\u200bbie") == "zombie"


@pytest.mark.parametrize(
    ("char", "category"),
    [
        ("\u20dd", "Me"),  # combining enclosing circle: folded away like an accent
        ("\u0600", "Cf"),  # Arabic number sign: a format character that is not default-ignorable
        ("\ue000", "Co"),  # private use
        ("\u0378", "Cn"),  # unassigned
        ("\ud800", "Cs"),  # a lone surrogate
        ("\x07", "Cc"),  # a control character other than whitespace
    ],
)
def test_marks_and_invisible_categories_do_not_split_a_word(char: str, category: str) -> None:
    assert unicodedata.category(char) == category
    assert normalize(f"zom{char}bie") == "zombie"
    assert find_term(f"a zom{char}bie", ["zombie"]) == "zombie"


def test_control_whitespace_is_a_word_break() -> None:
    assert match_form("zom\x0bbie") == "zom bie"  # vertical tab: whitespace, so a hard break


def test_confusables_with_two_letter_prototypes() -> None:
    assert normalize("encyclopædia") == "encyclopaedia"
    assert find_term("an encyclopædia", ["encyclopaedia"]) == "encyclopaedia"


def test_punctuation_is_a_word_break() -> None:
    assert match_form("cat«dog»¿bird") == "cat dog bird"


def test_confusables_table_is_shipped_with_its_licence() -> None:
    table = confusables()
    assert len(table) > 1500
    assert (table["о"], table["ο"], table["ɡ"], table["і"]) == ("o", "o", "g", "i")
    assert not any(source.isascii() for source in table)  # ASCII is never remapped
    header = Path(folding.__file__).with_name("unicode_confusables.txt").read_text(encoding="utf-8")
    assert "Version: 13.0.0" in header
    assert "Unicode License" in header
