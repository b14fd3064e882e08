"""What a click on a result button or an edit-prompt submit does: re-roll, edit, delete, cancel.

Everything a click needs is in the job row, so it works after any restart and in any process
(the buttons themselves are built in `bot.discord.views.buttons`). Only the requester (or a
member with Manage Messages) may use a result's buttons.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.flows.actions import rerun_of
from bot.discord.flows.chat import run_chatimage
from bot.discord.flows.delivery import defer, run_imagine, start_job
from bot.discord.flows.inputs import refetch, stored_sources
from bot.discord.tree import report_error
from bot.discord.views.buttons import EDIT_PROMPT_ID, PROMPT_FIELD, Action, EditPromptModal, submitted_value
from bot.errors import UserFacingError
from bot.i18n import text
from bot.policy import RequestedOptions

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below
    from bot.jobs import Kind
    from bot.storage.store import JobRecord

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]


async def answer_click(interaction: Interaction, action: Action, job_id: str) -> None:
    """Answer a click on a result button; failures are answered by the tree's error reporter."""
    try:
        if action == "cancel":
            await cancel_queued(interaction, job_id)
            return
        if action == "reroll":
            # Acknowledge before the database read; the result keeps the message's visibility.
            message = interaction.message
            await defer(interaction, ephemeral=bool(message is not None and message.flags.ephemeral))
        job = await fetch_job_for(interaction, job_id, moderator_ok=action == "delete")
        if action == "delete":
            await delete_result(interaction, job)
        elif action == "edit":
            await interaction.response.send_modal(EditPromptModal(job, interaction.locale))
        else:
            await rerun(interaction, job, job.prompt)
    except Exception as exc:  # every click gets an answer
        await report_error(interaction, exc)


async def cancel_queued(interaction: Interaction, job_id: str) -> None:
    """Cancel a job still waiting in the queue (nothing was sent to the gateway, nothing billed).

    Raises:
        UserFacingError: the job already started or finished, or belongs to someone else.
    """
    found = interaction.client.queued_job(job_id)
    if found is None:
        raise UserFacingError.keyed("job.cancel_started")
    task, plan = found
    perms = interaction.permissions
    if plan.requester.user_id != interaction.user.id and not (perms.manage_messages or perms.manage_guild):
        raise UserFacingError.keyed("job.cancel_not_yours")
    task.cancel()
    await interaction.response.edit_message(
        content=text(interaction.locale, "job.cancelled"),
        view=None,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    log.info("job %s cancelled while queued by %s", job_id, interaction.user.id)


async def fetch_job_for(interaction: Interaction, job_id: str, *, moderator_ok: bool) -> JobRecord:
    """Load a job and check the clicker may act on it.

    Raises:
        UserFacingError: unknown job, or someone else's result.
    """
    job = await interaction.client.store.get_job(job_id)
    if job is None:
        raise UserFacingError.keyed("job.result_gone")
    if job.user_id == interaction.user.id:
        return job
    perms = interaction.permissions
    if moderator_ok and (perms.manage_messages or perms.manage_guild):
        return job
    raise UserFacingError.keyed("job.buttons_not_yours")


async def delete_result(interaction: Interaction, job: JobRecord) -> None:
    """Delete the message the button is on, and the rest of a result that needed several."""
    await interaction.response.defer()
    await interaction.delete_original_response()
    message = interaction.message
    channel = interaction.channel
    # Ephemeral parts cannot be deleted through the channel (and only their owner sees them).
    public = message is not None and not message.flags.ephemeral
    if job.extra_message_ids and public and isinstance(channel, discord.abc.Messageable):
        for message_id in job.extra_message_ids:
            try:
                await channel.get_partial_message(message_id).delete()  # type: ignore[union-attr]  # no group DMs here
            except discord.HTTPException as exc:  # already gone, or no longer reachable
                log.info("job %s: part %s not deleted: %s", job.id, message_id, exc)
    log.info("job %s result deleted by %s", job.id, interaction.user.id)


def requested_from(job: JobRecord, *, keep_seed: bool = False) -> RequestedOptions:
    """The options to re-run a job with (guild locks still apply at planning).

    The per-model parameters and `enhance` are kept; the seed only with `keep_seed` (a new
    prompt on the same seed), since a re-roll on the same seed would draw the same image.
    """
    options = job.options or {}
    stored = options.get("parameters")
    parameters: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}
    enhance = options.get("enhance")
    return RequestedOptions(
        model=job.model,
        count=options.get("count"),
        aspect_ratio=options.get("aspect_ratio"),
        private=options.get("private"),
        quality=parameters.get("quality"),
        resolution=parameters.get("resolution"),
        seed=parameters.get("seed") if keep_seed else None,
        background=parameters.get("background"),
        negative_prompt=parameters.get("negative_prompt"),
        enhance=enhance if isinstance(enhance, bool) else None,
    )


async def rerun(interaction: Interaction, job: JobRecord, prompt: str, *, keep_seed: bool = False) -> None:
    """Run a job again (same options, possibly a new prompt) as a new result message."""
    if (job.options or {}).get("workflow") == "describe":
        raise UserFacingError.keyed("job.was_describe")
    kind: Kind = "chatimage" if job.kind == "chatimage" else "imagine"
    action = rerun_of(interaction.client.catalog, job.options) if kind == "chatimage" else None
    started = await start_job(
        interaction,
        kind,
        prompt,
        requested_from(job, keep_seed=keep_seed),
        parent_job_id=job.id,
        adapt=action.adapt if action is not None else None,
    )
    if kind == "chatimage":
        sources = stored_sources(job.options)
        try:
            inputs = await refetch(interaction, sources)  # the same input images as the first run
        except Exception:
            await interaction.client.generation.release(started.plan, refund=True)
            raise
        await run_chatimage(
            interaction,
            started,
            inputs,
            sources,
            extra_options=action.options if action is not None else None,
            extra_fields=action.fields if action is not None else None,
        )
    else:
        await run_imagine(interaction, started)


async def on_edit_prompt_submit(interaction: Interaction) -> bool:
    """Handle an edit-prompt modal submit, from this process or an earlier one.

    Registered as an ``on_modal_submit`` listener (`ImageBot.dispatch`); other modals are left alone.

    Returns:
        Whether the interaction was an edit-prompt submit (and so was answered).
    """
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: Any = interaction.data or {}
    match = EDIT_PROMPT_ID.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return False
    try:
        prompt = (submitted_value(data.get("components"), PROMPT_FIELD) or "").strip()
        if not prompt:
            raise UserFacingError.keyed("job.empty_prompt")
        job = await fetch_job_for(interaction, match["job"], moderator_ok=False)
        await rerun(interaction, job, prompt, keep_seed=True)
    except Exception as exc:  # every submit gets an answer
        await report_error(interaction, exc)
    return True
