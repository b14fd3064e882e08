"""How `/config` shows settings, changes and the audit log (pure builders, Discord limits respected).

Blocked and flagged terms are never echoed outside the moderator's own `/config blocked list`
(`flagged list`): everywhere else, including the log channel and the audit view, they appear as
a count, so a log channel that members can read does not become a list of forbidden words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import discord

from bot.discord.views.text import truncate
from bot.money import spend_sentence
from bot.policy import GlobalDefaults
from bot.policy.schemas import ChannelSettings, GuildSettings
from bot.storage.records import AuditEntry, UsageSummary

# Discord's message and embed limits.
CONTENT_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
# A long value (model list, provider options) gets this much of a field, so that the ~17 fields
# of `/config show` can never add up past the 6,000-character embed total.
_LONG_VALUE = 300
_SHORT_VALUE = 120

Change = tuple[str, Any, Any]
COLOUR = discord.Colour.blurple()
LABELS: dict[str, str] = {
    "image_model": "default image model",
    "chat_model": "default chat model",
    "allowed_models": "allowed models",
    "default_count": "default image count",
    "max_count": "maximum image count",
    "aspect_ratio": "default aspect ratio",
    "provider_options": "provider options",
    "locked_options": "locked options",
    "locked_provider_options": "locked provider options",
    "private_by_default": "private by default",
    "nsfw_policy": "NSFW policy",
    "nsfw_provider_options": "age-restricted provider options",
    "blocked_terms": "blocked terms",
    "flagged_terms": "flagged terms",
    "log_channel_id": "log channel",
    "cooldown_seconds": "cooldown",
    "daily_quota": "daily quota",
    "monthly_budget": "monthly budget",
    "quality": "default quality",
    "resolution": "default resolution",
    "background": "default background",
    "negative_prompt": "default negative prompt",
    "enhance_prompts": "prompt enhancement",
    "enhance_model": "prompt enhancement model",
}
REDACTED = frozenset({"blocked_terms", "flagged_terms"})
_UNSET = {
    "image_model": "not set (global default)",
    "chat_model": "not set (global default)",
    "aspect_ratio": "model default",
    "log_channel_id": "none",
    "daily_quota": "unlimited",
    "monthly_budget": "no cap",
    "quality": "model default",
    "resolution": "model default",
    "background": "model default",
    "negative_prompt": "none",
    "enhance_model": "the chat model",
}
_EMPTY_LIST = {"allowed_models": "every image model", "locked_options": "nothing"}


def label(field: str) -> str:
    """The human name of a settings field (lower case), e.g. ``"default image model"``."""
    return LABELS.get(field, field.replace("_", " "))


def format_value(field: str, value: Any, *, channel: bool = False) -> str:
    """Show one settings value in Discord markdown.

    Args:
        field: The `GuildSettings`/`ChannelSettings` field name.
        value: Its value (as in the model, or JSON from the audit log).
        channel: The value is a channel override, where None means "inherit from the server".

    Returns:
        Short markdown, e.g. ``"`bfl/flux-2-pro`"``, ``"on"``, ``"<#123>"``, ``"3 terms"``.
    """
    if value is None:
        return "inherit server setting" if channel else _UNSET.get(field, "not set")
    if field in REDACTED:
        count = len(value)
        return f"{count} term" if count == 1 else f"{count} terms"
    if isinstance(value, bool):
        return "on" if value else "off"
    if field == "log_channel_id":
        return f"<#{value}>"
    if field == "cooldown_seconds":
        return f"{value} s" if value else "off"
    if field == "monthly_budget":
        return f"${value:,.2f}"
    if field == "nsfw_policy":
        return "age-restricted channels only" if value == "age_restricted" else "never"
    if isinstance(value, list):
        if not value:
            return _EMPTY_LIST.get(field, "none")
        return truncate(", ".join(f"`{item}`" for item in value), _LONG_VALUE)
    if isinstance(value, dict):
        if not value:
            return "none"
        return f"`{truncate(json.dumps(value, separators=(',', ':'), sort_keys=True), _LONG_VALUE)}`"
    if isinstance(value, str):
        return f"`{truncate(value, _SHORT_VALUE)}`"
    return str(value)


def changed_fields(
    old: GuildSettings | ChannelSettings, new: GuildSettings | ChannelSettings
) -> list[Change]:
    """``(field, old, new)`` for every field whose value differs, in declaration order."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    return [
        (name, before[name], after[name]) for name in type(new).model_fields if before[name] != after[name]
    ]


def describe_change(field: str, old: Any, new: Any, *, channel: bool = False) -> str:
    """One line describing a change, e.g. ``**Default image model**: `a` → `b```."""
    return f"**{label(field).capitalize()}**: {format_value(field, old, channel=channel)} → " + format_value(
        field, new, channel=channel
    )


def change_reply(
    changes: Sequence[Change],
    current: GuildSettings | ChannelSettings,
    fields: Iterable[str],
    *,
    channel_id: int | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The ephemeral answer to a settings command: what changed (old → new) and any warnings.

    Args:
        changes: From `changed_fields`; empty when the value was already what was asked.
        current: The settings after the command.
        fields: The fields the command was about (shown when nothing changed).
        channel_id: Set for a channel override.
        notes: Warnings, one sentence each.

    Returns:
        At most 2,000 characters.
    """
    channel = channel_id is not None
    where = f" in <#{channel_id}>" if channel else ""
    if changes:
        lines = [f"✅ Updated{where}:"]
        lines += [describe_change(name, old, new, channel=channel) for name, old, new in changes]
    else:
        lines = [f"Nothing changed{where}."]
        for name in fields:
            value = format_value(name, getattr(current, name), channel=channel)
            lines.append(f"**{label(name).capitalize()}** is {value}.")
    lines += [f"⚠️ {note}" for note in notes]
    return truncate("\n".join(lines), CONTENT_LIMIT)


def modlog_changes(changes: Sequence[Change], *, channel_name: str | None = None) -> list[Change]:
    """Changes for `ModLog.config_changed`: labelled fields, term lists reduced to counts."""
    where = f" in #{channel_name}" if channel_name else ""
    result: list[Change] = []
    for name, old, new in changes:
        if name in REDACTED:
            old, new = format_value(name, old), format_value(name, new)
        result.append((label(name).capitalize() + where, old, new))
    return result


def _effective(
    name: str, guild_value: Any, channel: ChannelSettings | None, global_value: Any = None
) -> tuple[Any, str]:
    override = getattr(channel, name, None) if channel is not None else None
    if override is not None:
        return override, " (this channel)"
    if guild_value is not None:
        return guild_value, ""
    return global_value, " (global default)" if global_value is not None else ""


def settings_embed(
    guild: GuildSettings,
    channel: ChannelSettings | None,
    *,
    channel_id: int,
    defaults: GlobalDefaults,
    overridden_channels: int,
) -> discord.Embed:
    """`/config show`: the settings that apply in `channel_id` (server settings plus its overrides).

    Args:
        guild: The server's settings.
        channel: The overrides of the channel the command ran in, if any.
        channel_id: That channel.
        defaults: The operator's global defaults (shown where the server sets nothing).
        overridden_channels: How many channels of the server have overrides.

    Returns:
        An embed within Discord's limits (fields ≤ 1,024, total ≤ 6,000 characters).
    """
    embed = discord.Embed(title="Image settings", colour=COLOUR, description=f"Effective in <#{channel_id}>.")

    def add(name: str, value: str, *, inline: bool = True) -> None:
        embed.add_field(name=name, value=truncate(value, FIELD_LIMIT), inline=inline)

    for field, global_model in (("image_model", defaults.image_model), ("chat_model", defaults.chat_model)):
        value, source = _effective(field, getattr(guild, field), channel, global_model)
        add(label(field).capitalize(), format_value(field, value) + source)
    add("Allowed models", format_value("allowed_models", guild.allowed_models), inline=False)
    # As in `bot.policy.resolve_options`: a field the server never set falls through to the
    # operator's defaults (storage keeps overrides only).
    configured = guild.model_fields_set
    guild_count = guild.default_count if "default_count" in configured else None
    cap = guild.max_count if "max_count" in configured else defaults.max_count
    count, source = _effective("default_count", guild_count, channel, defaults.count)
    add("Images per request", f"default {count}{source} · max {cap}")
    ratio, source = _effective("aspect_ratio", guild.aspect_ratio, channel, defaults.aspect_ratio)
    add("Aspect ratio", format_value("aspect_ratio", ratio) + source)
    guild_private = guild.private_by_default if "private_by_default" in configured else None
    private, source = _effective("private_by_default", guild_private, channel, defaults.private)
    add("Private by default", format_value("private_by_default", private) + source)
    add("Locked options", format_value("locked_options", guild.locked_options))
    add("NSFW policy", format_value("nsfw_policy", guild.nsfw_policy))
    for field in ("provider_options", "locked_provider_options", "nsfw_provider_options"):
        add(label(field).capitalize(), format_value(field, getattr(guild, field)), inline=False)
    add("Blocked terms", format_value("blocked_terms", guild.blocked_terms) + " · `/config blocked list`")
    add("Flagged terms", format_value("flagged_terms", guild.flagged_terms) + " · `/config flagged list`")
    add("Log channel", format_value("log_channel_id", guild.log_channel_id))
    add("Cooldown", format_value("cooldown_seconds", guild.cooldown_seconds))
    add("Daily quota", format_value("daily_quota", guild.daily_quota))
    add("Monthly budget", format_value("monthly_budget", guild.monthly_budget))
    parameters = [
        f"{name.replace('_', ' ').capitalize()}: {format_value(name, getattr(guild, name))}"
        for name in ("quality", "resolution", "background", "negative_prompt")
    ]
    add("Parameters (where the model takes them)", "\n".join(parameters), inline=False)
    enhance = format_value("enhance_prompts", guild.enhance_prompts)
    add("Prompt enhancement", f"{enhance} · model {format_value('enhance_model', guild.enhance_model)}")
    overrides = channel.overrides() if channel is not None else {}
    lines = [f"{label(k).capitalize()}: {format_value(k, v, channel=True)}" for k, v in overrides.items()]
    add("This channel's overrides", "\n".join(lines) or "none", inline=False)
    if overridden_channels:
        embed.set_footer(text=f"{overridden_channels} channel(s) have overrides: /config channel list")
    return embed


def audit_embed(entries: Sequence[AuditEntry]) -> discord.Embed:
    """`/config audit`: newest first, who, what, old → new and when (relative timestamps).

    Args:
        entries: From `Store.list_audit`, newest first.

    Returns:
        An embed whose description stays within 4,096 characters (older entries dropped).
    """
    embed = discord.Embed(title="Recent settings changes", colour=COLOUR)
    lines: list[str] = []
    size = 0
    for entry in entries:
        channel = entry.channel_id is not None
        where = f" in <#{entry.channel_id}>" if channel else ""
        reset = " (reset)" if entry.action.endswith(".reset") else ""
        stamp = int(entry.created_at.timestamp())
        line = truncate(
            f"<t:{stamp}:R> <@{entry.actor_id}>{where}{reset}: "
            + describe_change(entry.field, entry.old, entry.new, channel=channel),
            FIELD_LIMIT,
        )
        if size + len(line) + 1 > DESCRIPTION_LIMIT:
            break
        lines.append(line)
        size += len(line) + 1
    embed.description = "\n".join(lines) or "No settings changes recorded yet."
    if lines:
        embed.set_footer(text=f"Showing the latest {len(lines)} change(s).")
    return embed


def usage_embed(
    summary: UsageSummary,
    days: int,
    *,
    budget: float | None,
    month: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0)),
) -> discord.Embed:
    """`/config usage`: totals and the busiest members of the window (mentions never ping).

    Args:
        summary: From `Store.usage_summary`.
        days: The window's length, for the title.
        budget: The monthly budget, shown for comparison when set.
        month: This UTC month's `(spend, reserved in flight)` from `Store.monthly_spend`.

    Returns:
        An embed within Discord's limits (at most 20 members listed).
    """
    embed = discord.Embed(title=f"Usage over the last {days} day(s)", colour=COLOUR)
    embed.add_field(name="Generations", value=str(summary.generations))
    embed.add_field(name="Images", value=str(summary.images))
    # Costs are what budgets count: settled costs, plus estimates reserved by jobs in progress.
    embed.add_field(name="Cost", value=f"${summary.cost:,.2f}")
    embed.add_field(name="This month", value=spend_sentence(*month, budget), inline=False)
    lines = [
        f"<@{row.user_id}>: {row.generations} generation(s), {row.images} image(s), ${row.cost:,.2f}"
        for row in summary.users[:20]
    ]
    if lines:
        embed.add_field(name="Members", value=truncate("\n".join(lines), FIELD_LIMIT), inline=False)
    if len(summary.users) > 20:
        embed.set_footer(text=f"and {len(summary.users) - 20} more member(s)")
    return embed


def listing(title: str, items: Sequence[str], *, empty: str = "none") -> str:
    """A moderator-only list (blocked terms, allowed models), cut to fit one message.

    Args:
        title: E.g. ``"Blocked terms"``.
        items: The values, shown in code spans.
        empty: What to say when there are none.

    Returns:
        ``"Blocked terms (2): `a`, `b`"``, at most 2,000 characters.
    """
    if not items:
        return f"{title}: {empty}."
    head = f"{title} ({len(items)}): "
    shown: list[str] = []
    size = len(head)
    budget = CONTENT_LIMIT - 40  # room for " … and N more"
    for index, item in enumerate(items):
        code = f"`{item}`"
        if size + len(code) + 2 > budget:
            return head + ", ".join(shown) + f" … and {len(items) - index} more"
        shown.append(code)
        size += len(code) + 2
    return head + ", ".join(shown)


def channels_listing(overrides: Mapping[int, ChannelSettings]) -> str:
    """One line per channel with overrides (≤ 2,000 characters)."""
    if not overrides:
        return "No channel has overrides. Add one with `/config channel set`."
    lines = []
    for channel_id, settings in overrides.items():
        parts = [f"{label(k)} {format_value(k, v, channel=True)}" for k, v in settings.overrides().items()]
        lines.append(f"<#{channel_id}>: " + ", ".join(parts))
    return truncate("\n".join(lines), CONTENT_LIMIT)
