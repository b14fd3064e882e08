"""Typed rows returned by `Store` (frozen dataclasses; never dicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import Row

JobKind = Literal["imagine", "chatimage", "edit"]
JobStatus = Literal["queued", "running", "done", "failed"]
JOB_KINDS: tuple[str, ...] = get_args(JobKind)
JOB_STATUSES: tuple[str, ...] = get_args(JobStatus)

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
        kind: `imagine`, `chatimage` or `edit`.
        model: Model id sent to the gateway.
        prompt: The prompt.
        options: Resolved neutral options (count, aspect ratio, ...).
        status: `queued`, `running`, `done` or `failed`.
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
    """

    id: str
    guild_id: int | None
    channel_id: int | None
    user_id: int
    kind: JobKind
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
        """Whether the job reached `done` or `failed`."""
        return self.status in ("done", "failed")


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
        generations: Jobs not `failed` (what quotas count).
        images: Images delivered by `done` jobs.
        cost: Sum of reported costs, failed jobs included (they may be billed).
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
        cost: Total cost.
    """

    since: datetime
    users: list[UserUsage]
    generations: int
    images: int
    cost: Decimal
