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


def _image_urls(request: Any) -> list[bytes]:
    parts = request.json["messages"][-1]["content"]
    return [
        base64.b64decode(p["image_url"]["url"].split(",", 1)[1]) for p in parts if p["type"] == "image_url"
    ]


def _texts(request: Any) -> str:
    parts = request.json["messages"][-1]["content"]
    return "\n".join(p["text"] for p in parts if p["type"] == "text")


async def test_edit_image_modal_offers_optional_references_and_a_mask(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    attachment = h.api.add_cdn_file("cat.png", make_png(1000, seed=1), content_type="image/png")
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    opened = await h.interact(message_action(bot_env, seeded.id))
    await opened.callback()
    uploads = {
        c["component"]["custom_id"]: c["component"]
        for c in opened.state.modal["components"]  # type: ignore[index]
        if c["type"] == 18 and c["component"]["type"] == 19
    }
    assert set(uploads) == {"references", "mask"}
    assert uploads["references"]["max_values"] == 3
    assert uploads["mask"]["max_values"] == 1
    assert all(u.get("required") is False for u in uploads.values())


async def test_edit_image_sends_references_then_the_mask_after_the_image(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    target, ref1, ref2, mask = (make_png(20_000 + i, seed=30 + i) for i in range(4))
    attachment = h.api.add_cdn_file("cat.png", target, content_type="image/png", channel_id=world.general.id)
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    refs = [
        h.api.add_cdn_file(f"ref{i}.png", data, content_type="image/png")
        for i, data in enumerate((ref1, ref2))
    ]
    mask_file = h.api.add_cdn_file("mask.png", mask, content_type="image/png")
    edited = make_png(25_000, seed=40)
    bot_env.ai.push("chat", ChatReply(text_deltas=["Done."], images=[edited]))

    opened = await h.interact(message_action(bot_env, seeded.id))
    await opened.callback()
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    submitted = await h.interact(
        opened.submit_modal({field: "put the hat on"}, uploads={"references": refs, "mask": [mask_file]})
    )

    request = await bot_env.ai_request("/chat/completions")
    assert _image_urls(request) == [target, ref1, ref2, mask]  # exactly these, in this order
    assert "put the hat on" in _texts(request)
    assert "mask" in _texts(request)  # the model is told what the last image is
    result = await submitted.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    assert [f.data for f in result.files] == [edited]


async def test_edit_image_without_uploads_sends_only_the_image_and_no_mask_note(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    target = make_png(9_000, seed=50)
    attachment = h.api.add_cdn_file("cat.png", target, content_type="image/png", channel_id=world.general.id)
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    bot_env.ai.push("chat", ChatReply(text_deltas=["Ok."], images=[make_png(9_100, seed=51)]))
    opened = await h.interact(message_action(bot_env, seeded.id))
    await opened.callback()
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    await h.interact(opened.submit_modal({field: "make it blue"}))
    request = await bot_env.ai_request("/chat/completions")
    assert _image_urls(request) == [target]
    assert "mask" not in _texts(request)


async def test_a_reference_that_is_not_an_image_is_refused_before_anything_is_spent(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    attachment = h.api.add_cdn_file("cat.png", make_png(8_000, seed=60), content_type="image/png")
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    notes = h.api.add_cdn_file("notes.txt", b"not an image", content_type="text/plain")
    opened = await h.interact(message_action(bot_env, seeded.id))
    await opened.callback()
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    rec = await h.interact(opened.submit_modal({field: "use this"}, uploads={"references": [notes]}))
    answer = await ephemeral_answer(rec)
    assert answer.json["data"]["flags"] & 64
    assert "PNG, JPEG, WebP or GIF" in answer.json["data"]["content"]
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
    assert await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id) == []  # no job, no charge
