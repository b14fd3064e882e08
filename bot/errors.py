"""The bot's error tree and the one table that turns any error into a user sentence.

Cogs and services raise; they do not word errors. `bot.tree.ImageBotTree.on_error` calls
`user_message_for` and answers ephemerally with an error id that is also in the log line.
"""

from __future__ import annotations

import secrets

from bot.gateway import errors as gw


class BotError(Exception):
    """Base of the bot's own errors."""


class UserFacingError(BotError):
    """An error whose message is written for the member who triggered it.

    Args:
        user_message: Short, specific sentence shown ephemerally; never a raw body or secret.
    """

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class PolicyError(UserFacingError):
    """A request the guild's settings do not allow (model, count, NSFW, blocked term)."""


class CooldownError(UserFacingError):
    """The member is on cooldown or out of quota."""

    def __init__(self, user_message: str, retry_after: float | None = None) -> None:
        super().__init__(user_message)
        self.retry_after = retry_after


class InputError(UserFacingError):
    """Bad input from the member (attachment type/size, option value)."""


class MissingPermissionsError(UserFacingError):
    """The bot lacks a channel permission it needs; the message names it."""


GENERIC_MESSAGE = "Something went wrong on our side. Please try again."


def new_error_id() -> str:
    """A short id shown to the user and written in the log line."""
    return secrets.token_hex(4)


def user_message_for(error: BaseException) -> str:
    """The one error -> sentence table.

    Args:
        error: Any exception, already unwrapped from discord.py's wrappers.

    Returns:
        A short sentence safe to show to a member.
    """
    if isinstance(error, UserFacingError):
        return error.user_message
    if isinstance(error, gw.GatewayError):
        return error.user_message
    if isinstance(error, TimeoutError):
        return gw.GatewayTimeoutError.user_message
    return GENERIC_MESSAGE
