"""A fake Discord REST API v10 (plus a tiny CDN) on 127.0.0.1, enforcing Discord's rules.

discord.py's real ``HTTPClient`` and webhook adapter talk to it over aiohttp once
``discord.http.Route.BASE`` points at :attr:`FakeDiscordAPI.api_base`. Every request is recorded
(:class:`RecordedRequest`) and can be awaited with :meth:`FakeDiscordAPI.wait_for`. Errors use
Discord's JSON shape ``{"code": N, "message": ..., "errors": {...}}`` so discord.py raises the same
``HTTPException``/``NotFound`` subclasses, with the same ``code`` and flattened text, as in production.

Enforced (see ``discord-notes.md`` §3): the first interaction response within
``interaction_window`` seconds of the dispatch (404 10062), one acknowledgement (400 40060),
15-minute tokens (401 50027), content ≤ 2,000 chars and embed limits (400 50035), ≤ 10 attachments
(400 30015), per-file ``attachment_size_limit`` and 25 MiB per request (413 40005), no empty
messages (400 50006), component and ``allowed_mentions`` shape (400 50035). This module is one
file over the usual size cap on purpose: the rules, routes and stored state belong together.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import json
import math
import mimetypes
import re
import struct
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from aiohttp import BodyPartReader, web

from tests.fakes.payloads import DEFAULT_UPLOAD_LIMIT, FakeWorld, iso_now

T = TypeVar("T")
JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

API_PREFIX: Final = "/api/v10"
MAX_REQUEST_BYTES: Final = 25 * 1024 * 1024
EPHEMERAL: Final = 1 << 6
LOADING: Final = 1 << 7
IS_COMPONENTS_V2: Final = 1 << 15
_GUILD_TIER_UPLOAD_LIMITS: Final = {2: 50 * 1024 * 1024, 3: 100 * 1024 * 1024}
_FILE_FIELD = re.compile(r"^files?\[(\d+)\]$|^file(\d*)$")
_USER_MENTION = re.compile(r"<@!?(\d{15,20})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,20})>")
_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


# --------------------------------------------------------------------------------------------
# Records and stored objects
# --------------------------------------------------------------------------------------------


@dataclass
class UploadedFile:
    """One file part of a multipart request (``files[n]``)."""

    field: str
    filename: str
    content_type: str
    data: bytes
    size: int

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


_RECORD: Final = web.RequestKey("fake_discord_record", RecordedRequest)


def _record(request: web.Request) -> RecordedRequest:
    """Return the parsed request the middleware stored for the handler."""
    return request[_RECORD]


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


@dataclass
class Fault:
    """An injected failure: the next ``times`` matching requests get ``status``."""

    method: str
    path: str
    status: int
    times: int
    retry_after: float = 0.05
    scope: str = "user"
    is_global: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to ``method path`` (glob on the path after ``/api/v10``)."""
        return (
            self.hits < self.times and self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)
        )


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


def sniff_image(data: bytes) -> tuple[str | None, int | None, int | None]:
    """Return ``(content_type, width, height)`` from magic bytes, as Discord's media pipeline does."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", None, None
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", None, None
    return None, None, None


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeDiscordAPI:
    """Discord's REST API v10 and CDN on ``http://127.0.0.1:<port>``.

    Args:
        world: Users, guilds and channels to serve.
        interaction_window: Seconds between dispatch and the first callback (Discord: 3).
        token_lifetime: Seconds an interaction token works for edits/followups (Discord: 900).
        max_request_bytes: Largest accepted request body (Discord: 25 MiB).
        max_attachments: Most attachments per message (Discord: 10).
        too_many_attachments_code: 30015 (documented) or 50035 (form error) for > ``max_attachments``.
        followup_replaces_loading: Discord's (deprecated, still live) behaviour where the first
            followup after a deferral edits the "thinking" message instead of creating a new one.
        keep_file_bytes: Keep uploaded bytes (for the CDN and assertions); turn off in benchmarks.
    """

    def __init__(
        self,
        world: FakeWorld,
        *,
        interaction_window: float = 3.0,
        token_lifetime: float = 900.0,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        max_attachments: int = 10,
        too_many_attachments_code: int = 30015,
        followup_replaces_loading: bool = True,
        keep_file_bytes: bool = True,
    ) -> None:
        """Configure the fake; call :meth:`start` (or ``async with``) to serve."""
        self.world = world
        self.interaction_window = interaction_window
        self.token_lifetime = token_lifetime
        self.max_request_bytes = max_request_bytes
        self.max_attachments = max_attachments
        self.too_many_attachments_code = too_many_attachments_code
        self.followup_replaces_loading = followup_replaces_loading
        self.keep_file_bytes = keep_file_bytes
        self.gateway_url = "ws://127.0.0.1:1/"
        self.shard_count = 1

        self.requests: list[RecordedRequest] = []
        self.messages: dict[int, FakeMessage] = {}
        self.interactions: dict[int, InteractionState] = {}
        self.commands: dict[int | None, list[JSON]] = {}
        self.faults: list[Fault] = []
        #: Exceptions raised by the fake's own handlers (bugs); each request got a 599 answer.
        self.internal_errors: list[Exception] = []
        self._by_token: dict[str, InteractionState] = {}
        self._cdn: dict[int, FakeAttachment] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on a free port of 127.0.0.1."""
        app = web.Application(middlewares=[self._middleware], client_max_size=1024**3)
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Stop serving and cancel timers."""
        for state in self.interactions.values():
            if state._timer is not None:
                state._timer.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscordAPI:
        """Start serving."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop serving."""
        await self.close()

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    # -- test knobs ------------------------------------------------------------------------

    def register_interaction(self, payload: Mapping[str, Any]) -> InteractionState:
        """Start the clocks of an interaction about to be dispatched (the gateway calls this).

        A redelivered interaction (same id) keeps its clocks and acknowledgement.
        """
        previous = self.interactions.get(int(payload["id"]))
        if previous is not None:
            return previous
        now = time.monotonic()
        member = payload.get("member")
        state = InteractionState(
            payload=dict(payload),
            id=int(payload["id"]),
            token=payload["token"],
            type=int(payload["type"]),
            application_id=int(payload["application_id"]),
            channel_id=int(payload["channel_id"]) if payload.get("channel_id") else None,
            guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
            user=member["user"] if member else payload.get("user", {}),
            dispatched_at=now,
            window_deadline=now + self.interaction_window,
            token_deadline=now + self.token_lifetime,
            attachment_size_limit=int(payload.get("attachment_size_limit", DEFAULT_UPLOAD_LIMIT)),
        )
        loop = asyncio.get_running_loop()
        state._timer = loop.call_later(self.interaction_window, self._close_window, state)
        self.interactions[state.id] = state
        self._by_token[state.token] = state
        return state

    def close_window(self, interaction_id: int) -> None:
        """End the first-response window of an interaction now."""
        state = self.interactions[interaction_id]
        if state._timer is not None:
            state._timer.cancel()
        self._close_window(state)

    def expire_token(self, interaction_id: int) -> None:
        """Expire an interaction token now (edits/followups then get 401 50027)."""
        self.interactions[interaction_id].token_expired = True

    def inject_fault(
        self,
        method: str,
        path: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        scope: str = "user",
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``times`` requests matching ``method`` and the ``path`` glob with ``status``.

        ``path`` is matched after ``/api/v10`` with :func:`fnmatch.fnmatchcase` (``*`` spans ``/``),
        e.g. ``inject_fault("POST", "/webhooks/*", status=429)``. A 429 carries Discord's headers
        (``Retry-After``, ``X-RateLimit-*``, ``Via``) and body (``retry_after``, ``global``).
        """
        fault = Fault(method.upper(), path, status, times, retry_after, scope, is_global)
        self.faults.append(fault)
        return fault

    def add_cdn_file(
        self, filename: str, data: bytes, *, content_type: str | None = None, channel_id: int = 0
    ) -> JSON:
        """Host a user upload on the fake CDN; return its attachment payload for an option."""
        attachment = self._make_attachment(channel_id, filename, data, content_type, None)
        self._cdn[attachment.id] = attachment
        return attachment.to_payload()

    def add_message(
        self, channel_id: int, author: JSON, content: str = "", *, attachments: list[JSON] | None = None
    ) -> FakeMessage:
        """Seed a message from someone else (e.g. the one a context menu or reply refers to)."""
        channel = self.world.get_channel(channel_id)
        message = FakeMessage(
            id=self.world.snowflakes(),
            channel_id=channel_id,
            guild_id=channel.guild_id if channel else None,
            author=author,
            content=content,
        )
        for item in attachments or []:
            message.attachments.append(self._cdn[int(item["id"])])
        self.messages[message.id] = message
        return message

    def command_id(self, name: str, guild_id: int | None = None) -> tuple[int, int | None] | None:
        """Return ``(id, guild_id)`` of a registered command: the guild's first, then global."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return int(command["id"]), scope
        return None

    # -- waiting ---------------------------------------------------------------------------

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests no route matched (answered 404 code 0)."""
        return [r for r in self.requests if r.route == "unknown"]

    async def wait_until(
        self,
        check: Callable[[], T],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109  # a per-call deadline is what tests want here
        what: str = "condition",
    ) -> T:
        """Return ``check()`` once it is truthy; it is re-evaluated after every request.

        Raises:
            TimeoutError: With the requests seen so far, when ``timeout`` passes.
        """
        try:
            async with asyncio.timeout(timeout), self._changed:
                while not (result := check()):
                    await self._changed.wait()
                return result
        except TimeoutError:
            seen = "\n  ".join(str(r) for r in self.requests[-20:]) or "(none)"
            raise TimeoutError(f"{what} not met within {timeout}s; last requests:\n  {seen}") from None

    async def wait_for(
        self,
        predicate: Callable[[RecordedRequest], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109  # a per-call deadline is what tests want here
        since: int = 0,
    ) -> RecordedRequest:
        """Return the first recorded request (from index ``since``) matching ``predicate``."""

        def find() -> RecordedRequest | None:
            return next((r for r in self.requests[since:] if predicate(r)), None)

        return await self.wait_until(find, timeout=timeout, what="request predicate")

    # -- plumbing --------------------------------------------------------------------------

    def _close_window(self, state: InteractionState) -> None:
        state.window_closed.set()

    def _window_open(self, state: InteractionState) -> bool:
        return not state.window_closed.is_set() and time.monotonic() < state.window_deadline

    def _users(self) -> dict[int, JSON]:
        return {u.id: u.to_payload() for u in self.world.users()}

    def message_payload(self, message: FakeMessage) -> JSON:
        """Return ``message`` as the API serves it (with ``mentions`` and ``referenced_message``)."""
        referenced = None
        if message.message_reference is not None:
            ref = self.messages.get(int(message.message_reference.get("message_id", 0)))
            referenced = ref.to_payload(self._users()) if ref is not None and not ref.deleted else None
        return message.to_payload(self._users(), referenced)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        record = await self._read(request)
        request[_RECORD] = record
        # Link callback/webhook requests to their interaction even when a fault answers them.
        known = self._by_token.get(request.match_info.get("token", ""))
        if known is not None:
            record.interaction_id = known.id
        fault = next((f for f in self.faults if f.matches(request.method, record.path)), None)
        if fault is not None:
            fault.hits += 1
            response: web.StreamResponse = self._fault_response(fault)
        else:
            try:
                response = await handler(request)
            except DiscordError as exc:
                response = json_response(exc.to_payload(), exc.status)
            except web.HTTPException as exc:
                response = json_response({"message": f"{exc.status}: {exc.reason}", "code": 0}, exc.status)
            except Exception as exc:
                # A bug in the fake: answer 599 (discord.py raises at once instead of retrying a
                # 5xx for ~20 s) and keep it for BotHarness, which fails the test on exit.
                self.internal_errors.append(exc)
                response = json_response({"message": f"fake Discord bug: {exc!r}", "code": 0}, 599)
        record.status = response.status
        record.answered_at = time.monotonic()
        record.response_headers = dict(response.headers)
        body = response.body if isinstance(response, web.Response) else None
        if isinstance(body, bytes) and body and response.content_type == "application/json":
            record.response = json.loads(body)
        self.requests.append(record)
        async with self._changed:
            self._changed.notify_all()
        return response

    async def _read(self, request: web.Request) -> RecordedRequest:
        path = request.path.removeprefix(API_PREFIX) if request.path.startswith(API_PREFIX) else request.path
        files: list[UploadedFile] = []
        body: Any = None
        size = 0
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # nested multipart: Discord does not use it
                data = await part.read(decode=False)
                size += len(data)
                if part.name == "payload_json":
                    body = json.loads(data)
                elif part.filename is not None:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    kept = data if self.keep_file_bytes else b""
                    files.append(UploadedFile(part.name or "", part.filename, content_type, kept, len(data)))
        else:
            raw = await request.read()
            size = len(raw)
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
        return RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            files=files,
            body_size=size,
            timestamp=time.monotonic(),
            route=request.match_info.route.name or "unknown",
        )

    def _fault_response(self, fault: Fault) -> web.Response:
        if fault.status != 429:
            return json_response({"message": f"{fault.status}: Fake server error", "code": 0}, fault.status)
        reset_after = fault.retry_after
        headers = {
            "Retry-After": str(math.ceil(reset_after)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(fault.path.encode()).hexdigest()[:32],  # a label, not security
            "X-RateLimit-Scope": fault.scope,
            # discord.py treats a 429 without Via as a Cloudflare ban and raises instead of retrying.
            "Via": "1.1 google",
        }
        if fault.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": reset_after,
            "global": fault.is_global,
        }
        return json_response(body, 429, headers)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        api = API_PREFIX
        webhook = api + r"/webhooks/{application_id:\d+}/{token}"
        routes: list[tuple[str, str, Handler, str]] = [
            ("GET", "/users/@me", self._get_me, "get_me"),
            ("GET", r"/users/{user_id:\d+}", self._get_user, "get_user"),
            ("GET", "/oauth2/applications/@me", self._get_application, "get_application"),
            ("GET", "/gateway/bot", self._get_gateway_bot, "get_gateway_bot"),
            ("GET", "/gateway", self._get_gateway, "get_gateway"),
            ("PUT", r"/applications/{application_id:\d+}/commands", self._put_commands, "put_commands"),
            ("GET", r"/applications/{application_id:\d+}/commands", self._get_commands, "get_commands"),
            (
                "PUT",
                r"/applications/{application_id:\d+}/guilds/{guild_id:\d+}/commands",
                self._put_commands,
                "put_guild_commands",
            ),
            (
                "GET",
                r"/applications/{application_id:\d+}/guilds/{guild_id:\d+}/commands",
                self._get_commands,
                "get_guild_commands",
            ),
            (
                "POST",
                r"/interactions/{interaction_id:\d+}/{token}/callback",
                self._interaction_callback,
                "interaction_callback",
            ),
            ("POST", r"/channels/{channel_id:\d+}/messages", self._channel_send, "channel_send"),
            ("POST", r"/channels/{channel_id:\d+}/typing", self._typing, "typing"),
            ("GET", r"/channels/{channel_id:\d+}", self._get_channel, "get_channel"),
            (
                "GET",
                r"/channels/{channel_id:\d+}/messages/{message_id:\d+}",
                self._channel_get_message,
                "channel_get_message",
            ),
            (
                "PATCH",
                r"/channels/{channel_id:\d+}/messages/{message_id:\d+}",
                self._channel_edit_message,
                "channel_edit_message",
            ),
            (
                "DELETE",
                r"/channels/{channel_id:\d+}/messages/{message_id:\d+}",
                self._channel_delete_message,
                "channel_delete_message",
            ),
        ]
        for method, path, handler, name in routes:
            router.add_route(method, api + path, handler, name=name)
        router.add_route("POST", webhook, self._webhook_execute, name="webhook_execute")
        for suffix, kind in (("/messages/@original", "original"), (r"/messages/{message_id:\d+}", "message")):
            router.add_route("GET", webhook + suffix, self._webhook_get, name=f"webhook_get_{kind}")
            router.add_route("PATCH", webhook + suffix, self._webhook_edit, name=f"webhook_edit_{kind}")
            router.add_route("DELETE", webhook + suffix, self._webhook_delete, name=f"webhook_delete_{kind}")
        for host in ("cdn", "media"):
            router.add_route(
                "GET",
                rf"/{host}/attachments/{{channel_id:\d+}}/{{attachment_id:\d+}}/{{filename}}",
                self._cdn_get,
                name=f"{host}_attachment",
            )
        router.add_route("*", "/{tail:.*}", self._unknown, name="unknown")

    # -- identity, gateway, commands -------------------------------------------------------

    async def _unknown(self, request: web.Request) -> web.Response:
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    async def _get_me(self, request: web.Request) -> web.Response:
        me = {
            **self.world.bot_user.to_payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
        }
        return json_response(me)

    async def _get_user(self, request: web.Request) -> web.Response:
        user_id = int(request.match_info["user_id"])
        for user in self.world.users():
            if user.id == user_id:
                return json_response(user.to_payload())
        raise DiscordError(404, 10013, "Unknown User")

    async def _get_application(self, request: web.Request) -> web.Response:
        world = self.world
        return json_response(
            {
                "id": str(world.application_id),
                "name": world.application_name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": world.owner.to_payload(),
                "team": None,
                "bot": world.bot_user.to_payload(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(world.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    def _check_application(self, request: web.Request) -> None:
        if int(request.match_info["application_id"]) != self.world.application_id:
            raise DiscordError(403, 50001, "Missing Access")

    async def _put_commands(self, request: web.Request) -> web.Response:
        self._check_application(request)
        guild_id = int(request.match_info["guild_id"]) if "guild_id" in request.match_info else None
        if guild_id is not None and self.world.get_guild(guild_id) is None:
            raise DiscordError(403, 50001, "Missing Access")
        body = _record(request).json
        if not isinstance(body, list):
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]},
            )
        errors = FormErrors()
        _validate_commands(body, errors)
        errors.raise_if_any()
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self.commands.get(guild_id, [])}
        stored = []
        for command in body:
            kind = command.get("type", 1)
            item = {
                "id": previous.get((command["name"], kind)) or str(self.world.snowflakes()),
                "application_id": str(self.world.application_id),
                "version": str(self.world.snowflakes()),
                "type": kind,
                "description": command.get("description", ""),
                "default_member_permissions": command.get("default_member_permissions"),
                "nsfw": command.get("nsfw", False),
                "options": command.get("options", []),
                **{k: v for k, v in command.items() if k not in ("id", "application_id", "version")},
            }
            if guild_id is not None:
                item["guild_id"] = str(guild_id)
            stored.append(item)
        self.commands[guild_id] = stored
        return json_response(stored)

    async def _get_commands(self, request: web.Request) -> web.Response:
        self._check_application(request)
        guild_id = int(request.match_info["guild_id"]) if "guild_id" in request.match_info else None
        return json_response(self.commands.get(guild_id, []))

    # -- interactions ----------------------------------------------------------------------

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        record = _record(request)
        state = self.interactions.get(int(request.match_info["interaction_id"]))
        if state is None or state.token != request.match_info["token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        record.interaction_id = state.id
        if state.acknowledged:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if not self._window_open(state):
            raise DiscordError(404, 10062, "Unknown interaction")
        body = record.json if isinstance(record.json, dict) else {}
        callback_type = body.get("type")
        allowed = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}.get(state.type, set())
        if callback_type not in allowed:
            errors = FormErrors()
            errors.add(
                ("type",),
                "INTERACTION_CALLBACK_TYPE_INVALID",
                f"Interaction callback type {callback_type!r} is invalid for interaction type {state.type}.",
            )
            errors.raise_if_any()
        data: JSON = body.get("data") or {}
        message: FakeMessage | None = None
        if callback_type in (4, 7):
            self._check_message(
                data, record.files, state.attachment_size_limit, prefix=("data",), create=callback_type == 4
            )
        if callback_type == 4:
            message = self._interaction_message(state, data, record.files, original=True)
        elif callback_type == 5:
            message = self._interaction_message(
                state, {"flags": LOADING | (data.get("flags", 0) & EPHEMERAL)}, [], original=True
            )
        elif callback_type in (6, 7):
            message = self._source_message(state)
            if callback_type == 7:
                self._apply_edit(message, data, record.files, default_parse=("users",))
            state.original = message
        elif callback_type == 8:
            state.autocomplete_choices = _check_choices(data)
        elif callback_type == 9:
            state.modal = _check_modal(data)
        state.response_type = callback_type
        state.callback = record
        if record.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        interaction: JSON = {"id": str(state.id), "type": state.type}
        result: JSON = {"interaction": interaction, "resource": {"type": callback_type}}
        if message is not None:
            interaction["response_message_id"] = str(message.id)
            interaction["response_message_loading"] = message.loading
            interaction["response_message_ephemeral"] = message.ephemeral
            if callback_type in (4, 5, 7):
                result["resource"]["message"] = self.message_payload(message)
        return json_response(result)

    def _interaction_message(
        self, state: InteractionState, data: JSON, files: list[UploadedFile], *, original: bool
    ) -> FakeMessage:
        flags = int(data.get("flags", 0))
        message = FakeMessage(
            id=self.world.snowflakes(),
            channel_id=state.channel_id or 0,
            guild_id=state.guild_id,
            author=self.world.bot_user.to_payload(),
            type=20 if original and state.type == 2 else 0,
            webhook_id=state.application_id,
            application_id=state.application_id,
            interaction_id=state.id,
            flags=flags,
            interaction_metadata={
                "id": str(state.id),
                "type": state.type,
                "user": state.user,
                "authorizing_integration_owners": state.payload.get("authorizing_integration_owners", {}),
            },
        )
        self._apply_edit(message, data, files, default_parse=("users",), creating=True)
        message.flags = flags  # creation keeps EPHEMERAL/LOADING; _apply_edit may not set them.
        self.messages[message.id] = message
        if original:
            state.original = message
        else:
            state.followups.append(message)
        return message

    def _source_message(self, state: InteractionState) -> FakeMessage:
        message_id = state.source_message_id
        if message_id is None:
            errors = FormErrors()
            errors.add(("type",), "INTERACTION_CALLBACK_TYPE_INVALID", "This interaction has no message.")
            raise errors.exception()
        message = self.messages.get(message_id)
        if message is None:
            # The component was on a message this fake never stored (built by payloads.py).
            raw = state.payload["message"]
            message = FakeMessage(
                id=message_id,
                channel_id=int(raw.get("channel_id", state.channel_id or 0)),
                guild_id=state.guild_id,
                author=raw.get("author", self.world.bot_user.to_payload()),
                content=raw.get("content", ""),
                embeds=list(raw.get("embeds", [])),
                components=list(raw.get("components", [])),
                flags=int(raw.get("flags", 0)),
            )
            self.messages[message_id] = message
        return message

    def _webhook_state(self, request: web.Request) -> InteractionState:
        record = _record(request)
        if int(request.match_info["application_id"]) != self.world.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        state = self._by_token.get(request.match_info["token"])
        if state is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        record.interaction_id = state.id
        if state.token_expired or time.monotonic() >= state.token_deadline:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if not state.acknowledged:
            raise DiscordError(404, 10015, "Unknown Webhook")
        return state

    def _webhook_target(self, request: web.Request, state: InteractionState) -> FakeMessage:
        if "message_id" not in request.match_info:
            message = state.original
        else:
            wanted = int(request.match_info["message_id"])
            candidates = [*state.followups, *([state.original] if state.original else [])]
            message = next((m for m in candidates if m.id == wanted), None)
        if message is None or message.deleted:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _webhook_execute(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        record = _record(request)
        data = record.json if isinstance(record.json, dict) else {}
        self._check_message(data, record.files, state.attachment_size_limit, create=True)
        original = state.original
        if (
            self.followup_replaces_loading
            and state.response_type == 5
            and original is not None
            and original.loading
            and not original.deleted
            and not state.followups
        ):
            # Deprecated but live: the first followup after a deferral fills the "thinking" message
            # and keeps the deferral's ephemeral flag.
            self._apply_edit(original, data, record.files, default_parse=("users",))
            original.flags &= ~LOADING
            state.followups.append(original)
            message = original
        else:
            message = self._interaction_message(state, data, record.files, original=False)
        if request.query.get("wait", "").lower() in ("1", "true"):
            return json_response(self.message_payload(message))
        return web.Response(status=204)

    async def _webhook_get(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        return json_response(self.message_payload(self._webhook_target(request, state)))

    async def _webhook_edit(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        message = self._webhook_target(request, state)
        record = _record(request)
        data = record.json if isinstance(record.json, dict) else {}
        self._check_message(data, record.files, state.attachment_size_limit, create=False)
        self._apply_edit(message, data, record.files, default_parse=("users",))
        message.flags &= ~LOADING
        return json_response(self.message_payload(message))

    async def _webhook_delete(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        self._webhook_target(request, state).deleted = True
        return web.Response(status=204)

    # -- channels --------------------------------------------------------------------------

    def _channel(self, request: web.Request) -> tuple[int, int | None]:
        channel_id = int(request.match_info["channel_id"])
        channel = self.world.get_channel(channel_id)
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel_id, channel.guild_id

    def _channel_upload_limit(self, guild_id: int | None) -> int:
        guild = self.world.get_guild(guild_id) if guild_id else None
        tier = guild.premium_tier if guild else 0
        return _GUILD_TIER_UPLOAD_LIMITS.get(tier, DEFAULT_UPLOAD_LIMIT)

    async def _channel_send(self, request: web.Request) -> web.Response:
        channel_id, guild_id = self._channel(request)
        record = _record(request)
        data = record.json if isinstance(record.json, dict) else {}
        self._check_message(data, record.files, self._channel_upload_limit(guild_id), create=True)
        reference = data.get("message_reference")
        replied_author: int | None = None
        if reference is not None:
            target = self.messages.get(int(reference.get("message_id", 0)))
            if target is None or target.deleted or target.channel_id != channel_id or target.ephemeral:
                if reference.get("fail_if_not_exists", True):
                    errors = FormErrors()
                    errors.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                    errors.raise_if_any()
                reference = None
            else:
                replied_author = int(target.author["id"])
                reference = {
                    "type": 0,
                    "message_id": str(target.id),
                    "channel_id": str(channel_id),
                    **({"guild_id": str(guild_id)} if guild_id else {}),
                }
        message = FakeMessage(
            id=self.world.snowflakes(),
            channel_id=channel_id,
            guild_id=guild_id,
            author=self.world.bot_user.to_payload(),
            type=19 if reference else 0,
            message_reference=reference,
        )
        # Channel messages parse users, roles and @everyone unless allowed_mentions says otherwise.
        self._apply_edit(
            message,
            data,
            record.files,
            default_parse=("users", "roles", "everyone"),
            creating=True,
            replied_author=replied_author,
        )
        message.flags = int(data.get("flags", 0)) & ~EPHEMERAL
        self.messages[message.id] = message
        return json_response(self.message_payload(message))

    async def _typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel_id, _ = self._channel(request)
        channel = self.world.get_channel(channel_id)
        assert channel is not None
        return json_response(channel.to_payload())

    def _channel_message(self, request: web.Request) -> FakeMessage:
        channel_id, _ = self._channel(request)
        message = self.messages.get(int(request.match_info["message_id"]))
        # Ephemeral messages exist only for their interaction: channel endpoints cannot see them.
        if message is None or message.deleted or message.channel_id != channel_id or message.ephemeral:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _channel_get_message(self, request: web.Request) -> web.Response:
        return json_response(self.message_payload(self._channel_message(request)))

    async def _channel_edit_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if int(message.author["id"]) != self.world.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        record = _record(request)
        data = record.json if isinstance(record.json, dict) else {}
        self._check_message(data, record.files, self._channel_upload_limit(message.guild_id), create=False)
        self._apply_edit(message, data, record.files, default_parse=("users", "roles", "everyone"))
        return json_response(self.message_payload(message))

    async def _channel_delete_message(self, request: web.Request) -> web.Response:
        self._channel_message(request).deleted = True
        return web.Response(status=204)

    async def _cdn_get(self, request: web.Request) -> web.Response:
        attachment = self._cdn.get(int(request.match_info["attachment_id"]))
        if (
            attachment is None
            or attachment.data is None
            or attachment.filename != request.match_info["filename"]
        ):
            return web.Response(status=404, text="Not Found")
        return web.Response(body=attachment.data, headers={"Content-Type": attachment.content_type})

    # -- messages: validation and edits ----------------------------------------------------

    def _check_message(
        self,
        data: JSON,
        files: list[UploadedFile],
        size_limit: int,
        *,
        create: bool,
        prefix: tuple[str, ...] = (),
    ) -> None:
        """Apply Discord's message rules; raise :class:`DiscordError` on the first failing family."""
        total = sum(f.size for f in files) + len(json.dumps(data))
        if total > self.max_request_bytes or any(f.size > size_limit for f in files):
            raise DiscordError(413, 40005, "Request entity too large")
        attachments = data.get("attachments")
        count = max(len(files), len(attachments) if isinstance(attachments, list) else 0)
        if count > self.max_attachments:
            self._too_many_attachments(prefix)
        errors = FormErrors()
        _validate_content(data, errors)
        _validate_embeds(data.get("embeds"), errors)
        _validate_components(data, errors)
        _validate_allowed_mentions(data.get("allowed_mentions"), errors)
        for index, item in enumerate(attachments or []):
            if len(item.get("description") or "") > 1024:
                errors.add(
                    ("attachments", index, "description"),
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 1024 or fewer in length.",
                )
        errors.raise_if_any(prefix)
        if create and _is_empty(data, has_files=bool(files)):
            raise DiscordError(400, 50006, "Cannot send an empty message")

    def _apply_edit(
        self,
        message: FakeMessage,
        data: JSON,
        files: list[UploadedFile],
        *,
        default_parse: tuple[str, ...],
        creating: bool = False,
        replied_author: int | None = None,
    ) -> None:
        """Apply a create/edit body to ``message`` (PATCH semantics: present keys replace).

        Nothing changes when the result breaks a rule (empty message, unknown or too many attachments).
        """
        content = (data["content"] or "") if "content" in data else message.content
        embeds = [_normalise_embed(e) for e in data["embeds"] or []] if "embeds" in data else message.embeds
        components = list(data["components"] or []) if "components" in data else message.components
        attachments = self._attachments(message, data.get("attachments"), files)
        if len(attachments) > self.max_attachments:
            self._too_many_attachments(())
        if not creating and _is_empty(
            {"content": content, "embeds": embeds, "components": components}, has_files=bool(attachments)
        ):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        message.content, message.embeds, message.components = content, embeds, components
        message.attachments = attachments
        for attachment in attachments:
            self._cdn[attachment.id] = attachment
        if "allowed_mentions" in data:
            message.allowed_mentions = data["allowed_mentions"]
        if "flags" in data and not creating:
            # Only SUPPRESS_EMBEDS and IS_COMPONENTS_V2 can change on an existing message.
            mutable = (1 << 2) | IS_COMPONENTS_V2
            message.flags = (message.flags & ~mutable) | (int(data["flags"] or 0) & mutable)
        if not creating:
            message.edited_timestamp = iso_now()
            message.edits += 1
        users, roles, everyone = _resolve_mentions(
            message.content,
            data.get("allowed_mentions") if creating else message.allowed_mentions,
            default_parse,
            replied_author,
        )
        message.mention_user_ids, message.mention_role_ids, message.mention_everyone = users, roles, everyone

    def _too_many_attachments(self, prefix: tuple[str, ...]) -> None:
        if self.too_many_attachments_code == 30015:
            raise DiscordError(
                400, 30015, f"Maximum number of attachments in a message reached ({self.max_attachments})."
            )
        errors = FormErrors()
        errors.add(
            ("attachments",), "BASE_TYPE_MAX_LENGTH", f"Must be {self.max_attachments} or fewer in length."
        )
        errors.raise_if_any(prefix)

    def _attachments(
        self, message: FakeMessage, wanted: list[JSON] | None, files: list[UploadedFile]
    ) -> list[FakeAttachment]:
        uploads = {f.index: f for f in files}
        existing = {a.id: a for a in message.attachments}
        if wanted is None:
            # No attachments array: keep what is there and append the new files.
            news = [self._store_upload(message, f, None) for f in files]
            return [*message.attachments, *news]
        result: list[FakeAttachment] = []
        used: set[int] = set()
        for index, item in enumerate(wanted):
            ident = int(item["id"])
            if ident in existing:
                kept = existing[ident]
                if "description" in item:
                    kept.description = item["description"]
                result.append(kept)
            elif ident in uploads:
                used.add(ident)
                result.append(self._store_upload(message, uploads[ident], item))
            else:
                errors = FormErrors()
                errors.add(("attachments", index, "id"), "ATTACHMENT_NOT_FOUND", "Unknown attachment")
                errors.raise_if_any()
        result.extend(self._store_upload(message, f, None) for i, f in uploads.items() if i not in used)
        return result

    def _store_upload(self, message: FakeMessage, upload: UploadedFile, meta: JSON | None) -> FakeAttachment:
        filename = (meta or {}).get("filename") or upload.filename
        attachment = self._make_attachment(
            message.channel_id, filename, upload.data, None, (meta or {}).get("description"), size=upload.size
        )
        attachment.ephemeral = message.ephemeral
        return attachment

    def _make_attachment(
        self,
        channel_id: int,
        filename: str,
        data: bytes,
        content_type: str | None,
        description: str | None,
        *,
        size: int | None = None,
    ) -> FakeAttachment:
        attachment_id = self.world.snowflakes()
        sniffed, width, height = sniff_image(data)
        guessed = mimetypes.guess_type(filename)[0]
        path = f"/attachments/{channel_id}/{attachment_id}/{filename}"
        signature = f"?ex={int(time.time()) + 86400:x}&is={int(time.time()):x}&hm={attachment_id:x}&"
        attachment = FakeAttachment(
            id=attachment_id,
            filename=filename,
            content_type=content_type or sniffed or guessed or "application/octet-stream",
            size=len(data) if size is None else size,
            data=data if self.keep_file_bytes else None,
            url=f"{self.base_url}/cdn{path}{signature}",
            proxy_url=f"{self.base_url}/media{path}{signature}",
            description=description,
            width=width,
            height=height,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        return attachment


# --------------------------------------------------------------------------------------------
# Discord's rules (pure functions)
# --------------------------------------------------------------------------------------------

_EMBED_TEXT_LIMITS: Final = {"title": 256, "description": 4096}


def _too_long(errors: FormErrors, path: tuple[str | int, ...], value: Any, limit: int) -> int:
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    return len(text)


def _validate_content(data: JSON, errors: FormErrors) -> None:
    _too_long(errors, ("content",), data.get("content"), 2000)


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
    if not rows:
        return
    if int(data.get("flags") or 0) & IS_COMPONENTS_V2:
        if data.get("content") or data.get("embeds"):
            errors.add(
                ("content",),
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
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


def _is_empty(data: JSON, *, has_files: bool) -> bool:
    return not (
        has_files
        or data.get("content")
        or data.get("embeds")
        or data.get("components")
        or data.get("sticker_ids")
        or data.get("poll")
        or data.get("attachments")
    )


def _resolve_mentions(
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


def _normalise_embed(embed: JSON) -> JSON:
    """Add the ``type`` Discord stores on every embed."""
    return {"type": "rich", **embed}


def _check_choices(data: JSON) -> list[JSON]:
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


def _check_modal(data: JSON) -> JSON:
    errors = FormErrors()
    if not 1 <= len(data.get("custom_id") or "") <= 100:
        errors.add(("data", "custom_id"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if not 1 <= len(data.get("title") or "") <= 45:
        errors.add(("data", "title"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    if not 1 <= len(data.get("components") or []) <= 5:
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    errors.raise_if_any()
    return data


def _validate_commands(commands: list[Any], errors: FormErrors) -> None:
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
