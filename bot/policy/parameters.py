"""Per-model parameters and prompt enhancement: precedence, locks, and the model's support (pure).

Each parameter (quality, resolution, seed, background, negative prompt) and ``enhance`` follow
the precedence of every other option (`bot.policy.options`): locked server value > member >
server default > nothing (the model's own default). Then the chosen model decides
(`ParameterSupport`, built from `bot.gateway.capabilities` by the generation service):

* a value the **member** gave that the model does not take is refused (`InputError`, one
  sentence naming the model and what it offers), before anything is deferred or spent;
* a **server default or locked value** the model does not take is skipped with a note (the
  same server serves models that take it and models that do not).

A seed has no server default (every image would be the same); it can be locked, which means
members cannot choose one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.errors import InputError, PolicyError
from bot.i18n import Phrase
from bot.policy.schemas import (
    BACKGROUNDS,
    MAX_SEED,
    QUALITIES,
    RESOLUTIONS,
    GuildSettings,
    Parameter,
)

if TYPE_CHECKING:
    from bot.policy.options import GlobalDefaults, Source

ParameterValue = str | int
_CHOICES: dict[Parameter, tuple[str, ...]] = {
    "quality": QUALITIES,
    "resolution": RESOLUTIONS,
    "background": BACKGROUNDS,
}


class ParameterSupport(Protocol):
    """What one model takes (`bot.gateway.capabilities.ModelParameters` is one)."""

    def supports(self, name: Parameter, value: object = None) -> bool:
        """Whether the model takes `name` (with `value`, when one is given)."""
        ...

    def values(self, name: Parameter) -> tuple[str, ...] | None:
        """The values of `name` the model takes (None: all of ours)."""
        ...


SupportOf = Callable[[str], ParameterSupport]


def check_requested(name: Parameter, value: ParameterValue | None) -> None:
    """Refuse a value outside our own choices (Discord's choices normally prevent it).

    Raises:
        InputError: an unknown quality/resolution/background, a seed out of range or an
            empty negative prompt.
    """
    if value is None:
        return
    choices = _CHOICES.get(name)
    if choices is not None and value not in choices:
        raise InputError.keyed(
            "parameter.unknown", option=label(name), value=repr(value), choices=", ".join(choices)
        )
    if name == "seed" and not (isinstance(value, int) and 0 <= value <= MAX_SEED):
        raise InputError.keyed("parameter.seed_range", max=MAX_SEED)
    if name == "negative_prompt" and not str(value).strip():
        raise InputError.keyed("parameter.negative_empty")


def server_value(guild: GuildSettings, name: Parameter) -> ParameterValue | None:
    """The server's default of a parameter (a seed has none)."""
    return None if name == "seed" else getattr(guild, name)


def fit_parameter(
    name: Parameter,
    value: ParameterValue | None,
    source: Source,
    model: str,
    support: ParameterSupport | None,
    notes: list[str],
) -> ParameterValue | None:
    """The value sent for `name`, or None; refuses a member's value the model does not take.

    Raises:
        InputError: the member gave a parameter (or value) the model does not take.
    """
    if value is None or support is None or support.supports(name, value):
        return value
    offered = support.values(name) if support.supports(name) else None
    if source == "member":
        if offered is not None:
            raise InputError.keyed(
                "parameter.not_offered",
                model=model,
                option=label(name),
                value=value,
                offered=", ".join(offered),
            )
        raise InputError.keyed("parameter.not_taken", model=model, option=label(name))
    level = source if source in ("locked", "guild", "channel") else "other"
    notes.append(Phrase(f"note.skipped_{level}", option=label(name), value=value, model=model))
    return None


def label(name: Parameter) -> Phrase:
    """A parameter's name as members read it (``negative prompt``), in their language when shown."""
    return Phrase(f"option.{name}")


def enhance_model(
    guild: GuildSettings,
    defaults: GlobalDefaults,
    language_models: Collection[str] | None,
    text_only: Sequence[str] = (),
    check: Callable[[str], None] | None = None,
) -> str:
    """The chat model that rewrites prompts.

    In order: the server's `enhance_model`; the server's chat model; the bot's
    ``DEFAULT_CHAT_MODEL``; the first text-only language model of the catalogue (`text_only`).
    A model the catalogue does not list as a language model is skipped (when the catalogue is
    known), and so is one `check` refuses (the operator's allow-list).

    Raises:
        PolicyError: no model can rewrite prompts.
    """
    for model in (guild.enhance_model, guild.chat_model, defaults.chat_model, *text_only):
        if not model or (language_models is not None and model not in language_models):
            continue
        if check is not None:
            try:
                check(model)
            except PolicyError:
                continue
        return model
    raise PolicyError.keyed("parameter.no_enhance_model")
