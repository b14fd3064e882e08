"""Request bodies of the gateway (pure): neutral options mapped onto each provider's fields."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from bot.gateway.models import ChatImageRequest, ImageRequest

# Neutral `aspect_ratio` -> what each model creator understands on /images/generations.
# Caller-given `provider_options` (and an explicit `size`) always win over these.
#
#   creator            where the ratio goes
#   google/            providerOptions.googleVertex.aspectRatio ("16:9" as given)
#   openai/            size: nearest of 1024x1024, 1536x1024, 1024x1536
#   bfl/               providerOptions.blackForestLabs.width/height (~1 MP, ×32, 256-1920)
#   spacexai/, xai/    providerOptions.xai.aspectRatio ("16:9" as given)
#   anything else      size "WxH" at ~1 MP (×64): the one field third-party callers are seen
#                      sending to other creators (recraft, bytedance) on this endpoint
#
# On /chat/completions only Google's image models take a ratio:
#   google/            providerOptions.google.imageConfig.aspectRatio
_OPENAI_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))
_MEGAPIXEL = 1024 * 1024
_RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)\s*$")


def parse_ratio(aspect_ratio: str) -> float | None:
    """``"16:9"`` -> 1.777…; None for ``"auto"`` or anything unreadable."""
    match = _RATIO.match(aspect_ratio)
    if not match:
        return None
    width, height = float(match[1]), float(match[2])
    return width / height if width > 0 and height > 0 else None


def dimensions_for(ratio: float, *, multiple: int, low: int, high: int) -> tuple[int, int]:
    """Width and height of about one megapixel at `ratio`, rounded and clamped."""

    def fit(value: float) -> int:
        return max(low, min(high, round(value / multiple) * multiple))

    return fit(math.sqrt(_MEGAPIXEL * ratio)), fit(math.sqrt(_MEGAPIXEL / ratio))


def nearest_openai_size(ratio: float) -> str:
    """The GPT-image size whose ratio is closest (on a log scale) to `ratio`."""
    width, height = min(_OPENAI_SIZES, key=lambda wh: abs(math.log(wh[0] / wh[1]) - math.log(ratio)))
    return f"{width}x{height}"


def _set_provider_options(
    payload: dict[str, Any], mapped: dict[str, dict[str, Any]], req: ImageRequest | ChatImageRequest
) -> None:
    """Add `providerOptions`: ours (mapped options, spend attribution) under the caller's."""
    attribution: dict[str, Any] = {}
    if req.user:
        attribution["user"] = req.user
    if req.tags:
        attribution["tags"] = list(req.tags)
    if attribution:
        mapped["gateway"] = attribution
    # Options the caller gave always win, key by key at every depth (an `imageConfig.imageSize`
    # keeps the mapped `imageConfig.aspectRatio`).
    merged = _deep_merge(mapped, req.provider_options)
    if merged:
        payload["providerOptions"] = merged


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `base` with `over` merged in, `over` winning key by key (nested mappings merged)."""
    merged = {
        key: _deep_merge(value, {}) if isinstance(value, Mapping) else value for key, value in base.items()
    }
    for key, value in over.items():
        if isinstance(value, Mapping):
            below = merged.get(key)
            merged[key] = _deep_merge(below if isinstance(below, Mapping) else {}, value)
        else:
            merged[key] = value
    return merged


def images_payload(req: ImageRequest) -> dict[str, Any]:
    """Body of `POST /images/generations` for `req` (see the mapping table above)."""
    payload: dict[str, Any] = {
        "model": req.model,
        "prompt": req.prompt,
        "n": req.n,
        "response_format": "b64_json",
    }
    mapped: dict[str, dict[str, Any]] = {}
    creator = req.model.split("/", 1)[0].lower()
    if req.aspect_ratio:
        ratio = parse_ratio(req.aspect_ratio)
        if creator == "google":
            mapped["googleVertex"] = {"aspectRatio": req.aspect_ratio}
        elif creator in ("spacexai", "xai"):
            mapped["xai"] = {"aspectRatio": req.aspect_ratio}
        elif ratio is not None and creator == "openai":
            payload["size"] = nearest_openai_size(ratio)
        elif ratio is not None and creator == "bfl":
            width, height = dimensions_for(ratio, multiple=32, low=256, high=1920)
            mapped["blackForestLabs"] = {"width": width, "height": height}
        elif ratio is not None:
            width, height = dimensions_for(ratio, multiple=64, low=256, high=2048)
            payload["size"] = f"{width}x{height}"
    if req.size:
        payload["size"] = req.size
    _set_provider_options(payload, mapped, req)
    return payload


def chat_payload(req: ChatImageRequest, image_urls: list[str], *, stream: bool) -> dict[str, Any]:
    """Body of `POST /chat/completions` asking for text and images."""
    content: str | list[dict[str, Any]] = req.prompt
    if image_urls:
        content = [{"type": "text", "text": req.prompt}]
        content += [{"type": "image_url", "image_url": {"url": url}} for url in image_urls]
    payload: dict[str, Any] = {
        "model": req.model,
        "messages": [{"role": "user", "content": content}],
        "modalities": list(req.modalities),
        "stream": stream,
    }
    if stream:
        payload["stream_options"] = {"include_usage": True}
    mapped: dict[str, dict[str, Any]] = {}
    if req.aspect_ratio and req.model.lower().startswith("google/"):
        mapped["google"] = {"imageConfig": {"aspectRatio": req.aspect_ratio}}
    _set_provider_options(payload, mapped, req)
    return payload
