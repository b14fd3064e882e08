"""Response bodies of the gateway (pure): results, errors and the model catalogue.

These run in a worker thread for big bodies, so they are plain functions that drop large
strings as soon as they have been decoded (the raw body is handed over in a one-item list
and popped, so nothing else keeps it alive while the parsed copy exists).
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from bot.gateway import errors as gw
from bot.gateway._extract import blob_index
from bot.gateway.budget import ImageBudget
from bot.gateway.media import decode_b64_image, decode_data_url, to_image
from bot.gateway.models import Endpoint, GeneratedImage, ModelInfo, Usage
from bot.gateway.spool import ImageData

_IMAGE_OUTPUT_TAGS = frozenset({"image-generation", "image-output", "image-gen"})
_IMAGE_INPUT_TAGS = frozenset({"vision", "file-input", "image-input", "image-editing"})
_IMAGE_NAME = re.compile(r"-image(?:$|[-.])")
_KNOWN_TOP_LEVEL = frozenset(
    {"data", "choices", "usage", "providerMetadata", "provider_metadata", "model", "id"}
)


@dataclass(frozen=True, slots=True)
class PendingImage:
    """An image given by URL, to be downloaded by the client."""

    url: str
    revised_prompt: str | None = None


@dataclass(slots=True)
class ParsedResult:
    """A parsed result body, before URL images are downloaded."""

    images: list[GeneratedImage | PendingImage]
    model: str | None
    text: str = ""
    generation_id: str | None = None
    usage: Usage | None = None
    provider_metadata: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    dropped: int = 0  # images past the request's cap, skipped undecoded


# --- results ------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


number = _number  # public name for the client's `GET /generation` reading


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def provider_metadata_of(body: dict[str, Any]) -> dict[str, Any]:
    """`providerMetadata` (or `provider_metadata`) of a body, {} when absent."""
    meta = body.get("providerMetadata", body.get("provider_metadata"))
    return meta if isinstance(meta, dict) else {}


def parse_usage(usage: Any, provider_metadata: dict[str, Any] | None = None) -> Usage | None:
    """Usage in either OpenAI spelling, with `cost` from usage or `providerMetadata.gateway`."""
    if not isinstance(usage, dict):
        usage = {}
    gateway_meta = (provider_metadata or {}).get("gateway")
    cost = _number(usage.get("cost"))
    if cost is None and isinstance(gateway_meta, dict):
        cost = _number(gateway_meta.get("cost"))
    if not usage and cost is None:
        return None
    return Usage(
        input_tokens=_int(usage.get("input_tokens", usage.get("prompt_tokens"))),
        output_tokens=_int(usage.get("output_tokens", usage.get("completion_tokens"))),
        total_tokens=_int(usage.get("total_tokens")),
        cost=cost,
        raw=usage,
    )


def image_url_of(item: Any) -> str | None:
    """The URL of a `message.images[]` / `delta.images[]` item (object or bare string form)."""
    if isinstance(item, str):
        return item
    if not isinstance(item, dict):
        return None
    inner = item.get("image_url")
    if isinstance(inner, dict):
        inner = inner.get("url")
    return inner if isinstance(inner, str) else None


def blob_image(
    value: Any, blobs: Sequence[ImageData], revised_prompt: str | None = None
) -> GeneratedImage | None:
    """The image behind an extractor placeholder (see `_extract`), None if `value` is not one."""
    index = blob_index(value)
    if index is None:
        return None
    if index >= len(blobs):
        raise gw.BadResponseError("image placeholder out of range")
    return to_image(blobs[index], revised_prompt=revised_prompt)


def image_from_url(
    url: str,
    max_bytes: int,
    revised_prompt: str | None = None,
    blobs: Sequence[ImageData] = (),
    budget: ImageBudget | None = None,
) -> GeneratedImage | PendingImage:
    """An image from a data URL (or its placeholder), or a pending download for http(s)."""
    if (image := blob_image(url, blobs, revised_prompt)) is not None:
        return image
    if url.startswith("data:"):
        image = decode_data_url(url, max_bytes=max_bytes, budget=budget)
        return GeneratedImage(data=image.content, mime=image.mime, revised_prompt=revised_prompt)
    if url.startswith(("https://", "http://")):
        return PendingImage(url, revised_prompt)
    raise gw.UnsafeURLError("image URL is neither a data URL nor http(s)")


def load_object(box: list[Any]) -> dict[str, Any]:
    """Parse a JSON object (a body or a stream chunk); an `error` key raises its typed error.

    Args:
        box: A one-item list holding the raw JSON (bytes or str), popped so it can be freed.
    """
    try:
        body = orjson.loads(box.pop())
    except orjson.JSONDecodeError as exc:
        raise gw.BadResponseError("the gateway answered with invalid JSON") from exc
    if not isinstance(body, dict):
        raise gw.BadResponseError("the gateway answered with JSON that is not an object")
    if body.get("error"):
        raise error_from_payload(body, status=None)
    return body


def _common(body: dict[str, Any], images: list[GeneratedImage | PendingImage], text: str) -> ParsedResult:
    meta = provider_metadata_of(body)
    extra = {key: value for key, value in body.items() if key not in _KNOWN_TOP_LEVEL}
    generation_id = body.get("id") if isinstance(body.get("id"), str) else None
    if generation_id is None and isinstance(body.get("generationId"), str):
        generation_id = body["generationId"]
    model = body.get("model") if isinstance(body.get("model"), str) else None
    return ParsedResult(images, model, text, generation_id, parse_usage(body.get("usage"), meta), meta, extra)


def parse_images_body(
    box: list[bytes | bytearray],
    max_image_bytes: int,
    blobs: Sequence[ImageData] = (),
    *,
    max_images: int | None = None,
    budget: ImageBudget | None = None,
) -> ParsedResult:
    """Parse an `/images/generations` body (`data[].b64_json`, else `data[].url`).

    Args:
        box: A one-item list holding the raw body; emptied so the body can be freed early.
        max_image_bytes: Cap per decoded image.
        blobs: Images already decoded by the extractor, referenced by placeholders.
        max_images: Images kept at most (the request's `n`); the rest are dropped undecoded
            and counted in `ParsedResult.dropped`.
        budget: Where images decoded here are held.
    """
    body = load_object(box)
    items = body.get("data")
    if not isinstance(items, list):
        raise gw.BadResponseError("image result has no `data` list")
    dropped = _trim(items, max_images)
    images: list[GeneratedImage | PendingImage] = []
    for item in items:
        if not isinstance(item, dict):
            raise gw.BadResponseError("image result item is not an object")
        revised = item.get("revised_prompt") if isinstance(item.get("revised_prompt"), str) else None
        b64 = item.pop("b64_json", None)  # pop: each multi-MB string dies once decoded
        if (image := blob_image(b64, blobs, revised)) is not None:
            images.append(image)
        elif isinstance(b64, str) and b64:
            images.append(
                decode_b64_image(b64, max_bytes=max_image_bytes, revised_prompt=revised, budget=budget)
            )
        elif isinstance(item.get("url"), str):
            images.append(image_from_url(item["url"], max_image_bytes, revised, blobs, budget))
        else:
            raise gw.BadResponseError("image result item has neither `b64_json` nor `url`")
        del b64
    result = _common(body, images, "")
    result.dropped = dropped
    return result


def _trim(items: list[Any], max_images: int | None) -> int:
    """Cut `items` to `max_images` in place; return how many were cut."""
    if max_images is None:
        return 0
    before = len(items)
    del items[max_images:]
    return before - len(items)


def parse_chat_body(
    box: list[bytes | bytearray],
    max_image_bytes: int,
    blobs: Sequence[ImageData] = (),
    *,
    max_images: int | None = None,
    budget: ImageBudget | None = None,
) -> ParsedResult:
    """Parse a non-streamed chat completion: `choices[0].message.{content,images}`."""
    body = load_object(box)
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise gw.BadResponseError("chat result has no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise gw.BadResponseError("chat result has no message")
    text = content_text(message.get("content"))
    images: list[GeneratedImage | PendingImage] = []
    raw_images = message.pop("images", None) or []
    if not isinstance(raw_images, list):
        raise gw.BadResponseError("chat message `images` is not a list")
    dropped = _trim(raw_images, max_images)
    while raw_images:
        url = image_url_of(raw_images.pop(0))
        if url is None:
            raise gw.BadResponseError("chat image item has no URL")
        images.append(image_from_url(url, max_image_bytes, None, blobs, budget))
        del url
    result = _common(body, images, text)
    result.dropped = dropped
    if choices[0].get("finish_reason") is not None:
        result.extra["finish_reason"] = choices[0]["finish_reason"]
    return result


def content_text(content: Any) -> str:
    """Text of a message content: a string, null, or a list of `{"type":"text"}` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


# --- errors -------------------------------------------------------------------------------

_MAX_MESSAGE = 500


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret and secret in text else text


def _nested(value: Any) -> tuple[str | None, Any]:
    """Message and type double-encoded in `error.value.error_message` (in-stream errors).

    The type is returned unchecked: `error_from_payload` keeps it only if it is a string.
    """
    if not isinstance(value, dict):
        return None, None
    fallback_type = value.get("error_type")
    raw = value.get("error_message")
    if not isinstance(raw, str):
        return None, fallback_type
    try:
        inner = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw, fallback_type
    error = inner.get("error") if isinstance(inner, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        inner_type = error.get("type") if isinstance(error.get("type"), str) else None
        return error["message"], inner_type or fallback_type
    if isinstance(error, str):
        return error, fallback_type
    return None, fallback_type


def error_from_payload(
    body: dict[str, Any],
    *,
    status: int | None,
    retry_after: float | None = None,
    raw: str | None = None,
    secret: str | None = None,
) -> gw.GatewayError:
    """The typed error for an error body or an in-stream error chunk.

    `error` may be an object (`message`, `type`, `code`, `param`, nested `value`) or a bare
    string with `type` beside it; `generationId` (bodies) or `id` (chunks) become
    `generation_id`. Without an HTTP status (in-stream, or an error inside a 200), the class
    and implied status come from `error.type`/`error.code`.
    """
    error = body.get("error")
    message: str | None
    error_type: Any
    code: Any
    param: Any = None
    if isinstance(error, dict):
        message = error.get("message") if isinstance(error.get("message"), str) else None
        error_type, code, param = error.get("type"), error.get("code"), error.get("param")
        nested_message, nested_type = _nested(error.get("value"))
        message = nested_message or message
        error_type = error_type or nested_type
    else:
        message = error if isinstance(error, str) else None
        error_type, code = body.get("type"), body.get("code")
    if message is None and isinstance(body.get("message"), str):
        message = body["message"]
    error_type = error_type if isinstance(error_type, str) else None
    code = code if isinstance(code, str | int) and not isinstance(code, bool) else None
    if error_type is None and isinstance(code, str) and gw.is_known_type(code):
        error_type = code
    if status in (None, 200):
        status = gw.status_for_type(error_type)
    cls = gw.class_for(status)
    if status == 400 and gw.is_content_policy(error_type, code, message):
        cls = gw.ContentPolicyError
    generation_id = next(
        (body[key] for key in ("generationId", "generation_id", "id") if isinstance(body.get(key), str)),
        None,
    )
    text = _scrub((message or f"HTTP {status}")[:_MAX_MESSAGE], secret)
    return cls(
        text,
        status=status,
        type=error_type,
        code=code,
        param=param,
        generation_id=generation_id,
        retry_after=retry_after,
        body=_scrub(raw, secret) if raw else None,
    )


def error_from_http(
    status: int, raw: bytes, *, retry_after: float | None = None, secret: str | None = None
) -> gw.GatewayError:
    """The typed error for a non-2xx response; the body is parsed leniently and kept for logs."""
    text = raw.decode(errors="replace")
    with contextlib.suppress(orjson.JSONDecodeError):
        body = orjson.loads(raw)
        if isinstance(body, dict):
            return error_from_payload(body, status=status, retry_after=retry_after, raw=text, secret=secret)
    cls = gw.class_for(status)
    return cls(f"HTTP {status}", status=status, retry_after=retry_after, body=_scrub(text, secret) or None)


# --- model catalogue ------------------------------------------------------------------------


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list | tuple) else ()


def classify_model(entry: Any) -> ModelInfo | None:
    """A `GET /models` entry as a `ModelInfo` with its image endpoint; None if unreadable.

    `type: "image"` -> `images`; a language model tagged as image output, with `image` in
    `architecture.output_modalities`, or named like ``…-image`` -> `chat`.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    tags = _strings(entry.get("tags"))
    lowered = {tag.lower() for tag in tags}
    declared = entry.get("architecture")
    architecture: dict[str, Any] = declared if isinstance(declared, dict) else {}
    outputs = _strings(architecture.get("output_modalities"))
    inputs = _strings(architecture.get("input_modalities"))
    model_type = entry.get("type") if isinstance(entry.get("type"), str) else None
    endpoint: Endpoint | None = None
    if model_type == "image":
        endpoint = "images"
    elif model_type in (None, "language") and (
        lowered & _IMAGE_OUTPUT_TAGS or "image" in outputs or _IMAGE_NAME.search(entry["id"].lower())
    ):
        endpoint = "chat"
    fields = dict(entry)
    for key in ("name", "type", "owned_by", "description"):
        if not isinstance(fields.get(key), str):
            fields[key] = None
    fields.update(
        tags=tags,
        pricing=entry["pricing"] if isinstance(entry.get("pricing"), dict) else {},
        endpoint=endpoint,
        accepts_image_input=bool(lowered & _IMAGE_INPUT_TAGS) or "image" in inputs,
        supported_parameters=_strings(entry.get("supported_parameters")),
    )
    try:
        return ModelInfo.model_validate(fields)
    except ValueError:
        return None


def parse_models_body(box: list[bytes | bytearray]) -> list[ModelInfo]:
    """Parse `GET /models` (`{"object":"list","data":[...]}`); unreadable entries are skipped."""
    body = load_object(box)
    entries = body.get("data")
    if not isinstance(entries, list):
        raise gw.BadResponseError("model list has no `data` list")
    return [info for info in map(classify_model, entries) if info is not None]
