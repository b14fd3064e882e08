"""`Bookkeeper`: admits jobs against quotas and budgets and settles each one exactly once.

Never imports discord. The jobs table is the ledger (see `bot.storage._admission`): admission
inserts the job with its reservation (requested images, cost estimate) in one transaction, and
every way a job can end goes through `Bookkeeper.settle`, which writes at most once per job
(the database update is guarded by the job's status, and `Plan.settled` stops a second attempt
in this process). A settlement the database refuses is kept and retried until it lands, so a
database outage never leaves a pending slot or a reservation behind.

Two transactions per job: admission, and the settlement, which also records the posted
messages and marks `running` whichever job was just handed a queue slot (`want_start`,
`start`): under load that is the job after this one, so no job writes its start alone.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine
from decimal import Decimal
from typing import Any

from bot.enhance import enhance_estimate
from bot.errors import CooldownError
from bot.gateway.catalog import ModelCatalog
from bot.gateway.client import GatewayClient
from bot.gateway.models import ImageResult
from bot.jobs import LOCALE_KEY, MAX_PENDING_PER_USER, Plan
from bot.limits import Limits, cooldown_key
from bot.money import CostControl, accepted_cost
from bot.storage._admission import AdmissionLimits, AdmissionResult
from bot.storage.records import CostSource, JobStatus
from bot.storage.store import Store

log = logging.getLogger(__name__)


class Bookkeeper:
    """Admission and settlement for one process.

    Args:
        store: The ledger.
        limits: Cooldowns (in-process or Redis).
        catalog: Model prices for estimates.
        gateway: `GET /generation` when an answer carried no cost.
        cost: The operator's caps and per-image estimate.
        instance_id: This process's id in the jobs it owns (fresh per start by default).
    """

    def __init__(
        self,
        *,
        store: Store,
        limits: Limits,
        catalog: ModelCatalog,
        gateway: GatewayClient,
        cost: CostControl | None = None,
        instance_id: str | None = None,
    ) -> None:
        self.store = store
        self.limits = limits
        self.catalog = catalog
        self.gateway = gateway
        self.cost = cost or CostControl()
        self.instance_id = instance_id or uuid.uuid4().hex
        # Settlements the database refused (it was down): retried by `retry_unsettled`.
        self._unsettled: dict[str, dict[str, Any]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        # Jobs just handed a queue slot whose `running` mark no transaction has carried yet,
        # and the marks a settlement in flight is carrying (see `want_start`).
        self._pending_starts: set[str] = set()
        self._carried: dict[str, asyncio.Future[bool | Exception]] = {}

    @property
    def unsettled(self) -> int:
        """Settlements waiting for the database."""
        return len(self._unsettled)

    async def admit(self, plan: Plan) -> None:
        """Apply the cooldown, then reserve the job against every quota, budget and cap.

        Raises:
            CooldownError: on cooldown, out of quota or budget, or too many jobs pending.
        """
        req = plan.requester
        cooldown = cooldown_key(req.guild_id, req.user_id)
        guild = plan.guild
        cooling = False
        if guild.cooldown_seconds:
            remaining = await self.limits.hit_cooldown(cooldown, guild.cooldown_seconds)
            if remaining is not None:
                raise CooldownError(
                    f"Slow down — you can generate again in {remaining:.0f} s.",
                    remaining,
                    key="error.cooldown",
                    values={"seconds": f"{remaining:.0f}"},
                )
            cooling = True
        plan.estimate = self.cost.estimate(self.catalog.get(plan.options.model), plan.options.count)
        if plan.options.enhance and plan.options.enhance_model is not None:
            # The prompt's rewrite is part of the job: reserved with it, settled with it.
            plan.enhance_estimate = enhance_estimate(self.catalog.get(plan.options.enhance_model))
            plan.estimate += plan.enhance_estimate
        # Outside servers (guild None) `guild` is the operator's rules for DMs and user installs:
        # the quota is per user and the budget covers every generation outside servers.
        budget = guild.monthly_budget
        limits = AdmissionLimits(
            max_pending=MAX_PENDING_PER_USER,
            daily_images=guild.daily_quota,
            monthly_budget=None if budget is None else Decimal(str(budget)),
            operator_user_daily_images=self.cost.user_daily_images,
            operator_monthly_spend=self.cost.monthly_spend_cap,
        )
        admission = asyncio.ensure_future(
            self.store.admit_job(
                job_id=plan.job_id,
                user_id=req.user_id,
                guild_id=req.guild_id,
                channel_id=req.channel_id,
                kind=plan.kind,
                model=plan.options.model,
                prompt=plan.prompt,
                options=plan.options.as_dict() | ({LOCALE_KEY: plan.locale} if plan.locale else {}),
                images=plan.options.count,
                estimate=plan.estimate,
                owner=self.instance_id,
                limits=limits,
                reply_token=plan.reply_token,
                interaction_token_expires_at=plan.token_expires_at,
            )
        )
        try:
            result = await asyncio.shield(admission)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                await self._refund_if_recorded(plan, admission)
            if cooling:  # nothing was admitted: the attempt must not cost a cooldown
                await self.limits.clear_cooldown(cooldown)
            raise
        if result.job is None:
            if cooling:
                await self.limits.clear_cooldown(cooldown)
            raise refusal_error(result, plan)
        plan.admitted = True

    async def _refund_if_recorded(self, plan: Plan, admission: asyncio.Future[AdmissionResult]) -> None:
        """After a cancelled admission: settle (refund) the job if the transaction recorded it anyway.

        The transaction runs to its end whatever its caller does; a job it recorded must not
        keep a reservation and a pending slot until the next restart.
        """
        await asyncio.wait([admission])
        if not admission.cancelled() and admission.exception() is None and admission.result().job:
            plan.admitted = True
            refund = self.settle_failure(plan, "cancelled", billed=False, cancelled=True)
            self._spawn(refund, f"refund-{plan.job_id}")

    async def settle(
        self,
        plan: Plan,
        status: JobStatus,
        *,
        charge_images: int,
        charge_cost: Decimal | None = None,
        cost_source: CostSource | None = None,
        **fields: Any,
    ) -> None:
        """Settle the job's reservation once; a database failure is kept and retried later.

        Args:
            plan: The job.
            status: Its final status.
            charge_images: Images it counts against quotas.
            charge_cost: USD it counts against budgets (None keeps the estimate).
            cost_source: Where `charge_cost` comes from.
            **fields: Other job columns (`image_count`, `cost`, `error`, ...).
        """
        if not plan.admitted or plan.settled:
            return
        plan.settled = True
        values: dict[str, Any] = {
            "status": status,
            "charge_images": charge_images,
            "charge_cost": charge_cost,
            "cost_source": cost_source,
            **fields,
        }
        if plan.message_ids:
            values["message_id"], *values["extra_message_ids"] = plan.message_ids
        # Jobs just handed a slot (usually this job's own) start in the same transaction.
        self._pending_starts.discard(plan.job_id)
        carried = {job_id: asyncio.get_running_loop().create_future() for job_id in self._pending_starts}
        self._pending_starts = set()
        self._carried.update(carried)
        await asyncio.shield(self._settle_carrying(plan.job_id, values, carried))

    async def _settle_carrying(
        self, job_id: str, values: dict[str, Any], carried: dict[str, asyncio.Future[bool | Exception]]
    ) -> None:
        try:
            settled, started = await self.store.settle_and_start(job_id, start=list(carried), **values)
        except Exception as exc:
            log.exception("could not settle job %s; retrying in the background", job_id)
            self._unsettled[job_id] = values
            for future in carried.values():
                if not future.done():
                    future.set_result(exc)  # raised by `start` in the job that waits for it
            return
        for other, future in carried.items():
            if not future.done():
                future.set_result(other in started)
        if not settled:
            log.warning("job %s was already settled elsewhere (reconciled as interrupted?)", job_id)

    def want_start(self, plan: Plan) -> None:
        """Note that `plan` was just handed a queue slot (called synchronously at the hand-over).

        Its `running` mark then rides on the settlement that usually follows at once (the job
        that gave the slot up), so the ledger stays at two transactions per job; `start` writes
        it alone when no settlement has carried it.
        """
        self._pending_starts.add(plan.job_id)

    async def start(self, plan: Plan) -> bool:
        """Mark the job `running` (it may be billed from here on).

        Returns:
            False when the job is no longer queued (settled elsewhere, e.g. reconciled).
        """
        carried = self._carried.pop(plan.job_id, None)
        if carried is None:
            self._pending_starts.discard(plan.job_id)
            return await self.store.mark_running(plan.job_id)
        outcome = await carried
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def settle_result(self, plan: Plan, result: ImageResult) -> Decimal | None:
        """Settle a job the gateway answered: images produced, the believable reported cost.

        Returns:
            The accepted reported cost, or None (the estimate is kept, and looked up later
            when the answer carried a generation id).
        """
        produced = len(result.images)
        # /imagine asked for a count (extras are never charged); a chat model decides how many.
        images = min(produced, plan.options.count) if plan.kind == "imagine" else produced
        reported = result.usage.cost if result.usage else None
        cost = accepted_cost(reported, plan.estimate, job_id=plan.job_id)
        await self.settle(
            plan,
            "done",
            charge_images=images,
            charge_cost=cost,  # None keeps the estimate
            cost_source="reported" if cost is not None else "estimate",
            image_count=produced,
            bytes=sum(image.size for image in result.images),
            cost=cost,
            generation_id=result.generation_id,
        )
        if cost is None and result.generation_id:
            self._look_up_cost(plan, result.generation_id)
        return cost

    async def settle_failure(self, plan: Plan, reason: str, *, billed: bool, cancelled: bool) -> None:
        """Settle a job that produced no result.

        Args:
            plan: The job.
            reason: For `/job` and the log.
            billed: The request was sent and the gateway may have billed it: the estimate is
                kept. Otherwise (never sent, or refused with a 4xx) nothing is charged.
            cancelled: The job's task was cancelled.
        """
        await self.settle(
            plan,
            "cancelled" if cancelled and not billed else "failed",
            charge_images=0,  # the member got no images
            charge_cost=None if billed else Decimal(0),
            cost_source="estimate" if billed else "none",
            error=reason,
        )

    async def retry_unsettled(self) -> int:
        """Retry settlements the database refused; returns how many are still waiting."""
        for job_id, values in list(self._unsettled.items()):
            try:
                await self.store.settle_job(job_id, **values)
            except Exception as exc:
                log.warning("settling job %s failed again: %s", job_id, exc)
                continue
            del self._unsettled[job_id]
        return len(self._unsettled)

    async def drain(self) -> None:
        """Wait for background cost look-ups (tests and shutdown)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _look_up_cost(self, plan: Plan, generation_id: str) -> None:
        async def look_up() -> None:
            reported = await self.gateway.generation_cost(generation_id)
            cost = accepted_cost(reported, plan.estimate, job_id=plan.job_id)
            if cost is not None and await self.store.refine_cost(plan.job_id, cost, "lookup"):
                log.info("job %s: cost %s from the gateway's generation record", plan.job_id, cost)

        self._spawn(look_up(), f"cost-{plan.job_id}")

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background ledger work %s failed: %s", task.get_name(), task.exception())


def refusal_error(result: AdmissionResult, plan: Plan) -> CooldownError:
    """What the member reads when admission refused the job (no internals), keyed for translation."""
    reset = f"<t:{int(result.resets_at.timestamp())}:R>" if result.resets_at is not None else ""
    limit, used, count = int(result.limit), int(result.used), plan.options.count
    where = "server" if plan.requester.guild_id is not None else "outside"
    match result.refusal:
        case "pending":
            return CooldownError.keyed("refusal.pending", count=MAX_PENDING_PER_USER)
        case "quota" if used < limit:
            return CooldownError.keyed(
                f"refusal.quota_partial_{where}", count=count, left=limit - used, limit=limit, reset=reset
            )
        case "quota":
            return CooldownError.keyed(f"refusal.quota_{where}", limit=limit, reset=reset)
        case "budget":
            return CooldownError.keyed(
                f"refusal.budget_{where}",
                used=f"${result.used:.2f}",
                limit=f"${result.limit:.2f}",
                reset=reset,
            )
        case "operator_images":
            return CooldownError.keyed("refusal.operator_images", limit=limit, reset=reset)
        case _:
            return CooldownError.keyed("refusal.operator_spend", reset=reset)
