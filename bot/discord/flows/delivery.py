"""The Discord side of a job: plan -> defer -> admit -> run -> post, for every entry point.

`/imagine`, `/chatimage`, result buttons and `/job` all go through here so the rules hold
everywhere: the deferral is the first network call, refusals are ephemeral, images are posted
byte for byte when they fit, nobody but the requester can be pinged, and a result that outlives
the interaction token is posted in the channel instead of lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.flows.place import check_place
from bot.discord.flows.posting import ResultPoster, retry_budget
from bot.discord.flows.progress import ProgressMessage, localized_progress
from bot.discord.flows.undelivered import describe_numbers
from bot.discord.replies import locale_for, token_usable
from bot.discord.state import state_of
from bot.discord.views.actions import image_action_rows
from bot.discord.views.buttons import cancel_view, result_row
from bot.discord.views.files import fit_images
from bot.discord.views.render import ResultInfo, result_payloads
from bot.errors import BotError, MissingPermissionsError, UserFacingError
from bot.gateway.errors import ContentPolicyError
from bot.gateway.models import GeneratedImage
from bot.i18n import text
from bot.jobs import QUEUED_PREFIX, Kind, Outcome, Plan, Requester
from bot.money import accepted_cost
from bot.policy import RequestedOptions

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]
REQUIRED_PUBLIC_PERMISSIONS = ("embed_links", "attach_files")


@dataclass(slots=True)
class Started:
    """A job that passed every check and has been deferred."""

    plan: Plan
    ephemeral: bool


def requester_of(interaction: Interaction) -> Requester:
    """Who asked and where, from an interaction (no I/O).

    `guild_id` is None outside servers (DMs, user installs in servers that never added the
    bot): the operator's rules apply there, never an unconfigured server's empty defaults.

    Raises:
        PolicyError: outside servers while the operator keeps them closed.
    """
    channel = interaction.channel
    in_server = check_place(interaction) == "server"
    return Requester(
        user_id=interaction.user.id,
        guild_id=interaction.guild_id if in_server else None,
        channel_id=interaction.channel_id,
        channel_is_nsfw=bool(getattr(channel, "nsfw", False)),
    )


def check_permissions(interaction: Interaction, *, ephemeral: bool) -> None:
    """Refuse before spending money when the bot cannot post the result here.

    Raises:
        MissingPermissionsError: naming the missing permission(s).
    """
    if ephemeral or interaction.guild_id is None:
        return
    perms = interaction.app_permissions
    missing = [name for name in REQUIRED_PUBLIC_PERMISSIONS if not getattr(perms, name)]
    if missing:
        names = " and ".join(m.replace("_", " ").title() for m in missing)
        raise MissingPermissionsError.keyed("job.missing_permissions", names=names)


async def start_job(
    interaction: Interaction,
    kind: Kind,
    prompt: str,
    requested: RequestedOptions,
    *,
    parent_job_id: str | None = None,
    adapt: Callable[[Plan], None] | None = None,
) -> Started:
    """Plan (from cached settings), defer, then finish the checks that need I/O.

    Args:
        interaction: The command, click or modal submit.
        kind: Which endpoint the job uses.
        prompt: The prompt, moderated when planned.
        requested: The member's options.
        parent_job_id: The job this one re-runs or acts on.
        adapt: A workflow's check or change of the plan, run once it is resolved and before
            anything is reserved (e.g. an image action's model check and provider options);
            it raises `UserFacingError` to refuse.

    Raises:
        UserFacingError: any refusal; the tree's error handler answers it ephemerally.
    """
    bot = interaction.client
    if not bot.accepting_jobs:
        raise UserFacingError.keyed("job.restarting")
    service = bot.generation
    requester = requester_of(interaction)
    plan = None
    if interaction.response.is_done():
        # Deferred by the caller (a button that had to read its job first): plan after I/O.
        ephemeral = state_of(interaction).ephemeral_defer
    else:
        cached = service.cached_settings(requester.guild_id, requester.channel_id)
        if cached is not None:
            # Pure and synchronous: a refusal becomes the first (ephemeral) response, no deferral.
            plan = service.plan(kind, requester, prompt, requested, cached, parent_job_id=parent_job_id)
            if adapt is not None:
                adapt(plan)
            ephemeral = plan.options.private
        else:
            ephemeral = guess_private(interaction, kind, requester, prompt, requested)
        check_permissions(interaction, ephemeral=ephemeral)
        await defer(interaction, ephemeral=ephemeral)
    if plan is None:
        settings = await service.fetch_settings(requester.guild_id, requester.channel_id)
        plan = service.plan(kind, requester, prompt, requested, settings, parent_job_id=parent_job_id)
        if adapt is not None:
            adapt(plan)
        check_permissions(interaction, ephemeral=plan.options.private)
        if plan.options.private != ephemeral:
            await _switch_visibility(interaction, private=plan.options.private)
    state_of(interaction).private_job = plan.options.private
    # Kept with the job until it settles, so a restart can still tell the member what happened.
    plan.reply_token = interaction.token
    plan.token_expires_at = interaction.expires_at
    plan.locale = str(locale_for(interaction, public=not plan.options.private).value)
    await service.admit(plan)
    return Started(plan=plan, ephemeral=plan.options.private)


async def defer(interaction: Interaction, *, ephemeral: bool) -> None:
    """Send the "thinking…" deferral and remember what later steps need to know about it."""
    deferred = await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    state_of(interaction).ephemeral_defer = ephemeral
    if deferred is not None and deferred.message_id is not None:
        # The "thinking" message: a result that outlives the token replies to it in the channel.
        state_of(interaction).placeholder_id = deferred.message_id
    interaction.client.note_deferred(interaction)
    # The rest of the flow waits while a burst's deferrals are still to be sent.
    await interaction.client.pacer.turn(urgent=False)


def guess_private(
    interaction: Interaction, kind: Kind, requester: Requester, prompt: str, requested: RequestedOptions
) -> bool:
    """The result's visibility when the channel's overrides are not cached (no I/O).

    Resolved from the cached guild settings alone (a channel default may still change it:
    `_switch_visibility` handles that after the deferral); without them, the member's choice
    or the global default.
    """
    service = interaction.client.generation
    guild = service.store.get_cached_guild_settings(requester.guild_id) if requester.guild_id else None
    if guild is not None:
        try:
            return service.plan(kind, requester, prompt, requested, (guild, None)).options.private
        except BotError:
            pass  # the full plan (with the channel's overrides) decides, after the deferral
    return requested.private if requested.private is not None else service.defaults.private


async def _switch_visibility(interaction: Interaction, *, private: bool) -> None:
    """The deferral's visibility turned out wrong: the result goes in followups of the right kind.

    A public "thinking" message is deleted at once (a private job must not stay visible); a
    private one is edited when the result is posted (`release_placeholder`), so the public
    followups are new messages rather than the filling of the private placeholder.
    """
    state_of(interaction).result_in_followups = True
    log.info(
        "interaction %s: result is %s, unlike its deferral",
        interaction.id,
        "private" if private else "public",
    )
    if private:
        state_of(interaction).placeholder_gone = True
        try:
            await interaction.delete_original_response()
        except discord.HTTPException as exc:
            log.warning("could not delete the public placeholder of %s: %s", interaction.id, exc)


async def release_placeholder(interaction: Interaction) -> None:
    """Before the first public followup of a privately deferred job: end the private "thinking"."""
    state = state_of(interaction)
    if not state.ephemeral_defer or state.placeholder_released:
        return
    state.placeholder_released = True
    if token_usable(interaction):
        try:
            await interaction.edit_original_response(
                content=text(interaction.locale, "job.posted_below"),
                view=None,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning("could not release the private placeholder of %s: %s", interaction.id, exc)


async def run_imagine(interaction: Interaction, started: Started) -> list[discord.Message]:
    """Generate (showing queue position and progress) and post the result.

    Raises:
        GatewayError: after the gateway's retries; content-policy refusals are also reported
            to the guild's log channel.
    """
    bot = interaction.client
    progress = progress_for(interaction, started.plan.job_id)
    messages: list[discord.Message] = []

    async def deliver(outcome: Outcome) -> None:
        await progress.close()  # the result replaces the progress text
        messages.extend(await deliver_images(interaction, outcome, ephemeral=started.ephemeral))

    async with bot.job_scope(started.plan):
        try:
            await bot.generation.imagine(started.plan, on_progress=progress.update, deliver=deliver)
        except ContentPolicyError as exc:
            bot.spawn(bot.modlog.refused(started.plan, exc.message), name=f"refused-{started.plan.job_id}")
            raise
        finally:
            await progress.close()
    return messages


def shown_cost(outcome: Outcome) -> float | None:
    """The cost shown on a result: the reported one when believable (as the ledger charges it)."""
    reported = outcome.result.usage.cost if outcome.result.usage else None
    cost = accepted_cost(reported, outcome.plan.estimate, job_id=outcome.plan.job_id, quiet=True)
    return None if cost is None else float(cost)


def progress_for(interaction: Interaction, job_id: str) -> ProgressMessage:
    """A throttled editor of the deferred message: queue position (with a Cancel button), then progress."""

    async def edit(english: str) -> None:
        # Queued like the work after a deferral: the first edits of a burst's jobs come due
        # together, and go out a loop-pass-sized batch at a time, behind any deferral.
        await interaction.client.pacer.turn(urgent=False)
        state = state_of(interaction)
        if token_usable(interaction) and not state.placeholder_gone:
            queued = english.startswith(QUEUED_PREFIX)
            locale = locale_for(interaction, public=not state.ephemeral_defer)
            await interaction.edit_original_response(
                content=localized_progress(english, locale),
                view=cancel_view(job_id, locale) if queued else None,
                allowed_mentions=discord.AllowedMentions.none(),
            )

    return ProgressMessage(edit)


async def deliver_images(
    interaction: Interaction,
    outcome: Outcome,
    *,
    ephemeral: bool,
    edit_original: bool = True,
    extra_fields: dict[str, str] | None = None,
    references: str | None = None,
) -> list[discord.Message]:
    """Post the images of `outcome` (several messages when needed) and return the messages.

    `extra_fields` are shown after the options (escaped); `references` is the input images'
    line (`bot.discord.views.actions.references_text`).
    """
    images: list[GeneratedImage] = outcome.result.images
    if not images:
        raise UserFacingError.keyed("job.no_image")
    if state_of(interaction).result_in_followups:
        edit_original = False
        await release_placeholder(interaction)
    batches = await fit_images(
        images, per_file_limit=interaction.filesize_limit, budget=interaction.client.generation.gateway.budget
    )
    plan = outcome.plan
    notes = list(plan.options.notes)
    locale = locale_for(interaction, public=not ephemeral)
    reencoded = [n for n, image in enumerate((i for b in batches for i in b), start=1) if image.reencoded]
    if reencoded:
        # Results are posted byte for byte unless they cannot be: say so when they were not.
        notes.append(text(locale, "card.reencoded", images=describe_numbers(reencoded, locale)))
    info = ResultInfo(
        prompt=plan.prompt,
        model=plan.options.sourced("model", plan.options.model),
        job_id=plan.job_id,
        elapsed_s=outcome.elapsed,
        options={**plan.options.display_options(), **(extra_fields or {})},
        notes=notes,
        requester_mention=interaction.user.mention,
        spoiler=plan.options.age_restricted,
        cost=shown_cost(outcome),
        references=references,
        enhanced_prompt=plan.enhanced_prompt,
        locale=str(locale.value),
    )
    image_count = sum(len(batch) for batch in batches)
    payloads = result_payloads(
        batches,
        info,
        actions=lambda: [
            result_row(plan.job_id, locale),
            *image_action_rows(plan.job_id, image_count, locale),
        ],
    )
    poster = ResultPoster(interaction, plan.job_id, ephemeral, retry_budget(interaction))
    messages: list[discord.Message] = []
    try:
        for index, (payload, batch) in enumerate(zip(payloads, batches, strict=True)):
            message = await poster.post(
                payload, batch, edit_original=edit_original and index == 0, last=index == len(batches) - 1
            )
            if message is not None:
                messages.append(message)
    finally:
        for payload in payloads:
            payload.close()
    state_of(interaction).original_edited = True
    bot = interaction.client
    await poster.finish(bot.undelivered.put, total=image_count)
    plan.message_ids = [message.id for message in messages]
    if messages and plan.settled:  # otherwise the settlement records them (`GenerationService.imagine`)
        try:
            await bot.store.update_job(
                plan.job_id, message_id=messages[0].id, extra_message_ids=[m.id for m in messages[1:]]
            )
        except Exception as exc:  # the images are posted; only the /job link and Delete lose them
            log.warning("could not record the messages of job %s: %s", plan.job_id, exc)
    if outcome.plan.flagged_terms:
        jump = messages[0].jump_url if messages else None
        bot.spawn(bot.modlog.flagged(outcome.plan, jump), name=f"flag-{outcome.plan.job_id}")
    return messages


def describe(options: dict[str, Any]) -> str:
    """Compact `key: value` list for logs."""
    return ", ".join(f"{k}={v}" for k, v in options.items())
