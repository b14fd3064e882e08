"""Typed requests, results and stream events of the gateway client.

Public client methods take and return these models, never dicts. Wire-level extra fields
are preserved in `extra` (results) so nothing the gateway adds is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.gateway.spool import ImageData
from bot.policy.schemas import Parameter

Endpoint = Literal["images", "chat"]


class ImageRequest(BaseModel):
    """`POST /v1/images/generations` (image-only models).

    `aspect_ratio` is our neutral option; the client maps it to `size` and/or the provider's
    `providerOptions` key (e.g. `googleVertex.aspectRatio`) depending on the model's creator.
    """

    model_config = ConfigDict(frozen=True)

    model: str
    prompt: str = Field(min_length=1, max_length=32000)
    n: int = Field(default=1, ge=1, le=10)
    size: str | None = None
    aspect_ratio: str | None = None
    provider_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Per-model parameters by neutral name, already checked against the model (see capabilities).
    parameters: dict[Parameter, str | int] = Field(default_factory=dict)
    user: str | None = None  # sent as providerOptions.gateway.user for spend attribution
    tags: list[str] = Field(default_factory=list)  # providerOptions.gateway.tags (reporting)


class ChatImageRequest(BaseModel):
    """`POST /v1/chat/completions` with `modalities: ["text","image"]` (multimodal models).

    `images` are input images (raw bytes + MIME) sent as `image_url` data-URL content parts.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    model: str
    prompt: str = Field(min_length=1, max_length=32000)
    images: list[InputImage] = Field(default_factory=list)
    aspect_ratio: str | None = None
    provider_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    parameters: dict[Parameter, str | int] = Field(default_factory=dict)
    user: str | None = None
    tags: list[str] = Field(default_factory=list)
    # ["text"] asks for a text-only answer (`/describe`: a vision model reads the image).
    modalities: tuple[str, ...] = ("text", "image")


class InputImage(BaseModel):
    """An image given to a model as input (editing)."""

    model_config = ConfigDict(frozen=True)

    data: bytes
    mime: str


class GeneratedImage:
    """One decoded image: exact bytes as the gateway sent them, MIME sniffed from the bytes.

    The bytes live in an `ImageData`: in RAM under the process-wide budget, or spooled to a
    temporary file (see `bot.gateway.spool`). Read them with `open()` (a fresh reader);
    `data` copies a spooled image into memory, so hot paths use `open()` and `size`.
    """

    __slots__ = ("content", "mime", "revised_prompt")

    def __init__(self, data: bytes | ImageData, mime: str, revised_prompt: str | None = None) -> None:
        self.content = data if isinstance(data, ImageData) else ImageData.of(data)
        self.mime = mime
        self.revised_prompt = revised_prompt

    @property
    def data(self) -> bytes:
        """All the bytes (read from the spool file when the image was spooled)."""
        return self.content.read()

    @property
    def size(self) -> int:
        """Size in bytes."""
        return self.content.size

    def open(self) -> BinaryIO:
        """A new reader over the bytes, at position 0."""
        return self.content.open()

    @property
    def extension(self) -> str:
        """File extension for the MIME type (``png``, ``jpeg``…)."""
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}.get(
            self.mime, "bin"
        )

    def __repr__(self) -> str:
        where = "memory" if self.content.in_memory else "spooled"
        return f"GeneratedImage(mime={self.mime!r}, size={self.size}, {where})"


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage and the gateway-reported cost in USD, when given."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cost: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImageResult:
    """Result of an image generation (either endpoint)."""

    images: list[GeneratedImage]
    model: str
    text: str = ""
    generation_id: str | None = None
    usage: Usage | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    provider_metadata: dict[str, Any] = field(default_factory=dict)  # `providerMetadata` as sent


# --- streaming events (`GatewayClient.stream_chat`) ---------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of assistant text."""

    text: str


@dataclass(frozen=True, slots=True)
class ImageEvent:
    """A complete image from `delta.images[]`, already decoded."""

    image: GeneratedImage
    index: int


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """The usage chunk (`stream_options.include_usage`)."""

    usage: Usage


@dataclass(frozen=True, slots=True)
class Finished:
    """The stream ended properly (`finish_reason` seen and/or `[DONE]`)."""

    finish_reason: str | None
    generation_id: str | None
    model: str | None = None


StreamEvent = TextDelta | ImageEvent | UsageEvent | Finished


class ModelInfo(BaseModel):
    """One entry of `GET /v1/models`, with how (and whether) it makes images."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    name: str | None = None
    type: str | None = None
    owned_by: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    pricing: dict[str, Any] = Field(default_factory=dict)
    endpoint: Endpoint | None = None  # None: does not make images
    accepts_image_input: bool = False
    # Parameter names the gateway says the model takes (when its entry lists them).
    supported_parameters: tuple[str, ...] = ()

    @property
    def makes_images(self) -> bool:
        """Whether the model can produce images through one of our endpoints."""
        return self.endpoint is not None

    @property
    def price_label(self) -> str | None:
        """Human price hint from the catalogue (per image, or per output token)."""
        image_price = self.pricing.get("image")
        if image_price not in (None, ""):
            try:
                return f"${float(image_price):.3f}/image"
            except (TypeError, ValueError):
                return None
        output = self.pricing.get("output")
        if output not in (None, ""):
            try:
                return f"${float(output) * 1_000_000:.2f}/M output tokens"
            except (TypeError, ValueError):
                return None
        return None


ChatImageRequest.model_rebuild()
