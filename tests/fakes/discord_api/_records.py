"""What the fake Discord recorded and stores: requests, uploads, messages, interactions.

Also the per-request plumbing the route mixins share: the parsed :class:`RecordedRequest` the
middleware stores on each ``web.Request`` (:func:`record_of`) and the route table type.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web

from tests.fakes.discord_api._rules import EPHEMERAL, JSON, LOADING
from tests.fakes.payloads import iso_now

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: ``(method, path, handler, name)``; ``name`` becomes :attr:`RecordedRequest.route`.
Route = tuple[str, str, Handler, str]

_FILE_FIELD = re.compile(r"^files?\[(\d+)\]$|^file(\d*)$")


@dataclass
class UploadedFile:
    """One file part of a multipart request (``files[n]``)."""

    field: str
    filename: str
    content_type: str
    data: bytes
    size: int
    crc32: int = 0  # of the bytes received (kept or not): checks an upload without holding it

    @property
    def index(self) -> int:
        """The ``n`` of ``files[n]`` (0 for a bare ``file``)."""
        match = _FILE_FIELD.match(self.field)
        if match is None:
            return -1
        return int(match.group(1) or match.group(2) or 0)


@dataclass
class RecordedRequest:
    """A request the fake received and how it answered.

    ``json`` is the JSON body, or the parsed ``payload_json`` of a multipart request. ``status`` and
    ``response`` are filled in once answered; ``timestamp`` is ``time.monotonic()`` at arrival.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[UploadedFile]
    body_size: int
    timestamp: float
    route: str = "unknown"
    status: int = 0
    response: Any = None
    interaction_id: int | None = None
    answered_at: float = 0.0
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def multipart(self) -> bool:
        """Whether the request was ``multipart/form-data``."""
        return self.headers.get("Content-Type", "").startswith("multipart/")

    @property
    def error_code(self) -> int | None:
        """Discord's JSON error code of the answer, if it was an error."""
        if self.status >= 400 and isinstance(self.response, dict):
            return self.response.get("code")
        return None

    @property
    def ok(self) -> bool:
        """Whether the fake answered 2xx."""
        return 200 <= self.status < 300

    @property
    def data(self) -> JSON:
        """The message part of the body: ``json["data"]`` for callbacks, else the body."""
        body = self.json if isinstance(self.json, dict) else {}
        if self.route == "interaction_callback":
            return body.get("data") or {}
        return body

    def __str__(self) -> str:
        """Summarise the request for assertion messages."""
        return f"{self.method} {self.path} -> {self.status} {self.error_code or ''}".rstrip()


RECORD: Final = web.RequestKey("fake_discord_record", RecordedRequest)


def record_of(request: web.Request) -> RecordedRequest:
    """Return the parsed request the middleware stored for the handler."""
    return request[RECORD]


def json_body(request: web.Request) -> JSON:
    """Return the recorded JSON object body of ``request`` (``{}`` when it is not an object)."""
    body = record_of(request).json
    return body if isinstance(body, dict) else {}


@dataclass
class FakeAttachment:
    """An attachment stored on a message and served by the fake CDN."""

    id: int
    filename: str
    content_type: str
    size: int
    data: bytes | None
    url: str
    proxy_url: str
    description: str | None = None
    width: int | None = None
    height: int | None = None
    ephemeral: bool = False
    sha256: str = ""

    def to_payload(self) -> JSON:
        """Return the attachment object."""
        data: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.proxy_url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            data["description"] = self.description
        if self.width is not None and self.height is not None:
            data["width"], data["height"] = self.width, self.height
        if self.ephemeral:
            data["ephemeral"] = True
        return data


@dataclass
class FakeMessage:
    """A message created through a callback, a webhook or a channel send."""

    id: int
    channel_id: int
    guild_id: int | None
    author: JSON
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    allowed_mentions: JSON | None = None
    flags: int = 0
    type: int = 0
    message_reference: JSON | None = None
    mention_user_ids: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    deleted: bool = False
    interaction_id: int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = None
    edits: int = 0

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user sees it."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether it is still the "Bot is thinking…" placeholder of a deferral."""
        return bool(self.flags & LOADING)

    def to_payload(self, users: Mapping[int, JSON] | None = None, referenced: JSON | None = None) -> JSON:
        """Return the message object discord.py's ``Message``/``WebhookMessage`` accept."""
        users = users or {}
        data: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.type,
            "content": self.content,
            "author": self.author,
            "attachments": [a.to_payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "mentions": [
                users.get(
                    uid,
                    {
                        "id": str(uid),
                        "username": "unknown",
                        "discriminator": "0",
                        "avatar": None,
                        "global_name": None,
                    },
                )
                for uid in self.mention_user_ids
            ],
            "mention_roles": [str(r) for r in self.mention_role_ids],
            "mention_everyone": self.mention_everyone,
            "pinned": False,
            "tts": False,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "flags": self.flags,
        }
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
            data["referenced_message"] = referenced
        return data


@dataclass
class InteractionState:
    """What the fake knows about one dispatched interaction."""

    payload: JSON
    id: int
    token: str
    type: int
    application_id: int
    channel_id: int | None
    guild_id: int | None
    user: JSON
    dispatched_at: float
    window_deadline: float
    token_deadline: float
    attachment_size_limit: int
    window_closed: asyncio.Event = field(default_factory=asyncio.Event)
    token_expired: bool = False
    response_type: int | None = None
    callback: RecordedRequest | None = None
    original: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)
    autocomplete_choices: list[JSON] | None = None
    modal: JSON | None = None
    _timer: asyncio.TimerHandle | None = None

    @property
    def acknowledged(self) -> bool:
        """Whether a callback succeeded."""
        return self.response_type is not None

    @property
    def source_message_id(self) -> int | None:
        """For component/modal interactions, the message the component was on."""
        message = self.payload.get("message")
        return int(message["id"]) if message else None
