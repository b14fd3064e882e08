"""A burst of commands is paced through the real discord.py and loses nothing (bot/pacing.py)."""

from __future__ import annotations

import asyncio

from bot.pacing import BurstPacer
from tests.bot.conftest import BotEnv

BURST = 12


async def test_a_paced_burst_defers_and_answers_every_interaction(bot_env: BotEnv) -> None:
    h, bot = bot_env.h, bot_env.bot
    # A slice too small for any work: every arrival after a pass's first waits for a later pass.
    bot.pacer = BurstPacer(1e-9)
    world = h.fake.world
    members = [world.add_member(world.guild, f"pace{n}") for n in range(BURST)]
    records = await asyncio.gather(
        *(
            h.interact(h.payloads.slash("imagine", options={"prompt": f"lantern {n}"}, user=member))
            for n, member in enumerate(members)
        )
    )
    callbacks = await asyncio.gather(*(record.callback() for record in records))
    assert [callback.json["type"] for callback in callbacks] == [5] * BURST  # each one deferred
    finals = await asyncio.gather(
        *(record.wait_message(lambda m: bool(m.attachments), timeout=15) for record in records)
    )
    assert all(message.attachments for message in finals)
    assert bot.pacer.waited >= BURST - 1
    assert bot.pacer.batches >= 2
    assert bot.pacer.queued == 0
    prompts = sorted(
        request.json["prompt"]
        for request in bot_env.ai.requests
        if request.path.endswith("/images/generations")
    )
    assert prompts == sorted(f"lantern {n}" for n in range(BURST))
