"""Prompt enhancement: a chat model rewrites the member's prompt before generation (no discord).

It runs inside the job, after admission and in the job's queue slot
(`GenerationService._running`), so the same limits, budget reservation and settlement cover
it: admission reserves `enhance_estimate` on top of the images' estimate, and the reported
cost of the rewrite is added to the job's cost (`with_enhancement_cost`). The revised prompt
is moderated again by the generation service before anything else is sent.

The request is a non-streamed `POST /v1/chat/completions` asking for text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.gateway.models import ChatImageRequest, ModelInfo, Usage

if TYPE_CHECKING:
    from bot.gateway.client import GatewayClient
    from bot.jobs import Plan

INSTRUCTION = (
    "Rewrite the image prompt below into one richer prompt for a text-to-image model. Keep its "
    "subject, intent and any text it asks to show; add concrete detail about style, composition, "
    "lighting and colour. Answer with the new prompt only: at most 120 words, no quotes, no title, "
    "no explanation.\n\nPrompt: "
)
MAX_ENHANCED_CHARS = 4000
ENHANCE_INPUT_TOKENS = 400
ENHANCE_OUTPUT_TOKENS = 300
DEFAULT_ENHANCE_ESTIMATE = Decimal("0.01")
"""USD reserved for one rewrite when the catalogue gives the model no token prices."""
_LEAD = re.compile(r"^\s*(?:\*\*)?(?:enhanced |revised |new )?prompt(?:\*\*)?\s*:\s*", re.IGNORECASE)
_CENT = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class Enhanced:
    """A rewritten prompt and what the gateway said it cost (None: not reported)."""

    prompt: str
    cost: float | None


def clean(text: str) -> str:
    """The prompt in a model's answer: a leading "Prompt:" and wrapping quotes removed, capped."""
    cleaned = _LEAD.sub("", text.strip()).strip().strip("\"'“”`").strip()
    return cleaned[:MAX_ENHANCED_CHARS].strip()


def enhance_estimate(model: ModelInfo | None) -> Decimal:
    """USD reserved for one rewrite: the catalogue's token prices, else `DEFAULT_ENHANCE_ESTIMATE`."""
    if model is not None:
        try:
            price_in = Decimal(str(model.pricing.get("input")))
            price_out = Decimal(str(model.pricing.get("output")))
        except ArithmeticError:
            return DEFAULT_ENHANCE_ESTIMATE
        if price_in.is_finite() and price_out.is_finite() and price_in >= 0 and price_out >= 0:
            estimate = price_in * ENHANCE_INPUT_TOKENS + price_out * ENHANCE_OUTPUT_TOKENS
            return max(estimate, _CENT).quantize(_CENT)
    return DEFAULT_ENHANCE_ESTIMATE


async def enhance_prompt(
    gateway: GatewayClient, plan: Plan, *, user: str | None, tags: list[str]
) -> Enhanced:
    """Ask the plan's enhancement model for a richer prompt.

    Returns:
        The revised prompt (the member's own when the answer had no text) and its cost.

    Raises:
        GatewayError: the gateway failed (after its retries).
    """
    assert plan.options.enhance_model is not None  # set at planning whenever `enhance` is
    request = ChatImageRequest(
        model=plan.options.enhance_model,
        prompt=INSTRUCTION + plan.prompt,
        modalities=("text",),
        user=user,
        tags=tags,
    )
    result = await gateway.chat_image(request)
    cost = result.usage.cost if result.usage is not None else None
    return Enhanced(clean(result.text) or plan.prompt, cost)


def with_enhancement_cost(usage: Usage | None, plan: Plan) -> Usage | None:
    """The job's usage with the rewrite's cost added (its estimate when the gateway gave none).

    Unchanged when the prompt was not rewritten, or when the images' cost is unknown (then the
    ledger keeps the reservation, which already holds the rewrite's estimate).
    """
    if plan.enhanced_prompt is None or usage is None or usage.cost is None:
        return usage
    extra = plan.enhance_cost if plan.enhance_cost is not None else float(plan.enhance_estimate)
    return replace(usage, cost=usage.cost + extra)
