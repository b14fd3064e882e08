"""Restart-proof result buttons: `DynamicItem`s whose custom_id carries the action and job id.

Everything a button needs is in the job row, so a click works after any restart and in any
process. Only the requester (or a member with Manage Messages) may use a result's buttons.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.errors import UserFacingError
from bot.ids import JOB_ID_PATTERN
from bot.policy import RequestedOptions

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below
    from bot.jobs import Kind
    from bot.storage.store import JobRecord

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]
Action = Literal["reroll", "edit", "delete", "cancel"]
CUSTOM_ID_PREFIX = "ib"
TEMPLATE = rf"ib:(?P<action>reroll|edit|delete|cancel):(?P<job>{JOB_ID_PATTERN})"
# `ib:modal:` is the id modals had before they became restart-proof (open ones still submit).
EDIT_PROMPT_ID = re.compile(rf"ib:(?:editprompt|modal):(?P<job>{JOB_ID_PATTERN})")
PROMPT_FIELD = "prompt"
_LOOKS = {
    "reroll": ("Re-roll", "🎲", discord.ButtonStyle.secondary),
    "edit": ("Edit prompt", "🖋️", discord.ButtonStyle.secondary),
    "delete": ("Delete", "🗑️", discord.ButtonStyle.danger),
    "cancel": ("Cancel", "✖️", discord.ButtonStyle.secondary),
}


def custom_id(action: Action, job_id: str) -> str:
    """`ib:<action>:<job_id>` (≤ 100 characters, Discord's limit)."""
    value = f"{CUSTOM_ID_PREFIX}:{action}:{job_id}"
    if len(value) > 100 or not re.fullmatch(TEMPLATE, value):
        raise ValueError(f"bad job id for a custom_id: {job_id!r}")
    return value


class JobButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One result button (re-roll, edit prompt, delete)."""

    def __init__(self, action: Action, job_id: str) -> None:
        label, emoji, style = _LOOKS[action]
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id(action, job_id))
        )
        self.action: Action = action
        self.job_id = job_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]  # discord.py's documented hook signature
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> JobButton:
        """Rebuild the button from its custom_id (after a restart, too)."""
        return cls(match["action"], match["job"])  # type: ignore[arg-type]  # regex restricts it

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Route the click; failures are answered by the tree's error reporter."""
        from bot.discord.tree import report_error

        try:
            if self.action == "cancel":
                await cancel_queued(interaction, self.job_id)
                return
            if self.action == "reroll":
                # Acknowledge before the database read; the result keeps the message's visibility.
                from bot.discord.flows.delivery import defer  # delivery imports this module

                message = interaction.message
                await defer(interaction, ephemeral=bool(message is not None and message.flags.ephemeral))
            job = await fetch_job_for(interaction, self.job_id, moderator_ok=self.action == "delete")
            if self.action == "delete":
                await delete_result(interaction, job)
            elif self.action == "edit":
                await interaction.response.send_modal(EditPromptModal(job))
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
        raise UserFacingError("That job has already started, so it can no longer be cancelled.")
    task, plan = found
    perms = interaction.permissions
    if plan.requester.user_id != interaction.user.id and not (perms.manage_messages or perms.manage_guild):
        raise UserFacingError("Only the member who asked (or a moderator) can cancel this job.")
    task.cancel()
    await interaction.response.edit_message(
        content="Cancelled — nothing was generated.",
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
        raise UserFacingError("I no longer have that result.")
    if job.user_id == interaction.user.id:
        return job
    perms = interaction.permissions
    if moderator_ok and (perms.manage_messages or perms.manage_guild):
        return job
    raise UserFacingError("Only the member who made this image can use its buttons.")


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


def requested_from(job: JobRecord) -> RequestedOptions:
    """The options to re-run a job with (guild locks still apply at planning)."""
    options = job.options or {}
    return RequestedOptions(
        model=job.model,
        count=options.get("count"),
        aspect_ratio=options.get("aspect_ratio"),
        private=options.get("private"),
    )


async def rerun(interaction: Interaction, job: JobRecord, prompt: str) -> None:
    """Run a job again (same options, possibly a new prompt) as a new result message."""
    from bot.discord.flows.chat import run_chatimage
    from bot.discord.flows.delivery import run_imagine, start_job
    from bot.discord.flows.inputs import refetch, stored_sources

    if (job.options or {}).get("workflow") == "describe":
        raise UserFacingError("That was a `/describe`: run it again, or use one of its suggestion buttons.")
    kind: Kind = "chatimage" if job.kind == "chatimage" else "imagine"
    started = await start_job(interaction, kind, prompt, requested_from(job), parent_job_id=job.id)
    if kind == "chatimage":
        sources = stored_sources(job.options)
        try:
            inputs = await refetch(interaction, sources)  # the same input images as the first run
        except Exception:
            await interaction.client.generation.release(started.plan, refund=True)
            raise
        await run_chatimage(interaction, started, inputs, sources)
    else:
        await run_imagine(interaction, started)


class EditPromptModal(discord.ui.Modal, title="Edit the prompt"):
    """The form that re-runs a job with an edited prompt.

    Its submit is handled by `on_edit_prompt_submit`, which the bot registers at start-up and
    which finds everything in the custom_id (`ib:editprompt:<job_id>`) and the submitted value.
    So a modal opened before a restart (or in another process) is still answered; the modal
    object itself keeps discord.py's default, empty `on_submit`.
    """

    prompt: discord.ui.TextInput[EditPromptModal] = discord.ui.TextInput(
        label="Prompt", style=discord.TextStyle.paragraph, max_length=4000, custom_id=PROMPT_FIELD
    )

    def __init__(self, job: JobRecord) -> None:
        super().__init__(custom_id=edit_prompt_custom_id(job.id), timeout=900)
        self.prompt.default = job.prompt[:4000]


def edit_prompt_custom_id(job_id: str) -> str:
    """`ib:editprompt:<job_id>`: the edit-prompt modal's custom_id."""
    value = f"{CUSTOM_ID_PREFIX}:editprompt:{job_id}"
    if len(value) > 100 or not EDIT_PROMPT_ID.fullmatch(value):
        raise ValueError(f"bad job id for a custom_id: {job_id!r}")
    return value


def submitted_value(data: Any, field_id: str) -> str | None:
    """The value a modal submit carries for the text input `field_id` (rows or labels, nested)."""
    if isinstance(data, dict):
        if data.get("custom_id") == field_id and isinstance(data.get("value"), str):
            return data["value"]
        children = [data.get("components"), data.get("component")]
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        found = submitted_value(child, field_id)
        if found is not None:
            return found
    return None


async def on_edit_prompt_submit(interaction: Interaction) -> bool:
    """Handle an edit-prompt modal submit, from this process or an earlier one.

    Registered as an ``on_interaction`` listener; other interactions are left alone.

    Returns:
        Whether the interaction was an edit-prompt submit (and so was answered).
    """
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: Any = interaction.data or {}
    match = EDIT_PROMPT_ID.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return False
    from bot.discord.tree import report_error

    try:
        prompt = (submitted_value(data.get("components"), PROMPT_FIELD) or "").strip()
        if not prompt:
            raise UserFacingError("The prompt cannot be empty.")
        job = await fetch_job_for(interaction, match["job"], moderator_ok=False)
        await rerun(interaction, job, prompt)
    except Exception as exc:  # every submit gets an answer
        await report_error(interaction, exc)
    return True


def cancel_view(job_id: str) -> discord.ui.View:
    """The Cancel button shown while a job waits in the queue."""
    view = discord.ui.View(timeout=None)
    view.add_item(JobButton("cancel", job_id))
    return view


def result_view(job_id: str) -> discord.ui.View:
    """The buttons under a result (persistent: `timeout=None`, handled by `JobButton`)."""
    view = discord.ui.View(timeout=None)
    for action in ("reroll", "edit", "delete"):
        view.add_item(JobButton(action, job_id))  # type: ignore[arg-type]
    return view
