"""Message links are parsed strictly: whole links on Discord's hosts, in order, each once."""

from __future__ import annotations

import pytest

from bot.errors import InputError
from bot.message_links import MessageLink, parse_message_links

GUILD, CHANNEL, MESSAGE = 1_100_000_000_000_000_001, 1_100_000_000_000_000_002, 1_100_000_000_000_000_003


HOSTS = ["discord.com", "ptb.discord.com", "canary.discord.com", "discordapp.com", "canary.discordapp.com"]


@pytest.mark.parametrize("host", HOSTS)
def test_every_discord_host_is_accepted(host: str) -> None:
    (found,) = parse_message_links(f"https://{host}/channels/{GUILD}/{CHANNEL}/{MESSAGE}")
    assert found == MessageLink(GUILD, CHANNEL, MESSAGE, 1)
    assert found.url == f"https://discord.com/channels/{GUILD}/{CHANNEL}/{MESSAGE}"


def test_links_keep_their_order_a_repeat_counts_once_and_dms_have_no_guild() -> None:
    first = f"https://discord.com/channels/{GUILD}/{CHANNEL}/{MESSAGE}"
    dm = f"https://discord.com/channels/@me/{CHANNEL}/{MESSAGE + 1}"
    found = parse_message_links(f"  {first}\n{dm}   {first} ")
    assert found == [MessageLink(GUILD, CHANNEL, MESSAGE, 1), MessageLink(None, CHANNEL, MESSAGE + 1, 2)]
    assert parse_message_links(None) == parse_message_links("   ") == []


@pytest.mark.parametrize(
    "word",
    [
        f"https://discord.com/channels/{GUILD}/{CHANNEL}",
        f"https://discord.com/channels/{GUILD}/{CHANNEL}/{MESSAGE}/",
        f"https://discord.com/channels/{GUILD}/{CHANNEL}/{MESSAGE}?x",
        f"http://discord.com/channels/{GUILD}/{CHANNEL}/{MESSAGE}",
        f"https://discord.com.evil.example/channels/{GUILD}/{CHANNEL}/{MESSAGE}",
        f"https://evil.example/?https://discord.com/channels/{GUILD}/{CHANNEL}/{MESSAGE}",
        f"https://discord.com/channels/{GUILD}/0/{MESSAGE}",
        f"https://discord.com/channels/{GUILD}/{CHANNEL}/{2**64}",
        f"<https://discord.com/channels/{GUILD}/{CHANNEL}/{MESSAGE}>",
        "https://discord.com/channels/x/1/2",
    ],
)
def test_anything_else_is_refused_quoting_the_word(word: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_message_links(f"https://discord.com/channels/{GUILD}/{CHANNEL}/{MESSAGE} {word}")
    assert refused.value.key == "links.malformed"
    assert refused.value.values == {"link": word}


def test_a_long_word_is_cut_and_backticks_cannot_break_the_quote() -> None:
    with pytest.raises(InputError) as refused:
        parse_message_links("`" * 200)
    shown = str(refused.value.values["link"])
    assert len(shown) == 120
    assert "`" not in shown
    assert shown.endswith("…")
