"""The operator's policy: never a place without rules; the allow-list is a floor (issue 9, item 1)."""

from __future__ import annotations

import re

import pytest

from bot.discord.runner import operator_policy
from bot.errors import PolicyError
from bot.policy.operator import OperatorPolicy
from bot.policy.schemas import GuildSettings
from bot.settings import Settings


def test_places_are_closed_unless_opened() -> None:
    closed = OperatorPolicy()
    assert (closed.allows("server"), closed.allows("dm"), closed.allows("user_install")) == (
        True,
        False,
        False,
    )
    opened = OperatorPolicy(allow_dms=True, allow_user_installs=True)
    assert opened.allows("dm")
    assert opened.allows("user_install")


def test_outside_servers_always_has_caps_cooldown_and_budget() -> None:
    rules = OperatorPolicy(allowed_models=("a/b",)).outside_servers()
    assert (rules.daily_quota, rules.cooldown_seconds, rules.monthly_budget) == (10, 30, 5.0)
    assert rules.allowed_models == ["a/b"]
    assert rules.nsfw_policy == "never"


def test_usable_models_narrow_the_catalogue() -> None:
    policy = OperatorPolicy(allowed_models=("a/b", "c/d"))
    assert policy.usable_models(["x/y", "c/d", "a/b"]) == ["c/d", "a/b"]
    assert policy.usable_models(None) == ["a/b", "c/d"]
    assert OperatorPolicy().usable_models(None) is None


def test_member_and_locked_models_are_checked() -> None:
    policy = OperatorPolicy(allowed_models=("a/b",))
    policy.check_choice(True, " a/b ", GuildSettings())
    with pytest.raises(PolicyError, match=re.escape("`x/y` is not allowed on this bot. It allows: a/b.")):
        policy.check_choice(True, "x/y", GuildSettings())
    locked = GuildSettings(image_model="x/y", locked_options=["model"])
    with pytest.raises(PolicyError):
        policy.check_choice(True, None, locked)
    policy.check_choice(False, None, locked)  # the chat model is not locked to x/y
    OperatorPolicy().check_choice(True, "anything/at-all", locked)  # no list: no floor


def test_settings_feed_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPERATOR_BLOCKED_TERMS", " gore , real person,, ")
    monkeypatch.setenv("OPERATOR_ALLOWED_MODELS", "bfl/flux-2-pro")
    monkeypatch.setenv("ALLOW_DMS", "true")
    monkeypatch.setenv("DM_DAILY_IMAGES", "3")
    policy = operator_policy(Settings(_env_file=None))  # type: ignore[call-arg]
    assert policy.blocked_terms == ("gore", "real person")
    assert policy.allowed_models == ("bfl/flux-2-pro",)
    assert (policy.allow_dms, policy.allow_user_installs, policy.outside_daily_images) == (True, False, 3)


def test_without_allow_list_the_catalogue_is_usable_as_is() -> None:
    catalogue = ("x/y", "a/b")
    assert OperatorPolicy().usable_models(catalogue) == ["x/y", "a/b"]


def test_locked_model_refusal_names_the_locked_model() -> None:
    locked = GuildSettings(chat_model="x/y", locked_options=["model"])
    with pytest.raises(PolicyError) as info:
        OperatorPolicy(allowed_models=("a/b",)).check_choice(False, None, locked)
    assert info.value.user_message == "`x/y` is not allowed on this bot. It allows: a/b."


@pytest.mark.parametrize(
    ("models", "listing"),
    [
        (2, "m0, m1"),
        (10, ", ".join(f"m{i}" for i in range(10))),
        (11, ", ".join(f"m{i}" for i in range(10)) + " (and 1 more)"),
    ],
)
def test_refusal_lists_ten_allowed_models_then_counts(models: int, listing: str) -> None:
    policy = OperatorPolicy(allowed_models=tuple(f"m{i}" for i in range(models)))
    with pytest.raises(PolicyError) as info:
        policy.check_model("other")
    assert info.value.user_message == f"`other` is not allowed on this bot. It allows: {listing}."
