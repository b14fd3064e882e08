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
from bot.i18n import text, translate
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
REDACTED = frozenset({"blocked_terms", "flagged_terms"})
# What an unset field means, as a catalogue key (`unset.*`, `value.*`); others read "not set".
_UNSET = {
    "image_model": "unset.global_default",
    "chat_model": "unset.global_default",
    "aspect_ratio": "unset.model_default",
    "log_channel_id": "value.none",
    "daily_quota": "unset.unlimited",
    "monthly_budget": "unset.no_cap",
    "quality": "unset.model_default",
    "resolution": "unset.model_default",
    "background": "unset.model_default",
    "negative_prompt": "value.none",
    "enhance_model": "unset.chat_model",
}
_EMPTY_LIST = {"allowed_models": "value.every_image_model", "locked_options": "value.nothing"}


def label(field: str, locale: object = None) -> str:
    """The human name of a settings field (lower case), e.g. ``"default image model"``.

    Args:
        field: A `GuildSettings`/`ChannelSettings` field (or ``channel_overrides``).
        locale: The moderator's language (the server's in the log channel); None: English.
    """
    return text(locale, f"setting.{field}")


def heading(field: str, locale: object = None) -> str:
    """`label` with its first letter upper case (``NSFW policy`` keeps its capitals)."""
    name = label(field, locale)
    return name[:1].upper() + name[1:]


def format_value(field: str, value: Any, *, channel: bool = False, locale: object = None) -> str:
    """Show one settings value in Discord markdown.

    Args:
        field: The `GuildSettings`/`ChannelSettings` field name.
        value: Its value (as in the model, or JSON from the audit log).
        channel: The value is a channel override, where None means "inherit from the server".
        locale: The reader's language.

    Returns:
        Short markdown, e.g. ``"`bfl/flux-2-pro`"``, ``"on"``, ``"<#123>"``, ``"3 terms"``.
    """
    if value is None:
        return text(locale, "unset.inherit" if channel else _UNSET.get(field, "unset.not_set"))
    if field in REDACTED:
        count = len(value)
        return text(locale, "value.term_one" if count == 1 else "value.terms", count=count)
    if isinstance(value, bool):
        return text(locale, "value.on" if value else "value.off")
    if field == "log_channel_id":
        return f"<#{value}>"
    if field == "cooldown_seconds":
        return f"{value} s" if value else text(locale, "value.off")
    if field == "monthly_budget":
        return f"${value:,.2f}"
    if field == "nsfw_policy":
        return text(locale, "value.nsfw_age_restricted" if value == "age_restricted" else "value.nsfw_never")
    if isinstance(value, list):
        if not value:
            return text(locale, _EMPTY_LIST.get(field, "value.none"))
        return truncate(", ".join(_code(item, _LONG_VALUE) for item in value), _LONG_VALUE)
    if isinstance(value, dict):
        if not value:
            return text(locale, "value.none")
        return _code(json.dumps(value, separators=(",", ":"), sort_keys=True), _LONG_VALUE)
    if isinstance(value, str):
        return _code(value, _SHORT_VALUE)
    return str(value)


def _code(value: object, limit: int = _SHORT_VALUE) -> str:
    # A backtick in a moderator's value would end the code span and let the rest render as
    # markdown (links included) in the log channel; a look-alike keeps it readable.
    return f"`{truncate(str(value).replace('`', 'ˋ'), limit)}`"


def changed_fields(
    old: GuildSettings | ChannelSettings, new: GuildSettings | ChannelSettings
) -> list[Change]:
    """``(field, old, new)`` for every field whose value differs, in declaration order."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    return [
        (name, before[name], after[name]) for name in type(new).model_fields if before[name] != after[name]
    ]


def describe_change(field: str, old: Any, new: Any, *, channel: bool = False, locale: object = None) -> str:
    """One line describing a change, e.g. ``**Default image model**: `a` → `b```."""
    before = format_value(field, old, channel=channel, locale=locale)
    after = format_value(field, new, channel=channel, locale=locale)
    return f"**{heading(field, locale)}**: {before} → {after}"


def change_reply(
    changes: Sequence[Change],
    current: GuildSettings | ChannelSettings,
    fields: Iterable[str],
    *,
    channel_id: int | None = None,
    notes: Sequence[str] = (),
    locale: object = None,
) -> str:
    """The ephemeral answer to a settings command: what changed (old → new) and any warnings.

    Args:
        changes: From `changed_fields`; empty when the value was already what was asked.
        current: The settings after the command.
        fields: The fields the command was about (shown when nothing changed).
        channel_id: Set for a channel override.
        notes: Warnings, one sentence each (`Phrase`s are shown in `locale`'s language).
        locale: The moderator's language.

    Returns:
        At most 2,000 characters.
    """
    channel = channel_id is not None
    if changes:
        lines = [
            text(locale, "config.updated_in", channel_id=channel_id)
            if channel
            else text(locale, "config.updated")
        ]
        lines += [
            describe_change(name, old, new, channel=channel, locale=locale) for name, old, new in changes
        ]
    else:
        unchanged = text(locale, "config.unchanged_in", channel_id=channel_id) if channel else None
        lines = [unchanged or text(locale, "config.unchanged")]
        for name in fields:
            value = format_value(name, getattr(current, name), channel=channel, locale=locale)
            lines.append(text(locale, "config.is", setting=heading(name, locale), value=value))
    lines += [f"⚠️ {translate(note, locale)}" for note in notes]
    return truncate("\n".join(lines), CONTENT_LIMIT)


def modlog_changes(
    changes: Sequence[Change], *, channel_name: str | None = None, locale: object = None
) -> list[tuple[str, str, str]]:
    """Changes for `ModLog.config_changed`: labelled fields, values shown as `/config` shows them.

    Term lists are reduced to counts (`format_value`).

    Args:
        changes: From `changed_fields`.
        channel_name: The channel of a channel override (None then reads "inherit server setting").
        locale: The log channel's language (the server's).
    """
    result: list[tuple[str, str, str]] = []
    channel = channel_name is not None
    for name, old, new in changes:
        shown = heading(name, locale)
        if channel_name:
            shown = text(locale, "config.in_channel", setting=shown, channel=channel_name)
        before = format_value(name, old, channel=channel, locale=locale)
        after = format_value(name, new, channel=channel, locale=locale)
        result.append((shown, before, after))
    return result


def _effective(
    name: str,
    guild_value: Any,
    channel: ChannelSettings | None,
    global_value: Any = None,
    locale: object = None,
) -> tuple[Any, str]:
    override = getattr(channel, name, None) if channel is not None else None
    if override is not None:
        return override, f" ({text(locale, 'config.this_channel')})"
    if guild_value is not None:
        return guild_value, ""
    return global_value, f" ({text(locale, 'config.global_default')})" if global_value is not None else ""


def settings_embed(
    guild: GuildSettings,
    channel: ChannelSettings | None,
    *,
    channel_id: int,
    defaults: GlobalDefaults,
    overridden_channels: int,
    locale: object = None,
) -> discord.Embed:
    """`/config show`: the settings that apply in `channel_id` (server settings plus its overrides).

    Args:
        guild: The server's settings.
        channel: The overrides of the channel the command ran in, if any.
        channel_id: That channel.
        defaults: The operator's global defaults (shown where the server sets nothing).
        overridden_channels: How many channels of the server have overrides.
        locale: The moderator's language.

    Returns:
        An embed within Discord's limits (fields ≤ 1,024, total ≤ 6,000 characters).
    """
    where = text(locale, "config.show_where", channel_id=channel_id)
    embed = discord.Embed(title=text(locale, "config.show_title"), colour=COLOUR, description=where)

    def add(name: str, value: str, *, inline: bool = True) -> None:
        embed.add_field(name=name, value=truncate(value, FIELD_LIMIT), inline=inline)

    def show(field: str, value: Any) -> str:
        return format_value(field, value, locale=locale)

    for field, global_model in (("image_model", defaults.image_model), ("chat_model", defaults.chat_model)):
        value, source = _effective(field, getattr(guild, field), channel, global_model, locale)
        add(heading(field, locale), show(field, value) + source)
    add(heading("allowed_models", locale), show("allowed_models", guild.allowed_models), inline=False)
    # As in `bot.policy.resolve_options`: a field the server never set falls through to the
    # operator's defaults (storage keeps overrides only).
    configured = guild.model_fields_set
    guild_count = guild.default_count if "default_count" in configured else None
    cap = guild.max_count if "max_count" in configured else defaults.max_count
    count, source = _effective("default_count", guild_count, channel, defaults.count, locale)
    add(
        text(locale, "config.images_per_request"),
        text(locale, "config.count_value", count=f"{count}{source}", cap=cap),
    )
    ratio, source = _effective("aspect_ratio", guild.aspect_ratio, channel, defaults.aspect_ratio, locale)
    add(text(locale, "config.aspect_ratio"), show("aspect_ratio", ratio) + source)
    guild_private = guild.private_by_default if "private_by_default" in configured else None
    private, source = _effective("private_by_default", guild_private, channel, defaults.private, locale)
    add(heading("private_by_default", locale), show("private_by_default", private) + source)
    for field in ("locked_options", "nsfw_policy"):
        add(heading(field, locale), show(field, getattr(guild, field)))
    for field in ("provider_options", "locked_provider_options", "nsfw_provider_options"):
        add(heading(field, locale), show(field, getattr(guild, field)), inline=False)
    add(
        heading("blocked_terms", locale),
        show("blocked_terms", guild.blocked_terms) + " · `/config blocked list`",
    )
    add(
        heading("flagged_terms", locale),
        show("flagged_terms", guild.flagged_terms) + " · `/config flagged list`",
    )
    for field in ("log_channel_id", "cooldown_seconds", "daily_quota", "monthly_budget"):
        add(heading(field, locale), show(field, getattr(guild, field)))
    parameters = [
        f"{_first_upper(text(locale, f'option.{name}'))}: {show(name, getattr(guild, name))}"
        for name in ("quality", "resolution", "background", "negative_prompt")
    ]
    add(text(locale, "config.parameters"), "\n".join(parameters), inline=False)
    enhance = show("enhance_prompts", guild.enhance_prompts)
    model = show("enhance_model", guild.enhance_model)
    add(
        heading("enhance_prompts", locale), text(locale, "config.enhance_value", enabled=enhance, model=model)
    )
    overrides = channel.overrides() if channel is not None else {}
    lines = [
        f"{heading(k, locale)}: {format_value(k, v, channel=True, locale=locale)}"
        for k, v in overrides.items()
    ]
    add(
        text(locale, "config.channel_overrides"), "\n".join(lines) or text(locale, "value.none"), inline=False
    )
    if overridden_channels:
        embed.set_footer(text=text(locale, "config.overridden_footer", count=overridden_channels))
    return embed


def _first_upper(name: str) -> str:
    return name[:1].upper() + name[1:]


def audit_embed(entries: Sequence[AuditEntry], locale: object = None) -> discord.Embed:
    """`/config audit`: newest first, who, what, old → new and when (relative timestamps).

    Args:
        entries: From `Store.list_audit`, newest first.
        locale: The moderator's language.

    Returns:
        An embed whose description stays within 4,096 characters (older entries dropped).
    """
    embed = discord.Embed(title=text(locale, "config.audit_title"), colour=COLOUR)
    lines: list[str] = []
    size = 0
    for entry in entries:
        channel = entry.channel_id is not None
        where = " " + text(locale, "config.audit_in", channel_id=entry.channel_id) if channel else ""
        reset = " " + text(locale, "config.audit_reset") if entry.action.endswith(".reset") else ""
        stamp = int(entry.created_at.timestamp())
        line = truncate(
            f"<t:{stamp}:R> <@{entry.actor_id}>{where}{reset}: "
            + describe_change(entry.field, entry.old, entry.new, channel=channel, locale=locale),
            FIELD_LIMIT,
        )
        if size + len(line) + 1 > DESCRIPTION_LIMIT:
            break
        lines.append(line)
        size += len(line) + 1
    embed.description = "\n".join(lines) or text(locale, "config.audit_empty")
    if lines:
        embed.set_footer(text=text(locale, "config.audit_footer", count=len(lines)))
    return embed


def usage_embed(
    summary: UsageSummary,
    days: int,
    *,
    budget: float | None,
    month: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0)),
    locale: object = None,
) -> discord.Embed:
    """`/config usage`: totals and the busiest members of the window (mentions never ping).

    Args:
        summary: From `Store.usage_summary`.
        days: The window's length, for the title.
        budget: The monthly budget, shown for comparison when set.
        month: This UTC month's `(spend, reserved in flight)` from `Store.monthly_spend`.
        locale: The moderator's language.

    Returns:
        An embed within Discord's limits (at most 20 members listed).
    """
    embed = discord.Embed(title=text(locale, "config.usage_title", days=days), colour=COLOUR)
    embed.add_field(name=text(locale, "config.usage_generations"), value=str(summary.generations))
    embed.add_field(name=text(locale, "config.usage_images"), value=str(summary.images))
    # Costs are what budgets count: settled costs, plus estimates reserved by jobs in progress.
    embed.add_field(name=text(locale, "config.usage_cost"), value=f"${summary.cost:,.2f}")
    embed.add_field(
        name=text(locale, "config.usage_month"), value=spend_text(*month, budget, locale), inline=False
    )
    lines = [
        text(
            locale,
            "config.usage_member",
            member=f"<@{row.user_id}>",
            generations=row.generations,
            images=row.images,
            cost=f"${row.cost:,.2f}",
        )
        for row in summary.users[:20]
    ]
    if lines:
        members = truncate("\n".join(lines), FIELD_LIMIT)
        embed.add_field(name=text(locale, "config.usage_members"), value=members, inline=False)
    if len(summary.users) > 20:
        embed.set_footer(text=text(locale, "config.usage_more", count=len(summary.users) - 20))
    return embed


def spend_text(spent: Decimal, in_flight: Decimal, budget: float | None, locale: object = None) -> str:
    """This month's spend against the budget, reservations of jobs in progress included."""
    if budget is None:
        line = text(locale, "config.spend_no_budget", spent=f"${spent:,.2f}")
    else:
        line = text(locale, "config.spend", spent=f"${spent:,.2f}", budget=f"${budget:,.2f}")
    if in_flight > 0:
        line = text(locale, "config.spend_reserved", spend=line, reserved=f"${in_flight:,.2f}")
    return line


def listing(title: str, items: Sequence[str], *, empty: str | None = None, locale: object = None) -> str:
    """A moderator-only list (blocked terms, allowed models), cut to fit one message.

    Args:
        title: E.g. ``"Blocked terms"``.
        items: The values, shown in code spans.
        empty: What to say when there are none (default: "none").
        locale: The moderator's language.

    Returns:
        ``"Blocked terms (2): `a`, `b`"``, at most 2,000 characters.
    """
    if not items:
        return text(locale, "config.list_empty", title=title, empty=empty or text(locale, "value.none"))
    head = f"{title} ({len(items)}): "
    shown: list[str] = []
    size = len(head)
    budget = CONTENT_LIMIT - 40  # room for " … and N more"
    for index, item in enumerate(items):
        code = f"`{item}`"
        if size + len(code) + 2 > budget:
            return head + ", ".join(shown) + " " + text(locale, "config.list_more", count=len(items) - index)
        shown.append(code)
        size += len(code) + 2
    return head + ", ".join(shown)


def channels_listing(overrides: Mapping[int, ChannelSettings], locale: object = None) -> str:
    """One line per channel with overrides (≤ 2,000 characters)."""
    if not overrides:
        return text(locale, "config.no_overrides")
    lines = []
    for channel_id, settings in overrides.items():
        parts = [
            f"{label(k, locale)} {format_value(k, v, channel=True, locale=locale)}"
            for k, v in settings.overrides().items()
        ]
        lines.append(f"<#{channel_id}>: " + ", ".join(parts))
    return truncate("\n".join(lines), CONTENT_LIMIT)
