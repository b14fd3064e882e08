"""Text helpers: truncation, splitting, escaping, mentions, error text."""

from __future__ import annotations

import random

import pytest

from bot.discord.views.text import (
    allowed_mentions_for,
    display,
    error_text,
    escape_for_display,
    format_elapsed,
    split_message,
    truncate,
)

NASTY_PROMPT = (
    "@everyone @here <@123456789012345678> <@&987654321098765432> **bold** [click](https://evil.example) `x`"
)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("hello world", 8, "hello w…"),
        ("trailing spaces     here", 17, "trailing spaces…"),
        ("abc", 1, "a"),
    ],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected
    assert len(truncate(text, limit)) <= limit


def _random_text(rng: random.Random, length: int) -> str:
    pieces = []
    while sum(map(len, pieces)) < length:
        pieces.append(rng.choice(["word", "longerword", "x" * rng.randint(1, 300), "é🙂", "@everyone"]))
        pieces.append(rng.choice([" ", " ", " ", "\n", "\n\n", ", "]))
    return "".join(pieces)


@pytest.mark.parametrize("limit", [2000, 100, 7])
@pytest.mark.parametrize("seed", range(5))
def test_split_message_properties(limit: int, seed: int) -> None:
    text = _random_text(random.Random(seed), 9000)
    chunks = split_message(text, limit)
    assert all(1 <= len(chunk) <= limit for chunk in chunks)
    assert all(chunk.strip() for chunk in chunks)
    # Nothing is lost but a blank tail (no whitespace run here is as long as a chunk).
    joined = "".join(chunks)
    assert text.startswith(joined)
    assert not text[len(joined) :].strip()


def test_split_message_prefers_newline_then_space() -> None:
    assert split_message("line one\nline two and more", 15) == ["line one\n", "line two and ", "more"]


def test_split_message_does_not_make_tiny_chunks_from_an_early_newline() -> None:
    text = "ab\n" + "word " * 500
    first = split_message(text)[0]
    assert len(first) > 1000
    assert first.endswith(" ")


def test_split_message_hard_cuts_unbroken_text() -> None:
    assert [len(c) for c in split_message("x" * 4500)] == [2000, 2000, 500]


def test_split_message_drops_blank_chunks() -> None:
    chunks = split_message("a" + " " * 30 + "b", 10)
    assert all(c.strip() and len(c) <= 10 for c in chunks)
    assert "".join(chunks).replace(" ", "") == "ab"
    assert split_message("   \n  ") == []


def test_escape_for_display_breaks_mentions_and_markdown() -> None:
    shown = escape_for_display(NASTY_PROMPT)
    assert "@everyone" not in shown
    assert "@here" not in shown
    assert "@\u200beveryone" in shown
    assert "<@123456789012345678>" not in shown
    assert "<@&" not in shown
    assert "\\*\\*bold\\*\\*" in shown
    assert "\\[click]" in shown
    assert "\\`x\\`" in shown


def test_allowed_mentions_only_the_requester() -> None:
    assert allowed_mentions_for(42).to_dict() == {"parse": [], "users": [42], "replied_user": True}
    assert allowed_mentions_for(None).to_dict() == {"parse": []}


def test_error_text() -> None:
    assert error_text("The model is busy.", "abc123") == "⚠️ The model is busy. (error id: `abc123`)"
    assert error_text("No id.") == "⚠️ No id."
    long = error_text("x" * 5000, "abc123")
    assert len(long) <= 2000
    assert long.endswith("… (error id: `abc123`)")


@pytest.mark.parametrize(("seconds", "shown"), [(4.24, "4.2 s"), (59.94, "59.9 s"), (125, "2 min 05 s")])
def test_format_elapsed(seconds: float, shown: str) -> None:
    assert format_elapsed(seconds) == shown


@pytest.mark.parametrize(("limit", "shown"), [(4, "\\*…"), (5, "\\*\\*…"), (100, "\\*" * 10)])
def test_display_never_leaves_a_dangling_escape(limit: int, shown: str) -> None:
    assert display("*" * 10, limit) == shown


def test_defuse_model_text_keeps_formatting_and_breaks_links_and_mentions() -> None:
    from bot.discord.views.text import defuse_model_text

    out = defuse_model_text("**Done** @everyone see [prize](https://evil.example) <@12>")
    assert out.startswith("**Done** ")  # formatting kept
    assert "@everyone" not in out
    assert "<@12>" not in out
    assert "](" not in out
    assert out.replace("\u200b", "") == "**Done** @everyone see [prize](https://evil.example) <@12>"
    # A link split across two streamed pieces.
    assert defuse_model_text("(https://evil.example)", after="[prize]").startswith("\u200b(")
    assert defuse_model_text("(plain)", after="word") == "(plain)"
