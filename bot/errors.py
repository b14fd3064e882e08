"""The bot's error tree: the errors every layer raises, and the sentences of the generic ones.

Pure (no driver, gateway or discord import), so the pure policy can raise these. The one
table that turns any error, driver and gateway errors included, into a user sentence is
`bot.error_messages`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Self

from bot.i18n import text


class BotError(Exception):
    """Base of the bot's own errors."""


class UserFacingError(BotError):
    """An error whose message is written for the member who triggered it.

    Args:
        user_message: Short, specific sentence shown ephemerally; never a raw body or secret.
    """

    def __init__(
        self, user_message: str, *, key: str | None = None, values: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        # The sentence's catalogue key and placeholders, when it has one
        # (see `bot.error_messages.localized_message`).
        self.key = key
        self.values = dict(values or {})

    @classmethod
    def keyed(cls, key: str, /, **values: object) -> Self:
        """The error whose sentence is the catalogue's `key`: English here, the member's language when shown.

        The core raises these without knowing any locale; `localized_message` translates.
        """
        return cls(text(None, key, **values), key=key, values=values)


class PolicyError(UserFacingError):
    """A request the guild's settings do not allow (model, count, NSFW, blocked term)."""


class CooldownError(UserFacingError):
    """The member is on cooldown or out of quota."""

    def __init__(
        self,
        user_message: str,
        retry_after: float | None = None,
        *,
        key: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(user_message, key=key, values=values)
        self.retry_after = retry_after


class InputError(UserFacingError):
    """Bad input from the member (attachment type/size, option value)."""


class MissingPermissionsError(UserFacingError):
    """The bot lacks a channel permission it needs; the message names it."""


class ServiceUnavailableError(UserFacingError):
    """The database or Redis did not answer in time (or refused the connection).

    Raised by `bot.storage.store.Store` and `bot.limits.RedisLimits` in place of driver
    errors, so every caller (and `bot.error_messages.user_message_for`) sees one type; the
    cause is chained.

    Args:
        service: "database" or "redis", for the log line (never shown to the member).
    """

    def __init__(self, service: str) -> None:
        super().__init__(UNAVAILABLE_MESSAGE)
        self.service = service


GENERIC_MESSAGE = "Something went wrong on our side. Please try again."
CANCELLED_MESSAGE = "Cancelled before it finished."
INTERRUPTED_MESSAGE = "Interrupted: the bot restarted while this job was running."
UNAVAILABLE_MESSAGE = "The bot is temporarily unavailable, try again shortly."


def new_error_id() -> str:
    """A short id shown to the user and written in the log line."""
    return secrets.token_hex(4)
