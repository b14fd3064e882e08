"""Memory bounded by design, and hostile image replies, through the real bot and fake Discord.

A gateway that sends more images than asked for has the extras dropped; a job whose images
are over the per-job byte cap fails with a sentence the member can read and the bot goes on
serving; image URLs off the gateway's origin are refused; big images are re-encoded under
the decode budget and posted from spool files.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tests.bot.checks import all_files, ephemeral_answer, final_result, message_requests, noise_png
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_png

MiB = 2**20
StartBot = Callable[..., Awaitable[BotEnv]]


async def test_forty_images_for_count_1_posts_one(bot_env: BotEnv) -> None:
    h = bot_env.h
    images = [make_png(3_000, seed=i) for i in range(40)]
    bot_env.ai.push("images", ImagesReply(images))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "one please", "count": 1}))
    edit = await final_result(rec)
    assert [f.data for f in edit.files] == images[:1]
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert [len(r.files) for r in message_requests(h) if r.files] == [1]


async def test_a_job_over_the_bytes_cap_fails_clearly_and_the_bot_keeps_serving(start_bot: StartBot) -> None:
    env = await start_bot(max_job_image_mb=1)
    h = env.h
    env.ai.push("images", ImagesReply([make_png(600_000, seed=i) for i in range(2)]))  # 1.2 MB > 1 MiB
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "too much", "count": 2}))
    answer = await ephemeral_answer(rec)
    assert "more image data than the bot accepts" in answer.data["content"]
    assert not [r for r in rec.requests if r.files]

    fine = make_png(5_000, seed=9)
    env.ai.push("images", ImagesReply([fine]))
    again = await h.interact(h.payloads.slash("imagine", options={"prompt": "small", "count": 1}))
    assert [f.data for f in (await final_result(again)).files] == [fine]


async def test_an_image_url_to_another_loopback_port_is_refused(bot_env: BotEnv) -> None:
    h = bot_env.h
    async with FakeAIGateway() as other:
        bot_env.ai.push("images", ImagesReply(urls=[other.add_file(make_png(500))]))
        rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "fetch this", "count": 1}))
        answer = await ephemeral_answer(rec)
        assert other.requests == []
    assert "does not fetch" in answer.data["content"]


async def test_big_images_are_reencoded_under_the_budget_and_posted_from_spool(start_bot: StartBot) -> None:
    # A tiny RAM budget spools every image; one decode at a time re-encodes them.
    env = await start_bot(image_memory_budget_mb=8, max_concurrent_reencodes=1, image_pixel_budget_mp=1)
    budget = env.bot.generation.gateway.budget
    h = env.h
    limit = 150_000
    big = [noise_png(300, 300, seed=i) for i in range(2)]
    small = make_png(9 * MiB, seed=5)  # over the per-image RAM limit: spooled, posted as is
    assert all(len(b) > limit for b in big)
    env.ai.push("images", ImagesReply([*big, small]))
    rec = await h.interact(
        h.payloads.slash("imagine", options={"prompt": "static", "count": 3}, attachment_size_limit=10 * MiB)
    )
    edit = await final_result(rec, timeout=20)
    assert [f.data for f in edit.files] == [*big, small]  # everything fits 10 MiB: byte for byte
    assert budget.spooled_images >= 1

    env.ai.push("images", ImagesReply(big))
    rec = await h.interact(
        h.payloads.slash("imagine", options={"prompt": "static", "count": 2}, attachment_size_limit=limit)
    )
    edit = await final_result(rec, timeout=20)
    assert all(f.size <= limit for f in all_files([edit]))
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    assert budget.pixels_in_flight == 0
    assert budget.decodes_waiting == 0
