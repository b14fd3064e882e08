"""Per-image actions on a result: the chosen image, edited by a chat image model, as a new job.

A pick in an "Act on image N…" menu (``ib:act:<job>:<n>``) runs here, in any process and after
any restart: the job row says whose result it is, what prompt made it and where its messages
are. The chosen image is read from the message the menu is on (or the job's other messages),
checked by declared size and type, downloaded with a cap and checked by its bytes, all before
anything is reserved. Then it is one more `/chatimage` job: planned (moderation of the prompt,
the server's model, options and locks), admitted against the quotas and budget, queued,
streamed and posted with its own id, cost and menus. The job keeps the image's reference and
the action (`bot.image_actions.OPTIONS_KEY`), so a re-roll repeats the same action on the same
image.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.flows.chat import run_chatimage
from bot.discord.flows.delivery import defer, start_job
from bot.discord.flows.inputs import check_attachment, read_attachment, source_of
from bot.discord.tree import report_error
from bot.discord.views.actions import image_menu_view, image_number
from bot.errors import InputError, UserFacingError
from bot.gateway.catalog import ModelCatalog
from bot.i18n import Phrase, text
from bot.image_actions import (
    OPTIONS_KEY,
    ImageAction,
    action_aspect_ratio,
    action_model,
    action_named,
    action_prompt,
    edits_images,
    image_size,
    upscale_options,
)
from bot.jobs import Plan
from bot.policy import RequestedOptions, with_provider_options

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below
    from bot.storage.store import JobRecord

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]
MAX_BASE_PROMPT = 4000


def plan_adapter(catalog: ModelCatalog, action: ImageAction) -> Callable[[Plan], None]:
    """The check (and change) of an action's plan before anything is reserved.

    The resolved model must take an input image (`bot.image_actions.edits_images`); an upscale
    asks it for its higher resolution where the provider option is known (the server's locked
    provider options still win).
    """

    def adapt(plan: Plan) -> None:
        model = plan.options.model
        if not edits_images(model, catalog.get(model)):
            raise InputError.keyed(
                "action.cannot_take_image", model=model, action=Phrase(f"action.{action.name}")
            )
        extra = upscale_options(model) if action.name == "upscale" else None
        if extra:
            note = Phrase("note.upscaled")
            plan.options = with_provider_options(
                plan.options, extra, plan.guild.locked_provider_options, note
            )

    return adapt


def stored_action(options: Mapping[str, Any] | None) -> tuple[ImageAction, dict[str, Any]] | None:
    """The action a job was made by, and its record (None for any other job)."""
    record = (options or {}).get(OPTIONS_KEY)
    if not isinstance(record, Mapping):
        return None
    action = action_named(str(record.get("name", "")))
    return (action, dict(record)) if action is not None else None


def action_fields(action: ImageAction, record: Mapping[str, Any]) -> dict[str, str]:
    """What the result of an action shows about it."""
    field = Phrase(
        "action.field",
        action=Phrase(f"action.{action.name}"),
        image=record.get("image"),
        job=record.get("source_job"),
    )
    return {Phrase("option.action"): field}


@dataclass(frozen=True, slots=True)
class Rerun:
    """What a re-roll of a job made by an action needs to repeat it (see `rerun_of`)."""

    adapt: Callable[[Plan], None]
    options: dict[str, Any]
    fields: dict[str, str]


def rerun_of(catalog: ModelCatalog, options: Mapping[str, Any] | None) -> Rerun | None:
    """How to re-roll a job made by an action (the same checks, options and record), else None."""
    found = stored_action(options)
    if found is None:
        return None
    action, record = found
    return Rerun(plan_adapter(catalog, action), {OPTIONS_KEY: record}, action_fields(action, record))


async def answer_action(interaction: Interaction, job_id: str, number: int, name: str) -> None:
    """Answer a pick in an image's menu; failures are answered by the tree's error reporter."""
    try:
        await run_image_action(interaction, job_id, number, name)
    except Exception as exc:  # every pick gets an answer
        await report_error(interaction, exc)


async def answer_pick(interaction: Interaction, job_id: str, number: int) -> None:
    """Answer the picker of a result with many images: that image's menu, privately."""
    try:
        job = await fetch_own_job(interaction, job_id)
        if not 1 <= number <= job.image_count:
            raise UserFacingError.keyed("action.no_image", n=number)
        await interaction.response.send_message(
            text(interaction.locale, "action.what_to_do", n=number),
            view=image_menu_view(job.id, number, interaction.locale),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except Exception as exc:  # every pick gets an answer
        await report_error(interaction, exc)


async def run_image_action(interaction: Interaction, job_id: str, number: int, name: str) -> None:
    """Run action `name` on image `number` of job `job_id`, as a new job.

    Raises:
        UserFacingError: an unknown action, someone else's result, an image that is gone or
            unusable, a model that cannot edit images, or any refusal of a job.
    """
    action = action_named(name)
    if action is None:
        raise UserFacingError.keyed("action.unknown")
    message = interaction.message
    # Acknowledge before the database read; the result keeps the message's visibility.
    await defer(interaction, ephemeral=bool(message is not None and message.flags.ephemeral))
    job = await fetch_own_job(interaction, job_id)
    if not 1 <= number <= job.image_count:
        raise UserFacingError.keyed("action.no_image", n=number)
    bot = interaction.client
    attachment, holder = await find_result_image(interaction, job, number)
    check_attachment(attachment)
    image = await read_attachment(attachment, bot.generation.gateway.session)
    requested = RequestedOptions(
        model=action_model(job.kind, job.model, bot.catalog.get(job.model)),
        aspect_ratio=action_aspect_ratio(action, image_size(image.data)),
        private=(job.options or {}).get("private"),
        # The action's instruction is ours: prompt enhancement must not rewrite it.
        enhance=False,
    )
    previous = stored_action(job.options)
    base_prompt = str(previous[1].get("prompt") or "") if previous else job.prompt
    record = {
        "name": action.name,
        "source_job": job.id,
        "image": number,
        "prompt": base_prompt[:MAX_BASE_PROMPT],
    }
    started = await start_job(
        interaction,
        "chatimage",
        action_prompt(action, base_prompt),
        requested,
        parent_job_id=job.id,
        adapt=plan_adapter(bot.catalog, action),
    )
    # An ephemeral message cannot be fetched again: a re-roll then uses the attachment's URL.
    kept = holder if not holder.flags.ephemeral else None
    log.info("job %s: %s of image %d of job %s", started.plan.job_id, action.name, number, job.id)
    await run_chatimage(
        interaction,
        started,
        [image],
        [source_of(attachment, image, kept)],
        extra_options={OPTIONS_KEY: record},
        extra_fields=action_fields(action, record),
    )


async def fetch_own_job(interaction: Interaction, job_id: str) -> JobRecord:
    """The job whose image is acted on: only its requester may act on it (it is their spend).

    Raises:
        UserFacingError: unknown job, or someone else's result.
    """
    job = await interaction.client.store.get_job(job_id)
    if job is None:
        raise UserFacingError.keyed("job.result_gone")
    if job.user_id != interaction.user.id:
        raise UserFacingError.keyed("action.not_yours")
    return job


async def find_result_image(
    interaction: Interaction, job: JobRecord, number: int
) -> tuple[discord.Attachment, discord.Message]:
    """Image `number` of a result and the message holding it.

    The message the menu is on comes first (no request at all); else the job's messages are
    read (a result in several parts, or a menu shown by `/job` or the picker).

    Raises:
        InputError: no message of the job holds that image any more.
    """
    clicked = interaction.message
    found = _attachment_numbered(clicked, number) if clicked is not None else None
    if clicked is not None and found is not None:
        return found, clicked
    if job.channel_id is not None:
        channel = interaction.client.get_partial_messageable(job.channel_id)
        for message_id in [job.message_id, *job.extra_message_ids]:
            if message_id is None or (clicked is not None and clicked.id == message_id):
                continue
            try:
                message = await channel.fetch_message(message_id)
            except discord.HTTPException as exc:  # deleted, or no longer readable
                log.info("job %s: message %s not read: %s", job.id, message_id, exc)
                continue
            found = _attachment_numbered(message, number)
            if found is not None:
                return found, message
    raise InputError.keyed("action.image_gone", n=number)


def _attachment_numbered(message: discord.Message, number: int) -> discord.Attachment | None:
    return next((a for a in message.attachments if image_number(a.filename) == number), None)
