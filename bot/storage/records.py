"""Typed rows returned by `Store` (frozen dataclasses; never dicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import Row

from bot.jobs import Kind

JobStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
JOB_STATUSES: tuple[str, ...] = get_args(JobStatus)
ACTIVE_STATUSES: tuple[JobStatus, ...] = ("queued", "running")
"""A job in one of these holds a pending slot and its reservation is not settled yet."""
CostSource = Literal["estimate", "reported", "lookup", "none"]

DELETED_USER_ID = 0
"""Stands in for a user whose data was deleted (jobs and audit rows are kept, anonymised)."""


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One generation job: everything needed to act on its result after a restart.

    Attributes:
        id: Short url-safe id (10 chars), used in button custom ids.
        guild_id: Guild, or None in direct messages.
        channel_id: Channel the command ran in.
        user_id: Requester (`DELETED_USER_ID` after data deletion).
        kind: `imagine` or `chatimage` (`bot.jobs.KINDS`). The database's CHECK also admits
            `edit`, a kind no version of the bot has written.
        model: Model id sent to the gateway.
        prompt: The prompt.
        options: Resolved neutral options (count, aspect ratio, ...).
        status: `queued`, `running` (sent to the gateway), `done`, `failed`, `cancelled`
            (before anything was sent) or `interrupted` (its process stopped; reconciled).
        message_id: The result message, once posted.
        interaction_token_expires_at: When the interaction token stops working.
        image_count: Images delivered.
        bytes: Total image bytes delivered.
        cost: Cost in USD reported by the gateway, if any.
        generation_id: The gateway's generation id.
        error: Failure description (for logs and `/job`), never a raw body.
        created_at: When the job was recorded (UTC).
        started_at: When generation started.
        finished_at: When it ended.
        extra_message_ids: The result's other messages, when it needed several.
        estimate: The cost expected at admission (catalogue price or configured estimate).
        charge_images: Images counted against quotas: the requested count while active,
            then what was produced (0 when nothing was billed).
        charge_cost: USD counted against budgets: the estimate while active, then the
            validated reported cost, the estimate when the outcome is unknown, 0 when unbilled.
        cost_source: Where `charge_cost` comes from: `estimate`, `reported`, `lookup`
            (`GET /generation`) or `none` (not billed).
        owner: The process instance that runs (or ran) the job.
        reply_token: The interaction token while the job is active (a secret: never logged;
            cleared when the job settles), so a restart can edit the member's placeholder.
        enhanced_prompt: The rewritten prompt the model got instead of `prompt` (`enhance`),
            if the prompt was enhanced.
    """

    id: str
    guild_id: int | None
    channel_id: int | None
    user_id: int
    kind: Kind
    model: str
    prompt: str
    options: dict[str, Any]
    status: JobStatus
    message_id: int | None
    interaction_token_expires_at: datetime | None
    image_count: int
    bytes: int
    cost: Decimal | None
    generation_id: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    extra_message_ids: list[int] = field(default_factory=list)
    estimate: Decimal | None = None
    charge_images: int = 0
    charge_cost: Decimal = Decimal(0)
    cost_source: CostSource | None = None
    owner: str | None = None
    reply_token: str | None = field(default=None, repr=False)
    enhanced_prompt: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> JobRecord:
        """Build from a `jobs` row.

        Args:
            row: A row selecting every column of `jobs`.

        Returns:
            The record.
        """
        return cls(**row._asdict())

    @property
    def finished(self) -> bool:
        """Whether the job has ended (any status but `queued` and `running`)."""
        return self.status not in ACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One changed settings field.

    Attributes:
        id: Increasing id (newest last).
        guild_id: The guild.
        channel_id: The channel for channel-settings changes, else None.
        actor_id: Who changed it (`DELETED_USER_ID` after data deletion).
        action: `guild.update`, `guild.reset`, `channel.update` or `channel.reset`.
        field: The settings field.
        old: Previous effective value (JSON-compatible).
        new: New effective value.
        created_at: When (UTC).
    """

    id: int
    guild_id: int
    channel_id: int | None
    actor_id: int
    action: str
    field: str
    old: Any
    new: Any
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> AuditEntry:
        """Build from an `audit_log` row.

        Args:
            row: A row selecting every column of `audit_log`.

        Returns:
            The entry.
        """
        return cls(**row._asdict())


@dataclass(frozen=True, slots=True)
class UserUsage:
    """One member's usage in a window.

    Attributes:
        user_id: The member.
        generations: Jobs in flight or done.
        images: Images counted against the quota (reserved by jobs in flight, produced by
            finished ones).
        cost: USD counted against the budget: settled costs plus reservations in flight.
    """

    user_id: int
    generations: int
    images: int
    cost: Decimal


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """A guild's usage since a point in time.

    Attributes:
        since: Start of the window (inclusive).
        users: Per member, most generations first.
        generations: Total generations.
        images: Total images.
        cost: Total cost (reservations in flight included).
        in_flight: The part of `cost` reserved by jobs still queued or running.
    """

    since: datetime
    users: list[UserUsage]
    generations: int
    images: int
    cost: Decimal
    in_flight: Decimal = Decimal(0)
