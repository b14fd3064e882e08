"""The fake Discord checks every request body against Discord's OpenAPI spec and its limits.

Raw HTTP against the fake (no bot): a valid body passes, a broken one gets 400 50035 with Discord's
nested ``errors`` tree naming the field. The bot-level counterpart is in ``test_schema_refusal.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.discord_api import FakeDiscordAPI, InteractionState
from tests.fakes.discord_api._openapi import operation_for, validate_request, validator_for
from tests.fakes.fake_discord import FakeDiscord

VALID_MESSAGE: dict[str, Any] = {
    "content": "a cat",
    "embeds": [{"title": "Result", "description": "a cat", "footer": {"text": "job 1"}}],
    "components": [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "custom_id": "img:reroll:1", "label": "Again"},
                {"type": 2, "style": 5, "url": "https://example.invalid/x", "label": "Open"},
            ],
        }
    ],
    "allowed_mentions": {"parse": [], "users": [123456789012345678]},
    "flags": 0,
}
WITH_FILE = {**VALID_MESSAGE, "attachments": [{"id": 0, "filename": "a.png", "description": "a cat"}]}


def row(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(buttons)}


def button(custom_id: str | None, **extra: Any) -> dict[str, Any]:
    item = {"type": 2, "style": 1, "label": "Go", **extra}
    if custom_id is not None:
        item["custom_id"] = custom_id
    return item


class Client:
    """Sends raw requests to the fake as discord.py would (JSON, or multipart with payload_json)."""

    def __init__(self, fake: FakeDiscord, session: aiohttp.ClientSession) -> None:
        self.fake, self.session = fake, session

    @property
    def api(self) -> FakeDiscordAPI:
        return self.fake.api

    def interaction(self) -> InteractionState:
        return self.api.register_interaction(self.fake.payloads.slash("imagine", options={"prompt": "x"}))

    async def send(
        self, method: str, path: str, body: Any, files: dict[str, bytes] | None = None
    ) -> tuple[int, Any]:
        url = self.api.api_base + path
        if files is None:
            kwargs: dict[str, Any] = {"json": body}
        else:
            form = aiohttp.FormData()
            form.add_field("payload_json", json.dumps(body), content_type="application/json")
            for name, data in files.items():
                form.add_field(name, data, filename=f"{name}.png", content_type="image/png")
            kwargs = {"data": form}
        async with self.session.request(method, url, **kwargs) as response:
            text = await response.text()
            return response.status, json.loads(text) if text else None

    async def callback(self, body: Any, files: dict[str, bytes] | None = None) -> tuple[int, Any]:
        state = self.interaction()
        return await self.send("POST", f"/interactions/{state.id}/{state.token}/callback", body, files)

    async def deferred(self) -> InteractionState:
        state = self.interaction()
        status, _ = await self.send("POST", f"/interactions/{state.id}/{state.token}/callback", {"type": 5})
        assert status == 204
        return state


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as session:
        yield Client(fake, session)


def errors_at(body: Any, *path: str | int) -> list[str]:
    """The ``_errors`` codes at ``path`` of a 50035 body."""
    assert body["code"] == 50035, body
    assert body["message"] == "Invalid Form Body"
    node = body["errors"]
    for part in path:
        node = node[str(part)]
    return [item["code"] for item in node["_errors"]]


# -- interaction callbacks ----------------------------------------------------------------------


async def test_a_valid_callback_passes(client: Client) -> None:
    assert (await client.callback({"type": 4, "data": VALID_MESSAGE})) == (204, None)
    status, _ = await client.callback({"type": 4, "data": WITH_FILE}, files={"files[0]": b"png"})
    assert status == 204
    assert client.api.schema_violations == []


@pytest.mark.parametrize("multipart", [False, True], ids=["json", "multipart"])
async def test_content_of_2001_characters_is_refused(client: Client, multipart: bool) -> None:
    files = {"files[0]": b"png"} if multipart else None
    status, body = await client.callback({"type": 4, "data": {"content": "x" * 2001}}, files)
    assert status == 400
    assert errors_at(body, "data", "content") == ["BASE_TYPE_MAX_LENGTH"]
    assert body["errors"]["data"]["content"]["_errors"][0]["message"] == "Must be 2000 or fewer in length."
    assert len(client.api.schema_violations) == 1


async def test_a_button_without_custom_id_is_refused(client: Client) -> None:
    status, body = await client.callback({"type": 4, "data": {"components": [row(button(None))]}})
    assert status == 400
    assert errors_at(body, "data", "components", 0, "components", 0, "custom_id") == ["BASE_TYPE_REQUIRED"]


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"type": 4, "data": {"content": 5}}, ("data", "content"), "STRING_TYPE_CONVERT"),
        ({"type": "4", "data": {"content": "a"}}, ("type",), "NUMBER_TYPE_COERCE"),
        ({"type": 3}, ("type",), "BASE_TYPE_CHOICES"),
        ({"data": {"content": "a"}}, ("type",), "BASE_TYPE_REQUIRED"),
        ({"type": 4, "data": {"embeds": {"title": "x"}}}, ("data", "embeds"), "LIST_TYPE_CONVERT"),
        ({"type": 4, "data": {"tts": "yes"}}, ("data", "tts"), "BOOLEAN_TYPE_CONVERT"),
        (
            {"type": 4, "data": {"components": [row({"type": 2, "custom_id": "a"})]}},
            ("data", "components", 0, "components", 0, "style"),
            "BASE_TYPE_REQUIRED",
        ),
        (
            {"type": 4, "data": {"components": [row(button("a", type=99))]}},
            ("data", "components", 0, "components", 0, "type"),
            "BASE_TYPE_CHOICES",
        ),
        (
            {"type": 4, "data": {"allowed_mentions": {"users": ["not-an-id"]}}},
            ("data", "allowed_mentions", "users", 0),
            "NUMBER_TYPE_COERCE",
        ),
        (
            {"type": 9, "data": {"custom_id": "m", "title": "t" * 46, "components": [row()]}},
            ("data", "title"),
            "BASE_TYPE_BAD_LENGTH",
        ),
    ],
    ids=["content-int", "type-str", "type-unknown", "no-type", "embeds-dict", "tts-str", "no-style",
         "component-type", "snowflake", "modal-title"],
)  # fmt: skip
async def test_a_wrong_type_or_shape_names_the_field(
    client: Client, body: dict[str, Any], path: tuple[str | int, ...], code: str
) -> None:
    status, answer = await client.callback(body)
    assert status == 400
    assert code in errors_at(answer, *path)


# -- webhooks, channel messages, commands -------------------------------------------------------


async def test_webhook_followups_and_edits_are_checked(client: Client) -> None:
    state = await client.deferred()
    webhook = f"/webhooks/{state.application_id}/{state.token}"
    ok, followup = await client.send("POST", webhook + "?wait=true", {"content": "done"})
    assert ok == 200
    status, body = await client.send("POST", webhook, {"content": "x" * 2001}, files={"files[0]": b"p"})
    assert (status, errors_at(body, "content")) == (400, ["BASE_TYPE_MAX_LENGTH"])
    for target in ("@original", followup["id"]):
        status, body = await client.send(
            "PATCH", f"{webhook}/messages/{target}", {"embeds": [{"title": "t" * 257}]}
        )
        assert (status, errors_at(body, "embeds", 0, "title")) == (400, ["BASE_TYPE_MAX_LENGTH"])
    status, _ = await client.send("PATCH", f"{webhook}/messages/@original", VALID_MESSAGE)
    assert status == 200


async def test_channel_messages_are_checked(client: Client) -> None:
    channel = f"/channels/{client.fake.world.general.id}/messages"
    status, body = await client.send(
        "POST", channel, {"content": "hi", "message_reference": {"message_id": -5}}
    )
    assert status == 400
    assert errors_at(body, "message_reference", "message_id") == ["NUMBER_TYPE_MIN"]
    ok, sent = await client.send("POST", channel, {"content": "hi", "allowed_mentions": {"parse": []}})
    assert ok == 200
    status, body = await client.send("PATCH", f"{channel}/{sent['id']}", {"flags": "none"})
    assert (status, errors_at(body, "flags")) == (400, ["NUMBER_TYPE_COERCE"])


@pytest.mark.parametrize("guild", [False, True], ids=["global", "guild"])
async def test_command_sync_is_checked(client: Client, guild: bool) -> None:
    world = client.fake.world
    path = (
        f"/applications/{world.application_id}" + (f"/guilds/{world.guild.id}" if guild else "") + "/commands"
    )
    command = {
        "name": "imagine",
        "description": "Draw",
        "type": 1,
        "options": [{"type": "string", "name": "p"}],
    }
    status, body = await client.send("PUT", path, [command])
    assert (status, errors_at(body, 0, "options", 0, "type")) == (400, ["NUMBER_TYPE_COERCE"])
    command["options"] = [{"type": 3, "name": "prompt", "description": "What to draw", "max_length": 1000}]
    status, stored = await client.send("PUT", path, [command])
    assert status == 200
    assert stored[0]["name"] == "imagine"
    # translated names follow the name rule too (lowercase, no spaces); descriptions only their length
    option = command["options"][0]
    option["name_localizations"] = {"de": "beschreibung", "fr": "Ma description"}
    option["description_localizations"] = {"de": "Was gezeichnet werden soll."}
    status, body = await client.send("PUT", path, [command])
    assert (status, errors_at(body, 0, "options", 0, "name_localizations", "fr")) == (
        400,
        ["APPLICATION_COMMAND_INVALID_NAME"],
    )
    option["name_localizations"] = {"de": "beschreibung", "fr": "description_de_l'image"}
    status, stored = await client.send("PUT", path, [command])
    assert status == 200
    assert stored[0]["options"][0]["name_localizations"]["de"] == "beschreibung"


# -- Discord's limits the schema does not express ------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path", "code"),
    [
        ({"components": [row(button(f"r{i}")) for i in range(6)]}, ("components",), "BASE_TYPE_MAX_LENGTH"),
        (
            {"components": [row(*(button(f"b{i}") for i in range(6)))]},
            ("components", 0, "components"),
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {"components": [row(button("c" * 101))]},
            ("components", 0, "components", 0, "custom_id"),
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {"components": [row(button("same"), button("same"))]},
            ("components", 0, "components", 1, "custom_id"),
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
        (
            {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
    ],
    ids=["six-rows", "six-buttons", "custom-id-101", "duplicate-custom-id", "embeds-over-6000"],
)
async def test_component_and_embed_limits(
    client: Client, data: dict[str, Any], path: tuple[str | int, ...], code: str
) -> None:
    status, body = await client.callback({"type": 4, "data": data})
    assert status == 400
    assert code in errors_at(body, "data", *path)


async def test_attachment_count_and_upload_size(client: Client) -> None:
    eleven = {f"files[{i}]": b"png" for i in range(11)}
    status, body = await client.callback({"type": 4, "data": {"content": "x"}}, files=eleven)
    assert (status, body["code"]) == (400, 30015)
    client.api.max_request_bytes = 4096  # configurable; Discord's default is 25 MiB
    status, body = await client.callback({"type": 4, "data": {}}, files={"files[0]": b"p" * 5000})
    assert (status, body["code"]) == (413, 40005)
    client.api.max_attachments = 11
    status, _ = await client.callback({"type": 4, "data": {"content": "x"}}, files=eleven)
    assert status == 204  # the count is the fake's knob, not pre-empted by the spec's maxItems
    assert client.api.schema_violations == []


async def test_allowed_mentions_is_not_required(client: Client) -> None:
    """Always setting allowed_mentions is our bot's policy (tested elsewhere), not Discord's rule."""
    assert (await client.callback({"type": 4, "data": {"content": "no allowed_mentions"}}))[0] == 204


# -- coverage and caching -----------------------------------------------------------------------


def test_every_route_with_a_body_is_in_the_spec(client: Client) -> None:
    api = client.api
    routes = [*api._application_routes(), *api._interaction_routes(), *api._channel_routes()]
    checked = 0
    for method, path, _, name in routes:
        if method not in ("POST", "PUT", "PATCH") or not path.startswith("/api/v10"):
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        template = operation_for(method, concrete)
        if name == "typing":
            assert template is None  # Discord's typing endpoint takes no body
            continue
        assert template is not None, f"{method} {path} ({name}) is not in the spec"
        assert validator_for(template, method, "application/json") is not None
        checked += 1
    assert checked >= 8


def test_validators_are_built_once_per_process() -> None:
    template = "/interactions/{interaction_id}/{interaction_token}/callback"
    assert validator_for(template, "POST", "application/json") is validator_for(
        template, "POST", "application/json"
    )
    assert not validate_request(
        "POST", "/api/v10/interactions/1/t/callback", "application/json", {"type": 5}
    ).tree
