"""A result made from input images says how many, with a link to each source message known."""

from __future__ import annotations

import re
from typing import Any

from tests.bot.cards import components_of, walk
from tests.bot.checks import text_input_ids
from tests.bot.conftest import BotEnv
from tests.bot.test_edit_image import message_action
from tests.bot.test_reroll_inputs import result_message, sent_images
from tests.fakes.ai_gateway import ChatReply, make_png


def texts(message: Any) -> list[str]:
    """The TextDisplays of a result card, in order."""
    return [node["content"] for node in walk(components_of(message)) if node.get("type") == 10]


def references_of(message: Any) -> list[str]:
    """The card's references line(s): "N image(s)…"."""
    return [text for text in texts(message) if re.match(r"[0-9]+ images?(?::|$)", text)]


async def test_an_edit_image_result_links_the_message_its_image_came_from(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    picture = make_png(6_000, seed=71)
    attachment = h.api.add_cdn_file("owl.png", picture, channel_id=world.general.id)
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    bot_env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=72)]))
    opened = await h.interact(message_action(bot_env, seeded.id))
    await opened.callback()
    (name,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    submitted = await h.interact(opened.submit_modal({name: "add a hat"}))
    assert sent_images(await bot_env.ai_request("/chat/completions")) == [picture]
    message = await result_message(bot_env, submitted)
    link = f"https://discord.com/channels/{world.guild.id}/{world.general.id}/{seeded.id}"
    assert references_of(message) == [f"1 image: [1]({link})"]


async def test_a_blend_of_uploads_shows_how_many_images_it_was_made_from(bot_env: BotEnv) -> None:
    h = bot_env.h
    files = [h.api.add_cdn_file(f"b{n}.png", make_png(5_000, seed=73 + n)) for n in range(3)]
    bot_env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=76)]))
    options = {"image1": files[0], "image2": files[1], "image3": files[2]}
    rec = await h.interact(h.payloads.slash("blend", options=options))
    message = await result_message(bot_env, rec)
    assert references_of(message) == ["3 images"]  # command uploads have no message to link


async def test_a_result_without_input_images_has_no_references(bot_env: BotEnv) -> None:
    h = bot_env.h
    bot_env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=77)]))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "a lighthouse"}))
    message = await result_message(bot_env, rec)
    assert references_of(message) == []
