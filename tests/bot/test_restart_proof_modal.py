"""Modals are answered by a fresh process (no "This interaction failed"): edit prompt, Edit image."""

from __future__ import annotations

import asyncio
import base64

import discord

from tests.bot.cards import card_job_id, card_text
from tests.bot.checks import ephemeral_answer, final_result, text_input_ids
from tests.bot.conftest import BotEnv
from tests.bot.test_edit_image import message_action
from tests.bot.test_results import first_result
from tests.fakes.ai_gateway import ChatReply, make_png
from tests.fakes.payloads import EVERYONE_PERMISSIONS, MESSAGE_CONTENT_FLAGS


async def test_an_edit_prompt_modal_opened_before_a_restart_is_answered_after_it(bot_env: BotEnv) -> None:
    env = bot_env
    rec, job_id = await first_result(env, "a red kite")
    h = env.h
    opened = await h.interact(rec.click(f"ib:edit:{job_id}"))
    assert (await opened.callback()).json["type"] == 9
    assert opened.state.modal is not None
    assert opened.state.modal["custom_id"] == f"ib:editprompt:{job_id}"
    (field,) = text_input_ids(opened.state.modal["components"])
    submit = opened.submit_modal({field: "a green kite"})

    await env.restart()  # the member types for a while; the bot is redeployed meanwhile
    h = env.h
    submitted = await h.interact(submit)
    ai = await env.ai_request("/images/generations")
    assert ai.json["prompt"] == "a green kite"
    result = await final_result(submitted)
    assert "a green kite" in card_text(result)
    new_job = card_job_id(result)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    stored = await env.bot.store.get_job(new_job)
    assert stored is not None
    assert stored.prompt == "a green kite"


async def test_the_modal_is_answered_once_in_the_process_that_opened_it(bot_env: BotEnv) -> None:
    rec, job_id = await first_result(bot_env, "a blue kite")
    h = bot_env.h
    opened = await h.interact(rec.click(f"ib:edit:{job_id}"))
    await opened.callback()
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    submitted = await h.interact(opened.submit_modal({field: "a yellow kite"}))
    await final_result(submitted)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    callbacks = [r for r in submitted.requests if r.route == "interaction_callback"]
    assert len(callbacks) == 1  # one answer (a second would be refused by Discord)
    assert callbacks[0].ok
    gateway_calls = [r for r in bot_env.ai.requests if r.path.endswith("/images/generations")]
    assert [r.json["prompt"] for r in gateway_calls].count("a yellow kite") == 1


async def test_a_stranger_submitting_the_modal_is_refused(bot_env: BotEnv) -> None:
    rec, job_id = await first_result(bot_env, "a kite")
    h = bot_env.h
    world = h.fake.world
    opened = await h.interact(rec.click(f"ib:edit:{job_id}"))
    await opened.callback()
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    await bot_env.restart()
    h = bot_env.h
    stranger = await h.interact(
        opened.submit_modal({field: "mine now"}, user=world.moderator, permissions=EVERYONE_PERMISSIONS)
    )
    answer = await ephemeral_answer(stranger)
    assert answer.data["flags"] == 64
    assert "Only the member who made this image" in answer.data["content"]


async def open_edit_image(env: BotEnv, picture: bytes):
    h = env.h
    world = h.fake.world
    attachment = h.api.add_cdn_file("owl.png", picture, channel_id=world.general.id)
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    opened = await h.interact(message_action(env, seeded.id))
    assert (await opened.callback()).json["type"] == 9
    assert opened.state.modal is not None
    assert opened.state.modal["custom_id"].startswith(f"ib:editimage:{world.general.id}:{seeded.id}:")
    (field,) = text_input_ids(opened.state.modal["components"])
    return seeded, opened, field


async def test_an_edit_image_modal_opened_before_a_restart_is_answered_after_it(bot_env: BotEnv) -> None:
    picture = make_png(6_000, seed=31)
    _, opened, field = await open_edit_image(bot_env, picture)
    submit = opened.submit_modal({field: "give it a hat"})
    # Re-reading a member's message shows its attachments only with the Message Content intent.
    bot_env.h.fake.world.application_flags = MESSAGE_CONTENT_FLAGS
    await bot_env.restart()
    h = bot_env.h
    bot_env.ai.push("chat", ChatReply(text_deltas=["A hat."], images=[make_png(9_000, seed=32)]))
    submitted = await h.interact(submit)
    request = await bot_env.ai_request("/chat/completions")
    parts = request.json["messages"][-1]["content"]
    assert {"type": "text", "text": "give it a hat"} in parts
    (url,) = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert base64.b64decode(url.split(",", 1)[1]) == picture
    await submitted.wait_for(lambda r: bool(r.files) and r.ok, timeout=15)
    callbacks = [r for r in submitted.requests if r.route == "interaction_callback"]
    assert len(callbacks) == 1


async def test_without_message_content_a_restarted_edit_image_modal_asks_to_use_it_again(
    bot_env: BotEnv,
) -> None:
    _, opened, field = await open_edit_image(bot_env, make_png(6_000, seed=36))
    submit = opened.submit_modal({field: "give it a hat"})
    await bot_env.restart()  # the fresh process re-reads the message: Discord hides its attachments
    before = len(bot_env.ai.requests)
    answer = await ephemeral_answer(await bot_env.h.interact(submit))
    assert "use Edit image on it again" in answer.data["content"]
    assert len(bot_env.ai.requests) == before


async def test_an_edit_image_modal_whose_message_was_deleted_meanwhile_is_answered(bot_env: BotEnv) -> None:
    seeded, opened, field = await open_edit_image(bot_env, make_png(6_000, seed=33))
    submit = opened.submit_modal({field: "give it a hat"})
    await bot_env.restart()
    seeded.deleted = True
    before = len(bot_env.ai.requests)
    answer = await ephemeral_answer(await bot_env.h.interact(submit))
    assert "That message is gone" in answer.data["content"]
    assert len(bot_env.ai.requests) == before


async def test_an_edit_image_modal_is_answered_once_in_the_process_that_opened_it(bot_env: BotEnv) -> None:
    _, opened, field = await open_edit_image(bot_env, make_png(6_000, seed=34))
    bot_env.ai.push("chat", ChatReply(text_deltas=["Ok."], images=[make_png(9_000, seed=35)]))
    submitted = await bot_env.h.interact(opened.submit_modal({field: "make it night"}))
    await submitted.wait_for(lambda r: bool(r.files) and r.ok, timeout=15)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert len([r for r in submitted.requests if r.route == "interaction_callback"]) == 1
    chats = [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 1


async def test_only_modal_submits_reach_the_modal_listeners_and_commands_spawn_no_listener_task(
    bot_env: BotEnv,
) -> None:
    # The restart-proof modal listeners hear `modal_submit`, dispatched for modal submits only:
    # an `on_interaction` listener would be a task for every command of a burst.
    bot = bot_env.bot
    assert not bot.extra_events.get("on_interaction")
    heard: list[int] = []

    async def listener(interaction: discord.Interaction) -> None:
        heard.append(interaction.type.value)

    bot.add_listener(listener, "on_modal_submit")
    rec, job_id = await first_result(bot_env, "a grey kite")  # a command and its result
    opened = await bot_env.h.interact(rec.click(f"ib:edit:{job_id}"))  # a button click
    await opened.callback()
    assert heard == []
    (field,) = text_input_ids(opened.state.modal["components"])  # type: ignore[index]
    submitted = await bot_env.h.interact(opened.submit_modal({field: "a white kite"}))
    await final_result(submitted)
    assert heard == [discord.InteractionType.modal_submit.value]
