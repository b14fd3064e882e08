"""Re-roll keeps input images: `/chatimage image:` and "Edit image" jobs re-run with the same image.

The job stores references (URL, attachment id, SHA-256, the message for "Edit image"), never the
bytes; a re-roll fetches the image again. When the source is gone the member is told, and
nothing reaches the gateway.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.cards import custom_ids
from tests.bot.checks import ephemeral_answer, text_input_ids
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.bot.test_edit_image import message_action
from tests.fakes.ai_gateway import ChatReply, make_png


def sent_images(request: Any) -> list[bytes]:
    """The input images of a `/chat/completions` request, as the fake gateway recorded them."""
    return list(request.input_images)


async def result_message(env: BotEnv, rec: InteractionRecord) -> Any:
    """The message carrying the result's buttons, once the job is done."""
    message = await rec.wait_message(lambda m: bool(m.components) and bool(m.attachments), timeout=15)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    return message


def click(env: BotEnv, message: Any, action: str, **kwargs: Any) -> dict[str, Any]:
    (custom_id,) = [i for i in custom_ids(message) if i.startswith(f"ib:{action}:")]
    payload = env.h.api.message_payload(message)
    return dict(env.h.payloads.component(custom_id, message=payload, **kwargs))


async def chatimage_with_image(env: BotEnv, picture: bytes) -> tuple[InteractionRecord, Any, dict[str, Any]]:
    h = env.h
    attachment = h.api.add_cdn_file("cat.png", picture)
    env.ai.push("chat", ChatReply(text_deltas=["Bluer."], images=[make_png(9_000, seed=1)]))
    rec = await h.interact(
        h.payloads.slash("chatimage", options={"prompt": "make it blue", "image": attachment})
    )
    assert sent_images(await env.ai_request("/chat/completions")) == [picture]
    return rec, await result_message(env, rec), attachment


async def test_a_reroll_after_a_restart_sends_the_same_input_image(bot_env: BotEnv) -> None:
    picture = make_png(6_000, seed=21)
    _, message, attachment = await chatimage_with_image(bot_env, picture)
    world = bot_env.h.fake.world
    job = (await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id))[0]
    (stored,) = job.options["input_images"]
    assert stored["attachment_id"] == attachment["id"]
    assert "data" not in stored  # a reference, not the bytes

    reroll = click(bot_env, message, "reroll")
    await bot_env.restart()
    bot_env.ai.push("chat", ChatReply(text_deltas=["Again."], images=[make_png(9_000, seed=2)]))
    rerolled = await bot_env.h.interact(reroll)
    request = await bot_env.ai_request("/chat/completions")
    assert sent_images(request) == [picture]
    assert {"type": "text", "text": "make it blue"} in request.json["messages"][-1]["content"]
    second = await result_message(bot_env, rerolled)
    # The re-rolled job keeps the reference too: a re-roll of the re-roll works the same way.
    jobs = await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id)
    assert jobs[0].options["input_images"] == job.options["input_images"]
    assert second.components


async def test_an_edited_prompt_keeps_the_input_image_of_edit_image(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    picture = make_png(7_000, seed=22)
    attachment = h.api.add_cdn_file("dog.png", picture, channel_id=world.general.id)
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    bot_env.ai.push("chat", ChatReply(text_deltas=["Snow."], images=[make_png(9_000, seed=3)]))
    opened = await h.interact(message_action(bot_env, seeded.id))
    await opened.callback()
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    submitted = await h.interact(opened.submit_modal({field: "add snow"}))
    assert sent_images(await bot_env.ai_request("/chat/completions")) == [picture]
    message = await result_message(bot_env, submitted)

    edit = await h.interact(click(bot_env, message, "edit"))
    await edit.callback()
    (field,) = text_input_ids(edit.state.modal["components"])  # type: ignore[index]
    bot_env.ai.push("chat", ChatReply(text_deltas=["Rain."], images=[make_png(9_000, seed=4)]))
    fetches = len([r for r in h.api.requests if r.route == "channel_get_message"])
    rerun = await h.interact(edit.submit_modal({field: "add rain"}))
    request = await bot_env.ai_request("/chat/completions")
    assert sent_images(request) == [picture]  # re-read from its message
    assert len([r for r in h.api.requests if r.route == "channel_get_message"]) == fetches + 1
    await result_message(bot_env, rerun)


async def test_a_reroll_whose_image_is_gone_is_refused_and_costs_nothing(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, daily_quota=10)
    _, message, attachment = await chatimage_with_image(bot_env, make_png(6_000, seed=23))
    h.api.remove_cdn_file(attachment["id"])  # Discord expired the upload
    before = len(bot_env.ai.requests)
    rerolled = await h.interact(click(bot_env, message, "reroll"))
    answer = await ephemeral_answer(rerolled)
    assert "no longer available" in answer.data["content"]
    assert "again with the image" in answer.data["content"]
    assert len(bot_env.ai.requests) == before  # nothing reached the gateway
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    usage = await h.interact(h.payloads.slash("usage"))
    shown = await usage.wait_message(lambda m: not m.loading)
    assert "1/10 images used" in shown.content  # the first run only: the refused re-roll was given back


async def test_edit_image_whose_message_was_deleted_cannot_be_rerolled(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    attachment = h.api.add_cdn_file("fox.png", make_png(5_000, seed=24), channel_id=world.general.id)
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    bot_env.ai.push("chat", ChatReply(text_deltas=["Ok."], images=[make_png(9_000, seed=5)]))
    opened = await h.interact(message_action(bot_env, seeded.id))
    await opened.callback()
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    submitted = await h.interact(opened.submit_modal({field: "paint it"}))
    message = await result_message(bot_env, submitted)
    seeded.deleted = True
    before = len(bot_env.ai.requests)
    rerolled = await h.interact(click(bot_env, message, "reroll"))
    answer = await ephemeral_answer(rerolled)
    assert "no longer available" in answer.data["content"]
    assert len(bot_env.ai.requests) == before
