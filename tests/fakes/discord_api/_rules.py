"""Discord's REST rules and error JSON, as constants and pure functions.

Broken form rules become one 400 50035 "Invalid Form Body" whose ``errors`` tree nests ``_errors``
lists the way Discord does, so discord.py raises the same ``HTTPException`` with the same flattened
text as in production (the limits are those of Discord's API documentation).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from aiohttp import web

JSON = dict[str, Any]
Path = tuple[str | int, ...]

API_PREFIX: Final = "/api/v10"
MAX_REQUEST_BYTES: Final = 25 * 1024 * 1024
EPHEMERAL: Final = 1 << 6
LOADING: Final = 1 << 7
SUPPRESS_EMBEDS: Final = 1 << 2
IS_COMPONENTS_V2: Final = 1 << 15
V2_COMPONENT_LIMIT: Final = 40
V2_TEXT_LIMIT: Final = 4000
GUILD_TIER_UPLOAD_LIMITS: Final = {2: 50 * 1024 * 1024, 3: 100 * 1024 * 1024}
#: Interaction type -> the callback types Discord accepts for it.
ALLOWED_CALLBACKS: Final = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}

_USER_MENTION = re.compile(r"<@!?(\d{15,20})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,20})>")
_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
_EMBED_TEXT_LIMITS: Final = {"title": 256, "description": 4096}


class DiscordError(Exception):
    """Raised inside handlers to answer with Discord's error JSON."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        """Describe the HTTP status, Discord error code, message and optional form errors."""
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def to_payload(self) -> JSON:
        """Return Discord's error body."""
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


class FormErrors:
    """Collects 50035 "Invalid Form Body" errors in Discord's nested ``_errors`` shape."""

    def __init__(self) -> None:
        """Start with no errors."""
        self.tree: JSON = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        """Add an error at ``path`` (e.g. ``("embeds", 0, "description")``)."""
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def exception(self, prefix: tuple[str, ...] = ()) -> DiscordError:
        """Return the 400 50035 for the collected errors, nested under ``prefix``."""
        tree = self.tree
        for part in reversed(prefix):
            tree = {part: tree}
        return DiscordError(400, 50035, "Invalid Form Body", tree)

    def raise_if_any(self, prefix: tuple[str, ...] = ()) -> None:
        """Raise :meth:`exception` when errors were collected."""
        if self.tree:
            raise self.exception(prefix)


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """Answer JSON with exactly ``Content-Type: application/json`` (discord.py compares it verbatim)."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)


# -- messages --------------------------------------------------------------------------------


def too_many_attachments(code: int, limit: int, prefix: tuple[str, ...]) -> DiscordError:
    """Return the error for more than ``limit`` attachments: 30015 (documented) or a 50035."""
    if code == 30015:
        return DiscordError(400, 30015, f"Maximum number of attachments in a message reached ({limit}).")
    errors = FormErrors()
    errors.add(("attachments",), "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    return errors.exception(prefix)


def validate_message(data: JSON) -> FormErrors:
    """Collect the form errors of a message body (content, embeds, components, mentions, alt text)."""
    errors = FormErrors()
    _too_long(errors, ("content",), data.get("content"), 2000)
    _validate_embeds(data.get("embeds"), errors)
    _validate_components(data, errors)
    _validate_allowed_mentions(data.get("allowed_mentions"), errors)
    for index, item in enumerate(data.get("attachments") or []):
        if len(item.get("description") or "") > 1024:
            errors.add(
                ("attachments", index, "description"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 1024 or fewer in length.",
            )
    return errors


def _too_long(errors: FormErrors, path: tuple[str | int, ...], value: Any, limit: int) -> int:
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    return len(text)


def _validate_embeds(embeds: Any, errors: FormErrors) -> None:
    if not embeds:
        return
    if len(embeds) > 10:
        errors.add(("embeds",), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in _EMBED_TEXT_LIMITS.items():
            total += _too_long(errors, ("embeds", i, key), embed.get(key), limit)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors.add(("embeds", i, "fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, item in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                if not item.get(key):
                    errors.add(
                        ("embeds", i, "fields", j, key), "BASE_TYPE_REQUIRED", "This field is required"
                    )
                total += _too_long(errors, ("embeds", i, "fields", j, key), item.get(key), limit)
        total += _too_long(
            errors, ("embeds", i, "footer", "text"), (embed.get("footer") or {}).get("text"), 2048
        )
        total += _too_long(
            errors, ("embeds", i, "author", "name"), (embed.get("author") or {}).get("name"), 256
        )
    if total > 6000:
        errors.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


def _validate_components(data: JSON, errors: FormErrors) -> None:
    rows = data.get("components")
    if int(data.get("flags") or 0) & IS_COMPONENTS_V2:
        if data.get("content") or data.get("embeds"):
            legacy_fields_error(errors)
        validate_v2_components(rows or [], errors)
        return
    if not rows:
        return
    if len(rows) > 5:
        errors.add(("components",), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= 5:
            errors.add(
                ("components", i, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
            )
        for j, child in enumerate(children):
            path = ("components", i, "components", j)
            custom_id = child.get("custom_id")
            if custom_id is not None:
                if not 1 <= len(custom_id) <= 100:
                    errors.add(
                        (*path, "custom_id"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                    )
                if custom_id in seen:
                    errors.add(
                        (*path, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                seen.add(custom_id)
            elif child.get("type") == 2 and child.get("style") not in (5, 6):
                errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
            _too_long(errors, (*path, "label"), child.get("label"), 80)
            if len(child.get("options") or []) > 25:
                errors.add((*path, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")


def legacy_fields_error(errors: FormErrors) -> None:
    """Add Discord's error for ``content``/``embeds`` on a Components V2 message."""
    errors.add(
        ("content",),
        "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
        "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
    )


def walk_components(
    components: Any, path: tuple[str | int, ...] = ("components",)
) -> Iterator[tuple[Path, JSON]]:
    """Yield ``(path, component)`` for every component of a tree, nested ones included.

    Children sit in ``components`` (rows, containers, sections) and a section's ``accessory``;
    gallery items are not components.
    """
    for index, node in enumerate(components if isinstance(components, list) else []):
        if not isinstance(node, dict):
            continue
        here = (*path, index)
        yield here, node
        yield from walk_components(node.get("components"), (*here, "components"))
        if isinstance(node.get("accessory"), dict):
            yield (*here, "accessory"), node["accessory"]


def validate_v2_components(components: list[Any], errors: FormErrors) -> None:
    """Collect the form errors of a Components V2 tree: Discord's message-wide limits.

    The schema checks each component's own shape; Discord also counts every component of the
    message, nested ones included (≤ 40), caps the text of all its TextDisplays together
    (≤ 4,000 characters), wants 1-5 items per action row and unique custom ids. Discord names
    these limits in its documentation but not its error codes: the codes here are the form
    errors it uses for other length rules.
    """
    nodes = list(walk_components(components))
    if len(nodes) > V2_COMPONENT_LIMIT:
        errors.add(
            ("components",), "BASE_TYPE_MAX_LENGTH", f"Must be {V2_COMPONENT_LIMIT} or fewer in length."
        )
    text = sum(len(str(node.get("content") or "")) for _, node in nodes if node.get("type") == 10)
    if text > V2_TEXT_LIMIT:
        errors.add(
            ("components",),
            "BASE_TYPE_MAX_LENGTH",
            f"The text of all text displays must be {V2_TEXT_LIMIT} or fewer in length.",
        )
    seen: set[str] = set()
    for path, node in nodes:
        if node.get("type") == 1 and not 1 <= len(node.get("components") or []) <= 5:
            errors.add((*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        custom_id = node.get("custom_id")
        if custom_id is not None:
            if custom_id in seen:
                errors.add(
                    (*path, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(custom_id)


def media_references(components: Any) -> Iterator[tuple[Path, JSON]]:
    """Yield ``(path, unfurled media)`` for every media a V2 tree shows (gallery, thumbnail, file)."""
    for path, node in walk_components(components):
        for index, item in enumerate(node.get("items") or []):
            if isinstance(item, dict) and isinstance(item.get("media"), dict):
                yield (*path, "items", index, "media"), item["media"]
        for key in ("media", "file"):
            if isinstance(node.get(key), dict):
                yield (*path, key), node[key]


def text_of(content: str, components: Any) -> str:
    """Everything a message shows as text: its content and, for V2, its TextDisplays."""
    texts = [
        str(node.get("content") or "") for _, node in walk_components(components) if node.get("type") == 10
    ]
    return "\n".join([content, *texts])


def _validate_allowed_mentions(allowed: Any, errors: FormErrors) -> None:
    if allowed is None:
        return
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            errors.add(
                ("allowed_mentions",),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        if len(allowed.get(kind) or []) > 100:
            errors.add(("allowed_mentions", kind), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    for index, kind in enumerate(parse):
        if kind not in ("users", "roles", "everyone"):
            errors.add(
                ("allowed_mentions", "parse", index),
                "BASE_TYPE_CHOICES",
                "Value must be one of ('roles', 'users', 'everyone').",
            )


def is_empty(data: JSON, *, has_files: bool) -> bool:
    """Whether a message body has nothing to show (400 50006 "Cannot send an empty message")."""
    return not (
        has_files
        or data.get("content")
        or data.get("embeds")
        or data.get("components")
        or data.get("sticker_ids")
        or data.get("poll")
        or data.get("attachments")
    )


def resolve_mentions(
    content: str, allowed: JSON | None, default_parse: tuple[str, ...], replied_author: int | None
) -> tuple[list[int], list[int], bool]:
    """Return who a message pings: ``(user_ids, role_ids, everyone)``, as Discord resolves it."""
    parse = set(default_parse if allowed is None else allowed.get("parse") or [])
    users_in_text = [int(u) for u in _USER_MENTION.findall(content)]
    roles_in_text = [int(r) for r in _ROLE_MENTION.findall(content)]
    allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
    allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
    users = [u for u in dict.fromkeys(users_in_text) if "users" in parse or u in allowed_users]
    roles = [r for r in dict.fromkeys(roles_in_text) if "roles" in parse or r in allowed_roles]
    everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
    # A reply pings its author unless allowed_mentions is given without replied_user=true.
    if (
        replied_author is not None
        and (allowed is None or allowed.get("replied_user"))
        and replied_author not in users
    ):
        users.append(replied_author)
    return users, roles, everyone


def normalise_embed(embed: JSON) -> JSON:
    """Add the ``type`` Discord stores on every embed."""
    return {"type": "rich", **embed}


# -- interaction callbacks -------------------------------------------------------------------


def check_choices(data: JSON) -> list[JSON]:
    """Return the autocomplete choices of a type-8 callback, or raise their 50035."""
    choices = data.get("choices")
    errors = FormErrors()
    if not isinstance(choices, list):
        errors.add(("data", "choices"), "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
        return []
    if len(choices) > 25:
        errors.add(("data", "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            errors.add(
                ("data", "choices", i, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
            errors.add(
                ("data", "choices", i, "value"), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
            )
    errors.raise_if_any()
    return choices


def check_modal(data: JSON) -> JSON:
    """Return the modal of a type-9 callback, or raise its 50035."""
    errors = FormErrors()
    if not 1 <= len(data.get("custom_id") or "") <= 100:
        errors.add(("data", "custom_id"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if not 1 <= len(data.get("title") or "") <= 45:
        errors.add(("data", "title"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    if not 1 <= len(data.get("components") or []) <= 5:
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    errors.raise_if_any()
    return data


# -- application commands --------------------------------------------------------------------


def validate_commands(commands: list[Any], errors: FormErrors) -> None:
    """Collect the form errors of a bulk command overwrite (≤ 100 slash commands, names, options)."""
    if sum(1 for c in commands if c.get("type", 1) == 1) > 100:
        errors.add((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    for index, command in enumerate(commands):
        _validate_command_node(command, (index,), errors, top_level=True)


def _validate_command_node(
    node: JSON, path: tuple[str | int, ...], errors: FormErrors, *, top_level: bool
) -> None:
    name = node.get("name", "")
    kind = node.get("type", 1)
    chat_input = not top_level or kind == 1
    if chat_input and (not _COMMAND_NAME.match(name) or name != name.lower()):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    elif not 1 <= len(name) <= 32:
        errors.add((*path, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    if chat_input:  # a translated name follows the same rule as the default one
        for locale, localized in (node.get("name_localizations") or {}).items():
            if not _COMMAND_NAME.match(localized) or localized != localized.lower():
                errors.add(
                    (*path, "name_localizations", locale),
                    "APPLICATION_COMMAND_INVALID_NAME",
                    "Command name is invalid",
                )
    description = node.get("description", "")
    if chat_input and not 1 <= len(description) <= 100:
        errors.add((*path, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    options = node.get("options") or []
    if len(options) > 25:
        errors.add((*path, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    if len(node.get("choices") or []) > 25:
        errors.add((*path, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, option in enumerate(options):
        _validate_command_node(option, (*path, "options", i), errors, top_level=False)
