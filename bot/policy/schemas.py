"""Typed per-guild and per-channel settings (pydantic), and the option words they are made of.

The one home of the aspect ratios and the lockable (neutral) options: `AspectRatio` and
`LockableOption` are the `Literal` types the commands offer as choices, `ASPECT_RATIOS` and
`LOCKABLE_OPTIONS` the same values as tuples. Pure: storage keeps these models (only the
overrides; a guild never configured reads as `GuildSettings()`), policy reads them.

The validators' own refusals are `ValueError(Phrase(...))`: English where pydantic prints them,
and a catalogue key `/config` shows in the moderator's language
(`bot.discord.flows.config.parsing.validation_sentence`).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.i18n import Phrase

AspectRatio = Literal["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
ASPECT_RATIOS: tuple[AspectRatio, ...] = get_args(AspectRatio)
Quality = Literal["low", "medium", "high"]
QUALITIES: tuple[Quality, ...] = get_args(Quality)
Resolution = Literal["1K", "2K", "4K"]
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)
Background = Literal["transparent", "opaque"]
BACKGROUNDS: tuple[Background, ...] = get_args(Background)
Parameter = Literal["quality", "resolution", "seed", "background", "negative_prompt"]
PARAMETERS: tuple[Parameter, ...] = get_args(Parameter)
"""The per-model parameters: offered only where the model takes them (`bot.gateway.capabilities`)."""
LockableOption = Literal[
    "model", "count", "aspect_ratio", "private", "quality", "resolution", "seed", "background",
    "negative_prompt", "enhance",
]  # fmt: skip
LOCKABLE_OPTIONS: tuple[LockableOption, ...] = get_args(LockableOption)
"""The neutral options a server can lock; also the options `ResolvedOptions.sources` covers."""
MAX_SEED = 2**31 - 1
MAX_NEGATIVE_PROMPT = 500
MAX_IMAGES_PER_REQUEST = 10
MAX_TERMS = 200
MAX_TERM_LENGTH = 100

NsfwPolicy = Literal["never", "age_restricted"]
ProviderOptions = dict[str, dict[str, Any]]


def _clean_terms(values: list[str]) -> list[str]:
    collapsed = (" ".join(raw.split()) for raw in values)  # inner runs of whitespace: one space
    terms = list(dict.fromkeys(term for term in collapsed if term))  # first spelling, in order
    if any(len(term) > MAX_TERM_LENGTH for term in terms):
        raise ValueError(Phrase("config.term_too_long", limit=MAX_TERM_LENGTH))
    if len(terms) > MAX_TERMS:
        raise ValueError(Phrase("config.too_many_terms", limit=MAX_TERMS))
    return terms


def _known_ratio(value: str | None) -> str | None:
    if value is not None and value not in ASPECT_RATIOS:
        raise ValueError(Phrase("config.unknown_ratio", ratios=", ".join(ASPECT_RATIOS)))
    return value


class GuildSettings(BaseModel):
    """A guild's configuration. Every field has a default that applies when unset.

    Attributes:
        image_model: Default model for /imagine (None: global default).
        chat_model: Default model for /chatimage (None: global default).
        allowed_models: Models members may choose; empty means every image-capable model.
        default_count: Images per /imagine when the member gives no count.
        max_count: Most images a member may ask for.
        aspect_ratio: Default aspect ratio (None: the model's default).
        provider_options: Default `providerOptions` (per provider key), members cannot set these.
        locked_options: Neutral options members cannot override (`model`, `count`, ...).
        locked_provider_options: Provider options that always win, even over channel settings.
        private_by_default: Results are ephemeral unless the member says otherwise.
        nsfw_policy: `never`, or `age_restricted` (NSFW settings apply only in age-restricted channels).
        nsfw_provider_options: Provider options applied only where NSFW content is allowed.
        blocked_terms: Prompts containing one are refused.
        flagged_terms: Prompts containing one are generated and reported to the log channel.
        log_channel_id: Where reports and config changes are posted.
        cooldown_seconds: Per-member cooldown between generations (0: none).
        daily_quota: Images per member per UTC day (None: unlimited).
        monthly_budget: Spend cap in USD per UTC calendar month, from gateway-reported costs
            (None: no cap).
        quality: Default quality where the model takes one (None: the model's default).
        resolution: Default resolution where the model takes one (None: the model's default).
        background: Default background where the model takes one (None: the model's default).
        negative_prompt: Default negative prompt where the model takes one (a seed has no
            server default: every image would be the same).
        enhance_prompts: A chat model rewrites prompts before generation unless the member says no.
        enhance_model: The chat model that rewrites them (None: see `bot.policy.enhance`).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    image_model: str | None = None
    chat_model: str | None = None
    allowed_models: list[str] = Field(default_factory=list)
    default_count: int = Field(default=1, ge=1, le=MAX_IMAGES_PER_REQUEST)
    max_count: int = Field(default=4, ge=1, le=MAX_IMAGES_PER_REQUEST)
    aspect_ratio: str | None = None
    provider_options: ProviderOptions = Field(default_factory=dict)
    locked_options: list[str] = Field(default_factory=list)
    locked_provider_options: ProviderOptions = Field(default_factory=dict)
    private_by_default: bool = False
    nsfw_policy: NsfwPolicy = "never"
    nsfw_provider_options: ProviderOptions = Field(default_factory=dict)
    blocked_terms: list[str] = Field(default_factory=list)
    flagged_terms: list[str] = Field(default_factory=list)
    log_channel_id: int | None = None
    cooldown_seconds: int = Field(default=0, ge=0, le=86400)
    daily_quota: int | None = Field(default=None, ge=1, le=100000)
    monthly_budget: float | None = Field(default=None, gt=0, le=1_000_000)
    quality: Quality | None = None
    resolution: Resolution | None = None
    background: Background | None = None
    negative_prompt: str | None = Field(default=None, min_length=1, max_length=MAX_NEGATIVE_PROMPT)
    enhance_prompts: bool = False
    enhance_model: str | None = None

    @field_validator("aspect_ratio")
    @classmethod
    def _known_ratio(cls, value: str | None) -> str | None:
        return _known_ratio(value)

    @field_validator("locked_options")
    @classmethod
    def _known_locks(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(LOCKABLE_OPTIONS))
        if unknown:
            lockable = ", ".join(LOCKABLE_OPTIONS)
            raise ValueError(Phrase("config.cannot_lock", options=", ".join(unknown), lockable=lockable))
        return sorted(set(value))

    @field_validator("blocked_terms", "flagged_terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        return _clean_terms(value)

    @field_validator("allowed_models")
    @classmethod
    def _models(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))

    @model_validator(mode="after")
    def _count_within_cap(self) -> GuildSettings:
        if self.default_count > self.max_count:
            raise ValueError(Phrase("config.count_above_max", count=self.default_count, cap=self.max_count))
        return self

    def overrides(self) -> dict[str, Any]:
        """Only the fields that differ from the defaults (what storage keeps)."""
        return self.model_dump(exclude_defaults=True)


class ChannelSettings(BaseModel):
    """Per-channel overrides; None means "inherit from the guild"."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    image_model: str | None = None
    chat_model: str | None = None
    default_count: int | None = Field(default=None, ge=1, le=MAX_IMAGES_PER_REQUEST)
    aspect_ratio: str | None = None
    private_by_default: bool | None = None
    provider_options: ProviderOptions = Field(default_factory=dict)

    @field_validator("aspect_ratio")
    @classmethod
    def _known_ratio(cls, value: str | None) -> str | None:
        return _known_ratio(value)

    def overrides(self) -> dict[str, Any]:
        """Only the fields that are set."""
        return self.model_dump(exclude_defaults=True)
