"""Atomic admission, exactly-once settlement and crash reconciliation of jobs (part of `Store`).

The `jobs` table is the one source of truth for quotas, budgets and pending slots:

- **Admission** is one transaction that checks every limit against the jobs already recorded
  (in-flight reservations included) and inserts the new job with its reservation:
  `charge_images` = the requested count, `charge_cost` = the estimate. SQLite serialises it with
  `BEGIN IMMEDIATE` (the database write lock, which also holds across processes sharing the
  file); PostgreSQL with transaction-scoped advisory locks, one per guild plus a global one when
  operator-wide caps are set (always taken in that order, so two admissions cannot deadlock).
- **Settlement** is one `UPDATE … WHERE status IN ('queued', 'running')`: whichever path ends the
  job first settles it, every later attempt changes nothing. Leaving those statuses is what
  frees the pending slot, so the slot is released exactly once as well.
- **Cost per job**: admission and settlement are the job's two transactions, each run whole in
  one hop (`bot.storage.transact`). The `queued` -> `running` mark of the job that takes over a
  queue slot rides on the settlement of the job that gave it up (`settle_and_start`); only a
  job that finds a slot free writes it alone.
- **Reconciliation**: every process has a fresh `instance_id` and heartbeats into `processes`.
  Active jobs whose owner is not this process and has no live lease are marked `interrupted`:
  never-sent (`queued`) ones are refunded, sent (`running`) ones keep their estimate, because
  the gateway may have billed them.

Budget rule: a job is admitted while the month's spend *before* it (settled costs plus
reservations in flight) is below the budget. A burst therefore overshoots by at most one job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, text, type_coerce, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.jobs import Kind
from bot.storage.records import ACTIVE_STATUSES, CostSource, JobRecord, JobStatus
from bot.storage.tables import COST_QUANTUM, jobs, processes
from bot.storage.transact import Transactor

log = logging.getLogger(__name__)

Refusal = Literal["pending", "quota", "budget", "operator_images", "operator_spend"]
PROCESS_RETENTION = timedelta(days=1)
"""`processes` rows whose heartbeat is older than this are deleted by reconciliation."""


def queued_job_values(
    *,
    guild_id: int | None,
    channel_id: int | None,
    user_id: int,
    kind: Kind,
    model: str,
    prompt: str,
    options: Mapping[str, Any] | None,
    interaction_token_expires_at: datetime | None,
    created_at: datetime,
) -> dict[str, Any]:
    """The columns of a new `queued` job row, before any reservation (one shape for every insert)."""
    return {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "user_id": user_id,
        "kind": kind,
        "model": model,
        "prompt": prompt,
        "options": dict(options or {}),
        "status": "queued",
        "interaction_token_expires_at": interaction_token_expires_at,
        "image_count": 0,
        "bytes": 0,
        "created_at": created_at,
        "extra_message_ids": [],
    }


@dataclass(frozen=True, slots=True)
class AdmissionLimits:
    """The limits one admission is checked against (None: no limit).

    Attributes:
        max_pending: Jobs a member may have queued or running in this guild (or in DMs).
        daily_images: The guild's per-member images per UTC day.
        monthly_budget: The guild's USD per UTC month.
        operator_user_daily_images: Images per user per UTC day across every server and DMs.
        operator_monthly_spend: USD per UTC month across every server and DMs.
    """

    max_pending: int
    daily_images: int | None = None
    monthly_budget: Decimal | None = None
    operator_user_daily_images: int | None = None
    operator_monthly_spend: Decimal | None = None

    @property
    def operator_wide(self) -> bool:
        """Whether a cap spans guilds (admissions then serialise on one global lock)."""
        return self.operator_user_daily_images is not None or self.operator_monthly_spend is not None


@dataclass(frozen=True, slots=True)
class AdmissionResult:
    """The outcome of `Store.admit_job`.

    Attributes:
        job: The recorded job when admitted, else None.
        refusal: Which limit refused it.
        used: What that limit had counted (images, USD or pending jobs) before this job.
        limit: The limit's value.
        resets_at: When the refusing window starts over (None for the pending cap).
    """

    job: JobRecord | None
    refusal: Refusal | None = None
    used: Decimal = Decimal(0)
    limit: Decimal = Decimal(0)
    resets_at: datetime | None = None


def day_start(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(now: datetime) -> datetime:
    """00:00 UTC on the first day of `now`'s month."""
    return day_start(now).replace(day=1)


def next_month(now: datetime) -> datetime:
    """00:00 UTC on the first day of the month after `now`'s."""
    return (month_start(now) + timedelta(days=32)).replace(day=1)


def _guild_is(guild_id: int | None) -> ColumnElement[bool]:
    return jobs.c.guild_id.is_(None) if guild_id is None else jobs.c.guild_id == guild_id


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(COST_QUANTUM)


_sum_images = func.coalesce(func.sum(jobs.c.charge_images), 0)
_sum_cost = func.coalesce(func.sum(jobs.c.charge_cost), 0)


def _images_since(since: datetime, *where: ColumnElement[bool]) -> Any:
    """Images counted against daily quotas (reservations in flight included) since `since`."""
    return select(_sum_images).where(*where, jobs.c.created_at >= since)


def _spend_since(since: datetime, *where: ColumnElement[bool]) -> Any:
    """USD counted against budgets (settled costs plus reservations in flight) since `since`."""
    return select(_sum_cost).where(*where, jobs.c.created_at >= since)


# Advisory locks are database-wide: the schema is part of the key so test schemas stay apart.
_PG_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('imagebot.admit:' || current_schema() || :key, 0))"


def _lock_for_admission(conn: Connection, guild_id: int | None, limits: AdmissionLimits) -> None:
    if conn.dialect.name != "postgresql":
        return  # SQLite: `BEGIN IMMEDIATE` (the ledger's transactions) already holds the write lock
    if limits.operator_wide:
        conn.execute(text(_PG_LOCK), {"key": ":all"})
    conn.execute(text(_PG_LOCK), {"key": f":guild:{guild_id if guild_id is not None else 'dm'}"})


def _check_limits(
    conn: Connection,
    now: datetime,
    guild_id: int | None,
    user_id: int,
    images: int,
    limits: AdmissionLimits,
) -> AdmissionResult | None:
    today, month = day_start(now), month_start(now)
    tomorrow = today + timedelta(days=1)
    member = and_(_guild_is(guild_id), jobs.c.user_id == user_id)
    # Every figure in one round trip: the locks are held meanwhile, so fewer trips is
    # more admissions per second.
    figures: dict[str, Any] = {
        "pending": select(func.count()).where(member, jobs.c.status.in_(ACTIVE_STATUSES)),
    }
    if limits.daily_images is not None:
        figures["daily"] = _images_since(today, member)
    if limits.monthly_budget is not None:
        figures["budget"] = _spend_since(month, _guild_is(guild_id))
    if limits.operator_user_daily_images is not None:
        figures["op_images"] = _images_since(today, jobs.c.user_id == user_id)
    if limits.operator_monthly_spend is not None:
        figures["op_spend"] = _spend_since(month)
    row = conn.execute(
        select(*(query.scalar_subquery().label(name) for name, query in figures.items()))
    ).one()
    pending = int(row.pending or 0)
    if pending >= limits.max_pending:
        return AdmissionResult(None, "pending", Decimal(pending), Decimal(limits.max_pending))
    if limits.daily_images is not None and int(row.daily or 0) + images > limits.daily_images:
        return AdmissionResult(
            None, "quota", Decimal(int(row.daily or 0)), Decimal(limits.daily_images), tomorrow
        )
    if limits.monthly_budget is not None and _money(row.budget) >= limits.monthly_budget:
        return AdmissionResult(None, "budget", _money(row.budget), limits.monthly_budget, next_month(now))
    if limits.operator_user_daily_images is not None:
        used = int(row.op_images or 0)
        if used + images > limits.operator_user_daily_images:
            cap = Decimal(limits.operator_user_daily_images)
            return AdmissionResult(None, "operator_images", Decimal(used), cap, tomorrow)
    if limits.operator_monthly_spend is not None and _money(row.op_spend) >= limits.operator_monthly_spend:
        spent = _money(row.op_spend)
        return AdmissionResult(None, "operator_spend", spent, limits.operator_monthly_spend, next_month(now))
    return None


def _start(conn: Connection, job_id: str, now: datetime) -> bool:
    """`queued` -> `running` for one job; False when it is no longer queued."""
    stmt = (
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status == "queued")
        .values(status="running", started_at=now)
    )
    return bool(conn.execute(stmt).rowcount)


class AdmissionMixin:
    """Admission/settlement/reconciliation half of `Store`; `Store.__init__` sets these."""

    _engine: AsyncEngine
    _ledger: Transactor
    _clock: Callable[[], datetime]

    # --- admission -------------------------------------------------------------------------

    async def admit_job(
        self,
        *,
        job_id: str,
        user_id: int,
        guild_id: int | None,
        channel_id: int | None,
        kind: Kind,
        model: str,
        prompt: str,
        options: Mapping[str, Any],
        images: int,
        estimate: Decimal,
        owner: str,
        limits: AdmissionLimits,
        reply_token: str | None = None,
        interaction_token_expires_at: datetime | None = None,
    ) -> AdmissionResult:
        """Check every limit and record the job with its reservation, atomically.

        Args:
            job_id: The job's id (minted by the caller).
            user_id: Requester.
            guild_id: Guild (None in DMs).
            channel_id: Channel.
            kind: `imagine` or `chatimage`.
            model: Model id.
            prompt: The prompt.
            options: Resolved options (JSON-compatible).
            images: Images reserved against quotas (the requested count).
            estimate: USD reserved against budgets.
            owner: This process's instance id.
            limits: What to check.
            reply_token: The interaction token (kept until the job settles; a secret).
            interaction_token_expires_at: When that token stops working.

        Returns:
            The admitted job, or which limit refused it (nothing recorded then).
        """

        def admit(conn: Connection) -> AdmissionResult:
            _lock_for_admission(conn, guild_id, limits)
            now = self._clock()
            refused = _check_limits(conn, now, guild_id, user_id, images, limits)
            if refused is not None:
                return refused
            values: dict[str, Any] = {
                "id": job_id,
                **queued_job_values(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    user_id=user_id,
                    kind=kind,
                    model=model,
                    prompt=prompt,
                    options=options,
                    interaction_token_expires_at=interaction_token_expires_at,
                    created_at=now,
                ),
                "estimate": estimate,
                "charge_images": images,
                "charge_cost": estimate,
                "cost_source": "estimate",
                "owner": owner,
                "reply_token": reply_token,
            }
            row = conn.execute(jobs.insert().values(**values).returning(*jobs.c)).one()
            return AdmissionResult(job=JobRecord.from_row(row))

        return await self._ledger.run(admit)

    # --- lifecycle transitions (guarded by status) --------------------------------------------

    async def mark_running(self, job_id: str) -> bool:
        """`queued` -> `running`: from here on the gateway may bill the job.

        Returns:
            False when the job is no longer queued (it was settled elsewhere, e.g. reconciled).
        """
        now = self._clock()
        return await self._ledger.run(lambda conn: _start(conn, job_id, now))

    async def settle_job(
        self,
        job_id: str,
        *,
        status: JobStatus,
        charge_images: int | None = None,
        charge_cost: Decimal | None = None,
        cost_source: CostSource | None = None,
        **fields: Any,
    ) -> bool:
        """End an active job exactly once: final status, and what it is charged.

        Args:
            job_id: The job.
            status: `done`, `failed`, `cancelled` or `interrupted`.
            charge_images: Images counted against quotas from now on (None: keep the reservation).
            charge_cost: USD counted against budgets from now on (None: keep the estimate).
            cost_source: Where `charge_cost` comes from.
            **fields: Other columns to set (`image_count`, `bytes`, `cost`, `generation_id`,
                `error`, `message_id`, `extra_message_ids`).

        Returns:
            True if this call settled the job; False if it was already settled (nothing changed).

        Raises:
            ValueError: `status` is not a final status.
        """
        settled, _ = await self.settle_and_start(
            job_id,
            status=status,
            charge_images=charge_images,
            charge_cost=charge_cost,
            cost_source=cost_source,
            **fields,
        )
        return settled

    async def settle_and_start(
        self,
        job_id: str,
        *,
        status: JobStatus,
        charge_images: int | None = None,
        charge_cost: Decimal | None = None,
        cost_source: CostSource | None = None,
        start: Collection[str] = (),
        **fields: Any,
    ) -> tuple[bool, set[str]]:
        """`settle_job`, and in the same transaction `mark_running` for each job in `start`.

        A job that ends usually hands its queue slot to the next one: writing both in one
        transaction keeps the ledger at two transactions per job (admission, settlement).

        Returns:
            Whether this call settled `job_id`, and which of `start` it moved to `running`.

        Raises:
            ValueError: `status` is not a final status.
        """
        if status in ACTIVE_STATUSES:
            raise ValueError(f"{status!r} is not a final status")
        now = self._clock()
        values: dict[str, Any] = {"status": status, "finished_at": now, "reply_token": None, **fields}
        if charge_images is not None:
            values["charge_images"] = charge_images
        if charge_cost is not None:
            values["charge_cost"] = charge_cost
        if cost_source is not None:
            values["cost_source"] = cost_source
        values.update(_unless_forgotten(values))
        stmt = update(jobs).where(jobs.c.id == job_id, jobs.c.status.in_(ACTIVE_STATUSES)).values(**values)

        def settle(conn: Connection) -> tuple[bool, set[str]]:
            started = {other for other in start if _start(conn, other, now)}
            return bool(conn.execute(stmt).rowcount), started

        return await self._ledger.run(settle)

    async def refine_cost(self, job_id: str, cost: Decimal, source: CostSource) -> bool:
        """Replace a settled job's estimated charge with a cost learned later (`GET /generation`).

        Only a charge that is still the estimate is replaced, once.

        Returns:
            Whether the job's charge changed.
        """
        stmt = (
            update(jobs)
            .where(
                jobs.c.id == job_id,
                jobs.c.status.not_in(ACTIVE_STATUSES),
                jobs.c.cost_source == "estimate",
            )
            .values(charge_cost=cost, cost=cost, cost_source=source)
        )
        return await self._ledger.run(lambda conn: bool(conn.execute(stmt).rowcount))

    # --- processes and reconciliation ------------------------------------------------------

    async def heartbeat(self, instance_id: str, *, host: str = "", pid: int = 0) -> None:
        """Record that this process is alive (registering it, with its host and pid, at first)."""
        now = self._clock()
        stmt = update(processes).where(processes.c.instance_id == instance_id).values(heartbeat_at=now)
        async with self._engine.begin() as conn:
            if not (await conn.execute(stmt)).rowcount:
                await conn.execute(
                    processes.insert().values(
                        instance_id=instance_id, host=host, pid=pid, started_at=now, heartbeat_at=now
                    )
                )

    async def processes_on(self, host: str) -> list[tuple[str, int]]:
        """`(instance_id, pid)` of the processes registered from `host` (to spot dead ones)."""
        query = select(processes.c.instance_id, processes.c.pid).where(processes.c.host == host)
        async with self._engine.connect() as conn:
            return [(row.instance_id, row.pid) for row in await conn.execute(query)]

    async def retire_process(self, instance_id: str) -> None:
        """Remove this process's row at a clean stop (its jobs are settled by then)."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(processes).where(processes.c.instance_id == instance_id))

    async def reconcile_orphans(
        self, instance_id: str, lease: timedelta, *, gone: Collection[str] = ()
    ) -> list[JobRecord]:
        """Mark active jobs of processes that are gone as `interrupted`, settling their charge.

        A job is orphaned when its owner is not `instance_id` and either is known to be `gone`
        or has no heartbeat within `lease` (jobs from before owners were recorded have none and
        count as orphaned).
        A `queued` job was never sent: its reservation is refunded. A `running` job was sent
        and may have been billed: it keeps its cost estimate, and its images are given back
        (the member got none). Nothing is ever sent again.

        Args:
            instance_id: This process.
            lease: How old a heartbeat may be for its process to count as alive.
            gone: Instances known to be dead whatever their heartbeat (e.g. a previous run on
                this host whose pid no longer exists).

        Returns:
            The jobs this call reconciled, as they were before (`status` tells whether they had
            been sent; `reply_token` is still set, so the caller can tell the member).
        """
        now = self._clock()
        live = select(processes.c.instance_id).where(
            processes.c.heartbeat_at >= now - lease, processes.c.instance_id.not_in(list(gone))
        )
        orphaned = select(jobs).where(
            jobs.c.status.in_(ACTIVE_STATUSES),
            or_(jobs.c.owner.is_(None), and_(jobs.c.owner != instance_id, jobs.c.owner.not_in(live))),
        )
        reconciled: list[JobRecord] = []
        async with self._engine.connect() as conn:
            candidates = [JobRecord.from_row(row) for row in await conn.execute(orphaned)]
        for job in candidates:
            sent = job.status == "running"
            stmt = (
                update(jobs)
                .where(jobs.c.id == job.id, jobs.c.status == job.status)
                .values(
                    status="interrupted",
                    finished_at=now,
                    reply_token=None,
                    charge_images=0,
                    charge_cost=jobs.c.charge_cost if sent else 0,
                    cost_source=jobs.c.cost_source if sent else "none",
                    error="interrupted by a restart after it was sent"
                    if sent
                    else "interrupted by a restart",
                )
            )
            async with self._engine.begin() as conn:
                if (await conn.execute(stmt)).rowcount:
                    reconciled.append(job)
        async with self._engine.begin() as conn:
            stale = processes.c.heartbeat_at < now - PROCESS_RETENTION
            await conn.execute(delete(processes).where(or_(stale, processes.c.instance_id.in_(list(gone)))))
        return reconciled

    async def monthly_spend(
        self, guild_id: int | None, now: datetime | None = None
    ) -> tuple[Decimal, Decimal]:
        """A guild's spend this UTC month, as budgets count it.

        Args:
            guild_id: The guild (None: DMs).
            now: Which month (default: the store clock's).

        Returns:
            `(total, in_flight)`: settled costs plus reservations, and the reservations alone.
        """
        since = month_start(now or self._clock())
        active = jobs.c.status.in_(ACTIVE_STATUSES)
        query = select(
            func.coalesce(func.sum(jobs.c.charge_cost), 0),
            func.coalesce(func.sum(jobs.c.charge_cost).filter(active), 0),
        ).where(_guild_is(guild_id), jobs.c.created_at >= since)
        async with self._engine.connect() as conn:
            total, in_flight = (await conn.execute(query)).one()
        return _money(total), _money(in_flight)

    async def images_today(self, guild_id: int | None, user_id: int, now: datetime | None = None) -> int:
        """A member's images counted against the guild's daily quota (UTC day, reservations included)."""
        query = _images_since(day_start(now or self._clock()), _guild_is(guild_id), jobs.c.user_id == user_id)
        async with self._engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def images_today_everywhere(self, user_id: int, now: datetime | None = None) -> int:
        """A user's images counted against the operator's per-user daily cap (every server and DMs)."""
        query = _images_since(day_start(now or self._clock()), jobs.c.user_id == user_id)
        async with self._engine.connect() as conn:
            return int(await conn.scalar(query) or 0)


# What `/forgetme` scrubs from a job (see `LedgerMixin.delete_user_data`), as the scrubbed value.
PERSONAL_FIELDS: dict[str, Any] = {
    "channel_id": None,
    "message_id": None,
    "extra_message_ids": [],
    "generation_id": None,
    "error": None,
}


def _unless_forgotten(values: Mapping[str, Any]) -> dict[str, Any]:
    """The personal fields of a settlement, kept scrubbed when the member forgot the job meanwhile.

    `/forgetme` scrubs a job in flight at once (its prompt becomes empty); its settlement comes
    later and must not write the result's message ids back.
    """
    forgotten = jobs.c.prompt == ""
    return {
        name: case(
            (forgotten, type_coerce(PERSONAL_FIELDS[name], jobs.c[name].type)),
            else_=type_coerce(value, jobs.c[name].type),
        )
        for name, value in values.items()
        if name in PERSONAL_FIELDS
    }
