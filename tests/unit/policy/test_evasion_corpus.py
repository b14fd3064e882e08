"""Adversarial corpus: disguised blocked terms are refused, innocent look-alikes pass (issue 9).

Every evasion below is a way a member could write a blocked term so that a naive substring
check misses it; every innocent prompt looks like a blocked term to a naive check but is not one.
"""

from __future__ import annotations

import pytest

from bot.policy import BLOCKED_MESSAGE, check_prompt, find_term
from bot.policy.schemas import GuildSettings

BLOCKED = ["zombie", "real person", "gore", "nude", "kill", "blood bath", "cunt", "ass", "rape", "hell"]
GUILD = GuildSettings(blocked_terms=BLOCKED)

EVASIONS: list[tuple[str, str]] = [
    ("a zоmbie at night", "Cyrillic o"),
    ("a zοmbie at night", "Greek omicron"),
    ("a zombіe at night", "Ukrainian i"),
    ("A ZОMBIE", "Cyrillic capital O"),
    ("rеal pеrson", "Cyrillic e in both words"),
    ("kіll it", "Cyrillic i"),
    ("gⲟre", "Coptic o"),
    ("ɡore", "Latin script g (U+0261)"),
    ("z\u034fombie", "combining grapheme joiner"),
    ("zom\u3164bie", "Hangul filler"),
    ("zom\u115fbie", "Hangul choseong filler"),
    ("zom\u1160bie", "Hangul jungseong filler"),
    ("zom\uffa0bie", "half-width Hangul filler"),
    ("zom\u2800bie", "Braille blank"),
    ("zom\u180bbie", "Mongolian free variation selector"),
    ("zom\u180ebie", "Mongolian vowel separator"),
    ("zom\u00a0bie", "no-break space inside the word"),
    ("zom\u200abie", "hair space inside the word"),
    ("zom\u00adbie", "soft hyphen"),
    ("zom\u200bbie", "zero-width space"),
    ("zom\u200dbie", "zero-width joiner"),
    ("zom\u2060bie", "word joiner"),
    ("zom\ufeffbie", "zero-width no-break space"),
    ("zom\u202ebie", "right-to-left override"),
    ("zombie\ufe0f", "variation selector"),
    ("zom\U000e0041bie", "tag character"),
    ("z\u200bo\u200bm\u200bb\u200bi\u200be", "zero-width space between every letter"),
    ("ｚｏｍｂｉｅ", "full-width letters"),
    ("𝐳𝐨𝐦𝐛𝐢𝐞", "mathematical bold letters"),
    ("z̷o̷m̷b̷i̷e̷", "combining overlays"),
    ("zómbíé", "accents"),
    ("zombies", "plural s"),
    ("NUDES", "plural, upper case"),
    ("real persons", "plural of a multi-word term"),
    ("real\u200bperson", "zero-width space instead of the space"),
    ("realperson", "space removed"),
    ("real-person", "hyphen"),
    ("Real_Person", "underscore"),
    ("real\u00a0person", "no-break space"),
    ("real\u2800person", "Braille blank instead of the space"),
    ("real\u3000person", "ideographic space"),
    ("bloodbath", "multi-word term run together"),
    ("blood.baths", "dot and plural"),
    ("g.o.r.e", "dotted letters"),
    ("G O R E", "spaced letters"),
    ("z-o-m-b-i-e-s", "hyphenated letters, plural"),
    ("g\u00a0o\u00a0r\u00a0e", "no-break spaces between letters"),
    ("goreScene", "camelCase"),
    ("bloodyGore", "camelCase, term second"),
    ("gore\u200bscene", "zero-width space as a word break"),
    ("a pic of nudе people", "Cyrillic e at the end"),
    ("killing spree of kіlls", "Cyrillic i in a plural"),
]

INNOCENT: list[str] = [
    "gorgeous sunset",
    "a gory? no, a gorilla",
    "go red, team",
    "a strong personality",
    "a real personal trainer",
    "a surreal person",
    "Scunthorpe United",
    "a first-class passage to Massachusetts",
    "an assassin's creed cosplay",
    "grapes and drapes",
    "my therapist's office",
    "a skilled killjoy",
    "hello from the shell, Michelle",
    "denuded hills",
    "zombieland poster",  # a longer word is not the term (word boundaries)
    "café au lait",
    "a naïve painter",
    "crème brûlée",
    "résumé and façade",
    "señor of Zürich",
    "one Ångström",
    "Москва ночью",
    "привет, мир",
    "καλημέρα κόσμε",
    "Ὅμηρος and the Odyssey",
    "гора и море",
    "bloodhound bathing",
    "a cat with 0 lives",
]


@pytest.mark.parametrize(("prompt", "how"), EVASIONS, ids=[how for _, how in EVASIONS])
def test_evasion_is_refused(prompt: str, how: str) -> None:
    verdict = check_prompt(prompt, GUILD)
    assert verdict.blocked, f"{how}: {prompt!r} got through"
    assert verdict.blocked_rule == BLOCKED_MESSAGE
    for term in BLOCKED:  # the refusal never reveals the list
        assert term not in BLOCKED_MESSAGE.lower()


@pytest.mark.parametrize("prompt", INNOCENT)
def test_innocent_look_alike_passes(prompt: str) -> None:
    assert find_term(prompt, BLOCKED) is None


def test_corpus_is_big_enough() -> None:
    assert len(EVASIONS) >= 40
    assert len(INNOCENT) >= 20
    refused = sum(check_prompt(p, GUILD).blocked for p, _ in EVASIONS)
    passed = sum(find_term(p, BLOCKED) is None for p in INNOCENT)
    assert (refused, passed) == (len(EVASIONS), len(INNOCENT))
