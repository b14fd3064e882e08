"""Retention and the tail of `/forgetme` (part of `Store`).

Two rules, both enforced by `purge_expired`, which the bot runs at start-up and every hour:

- **Retention.** Jobs (prompts, options, ids, costs) and settings-change audit entries older than
  the retention period are deleted. The period is at least 31 days, and the cutoff is never later
  than the start of the current UTC month, so every row the current month's budgets and today's
  quotas count survives until its window is over.
- **Forgetting finishes at midnight.** `/forgetme` (`LedgerMixin.delete_user_data`) scrubs
  prompts, options and Discord ids at once, but keeps the member id on today's jobs and jobs
  still in flight: without it today's quota and the pending cap would start over (a way around
  them). Those rows are recognisable by their empty prompt (a real job always has one); once
  their day is over, this sweep replaces the id with `DELETED_USER_ID`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage._admission import day_start, month_start
from bot.storage.records import ACTIVE_STATUSES, DELETED_USER_ID
from bot.storage.tables import audit_log, jobs

log = logging.getLogger(__name__)

MIN_RETENTION_DAYS = 31
"""No month is longer: a cutoff this old is always before the current month's first day."""


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What one `purge_expired` call removed.

    Attributes:
        jobs: Job rows deleted (older than the retention period).
        audit: Audit rows deleted.
        forgotten: Rows of members who used `/forgetme` whose member id was removed now.
    """

    jobs: int
    audit: int
    forgotten: int


def retention_cutoff(now: datetime, days: int) -> datetime:
    """The instant before which rows are deleted: `days` ago, and never inside this month.

    Raises:
        ValueError: `days` is below `MIN_RETENTION_DAYS`.
    """
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention must be at least {MIN_RETENTION_DAYS} days (got {days})")
    return min(now - timedelta(days=days), month_start(now))


class RetentionMixin:
    """Retention half of `Store`; `Store.__init__` sets these attributes."""

    _engine: AsyncEngine
    _writer: AsyncEngine
    _clock: Callable[[], datetime]

    async def purge_expired(self, retention_days: int, now: datetime | None = None) -> PurgeResult:
        """Delete rows past retention and finish anonymising rows kept for today's quota.

        Args:
            retention_days: The retention period (at least `MIN_RETENTION_DAYS`).
            now: The sweep's "now" (default: the store clock's).

        Returns:
            The rows deleted and anonymised.
        """
        now = now or self._clock()
        cutoff = retention_cutoff(now, retention_days)
        inactive = jobs.c.status.not_in(ACTIVE_STATUSES)
        old_jobs = delete(jobs).where(jobs.c.created_at < cutoff, inactive)
        old_audit = delete(audit_log).where(audit_log.c.created_at < cutoff)
        forgotten = (
            update(jobs)
            .where(
                and_(
                    jobs.c.prompt == "",
                    jobs.c.user_id != DELETED_USER_ID,
                    jobs.c.created_at < day_start(now),
                    inactive,
                )
            )
            .values(user_id=DELETED_USER_ID)
        )
        async with self._writer.begin() as conn:
            result = PurgeResult(
                jobs=int((await conn.execute(old_jobs)).rowcount),
                audit=int((await conn.execute(old_audit)).rowcount),
                forgotten=int((await conn.execute(forgotten)).rowcount),
            )
        if result.jobs or result.audit or result.forgotten:
            log.info(
                "retention: deleted %d job(s) and %d audit entr(ies) older than %s; anonymised %d",
                result.jobs, result.audit, cutoff.isoformat(), result.forgotten,
            )  # fmt: skip
        return result
