"""The settings models on their own: term lists, and what storage keeps (only the overrides)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.policy.schemas import MAX_TERM_LENGTH, ChannelSettings, GuildSettings


def test_terms_drop_blanks_collapse_whitespace_and_keep_the_first_spelling() -> None:
    settings = GuildSettings(blocked_terms=["  ", "red  cat", "", " dog\t", "red cat", "dog"])
    assert settings.blocked_terms == ["red cat", "dog"]  # a blank does not end the list


def test_a_term_may_be_exactly_the_longest_allowed() -> None:
    longest = "a" * MAX_TERM_LENGTH
    assert GuildSettings(flagged_terms=[longest]).flagged_terms == [longest]
    with pytest.raises(ValidationError, match=f"A term is longer than {MAX_TERM_LENGTH} characters"):
        GuildSettings(flagged_terms=[longest + "a"])


def test_overrides_keep_only_values_that_differ_from_the_defaults() -> None:
    assert GuildSettings().overrides() == {}
    assert GuildSettings(max_count=4, private_by_default=False).overrides() == {}  # set, but the defaults
    assert GuildSettings(max_count=6, blocked_terms=["x"]).overrides() == {
        "max_count": 6,
        "blocked_terms": ["x"],
    }
    assert ChannelSettings(default_count=2).overrides() == {"default_count": 2}
