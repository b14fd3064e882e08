"""Spend attribution: salted, stable hashes; never a raw Discord id (issue 9, item 5)."""

from __future__ import annotations

from pydantic import SecretStr

from bot.attribution import Attribution
from bot.gateway._requests import images_payload
from bot.gateway.models import ImageRequest

USER = 123456789012345678
GUILD = 987654321098765432


def test_hashes_are_stable_salted_and_hide_the_id() -> None:
    one = Attribution.from_settings(SecretStr("salt-a"), SecretStr("sk-key"))
    again = Attribution.from_settings(SecretStr("salt-a"), SecretStr("sk-other"))
    other = Attribution.from_settings(SecretStr("salt-b"), SecretStr("sk-key"))
    assert one.user(USER) == again.user(USER)  # the configured salt wins over the key
    assert one.user(USER) != other.user(USER)
    assert one.user(USER) != one.user(USER + 1)
    assert one.user(USER).startswith("u-")
    assert len(one.user(USER)) == 18
    tags = one.tags("imagine", GUILD)
    assert tags[:2] == ["app:imagebot", "command:imagine"]
    assert tags[2].startswith("server:")
    assert one.tags("chatimage", None)[2] == "server:none"
    for text in (one.user(USER), *tags):
        assert str(USER) not in text
        assert str(GUILD) not in text


def test_without_a_salt_it_derives_one_from_the_gateway_key() -> None:
    key = SecretStr("sk-key")
    derived = Attribution.from_settings(None, key)
    assert derived.user(USER) == Attribution.from_settings(SecretStr(""), key).user(USER)
    assert derived.user(USER) != Attribution.from_settings(None, SecretStr("sk-other")).user(USER)
    assert b"sk-key" not in derived.salt  # HMAC of the key, not the key


def test_user_and_tags_go_in_provider_options_gateway() -> None:
    body = images_payload(ImageRequest(model="x/y", prompt="p", user="u-1", tags=["command:imagine"]))
    assert body["providerOptions"]["gateway"] == {"user": "u-1", "tags": ["command:imagine"]}
