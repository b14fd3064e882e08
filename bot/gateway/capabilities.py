"""Which per-model parameters each model takes, and where each goes in the request (pure).

The five parameters (`bot.policy.schemas.PARAMETERS`: quality, resolution, seed, background,
negative prompt) are offered only where the model takes them. That is decided here, once:

1. **The catalogue, where the gateway says so.** A `GET /v1/models` entry that carries
   ``supported_parameters`` (the list `/v1/models/{id}/endpoints` documents) is taken at its
   word: a parameter is supported exactly when its name (or its alias in `CATALOGUE_NAMES`) is
   listed. A listed parameter the table below does not place goes top level under its own
   name (``"seed": 42``); resolution is never placed that way (nothing says what its value is).
2. **Otherwise the table** `RULES`: the first rule whose endpoint and model-id prefix match.
   A model no rule matches takes none of the parameters.

Each `Param` says where the value goes:

    endpoint  model prefix                  parameter        where it goes
    images    openai/gpt-image-2            quality          quality (low|medium|high)
    images    openai/gpt-image-             quality          quality
                                            background       background (transparent|opaque)
    images    bfl/                          seed             providerOptions.blackForestLabs.seed
                                            resolution       providerOptions.blackForestLabs.width/height
                                                             (1K: ~1 MP, 2K: ~4 MP, 256-1920 px)
    images    spacexai/grok-imagine-image-pro, xai/…-pro
                                            quality          providerOptions.xai.quality
                                            resolution       providerOptions.xai.resolution (1k|2k)
    images    spacexai/, xai/               quality          providerOptions.xai.quality
    images    google/imagen                 negative prompt  providerOptions.googleVertex.negativePrompt
    chat      google/                       resolution       providerOptions.google.imageConfig.imageSize
                                                             (1K|2K|4K)
                                            seed             seed (the chat completions field)
                                            negative prompt  a last line of the prompt: "Avoid: …"

`docs/parameters.md` explains the sources behind each line. Keep the three in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.gateway.models import Endpoint, ModelInfo
from bot.policy.schemas import PARAMETERS, Parameter

How = Literal["set", "scale", "avoid"]
AVOID_PREFIX = "Avoid: "
CATALOGUE_NAMES: dict[str, Parameter] = {
    "quality": "quality",
    "resolution": "resolution",
    "image_size": "resolution",
    "seed": "seed",
    "background": "background",
    "negative_prompt": "negative_prompt",
}


@dataclass(frozen=True, slots=True)
class Param:
    """Where one parameter goes for one model.

    Attributes:
        path: Keys from the body's top level (``("quality",)``, or ``("providerOptions", "xai",
            "quality")``); for `scale`, the provider's option object.
        values: Our values the model takes (None: all of them).
        wire: Our value -> the provider's spelling, where they differ.
        how: ``set`` the value at `path`; ``scale`` the provider's width/height to the
            resolution (Black Forest Labs); ``avoid``: a last line of the prompt.
    """

    path: tuple[str, ...]
    values: tuple[str, ...] | None = None
    wire: Mapping[str, Any] = field(default_factory=dict)
    how: How = "set"


@dataclass(frozen=True, slots=True)
class Rule:
    """The parameters of the models of one endpoint whose ids start with `prefix`."""

    endpoint: Endpoint
    prefix: str
    params: Mapping[Parameter, Param]


_XAI_QUALITY = Param(("providerOptions", "xai", "quality"))
_XAI_PRO: dict[Parameter, Param] = {
    "quality": _XAI_QUALITY,
    "resolution": Param(("providerOptions", "xai", "resolution"), ("1K", "2K"), {"1K": "1k", "2K": "2k"}),
}
RULES: tuple[Rule, ...] = (
    Rule("images", "openai/gpt-image-2", {"quality": Param(("quality",))}),
    Rule(
        "images", "openai/gpt-image-", {"quality": Param(("quality",)), "background": Param(("background",))}
    ),
    Rule(
        "images",
        "bfl/",
        {
            "seed": Param(("providerOptions", "blackForestLabs", "seed")),
            "resolution": Param(("providerOptions", "blackForestLabs"), ("1K", "2K"), how="scale"),
        },
    ),
    Rule("images", "spacexai/grok-imagine-image-pro", _XAI_PRO),
    Rule("images", "xai/grok-imagine-image-pro", _XAI_PRO),
    Rule("images", "spacexai/", {"quality": _XAI_QUALITY}),
    Rule("images", "xai/", {"quality": _XAI_QUALITY}),
    Rule(
        "images",
        "google/imagen",
        {"negative_prompt": Param(("providerOptions", "googleVertex", "negativePrompt"))},
    ),
    Rule(
        "chat",
        "google/",
        {
            "resolution": Param(
                ("providerOptions", "google", "imageConfig", "imageSize"), ("1K", "2K", "4K")
            ),
            "seed": Param(("seed",)),
            "negative_prompt": Param((), how="avoid"),
        },
    ),
)


@dataclass(frozen=True, slots=True)
class ModelParameters:
    """The parameters one model takes, and who said so (``catalogue`` or ``table``)."""

    model: str
    params: Mapping[Parameter, Param]
    source: Literal["catalogue", "table"]

    def supports(self, name: Parameter, value: object = None) -> bool:
        """Whether the model takes `name` (with `value`, when one is given)."""
        param = self.params.get(name)
        if param is None:
            return False
        return value is None or param.values is None or str(value) in param.values

    def values(self, name: Parameter) -> tuple[str, ...] | None:
        """The values of `name` the model takes (None: all of ours)."""
        param = self.params.get(name)
        return None if param is None else param.values

    @property
    def names(self) -> tuple[Parameter, ...]:
        """The supported parameters, in `PARAMETERS` order."""
        return tuple(name for name in PARAMETERS if name in self.params)


def table_rule(model_id: str, endpoint: Endpoint) -> Rule | None:
    """The first rule of `RULES` for this model on this endpoint."""
    lowered = model_id.lower()
    return next((r for r in RULES if r.endpoint == endpoint and lowered.startswith(r.prefix)), None)


def parameters_for(model_id: str, endpoint: Endpoint, info: ModelInfo | None = None) -> ModelParameters:
    """The parameters `model_id` takes on `endpoint`: the catalogue's word when it gives one, else the table.

    Args:
        model_id: Gateway model id.
        endpoint: ``images`` (`/imagine`) or ``chat`` (`/chatimage`).
        info: The model's catalogue entry, if known.
    """
    rule = table_rule(model_id, endpoint)
    placed: Mapping[Parameter, Param] = rule.params if rule is not None else {}
    if info is not None and info.supported_parameters:
        names = (name.lower() for name in info.supported_parameters)
        listed = {CATALOGUE_NAMES[name] for name in names if name in CATALOGUE_NAMES}
        params: dict[Parameter, Param] = {}
        for name in PARAMETERS:
            if name not in listed:
                continue
            if name in placed:
                params[name] = placed[name]
            elif name != "resolution":
                params[name] = Param((name,))
        return ModelParameters(model_id, params, "catalogue")
    return ModelParameters(model_id, dict(placed), "table")


def place(name: Parameter, model_id: str, endpoint: Endpoint) -> Param:
    """Where a validated parameter goes: the table's place, else top level under its own name."""
    rule = table_rule(model_id, endpoint)
    if rule is not None and name in rule.params:
        return rule.params[name]
    return Param((name,))


def set_path(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """``payload[path[0]][path[1]]… = value``, creating the objects on the way."""
    target = payload
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
