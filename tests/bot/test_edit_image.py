"""The "Edit image" message action: a message's image goes to a chat image model as input."""

from __future__ import annotations

import base64
from typing import Any

from tests.bot.checks import ephemeral_answer, text_input_ids
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ChatReply, make_png


def message_action(env: BotEnv, message_id: int) -> dict[str, Any]:
    """A MESSAGE context-menu interaction (command type 3) on `message_id`."""
    h = env.h
    payload = dict(h.payloads.slash("Edit image"))
    message = h.api.message_payload(h.api.messages[message_id])
    payload["data"] = {
        **payload["data"],
        "type": 3,
        "target_id": str(message_id),
        "resolved": {"messages": {str(message_id): message}},
    }
    payload["data"].pop("options", None)
    return payload


async def test_edit_image_sends_the_messages_image_as_input(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    source = make_png(30_000, seed=11)
    attachment = h.api.add_cdn_file("cat.png", source, content_type="image/png", channel_id=world.general.id)
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    edited = make_png(40_000, seed=12)
    bot_env.ai.push("chat", ChatReply(text_deltas=["Snow added."], images=[edited]))

    opened = await h.interact(message_action(bot_env, seeded.id))
    assert (await opened.callback()).json["type"] == 9  # a modal is the first response
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    submitted = await h.interact(opened.submit_modal({field: "make it snow"}))

    request = await bot_env.ai_request("/chat/completions")
    parts = request.json["messages"][-1]["content"]
    assert {"type": "text", "text": "make it snow"} in parts
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert len(urls) == 1
    header, encoded = urls[0].split(",", 1)
    assert header == "data:image/png;base64"
    assert base64.b64decode(encoded) == source
    result = await submitted.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    assert [f.data for f in result.files] == [edited]


async def test_edit_image_on_a_message_without_image_is_refused(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), "just text")
    rec = await h.interact(message_action(bot_env, seeded.id))
    answer = await ephemeral_answer(rec)
    assert answer.json["data"]["flags"] & 64
    assert "no image" in answer.json["data"]["content"]
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
