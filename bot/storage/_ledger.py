"""Jobs, the usage ledger, the audit log and per-user data deletion (part of `Store`).

Usage is derived from `jobs` rather than kept in counter tables: one source of truth, no second
write per job, and any window (`since`) works — rolling 24 h or calendar day alike. The
`(guild_id, user_id, created_at)` index serves quota counts, `(guild_id, created_at)` summaries.

Data deletion anonymises instead of deleting: a user's jobs keep guild, model, status, image
count, bytes, cost and timings (so a guild's spend and budget stay correct) but lose user id,
prompt, options, channel, message and gateway ids; audit rows keep what changed and when but
not who. Neither the remaining job rows nor the audit rows can be tied back to the user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, not_, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.jobs import KINDS, Kind, new_job_id
from bot.storage._admission import PERSONAL_FIELDS, day_start, queued_job_values
from bot.storage.records import (
    ACTIVE_STATUSES,
    DELETED_USER_ID,
    JOB_STATUSES,
    AuditEntry,
    JobRecord,
    JobStatus,
    UsageSummary,
    UserUsage,
)
from bot.storage.tables import COST_QUANTUM, audit_log, jobs
from bot.storage.transact import Transactor

MAX_JOB_ID_LENGTH = 16  # the column width
_JOB_UPDATABLE = frozenset(
    {
        "status",
        "model",
        "options",
        "message_id",
        "extra_message_ids",
        "interaction_token_expires_at",
        "image_count",
        "bytes",
        "cost",
        "generation_id",
        "error",
        "started_at",
        "finished_at",
        "estimate",
        "charge_images",
        "charge_cost",
        "cost_source",
    }
)


def _money(value: Any) -> Decimal:
    # SUM over SQLite REAL may come back as float or int; quantise like the `Money` type does.
    return Decimal(str(value or 0)).quantize(COST_QUANTUM)


def _guild_is(guild_id: int | None) -> ColumnElement[bool]:
    return jobs.c.guild_id.is_(None) if guild_id is None else jobs.c.guild_id == guild_id


_generations = func.count().filter(jobs.c.status.in_(("queued", "running", "done")))
# Quotas and budgets count what a job is charged: its reservation while in flight, then the
# settled amount (see bot/storage/_admission.py).
_images = func.coalesce(func.sum(jobs.c.charge_images), 0)
_cost = func.coalesce(func.sum(jobs.c.charge_cost), 0)
_in_flight = func.coalesce(func.sum(jobs.c.charge_cost).filter(jobs.c.status.in_(ACTIVE_STATUSES)), 0)


class LedgerMixin:
    """Jobs/usage/audit half of `Store`; `Store.__init__` sets the attributes declared here."""

    _engine: AsyncEngine
    _writer: AsyncEngine
    _ledger: Transactor
    _clock: Callable[[], datetime]

    async def create_job(
        self,
        *,
        user_id: int,
        kind: Kind,
        model: str,
        prompt: str,
        guild_id: int | None = None,
        channel_id: int | None = None,
        options: Mapping[str, Any] | None = None,
        interaction_token_expires_at: datetime | None = None,
        job_id: str | None = None,
    ) -> JobRecord:
        """Record a new `queued` job.

        Args:
            user_id: Requester.
            kind: `imagine` or `chatimage`.
            model: Model id.
            prompt: The prompt.
            guild_id: Guild (None in DMs).
            channel_id: Channel.
            options: Resolved options (JSON-compatible).
            interaction_token_expires_at: When the interaction token expires.
            job_id: Use this id (from `new_job_id()`, e.g. minted before the job is recorded);
                by default a new one is drawn.

        Returns:
            The stored job.

        Raises:
            ValueError: An unknown kind or a malformed `job_id`.
            sqlalchemy.exc.IntegrityError: `job_id` is already taken.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        if job_id is not None and not (0 < len(job_id) <= MAX_JOB_ID_LENGTH and ":" not in job_id):
            raise ValueError(f"malformed job id {job_id!r}")
        values = queued_job_values(
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            kind=kind,
            model=model,
            prompt=prompt,
            options=options,
            interaction_token_expires_at=interaction_token_expires_at,
            created_at=self._clock(),
        )
        attempts = 1 if job_id is not None else 3
        for attempt in range(attempts):
            stmt = jobs.insert().values(id=job_id or new_job_id(), **values).returning(*jobs.c)
            try:
                async with self._engine.begin() as conn:
                    row = (await conn.execute(stmt)).one()
            except IntegrityError:  # an id collision (2^-60 per pair): draw another id
                if attempt == attempts - 1:
                    raise
                continue
            return JobRecord.from_row(row)
        raise AssertionError("unreachable")

    async def update_job(self, job_id: str, **fields: Any) -> JobRecord | None:
        """Update a job. Moving to `running` stamps `started_at`, to a final status `finished_at`.

        Bookkeeping that must happen exactly once (settling a reservation) goes through
        `settle_job`, which is guarded by the job's status; this is the plain update.

        Args:
            job_id: The job.
            **fields: Columns to set (`status`, `message_id`, `image_count`, `bytes`, `cost`,
                `generation_id`, `error`, `options`, `model`, the timestamps).

        Returns:
            The updated job, or None if it does not exist.

        Raises:
            TypeError: An unknown or read-only field.
            ValueError: An unknown status.
        """
        if unknown := set(fields) - _JOB_UPDATABLE:
            raise TypeError(f"cannot update job fields {sorted(unknown)}")
        status: JobStatus | None = fields.get("status")
        if status is not None:
            if status not in JOB_STATUSES:
                raise ValueError(f"unknown job status {status!r}")
            if status == "running":
                fields.setdefault("started_at", self._clock())
            elif status not in ACTIVE_STATUSES:
                fields.setdefault("finished_at", self._clock())
        if not fields:
            return await self.get_job(job_id)
        stmt = update(jobs).where(jobs.c.id == job_id).values(**fields).returning(*jobs.c)

        def write(conn: Connection) -> JobRecord | None:
            row = conn.execute(stmt).first()
            return None if row is None else JobRecord.from_row(row)

        return await self._ledger.run(write)

    async def set_enhanced_prompt(self, job_id: str, prompt: str) -> bool:
        """Keep the rewritten prompt of a job (`enhance`), unless the member forgot it meanwhile.

        `/forgetme` scrubs a job in flight at once (its prompt becomes empty); the rewrite
        arrives later and must not bring the member's words back.

        Args:
            job_id: The job.
            prompt: The rewrite the model got.

        Returns:
            Whether it was stored.
        """
        stmt = update(jobs).where(jobs.c.id == job_id, jobs.c.prompt != "").values(enhanced_prompt=prompt)

        def write(conn: Connection) -> bool:
            return bool(conn.execute(stmt).rowcount)

        return await self._ledger.run(write)

    async def get_job(self, job_id: str) -> JobRecord | None:
        """A job by id.

        Args:
            job_id: The job id (from a button's custom id or `/job`).

        Returns:
            The job, or None.
        """
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(jobs).where(jobs.c.id == job_id))).first()
        return None if row is None else JobRecord.from_row(row)

    async def recent_jobs(
        self, guild_id: int | None, user_id: int | None = None, limit: int = 10
    ) -> list[JobRecord]:
        """Newest jobs of a guild (None: direct messages), optionally of one user.

        Args:
            guild_id: The guild, or None for DMs.
            user_id: Only this user's jobs.
            limit: At most this many.

        Returns:
            Jobs, newest first.
        """
        query = select(jobs).where(_guild_is(guild_id))
        if user_id is not None:
            query = query.where(jobs.c.user_id == user_id)
        query = query.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [JobRecord.from_row(row) for row in await conn.execute(query)]

    async def usage_summary(self, guild_id: int | None, since: datetime) -> UsageSummary:
        """Per-member generations, images and cost since `since` (see `UserUsage`).

        Args:
            guild_id: The guild (None: DMs).
            since: Window start, inclusive.

        Returns:
            Per-member rows (most generations first) and totals.
        """
        query = (
            select(
                jobs.c.user_id,
                _generations.label("generations"),
                _images.label("images"),
                _cost.label("cost"),
                _in_flight.label("in_flight"),
            )
            .where(_guild_is(guild_id), jobs.c.created_at >= since)
            .group_by(jobs.c.user_id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        users = [
            UserUsage(row.user_id, int(row.generations), int(row.images), _money(row.cost)) for row in rows
        ]
        users.sort(key=lambda u: (-u.generations, -u.images, u.user_id))
        return UsageSummary(
            since=since,
            users=users,
            generations=sum(u.generations for u in users),
            images=sum(u.images for u in users),
            cost=_money(sum(u.cost for u in users)),
            in_flight=_money(sum(_money(row.in_flight) for row in rows)),
        )

    async def list_audit(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        """A guild's newest settings changes.

        Args:
            guild_id: The guild.
            limit: At most this many.

        Returns:
            Entries, newest first.
        """
        query = select(audit_log).where(audit_log.c.guild_id == guild_id)
        query = query.order_by(audit_log.c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [AuditEntry.from_row(row) for row in await conn.execute(query)]

    async def delete_user_data(self, user_id: int) -> tuple[int, int]:
        """Remove a user's personal data (anonymise; see the module docstring for why).

        Prompts, options, channel, message and gateway ids go at once. The user id goes at once
        from older jobs; today's jobs and jobs in flight keep it until their day is over (today's
        quota and the pending cap count them) and then lose it in the retention sweep
        (`bot.storage._retention`).

        Args:
            user_id: The Discord user.

        Returns:
            `(anonymised, held)`: rows anonymised now (jobs and the audit entries they made), and
            today's jobs scrubbed but keeping the id until midnight UTC.
        """
        scrubbed: dict[str, Any] = {
            "prompt": "",
            "enhanced_prompt": None,
            "options": {},
            **PERSONAL_FIELDS,
            "interaction_token_expires_at": None,
            "reply_token": None,
        }
        counted = or_(jobs.c.created_at >= day_start(self._clock()), jobs.c.status.in_(ACTIVE_STATUSES))
        mine = jobs.c.user_id == user_id
        scrub_old = update(jobs).where(mine, not_(counted)).values(user_id=DELETED_USER_ID, **scrubbed)
        scrub_today = update(jobs).where(mine, counted).values(**scrubbed)
        scrub_audit = (
            update(audit_log).where(audit_log.c.actor_id == user_id).values(actor_id=DELETED_USER_ID)
        )
        async with self._writer.begin() as conn:
            job_rows = (await conn.execute(scrub_old)).rowcount
            held = (await conn.execute(scrub_today)).rowcount
            audit_rows = (await conn.execute(scrub_audit)).rowcount
        return int(job_rows) + int(audit_rows), int(held)
