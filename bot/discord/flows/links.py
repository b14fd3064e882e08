"""Input images taken from message links (`/chatimage` and `/blend`'s ``links`` option).

A link is used only when everything below holds, so the bot is never a way to read what the
member could not:

* it points to a message in the server the command runs in (not another server, not a DM);
* the member can see that channel and read its history (their permissions there, from the
  cache, with the channel's overwrites; a private thread also needs Manage Threads or to be
  its owner), and so can the bot;
* an age-restricted channel's images go only to an age-restricted channel.

Those checks run before deferring where the channel is cached; an uncached one (an archived
thread) is fetched after the deferral and checked the same way. Fetching the messages is a REST
call each, so it always comes after the deferral (Discord's 3-second window).

Discord hides the attachments of other members' messages from apps without the Message Content
intent, in REST responses too: a linked message of someone else then comes back with none,
and the member is told why rather than "no image". The bot's own results always keep theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.discord.flows.inputs import image_attachments, sees_attachments
from bot.errors import InputError, MissingPermissionsError
from bot.message_links import MessageLink, parse_message_links

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]
Readable = discord.TextChannel | discord.VoiceChannel | discord.StageChannel | discord.Thread


@dataclass(frozen=True, slots=True)
class LinkedMessage:
    """A link that passed the checks possible before deferring.

    Attributes:
        link: The parsed link.
        channel: Its channel when cached (checked); None to fetch and check after deferring.
    """

    link: MessageLink
    channel: Readable | None


@dataclass(frozen=True, slots=True)
class LinkedImage:
    """An image attachment of a linked message."""

    attachment: discord.Attachment
    message: discord.Message


def check_links(interaction: Interaction, raw: str | None) -> list[LinkedMessage]:
    """Parse the option and check each link against the cache (no I/O: before deferring).

    Raises:
        InputError: a malformed link, one outside this server, or a channel the member cannot
            read or that is age-restricted while this one is not.
        MissingPermissionsError: the bot cannot read that channel.
    """
    links = parse_message_links(raw)
    if not links:
        return []
    guild, member = _server_of(interaction)
    checked = []
    for link in links:
        if link.guild_id is None:
            raise InputError.keyed("links.direct_message", number=link.number)
        if link.guild_id != guild.id:
            raise InputError.keyed("links.other_server", number=link.number)
        found = guild.get_channel_or_thread(link.channel_id)
        channel = None
        if found is not None:
            channel = _check_channel(interaction, found, guild.me, member, link)
        checked.append(LinkedMessage(link, channel))
    return checked


async def fetch_linked_images(interaction: Interaction, linked: Sequence[LinkedMessage]) -> list[LinkedImage]:
    """Fetch each linked message (after the deferral) and take its image attachments, in order.

    Raises:
        InputError: a channel or message that is gone, fails a check, or has no image.
        MissingPermissionsError: Discord refuses the bot that channel.
    """
    if not linked:
        return []
    guild, member = _server_of(interaction)
    images: list[LinkedImage] = []
    for item in linked:
        link = item.link
        channel = item.channel or await _fetch_channel(interaction, guild, member, link)
        try:
            message = await channel.fetch_message(link.message_id)
        except discord.NotFound as exc:
            raise InputError.keyed("links.unknown_message", number=link.number) from exc
        except discord.Forbidden as exc:
            raise MissingPermissionsError.keyed(
                "links.bot_cannot_read", number=link.number, channel=channel.id
            ) from exc
        found = image_attachments(message)
        if not found:
            seen = sees_attachments(interaction.client, message)
            key = "links.no_image" if seen else "links.no_content_access"
            raise InputError.keyed(key, number=link.number)
        images += [LinkedImage(attachment, message) for attachment in found]
    return images


def _server_of(interaction: Interaction) -> tuple[discord.Guild, discord.Member]:
    """The cached server and member: links are checked against them, so both must be known."""
    guild = interaction.client.get_guild(interaction.guild_id) if interaction.guild_id else None
    member = guild.get_member(interaction.user.id) if guild is not None else None
    if isinstance(interaction.user, discord.Member):
        member = interaction.user  # the interaction's copy has the member's current roles
    if guild is None or member is None or guild.me is None:
        raise InputError.keyed("links.outside_server")
    return guild, member


async def _fetch_channel(
    interaction: Interaction, guild: discord.Guild, member: discord.Member, link: MessageLink
) -> Readable:
    """A channel the cache does not hold (an archived thread), fetched and checked like a cached one."""
    try:
        found = await guild.fetch_channel(link.channel_id)
    except discord.NotFound as exc:
        raise InputError.keyed("links.unknown_channel", number=link.number) from exc
    except discord.Forbidden as exc:
        raise MissingPermissionsError.keyed(
            "links.bot_cannot_read", number=link.number, channel=link.channel_id
        ) from exc
    except discord.InvalidData as exc:  # the channel is in another server than the link says
        raise InputError.keyed("links.other_server", number=link.number) from exc
    return _check_channel(interaction, found, guild.me, member, link)


def _check_channel(
    interaction: Interaction, channel: object, me: discord.Member, member: discord.Member, link: MessageLink
) -> Readable:
    """The member and the bot may read `channel`, and its images may be shown here.

    Raises:
        InputError: not a channel with messages, the member cannot read it, or it is
            age-restricted and this channel is not.
        MissingPermissionsError: the bot cannot read it.
    """
    if not isinstance(channel, Readable):  # a category or forum holds no messages itself
        raise InputError.keyed("links.unknown_channel", number=link.number)
    try:
        allowed = channel.permissions_for(member)
        own = channel.permissions_for(me)
    except discord.ClientException as exc:  # a thread whose parent is not cached
        raise InputError.keyed("links.unknown_channel", number=link.number) from exc
    if not (allowed.view_channel and allowed.read_message_history):
        raise InputError.keyed("links.member_cannot_read", number=link.number)
    if (
        isinstance(channel, discord.Thread)
        and channel.type is discord.ChannelType.private_thread
        and not (allowed.manage_threads or channel.owner_id == member.id)
    ):
        # Seeing a private thread takes being added to it, which the cache cannot tell.
        raise InputError.keyed("links.member_cannot_read", number=link.number)
    if not (own.view_channel and own.read_message_history):
        raise MissingPermissionsError.keyed("links.bot_cannot_read", number=link.number, channel=channel.id)
    if channel.is_nsfw() and not _age_restricted(interaction.channel):
        raise InputError.keyed("links.age_restricted", number=link.number)
    return channel


def _age_restricted(channel: object) -> bool:
    """Whether the command's channel is age-restricted (a thread follows its parent)."""
    is_nsfw = getattr(channel, "is_nsfw", None)
    if callable(is_nsfw):
        return bool(is_nsfw())
    return bool(getattr(channel, "nsfw", False))
