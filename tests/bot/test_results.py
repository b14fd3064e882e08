"""Results: long jobs past the interaction token (item 6) and restart-proof buttons (items 2, 7)."""

from __future__ import annotations

import asyncio

import pytest

from tests.bot.cards import assert_card, card_job_id, card_text
from tests.bot.checks import assert_nobody_pinged, ephemeral_answer, final_result, text_input_ids
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.fakes.ai_gateway import ErrorReply, ImagesReply, make_png
from tests.fakes.payloads import EVERYONE_PERMISSIONS

# --- long jobs ---------------------------------------------------------------------------


async def test_a_result_outliving_its_token_is_posted_in_the_channel(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    image = make_png(10_000, seed=5)
    bot_env.ai.push("images", ImagesReply([image], delay=0.5))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "@everyone a slow sunset"}))
    await bot_env.ai_request("/images/generations")
    h.api.expire_token(rec.id)  # the token dies while the gateway is still working
    sent = await h.api.wait_for(lambda r: r.route == "channel_send" and r.ok, timeout=10)
    assert sent.path == f"/channels/{world.general.id}/messages"
    assert [f.data for f in sent.files] == [image]
    allowed = sent.json["allowed_mentions"]
    assert allowed["parse"] == []
    assert [int(u) for u in allowed["users"]] == [world.alice.id]
    # A card cannot have content: the mention is the line above it, and it pings the requester.
    card = assert_card(sent)
    assert card["components"][0] == {"type": 10, "content": f"<@{world.alice.id}>"}
    # A reply to the "thinking" message the interaction left in the channel.
    assert rec.state.original is not None
    assert int(sent.json["message_reference"]["message_id"]) == rec.state.original.id
    stored = h.api.messages[int(sent.response["id"])]
    assert stored.mention_user_ids == [world.alice.id]
    assert not stored.mention_everyone
    assert stored.type == 19
    assert next(e for e in rec.requests if e.route == "webhook_edit_original" and e.files).error_code == 50027
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    job_id = card_job_id(card)
    job = await bot_env.bot.store.get_job(job_id)
    assert job is not None
    assert (job.status, job.message_id) == ("done", stored.id)
    assert_nobody_pinged(h, requester=world.alice.id)


async def test_an_interaction_near_its_15_minutes_goes_straight_to_the_channel(bot_env: BotEnv) -> None:
    h = bot_env.h
    payload = h.payloads.slash("imagine", options={"prompt": "old request"})
    payload["id"] = str(h.fake.world.snowflakes(age_seconds=14.5 * 60))  # discord.py: expires in 30 s
    rec = await h.interact(payload)
    sent = await h.api.wait_for(lambda r: r.route == "channel_send" and r.ok, timeout=10)
    assert len(sent.files) == 1
    assert [int(u) for u in sent.json["allowed_mentions"]["users"]] == [h.fake.world.alice.id]
    assert (await rec.callback()).json["type"] == 5
    # The near-dead token is not even tried for the result.
    assert not [r for r in rec.requests if r.route in ("webhook_edit_original", "webhook_execute")]


async def test_a_private_result_outliving_its_token_is_kept_not_posted(
    bot_env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    h = bot_env.h
    bot_env.ai.push("images", ImagesReply([make_png(2_000)], delay=0.3))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "secret", "private": True}))
    await bot_env.ai_request("/images/generations")
    h.api.expire_token(rec.id)
    await rec.wait_for(lambda r: r.route == "webhook_edit_original" and bool(r.files), timeout=10)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert not [r for r in h.api.requests if r.route == "channel_send"]
    assert "outlived its token" in caplog.text
    (job,) = await bot_env.bot.store.recent_jobs(h.fake.world.guild.id, h.fake.world.alice.id, limit=5)
    assert job.status == "done"
    assert job.image_count == 1


# --- buttons and the modal ---------------------------------------------------------------


async def first_result(env: BotEnv, prompt: str = "a lighthouse") -> tuple[InteractionRecord, str]:
    """Run one /imagine; return its record and job id."""
    h = env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": prompt}))
    assert (await env.ai_request("/images/generations")).json["prompt"] == prompt
    edit = await final_result(rec)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    return rec, card_job_id(edit)


async def test_reroll_and_delete_buttons_work_after_a_restart(bot_env: BotEnv) -> None:
    env = bot_env
    rec, job_id = await first_result(env)
    world = env.discord.world
    reroll = rec.click(f"ib:reroll:{job_id}")
    stranger_delete = rec.click(f"ib:delete:{job_id}", user=world.moderator, permissions=EVERYONE_PERMISSIONS)
    owner_delete = rec.click(f"ib:delete:{job_id}")
    await env.restart()  # a fresh process, same fake Discord: the old message keeps its buttons
    h = env.h

    rerolled = await h.interact(reroll)
    ai = await env.ai_request("/images/generations")
    assert ai.json["prompt"] == "a lighthouse"
    result = await final_result(rerolled)
    new_job = card_job_id(result)
    assert new_job != job_id
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    stored = await env.bot.store.get_job(new_job)
    assert stored is not None
    assert stored.status == "done"

    refused = await h.interact(stranger_delete)
    answer = await ephemeral_answer(refused)
    assert answer.data["flags"] == 64
    assert "Only the member who made this image" in answer.data["content"]
    assert rec.state.original is not None
    assert not rec.state.original.deleted

    deleted = await h.interact(owner_delete)
    await deleted.wait_for(lambda r: r.route == "webhook_delete_original" and r.ok)
    assert rec.state.original.deleted
    assert_nobody_pinged(h, requester=world.alice.id)


async def test_a_moderator_may_delete_someone_elses_result(bot_env: BotEnv) -> None:
    rec, job_id = await first_result(bot_env)
    h = bot_env.h
    click = rec.click(f"ib:delete:{job_id}", user=h.fake.world.moderator)
    deleted = await h.interact(click)
    await deleted.wait_for(lambda r: r.route == "webhook_delete_original" and r.ok)
    assert rec.state.original is not None
    assert rec.state.original.deleted


async def test_edit_prompt_modal_runs_the_new_prompt(bot_env: BotEnv) -> None:
    rec, job_id = await first_result(bot_env, "a red car")
    h = bot_env.h
    opened = await h.interact(rec.click(f"ib:edit:{job_id}"))
    modal = await opened.callback()
    assert modal.json["type"] == 9
    assert opened.state.modal is not None
    assert len(opened.state.modal["title"]) <= 45
    (field,) = text_input_ids(opened.state.modal["components"])
    submitted = await h.interact(opened.submit_modal({field: "a blue car"}))
    ai = await bot_env.ai_request("/images/generations")
    assert ai.json["prompt"] == "a blue car"
    result = await final_result(submitted)
    assert "a blue car" in card_text(result)
    new_job = card_job_id(result)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    stored = await bot_env.bot.store.get_job(new_job)
    assert stored is not None
    assert stored.prompt == "a blue car"


async def test_a_failure_after_the_token_expired_is_public_only_for_public_jobs(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    bot_env.ai.push(
        "images",
        ErrorReply(402, "no credits", error_type="insufficient_funds", delay=0.3),
        ErrorReply(401, "bad key", error_type="authentication_error", delay=0.3),
    )
    private = await h.interact(h.payloads.slash("imagine", options={"prompt": "secret", "private": True}))
    await bot_env.ai_request("/images/generations")
    h.api.expire_token(private.id)
    await private.wait_for(
        lambda r: r.route in ("webhook_execute", "webhook_edit_original") and r.error_code == 50027,
        timeout=10,
    )

    public = await h.interact(h.payloads.slash("imagine", options={"prompt": "open"}))
    await bot_env.ai_request("/images/generations")
    h.api.expire_token(public.id)
    sent = await h.api.wait_for(lambda r: r.route == "channel_send" and r.ok, timeout=10)
    assert "AI key is not accepted" in sent.json["content"]
    assert sent.json["content"].startswith(f"<@{world.alice.id}>")
    assert [int(u) for u in sent.json["allowed_mentions"]["users"]] == [world.alice.id]
    assert h.api.messages[int(sent.response["id"])].mention_user_ids == [world.alice.id]
    # The private job failed 0.3 s earlier; only the public one's error reached the channel.
    assert [r for r in h.api.requests if r.route == "channel_send"] == [sent], "a private job stays private"
