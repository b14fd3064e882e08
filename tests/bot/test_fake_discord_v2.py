"""The fake Discord enforces Components V2's rules, so a broken result card fails like on Discord.

Raw HTTP against the fake (no bot). The rules: with the IS_COMPONENTS_V2 flag (``1 << 15``) no
``content`` or ``embeds``; at most 40 components, nested ones included; at most 4,000 characters
across all TextDisplays; a gallery item shows an upload of the same message by
``attachment://<filename>``; a deferral cannot carry the flag (the edit that fills it can); and a
V2 message stays V2.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.bot.test_fake_discord_schema import Client, errors_at
from tests.fakes.fake_discord import FakeDiscord

V2 = 1 << 15


def text(content: str) -> dict[str, Any]:
    return {"type": 10, "content": content}


def card(*children: dict[str, Any], files: tuple[str, ...] = ("image_1.png",)) -> dict[str, Any]:
    """A result-card body: a container with a gallery of `files` (uploaded as ``files[n]``)."""
    gallery = {
        "type": 12,
        "items": [{"media": {"url": f"attachment://{name}"}, "description": "a cat"} for name in files],
    }
    return {
        "flags": V2,
        "components": [{"type": 17, "components": [gallery, *children]}],
        "attachments": [{"id": i, "filename": name} for i, name in enumerate(files)],
        "allowed_mentions": {"parse": []},
    }


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as session:
        yield Client(fake, session)


PNG = {"files[0]": b"\x89PNG\r\n\x1a\n" + b"\0" * 16}


async def test_a_card_with_its_gallery_passes_and_is_served_with_cdn_urls(client: Client) -> None:
    body = card(text("a cat"), {"type": 1, "components": [{"type": 2, "style": 2, "custom_id": "ib:x:1"}]})
    status, _ = await client.callback({"type": 4, "data": body}, files=PNG)
    assert status == 204
    (message,) = client.api.messages.values()
    assert message.flags & V2
    (attachment,) = message.attachments
    media = message.components[0]["components"][0]["items"][0]["media"]
    assert media["url"] == attachment.url  # resolved from attachment://image_1.png, as Discord does
    assert media["attachment_id"] == str(attachment.id)
    assert client.api.schema_violations == []


async def test_content_or_embeds_beside_the_flag_are_refused(client: Client) -> None:
    for legacy in ({"content": "hi"}, {"embeds": [{"title": "x"}]}):
        status, body = await client.callback({"type": 4, "data": {**card(text("a")), **legacy}}, files=PNG)
        assert status == 400
        assert errors_at(body, "data", "content") == ["MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"]


async def test_more_than_40_components_are_refused(client: Client) -> None:
    # container 1 + gallery 1 + 38 text displays = 40: fine; one more is refused.
    status, _ = await client.callback({"type": 4, "data": card(*[text("t")] * 38)}, files=PNG)
    assert status == 204
    status, body = await client.callback({"type": 4, "data": card(*[text("t")] * 39)}, files=PNG)
    assert status == 400
    assert errors_at(body, "data", "components") == ["BASE_TYPE_MAX_LENGTH"]


async def test_more_than_4000_characters_of_text_in_all_are_refused(client: Client) -> None:
    status, body = await client.callback(
        {"type": 4, "data": card(text("x" * 2000), text("y" * 2001))}, files=PNG
    )
    assert status == 400
    assert errors_at(body, "data", "components") == ["BASE_TYPE_MAX_LENGTH"]
    status, _ = await client.callback(
        {"type": 4, "data": card(text("x" * 2000), text("y" * 2000))}, files=PNG
    )
    assert status == 204


async def test_a_gallery_item_must_reference_an_upload_of_the_message(client: Client) -> None:
    body = card(text("a"))
    body["components"][0]["components"][0]["items"][0]["media"]["url"] = "attachment://other.png"
    status, answer = await client.callback({"type": 4, "data": body}, files=PNG)
    assert status == 400
    assert errors_at(answer, "components", 0, "components", 0, "items", 0, "media", "url") == [
        "ATTACHMENT_NOT_FOUND"
    ]
    assert not client.api.messages  # nothing was posted


async def test_a_deferral_becomes_a_card_by_its_edit_and_stays_one(client: Client) -> None:
    state = client.interaction()
    callback = f"/interactions/{state.id}/{state.token}/callback"
    status, _ = await client.send("POST", callback, {"type": 5, "data": {"flags": V2}})
    assert status == 204
    assert state.original is not None
    assert not state.original.flags & V2  # Discord ignores the flag on a deferral
    original = f"/webhooks/{state.application_id}/{state.token}/messages/@original"
    status, _ = await client.send("PATCH", original, {"content": "Generating…"})
    assert status == 200
    # Only the flag, with the progress text left in place: the resulting message breaks the rule.
    status, body = await client.send("PATCH", original, card(text("a")), files=PNG)
    assert status == 400
    assert errors_at(body, "content") == ["MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"]
    # Clearing the text, as discord.py's documentation asks (content=None), turns it into a card.
    status, _ = await client.send("PATCH", original, {**card(text("a")), "content": None}, files=PNG)
    assert status == 200
    assert state.original.flags & V2
    assert state.original.content == ""
    # A card cannot be edited back into text, nor lose its flag.
    status, body = await client.send("PATCH", original, {"content": "text again"})
    assert (status, errors_at(body, "content")) == (
        400,
        ["MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"],
    )
    status, body = await client.send("PATCH", original, {"flags": 0, "components": []})
    assert status == 400
    assert "flags" in body["errors"]


async def test_a_mention_in_a_text_display_pings_as_allowed(client: Client) -> None:
    world = client.fake.world
    channel = f"/channels/{world.general.id}/messages"
    body = card(text("a cat"))
    body["components"].insert(0, text(f"<@{world.alice.id}> <@{world.moderator.id}>"))
    body["allowed_mentions"] = {"parse": [], "users": [str(world.alice.id)]}
    status, sent = await client.send("POST", channel, body, files=PNG)
    assert status == 200
    stored = client.api.messages[int(sent["id"])]
    assert stored.mention_user_ids == [world.alice.id]  # the moderator's mention is shown, not pinged
