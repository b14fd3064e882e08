"""Typed gateway errors: one class per status family, each with a safe `user_message`.

The raw body is kept on `body` for logs only and never appears in `user_message` or `str()`
of the exception beyond the gateway's own short `message`. Keys and tokens never appear.
"""

from __future__ import annotations

from typing import Any, ClassVar

# Statuses that say "try again": bad gateway, unavailable, gateway timeout.
RETRYABLE_SERVER_STATUSES = frozenset({502, 503, 504})


class GatewayError(Exception):
    """Base of every error raised by `bot.gateway`.

    Attributes:
        status: HTTP status (or the status implied by an in-stream error), None for transport errors.
        type: The gateway's `error.type` (e.g. ``invalid_request_error``).
        code: The gateway's `error.code`.
        param: The gateway's `error.param`.
        generation_id: `generationId` of the body or `id` of the stream chunk, when known.
        retry_after: Seconds to wait before retrying (429 `Retry-After`), when known.
        message: The gateway's short message (logged; not shown to users).
        body: The raw body, truncated, for logs only.
        retryable: Whether the error is of a kind the retry policy may repeat (timing aside);
            `bot.gateway.retry.retryable` reads exactly this.
    """

    user_message: ClassVar[str] = "The image service failed unexpectedly. Please try again later."
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        type: str | None = None,
        code: str | int | None = None,
        param: Any = None,
        generation_id: str | None = None,
        retry_after: float | None = None,
        body: str | None = None,
    ) -> None:
        self.message = message or self.__class__.__name__
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.generation_id = generation_id
        self.retry_after = retry_after
        self.body = body[:2000] if body else body
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.type:
            parts.append(f"type={self.type}")
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.generation_id:
            parts.append(f"generation_id={self.generation_id}")
        return " ".join(parts)


class BadRequestError(GatewayError):
    """400 (and 422/424): the request itself must change."""

    user_message = "The image service rejected this request. Try a different prompt or options."


class ContentPolicyError(BadRequestError):
    """400 whose code/type/message says the prompt or image was refused by a safety system."""

    user_message = (
        "The image provider refused this prompt under its content policy. Rephrase it and try again."
    )


class AuthenticationError(GatewayError):
    """401: the key is wrong or missing."""

    user_message = "The bot's AI key is not accepted — a server admin must fix it."


class InsufficientCreditsError(GatewayError):
    """402: out of credits or budget."""

    user_message = "The bot's AI account is out of credits. A server admin needs to top it up."


class PermissionDeniedError(GatewayError):
    """403: the key may not use this model or provider (policy, free tier, verification)."""

    user_message = "The bot's AI key is not accepted for this model — a server admin must fix it."


class NotFoundError(GatewayError):
    """404: the model or endpoint does not exist (anymore)."""

    user_message = "That model is not available on the image service. Pick another model."


class RateLimitError(GatewayError):
    """429: too many requests; `retry_after` when the gateway said how long."""

    retryable = True

    @property
    def user_message(self) -> str:  # type: ignore[override]  # instance-specific sentence
        """The wait, when the gateway said how long."""
        if self.retry_after:
            return f"The image service is busy. Try again in {max(1, round(self.retry_after))} s."
        return "The image service is busy. Try again in a minute."


class ServerError(GatewayError):
    """5xx from the gateway or its provider; only 502/503/504 are retried (a 500 is a bug upstream)."""

    @property
    def retryable(self) -> bool:  # type: ignore[override]  # depends on the status
        """Whether the status is one that passes (`RETRYABLE_SERVER_STATUSES`)."""
        return self.status in RETRYABLE_SERVER_STATUSES

    user_message = "The image service is having trouble right now. Please try again in a few minutes."


class GatewayTimeoutError(GatewayError):
    """The request took longer than the client's timeout (not retried: it may be billed)."""

    user_message = "The image service took too long to answer. Please try again."


class GatewayConnectionError(GatewayError):
    """The connection failed or dropped (before or during the response)."""

    retryable = True
    user_message = "Could not reach the image service. Please try again shortly."


class BadResponseError(GatewayError):
    """The gateway answered with something that is not the documented shape."""

    user_message = "The image service sent an unreadable answer. Please try again."


class StreamIncompleteError(BadResponseError):
    """A stream ended without `[DONE]` or a finish reason (dropped connection)."""

    retryable = True
    user_message = "The image service stopped answering midway. Please try again."


class InvalidImageError(BadResponseError):
    """Image data that is not valid base64 or not a PNG/JPEG/WebP/GIF image."""

    user_message = "The image service returned image data that could not be read."


class UnsafeURLError(BadResponseError):
    """An image URL in a reply that the bot refuses to fetch (see `bot.gateway.fetch`)."""

    user_message = "The image service pointed to an image address the bot does not fetch, for safety."


class ImageTooLargeError(GatewayError):
    """An image (input or output) is over the configured size cap."""

    user_message = "The image is too large to handle."


class JobTooLargeError(ImageTooLargeError):
    """The images of one job together are over the per-job byte cap."""

    user_message = (
        "The image service sent more image data than the bot accepts for one request. "
        "Try fewer images or a smaller size."
    )


_STATUS_CLASSES: dict[int, type[GatewayError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: GatewayTimeoutError,
    413: BadRequestError,
    422: BadRequestError,
    424: BadRequestError,
    429: RateLimitError,
}

_TYPE_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "validation_error": 400,
    "authentication_error": 401,
    "insufficient_funds": 402,
    "quota_for_entity_exceeded": 402,
    "forbidden": 403,
    "permission_error": 403,
    "no_providers_available": 403,
    "customer_verification_required": 403,
    "model_not_found": 404,
    "not_found": 404,
    "rate_limit_exceeded": 429,
    "failed_dependency": 424,
    "internal_server_error": 500,
    "gateway_stream_timeout": 504,
}

_POLICY_MARKERS = ("content_policy", "content-policy", "safety", "moderation", "policy_violation", "nsfw")


def is_known_type(error_type: str) -> bool:
    """Whether `error_type` is one of the gateway's known `error.type` values."""
    return error_type in _TYPE_STATUS


def status_for_type(error_type: str | None) -> int:
    """The HTTP status the gateway's `error.type` implies (500 when unknown)."""
    return _TYPE_STATUS.get(error_type or "", 500)


def class_for(status: int | None, error_type: str | None = None) -> type[GatewayError]:
    """Map an HTTP status (or, without one, the gateway's `error.type`) to an error class."""
    if status is None or status == 200:
        status = status_for_type(error_type)
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if 400 <= status < 500:
        return BadRequestError
    return ServerError


def is_content_policy(error_type: str | None, code: object, message: str | None) -> bool:
    """Whether a 400 describes a safety refusal rather than a malformed request."""
    haystack = f"{error_type or ''} {code or ''} {message or ''}".lower()
    return any(marker in haystack for marker in _POLICY_MARKERS)
