"""The Discord side of `/chatimage`: streamed text shown as it arrives, images attached at the end."""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.discord.flows.delivery import (
    Started,
    deliver_images,
    progress_for,
    release_placeholder,
)
from bot.discord.flows.inputs import OPTIONS_KEY, InputSource
from bot.discord.flows.posting import retry_budget
from bot.discord.flows.retrying import with_retries
from bot.discord.flows.streaming import MAX_MESSAGES, Editor, FollowupSender, StreamedText, TextFile
from bot.discord.replies import FollowupCapReached, followups_left, locale_for, send_followup, token_usable
from bot.discord.state import state_of
from bot.discord.views.actions import jump_url, references_text
from bot.discord.views.text import defuse_model_text
from bot.error_messages import localized_message
from bot.errors import new_error_id
from bot.gateway.errors import ContentPolicyError, GatewayError
from bot.gateway.models import (
    Finished,
    GeneratedImage,
    ImageEvent,
    ImageResult,
    InputImage,
    TextDelta,
    Usage,
    UsageEvent,
)
from bot.i18n import text
from bot.jobs import Outcome, Plan

if TYPE_CHECKING:
    from bot.discord.app import ImageBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]
NO_MENTIONS = discord.AllowedMentions.none()
T = TypeVar("T")


def _file(attachment: TextFile) -> discord.File:
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename)


def _files(attachment: TextFile | None) -> Any:
    """A fresh file list per attempt (a retried request must not re-send a consumed buffer)."""
    return [_file(attachment)] if attachment is not None else discord.utils.MISSING


def _editors(interaction: Interaction, ephemeral: bool) -> tuple[Editor, FollowupSender]:
    budget = retry_budget(interaction)

    async def retried(send: Callable[[], Awaitable[T]], what: str) -> T:
        # Streamed text outlives discord.py's five tries in a 429/5xx storm (the flusher waits).
        return await with_retries(send, deadline=time.monotonic() + budget, what=what)

    async def edit_original(text: str, *, attachment: TextFile | None = None) -> None:
        if token_usable(interaction):
            # view=None: the queue's Cancel button goes once text streams.
            await retried(
                lambda: interaction.edit_original_response(
                    content=text, view=None, allowed_mentions=NO_MENTIONS, attachments=_files(attachment)
                ),
                "editing streamed text",
            )
            state_of(interaction).original_edited = True

    async def send_streamed(text: str, *, attachment: TextFile | None = None) -> Editor:
        message = await retried(
            lambda: send_followup(
                interaction,
                text,
                ephemeral=ephemeral,
                wait=True,
                allowed_mentions=NO_MENTIONS,
                file=_file(attachment) if attachment is not None else discord.utils.MISSING,
            ),
            "sending streamed text",
        )

        async def edit(new_text: str, *, attachment: TextFile | None = None) -> None:
            if token_usable(interaction):
                await retried(
                    lambda: message.edit(
                        content=new_text, allowed_mentions=NO_MENTIONS, attachments=_files(attachment)
                    ),
                    "editing streamed text",
                )

        return edit

    if state_of(interaction).result_in_followups:
        # The deferred message has the wrong visibility: the text starts a followup instead.
        first: list[Editor] = []

        async def edit_first(text: str, *, attachment: TextFile | None = None) -> None:
            if first:
                await first[0](text, attachment=attachment)
                return
            await release_placeholder(interaction)
            first.append(await send_streamed(text, attachment=attachment))

        return edit_first, send_streamed
    return edit_original, send_streamed


async def run_chatimage(
    interaction: Interaction,
    started: Started,
    inputs: list[InputImage],
    sources: Sequence[InputSource] = (),
    *,
    extra_options: Mapping[str, Any] | None = None,
    extra_fields: dict[str, str] | None = None,
) -> None:
    """Stream the reply into the deferred message, then attach the images.

    An error after text was shown keeps that text and appends the reason; an error before
    anything was shown propagates to the tree's handler (ephemeral answer). The result shows
    how many input images there were, with a link to the message of each where known.

    Args:
        interaction: The deferred interaction.
        started: The admitted job.
        inputs: Input images for the model.
        sources: Where `inputs` came from, stored with the job so a re-roll keeps them.
        extra_options: A workflow's record, stored with the job's options (e.g. the image action).
        extra_fields: Shown on the result after the options.
    """
    bot = interaction.client
    plan = started.plan
    if sources or extra_options:
        await _remember_inputs(bot, plan, sources, extra_options or {})
    references = references_text(
        [
            jump_url(interaction.guild_id, s.channel_id, s.message_id)
            if s.channel_id and s.message_id
            else None
            for s in sources
        ],
        locale_for(interaction, public=not started.ephemeral),
    )
    progress = progress_for(interaction, plan.job_id)
    edit_original, send_streamed = _editors(interaction, started.ephemeral)
    streamed = StreamedText(
        edit_original,
        send_streamed,
        max_messages=stream_messages(interaction),
        locale=locale_for(interaction, public=not started.ephemeral),
    )
    images: list[GeneratedImage] = []
    usage: Usage | None = None  # the stream's last chunk carries the cost, before `Finished`
    got_text = False
    last_shown = ""  # the last character shown, for a masked link split across deltas
    began = time.perf_counter()
    finished = False

    async def finish() -> None:
        """Flush the text and post the images (while the job still holds its queue slot)."""
        await progress.close()
        await streamed.finish()
        answer = streamed.text  # capped: the whole answer can be megabytes
        if not images and answer:
            log.info("job %s: model answered with text only", plan.job_id)
            await streamed_note(interaction, started.ephemeral)
            return
        result = ImageResult(images=images, model=plan.options.model, text=answer, usage=usage)
        outcome = Outcome(plan=plan, result=result, elapsed=time.perf_counter() - began)
        await deliver_images(
            interaction,
            outcome,
            ephemeral=started.ephemeral,
            edit_original=not answer,
            extra_fields=extra_fields,
            references=references,
        )

    async with bot.job_scope(plan):
        try:
            events = bot.generation.stream_chat(plan, inputs, on_progress=progress.update)
            # aclosing: an error while posting ends the job's stream (and its slot) right away.
            async with contextlib.aclosing(events):
                async for event in events:
                    if isinstance(event, TextDelta) and event.text:
                        if not got_text:
                            got_text = True
                            await progress.close()  # the stream replaces the "thinking"/queue text
                            streamed.edited_elsewhere(progress.last_edit)
                        shown = defuse_model_text(event.text, after=last_shown)
                        last_shown = shown[-1:]
                        streamed.append(shown)
                    elif isinstance(event, ImageEvent):
                        images.append(event.image)
                    elif isinstance(event, UsageEvent):
                        usage = event.usage
                    elif isinstance(event, Finished):
                        finished = True
                        await finish()
        except GatewayError as exc:
            await progress.close()
            if isinstance(exc, ContentPolicyError):
                bot.spawn(bot.modlog.refused(plan, exc.message), name=f"refused-{plan.job_id}")
            if not got_text:
                await streamed.close()
                raise
            error_id = new_error_id()
            log.warning("stream failed after text [%s] job=%s: %s", error_id, plan.job_id, exc)
            locale = interaction.locale
            reason = localized_message(exc, locale)
            await streamed.finish(f"\n\n⚠️ {reason}\n-# {text(locale, 'error.id', error_id=error_id)}")
            return
        finally:
            await progress.close()
        if not finished:  # the client always ends with `Finished`; keep the result if it did not
            await finish()


def stream_messages(interaction: Interaction) -> int:
    """Messages the streamed text may use: a user install keeps two follow-ups for the images and a note."""
    left = followups_left(interaction)
    if left is None:
        return MAX_MESSAGES
    own = 0 if state_of(interaction).result_in_followups else 1  # the deferred message is edited
    return max(1, min(MAX_MESSAGES, own + left - 2))


async def _remember_inputs(
    bot: ImageBot, plan: Plan, sources: Sequence[InputSource], extra: Mapping[str, Any]
) -> None:
    """Store the input image references (and a workflow's record) with the job, for a re-roll.

    A failure here costs only that (the re-roll would be refused): it never stops the job.
    """
    options = plan.options.as_dict() | {OPTIONS_KEY: [source.as_dict() for source in sources]} | dict(extra)
    try:
        await bot.store.update_job(plan.job_id, options=options)
    except Exception:
        log.warning("job %s: could not store its input image references", plan.job_id, exc_info=True)


async def streamed_note(interaction: Interaction, ephemeral: bool) -> None:
    """Tell the member that the model answered without an image (the text stays)."""
    if token_usable(interaction):
        try:
            await send_followup(
                interaction,
                text(interaction.locale, "chat.text_only"),
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
            )
        except FollowupCapReached:
            log.info("interaction %s: no follow-up left to say the answer has no image", interaction.id)
