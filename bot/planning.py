"""`Planner`: where a request's settings come from and how it becomes a `Plan`.

The half of `GenerationService` before any I/O: moderation, the operator's rules and option
resolution are synchronous and pure, so a refusal can be the interaction's first response (a
settings read from the database happens only on a cold cache, after the deferral).
`GenerationService` is a `Planner`; nothing else builds one.
"""

from __future__ import annotations

import dataclasses

from bot.errors import PolicyError
from bot.gateway.capabilities import parameters_for
from bot.gateway.catalog import ModelCatalog
from bot.gateway.models import Endpoint
from bot.jobs import Kind, Plan, Requester
from bot.money import CostControl
from bot.policy import (
    ChannelSettings,
    GlobalDefaults,
    GuildSettings,
    RequestedOptions,
    check_prompt,
    resolve_options,
)
from bot.policy.operator import OperatorPolicy
from bot.policy.parameters import enhance_model
from bot.storage.store import Store


class Planner:
    """Settings look-ups and planning for `GenerationService`.

    Args:
        catalog: The cached model catalogue.
        store: Guild and channel settings (cached).
        defaults: Global defaults from `Settings`.
        operator: The operator's policy: a floor in servers, the whole rule set outside them.
        cost: The operator's caps and switches (a paused bot or a blocked member plans nothing).
    """

    def __init__(
        self,
        *,
        catalog: ModelCatalog,
        store: Store,
        defaults: GlobalDefaults,
        operator: OperatorPolicy | None,
        cost: CostControl,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.defaults = defaults
        self.operator = operator or OperatorPolicy()
        self.cost = cost

    # --- settings ---------------------------------------------------------------------

    def cached_settings(
        self, guild_id: int | None, channel_id: int | None
    ) -> tuple[GuildSettings, ChannelSettings | None] | None:
        """Settings from the in-memory cache, or None when a database read is needed.

        `guild_id` None means a place outside servers: the operator's rules apply there.
        """
        if guild_id is None:
            return self.operator.outside_servers(), None
        guild = self.store.get_cached_guild_settings(guild_id)
        if guild is None:
            return None
        channel = None
        if channel_id is not None:
            channel = self.store.get_cached_channel_settings(guild_id, channel_id)
            if channel is None:
                return None
        return guild, channel

    async def fetch_settings(
        self, guild_id: int | None, channel_id: int | None
    ) -> tuple[GuildSettings, ChannelSettings | None]:
        """Settings from the cache or the database (the operator's rules outside servers)."""
        if guild_id is None:
            return self.operator.outside_servers(), None
        guild = await self.store.get_guild_settings(guild_id)
        channel = await self.store.get_channel_settings(guild_id, channel_id) if channel_id else None
        return guild, channel

    # --- planning (pure) ------------------------------------------------------------------

    def available_models(self, kind: Kind) -> list[str] | None:
        """Ids the catalogue knows for `kind`, or None when the catalogue is still empty."""
        models = self.catalog.image_models("images" if kind == "imagine" else "chat")
        return [m.id for m in models] or None

    def plan(
        self,
        kind: Kind,
        requester: Requester,
        prompt: str,
        requested: RequestedOptions,
        settings: tuple[GuildSettings, ChannelSettings | None],
        *,
        parent_job_id: str | None = None,
    ) -> Plan:
        """Moderate the prompt and resolve options. Pure and synchronous.

        Raises:
            OperatorRefusal: the operator paused the bot or blocked this user or server.
            PolicyError: a blocked term, a disallowed model or count, NSFW rules.
        """
        self.cost.check(requester.user_id, requester.guild_id)
        guild, channel = settings
        operator = self.operator
        verdict = check_prompt(prompt, guild, operator.blocked_terms)
        if verdict.blocked_rule is not None:
            raise PolicyError(verdict.blocked_rule)
        image = kind == "imagine"
        operator.check_choice(image, requested.model, guild)
        endpoint: Endpoint = "images" if image else "chat"
        options = resolve_options(
            requested,
            guild,
            channel,
            self.defaults,
            image=image,
            channel_is_nsfw=requester.channel_is_nsfw,
            available_models=operator.usable_models(self.available_models(kind)),
            support=lambda model: parameters_for(model, endpoint, self.catalog.get(model)),
        )
        operator.check_model(options.model)
        negative = options.parameters.get("negative_prompt")
        if negative is not None:
            rule = check_prompt(str(negative), guild, operator.blocked_terms).blocked_rule
            if rule is not None:
                raise PolicyError(rule)
        if options.enhance:
            models = self.catalog.get_models()
            language = [m.id for m in models if m.type in (None, "language")] if models else None
            text_only = [m.id for m in models if m.type == "language" and not m.makes_images]
            chosen = enhance_model(guild, self.defaults, language, text_only, operator.check_model)
            options = dataclasses.replace(options, enhance_model=chosen)
        return Plan(
            kind=kind,
            requester=requester,
            prompt=prompt,
            options=options,
            guild=guild,
            flagged_terms=list(verdict.flagged_terms),
            parent_job_id=parent_job_id,
        )
