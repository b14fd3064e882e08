"""Cost control: the operator's caps and switches, cost estimates, and checks on reported costs.

No I/O and no discord. `GenerationService` reserves `estimate()` against budgets at admission
and settles the reservation to `accepted_cost()` of what the gateway reported (see
`bot.storage._admission` for the ledger side).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.errors import UserFacingError
from bot.gateway.errors import GatewayError

if TYPE_CHECKING:
    from bot.gateway.models import ModelInfo
    from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_ESTIMATE_PER_IMAGE = Decimal("0.10")
ABSURD_COST_FACTOR = 100
"""A reported cost above this many times the estimate is treated as a gateway error."""
CENT = Decimal("0.000001")

PAUSED_MESSAGE = "Image generation is paused by the bot's operator right now. Nothing was sent or charged."
BLOCKED_MESSAGE = "The bot's operator has not enabled image generation for you here."


class OperatorRefusal(UserFacingError):
    """The operator paused the bot or blocked this user or server."""


@dataclass(frozen=True, slots=True)
class CostControl:
    """Operator-level money settings (from `Settings`).

    Attributes:
        estimate_per_image: USD reserved per image when the catalogue has no price.
        monthly_spend_cap: USD per UTC month across every server and DMs (None: no cap).
        user_daily_images: Images per user per UTC day across every server (None: no cap).
        paused: Refuse every generation with a clear sentence.
        blocked_users: User ids refused everywhere.
        blocked_guilds: Server ids refused.
    """

    estimate_per_image: Decimal = DEFAULT_ESTIMATE_PER_IMAGE
    monthly_spend_cap: Decimal | None = None
    user_daily_images: int | None = None
    paused: bool = False
    blocked_users: frozenset[int] = field(default_factory=frozenset)
    blocked_guilds: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> CostControl:
        """Build from the process settings."""
        cap = settings.operator_monthly_spend_cap
        return cls(
            estimate_per_image=_decimal(settings.cost_estimate_per_image),
            monthly_spend_cap=None if cap is None else _decimal(cap),
            user_daily_images=settings.operator_user_daily_images,
            paused=settings.paused,
            blocked_users=frozenset(settings.blocked_user_ids or ()),
            blocked_guilds=frozenset(settings.blocked_guild_ids or ()),
        )

    def check(self, user_id: int, guild_id: int | None) -> None:
        """Refuse when paused or blocked (pure; before anything is deferred or reserved).

        Raises:
            OperatorRefusal: with the sentence for the member.
        """
        if self.paused:
            raise OperatorRefusal(PAUSED_MESSAGE)
        if user_id in self.blocked_users or (guild_id is not None and guild_id in self.blocked_guilds):
            raise OperatorRefusal(BLOCKED_MESSAGE)

    def estimate(self, model: ModelInfo | None, count: int) -> Decimal:
        """The cost reserved for `count` images: the catalogue's per-image price, else the default.

        Args:
            model: The catalogue entry of the model, if known.
            count: Images requested (at least one is assumed).
        """
        price = _price(model)
        per_image = price if price is not None else self.estimate_per_image
        return (per_image * max(count, 1)).quantize(CENT)


def _decimal(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _price(model: ModelInfo | None) -> Decimal | None:
    if model is None:
        return None
    raw = model.pricing.get("image")
    try:
        price = Decimal(str(raw))
    except (ArithmeticError, ValueError):
        return None
    return price if price.is_finite() and price > 0 else None


def accepted_cost(
    reported: float | None, estimate: Decimal, *, job_id: str, quiet: bool = False
) -> Decimal | None:
    """The reported cost when it is believable, else None (the caller keeps the estimate).

    A non-finite, negative or absurd (over `ABSURD_COST_FACTOR` × the estimate) cost is
    rejected and logged (unless `quiet`: the ledger logs it once): a gateway bug must neither
    refill a budget nor empty it.
    """
    if reported is None:
        return None
    if not math.isfinite(reported) or reported < 0:
        if not quiet:
            log.warning("job %s: rejected reported cost %r (not finite, or negative)", job_id, reported)
        return None
    cost = Decimal(str(reported)).quantize(CENT)
    if estimate > 0 and cost > estimate * ABSURD_COST_FACTOR:
        if quiet:
            return None
        log.warning(
            "job %s: rejected reported cost %s (over %dx the estimate %s)",
            job_id,
            cost,
            ABSURD_COST_FACTOR,
            estimate,
        )
        return None
    return cost


def definitely_unbilled(exc: BaseException) -> bool:
    """Whether a failure of a request that was sent certainly cost nothing.

    The gateway refused it (a 4xx: bad request, auth, credits, rate limit, content policy).
    Anything else after sending (5xx, timeout, connection lost, unreadable answer) may have
    been billed: the estimate is kept.
    """
    return isinstance(exc, GatewayError) and exc.status is not None and 400 <= exc.status < 500
