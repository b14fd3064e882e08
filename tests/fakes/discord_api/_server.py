"""The fake Discord REST app: its state and knobs, the recording middleware and fault injection.

:class:`FakeDiscordAPI` joins the route mixins (``_routes_*.py``) over one shared state; the
middleware records every request (:class:`RecordedRequest`), answers injected faults first and
turns handler errors into Discord's error JSON.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from aiohttp import web
from aiohttp.helpers import parse_mimetype
from jsonschema import Draft202012Validator

from tests.fakes._server import LoopbackServer
from tests.fakes.discord_api._multipart import read_parts
from tests.fakes.discord_api._openapi import stricter_schema, validate_request
from tests.fakes.discord_api._records import (
    RECORD,
    FakeAttachment,
    FakeMessage,
    Handler,
    InteractionState,
    RecordedRequest,
    UploadedFile,
)
from tests.fakes.discord_api._routes_application import ApplicationRoutes
from tests.fakes.discord_api._routes_channels import ChannelRoutes
from tests.fakes.discord_api._routes_interactions import InteractionRoutes
from tests.fakes.discord_api._rules import API_PREFIX, JSON, MAX_REQUEST_BYTES, DiscordError, json_response
from tests.fakes.payloads import FakeWorld


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
    when: Callable[[RecordedRequest], bool] | None = None
    code: int = 0
    message: str | None = None

    def matches(self, method: str, path: str, record: RecordedRequest | None = None) -> bool:
        """Whether this fault applies to ``method path`` (glob on the path after ``/api/v10``)
        and, with a ``when`` predicate, to the request itself (e.g. only uploads)."""
        return (
            self.hits < self.times
            and self.method in ("*", method)
            and fnmatch.fnmatchcase(path, self.path)
            and (self.when is None or record is None or self.when(record))
        )

    def response(self) -> web.Response:
        """Return the answer: a 5xx/4xx error body, or a 429 with Discord's rate-limit headers and body."""
        if self.status != 429:
            message = self.message or f"{self.status}: Fake server error"
            return json_response({"message": message, "code": self.code}, self.status)
        reset_after = self.retry_after
        headers = {
            "Retry-After": str(math.ceil(reset_after)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(self.path.encode()).hexdigest()[:32],  # a label, not security
            "X-RateLimit-Scope": self.scope,
            # discord.py treats a 429 without Via as a Cloudflare ban and raises instead of retrying.
            "Via": "1.1 google",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": reset_after,
            "global": self.is_global,
        }
        return json_response(body, 429, headers)


class FakeDiscordAPI(LoopbackServer[RecordedRequest], InteractionRoutes, ChannelRoutes, ApplicationRoutes):
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

    predicate_name: ClassVar[str] = "request predicate"

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
        super().__init__()
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
        #: Requests whose body broke Discord's OpenAPI schema (each was answered 400 50035 unless a
        #: fault answered first). BotHarness fails the test on exit when one is left here, unless
        #: ``expect_schema_violations`` is set by a test that sends a broken body on purpose.
        self.schema_violations: list[RecordedRequest] = []
        self.expect_schema_violations = False
        #: Extra rules by ``(method, spec path template)``: see :meth:`tighten_schema`.
        self.stricter_schemas: dict[tuple[str, str], Draft202012Validator] = {}
        #: Exceptions raised by the fake's own handlers (bugs); each request got a 599 answer.
        self.internal_errors: list[Exception] = []
        self._by_token: dict[str, InteractionState] = {}
        self._cdn: dict[int, FakeAttachment] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=1024**3)
        routes = [*self._application_routes(), *self._interaction_routes(), *self._channel_routes()]
        for method, path, handler, name in routes:
            app.router.add_route(method, path, handler, name=name)
        app.router.add_route("*", "/{tail:.*}", self._unknown, name="unknown")
        return app

    async def close(self) -> None:
        """Stop serving and cancel timers."""
        for state in self.interactions.values():
            if state._timer is not None:
                state._timer.cancel()
        await super().close()

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    # -- test knobs ------------------------------------------------------------------------

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
        when: Callable[[RecordedRequest], bool] | None = None,
        code: int = 0,
        message: str | None = None,
    ) -> Fault:
        """Answer the next ``times`` requests matching ``method`` and the ``path`` glob with ``status``.

        ``path`` is matched after ``/api/v10`` with :func:`fnmatch.fnmatchcase` (``*`` spans ``/``),
        e.g. ``inject_fault("POST", "/webhooks/*", status=429)``. A 429 carries Discord's headers
        (``Retry-After``, ``X-RateLimit-*``, ``Via``) and body (``retry_after``, ``global``).
        ``when`` narrows the fault to requests it accepts (e.g. ``lambda r: bool(r.files)``: only
        uploads fail, so the bot's notices still get through). A storm is ``times`` larger than
        discord.py's five tries. Any other status answers Discord's error body with ``code`` and
        ``message`` (e.g. ``status=403, code=50013, message="Missing Permissions"``).
        """
        fault = Fault(
            method.upper(),
            path,
            status,
            times,
            retry_after,
            scope,
            is_global,
            when=when,
            code=code,
            message=message,
        )
        self.faults.append(fault)
        return fault

    def tighten_schema(self, method: str, template: str, schema: Mapping[str, Any]) -> None:
        """Check one operation's bodies against an extra JSON Schema too, as if Discord tightened a rule.

        ``template`` is the spec's path template, e.g.
        ``tighten_schema("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        {"properties": {"content": {"maxLength": 10}}})``; a body that breaks it gets the same
        400 50035 as one that breaks the spec (and counts as a schema violation).
        """
        method = method.upper()
        self.stricter_schemas[(method, template)] = stricter_schema(method, template, schema)

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests no route matched (answered 404 code 0)."""
        return [r for r in self.requests if r.route == "unknown"]

    def _history(self) -> list[RecordedRequest]:
        return self.requests

    def _describe_recent(self) -> str:
        seen = "\n  ".join(str(r) for r in self.requests[-20:]) or "(none)"
        return f"last requests:\n  {seen}"

    # -- plumbing --------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        record = await self._read(request)
        request[RECORD] = record
        # Link callback/webhook requests to their interaction even when a fault answers them.
        known = self._by_token.get(request.match_info.get("token", ""))
        if known is not None:
            record.interaction_id = known.id
        fault = next((f for f in self.faults if f.matches(request.method, record.path, record)), None)
        # Discord checks the form body against its schema before anything else in the route.
        schema_errors = validate_request(
            request.method,
            record.path,
            request.content_type,
            record.json,
            [f.field for f in record.files],
            self.stricter_schemas,
        )
        if schema_errors.tree:
            self.schema_violations.append(record)
        if fault is not None:
            fault.hits += 1
            response: web.StreamResponse = fault.response()
        elif schema_errors.tree:
            response = json_response(schema_errors.exception().to_payload(), 400)
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
        await self._notify()
        return response

    async def _read(self, request: web.Request) -> RecordedRequest:
        path = request.path.removeprefix(API_PREFIX) if request.path.startswith(API_PREFIX) else request.path
        files: list[UploadedFile] = []
        body: Any = None
        size = 0
        if request.content_type.startswith("multipart/"):
            for part in await read_parts(
                request.content.iter_any(), _boundary(request), keep_files=self.keep_file_bytes
            ):
                size += part.size
                if part.name == "payload_json":
                    body = json.loads(part.data)
                elif part.filename is not None:
                    files.append(
                        UploadedFile(
                            part.name or "",
                            part.filename,
                            part.content_type,
                            part.data,
                            part.size,
                            part.crc32,
                        )
                    )
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

    async def _unknown(self, request: web.Request) -> web.Response:
        return json_response({"message": "404: Not Found", "code": 0}, 404)


def _boundary(request: web.Request) -> str:
    boundary = parse_mimetype(request.headers.get("Content-Type", "")).parameters.get("boundary")
    if not boundary:
        raise web.HTTPBadRequest(reason="multipart body without a boundary")
    return boundary
