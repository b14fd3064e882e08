"""``INTERACTION_CREATE`` payloads for the fake gateway, typed with ``discord.types.interactions``.

:class:`InteractionFactory` builds slash commands (options, sub-command groups, attachments),
autocomplete, component clicks and modal submits against a :class:`FakeWorld`; who invokes them
and where is the same set of keywords for every kind (:class:`Invocation`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, cast

from tests.fakes.payloads._world import (
    ALL_PERMISSIONS,
    BOT_PERMISSIONS,
    DEFAULT_UPLOAD_LIMIT,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    FakeWorld,
    iso_now,
)

if TYPE_CHECKING:
    # Imported for typing only: importing discord.types.interactions first at runtime trips a
    # circular import inside discord.types.
    from discord.types.interactions import (
        ApplicationCommandInteraction,
        MessageComponentInteraction,
        ModalSubmitInteraction,
    )

CommandLookup = Callable[[str, int | None], tuple[int, int | None] | None]


class Invocation(TypedDict, total=False):
    """Who invokes an interaction and where: keywords every :class:`InteractionFactory` builder takes.

    Attributes:
        user: The invoking user (default ``alice``).
        guild: The guild (default: the first one); ``None`` or ``False`` for a DM.
        channel: The channel (default: the guild's #general).
        permissions: Override the member's computed permissions (e.g. ``MANAGE_GUILD``).
        app_permissions: The bot's permissions in the channel (default ``BOT_PERMISSIONS``).
        attachment_size_limit: Per-file upload limit the bot must respect (default 10 MiB).
        locale: The user's locale (default ``en-US``).
    """

    user: FakeUser | None
    guild: FakeGuild | bool | None
    channel: FakeChannel | None
    permissions: int | None
    app_permissions: int
    attachment_size_limit: int
    locale: str


@dataclass(frozen=True)
class Opt:
    """An explicitly typed option value (``type`` is Discord's option type, e.g. 6 for USER)."""

    type: int
    value: Any


#: What :meth:`InteractionFactory.slash` accepts as an option value.
OptionValue = str | int | float | bool | dict[str, Any] | FakeUser | FakeChannel | FakeRole | Opt


def attachment_payload(
    attachment_id: int,
    filename: str,
    size: int,
    url: str,
    *,
    content_type: str | None = None,
    proxy_url: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> dict[str, Any]:
    """Return an attachment object (as in ``resolved.attachments``)."""
    data: dict[str, Any] = {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": proxy_url or url,
    }
    if content_type:
        data["content_type"] = content_type
    if width is not None and height is not None:
        data["width"], data["height"] = width, height
    return data


class InteractionFactory:
    """Build ``INTERACTION_CREATE`` payloads against a :class:`FakeWorld`.

    Args:
        world: The world whose users, guilds and channels the payloads reference.
        command_lookup: ``(name, guild_id) -> (command_id, command_guild_id)`` of a command the bot
            registered (the fake API provides one); unregistered names get a fresh id.
    """

    def __init__(self, world: FakeWorld, command_lookup: CommandLookup | None = None) -> None:
        """Bind the factory to a world."""
        self.world = world
        self._command_lookup = command_lookup

    # -- public builders -------------------------------------------------------------------

    def slash(
        self,
        *path: str,
        options: Mapping[str, OptionValue] | None = None,
        focused: str | None = None,
        command_id: int | None = None,
        **context: Unpack[Invocation],
    ) -> ApplicationCommandInteraction:
        """Build a chat-input command interaction (type 2, or 4 with ``focused``).

        Args:
            *path: Command name, then sub-command group and/or sub-command
                (``slash("config", "set", "model", ...)``).
            options: Option values; the Discord type is inferred (bool 5, int 4, float 10, str 3,
                attachment dict 11, FakeUser 6, FakeChannel 7, FakeRole 8) or given with :class:`Opt`.
            focused: Name of the option being typed (autocomplete, interaction type 4).
            command_id: Command id; default from ``command_lookup`` or a fresh snowflake.
            **context: Who invokes it and where (:class:`Invocation`).

        Returns:
            The interaction payload.
        """
        if not path:
            raise ValueError("slash() needs at least the command name")
        resolved: dict[str, dict[str, Any]] = {}
        leaf = [
            self._option(name, value, resolved, focused=name == focused)
            for name, value in (options or {}).items()
        ]
        if focused is not None and focused not in (options or {}):
            raise ValueError(f"focused option {focused!r} is not in options")
        nested: list[dict[str, Any]] = leaf
        for depth, name in reversed(list(enumerate(path[1:], start=1))):
            # Innermost name is a sub-command (type 1); a name above it is a group (type 2).
            kind = 1 if depth == len(path) - 1 else 2
            nested = [{"type": kind, "name": name, "options": nested}]
        base = self._base(4 if focused else 2, **context)
        cmd_id, cmd_guild = self._resolve_command(path[0], base.get("guild_id"), command_id)
        data: dict[str, Any] = {"id": str(cmd_id), "name": path[0], "type": 1, "options": nested}
        if resolved:
            data["resolved"] = resolved
        if cmd_guild is not None:
            data["guild_id"] = str(cmd_guild)
        base["data"] = data
        return cast("ApplicationCommandInteraction", base)

    def autocomplete(
        self, *path: str, focused: str, options: Mapping[str, OptionValue], **kwargs: Any
    ) -> ApplicationCommandInteraction:
        """Build an autocomplete interaction (type 4); ``options[focused]`` is the partial input."""
        return self.slash(*path, options=options, focused=focused, **kwargs)

    def component(
        self,
        custom_id: str,
        *,
        message: Mapping[str, Any] | None = None,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        **context: Unpack[Invocation],
    ) -> MessageComponentInteraction:
        """Build a component interaction (type 3): a button click or a select.

        Args:
            custom_id: The clicked component's ``custom_id``.
            message: The message carrying the component (e.g. ``FakeMessage.to_payload()``);
                default: a bot message in ``channel`` with one button/select of that ``custom_id``.
                discord.py rebuilds ``DynamicItem``s from this message, so it must contain the component.
            component_type: 2 button, 3 string select, 5-8 entity selects.
            values: Selected values (selects only).
            **context: Who clicks and where (:class:`Invocation`).

        Returns:
            The interaction payload.
        """
        base = self._base(3, **context)
        if message is None:
            message = self.bot_message(
                int(base["channel_id"]), [self._component_row(custom_id, component_type)]
            )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = list(values or [])
        base["data"] = data
        base["message"] = dict(message)
        return cast("MessageComponentInteraction", base)

    def modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        modal_components: Sequence[Mapping[str, Any]] | None = None,
        message: Mapping[str, Any] | None = None,
        uploads: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        **context: Unpack[Invocation],
    ) -> ModalSubmitInteraction:
        """Build a modal submit (type 5).

        Args:
            custom_id: The modal's ``custom_id`` (from the type-9 callback the bot sent).
            values: Text input ``custom_id`` -> submitted text.
            modal_components: The modal's ``components`` from that callback; the submit mirrors
                their structure (action rows or labels). Default: one action row per value.
            message: The message whose component opened the modal, if any.
            uploads: File-upload ``custom_id`` -> the attachment objects uploaded there (from
                ``add_cdn_file``); Discord sends their ids as the field's ``values`` and the
                objects in ``resolved.attachments``.
            **context: Who submits and where (:class:`Invocation`).

        Returns:
            The interaction payload.
        """
        base = self._base(5, **context)
        if modal_components is None:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                for key, value in values.items()
            ]
        else:
            files = {key: [str(a["id"]) for a in found] for key, found in (uploads or {}).items()}
            components = [_submitted(c, values, files) for c in modal_components]
        base["data"] = {"custom_id": custom_id, "components": components}
        if uploads:
            attachments = {str(a["id"]): dict(a) for found in uploads.values() for a in found}
            base["data"]["resolved"] = {"attachments": attachments}
        if message is not None:
            base["message"] = dict(message)
        return cast("ModalSubmitInteraction", base)

    def bot_message(
        self, channel_id: int, components: list[dict[str, Any]], *, content: str = "result"
    ) -> dict[str, Any]:
        """Return a message the bot posted earlier in ``channel_id`` carrying ``components``."""
        return {
            "id": str(self.world.snowflakes()),
            "channel_id": str(channel_id),
            "type": 0,
            "content": content,
            "author": self.world.bot_user.to_payload(),
            "attachments": [],
            "embeds": [],
            "components": components,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "flags": 0,
            "application_id": str(self.world.application_id),
        }

    # -- internals ---------------------------------------------------------------------------

    def _resolve_command(
        self, name: str, guild_id: str | None, command_id: int | None
    ) -> tuple[int, int | None]:
        if command_id is not None:
            return command_id, None
        if self._command_lookup is not None:
            found = self._command_lookup(name, int(guild_id) if guild_id else None)
            if found is not None:
                return found
        return self.world.snowflakes(), None

    def _base(
        self,
        interaction_type: int,
        *,
        user: FakeUser | None = None,
        guild: FakeGuild | bool | None = True,
        channel: FakeChannel | None = None,
        permissions: int | None = None,
        app_permissions: int = BOT_PERMISSIONS,
        attachment_size_limit: int = DEFAULT_UPLOAD_LIMIT,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Return the fields every interaction type shares (see :class:`Invocation`)."""
        world = self.world
        user = user or world.alice
        the_guild = world.guild if guild is True else (guild or None)
        base: dict[str, Any] = {
            "id": str(world.snowflakes()),
            "application_id": str(world.application_id),
            "type": interaction_type,
            "token": f"fake-token-{world.snowflakes()}",
            "version": 1,
            "locale": locale,
            "app_permissions": str(app_permissions),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": attachment_size_limit,
        }
        if the_guild is None:
            dm = channel or FakeChannel(world.snowflakes(), "", None, type=1)
            base["user"] = user.to_payload()
            base["channel"] = {**dm.to_payload(), "recipients": [user.to_payload()]}
            base["channel_id"] = str(dm.id)
            base["context"] = 1
            base["authorizing_integration_owners"] = {"1": str(user.id)}
            return base
        member = the_guild.member(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of {the_guild.name}")
        channel = channel or the_guild.channels[0]
        perms = the_guild.permissions_in(channel, user.id) if permissions is None else permissions
        base["guild_id"] = str(the_guild.id)
        base["guild"] = {"id": str(the_guild.id), "locale": the_guild.locale, "features": []}
        base["guild_locale"] = the_guild.locale
        base["member"] = member.to_payload(perms)
        base["channel"] = {**channel.to_payload(), "permissions": str(perms)}
        base["channel_id"] = str(channel.id)
        base["context"] = 0
        base["authorizing_integration_owners"] = {"0": str(the_guild.id)}
        return base

    def _option(
        self, name: str, value: OptionValue, resolved: dict[str, dict[str, Any]], *, focused: bool
    ) -> dict[str, Any]:
        option: dict[str, Any] = {"name": name}
        if isinstance(value, Opt):
            option.update(type=value.type, value=value.value)
        elif isinstance(value, bool):
            option.update(type=5, value=value)
        elif isinstance(value, int):
            option.update(type=4, value=value)
        elif isinstance(value, float):
            option.update(type=10, value=value)
        elif isinstance(value, str):
            option.update(type=3, value=value)
        elif isinstance(value, FakeUser):
            option.update(type=6, value=str(value.id))
            resolved.setdefault("users", {})[str(value.id)] = value.to_payload()
            for guild in self.world.guilds:
                member = guild.member(value.id)
                if member is not None:
                    member_data = member.to_payload(guild.permissions_for(value.id))
                    member_data.pop("user")
                    resolved.setdefault("members", {})[str(value.id)] = member_data
                    break
        elif isinstance(value, FakeChannel):
            option.update(type=7, value=str(value.id))
            resolved.setdefault("channels", {})[str(value.id)] = {
                **value.to_payload(),
                "permissions": str(ALL_PERMISSIONS),
            }
        elif isinstance(value, FakeRole):
            option.update(type=8, value=str(value.id))
            resolved.setdefault("roles", {})[str(value.id)] = value.to_payload()
        elif isinstance(value, dict) and "filename" in value:
            option.update(type=11, value=str(value["id"]))
            resolved.setdefault("attachments", {})[str(value["id"])] = value
        else:
            raise TypeError(f"cannot infer the option type of {name}={value!r}; use Opt(type, value)")
        if focused:
            option["focused"] = True
        return option

    @staticmethod
    def _component_row(custom_id: str, component_type: int) -> dict[str, Any]:
        if component_type == 2:
            inner: dict[str, Any] = {"type": 2, "style": 1, "label": "Button", "custom_id": custom_id}
        else:
            inner = {
                "type": component_type,
                "custom_id": custom_id,
                "options": [],
                "min_values": 1,
                "max_values": 1,
            }
            if component_type == 3:
                inner["options"] = [{"label": "Option", "value": "option"}]
        return {"type": 1, "components": [inner]}


def _submitted(
    component: Mapping[str, Any], values: Mapping[str, str], files: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    """Mirror one modal component as Discord echoes it in the submit, with the user's values."""
    files = files or {}
    kind = component.get("type")
    if kind == 1:
        return {
            "type": 1,
            "components": [_submitted(c, values, files) for c in component.get("components", [])],
        }
    if kind == 18:
        return {
            "type": 18,
            "id": component.get("id", 0),
            "component": _submitted(component["component"], values, files),
        }
    if kind == 19:
        return {
            "type": 19,
            "id": component.get("id", 0),
            "custom_id": component["custom_id"],
            "values": files.get(component["custom_id"], []),
        }
    if kind == 4:
        custom_id = component["custom_id"]
        return {
            "type": 4,
            "id": component.get("id", 0),
            "custom_id": custom_id,
            "value": values.get(custom_id, ""),
        }
    if kind in (3, 5, 6, 7, 8, 19):
        custom_id = component["custom_id"]
        raw = values.get(custom_id, "")
        return {
            "type": kind,
            "id": component.get("id", 0),
            "custom_id": custom_id,
            "values": [raw] if raw else [],
        }
    return {key: value for key, value in component.items() if key in ("type", "id", "content")}
