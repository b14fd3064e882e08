"""Pure edits of settings (given to `Store.update_*_settings` as `mutate`) and the warnings they deserve.

Each edit receives a private copy (the store may call it again after a concurrent write) and
returns it; `GuildSettings` validates on assignment, so an edit that breaks a rule raises
`pydantic.ValidationError` before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, get_args

from bot.discord.flows.config.parsing import Scalar
from bot.gateway.models import Endpoint
from bot.i18n import Phrase
from bot.policy.schemas import PARAMETERS, ChannelSettings, GuildSettings

GuildEdit = Callable[[GuildSettings], GuildSettings]
ChannelEdit = Callable[[ChannelSettings], ChannelSettings]
ProviderScope = Literal["provider_options", "locked_provider_options", "nsfw_provider_options"]
PROVIDER_SCOPES: tuple[ProviderScope, ...] = get_args(ProviderScope)


def add_terms(field: str, terms: list[str]) -> GuildEdit:
    """Append `terms` to ``blocked_terms`` or ``flagged_terms`` (repeats are dropped by the model)."""

    def edit(settings: GuildSettings) -> GuildSettings:
        current: list[str] = getattr(settings, field)
        known = {t.casefold() for t in current}
        setattr(settings, field, [*current, *(t for t in terms if t.casefold() not in known)])
        return settings

    return edit


def remove_terms(field: str, terms: list[str]) -> GuildEdit:
    """Remove `terms` (case-insensitively) from ``blocked_terms`` or ``flagged_terms``."""
    gone = {t.casefold() for t in terms}

    def edit(settings: GuildSettings) -> GuildSettings:
        setattr(settings, field, [t for t in getattr(settings, field) if t.casefold() not in gone])
        return settings

    return edit


def missing_terms(current: list[str], terms: list[str]) -> list[str]:
    """The `terms` that are not in `current` (case-insensitively), for "not found" notes."""
    known = {t.casefold() for t in current}
    return [t for t in terms if t.casefold() not in known]


def add_model(model_id: str) -> GuildEdit:
    """Add a model to the allow-list."""

    def edit(settings: GuildSettings) -> GuildSettings:
        settings.allowed_models = [*settings.allowed_models, model_id]
        return settings

    return edit


def remove_model(model_id: str) -> GuildEdit:
    """Remove a model from the allow-list."""

    def edit(settings: GuildSettings) -> GuildSettings:
        settings.allowed_models = [m for m in settings.allowed_models if m != model_id]
        return settings

    return edit


def set_lock(option: str, locked: bool) -> GuildEdit:
    """Lock or unlock one neutral option (``model``, ``count``, ``aspect_ratio``, ``private``)."""

    def edit(settings: GuildSettings) -> GuildSettings:
        others = [o for o in settings.locked_options if o != option]
        settings.locked_options = [*others, option] if locked else others
        return settings

    return edit


def set_provider_option(scope: ProviderScope, provider: str, key: str, value: Scalar) -> GuildEdit:
    """Set ``providerOptions[provider][key]`` in one scope, removing it from the other two.

    A key lives in one scope at a time, so "make it locked" and "make it a plain default" are
    both one command and `/config show` never lists the same key twice.
    """

    def edit(settings: GuildSettings) -> GuildSettings:
        for other in PROVIDER_SCOPES:
            options = _without(getattr(settings, other), provider, key)
            if other == scope:
                options.setdefault(provider, {})[key] = value
            setattr(settings, other, options)
        return settings

    return edit


def unset_provider_option(provider: str, key: str) -> GuildEdit:
    """Remove ``providerOptions[provider][key]`` from every scope."""

    def edit(settings: GuildSettings) -> GuildSettings:
        for scope in PROVIDER_SCOPES:
            setattr(settings, scope, _without(getattr(settings, scope), provider, key))
        return settings

    return edit


def set_channel_provider_option(provider: str, key: str, value: Scalar | None) -> ChannelEdit:
    """Set (or with `value` None, remove) ``providerOptions[provider][key]`` in one channel."""

    def edit(settings: ChannelSettings) -> ChannelSettings:
        options = _without(settings.provider_options, provider, key)
        if value is not None:
            options.setdefault(provider, {})[key] = value
        settings.provider_options = options
        return settings

    return edit


def has_provider_option(settings: GuildSettings, provider: str, key: str) -> bool:
    """Whether `key` of `provider` is set in any scope."""
    return any(key in getattr(settings, scope).get(provider, {}) for scope in PROVIDER_SCOPES)


def _without(options: dict[str, dict[str, Any]], provider: str, key: str) -> dict[str, dict[str, Any]]:
    copy = {name: dict(values) for name, values in options.items()}
    copy.get(provider, {}).pop(key, None)
    return {name: values for name, values in copy.items() if values}


# --- warnings shown with a successful change (Phrases: English, shown in the moderator's language)


def model_notes(settings: GuildSettings, model_id: str | None, endpoint: Endpoint) -> list[str]:
    """Warn when a default model will be skipped because the allow-list leaves it out."""
    if model_id and settings.allowed_models and model_id not in settings.allowed_models:
        kind = "image" if endpoint == "images" else "chat"
        return [Phrase(f"config.note_not_allowed_{kind}", model=model_id)]
    return []


def allowed_notes(settings: GuildSettings) -> list[str]:
    """Warn when the allow-list leaves out a configured default model."""
    if not settings.allowed_models:
        return [Phrase("config.note_allow_list_empty")]
    return [
        Phrase(f"config.note_default_skipped_{kind}", model=model)
        for kind, model in (("image", settings.image_model), ("chat", settings.chat_model))
        if model and model not in settings.allowed_models
    ]


def lock_notes(settings: GuildSettings, option: str) -> list[str]:
    """Explain what a lock without a server value means."""
    if option not in settings.locked_options:
        return []
    configured = settings.model_fields_set
    value = {
        "model": settings.image_model,
        "count": settings.default_count if "default_count" in configured else None,
        "aspect_ratio": settings.aspect_ratio,
        "private": settings.private_by_default if "private_by_default" in configured else None,
        "enhance": settings.enhance_prompts if "enhance_prompts" in configured else None,
        "seed": None,
    }.get(option, getattr(settings, option, None))
    name = Phrase(f"option.{option}")
    if option == "seed":
        return [Phrase("config.note_no_seed")]
    if value is None and option in PARAMETERS:
        return [Phrase("config.note_lock_model_default", option=name)]
    if value is None:
        return [Phrase("config.note_lock_global_default", option=name)]
    return []
