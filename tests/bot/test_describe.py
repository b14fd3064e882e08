"""`/describe` and "Describe image": an image -> 3 prompt suggestions -> restart-proof `/imagine` buttons."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.cards import custom_ids
from tests.bot.checks import assert_nobody_pinged, ephemeral_answer
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.bot.test_edit_image import message_action
from tests.bot.test_reroll_inputs import sent_images
from tests.fakes.ai_gateway import ChatReply, make_png

MiB = 2**20
ANSWER = [
    "1. A red fox asleep in fresh snow, soft morning light, watercolour\n",
    "2. **A curled-up fox on a snowy hill, @everyone pastel palette, wide shot**\n",
    '\n3. "Minimalist illustration of a sleeping fox, white background"\n',
]
EXPECTED = [
    "A red fox asleep in fresh snow, soft morning light, watercolour",
    "A curled-up fox on a snowy hill, @everyone pastel palette, wide shot",
    "Minimalist illustration of a sleeping fox, white background",
]


async def suggestions_message(env: BotEnv, rec: InteractionRecord) -> Any:
    message = await rec.wait_message(
        lambda m: any(i.startswith("ib:use:") for i in custom_ids(m)), timeout=15
    )
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    return message


async def test_describe_suggests_three_prompts_and_a_button_imagines_one_after_a_restart(
    bot_env: BotEnv,
) -> None:
    h = bot_env.h
    world = h.fake.world
    picture = make_png(6_000, seed=31)
    attachment = h.api.add_cdn_file("fox.png", picture)
    bot_env.ai.push("chat", ChatReply(text_deltas=ANSWER, images=[]))
    rec = await h.interact(h.payloads.slash("describe", options={"image": attachment}))
    assert (await rec.callback()).json["type"] == 5  # deferred before anything slow
    request = await bot_env.ai_request("/chat/completions")
    assert request.json["stream"] is False
    assert request.json["modalities"] == ["text"]
    assert sent_images(request) == [picture]  # exactly the member's image
    message = await suggestions_message(bot_env, rec)
    for suggestion in EXPECTED:
        assert suggestion.replace("@", "@\u200b") in message.content  # the model cannot ping
    assert_nobody_pinged(h)
    job = (await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id))[0]
    assert job.options["suggestions"] == EXPECTED
    assert job.status == "done"
    assert job.charge_images == 0  # a description delivers no image
    ids = custom_ids(message)
    assert ids == [f"ib:use:{job.id}:{n}" for n in range(3)]
    assert all(len(i) <= 100 for i in ids)

    click = dict(h.payloads.component(ids[2], message=h.api.message_payload(message)))
    await bot_env.restart()
    images_before = len([r for r in bot_env.ai.requests if r.path.endswith("/images/generations")])
    imagined = await bot_env.h.interact(click)
    generation = await bot_env.ai_request("/images/generations")
    assert generation.json["prompt"] == EXPECTED[2]
    assert images_before == 0
    result = await imagined.wait_message(lambda m: bool(m.attachments), timeout=15)
    assert any(i.startswith("ib:reroll:") for i in custom_ids(result))  # a normal /imagine result
    jobs = await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id)
    assert jobs[0].kind == "imagine"
    assert jobs[0].prompt == EXPECTED[2]


async def test_describe_image_on_a_message_sends_that_messages_image(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    picture = make_png(7_000, seed=32)
    attachment = h.api.add_cdn_file("owl.png", picture, channel_id=world.general.id)
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    payload = message_action(bot_env, seeded.id)
    payload["data"]["name"] = "Describe image"
    bot_env.ai.push("chat", ChatReply(text_deltas=ANSWER, images=[]))
    rec = await h.interact(payload)
    assert sent_images(await bot_env.ai_request("/chat/completions")) == [picture]
    message = await suggestions_message(bot_env, rec)
    assert EXPECTED[0] in message.content


async def test_a_too_large_image_is_refused_before_anything_is_spent(bot_env: BotEnv) -> None:
    h = bot_env.h
    attachment = h.api.add_cdn_file("huge.png", make_png(1_000, seed=33))
    attachment["size"] = 25 * MiB  # Discord's declared size is checked before any download
    rec = await h.interact(h.payloads.slash("describe", options={"image": attachment}))
    answer = await ephemeral_answer(rec)
    assert "25.0 MB" in answer.data["content"]
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
    world = h.fake.world
    assert await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id) == []


async def test_a_suggestion_with_a_blocked_term_is_refused_by_moderation(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, blocked_terms=["fox"])
    attachment = h.api.add_cdn_file("fox.png", make_png(6_000, seed=34))
    bot_env.ai.push("chat", ChatReply(text_deltas=ANSWER, images=[]))
    rec = await h.interact(h.payloads.slash("describe", options={"image": attachment}))
    message = await suggestions_message(bot_env, rec)
    ids = custom_ids(message)
    clicked = await h.interact(h.payloads.component(ids[0], message=h.api.message_payload(message)))
    answer = await ephemeral_answer(clicked)
    assert answer.data["content"]
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/images/generations")]
