"""Turning moderator input into settings values, and settings errors into one sentence (pure)."""

from __future__ import annotations

import json
import math
import re

from pydantic import ValidationError

from bot.discord.views.config import label
from bot.errors import InputError
from bot.gateway.models import Endpoint, ModelInfo
from bot.i18n import Phrase

Scalar = bool | int | float | str

_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# `providerOptions.gateway.user` carries spend attribution per member (bot/generation.py);
# a server-wide value would bill every member's generations to one name.
RESERVED_PROVIDER_OPTIONS = frozenset({("gateway", "user")})
# endpoint -> the sentence saying which `/config model` sub-command sets such a model
_ENDPOINTS = {"images": "config.model_is_image", "chat": "config.model_is_chat"}


def parse_scalar(text: str) -> Scalar:
    """Read a provider option value: a JSON scalar when it is one, else the text itself.

    ``"2"`` -> 2, ``"0.5"`` -> 0.5, ``"true"`` -> True, ``'"2"'`` -> ``"2"`` (quotes force a
    string), ``"block_some"`` -> ``"block_some"``. JSON null, arrays, objects and non-finite
    numbers stay text, so a value is always something a moderator can read back.

    Args:
        text: What the moderator typed.

    Returns:
        A bool, int, float or str.
    """
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        return stripped
    if isinstance(value, float) and not math.isfinite(value):
        return stripped
    if isinstance(value, bool | int | float | str):
        return value
    return stripped


def check_option_key(provider: str, key: str) -> tuple[str, str]:
    """Validate a provider name and option key (``googleVertex``, ``safetyFilterLevel``).

    Args:
        provider: Provider key inside ``providerOptions``.
        key: Option name inside that provider.

    Returns:
        Both, stripped.

    Raises:
        InputError: a name with characters a provider option cannot have, or a reserved option.
    """
    provider, key = provider.strip(), key.strip()
    for problem, value in (("config.bad_provider", provider), ("config.bad_option_name", key)):
        if not _KEY.match(value):
            raise InputError.keyed(problem)
    if (provider, key) in RESERVED_PROVIDER_OPTIONS:
        raise InputError.keyed("config.reserved_option", provider=provider, key=key)
    return provider, key


def split_terms(text: str) -> list[str]:
    """Split a comma- or newline-separated list of terms, dropping blanks and repeats.

    Args:
        text: E.g. ``"gore, blood ,  ,gore"``.

    Returns:
        ``["gore", "blood"]``: whitespace collapsed, first spelling kept.
    """
    seen: dict[str, str] = {}
    for raw in re.split(r"[,\n]", text):
        term = " ".join(raw.split())
        if term:
            seen.setdefault(term.casefold(), term)
    return list(seen.values())


def validation_sentence(error: ValidationError) -> str:
    """One short sentence for the first problem pydantic found in a settings change.

    Args:
        error: Raised by `GuildSettings`/`ChannelSettings` validation.

    Returns:
        E.g. "Maximum image count: input should be less than or equal to 10." or, for our own
        validators whose messages are already sentences, that message.
    """
    problems = error.errors(include_url=False)
    if not problems:
        return "That value is not valid."
    first = problems[0]
    message = str(first["msg"]).removeprefix("Value error, ").rstrip(".")
    fields = [part for part in first["loc"] if isinstance(part, str)]
    if first["type"] == "value_error" or not fields:
        sentence = message[:1].upper() + message[1:]
    else:
        sentence = f"{label(fields[0]).capitalize()}: {message[:1].lower()}{message[1:]}"
    return sentence + "."


def invalid_settings(error: ValidationError) -> InputError:
    """The `InputError` to raise for a rejected settings change (see `validation_sentence`)."""
    return InputError(validation_sentence(error))


def model_problem(
    model_id: str, info: ModelInfo | None, endpoint: Endpoint | None, suggestions: list[str]
) -> Phrase | None:
    """Why `model_id` cannot be a default (or allowed) model, or None when it can.

    Args:
        model_id: What the moderator typed.
        info: The catalogue's entry for it, if any.
        endpoint: ``images`` or ``chat`` for a default model; None when any image-capable model
            will do (the allow-list).
        suggestions: Close ids from `ModelCatalog.suggest`, for an unknown id.

    Returns:
        A sentence naming the problem and the way out (English, with its catalogue key), or None.
    """
    if info is None:
        if suggestions:
            hints = ", ".join(f"`{s}`" for s in suggestions)
            return Phrase("config.model_unknown_hint", model=model_id, hints=hints)
        return Phrase("config.model_unknown", model=model_id)
    if info.endpoint is None:
        return Phrase("config.model_no_images", model=model_id)
    if endpoint is not None and info.endpoint != endpoint:
        return Phrase(_ENDPOINTS[info.endpoint], model=model_id)
    return None
