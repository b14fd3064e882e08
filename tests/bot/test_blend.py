"""`/blend`: several input images sent as `image_url` parts, checked before anything is spent."""

from __future__ import annotations

import asyncio

from tests.bot.checks import ephemeral_answer
from tests.bot.conftest import BotEnv
from tests.bot.test_reroll_inputs import click, result_message, sent_images
from tests.fakes.ai_gateway import ChatReply, make_png

MiB = 2**20


async def test_blend_sends_exactly_the_chosen_images_in_order_and_a_reroll_sends_them_again(
    bot_env: BotEnv,
) -> None:
    h = bot_env.h
    world = h.fake.world
    pictures = [make_png(5_000 + n, seed=40 + n) for n in range(3)]
    files = [h.api.add_cdn_file(f"p{n}.png", p) for n, p in enumerate(pictures)]
    bot_env.ai.push("chat", ChatReply(text_deltas=["Blended."], images=[make_png(9_000, seed=49)]))
    options = {"image1": files[0], "image2": files[1], "image3": files[2], "prompt": "a fox-owl"}
    rec = await h.interact(h.payloads.slash("blend", options=options))
    request = await bot_env.ai_request("/chat/completions")
    assert sent_images(request) == pictures
    assert {"type": "text", "text": "a fox-owl"} in request.json["messages"][-1]["content"]
    message = await result_message(bot_env, rec)
    job = (await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id))[0]
    assert [s["attachment_id"] for s in job.options["input_images"]] == [f["id"] for f in files]

    bot_env.ai.push("chat", ChatReply(text_deltas=["Again."], images=[make_png(9_000, seed=50)]))
    await h.interact(click(bot_env, message, "reroll"))
    assert sent_images(await bot_env.ai_request("/chat/completions")) == pictures


async def test_blend_without_a_prompt_uses_the_default_instruction(bot_env: BotEnv) -> None:
    h = bot_env.h
    pictures = [make_png(5_000, seed=51), make_png(5_000, seed=52)]
    files = [h.api.add_cdn_file(f"q{n}.png", p) for n, p in enumerate(pictures)]
    bot_env.ai.push("chat", ChatReply(text_deltas=["Done."], images=[make_png(9_000, seed=53)]))
    rec = await h.interact(h.payloads.slash("blend", options={"image1": files[0], "image2": files[1]}))
    request = await bot_env.ai_request("/chat/completions")
    assert sent_images(request) == pictures
    text = next(p["text"] for p in request.json["messages"][-1]["content"] if p["type"] == "text")
    assert text.startswith("Blend these images")
    await result_message(bot_env, rec)


async def test_one_oversized_image_refuses_the_blend_before_anything_is_spent(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    good = h.api.add_cdn_file("ok.png", make_png(5_000, seed=54))
    huge = h.api.add_cdn_file("huge.png", make_png(1_000, seed=55))
    huge["size"] = 30 * MiB
    rec = await h.interact(h.payloads.slash("blend", options={"image1": good, "image2": huge}))
    answer = await ephemeral_answer(rec)
    assert "30.0 MB" in answer.data["content"]
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
    assert await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id) == []


async def test_chatimage_sends_its_extra_reference_images_after_the_first(bot_env: BotEnv) -> None:
    h = bot_env.h
    pictures = [make_png(5_000, seed=60 + n) for n in range(3)]
    files = [h.api.add_cdn_file(f"r{n}.png", p) for n, p in enumerate(pictures)]
    bot_env.ai.push("chat", ChatReply(text_deltas=["Here."], images=[make_png(9_000, seed=63)]))
    options = {
        "prompt": "same character, new pose",
        "image": files[0],
        "image2": files[1],
        "image3": files[2],
    }
    rec = await h.interact(h.payloads.slash("chatimage", options=options))
    assert sent_images(await bot_env.ai_request("/chat/completions")) == pictures
    await result_message(bot_env, rec)
