"""Per-image actions: the chosen image of a result, edited by a chat image model, as a new job.

Every check reads what the fakes recorded: the fake gateway decodes the image inputs it got,
so each test compares them with the exact bytes of the image that was picked.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from tests.bot.cards import card_text, custom_ids
from tests.bot.checks import ephemeral_answer
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.bot.test_references import references_of
from tests.bot.test_reroll_inputs import click, result_message
from tests.fakes.ai_gateway import DEFAULT_MODELS, ChatReply, ImagesReply, ModelsReply, make_png

MiB = 2**20


def pick(env: BotEnv, message: Any, number: int, action: str, **kwargs: Any) -> dict[str, Any]:
    """A pick of `action` in the "Act on image N" menu of `message`."""
    (custom_id,) = [i for i in custom_ids(message) if i.startswith("ib:act:") and i.endswith(f":{number}")]
    payload = env.h.api.message_payload(message)
    return dict(
        env.h.payloads.component(custom_id, message=payload, component_type=3, values=[action], **kwargs)
    )


async def imagine(env: BotEnv, pictures: list[bytes], prompt: str = "a lighthouse at dusk") -> Any:
    """Run /imagine answered with `pictures`; return its result message."""
    env.ai.push("images", ImagesReply(pictures))
    options = {"prompt": prompt, "count": len(pictures)}
    rec = await env.h.interact(env.h.payloads.slash("imagine", options=options))
    return await result_message(env, rec)


async def chat_result(env: BotEnv, prompt: str = "a paper boat") -> Any:
    """Run /chatimage (the catalogue's gemini-3-pro-image) answered with one image."""
    env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(7_000, seed=90)]))
    rec = await env.h.interact(env.h.payloads.slash("chatimage", options={"prompt": prompt}))
    await env.ai_request("/chat/completions")
    return await result_message(env, rec)


async def acted(env: BotEnv, payload: dict[str, Any], result: bytes) -> tuple[Any, InteractionRecord, Any]:
    """Dispatch a pick answered with `result`: the chat request, the record and the new result."""
    env.ai.push("chat", ChatReply(text_deltas=[], images=[result]))
    rec = await env.h.interact(payload)
    request = await env.ai_request("/chat/completions")
    return request, rec, await result_message(env, rec)


async def jobs_of(env: BotEnv) -> list[Any]:
    world = env.h.fake.world
    return await env.bot.store.recent_jobs(world.guild.id, world.alice.id)


async def test_vary_sends_exactly_the_chosen_image_and_makes_a_new_job_with_its_own_menus(
    bot_env: BotEnv,
) -> None:
    pictures = [make_png(5_000, seed=81), make_png(5_500, seed=82)]
    source = await imagine(bot_env, pictures)
    (first,) = await jobs_of(bot_env)
    assert [a.filename for a in source.attachments] == ["image_1.png", "image_2.png"]

    request, _, made = await acted(bot_env, pick(bot_env, source, 2, "vary_subtle"), make_png(9_000, seed=83))
    assert request.input_hashes == [hashlib.sha256(pictures[1]).hexdigest()]  # image 2, and only it
    (text,) = [p["text"] for p in request.json["messages"][-1]["content"] if p["type"] == "text"]
    assert text.startswith("Make a subtle variation of this image")
    assert text.endswith("The image was made from this prompt: a lighthouse at dusk")
    assert request.json["model"] == "google/gemini-3-pro-image"  # the server's chat image model

    new = (await jobs_of(bot_env))[0]
    assert new.id != first.id
    assert new.kind == "chatimage"
    assert new.status == "done"
    assert new.options["image_action"] == {
        "name": "vary_subtle",
        "source_job": first.id,
        "image": 2,
        "prompt": "a lighthouse at dusk",
    }
    (stored,) = new.options["input_images"]
    assert stored["message_id"] == str(source.id)
    ids = custom_ids(made)
    assert f"ib:act:{new.id}:1" in ids
    assert f"ib:reroll:{new.id}" in ids
    assert f"**Action** Vary (subtle) · image 2 of job {first.id}" in card_text(made)
    world = bot_env.h.fake.world
    link = f"https://discord.com/channels/{world.guild.id}/{source.channel_id}/{source.id}"
    assert references_of(made) == [f"1 image: [1]({link})"]


async def test_a_menu_picked_after_a_restart_still_acts_on_its_image(bot_env: BotEnv) -> None:
    pictures = [make_png(5_000, seed=84)]
    source = await imagine(bot_env, pictures)
    payload = pick(bot_env, source, 1, "zoom_2")
    await bot_env.restart()
    request, _, _ = await acted(bot_env, payload, make_png(9_000, seed=85))
    assert list(request.input_images) == pictures
    (text,) = [p["text"] for p in request.json["messages"][-1]["content"] if p["type"] == "text"]
    assert text.startswith("Zoom out 2×")


async def test_upscale_asks_gemini_for_4k_and_a_reroll_repeats_it_on_the_same_image(bot_env: BotEnv) -> None:
    source = await chat_result(bot_env)
    picture = make_png(7_000, seed=90)
    request, _, made = await acted(bot_env, pick(bot_env, source, 1, "upscale"), make_png(9_000, seed=91))
    assert list(request.input_images) == [picture]
    assert request.json["model"] == "google/gemini-3-pro-image"  # the job's own model edits images
    image_config = request.json["providerOptions"]["google"]["imageConfig"]
    assert image_config == {"imageSize": "4K", "aspectRatio": "1:1"}  # the fake's images are 1×1
    assert "• Upscaled at the model's highest resolution." in card_text(made)

    bot_env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=92)]))
    await bot_env.h.interact(click(bot_env, made, "reroll"))
    again = await bot_env.ai_request("/chat/completions")
    assert list(again.input_images) == [picture]  # re-read from the first result's message
    assert again.json["providerOptions"]["google"]["imageConfig"]["imageSize"] == "4K"
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    rerolled = (await jobs_of(bot_env))[0]
    assert rerolled.options["image_action"]["name"] == "upscale"


async def test_square_and_pan_ask_for_the_aspect_ratio_they_make(bot_env: BotEnv) -> None:
    source = await imagine(bot_env, [make_png(5_000, seed=86)])
    request, _, _ = await acted(bot_env, pick(bot_env, source, 1, "square"), make_png(9_000, seed=87))
    assert request.json["providerOptions"]["google"]["imageConfig"] == {"aspectRatio": "1:1"}
    request, _, _ = await acted(bot_env, pick(bot_env, source, 1, "pan_left"), make_png(9_000, seed=88))
    assert request.json["providerOptions"]["google"]["imageConfig"] == {"aspectRatio": "3:2"}
    (text,) = [p["text"] for p in request.json["messages"][-1]["content"] if p["type"] == "text"]
    assert text.startswith("Extend this image to the left")


async def test_only_the_requester_can_act_and_nothing_is_spent_otherwise(bot_env: BotEnv) -> None:
    h = bot_env.h
    source = await imagine(bot_env, [make_png(5_000, seed=89)])
    before = len(bot_env.ai.requests)
    rec = await h.interact(pick(bot_env, source, 1, "vary_strong", user=h.fake.world.owner))
    answer = await ephemeral_answer(rec)
    assert "Only the member who made this image" in str(answer.json)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert len(bot_env.ai.requests) == before
    assert len(await jobs_of(bot_env)) == 1


async def test_an_oversized_or_fake_image_is_refused_before_anything_is_reserved(bot_env: BotEnv) -> None:
    h = bot_env.h
    source = await imagine(bot_env, [make_png(5_000, seed=93)])
    payload = pick(bot_env, source, 1, "upscale")
    payload["message"]["attachments"][0]["size"] = 30 * MiB  # what Discord declares
    answer = await ephemeral_answer(await h.interact(payload))
    assert "30.0 MB" in str(answer.json)

    junk = h.api.add_cdn_file("image_1.png", b"<html>not an image</html>", content_type="image/png")
    payload = pick(bot_env, source, 1, "upscale")
    payload["message"]["attachments"][0] = junk | {"filename": "image_1.png"}  # the bytes lie
    answer = await ephemeral_answer(await h.interact(payload))
    assert "PNG, JPEG, WebP or GIF" in str(answer.json)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
    assert len(await jobs_of(bot_env)) == 1  # nothing admitted, nothing to refund


async def test_actions_pass_the_same_moderation_and_quota_as_any_job(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    source = await imagine(bot_env, [make_png(5_000, seed=94)], prompt="a red fox in snow")
    store = bot_env.bot.store
    await store.update_guild_settings(world.guild.id, world.moderator.id, blocked_terms=["fox"])
    answer = await ephemeral_answer(await h.interact(pick(bot_env, source, 1, "vary_subtle")))
    assert "a term this server blocks" in answer.json["content"]  # the original prompt, moderated again

    await store.update_guild_settings(world.guild.id, world.moderator.id, blocked_terms=[], daily_quota=1)
    answer = await ephemeral_answer(await h.interact(pick(bot_env, source, 1, "vary_subtle")))
    assert "You have used your 1 images for today" in answer.json["content"]
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]


async def test_a_chat_model_that_takes_no_image_is_refused_before_anything_is_spent(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    blind = {
        "id": "acme/sketch-image",
        "object": "model",
        "type": "language",
        "tags": ["image-generation"],
        "architecture": {"input_modalities": ["text"], "output_modalities": ["image"]},
    }
    bot_env.ai.defaults["models"] = ModelsReply([*DEFAULT_MODELS, blind])
    assert await bot_env.bot.catalog.refresh()
    await bot_env.bot.store.update_guild_settings(
        world.guild.id, world.moderator.id, chat_model="acme/sketch-image"
    )
    source = await imagine(bot_env, [make_png(5_000, seed=95)])
    answer = await ephemeral_answer(await h.interact(pick(bot_env, source, 1, "upscale")))
    assert "acme/sketch-image" in str(answer.json)
    assert "cannot take an image" in str(answer.json)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
    assert len(await jobs_of(bot_env)) == 1


async def test_a_result_with_many_images_offers_a_picker_that_answers_with_the_images_menu(
    bot_env: BotEnv,
) -> None:
    h = bot_env.h
    world = h.fake.world
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, max_count=6)
    pictures = [make_png(4_000 + n, seed=100 + n) for n in range(6)]
    source = await imagine(bot_env, pictures)
    (first,) = await jobs_of(bot_env)
    assert custom_ids(source)[3:] == [f"ib:pick:{first.id}"]  # one picker, not six menus
    chosen = h.api.message_payload(source)
    picker = await h.interact(
        h.payloads.component(f"ib:pick:{first.id}", message=chosen, component_type=3, values=["5"])
    )
    menu = await picker.wait_message(lambda m: bool(m.components))
    assert menu.ephemeral
    request, _, _ = await acted(bot_env, pick(bot_env, menu, 5, "vary_strong"), make_png(9_000, seed=110))
    assert list(request.input_images) == [pictures[4]]  # read from the result's message


async def test_an_action_is_not_rewritten_when_the_server_enhances_prompts(bot_env: BotEnv) -> None:
    world = bot_env.h.fake.world
    source = await imagine(bot_env, [make_png(5_000, seed=95)])
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, enhance_prompts=True)
    request, _, _ = await acted(bot_env, pick(bot_env, source, 1, "square"), make_png(9_000, seed=96))
    assert request.json["model"] == "google/gemini-3-pro-image"  # the edit itself, not a rewrite
    (text,) = [p["text"] for p in request.json["messages"][-1]["content"] if p["type"] == "text"]
    assert text.startswith("Make this image square")
    chats = [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 1  # no enhancement request before the edit
