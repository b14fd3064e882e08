"""Posting a result's messages so that nothing the gateway billed is lost.

Each message is first sent through the interaction (edit of the deferred message or a
followup), retried past discord.py's own attempts while the token lives (`with_retries`,
bounded by `DELIVERY_RETRY_SECONDS`). When that still fails, or the token has expired:

- a public result is posted in the channel (a reply mentioning only the requester; needs
  Send Messages and Attach Files), retried the same way;
- a private result is never made public, and a user install's result never goes to a channel
  (Discord allows such an app only the interaction): both are kept in the bot's
  `UndeliveredResults` for `/job`.

A user install also gets at most five follow-ups per interaction (`replies.FOLLOWUP_CAP`): a
result that needs more messages than are left posts what fits, keeps one follow-up for the
note, and folds the rest into `/job` (which answers with follow-ups of its own).

Whatever could not be posted either way is kept there too, and the member is told
which images are missing and how to get them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import discord

from bot.discord.flows.place import place_of
from bot.discord.flows.retrying import is_transient, with_retries
from bot.discord.flows.undelivered import SpooledFile, SpooledResult, describe_numbers
from bot.discord.replies import (
    TOKEN_SAFETY_MARGIN,
    followups_left,
    is_expired_token_error,
    respond,
    send_followup,
    token_usable,
)
from bot.discord.state import state_of
from bot.discord.views.files import FittedImage
from bot.discord.views.render import MessagePayload
from bot.errors import UserFacingError
from bot.i18n import text

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]
FALLBACK_NOTE = "-# Posted here because Discord would not take the reply to your command."
DEFAULT_RETRY_SECONDS = 120.0


@dataclass
class ResultPoster:
    """Posts the messages of one result in order and remembers what did not get through.

    Args:
        interaction: The job's interaction.
        job_id: For the undelivered store and the member's instructions.
        ephemeral: Whether the result is private.
        retry_seconds: Retry budget for the interaction path, and again for the channel path.
    """

    interaction: Interaction
    job_id: str
    ephemeral: bool
    retry_seconds: float = DEFAULT_RETRY_SECONDS
    missing: list[list[SpooledFile]] = field(default_factory=list)
    fell_back: bool = False
    folded: bool = False  # some images were kept for /job because no follow-up was left
    _interaction_broken: bool = False
    _interaction_deadline: float | None = None
    _channel_deadline: float | None = None

    async def post(
        self, payload: MessagePayload, batch: list[FittedImage], *, edit_original: bool, last: bool = True
    ) -> discord.Message | None:
        """Post one message; None when it could not be posted (its images are kept as missing).

        Args:
            payload: The message.
            batch: Its images.
            edit_original: Edit the deferred message instead of sending a follow-up.
            last: No message of this result comes after it (it may take the last follow-up).

        Raises:
            discord.HTTPException: a non-transient refusal (e.g. 400, 403) on the interaction path.
        """
        if not edit_original and self._no_followup_for(last):
            log.info("job %s: no follow-up left for this message; kept for /job", self.job_id)
            self.folded = True
            self._keep(batch)
            return None
        if not self._interaction_broken and token_usable(self.interaction):
            try:
                return await with_retries(
                    lambda: self._send_interaction(payload, edit_original=edit_original),
                    deadline=self._interaction_deadline_at(),
                    what=f"posting job {self.job_id}",
                )
            except Exception as exc:
                if is_expired_token_error(exc):
                    log.info("interaction token expired for %s", self.interaction.id)
                elif is_transient(exc):
                    log.warning("job %s: the interaction path keeps failing; falling back", self.job_id)
                    self._interaction_broken = True
                else:
                    raise
        if self.ephemeral:
            log.warning("job %s: private result not posted; kept for /job", self.job_id)
            self._keep(batch)
            return None
        if place_of(self.interaction) == "user_install":
            # A user-installed app answers only through the interaction: it cannot post in the
            # channels of a server that never added it, nor in other people's DMs.
            log.warning("job %s: a user install cannot post in the channel; kept for /job", self.job_id)
            self._keep(batch)
            return None
        try:
            message = await with_retries(
                lambda: post_to_channel(
                    self.interaction, payload, note=FALLBACK_NOTE if self._interaction_broken else None
                ),
                deadline=self._channel_deadline_at(),
                what=f"posting job {self.job_id} in the channel",
            )
        except Exception as exc:  # HTTP errors, connection errors, an unreachable channel
            log.warning("job %s: channel fallback failed too: %s", self.job_id, exc)
            self._keep(batch)
            return None
        self.fell_back = self.fell_back or self._interaction_broken
        return message

    def _no_followup_for(self, last: bool) -> bool:
        """Whether a user install must not spend a follow-up on this message.

        One follow-up stays free for the note about missing images, unless this is the last
        message and nothing is missing (then the note is never needed).
        """
        left = followups_left(self.interaction)
        if left is None:
            return False
        needed = 1 if last and not self.missing else 2
        return left < needed

    def _keep(self, batch: list[FittedImage]) -> None:
        # Copied now: the fitted images (RAM or spool files) are released after the job.
        self.missing.append([SpooledFile(f.filename, f.data, _number(f.filename)) for f in batch])

    async def _send_interaction(self, payload: MessagePayload, *, edit_original: bool) -> discord.Message:
        payload.rewind()  # discord.py leaves files at their end after a failed attempt
        if edit_original:
            message = await self.interaction.edit_original_response(**payload.edit_kwargs())
            # The original is a card now (V2 for good): error replies must not edit it to text.
            state_of(self.interaction).original_edited = True
            return message
        sent: discord.Message = await send_followup(
            self.interaction, **payload.send_kwargs(), ephemeral=self.ephemeral, wait=True
        )
        return sent

    def _interaction_deadline_at(self) -> float:
        if self._interaction_deadline is None:
            left = self.interaction.expires_at - discord.utils.utcnow() - TOKEN_SAFETY_MARGIN
            budget = min(self.retry_seconds, max(left.total_seconds(), 0.0))
            self._interaction_deadline = time.monotonic() + budget
        return self._interaction_deadline

    def _channel_deadline_at(self) -> float:
        if self._channel_deadline is None:
            self._channel_deadline = time.monotonic() + self.retry_seconds
        return self._channel_deadline

    async def finish(self, spool_put: Callable[[SpooledResult], bool], total: int) -> None:
        """Keep what is missing for `/job` and tell the member exactly what happened.

        Args:
            spool_put: The bot's `UndeliveredResults.put`.
            total: Images in the whole result.
        """
        if not self.missing:
            return
        interaction = self.interaction
        spooled = SpooledResult(self.job_id, interaction.user.id, interaction.guild_id, self.missing)
        numbers = spooled.numbers
        kept = spool_put(spooled)
        locale = interaction.locale
        if self.folded:
            why = text(locale, "result.folded", images=describe_numbers(numbers, locale), total=total)
        elif len(numbers) == total:
            why = text(locale, "result.not_taken")
        else:
            why = text(locale, "result.not_posted", images=describe_numbers(numbers, locale), total=total)
        where = (
            text(locale, "result.use_job", job_id=self.job_id) if kept else text(locale, "result.too_large")
        )
        message = f"{why} {where}"
        log.warning("job %s: images %s undelivered (kept: %s)", self.job_id, numbers, kept)
        if not await respond(interaction, message, ephemeral=True):
            log.warning("job %s: could not tell the member about the undelivered images", self.job_id)


def _number(filename: str) -> int:
    """The 1-based image number in `image_<n>.<ext>`."""
    stem = filename.rsplit(".", 1)[0]
    digits = stem.rsplit("_", 1)[-1]
    return int(digits) if digits.isdigit() else 0


async def post_to_channel(
    interaction: Interaction, payload: MessagePayload, *, note: str | None = None
) -> discord.Message:
    """Post a result in the channel, replying to the requester (the only one pinged).

    Args:
        interaction: The job's interaction.
        payload: The message.
        note: A line added under the requester's mention (e.g. why it is posted here).

    Raises:
        UserFacingError: the channel cannot be reached (the job stays stored for `/job`).
    """
    channel = interaction.channel
    if not isinstance(channel, discord.abc.Messageable):
        raise UserFacingError.keyed("result.cannot_post_here")
    payload.rewind()  # a failed edit may have read the files already
    # A card has no content: the mention (and the note) go on a line above it.
    lead = interaction.user.mention + (f"\n{note}" if note else "")
    kwargs = payload.send_kwargs(lead=lead)
    # The requester is pinged by the mention in the lead; the replied-to "thinking"
    # message is the bot's own, so the reply itself pings nobody.
    kwargs["allowed_mentions"] = discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(interaction.user.id)], replied_user=False
    )
    placeholder = state_of(interaction).placeholder_id
    if placeholder is not None and interaction.channel_id is not None:
        kwargs["reference"] = discord.MessageReference(
            message_id=placeholder, channel_id=interaction.channel_id, fail_if_not_exists=False
        )
    return await channel.send(**kwargs)


def retry_budget(interaction: Interaction) -> float:
    """`DELIVERY_RETRY_SECONDS` from the bot's settings (the default without them)."""
    settings = getattr(interaction.client, "settings", None)
    return float(getattr(settings, "delivery_retry_seconds", DEFAULT_RETRY_SECONDS))


__all__ = ["FALLBACK_NOTE", "ResultPoster", "post_to_channel", "retry_budget"]
