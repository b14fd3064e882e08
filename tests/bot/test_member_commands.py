"""Member self-service: `/usage` (quota, budget, recent jobs) and `/forgetme` (data deletion)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.discord.flows.undelivered import SpooledFile, SpooledResult
from bot.limits import cooldown_key
from bot.storage import DELETED_USER_ID
from tests.bot.cards import IS_COMPONENTS_V2, card_job_id, card_text, components_of, custom_ids, walk
from tests.bot.conftest import BotEnv


async def _generate(env: BotEnv, prompt: str) -> str:
    h = env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": prompt, "count": 2}))
    result = await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    return card_job_id(result)


async def test_usage_shows_quota_budget_and_recent_jobs(bot_env: BotEnv) -> None:
    h = bot_env.h
    guild_id = h.fake.world.guild.id
    await bot_env.bot.store.update_guild_settings(
        guild_id, h.fake.world.moderator.id, daily_quota=10, monthly_budget=5
    )
    job_id = await _generate(bot_env, "a paper boat")
    rec = await h.interact(h.payloads.slash("usage"))
    answer = await rec.wait_message(lambda m: not m.loading)
    assert answer.ephemeral
    assert "2/10 images used" in answer.content
    assert "$0.04 of $5.00" in answer.content
    assert f"`{job_id}`" in answer.content
    assert answer.allowed_mentions is not None
    assert answer.allowed_mentions.get("parse") == []
    rec = await h.interact(h.payloads.slash("usage", locale="pt-BR"))
    answer = await rec.wait_message(lambda m: not m.loading)
    assert "**Hoje:** 2/10 imagens usadas" in answer.content
    assert "$0.04 de $5.00" in answer.content
    assert f"`{job_id}` · ✅ concluído · `" in answer.content


async def test_forgetme_anonymises_the_members_data_after_confirmation(bot_env: BotEnv) -> None:
    h = bot_env.h
    store = bot_env.bot.store
    guild_id, alice = h.fake.world.guild.id, h.fake.world.alice.id
    await store.update_guild_settings(guild_id, alice, cooldown_seconds=600, daily_quota=5)
    job_id = await _generate(bot_env, "my secret prompt")
    cooldown = cooldown_key(guild_id, alice)
    assert await bot_env.bot.generation.limits.cooldown_remaining(cooldown) is not None
    # results Discord would not take, kept in memory for /job: hers and another member's
    kept = bot_env.bot.undelivered
    bob = h.fake.world.user("mod").id
    for job, owner in (("alicejob", alice), ("modjob", bob)):
        kept.put(SpooledResult(job, owner, guild_id, [[SpooledFile("1.png", b"png", 1)]]))

    rec = await h.interact(h.payloads.slash("forgetme"))
    prompt = await rec.wait_message(lambda m: not m.loading)
    assert prompt.ephemeral
    (button,) = [c["custom_id"] for row in prompt.components for c in row["components"]]
    confirm = await h.interact(rec.click(button))
    done = await confirm.wait_for(lambda r: r.route == "interaction_callback", timeout=5)
    assert done.json["type"] == 7  # the confirmation message is updated in place
    content = done.json["data"]["content"]
    assert "3 record(s) anonymised" in content  # the job and the two settings changes above
    assert "until midnight UTC" in content
    assert "1 result(s) I could not post are deleted from memory" in content
    assert kept.get("alicejob") is None
    assert kept.get("modjob") is not None  # nobody else's
    job = await store.get_job(job_id)
    assert job is not None
    assert (job.prompt, job.options, job.message_id) == ("", {}, None)
    assert job.user_id == alice  # today's quota still counts it: /forgetme is no way around it
    assert await store.images_today(guild_id, alice) == 2
    assert {e.actor_id for e in await store.list_audit(guild_id)} == {DELETED_USER_ID}
    assert await bot_env.bot.generation.limits.cooldown_remaining(cooldown) is None

    # after midnight UTC the hourly sweep removes the id too
    tomorrow = job.created_at + timedelta(days=1)
    assert (await store.purge_expired(90, now=tomorrow)).forgotten == 1
    job = await store.get_job(job_id)
    assert job is not None
    assert job.user_id == DELETED_USER_ID


async def test_job_shows_a_past_result_to_its_requester_only(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    job_id = await _generate(bot_env, "a lantern")
    job = await bot_env.bot.store.get_job(job_id)
    assert job is not None

    rec = await h.interact(h.payloads.slash("job", options={"job_id": job_id}))
    answer = await rec.callback()
    data = answer.json["data"]
    assert data["flags"] == 64 | IS_COMPONENTS_V2  # a private card
    text = card_text(data)
    assert text.startswith(f"### Job `{job_id}`\na lantern")
    assert "**Status** ✅ done" in text
    (link,) = [c for c in walk(components_of(data)) if c.get("style") == 5]  # the section's link button
    assert link["url"].endswith(f"/{world.guild.id}/{job.channel_id}/{job.message_id}")
    buttons = [f"ib:reroll:{job_id}", f"ib:edit:{job_id}", f"ib:delete:{job_id}"]
    menus = [f"ib:act:{job_id}:{n}" for n in range(1, job.image_count + 1)]  # one per image
    assert custom_ids(data) == buttons + menus

    other = await h.interact(
        h.payloads.slash("job", options={"job_id": job_id}, user=world.user("owner"), permissions=0)
    )
    refusal = await other.callback()
    assert refusal.json["data"]["flags"] & 64
    assert "Only the member who made this job" in refusal.json["data"]["content"]

    missing = await h.interact(h.payloads.slash("job", options={"job_id": "nope1234"}))
    assert "No job with that id" in (await missing.callback()).json["data"]["content"]
