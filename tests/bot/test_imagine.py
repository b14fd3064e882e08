"""`/imagine` end to end through discord.py against the fakes (issue 4, item 2 and item 5)."""

from __future__ import annotations

import asyncio
import time

from tests.bot.cards import assert_card, card_job_id, card_text, custom_ids, gallery_items
from tests.bot.checks import (
    AIArrivals,
    all_files,
    assert_no_secrets,
    assert_nobody_pinged,
    decodes_as_image,
    ephemeral_answer,
    final_result,
    message_requests,
    noise_png,
)
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ErrorReply, ImagesReply, make_png

MiB = 2**20


async def test_imagine_defers_first_then_posts_exact_images(bot_env: BotEnv) -> None:
    arrivals = AIArrivals(bot_env.ai)
    images = [make_png(300_000, seed=i) for i in range(4)]
    bot_env.ai.push("images", ImagesReply(images))
    h = bot_env.h
    prompt = "a red fox in the snow"
    rec = await h.interact(
        h.payloads.slash("imagine", options={"prompt": prompt, "count": 4, "aspect_ratio": "16:9"})
    )
    ai_request = await bot_env.ai_request("/images/generations")
    deferral = await rec.callback()
    assert deferral.json["type"] == 5
    assert not deferral.data.get("flags", 0) & 64  # public
    # The deferral had been answered by Discord before the gateway saw the request.
    (arrived, _), *_ = arrivals.on("/images/generations")
    assert deferral.answered_at <= arrived
    assert ai_request.json["n"] == 4
    assert ai_request.json["prompt"] == prompt
    assert ai_request.json["response_format"] == "b64_json"

    edit = await final_result(rec)
    assert [f.data for f in edit.files] == images  # byte for byte
    assert [a["description"] for a in edit.data["attachments"]] == [prompt] * 4  # alt text
    message = rec.state.original
    assert message is not None
    assert [a.description for a in message.attachments] == [prompt] * 4
    # The result is a Components V2 card: a gallery of the uploads with alt text, then the text.
    card = assert_card(edit)
    assert [item["description"] for item in gallery_items(card)] == [prompt] * 4
    assert not any(item["spoiler"] for item in gallery_items(card))
    text = card_text(card)
    assert prompt in text
    assert "**Model** bfl/flux-2-pro" in text  # the catalogue's first image model
    assert "**Count** 4 · **Aspect ratio** 16:9 · **Private** no" in text
    job_id = card_job_id(card)
    assert " s · $0.04 · requested by" in text  # elapsed time, the gateway-reported cost
    # Discord serves the gallery with each upload's CDN URL.
    shown = [item["media"] for item in gallery_items(message)]
    assert [m["attachment_id"] for m in shown] == [str(a.id) for a in message.attachments]
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()  # the job row is updated after Discord answered the edit
    job = await bot_env.bot.store.get_job(job_id)
    assert job is not None
    assert (job.status, job.prompt, job.image_count) == ("done", prompt, 4)
    assert job.message_id == message.id
    buttons = [f"ib:reroll:{job_id}", f"ib:edit:{job_id}", f"ib:delete:{job_id}"]
    assert custom_ids(card) == buttons + [f"ib:act:{job_id}:{n}" for n in range(1, 5)]  # a menu per image
    assert_nobody_pinged(h, requester=h.fake.world.alice.id)
    assert_no_secrets(h)


async def test_private_imagine_defers_ephemerally(bot_env: BotEnv) -> None:
    arrivals = AIArrivals(bot_env.ai)
    h = bot_env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a secret cat", "private": True}))
    deferral = await rec.callback()
    assert deferral.json["type"] == 5
    assert deferral.data["flags"] == 64
    edit = await final_result(rec)
    assert len(edit.files) == 1
    assert deferral.answered_at <= arrivals.on("/images/generations")[0][0]
    assert rec.state.original is not None
    assert rec.state.original.ephemeral
    assert rec.state.original.attachments[0].ephemeral
    assert_nobody_pinged(h, requester=h.fake.world.alice.id)


async def test_a_prompt_full_of_mentions_pings_nobody(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    role = world.guild.roles[1]
    prompt = f"@everyone @here <@&{role.id}> <@{world.moderator.id}> <@!{world.owner.id}> draw us"
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": prompt}))
    edit = await final_result(rec)
    assert (await bot_env.ai_request("/images/generations")).json["prompt"] == prompt  # sent unchanged
    message = rec.state.original
    assert message is not None
    assert message.mention_user_ids == []
    assert message.mention_role_ids == []
    assert not message.mention_everyone
    # The echoed prompt cannot even look like a mention.
    text = card_text(edit)
    assert "@everyone" not in text
    assert f"<@&{role.id}>" not in text
    for stored in h.api.messages.values():
        assert not stored.mention_everyone
        assert stored.mention_role_ids == []
        assert set(stored.mention_user_ids) <= {world.alice.id}
    assert_nobody_pinged(h, requester=world.alice.id)


async def test_a_result_over_25_mib_goes_in_two_messages(bot_env: BotEnv) -> None:
    h = bot_env.h
    images = [make_png(9 * MiB, seed=i) for i in range(4)]  # 36 MiB: over one message's 25 MiB
    bot_env.ai.push("images", ImagesReply(images))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "four big kittens", "count": 4}))
    await final_result(rec, timeout=20)
    followup = await rec.wait_for(
        lambda r: r.route == "webhook_execute" and bool(r.files) and r.ok, timeout=20
    )
    posts = [r for r in message_requests(h) if r.files]
    assert [len(r.files) for r in posts] == [2, 2]
    assert [f.data for f in all_files(posts)] == images
    assert "4 images (part 1/2)" in card_text(assert_card(posts[0]))
    assert "Part 2/2" in card_text(assert_card(followup))
    assert custom_ids(followup) == []  # the actions are on the first message only
    assert len(rec.messages) == 2
    assert_nobody_pinged(h, requester=h.fake.world.alice.id)

    # Delete (on the first message) removes the whole result, both messages.
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    (button,) = [c for c in custom_ids(rec.messages[0]) if c.startswith("ib:delete:")]
    click = await h.interact(rec.click(button))
    await click.callback()
    await h.api.wait_for(lambda r: r.route == "channel_delete_message" and r.ok, timeout=5)
    assert all(m.deleted for m in rec.messages)


async def test_count_is_capped_by_the_command_schema_and_rechecked(bot_env: BotEnv) -> None:
    h = bot_env.h
    registered = next(c for c in h.api.commands[None] if c["name"] == "imagine")
    count = next(o for o in registered["options"] if o["name"] == "count")
    assert (count["min_value"], count["max_value"]) == (1, 10)  # Discord's client enforces it
    # A forged interaction past the schema (and past this server's cap of 4) is still refused.
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "many", "count": 12}))
    answer = await ephemeral_answer(rec)
    assert answer.data["flags"] == 64
    assert "at most 4 images" in answer.data["content"]
    assert "error id" in answer.data["content"]
    assert [r for r in bot_env.ai.requests if r.path.endswith("/images/generations")] == []


async def test_an_image_over_the_upload_limit_is_reencoded_to_fit(bot_env: BotEnv) -> None:
    h = bot_env.h
    limit = 200_000
    big = noise_png(320, 320, seed=7)
    small = make_png(50_000, seed=1)
    assert len(big) > limit
    bot_env.ai.push("images", ImagesReply([big, small]))
    rec = await h.interact(
        h.payloads.slash("imagine", options={"prompt": "static", "count": 2}, attachment_size_limit=limit)
    )
    edit = await final_result(rec)
    assert edit.ok
    first, second = edit.files
    assert first.size <= limit
    assert first.data != big
    fmt, _ = decodes_as_image(first.data)
    assert fmt in ("WEBP", "JPEG")
    assert second.data == small  # the one that fits is untouched
    assert "• Image 1 re-encoded" in card_text(edit)
    assert rec.state.original is not None
    assert len(rec.state.original.attachments) == 2


async def test_ten_images_over_25_mib_are_split_across_messages(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, max_count=10)
    images = [make_png(3 * MiB, seed=i) for i in range(10)]
    bot_env.ai.push("images", ImagesReply(images))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "ten big ones", "count": 10}))
    await final_result(rec, timeout=20)
    await rec.wait_for(lambda r: r.route == "webhook_execute" and bool(r.files) and r.ok, timeout=20)
    posts = [r for r in message_requests(h) if r.files]
    assert len(posts) == 2
    assert all(r.ok for r in posts)
    assert all(r.body_size <= 25 * MiB for r in posts)
    assert [f.data for f in all_files(posts)] == images  # nothing re-encoded: each file fits


async def test_model_autocomplete_offers_cached_image_models_only(bot_env: BotEnv) -> None:
    h = bot_env.h
    payload = h.payloads.autocomplete("imagine", focused="model", options={"prompt": "x", "model": ""})
    rec = await h.interact(payload)
    callback = await rec.callback()
    assert callback.json["type"] == 8
    values = [c["value"] for c in rec.state.autocomplete_choices or []]
    assert values == [
        "bfl/flux-2-pro",
        "openai/gpt-image-1",
        "recraft/recraft-v3",
        "spacexai/grok-imagine-image",
    ]
    narrowed = await h.interact(
        h.payloads.autocomplete("imagine", focused="model", options={"prompt": "x", "model": "flux"})
    )
    await narrowed.callback()
    assert [c["value"] for c in narrowed.state.autocomplete_choices or []] == ["bfl/flux-2-pro"]


async def test_model_autocomplete_answers_while_the_gateway_is_down(bot_env: BotEnv) -> None:
    h = bot_env.h
    bot_env.ai.push("models", ErrorReply(500, "down", delay=0.5))
    refresh = asyncio.create_task(bot_env.bot.catalog.refresh())  # a refresh stuck on the dead gateway
    await bot_env.ai_request("/models")
    started = time.monotonic()
    rec = await h.interact(
        h.payloads.autocomplete("imagine", focused="model", options={"prompt": "x", "model": "gpt"})
    )
    callback = await rec.callback(timeout=3)
    assert callback.ok
    assert callback.timestamp - rec.state.dispatched_at < 3
    assert time.monotonic() - started < 3
    assert [c["value"] for c in rec.state.autocomplete_choices or []] == ["openai/gpt-image-1"]
    assert not refresh.done(), "answered while the gateway was still hanging"
    assert await refresh is False  # the refresh failed; the cached catalogue stays
    again = await h.interact(
        h.payloads.autocomplete("imagine", focused="model", options={"prompt": "x", "model": "gpt"})
    )
    await again.callback(timeout=3)
    assert [c["value"] for c in again.state.autocomplete_choices or []] == ["openai/gpt-image-1"]


async def test_a_private_channel_default_unknown_at_deferral_never_goes_public(bot_env: BotEnv) -> None:
    world = bot_env.h.fake.world
    # A channel made after start-up: its overrides were not primed into the cache.
    late = world.add_channel(world.guild, "late")
    await bot_env.bot.store.update_channel_settings(
        world.guild.id, late.id, world.moderator.id, private_by_default=True
    )
    h = bot_env.h
    image = make_png(4_000, seed=11)
    bot_env.ai.push("images", ImagesReply([image]))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "between us"}, channel=late))
    result = await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    assert [f.data for f in result.files] == [image]
    assert result.data.get("flags", 0) & 64 or (
        rec.state.original is not None and rec.state.original.ephemeral
    )
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    visible = [m for m in h.api.messages.values() if not m.ephemeral and not m.deleted]
    assert not [m for m in visible if m.attachments], "the private result was posted publicly"
    assert not [r for r in h.api.requests if r.route == "channel_send"]
    # Next time the overrides are cached: the deferral itself is private.
    again = await h.interact(h.payloads.slash("imagine", options={"prompt": "again"}, channel=late))
    assert (await again.callback()).data["flags"] == 64


async def test_a_public_channel_default_unknown_at_deferral_still_posts_publicly(bot_env: BotEnv) -> None:
    world = bot_env.h.fake.world
    store = bot_env.bot.store
    late = world.add_channel(world.guild, "late")  # made after start-up: not primed
    await store.update_guild_settings(world.guild.id, world.moderator.id, private_by_default=True)
    await store.update_channel_settings(world.guild.id, late.id, world.moderator.id, private_by_default=False)
    await store.get_guild_settings(world.guild.id)  # cached: the deferral guesses "private" from it
    h = bot_env.h
    image = make_png(4_000, seed=12)
    bot_env.ai.push("images", ImagesReply([image]))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "for everyone"}, channel=late))
    result = await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    assert [f.data for f in result.files] == [image]
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    public = [m for m in h.api.messages.values() if m.attachments and not m.ephemeral and not m.deleted]
    assert len(public) == 1, "the channel says public: the result is public"
    assert_nobody_pinged(h, requester=world.alice.id)
