"""Turning moderator input into settings values, and settings errors into one catalogued sentence (pure)."""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Literal, get_args, get_origin

from pydantic import ValidationError

from bot.errors import InputError
from bot.gateway.models import Endpoint, ModelInfo
from bot.i18n import CATALOGUES, DEFAULT_LANGUAGE, Heading, Phrase
from bot.policy.schemas import ChannelSettings, GuildSettings

log = logging.getLogger(__name__)

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


def validation_sentence(error: ValidationError) -> Phrase:
    """One short sentence for the first problem pydantic found in a settings change.

    Our validators raise `ValueError(Phrase(...))` (`bot.policy.schemas`): that phrase is the
    sentence. pydantic's own checks are mapped by error type to a catalogue sentence that
    starts with the field's label. The types mapped are those the settings fields can raise
    (bounds, text length, a choice, a value of the wrong type, which a forged interaction can
    send past Discord's option checks); any other type gets a generic sentence, its detail logged.

    Args:
        error: Raised by `GuildSettings`/`ChannelSettings` validation.

    Returns:
        English, keeping its catalogue key and values, e.g. "Maximum image count: input should be
        less than or equal to 10." (`InputError.keyed` shows it in the moderator's language).
    """
    problems = error.errors(include_url=False)
    if not problems:
        return Phrase("config.invalid")
    first = problems[0]
    context = first.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Phrase):
        return cause.args[0]
    kind = first["type"]
    fields = [part for part in first["loc"] if isinstance(part, str)]
    field = fields[0] if fields else None
    if field is None or f"setting.{field}" not in CATALOGUES[DEFAULT_LANGUAGE]:
        log.warning("settings change refused: unmapped %s at %s: %s", kind, first["loc"], first["msg"])
        return Phrase("config.invalid")
    setting = Heading(f"setting.{field}")
    if kind in _BOUNDS:
        key, bound = _BOUNDS[kind]
        return Phrase(key, setting=setting, limit=_number(context[bound]))
    if kind in _LENGTHS:
        key, bound = _LENGTHS[kind]
        return Phrase(key, setting=setting, limit=context[bound])
    if kind == "literal_error":
        return Phrase("config.choose_one", setting=setting, choices=_choices(field))
    if kind in _TYPES:
        return Phrase(_TYPES[kind], setting=setting)
    log.warning("settings change refused: unmapped %s at %s: %s", kind, first["loc"], first["msg"])
    return Phrase("config.invalid_value", setting=setting)


# pydantic error type -> (catalogue key, the `ctx` entry holding the limit)
_BOUNDS = {
    "less_than_equal": ("config.at_most", "le"),
    "greater_than_equal": ("config.at_least", "ge"),
    "greater_than": ("config.above", "gt"),
    "less_than": ("config.below", "lt"),
}
_LENGTHS = {
    "string_too_long": ("config.text_too_long", "max_length"),
    "string_too_short": ("config.text_too_short", "min_length"),
}
_TYPES = {
    "int_parsing": "config.whole_number",
    "int_from_float": "config.whole_number",
    "int_type": "config.whole_number",
    "float_parsing": "config.number",
    "float_type": "config.number",
    "bool_parsing": "config.true_or_false",
    "bool_type": "config.true_or_false",
}


def _number(value: object) -> object:
    """A bound as pydantic printed it: ``1000000.0`` reads ``1000000``."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _choices(field: str) -> str:
    """The values a `Literal` settings field takes, as code spans (``"`low`, `medium`, `high`"``)."""
    model = GuildSettings if field in GuildSettings.model_fields else ChannelSettings
    found: list[object] = []
    pending = [model.model_fields[field].annotation]
    while pending:
        annotation = pending.pop(0)
        if get_origin(annotation) is Literal:
            found += get_args(annotation)
        else:
            pending += get_args(annotation)
    return ", ".join(f"`{value}`" for value in found)


def invalid_settings(error: ValidationError) -> InputError:
    """The `InputError` to raise for a rejected settings change (see `validation_sentence`)."""
    sentence = validation_sentence(error)
    return InputError.keyed(sentence.key, **sentence.values)


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
