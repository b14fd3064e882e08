"""Assertions and small helpers shared by the tests that run the real bot against the fakes.

Nothing here touches the bot: every check reads what the fake Discord or the fake AI gateway
recorded.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Iterable
from typing import Any

from PIL import Image

from tests.bot.harness import BotHarness, InteractionRecord
from tests.fakes.ai_gateway import FakeAIGateway
from tests.fakes.ai_gateway import RecordedRequest as AIRequest
from tests.fakes.discord_api import RecordedRequest

GATEWAY_KEY = "sk-fake-gateway-key-0123456789"
DISCORD_TOKEN = "fake-discord-token"
#: Routes whose body is a message the bot creates or edits (callbacks checked separately).
MESSAGE_ROUTES = frozenset(
    {
        "webhook_execute",
        "webhook_edit_original",
        "webhook_edit_message",
        "channel_send",
        "channel_edit_message",
    }
)
#: Interaction callbacks that carry a message (4 reply, 7 update).
MESSAGE_CALLBACKS = frozenset({4, 7})
#: Words that only a leaked traceback or raw error body would contain.
LEAK_MARKERS = ("Traceback", 'File "', "Error:", '{"error"', "status=", "Bearer ")


def message_requests(h: BotHarness, *, since: int = 0) -> list[RecordedRequest]:
    """Every request the bot made that creates or edits a message."""
    found = []
    for request in h.api.requests[since:]:
        if request.route in MESSAGE_ROUTES or (
            request.route == "interaction_callback" and (request.json or {}).get("type") in MESSAGE_CALLBACKS
        ):
            found.append(request)
    return found


def assert_nobody_pinged(h: BotHarness, *, requester: int | None = None, since: int = 0) -> None:
    """Every message request sets allowed_mentions that parse nobody (users: the requester at most)."""
    requests = message_requests(h, since=since)
    assert requests, "the bot sent no message at all"
    for request in requests:
        allowed = request.data.get("allowed_mentions")
        assert allowed is not None, f"{request} has no allowed_mentions"
        assert allowed.get("parse") == [], f"{request}: {allowed}"
        assert not allowed.get("roles"), f"{request}: {allowed}"
        users = {int(u) for u in allowed.get("users") or []}
        assert users <= ({requester} if requester is not None else set()), f"{request}: {allowed}"


def assert_no_secrets(h: BotHarness, *also: str) -> None:
    """No request body the bot sent to Discord contains the AI key, the Discord token or `also`."""
    for request in h.api.requests:
        text = json.dumps(request.json, ensure_ascii=False) if request.json is not None else ""
        text += " ".join(f.filename for f in request.files)
        assert GATEWAY_KEY not in text, f"{request} leaks the gateway key"
        assert "sk-fake" not in text, f"{request} leaks part of the gateway key"
        assert DISCORD_TOKEN not in text, f"{request} leaks the Discord token"
        for marker in also:
            assert marker not in text, f"{request} contains {marker!r}"


def noise_png(width: int, height: int, *, seed: int = 0) -> bytes:
    """A PNG of random pixels: it barely compresses, so its size is about 3 bytes per pixel."""
    pixels = random.Random(seed).randbytes(width * height * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def decodes_as_image(data: bytes) -> tuple[str, tuple[int, int]]:
    """The format and size Pillow reads from ``data`` (raises when it is not an image)."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return str(image.format), image.size


class AIArrivals:
    """Stamps each request the fake AI gateway receives with ``time.monotonic()`` on arrival.

    Wraps the fake's queue feed (a test fake, not bot code); the fake Discord stamps its own
    requests with the same clock, so the two orders can be compared.
    """

    def __init__(self, ai: FakeAIGateway) -> None:
        self.log: list[tuple[float, AIRequest]] = []
        self._feed = ai.request_queue.put_nowait

        def stamped(record: AIRequest) -> None:
            self.log.append((time.monotonic(), record))
            self._feed(record)

        ai.request_queue.put_nowait = stamped  # type: ignore[method-assign]

    def on(self, suffix: str) -> list[tuple[float, AIRequest]]:
        """Arrivals whose path ends with ``suffix``."""
        return [(t, r) for t, r in self.log if r.path.endswith(suffix)]


async def final_result(rec: InteractionRecord, *, timeout: float = 10) -> RecordedRequest:  # noqa: ASYNC109
    """The edit of the deferred message that carries the result images."""
    return await rec.wait_for(
        lambda r: r.route == "webhook_edit_original" and bool(r.files) and r.ok, timeout=timeout
    )


def is_failure_answer(rec: InteractionRecord, r: RecordedRequest) -> bool:
    """A request that answers a failure: an initial reply, a followup, or (after a private
    deferral) the edit that turns the private "thinking" message into the answer."""
    if r.route == "interaction_callback":
        return (r.json or {}).get("type") == 4
    if r.route == "webhook_edit_original":
        deferral = rec.state.callback
        private = deferral is not None and bool((deferral.data or {}).get("flags", 0) & 64)
        return private and not r.files and "error id" in str((r.json or {}).get("content", ""))
    return r.route == "webhook_execute"


async def ephemeral_answer(rec: InteractionRecord, *, timeout: float = 10) -> RecordedRequest:  # noqa: ASYNC109
    """The one ephemeral message that answered a failure (reply, followup or private edit)."""

    def is_answer(r: RecordedRequest) -> bool:
        return is_failure_answer(rec, r)

    return await rec.wait_for(lambda r: is_answer(r) and r.ok, timeout=timeout)


def all_files(requests: Iterable[RecordedRequest]) -> list[Any]:
    """Uploaded files of ``requests``, in order."""
    return [f for r in requests for f in r.files]


def text_input_ids(components: list[dict[str, Any]]) -> list[str]:
    """custom_ids of the text inputs of a modal (action rows or labels)."""
    found: list[str] = []
    for component in components:
        if component.get("type") == 4:
            found.append(component["custom_id"])
        found += text_input_ids(component.get("components") or [])
        if "component" in component:
            found += text_input_ids([component["component"]])
    return found
