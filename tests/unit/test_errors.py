"""The one error -> sentence table and the unwrapping of discord.py's wrappers."""

from __future__ import annotations

import pytest
from discord import app_commands

from bot.discord.tree import describe_app_error, unwrap
from bot.error_messages import failure_sentence, user_message_for
from bot.errors import (
    CANCELLED_MESSAGE,
    GENERIC_MESSAGE,
    INTERRUPTED_MESSAGE,
    CooldownError,
    PolicyError,
)
from bot.gateway import errors as gw

SECRET_BODY = '{"error":{"message":"Bearer sk-live-SECRET in upstream trace","type":"x"}}'


@pytest.mark.parametrize(
    ("error", "needle"),
    [
        (gw.ContentPolicyError("blocked", status=400, body=SECRET_BODY), "content policy"),
        (gw.BadRequestError("bad", status=400, body=SECRET_BODY), "rejected this request"),
        (gw.AuthenticationError("no", status=401, body=SECRET_BODY), "AI key is not accepted"),
        (gw.PermissionDeniedError("no", status=403, body=SECRET_BODY), "not accepted for this model"),
        (gw.InsufficientCreditsError("no", status=402, body=SECRET_BODY), "out of credits"),
        (gw.NotFoundError("no", status=404, body=SECRET_BODY), "not available"),
        (gw.RateLimitError("slow", status=429, retry_after=12.4, body=SECRET_BODY), "12 s"),
        (gw.RateLimitError("slow", status=429, body=SECRET_BODY), "busy"),
        (gw.ServerError("down", status=503, body=SECRET_BODY), "having trouble"),
        (gw.GatewayTimeoutError("slow"), "took too long"),
        (gw.GatewayConnectionError("refused"), "Could not reach"),
        (gw.InvalidImageError("bad b64"), "could not be read"),
        (gw.StreamIncompleteError("cut"), "stopped answering"),
        (TimeoutError(), "took too long"),
        (PolicyError("This server allows: a, b"), "This server allows"),
        (CooldownError("Slow down — 5 s", 5.0), "Slow down"),
        (RuntimeError("internal detail"), GENERIC_MESSAGE),
    ],
)
def test_every_error_has_a_safe_sentence(error: BaseException, needle: str) -> None:
    text = user_message_for(error)
    assert needle in text
    assert "sk-live-SECRET" not in text
    assert "Bearer" not in text
    assert "internal detail" not in text
    assert len(text) < 300


def test_unwrap_reaches_the_cause() -> None:
    cause = gw.NotFoundError("gone", status=404)
    command = app_commands.Command(name="x", description="x", callback=_noop)
    wrapped = app_commands.CommandInvokeError(command, cause)
    assert unwrap(wrapped) is cause


def test_discord_check_failures_are_worded() -> None:
    missing = app_commands.MissingPermissions(["manage_guild"])
    assert describe_app_error(missing) == "You need the Manage Server permission to use this command."
    bot_missing = app_commands.BotMissingPermissions(["attach_files"])
    assert "Attach Files" in (describe_app_error(bot_missing) or "")
    assert describe_app_error(app_commands.NoPrivateMessage()) == "This command only works in a server."


async def _noop(interaction: object) -> None:
    return None


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("ContentPolicyError: raw [x](https://evil.example) status=400", gw.ContentPolicyError.user_message),
        ("ServerError: <html>502 Bad Gateway</html>", gw.ServerError.user_message),
        ("RateLimitError: slow down", "The image service is busy. Try again in a minute."),
        ("TimeoutError", gw.GatewayTimeoutError.user_message),
        ("UserFacingError: The model answered without an image.", "The model answered without an image."),
        ("cancelled", CANCELLED_MESSAGE),
        ("interrupted: the bot restarted", INTERRUPTED_MESSAGE),
        ("KeyError: 'secret internals'", GENERIC_MESSAGE),
        (None, GENERIC_MESSAGE),
    ],
)
def test_a_stored_job_error_becomes_a_member_sentence(stored: str | None, expected: str) -> None:
    assert failure_sentence(stored) == expected
