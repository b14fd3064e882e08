"""Option resolution: the one precedence function (pure, no I/O, no discord).

Option precedence, per option:
locked guild option > member's command option > channel default > guild default > global default.

Decisions worth knowing:

* A member's option on a locked field is not an error: the locked value silently wins, the
  source is ``"locked"`` and a line in `ResolvedOptions.notes` says so (for the result embed).
* A locked field takes the guild's value, or the global default when the guild has none; the
  channel default never applies to a locked field.
* Defaults (channel, guild, global) naming a model that the allow-list or the catalogue rejects
  are skipped with a note; the last resort is the catalogue's first allowed model (what
  ``DEFAULT_IMAGE_MODEL`` documents). A *member's* disallowed or unknown model is refused.
* A guild field counts as set only when it is in ``model_fields_set`` (storage keeps overrides),
  so an unconfigured guild's ``default_count``/``max_count``/``private_by_default`` fall through
  to `GlobalDefaults`.
* Defaults above the count cap are clamped (with a note); a member's count above it is refused.
* Provider options merge (per provider key, recursively): guild < channel < NSFW options (only
  when ``nsfw_policy == "age_restricted"`` and the channel is age-restricted) < locked options.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from bot.errors import InputError, PolicyError
from bot.i18n import Phrase
from bot.policy.parameters import ParameterValue, SupportOf, check_requested, fit_parameter, server_value
from bot.policy.schemas import (
    ASPECT_RATIOS,
    MAX_IMAGES_PER_REQUEST,
    PARAMETERS,
    ChannelSettings,
    GuildSettings,
    Parameter,
    ProviderOptions,
)

Source = Literal["locked", "member", "channel", "guild", "global"]
_MAX_ALLOWED_LISTED = 10
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RequestedOptions:
    """What the member typed; None means "not given"."""

    model: str | None = None
    count: int | None = None
    aspect_ratio: str | None = None
    private: bool | None = None
    quality: str | None = None
    resolution: str | None = None
    seed: int | None = None
    background: str | None = None
    negative_prompt: str | None = None
    enhance: bool | None = None

    def parameter(self, name: Parameter) -> ParameterValue | None:
        """The member's value of a per-model parameter."""
        value: ParameterValue | None = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class GlobalDefaults:
    """Operator-level defaults from `Settings`, the last level of the precedence chain.

    Attributes:
        image_model: Fallback model for /imagine (``DEFAULT_IMAGE_MODEL``).
        chat_model: Fallback model for /chatimage (``DEFAULT_CHAT_MODEL``).
        count: Images per request when nobody set a default.
        max_count: Cap on images per request when the guild set none.
        aspect_ratio: Fallback aspect ratio (None: the model's own default).
        private: Whether results are ephemeral when nobody set a default.
    """

    image_model: str | None = None
    chat_model: str | None = None
    count: int = 1
    max_count: int = 4
    aspect_ratio: str | None = None
    private: bool = False


@dataclass(frozen=True, slots=True)
class ResolvedOptions:
    """The options a generation runs with, and where each came from.

    Attributes:
        model: Gateway model id.
        count: Images to ask for.
        aspect_ratio: Neutral aspect ratio, or None for the model's default.
        private: Whether the result is ephemeral.
        provider_options: Merged ``providerOptions`` (guild < channel < NSFW < locked).
        sources: For each of ``model``, ``count``, ``aspect_ratio``, ``private``: the level
            that supplied the value.
        notes: Short sentences for the result card (locked values, skipped defaults, clamps):
            `Phrase`s, English until the Discord layer shows them in the reader's language.
        age_restricted: The server's age-restricted provider options were applied (the result
            is posted behind spoilers).
        parameters: The per-model parameters sent (only those the model takes), by name.
        enhance: A chat model rewrites the prompt before generation.
        enhance_model: That chat model (set at planning when `enhance`).
    """

    model: str
    count: int
    aspect_ratio: str | None
    private: bool
    provider_options: ProviderOptions = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    age_restricted: bool = False
    parameters: dict[Parameter, ParameterValue] = field(default_factory=dict)
    enhance: bool = False
    enhance_model: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (stored with the job so buttons work after a restart)."""
        return {
            "model": self.model,
            "count": self.count,
            "aspect_ratio": self.aspect_ratio,
            "private": self.private,
            "provider_options": _merge(self.provider_options),
            "sources": dict(self.sources),
            "age_restricted": self.age_restricted,
            "notes": list(self.notes),
            "parameters": dict(self.parameters),
            "enhance": self.enhance,
            "enhance_model": self.enhance_model,
        }

    def display_options(self) -> dict[str, str]:
        """Labels and values for the result card, marking values that came from a default.

        Labels and words are `Phrase`s (equal to their English): the card shows them in the
        reader's language; values such as a model id or a negative prompt stay as they are.
        """
        labels: dict[str, str] = {
            "count": str(self.count),
            "aspect_ratio": self.aspect_ratio or Phrase("value.model_default"),
            "private": Phrase("value.yes" if self.private else "value.no"),
        }
        labels.update({name: str(value) for name, value in self.parameters.items()})
        if self.enhance:
            labels["enhance"] = (
                Phrase("value.yes_with", model=self.enhance_model)
                if self.enhance_model
                else Phrase("value.yes")
            )
        return {Phrase(f"option.{name}"): self.sourced(name, value) for name, value in labels.items()}

    def sourced(self, name: str, value: str) -> str:
        """`value` marked with where it came from, e.g. ``3 (server default)`` (as is if the member's)."""
        source = _SOURCE_KEYS.get(self.sources.get(name))
        return value if source is None else Phrase("value.sourced", value=value, source=Phrase(source))


_SOURCE_KEYS: dict[Source | None, str] = {
    "locked": "source.locked",
    "channel": "source.channel",
    "guild": "source.guild",
}


def resolve_options(
    requested: RequestedOptions,
    guild: GuildSettings,
    channel: ChannelSettings | None,
    defaults: GlobalDefaults,
    *,
    image: bool,
    channel_is_nsfw: bool,
    available_models: Collection[str] | None,
    support: SupportOf | None = None,
) -> ResolvedOptions:
    """Resolve every option by the documented precedence and check the guild's rules.

    Args:
        requested: The member's options.
        guild: The guild's settings (defaults for a guild never configured).
        channel: The channel's overrides, if any.
        defaults: Global defaults from `Settings`.
        image: Which model fields apply: the image ones (``/imagine``), else the chat ones
            (``/chatimage``).
        channel_is_nsfw: Whether the channel is age-restricted.
        available_models: Model ids the catalogue offers for that command, in catalogue order, or None
            when the catalogue is unknown (then any model name is accepted).
        support: What a model takes of the per-model parameters (None: every parameter is
            sent as resolved; see `bot.policy.parameters`).

    Returns:
        The resolved options with their sources and notes.

    Raises:
        PolicyError: a disallowed or unknown model, a count above the cap, or no model at all.
        InputError: a count below 1, an aspect ratio that does not exist, or a parameter the
            model does not take.
    """
    notes: list[str] = []
    sources: dict[str, Source] = {}
    locked = set(guild.locked_options)

    model, sources["model"] = _resolve_model(
        image, requested.model, guild, channel, defaults, available_models, notes
    )

    # A guild "sets" a field only when it is in `model_fields_set` (storage keeps overrides only),
    # so an unconfigured guild falls through to the operator's global defaults.
    configured = guild.model_fields_set
    guild_count = guild.default_count if "default_count" in configured else None
    guild_private = guild.private_by_default if "private_by_default" in configured else None
    cap = guild.max_count if "max_count" in configured else defaults.max_count
    cap = max(1, min(cap, MAX_IMAGES_PER_REQUEST))
    if requested.count is not None and requested.count < 1:
        raise InputError.keyed("options.count_min")
    picked_count, sources["count"] = _pick(
        "count",
        locked,
        requested.count,
        [
            ("channel", channel.default_count if channel else None),
            ("guild", guild_count),
            ("global", defaults.count),
        ],
        notes,
    )
    assert picked_count is not None  # the global level is never None
    count = picked_count
    if count > cap:
        if sources["count"] == "member":
            raise PolicyError.keyed("options.count_cap_one" if cap == 1 else "options.count_cap", cap=cap)
        notes.append(Phrase("note.count_capped", count=count, cap=cap))
        count = cap

    if requested.aspect_ratio is not None and requested.aspect_ratio not in ASPECT_RATIOS:
        choices = ", ".join(ASPECT_RATIOS)
        raise InputError.keyed("options.unknown_ratio", ratio=repr(requested.aspect_ratio), choices=choices)
    aspect_ratio, sources["aspect_ratio"] = _pick(
        "aspect_ratio",
        locked,
        requested.aspect_ratio,
        [
            ("channel", channel.aspect_ratio if channel else None),
            ("guild", guild.aspect_ratio),
            ("global", defaults.aspect_ratio),
        ],
        notes,
    )

    picked_private, sources["private"] = _pick(
        "private",
        locked,
        requested.private,
        [
            ("channel", channel.private_by_default if channel else None),
            ("guild", guild_private),
            ("global", defaults.private),
        ],
        notes,
    )

    layers: list[Mapping[str, Any]] = [guild.provider_options]
    if channel is not None:
        layers.append(channel.provider_options)
    age_restricted = bool(
        guild.nsfw_policy == "age_restricted" and channel_is_nsfw and guild.nsfw_provider_options
    )
    if age_restricted:
        layers.append(guild.nsfw_provider_options)
    layers.append(guild.locked_provider_options)

    parameters = _resolve_parameters(requested, guild, locked, model, support, sources, notes)
    guild_enhance = guild.enhance_prompts if "enhance_prompts" in configured else None
    enhance, sources["enhance"] = _pick(
        "enhance",
        locked,
        requested.enhance,
        [("guild", guild_enhance), ("global", False)],  # no channel level
        notes,
    )

    return ResolvedOptions(
        model=model,
        count=count,
        aspect_ratio=aspect_ratio,
        private=bool(picked_private),
        provider_options=_merge(*layers),
        sources=sources,
        notes=notes,
        age_restricted=age_restricted,
        parameters=parameters,
        enhance=bool(enhance),
    )


def with_provider_options(
    options: ResolvedOptions, extra: Mapping[str, Any], locked: Mapping[str, Any], note: str | None = None
) -> ResolvedOptions:
    """`options` with provider options a workflow needs (e.g. an upscale's resolution).

    `extra` goes over the server's and channel's defaults, under the server's locked provider
    options, which still win key by key.

    Args:
        options: Resolved options.
        extra: The workflow's provider options.
        locked: The guild's `locked_provider_options`.
        note: A sentence for the result embed, if any.
    """
    notes = [*options.notes, note] if note else list(options.notes)
    return replace(options, provider_options=_merge(options.provider_options, extra, locked), notes=notes)


def _resolve_parameters(
    requested: RequestedOptions,
    guild: GuildSettings,
    locked: set[str],
    model: str,
    support: SupportOf | None,
    sources: dict[str, Source],
    notes: list[str],
) -> dict[Parameter, ParameterValue]:
    """Each per-model parameter by the precedence, then fitted to what `model` takes."""
    takes = support(model) if support is not None else None
    chosen: dict[Parameter, ParameterValue] = {}
    for name in PARAMETERS:
        member = requested.parameter(name)
        check_requested(name, member)
        levels: list[tuple[Source, ParameterValue | None]] = [
            ("guild", server_value(guild, name)),
            ("global", None),
        ]
        value, source = _pick(name, locked, member, levels, notes)  # type: ignore[misc]  # str | int
        sources[name] = source
        value = fit_parameter(name, value, source, model, takes, notes)
        if value is not None:
            chosen[name] = value
    return chosen


def _pick(
    name: str,
    locked: set[str],
    member: T | None,
    levels: list[tuple[Source, T | None]],
    notes: list[str],
) -> tuple[T | None, Source]:
    """Apply the precedence to one option.

    With `name` locked the guild's value wins, or the global one when the guild has none (a
    locked None aspect ratio then means "the model's default").
    """
    by_level = dict(levels)
    if name in locked:
        value = by_level["guild"]
        if value is None:
            value = by_level["global"]
        if member is not None and member != value:
            notes.append(Phrase("note.locked", option=Phrase(f"option.{name}"), value=_label(value, name)))
        return value, "locked"
    if member is not None:
        return member, "member"
    for source, value in levels:
        if value is not None:
            return value, source
    return None, "global"


def _resolve_model(
    image: bool,
    member: str | None,
    guild: GuildSettings,
    channel: ChannelSettings | None,
    defaults: GlobalDefaults,
    available: Collection[str] | None,
    notes: list[str],
) -> tuple[str, Source]:
    guild_model = guild.image_model if image else guild.chat_model
    global_model = defaults.image_model if image else defaults.chat_model
    channel_model = (channel.image_model if image else channel.chat_model) if channel else None
    allowed = guild.allowed_models
    which = "image" if image else "chat"  # the catalogue names the kind of model in refusals

    candidates: list[tuple[Source, str | None]] = [
        ("channel", channel_model),
        ("guild", guild_model),
        ("global", global_model),
    ]
    last_resort: Source = "global"
    if "model" in guild.locked_options:
        value = guild_model or global_model
        if value is not None:
            if available is not None and value not in available:
                raise PolicyError.keyed(f"options.locked_unavailable_{which}", model=value)
            if member is not None and member != value:
                notes.append(Phrase("note.model_locked", model=value))
            return value, "locked"
        # Locked with no model set anywhere: members still cannot choose, nor can the channel.
        if member is not None:
            notes.append(Phrase("note.model_not_choosable"))
        member, candidates, last_resort = None, [], "locked"

    if member is not None:
        member = member.strip()
        if allowed and member not in allowed:
            raise PolicyError.keyed("options.model_not_allowed", model=member, allowed=_listing(allowed))
        if available is not None and member not in available:
            raise _unknown_model(member, available, which)
        return member, "member"

    for source, value in candidates:
        if value is None:
            continue
        if allowed and value not in allowed:
            notes.append(Phrase(f"note.not_allowed_{source}", model=value))
            continue
        if available is not None and value not in available:
            notes.append(Phrase(f"note.unavailable_{source}", model=value))
            continue
        return value, source

    # Last resort (documented for DEFAULT_IMAGE_MODEL): the catalogue's first usable model.
    for value in available or ():
        if not allowed or value in allowed:
            notes.append(Phrase("note.no_default_model", model=value))
            return value, last_resort
    raise PolicyError.keyed(f"options.no_model_{which}")


def _merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge mappings, later layers winning key by key (copies, never aliases)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = _merge(merged[key], value)
            elif isinstance(value, Mapping):
                merged[key] = _merge(value)
            elif isinstance(value, list):
                merged[key] = list(value)
            else:
                merged[key] = value
    return merged


def _unknown_model(member: str, available: Collection[str], which: str) -> PolicyError:
    """The refusal of a model the catalogue does not have, with close names when there are some."""
    hints = difflib.get_close_matches(member, list(available), cutoff=0.5)  # at most 3
    if hints:
        return PolicyError.keyed(f"options.model_unknown_hint_{which}", model=member, hints=", ".join(hints))
    return PolicyError.keyed(f"options.model_unknown_{which}", model=member)


def _listing(values: list[str]) -> str:
    shown = ", ".join(values[:_MAX_ALLOWED_LISTED])
    more = len(values) - _MAX_ALLOWED_LISTED
    return f"{shown} (and {more} more)" if more > 0 else shown


def _label(value: object, name: str) -> str:
    if value is None:
        return Phrase("value.the_model_default")
    if isinstance(value, bool) and name == "private":
        return Phrase("value.private" if value else "value.public")
    if isinstance(value, bool):
        return Phrase("value.on" if value else "value.off")
    return str(value)
