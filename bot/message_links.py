"""Message links given as input images: ``https://discord.com/channels/<guild>/<channel>/<message>``.

`/chatimage` and `/blend` take, besides uploads, links to messages in the same server (what
Discord's *Copy Message Link* gives). This module only reads the text: the Discord layer
(`bot.discord.flows.links`) checks who may read which channel and fetches the messages.
Parsing is strict: every space-separated word must be one whole link, on Discord's own hosts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import InputError

# discord.com and the older discordapp.com, with the PTB and Canary clients' subdomains;
# `@me` in the guild's place is a direct message.
_LINK = re.compile(
    r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/"
    r"(?P<guild>@me|[0-9]{1,20})/(?P<channel>[0-9]{1,20})/(?P<message>[0-9]{1,20})"
)
_MAX_SNOWFLAKE = 2**64 - 1
_MAX_SHOWN = 120
"""Characters of a malformed word quoted back to the member."""


@dataclass(frozen=True, slots=True)
class MessageLink:
    """One parsed message link.

    Attributes:
        guild_id: The server, or None for a direct message (``@me``).
        channel_id: The channel (or thread).
        message_id: The message.
        number: Its position in the option (1-based), for the member's error messages.
    """

    guild_id: int | None
    channel_id: int
    message_id: int
    number: int

    @property
    def url(self) -> str:
        """The canonical link (discord.com)."""
        guild = "@me" if self.guild_id is None else str(self.guild_id)
        return f"https://discord.com/channels/{guild}/{self.channel_id}/{self.message_id}"


def _snowflake(digits: str) -> int | None:
    value = int(digits)
    return value if 0 < value <= _MAX_SNOWFLAKE else None


def parse_message_links(raw: str | None) -> list[MessageLink]:
    """The message links in `raw`, space-separated, in order, a repeated one kept once.

    Args:
        raw: The option's text (None or blank: no links).

    Raises:
        InputError: a word that is not exactly a message link (the sentence quotes it).
    """
    found: list[MessageLink] = []
    seen: set[tuple[int, int]] = set()
    for word in (raw or "").split():
        match = _LINK.fullmatch(word)
        ids = None
        if match is not None:
            guild = None if match["guild"] == "@me" else _snowflake(match["guild"])
            channel, message = _snowflake(match["channel"]), _snowflake(match["message"])
            if channel and message and (guild or match["guild"] == "@me"):
                ids = (guild, channel, message)
        if ids is None:
            shown = word if len(word) <= _MAX_SHOWN else word[: _MAX_SHOWN - 1] + "…"
            raise InputError.keyed("links.malformed", link=shown.replace("`", "'"))
        guild_id, channel_id, message_id = ids
        if (channel_id, message_id) in seen:
            continue
        seen.add((channel_id, message_id))
        found.append(MessageLink(guild_id, channel_id, message_id, len(found) + 1))
    return found
