"""The domain vocabulary of a job: kinds, job ids, plans and outcomes (no I/O, no discord).

One home per word: the storage layer, the generation service and the Discord layer all take
these from here. The option words (aspect ratios, lockable options) and the settings models
belong to the pure policy (`bot.policy.schemas`), which this module builds on.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args

from bot.gateway.models import ImageResult
from bot.policy import GuildSettings, ResolvedOptions

Kind = Literal["imagine", "chatimage"]
"""Which model a job runs on: an image model (`/imagine`) or a chat model (`/chatimage`, `/describe`)."""
KINDS: tuple[Kind, ...] = get_args(Kind)
ProgressCallback = Callable[[str], Awaitable[None]]
MAX_PENDING_PER_USER = 3
LOCALE_KEY = "locale"
"""Where a job keeps, in its stored options, the language its messages are read in."""
QUEUED_PREFIX = "Queued — position"
# The progress lines the core reports (`ProgressCallback`); the Discord layer translates them.
GENERATING = "Generating with `{model}`…"

# A job id travels in button and modal custom_ids (`ib:<action>:<job>`), so it may hold only
# the characters of `JOB_ID_PATTERN`.
JOB_ID_ALPHABET = string.ascii_letters + string.digits
JOB_ID_LENGTH = 10  # 62**10: about 59.5 random bits
JOB_ID_PATTERN = r"[A-Za-z0-9]{4,32}"  # what custom_id templates accept (ids of older versions included)


_JOB_ID_SPACE = len(JOB_ID_ALPHABET) ** JOB_ID_LENGTH


def new_job_id() -> str:
    """A new random job id of `JOB_ID_LENGTH` characters from `JOB_ID_ALPHABET`.

    One draw of 128 random bits, written in base 62 (the modulo's bias is below 2**-68): a
    `secrets.choice` per character read the system's random source ten times, 6 µs an id,
    inside each command's deferral window.
    """
    value = int.from_bytes(secrets.token_bytes(16), "big") % _JOB_ID_SPACE
    letters = []
    for _ in range(JOB_ID_LENGTH):
        value, digit = divmod(value, len(JOB_ID_ALPHABET))
        letters.append(JOB_ID_ALPHABET[digit])
    return "".join(letters)


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
    enhanced_prompt: str | None = None  # the rewritten prompt sent instead of `prompt` (`bot.enhance`)
    enhance_cost: float | None = None  # USD the gateway reported for the rewrite
    enhance_estimate: Decimal = Decimal(0)  # USD reserved for the rewrite (part of `estimate`)
    # The language the job's messages are read in (a Discord locale, e.g. "de"): stored with the
    # job (`options["locale"]`), so a restart notice reaches the member in it.
    locale: str | None = None

    @property
    def sent_prompt(self) -> str:
        """The prompt the image model gets: the rewritten one when the prompt was enhanced."""
        return self.enhanced_prompt or self.prompt


@dataclass(slots=True)
class Outcome:
    """A finished generation."""

    plan: Plan
    result: ImageResult
    elapsed: float
