"""The edit-prompt modal is answered by a fresh process (no "This interaction failed")."""

from __future__ import annotations

import asyncio

from tests.bot.checks import ephemeral_answer, final_result, text_input_ids
from tests.bot.conftest import BotEnv
from tests.bot.test_results import first_result
from tests.fakes.payloads import EVERYONE_PERMISSIONS


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
    assert "a green kite" in result.data["embeds"][0]["description"]
    new_job = result.data["embeds"][0]["footer"]["text"].split()[1]
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
