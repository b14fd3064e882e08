"""The job types shared by the generation service and the Discord layer (no I/O, no discord)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from bot.gateway.models import ImageResult
from bot.ids import new_job_id
from bot.policy import ResolvedOptions
from bot.storage.schemas import GuildSettings

Kind = Literal["imagine", "chatimage"]
ProgressCallback = Callable[[str], Awaitable[None]]
MAX_PENDING_PER_USER = 3
QUEUED_PREFIX = "Queued — position"


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked, and where."""

    user_id: int
    guild_id: int | None
    channel_id: int | None
    channel_is_nsfw: bool = False


@dataclass(slots=True)
class Plan:
    """A checked, resolved request, ready to run."""

    kind: Kind
    requester: Requester
    prompt: str
    options: ResolvedOptions
    guild: GuildSettings
    flagged_terms: list[str] = field(default_factory=list)
    job_id: str = field(default_factory=new_job_id)
    parent_job_id: str | None = None
    running: bool = False  # sent to the gateway: from here on the job may be billed
    admitted: bool = False  # recorded with its reservation (`GenerationService.admit`)
    settled: bool = False  # its reservation was settled (or will be, by a retry)
    estimate: Decimal = Decimal(0)  # USD reserved at admission
    reply_token: str | None = field(default=None, repr=False)  # the interaction token (a secret)
    token_expires_at: datetime | None = None
    message_ids: list[int] = field(default_factory=list)  # the posted result, recorded at settlement


@dataclass(slots=True)
class Outcome:
    """A finished generation."""

    plan: Plan
    result: ImageResult
    elapsed: float
