"""`GenerationService`: options -> policy -> limits -> queue -> gateway -> ledger.

Never imports discord: the flows translate interactions into `Requester`/`RequestedOptions`
and render what comes back. Planning (moderation + option resolution, `bot.planning.Planner`)
is synchronous and pure so a refusal can be the interaction's first response; everything with
I/O (admission, the queue, the gateway, settlement) is here and happens after the deferral.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from bot.attribution import Attribution
from bot.bookkeeping import Bookkeeper
from bot.enhance import enhance_prompt, with_enhancement_cost
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
from bot.i18n import Phrase
from bot.jobs import GENERATING, QUEUED_PREFIX, Outcome, Plan, ProgressCallback
from bot.limits import JobQueue, Limits
from bot.money import CostControl, definitely_unbilled
from bot.observability import Metrics
from bot.planning import Planner
from bot.policy import GlobalDefaults, check_prompt
from bot.policy.operator import OperatorPolicy
from bot.storage.store import Store

log = logging.getLogger(__name__)


class GenerationService(Planner):
    """Runs generations for the Discord layer (and anything else); its planning half is `Planner`.

    Args:
        gateway: The AI gateway client.
        catalog: The cached model catalogue.
        store: Settings, jobs and the usage ledger (quotas, budgets and pending slots are
            counted from the jobs table; see `bot.storage._admission`).
        limits: Cooldowns (in-process or Redis).
        queue: The in-process fair concurrency queue.
        defaults: Global defaults from `Settings`.
        metrics: Prometheus metrics, when enabled.
        operator: The operator's policy: a floor in servers, the whole rule set outside them.
        attribution: Hashes the requester into the gateway's `user` and `tags`.
        cost: The operator's caps, switches and per-image estimate.
        instance_id: This process's id in the jobs it owns (fresh per start by default).
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
        cost: CostControl | None = None,
        instance_id: str | None = None,
    ) -> None:
        self.books = Bookkeeper(
            store=store, limits=limits, catalog=catalog, gateway=gateway, cost=cost, instance_id=instance_id
        )
        super().__init__(
            catalog=catalog, store=store, defaults=defaults, operator=operator, cost=self.books.cost
        )
        self.gateway = gateway
        self.limits = limits
        self.queue = queue
        self.metrics = metrics
        self.attribution = attribution or Attribution.from_settings(None, None)

    # --- admission and settlement (the ledger: `bot.bookkeeping`) ------------------------

    async def admit(self, plan: Plan) -> None:
        """Apply the cooldown, then reserve the job against every quota, budget and cap.

        The reservation (the requested images and the cost estimate) and the pending slot are
        the job's row, inserted by one atomic transaction. From here on exactly one settlement
        ends the job.

        Raises:
            CooldownError: on cooldown, out of quota or budget, or too many jobs pending.
        """
        await self.books.admit(plan)

    async def release(self, plan: Plan, *, refund: bool) -> None:
        """End an admitted job that will not run (e.g. its input could not be read).

        Args:
            plan: The job.
            refund: Nothing was sent: give back its images and estimate.
        """
        await self.books.settle_failure(plan, "not started", billed=not refund, cancelled=False)

    # --- running ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _running(
        self, plan: Plan, on_progress: ProgressCallback | None, *, enhance: bool = False
    ) -> AsyncIterator[None]:
        """Wait for a queue slot (reporting the position), then mark the job running.

        `running` means "sent to the gateway": the database update is the last step before
        the request goes out, so a crash before it leaves a job that is safe to refund. With
        `enhance` (and the option on) the prompt is rewritten and moderated again first.
        """
        user, reporter = str(plan.requester.user_id), _position_reporter(on_progress)
        async with self.queue.slot(user, reporter, lambda: self.books.want_start(plan)):
            if on_progress is not None:
                await on_progress(GENERATING.format(model=plan.options.model))
            if not await self.books.start(plan):
                # Settled elsewhere (reconciled as interrupted): never send it.
                plan.settled = True
                raise CooldownError.keyed("error.job_interrupted")
            plan.running = True
            if enhance and plan.options.enhance and plan.enhanced_prompt is None:
                await self._enhance(plan, on_progress)
            yield

    async def _enhance(self, plan: Plan, on_progress: ProgressCallback | None) -> None:
        """Rewrite the prompt (`bot.enhance`) and moderate the rewrite like a member's prompt.

        Raises:
            PolicyError: the rewrite contains a term this server or the operator blocks.
        """
        if on_progress is not None:
            await on_progress(Phrase("progress.enhancing", model=plan.options.enhance_model))
        enhanced = await enhance_prompt(self.gateway, plan, **self._attribute(plan))
        plan.enhanced_prompt, plan.enhance_cost = enhanced.prompt, enhanced.cost
        verdict = check_prompt(enhanced.prompt, plan.guild, self.operator.blocked_terms)
        if verdict.blocked_rule is not None:
            log.info("job %s: the enhanced prompt was blocked", plan.job_id)
            raise PolicyError.keyed("enhance.blocked")
        plan.flagged_terms += [term for term in verdict.flagged_terms if term not in plan.flagged_terms]
        try:  # kept for `/job`; losing it costs only that, never the job
            await self.store.set_enhanced_prompt(plan.job_id, enhanced.prompt)
        except Exception:
            log.warning("job %s: could not store the enhanced prompt", plan.job_id, exc_info=True)
        if on_progress is not None:
            await on_progress(f"Generating with `{plan.options.model}`…")

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
                posting is slower than generating). The messages it puts in `plan.message_ids`
                are recorded by the settlement that follows.

        Raises:
            GatewayError: the gateway failed (after its retries).
        """
        started = time.perf_counter()
        outcome: Outcome | None = None
        try:
            async with self._running(plan, on_progress, enhance=True):
                request = ImageRequest(
                    model=plan.options.model,
                    prompt=plan.sent_prompt,
                    n=plan.options.count,
                    aspect_ratio=plan.options.aspect_ratio,
                    provider_options=plan.options.provider_options,
                    parameters=plan.options.parameters,
                    **self._attribute(plan),
                )
                result = await self.gateway.generate_images(request)
                result = dataclasses.replace(result, usage=with_enhancement_cost(result.usage, plan))
                outcome = Outcome(plan=plan, result=result, elapsed=time.perf_counter() - started)
                if deliver is not None:
                    await deliver(outcome)
        except BaseException as exc:
            if outcome is None:  # queued, cancelled, or failed at the gateway
                await self._fail(plan, exc, started, billed=_maybe_billed(plan, exc))
            else:  # generated (and billed) whatever happened while posting
                await self._succeed(plan, outcome.result, outcome.elapsed)
            raise
        # Settled after posting, with the slot already handed on: one transaction records the
        # result, its messages and the start of the job that took the slot.
        await self._succeed(plan, outcome.result, outcome.elapsed)
        return outcome

    async def stream_chat(
        self,
        plan: Plan,
        images: list[InputImage],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream a `/chat/completions` generation, recording the job around it.

        Yields the client's events unchanged; the job is settled as done just before
        `Finished` is passed on (so a failure while posting cannot unsettle it), failed on an
        error (which is re-raised).
        """
        started = time.perf_counter()
        text: list[str] = []
        collected = []
        usage = None
        generation_id = None
        produced = False
        try:
            async with self._running(plan, on_progress, enhance=True):
                request = ChatImageRequest(
                    model=plan.options.model,
                    prompt=plan.sent_prompt,
                    images=images,
                    aspect_ratio=plan.options.aspect_ratio,
                    provider_options=plan.options.provider_options,
                    parameters=plan.options.parameters,
                    **self._attribute(plan),
                )
                async for event in self.gateway.stream_chat(request):
                    produced = True
                    if isinstance(event, TextDelta):
                        text.append(event.text)
                    elif isinstance(event, ImageEvent):
                        collected.append(event.image)
                    elif isinstance(event, UsageEvent):
                        usage = with_enhancement_cost(event.usage, plan)
                    elif isinstance(event, Finished):
                        generation_id = event.generation_id
                        result = ImageResult(
                            collected, plan.options.model, "".join(text), generation_id, usage
                        )
                        await self._succeed(plan, result, time.perf_counter() - started)
                    yield event
        except BaseException as exc:
            unbilled = not produced and definitely_unbilled(exc)
            billed = plan.running and (not unbilled or plan.enhanced_prompt is not None)
            await self._fail(plan, exc, started, billed=billed)
            raise
        if not plan.settled:  # the client always ends with `Finished`; settle anyway if not
            result = ImageResult(collected, plan.options.model, "".join(text), generation_id, usage)
            await self._succeed(plan, result, time.perf_counter() - started)

    async def describe(
        self, plan: Plan, image: InputImage, *, on_progress: ProgressCallback | None = None
    ) -> ImageResult:
        """Ask a vision chat model about `image`, text only, not streamed (`/describe`).

        The job is queued, recorded and settled like any other (it costs tokens).

        Raises:
            GatewayError: the gateway failed (after its retries).
        """
        request = ChatImageRequest(
            model=plan.options.model,
            prompt=plan.prompt,
            images=[image],
            modalities=("text",),
            **self._attribute(plan),
        )
        started = time.perf_counter()
        try:
            async with self._running(plan, on_progress):
                result = await self.gateway.chat_image(request)
        except BaseException as exc:
            await self._fail(plan, exc, started, billed=plan.running and not definitely_unbilled(exc))
            raise
        await self._succeed(plan, result, time.perf_counter() - started)
        return result

    def _attribute(self, plan: Plan) -> dict[str, Any]:
        """The gateway `user` and `tags` of a job: salted hashes, never Discord ids."""
        req = plan.requester
        return {
            "user": self.attribution.user(req.user_id),
            "tags": self.attribution.tags(plan.kind, req.guild_id),
        }

    async def _succeed(self, plan: Plan, result: ImageResult, elapsed: float) -> None:
        if plan.settled:
            return
        size = sum(image.size for image in result.images)
        cost = await self.books.settle_result(plan, result)
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
            extra={
                "job": plan.job_id, "kind": plan.kind, "guild": req.guild_id, "user": req.user_id,
                "model": plan.options.model, "latency": round(elapsed, 3), "images": len(result.images),
                "bytes": size, "cost": cost,
            },
        )  # fmt: skip

    async def _fail(self, plan: Plan, exc: BaseException, started: float, *, billed: bool) -> None:
        """Settle a job that did not produce a result.

        Args:
            plan: The job.
            exc: Why.
            started: `perf_counter()` at the start.
            billed: The request was sent and the gateway may have billed it: the cost estimate
                is kept. Otherwise (never sent, or refused with a 4xx) nothing is charged.
        """
        if plan.settled:
            return  # it finished before this error (e.g. while posting): already settled
        cancelled = isinstance(exc, asyncio.CancelledError)
        reason = "cancelled" if cancelled else f"{type(exc).__name__}: {exc}"[:500]
        await self.books.settle_failure(plan, reason, billed=billed, cancelled=cancelled)
        if self.metrics is not None:
            label = (
                "cancelled" if cancelled else ("gateway_error" if isinstance(exc, GatewayError) else "error")
            )
            self.metrics.generations_total.labels(
                kind=plan.kind, model=plan.options.model, status=label
            ).inc()
        req = plan.requester
        latency = time.perf_counter() - started
        log.info(
            "generation failed job=%s kind=%s guild=%s user=%s model=%s after=%.2fs: %s",
            plan.job_id, plan.kind, req.guild_id, req.user_id, plan.options.model, latency, reason,
            extra={
                "job": plan.job_id, "kind": plan.kind, "guild": req.guild_id, "user": req.user_id,
                "model": plan.options.model, "latency": round(latency, 3), "error": reason,
            },
        )  # fmt: skip


def _maybe_billed(plan: Plan, exc: BaseException) -> bool:
    """Whether a failed job may have cost money: it was sent, and not refused, or its prompt was rewritten."""
    return plan.running and (plan.enhanced_prompt is not None or not definitely_unbilled(exc))


def _position_reporter(on_progress: ProgressCallback | None) -> Callable[[int], Awaitable[None]] | None:
    if on_progress is None:
        return None

    async def report(position: int) -> None:
        if position > 0:
            await on_progress(f"{QUEUED_PREFIX} {position}.")

    return report
