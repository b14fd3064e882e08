"""`GenerationService`: options -> policy -> limits -> queue -> gateway -> ledger.

Never imports discord: the cogs translate interactions into `Requester`/`RequestedOptions`
and render what comes back. Planning (moderation + option resolution) is synchronous and
pure so a refusal can be the interaction's first response; everything with I/O happens after
the cog has deferred.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.attribution import Attribution
from bot.errors import CooldownError, PolicyError
from bot.gateway.catalog import ModelCatalog
from bot.gateway.client import GatewayClient
from bot.gateway.errors import GatewayError
from bot.gateway.models import (
    ChatImageRequest,
    Finished,
    ImageEvent,
    ImageRequest,
    ImageResult,
    InputImage,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from bot.jobs import (
    MAX_PENDING_PER_USER,
    QUEUED_PREFIX,
    Kind,
    Outcome,
    Plan,
    ProgressCallback,
    Requester,
    new_job_id,
)
from bot.limits import JobQueue, Limits
from bot.observability import Metrics
from bot.policy import GlobalDefaults, RequestedOptions, check_prompt, resolve_options
from bot.policy.operator import OperatorPolicy
from bot.storage.schemas import ChannelSettings, GuildSettings
from bot.storage.store import Store

log = logging.getLogger(__name__)


class GenerationService:
    """Runs generations for the Discord layer (and anything else).

    Args:
        gateway: The AI gateway client.
        catalog: The cached model catalogue.
        store: Settings, jobs and the usage ledger.
        limits: Cooldowns, quotas and per-user pending caps (in-process or Redis).
        queue: The in-process fair concurrency queue.
        defaults: Global defaults from `Settings`.
        metrics: Prometheus metrics, when enabled.
        operator: The operator's policy: a floor in servers, the whole rule set outside them.
        attribution: Hashes the requester into the gateway's `user` and `tags`.
    """

    def __init__(
        self,
        *,
        gateway: GatewayClient,
        catalog: ModelCatalog,
        store: Store,
        limits: Limits,
        queue: JobQueue,
        defaults: GlobalDefaults,
        metrics: Metrics | None = None,
        operator: OperatorPolicy | None = None,
        attribution: Attribution | None = None,
    ) -> None:
        self.gateway = gateway
        self.catalog = catalog
        self.store = store
        self.limits = limits
        self.queue = queue
        self.defaults = defaults
        self.metrics = metrics
        self.operator = operator or OperatorPolicy()
        self.attribution = attribution or Attribution.from_settings(None, None)

    # --- settings ---------------------------------------------------------------------

    def cached_settings(
        self, guild_id: int | None, channel_id: int | None
    ) -> tuple[GuildSettings, ChannelSettings | None] | None:
        """Settings from the in-memory cache, or None when a database read is needed.

        `guild_id` None means a place outside servers: the operator's rules apply there.
        """
        if guild_id is None:
            return self.operator.outside_servers(), None
        guild = self.store.get_cached_guild_settings(guild_id)
        if guild is None:
            return None
        channel = None
        if channel_id is not None:
            channel = self.store.get_cached_channel_settings(guild_id, channel_id)
            if channel is None:
                return None
        return guild, channel

    async def fetch_settings(
        self, guild_id: int | None, channel_id: int | None
    ) -> tuple[GuildSettings, ChannelSettings | None]:
        """Settings from the cache or the database (the operator's rules outside servers)."""
        if guild_id is None:
            return self.operator.outside_servers(), None
        guild = await self.store.get_guild_settings(guild_id)
        channel = await self.store.get_channel_settings(guild_id, channel_id) if channel_id else None
        return guild, channel

    # --- planning (pure) ------------------------------------------------------------------

    def available_models(self, kind: Kind) -> list[str] | None:
        """Ids the catalogue knows for `kind`, or None when the catalogue is still empty."""
        models = self.catalog.image_models("images" if kind == "imagine" else "chat")
        return [m.id for m in models] or None

    def plan(
        self,
        kind: Kind,
        requester: Requester,
        prompt: str,
        requested: RequestedOptions,
        settings: tuple[GuildSettings, ChannelSettings | None],
        *,
        parent_job_id: str | None = None,
    ) -> Plan:
        """Moderate the prompt and resolve options. Pure and synchronous.

        Raises:
            PolicyError: a blocked term, a disallowed model or count, NSFW rules.
        """
        guild, channel = settings
        operator = self.operator
        verdict = check_prompt(prompt, guild, operator.blocked_terms)
        if verdict.blocked_rule is not None:
            raise PolicyError(verdict.blocked_rule)
        operator.check_choice(kind == "imagine", requested.model, guild)
        options = resolve_options(
            kind,
            requested,
            guild,
            channel,
            self.defaults,
            channel_is_nsfw=requester.channel_is_nsfw,
            available_models=operator.usable_models(self.available_models(kind)),
        )
        operator.check_model(options.model)
        return Plan(
            kind=kind,
            requester=requester,
            prompt=prompt,
            options=options,
            guild=guild,
            flagged_terms=list(verdict.flagged_terms),
            parent_job_id=parent_job_id,
        )

    # --- admission (I/O: limits) ----------------------------------------------------------

    async def admit(self, plan: Plan) -> None:
        """Apply the guild's cooldown, daily quota and the per-user pending cap.

        Raises:
            CooldownError: on cooldown, out of quota, or too many jobs pending.
        """
        req = plan.requester
        scope = f"{req.guild_id or 'dm'}:{req.user_id}"
        guild = plan.guild
        if guild.cooldown_seconds:
            remaining = await self.limits.hit_cooldown(f"cd:{scope}", guild.cooldown_seconds)
            if remaining is not None:
                raise CooldownError(f"Slow down — you can generate again in {remaining:.0f} s.", remaining)
        if guild.daily_quota is not None:
            plan.quota_taken_at = datetime.now(UTC)
            quota = await self.limits.take_quota(
                f"q:{scope}", guild.daily_quota, plan.options.count, now=plan.quota_taken_at
            )
            if not quota.allowed:
                plan.quota_taken_at = None
                stamp = int(quota.resets_at.timestamp())
                raise CooldownError(
                    f"You have used your {guild.daily_quota} images for today "
                    f"{'on this server' if req.guild_id is not None else 'outside servers'}. "
                    f"The quota resets <t:{stamp}:R>."
                )
        if guild.monthly_budget is not None:  # outside servers (guild None): the operator's cap
            await self._check_budget(req.guild_id, guild.monthly_budget)
        if not await self.limits.acquire_pending(f"p:{scope}", MAX_PENDING_PER_USER):
            await self._refund(plan, scope)
            raise CooldownError(
                f"You already have {MAX_PENDING_PER_USER} generations waiting. Let them finish first."
            )

    async def _check_budget(self, guild_id: int | None, budget: float) -> None:
        """Refuse once the guild's (or, for None, all DMs') spend this UTC month reached its budget."""
        now = datetime.now(UTC)
        month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        spent = float(await self.store.total_cost(guild_id, month))
        if spent >= budget:
            nxt = (month + timedelta(days=32)).replace(day=1)
            who = "This server has" if guild_id is not None else "Image making outside servers has"
            raise CooldownError(
                f"{who} used its image budget for the month (${spent:.2f} of ${budget:.2f}). "
                f"It resets <t:{int(nxt.timestamp())}:R>."
            )

    async def release(self, plan: Plan, *, refund: bool) -> None:
        """Give back the pending slot (and the quota when nothing was billed)."""
        req = plan.requester
        scope = f"{req.guild_id or 'dm'}:{req.user_id}"
        await self.limits.release_pending(f"p:{scope}")
        if refund:
            await self._refund(plan, scope)

    async def _refund(self, plan: Plan, scope: str) -> None:
        if plan.quota_taken_at is not None:
            await self.limits.refund_quota(f"q:{scope}", plan.options.count, now=plan.quota_taken_at)
            plan.quota_taken_at = None

    # --- running ----------------------------------------------------------------------

    async def _record_start(self, plan: Plan) -> None:
        req = plan.requester
        await self.store.create_job(
            job_id=plan.job_id,
            guild_id=req.guild_id,
            channel_id=req.channel_id,
            user_id=req.user_id,
            kind=plan.kind,
            model=plan.options.model,
            prompt=plan.prompt,
            options=plan.options.as_dict(),
        )

    @contextlib.asynccontextmanager
    async def _running(self, plan: Plan, on_progress: ProgressCallback | None) -> AsyncIterator[None]:
        """Wait for a queue slot (reporting the position), then mark the job running."""
        async with self.queue.slot(str(plan.requester.user_id), _position_reporter(on_progress)):
            plan.running = True
            await self.store.update_job(plan.job_id, status="running")
            if on_progress is not None:
                await on_progress(f"Generating with `{plan.options.model}`…")
            yield

    async def imagine(
        self,
        plan: Plan,
        *,
        on_progress: ProgressCallback | None = None,
        deliver: Callable[[Outcome], Awaitable[object]] | None = None,
    ) -> Outcome:
        """Generate images through `POST /images/generations` (image-only models).

        Args:
            plan: The checked request.
            on_progress: Receives queue-position and progress sentences.
            deliver: Posts the result while the job still holds its queue slot, so uploads are
                bounded by the same concurrency as generations (memory stays bounded when
                posting is slower than generating).

        Raises:
            GatewayError: the gateway failed (after its retries).
        """
        await self._record_start(plan)
        request = ImageRequest(
            model=plan.options.model,
            prompt=plan.prompt,
            n=plan.options.count,
            aspect_ratio=plan.options.aspect_ratio,
            provider_options=plan.options.provider_options,
            **self._attribute(plan),
        )
        started = time.perf_counter()
        generated = False
        try:
            async with self._running(plan, on_progress):
                result = await self.gateway.generate_images(request)
                generated = True
                elapsed = time.perf_counter() - started
                await self._succeed(plan, result, elapsed)
                outcome = Outcome(plan=plan, result=result, elapsed=elapsed)
                if deliver is not None:
                    await deliver(outcome)
        except BaseException as exc:
            if not generated:  # queued, cancelled or failed at the gateway: nothing was billed
                await self._fail(plan, exc, started, refund=True)
            raise
        return outcome

    async def stream_chat(
        self,
        plan: Plan,
        images: list[InputImage],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Stream a `/chat/completions` generation, recording the job around it.

        Yields the client's events unchanged; the job is marked done on `Finished`, failed on
        an error (which is re-raised).
        """
        await self._record_start(plan)
        request = ChatImageRequest(
            model=plan.options.model,
            prompt=plan.prompt,
            images=images,
            aspect_ratio=plan.options.aspect_ratio,
            provider_options=plan.options.provider_options,
            **self._attribute(plan),
        )
        started = time.perf_counter()
        text: list[str] = []
        collected = []
        usage = None
        generation_id = None
        produced = False
        try:
            async with self._running(plan, on_progress):
                async for event in self.gateway.stream_chat(request):
                    produced = True
                    if isinstance(event, TextDelta):
                        text.append(event.text)
                    elif isinstance(event, ImageEvent):
                        collected.append(event.image)
                    elif isinstance(event, UsageEvent):
                        usage = event.usage
                    elif isinstance(event, Finished):
                        generation_id = event.generation_id
                    yield event
        except BaseException as exc:
            await self._fail(plan, exc, started, refund=not produced)
            raise
        elapsed = time.perf_counter() - started
        result = ImageResult(
            images=collected,
            model=plan.options.model,
            text="".join(text),
            generation_id=generation_id,
            usage=usage,
        )
        await self._succeed(plan, result, elapsed)

    def _attribute(self, plan: Plan) -> dict[str, Any]:
        """The gateway `user` and `tags` of a job: salted hashes, never Discord ids."""
        req = plan.requester
        return {
            "user": self.attribution.user(req.user_id),
            "tags": self.attribution.tags(plan.kind, req.guild_id),
        }

    async def _succeed(self, plan: Plan, result: ImageResult, elapsed: float) -> None:
        size = sum(image.size for image in result.images)
        cost = result.usage.cost if result.usage else None
        await self.store.update_job(
            plan.job_id,
            status="done",
            image_count=len(result.images),
            bytes=size,
            cost=cost,
            generation_id=result.generation_id,
        )
        await self.release(plan, refund=False)
        if self.metrics is not None:
            self.metrics.generations_total.labels(kind=plan.kind, model=plan.options.model, status="ok").inc()
            self.metrics.generation_seconds.labels(kind=plan.kind).observe(elapsed)
            self.metrics.images_bytes_total.inc(size)
        req = plan.requester
        log.info(
            "generation done job=%s kind=%s guild=%s user=%s model=%s latency=%.2fs images=%d bytes=%d "
            "cost=%s gateway_user=%s",
            plan.job_id, plan.kind, req.guild_id, req.user_id, plan.options.model, elapsed,
            len(result.images), size, cost, self.attribution.user(req.user_id),
        )  # fmt: skip

    async def _fail(self, plan: Plan, exc: BaseException, started: float, *, refund: bool) -> None:
        cancelled = isinstance(exc, asyncio.CancelledError)
        status = "failed"
        reason = "cancelled" if cancelled else f"{type(exc).__name__}: {exc}"[:500]
        try:
            await asyncio.shield(self.store.update_job(plan.job_id, status=status, error=reason))
            await asyncio.shield(self.release(plan, refund=refund))
        except Exception:
            log.exception("could not record failure of job %s", plan.job_id)
        if self.metrics is not None:
            label = (
                "cancelled" if cancelled else ("gateway_error" if isinstance(exc, GatewayError) else "error")
            )
            self.metrics.generations_total.labels(
                kind=plan.kind, model=plan.options.model, status=label
            ).inc()
        req = plan.requester
        log.info(
            "generation failed job=%s kind=%s guild=%s user=%s model=%s after=%.2fs: %s",
            plan.job_id, plan.kind, req.guild_id, req.user_id, plan.options.model,
            time.perf_counter() - started, reason,
        )  # fmt: skip


def _position_reporter(on_progress: ProgressCallback | None) -> Callable[[int], Awaitable[None]] | None:
    if on_progress is None:
        return None

    async def report(position: int) -> None:
        if position > 0:
            await on_progress(f"{QUEUED_PREFIX} {position}.")

    return report


__all__ = [
    "QUEUED_PREFIX",
    "CooldownError",
    "GenerationService",
    "Kind",
    "Outcome",
    "Plan",
    "PolicyError",
    "Requester",
    "new_job_id",
]
