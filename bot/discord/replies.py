"""Answering an interaction whatever state it is in (Red's send/followup/expired logic).

`respond` never raises: a failure to answer is logged, because the caller is usually already
handling an error and a second traceback would help nobody.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import aiohttp
import discord

from bot.discord.flows.place import place_of
from bot.discord.state import state_of

log = logging.getLogger(__name__)

# Discord invalidates interaction tokens after 15 minutes; switch to channel messages a bit
# earlier so a slow upload does not straddle the deadline.
TOKEN_SAFETY_MARGIN = dt.timedelta(minutes=1)
EXPIRED_TOKEN_CODES = frozenset({50027, 10015})  # invalid webhook token, unknown webhook
# Discord lets a user-installed app send at most 5 follow-ups per interaction (400 40094 after
# that); an app the server installed is not limited.
FOLLOWUP_CAP = 5


class FollowupCapReached(Exception):
    """This interaction has used every follow-up Discord allows a user-installed app."""


def followups_left(interaction: discord.Interaction[Any]) -> int | None:
    """Follow-ups this interaction may still send: None when unlimited (the server installed the bot)."""
    if interaction.is_guild_integration():
        return None
    return max(FOLLOWUP_CAP - state_of(interaction).followups_sent, 0)


async def send_followup(interaction: discord.Interaction[Any], *args: Any, **kwargs: Any) -> Any:
    """`interaction.followup.send(...)`, counted against Discord's follow-up cap for user installs.

    Every follow-up goes through here, so a user install never sends a sixth one.

    Raises:
        FollowupCapReached: none is left (nothing is sent).
        discord.HTTPException: as `followup.send`.
    """
    if followups_left(interaction) == 0:
        raise FollowupCapReached(f"interaction {interaction.id} has sent {FOLLOWUP_CAP} follow-ups")
    state_of(interaction).followups_sent += 1  # counted when attempted: a timeout may have posted it
    return await interaction.followup.send(*args, **kwargs)


def locale_for(interaction: discord.Interaction[Any], *, public: bool) -> discord.Locale:
    """The language of a message: the member's (`interaction.locale`), the server's for public posts.

    A public message is read by the whole channel, so it speaks the server's language
    (`interaction.guild_locale`); outside servers, and for anything private, the member's.
    """
    if public and interaction.guild_locale is not None:
        return interaction.guild_locale
    return interaction.locale


def token_usable(
    interaction: discord.Interaction[Any], *, margin: dt.timedelta = TOKEN_SAFETY_MARGIN
) -> bool:
    """Whether the interaction token can still be used for edits and followups."""
    return discord.utils.utcnow() + margin < interaction.expires_at


def is_expired_token_error(error: BaseException) -> bool:
    """Whether an HTTP error means the interaction token is no longer valid."""
    return isinstance(error, discord.HTTPException) and error.code in EXPIRED_TOKEN_CODES


def requester_only(user_id: int) -> discord.AllowedMentions:
    """Allowed mentions that can ping the requester and nobody else."""
    return discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(user_id)], replied_user=True
    )


async def respond(
    interaction: discord.Interaction[Any],
    content: str,
    *,
    ephemeral: bool = True,
) -> bool:
    """Send `content` to the user of `interaction` by whichever path still works.

    - not yet answered: an (ephemeral) initial response;
    - deferred privately, no result shown yet: the "thinking"/progress message becomes the answer;
    - deferred publicly and still "thinking": delete the public placeholder, then an ephemeral
      followup (a first followup would otherwise replace the public placeholder);
    - answered: an ephemeral followup;
    - token expired: a channel message mentioning only the requester, unless the interaction
      was deferred privately (then the answer is only logged: private stays private) or came
      through a user install (which may not post in channels).

    Returns:
        Whether the message was delivered.
    """
    content = content[:2000]
    none = discord.AllowedMentions.none()
    try:
        if token_usable(interaction):
            if not interaction.response.is_done():
                await interaction.response.send_message(content, ephemeral=ephemeral, allowed_mentions=none)
                return True
            if ephemeral and _private_placeholder(interaction):
                # The private "thinking"/progress message becomes the answer (no stale copy left).
                await interaction.edit_original_response(
                    content=content, view=None, embeds=[], attachments=[], allowed_mentions=none
                )
                return True
            if ephemeral and _public_placeholder(interaction):
                try:
                    await interaction.delete_original_response()
                except discord.HTTPException as exc:
                    log.debug("could not delete the placeholder: %s", exc)
            await send_followup(interaction, content, ephemeral=ephemeral, allowed_mentions=none)
            return True
    except FollowupCapReached:
        log.warning("interaction %s: no follow-up left for the answer; not delivered", interaction.id)
        return False
    except discord.HTTPException as exc:
        if not is_expired_token_error(exc):
            log.warning("could not answer interaction %s: %s (code %s)", interaction.id, exc.status, exc.code)
            return False
    except (aiohttp.ClientError, OSError) as exc:
        log.warning("could not answer interaction %s: %s", interaction.id, type(exc).__name__)
        return False
    if state_of(interaction).private:
        # A private job stays private: its answer is never posted where others can see it.
        log.warning("private interaction %s outlived its token; answer not delivered", interaction.id)
        return False
    if place_of(interaction) == "user_install":
        # A user-installed app answers only through the interaction, never in the channel.
        log.warning("user-install interaction %s outlived its token; answer not delivered", interaction.id)
        return False
    return await _send_to_channel(interaction, content)


def _private_placeholder(interaction: discord.Interaction[Any]) -> bool:
    """A private deferral whose "thinking" (or progress) message holds no result yet."""
    state = state_of(interaction)
    return (
        interaction.response.type is discord.InteractionResponseType.deferred_channel_message
        and state.ephemeral_defer
        and not state.original_edited
        and not state.placeholder_released
    )


def _public_placeholder(interaction: discord.Interaction[Any]) -> bool:
    """A public deferral whose "thinking" message is still the only answer."""
    state = state_of(interaction)
    response_type = interaction.response.type
    return (
        response_type is discord.InteractionResponseType.deferred_channel_message
        and not state.ephemeral_defer
        and not state.original_edited
        and not state.placeholder_gone
    )


async def _send_to_channel(interaction: discord.Interaction[Any], content: str) -> bool:
    channel = interaction.channel
    if not isinstance(channel, discord.abc.Messageable):
        log.warning("interaction %s expired and has no channel to fall back to", interaction.id)
        return False
    try:
        await channel.send(
            f"{interaction.user.mention} {content}"[:2000],
            allowed_mentions=requester_only(interaction.user.id),
        )
    except discord.HTTPException as exc:
        log.warning(
            "channel fallback for interaction %s failed: %s (code %s)", interaction.id, exc.status, exc.code
        )
        return False
    except (aiohttp.ClientError, OSError) as exc:
        log.warning("channel fallback for interaction %s failed: %s", interaction.id, type(exc).__name__)
        return False
    return True
