"""Autocomplete choices (pure): at most 25, prefix matches first, every value within 100 characters.

The one builder of model choices: `/imagine`, `/chatimage` and `/config` offer the same labels
(name, id and price) and match the same way (the typed text anywhere in the id or the name).
"""

from __future__ import annotations

from collections.abc import Iterable

from discord import app_commands

from bot.discord.views.text import truncate
from bot.gateway.models import ModelInfo

MAX_CHOICES = 25
CHOICE_LIMIT = 100  # characters in a choice's name, and in its value


def model_choices(models: Iterable[ModelInfo], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete choices among `models` matching `current` (prefix matches first, ≤ 25)."""
    needle = current.casefold().strip()
    hits = [
        m
        for m in models
        if len(m.id) <= CHOICE_LIMIT and (needle in m.id.casefold() or needle in (m.name or "").casefold())
    ]
    hits.sort(key=lambda m: (not m.id.casefold().startswith(needle), m.id))
    return [app_commands.Choice(name=_model_label(m), value=m.id) for m in hits[:MAX_CHOICES]]


def text_choices(values: Iterable[str], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete choices among plain strings (allowed models, terms), ≤ 25."""
    needle = current.casefold().strip()
    hits = [v for v in values if needle in v.casefold() and len(v) <= CHOICE_LIMIT]
    return [app_commands.Choice(name=v, value=v) for v in hits[:MAX_CHOICES]]


def _model_label(model: ModelInfo) -> str:
    name = model.name if model.name and model.name != model.id else None
    text = f"{name} ({model.id})" if name else model.id
    price = model.price_label
    return truncate(f"{text} · {price}" if price else text, CHOICE_LIMIT)
