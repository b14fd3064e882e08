"""A fake Discord REST API v10 (plus a tiny CDN) on 127.0.0.1, enforcing Discord's rules.

discord.py's real ``HTTPClient`` and webhook adapter talk to it over aiohttp once
``discord.http.Route.BASE`` points at :attr:`FakeDiscordAPI.api_base`. Every request is recorded
(:class:`RecordedRequest`) and can be awaited with :meth:`FakeDiscordAPI.wait_for`. Errors use
Discord's JSON shape ``{"code": N, "message": ..., "errors": {...}}`` so discord.py raises the same
``HTTPException``/``NotFound`` subclasses, with the same ``code`` and flattened text, as in production.

Enforced (Discord's documented rules): the first interaction response within
``interaction_window`` seconds of the dispatch (404 10062), one acknowledgement (400 40060),
15-minute tokens (401 50027), content ≤ 2,000 chars and embed limits (400 50035), ≤ 10 attachments
(400 30015), per-file ``attachment_size_limit`` and 25 MiB per request (413 40005), no empty
messages (400 50006), component and ``allowed_mentions`` shape (400 50035).

Every request body is first checked against Discord's OpenAPI spec (``_openapi``, 400 50035).

Layout: ``_records`` (what is recorded and stored), ``_rules`` (limits and error JSON, pure),
``_messages`` (message/CDN state and edits), ``_routes_*`` (handlers by area) and ``_server``
(:class:`FakeDiscordAPI`: state, middleware, fault injection).
"""

from tests.fakes.discord_api._records import (
    FakeAttachment,
    FakeMessage,
    InteractionState,
    RecordedRequest,
    UploadedFile,
)
from tests.fakes.discord_api._rules import MAX_REQUEST_BYTES
from tests.fakes.discord_api._server import FakeDiscordAPI, Fault

__all__ = [
    "MAX_REQUEST_BYTES",
    "FakeAttachment",
    "FakeDiscordAPI",
    "FakeMessage",
    "Fault",
    "InteractionState",
    "RecordedRequest",
    "UploadedFile",
]
