"""Interaction callbacks and the interaction webhook (edits and followups), with their clocks.

Discord's rules here: the first response within ``interaction_window`` seconds of the dispatch
(404 10062), one acknowledgement (400 40060), a callback type that suits the interaction type,
15-minute tokens (401 50027), webhooks only after the acknowledgement (404 10015), and at
most 5 followups for an interaction that reached the app only through a user install (400
40094; Discord's limit for user-installed apps, which a server's install of the app lifts).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tests.fakes.discord_api._messages import MessageStore
from tests.fakes.discord_api._records import (
    FakeMessage,
    InteractionState,
    Route,
    UploadedFile,
    json_body,
    record_of,
)
from tests.fakes.discord_api._rules import (
    ALLOWED_CALLBACKS,
    API_PREFIX,
    EPHEMERAL,
    JSON,
    LOADING,
    DiscordError,
    FormErrors,
    check_choices,
    check_modal,
    json_response,
)
from tests.fakes.payloads import DEFAULT_UPLOAD_LIMIT

USER_INSTALL_FOLLOWUPS = 5  # followups Discord allows a user-installed app per interaction


class InteractionRoutes(MessageStore):
    """``POST /interactions/{id}/{token}/callback`` and ``/webhooks/{application}/{token}…``."""

    interactions: dict[int, InteractionState]
    interaction_window: float
    token_lifetime: float
    followup_replaces_loading: bool
    _by_token: dict[str, InteractionState]

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
        state._timer = loop.call_later(self.interaction_window, state.window_closed.set)
        self.interactions[state.id] = state
        self._by_token[state.token] = state
        return state

    def close_window(self, interaction_id: int) -> None:
        """End the first-response window of an interaction now."""
        state = self.interactions[interaction_id]
        if state._timer is not None:
            state._timer.cancel()
        state.window_closed.set()

    def expire_token(self, interaction_id: int) -> None:
        """Expire an interaction token now (edits/followups then get 401 50027)."""
        self.interactions[interaction_id].token_expired = True

    def _interaction_routes(self) -> list[Route]:
        webhook = API_PREFIX + r"/webhooks/{application_id:\d+}/{token}"
        routes: list[Route] = [
            (
                "POST",
                API_PREFIX + r"/interactions/{interaction_id:\d+}/{token}/callback",
                self._interaction_callback,
                "interaction_callback",
            ),
            ("POST", webhook, self._webhook_execute, "webhook_execute"),
        ]
        for suffix, kind in (("/messages/@original", "original"), (r"/messages/{message_id:\d+}", "message")):
            routes += [
                ("GET", webhook + suffix, self._webhook_get, f"webhook_get_{kind}"),
                ("PATCH", webhook + suffix, self._webhook_edit, f"webhook_edit_{kind}"),
                ("DELETE", webhook + suffix, self._webhook_delete, f"webhook_delete_{kind}"),
            ]
        return routes

    # -- callbacks -------------------------------------------------------------------------

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        record = record_of(request)
        state = self.interactions.get(int(request.match_info["interaction_id"]))
        if state is None or state.token != request.match_info["token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        record.interaction_id = state.id
        if state.acknowledged:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if state.window_closed.is_set() or time.monotonic() >= state.window_deadline:
            raise DiscordError(404, 10062, "Unknown interaction")
        body = json_body(request)
        callback_type = body.get("type")
        if callback_type not in ALLOWED_CALLBACKS.get(state.type, set()):
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
            state.autocomplete_choices = check_choices(data)
        elif callback_type == 9:
            state.modal = check_modal(data)
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
            # The component was on a message this fake never stored (built by ``tests.fakes.payloads``).
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

    # -- webhook ---------------------------------------------------------------------------

    def _webhook_state(self, request: web.Request) -> InteractionState:
        if int(request.match_info["application_id"]) != self.world.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        state = self._by_token.get(request.match_info["token"])
        if state is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        record_of(request).interaction_id = state.id
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
        files = record_of(request).files
        data = json_body(request)
        self._check_message(data, files, state.attachment_size_limit, create=True)
        owners = state.payload.get("authorizing_integration_owners") or {}
        if "0" not in owners and len(state.followups) >= USER_INSTALL_FOLLOWUPS:
            raise DiscordError(
                400, 40094, "This interaction has hit the maximum number of follow up messages"
            )
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
            self._apply_edit(original, data, files, default_parse=("users",))
            original.flags &= ~LOADING
            state.followups.append(original)
            message = original
        else:
            message = self._interaction_message(state, data, files, original=False)
        if request.query.get("wait", "").lower() in ("1", "true"):
            return json_response(self.message_payload(message))
        return web.Response(status=204)

    async def _webhook_get(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        return json_response(self.message_payload(self._webhook_target(request, state)))

    async def _webhook_edit(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        message = self._webhook_target(request, state)
        files = record_of(request).files
        data = json_body(request)
        self._check_message(data, files, state.attachment_size_limit, create=False)
        self._apply_edit(message, data, files, default_parse=("users",))
        message.flags &= ~LOADING
        return json_response(self.message_payload(message))

    async def _webhook_delete(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        self._webhook_target(request, state).deleted = True
        return web.Response(status=204)
