"""Request bodies of the gateway (pure): neutral options mapped onto each provider's fields."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from bot.gateway.capabilities import AVOID_PREFIX, place, set_path
from bot.gateway.models import ChatImageRequest, Endpoint, ImageRequest

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
#
# The per-model parameters (quality, resolution, seed, background, negative prompt) go where
# `bot.gateway.capabilities` places them; a BFL resolution scales the width/height above.
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


def dimensions_for(
    ratio: float, *, multiple: int, low: int, high: int, megapixels: int = 1
) -> tuple[int, int]:
    """Width and height of about `megapixels` megapixels at `ratio`, rounded and clamped.

    A size whose longer side would pass `high` is scaled down whole, so the ratio holds.
    """

    def fit(value: float) -> int:
        return max(low, min(high, round(value / multiple) * multiple))

    area = _MEGAPIXEL * megapixels
    width, height = math.sqrt(area * ratio), math.sqrt(area / ratio)
    shrink = min(1.0, high / max(width, height))
    return fit(width * shrink), fit(height * shrink)


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


def _place_parameters(
    payload: dict[str, Any], req: ImageRequest | ChatImageRequest, endpoint: Endpoint
) -> tuple[str, dict[str, dict[str, Any]], int]:
    """Put each per-model parameter where the model takes it.

    Returns:
        The prompt (with a negative prompt's "Avoid:" line when the model takes it there), the
        mapped provider options, and the megapixels a `scale` resolution asks for (1 if none).
    """
    prompt, megapixels = req.prompt, 1
    wrapped: dict[str, Any] = {"providerOptions": {}}
    for name, value in req.parameters.items():
        param = place(name, req.model, endpoint)
        wire = param.wire.get(str(value), value)
        if param.how == "avoid":
            prompt = f"{prompt}\n\n{AVOID_PREFIX}{wire}"
        elif param.how == "scale":
            megapixels = 4 if value == "2K" else 1
        elif param.path[0] == "providerOptions":
            set_path(wrapped, param.path, wire)
        else:
            set_path(payload, param.path, wire)
    return prompt, wrapped["providerOptions"], megapixels


def images_payload(req: ImageRequest) -> dict[str, Any]:
    """Body of `POST /images/generations` for `req` (see the mapping table above)."""
    payload: dict[str, Any] = {
        "model": req.model,
        "prompt": req.prompt,
        "n": req.n,
        "response_format": "b64_json",
    }
    payload["prompt"], mapped, megapixels = _place_parameters(payload, req, "images")
    creator = req.model.split("/", 1)[0].lower()
    ratio = parse_ratio(req.aspect_ratio) if req.aspect_ratio else None
    if req.aspect_ratio:
        if creator == "google":
            mapped.setdefault("googleVertex", {})["aspectRatio"] = req.aspect_ratio
        elif creator in ("spacexai", "xai"):
            mapped.setdefault("xai", {})["aspectRatio"] = req.aspect_ratio
        elif ratio is not None and creator == "openai":
            payload["size"] = nearest_openai_size(ratio)
        elif ratio is not None and creator != "bfl":
            width, height = dimensions_for(ratio, multiple=64, low=256, high=2048)
            payload["size"] = f"{width}x{height}"
    if creator == "bfl" and (ratio is not None or megapixels > 1):
        width, height = dimensions_for(ratio or 1.0, multiple=32, low=256, high=1920, megapixels=megapixels)
        mapped.setdefault("blackForestLabs", {}).update(width=width, height=height)
    if req.size:
        payload["size"] = req.size
    _set_provider_options(payload, mapped, req)
    return payload


def chat_payload(req: ChatImageRequest, image_urls: list[str], *, stream: bool) -> dict[str, Any]:
    """Body of `POST /chat/completions` asking for text and images."""
    payload: dict[str, Any] = {"model": req.model}
    prompt, mapped, _ = _place_parameters(payload, req, "chat")
    content: str | list[dict[str, Any]] = prompt
    if image_urls:
        content = [{"type": "text", "text": prompt}]
        content += [{"type": "image_url", "image_url": {"url": url}} for url in image_urls]
    payload.update(
        messages=[{"role": "user", "content": content}], modalities=list(req.modalities), stream=stream
    )
    if stream:
        payload["stream_options"] = {"include_usage": True}
    if req.aspect_ratio and req.model.lower().startswith("google/"):
        mapped.setdefault("google", {}).setdefault("imageConfig", {})["aspectRatio"] = req.aspect_ratio
    _set_provider_options(payload, mapped, req)
    return payload
