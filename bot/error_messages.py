"""The one table that turns any error into a user sentence (and tells an outage from a bug).

Cogs and services raise; they do not word errors. `bot.tree.ImageBotTree.on_error` calls
`user_message_for` and answers ephemerally with an error id that is also in the log line.
The error classes themselves are in `bot.errors`.
"""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import exc as sa

from bot.errors import (
    CANCELLED_MESSAGE,
    GENERIC_MESSAGE,
    INTERRUPTED_MESSAGE,
    UNAVAILABLE_MESSAGE,
    ServiceUnavailableError,
    UserFacingError,
)
from bot.gateway import errors as gw
from bot.i18n import CATALOGUES, DEFAULT_LANGUAGE, Phrase, localize, text, translate


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database or Redis is unreachable or too slow.

    Covers the driver errors that escape the `Store`/`RedisLimits` wrappers (e.g. a direct
    engine call): SQLAlchemy connection-level errors, any Redis connection or timeout error.
    Data errors (an integrity violation, a bad query) are not outages.
    """
    if isinstance(error, ServiceUnavailableError):
        return True
    if isinstance(error, RedisConnectionError | RedisTimeoutError | sa.TimeoutError):
        return True
    if isinstance(error, sa.OperationalError | sa.InterfaceError):
        return True
    return isinstance(error, sa.DBAPIError) and bool(error.connection_invalidated)


def user_message_for(error: BaseException) -> str:
    """The one error -> sentence table.

    Args:
        error: Any exception, already unwrapped from discord.py's wrappers.

    Returns:
        A short sentence safe to show to a member.
    """
    if isinstance(error, UserFacingError):
        return error.user_message
    if is_outage(error):
        return UNAVAILABLE_MESSAGE
    if isinstance(error, gw.GatewayError):
        return error.user_message
    if isinstance(error, TimeoutError):
        return gw.GatewayTimeoutError.user_message
    return GENERIC_MESSAGE


def localized_message(error: BaseException, locale: object) -> str:
    """`user_message_for(error)` in the member's language (English when no translation exists).

    Args:
        error: Any exception, already unwrapped.
        locale: `interaction.locale`.
    """
    if isinstance(error, UserFacingError) and error.key is not None:
        return translate(Phrase(error.key, **error.values), locale)  # values may be phrases too
    if isinstance(error, gw.RateLimitError) and error.retry_after:
        return text(locale, "gateway.RateLimitError.wait", seconds=max(1, round(error.retry_after)))
    if isinstance(error, gw.GatewayError) and not isinstance(error, gw.RateLimitError):
        return text(locale, f"gateway.{type(error).__name__}") if _translated(error) else error.user_message
    return localize(user_message_for(error), locale)


def _translated(error: gw.GatewayError) -> bool:
    return f"gateway.{type(error).__name__}" in CATALOGUES[DEFAULT_LANGUAGE]


def _error_classes() -> dict[str, type[BaseException]]:
    """Every error class whose name a stored job error can start with, by name."""
    found: dict[str, type[BaseException]] = {"TimeoutError": TimeoutError}
    pending: list[type[BaseException]] = [gw.GatewayError, UserFacingError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


def failure_sentence(stored: str | None, locale: object = None) -> str:
    """The sentence `/job` shows for a failed job, from the error text stored with it.

    The stored text (``"ClassName: detail"``, or a marker such as ``"cancelled"``) is for logs:
    it can hold a provider's raw message. Members read the same table as live errors:
    a gateway error class gives its `user_message`, a member-facing error its own sentence
    (written for members when raised), anything else the generic sentence.

    Args:
        stored: `JobRecord.error`.
        locale: The reader's language (a stored refusal with values stays English).
    """
    text = (stored or "").strip()
    if locale is not None:
        name = text.partition(":")[0].strip()
        cls = _error_classes().get(name)
        if cls is not None and issubclass(cls, gw.GatewayError):
            return localized_message(cls(), locale)
        return localize(failure_sentence(stored), locale)
    if not text:
        return GENERIC_MESSAGE
    lowered = text.lower()
    if lowered == "cancelled" or lowered.startswith("cancelled"):
        return CANCELLED_MESSAGE
    if lowered.startswith("interrupted"):
        return INTERRUPTED_MESSAGE
    name, _, detail = text.partition(":")
    detail = detail.strip()
    cls = _error_classes().get(name.strip())
    if cls is None:
        return GENERIC_MESSAGE
    if issubclass(cls, gw.GatewayError):
        return cls().user_message  # class-level sentence (rate limits: without the wait)
    if issubclass(cls, UserFacingError):
        return detail[:500] if detail else GENERIC_MESSAGE
    return user_message_for(cls())
