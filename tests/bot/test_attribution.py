"""The gateway receives hashed attribution for every generation, never a Discord id (issue 9, item 5)."""

from __future__ import annotations

import asyncio
import json
import re

from bot.attribution import Attribution
from tests.bot.cards import card_text
from tests.bot.checks import final_result
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ChatReply, ImagesReply, make_png


async def test_gateway_gets_hashed_user_and_tags_not_raw_ids(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    settings = bot_env.settings()
    expected = Attribution.from_settings(settings.attribution_salt, settings.gateway_credential)

    record = await h.interact(h.payloads.slash("imagine", options={"prompt": "a fox"}))
    request = await bot_env.ai_request("/images/generations")
    await final_result(record)
    bot_env.ai.push("chat", ChatReply(text_deltas=["Here."], images=[make_png(2_000, seed=3)]))
    record = await h.interact(h.payloads.slash("chatimage", options={"prompt": "a fox"}))
    chat = await bot_env.ai_request("/chat/completions")
    async with asyncio.timeout(10):
        await bot_env.bot.wait_idle()

    for body, command in ((request.json, "imagine"), (chat.json, "chatimage")):
        gateway = body["providerOptions"]["gateway"]
        assert gateway["user"] == expected.user(world.alice.id)
        assert gateway["tags"] == expected.tags(command, world.guild.id)
        raw = json.dumps(body)
        assert str(world.alice.id) not in raw
        assert str(world.guild.id) not in raw


async def test_configured_salt_changes_the_hash(start_bot: object) -> None:
    env = await start_bot(attribution_salt="operator-secret")  # type: ignore[operator]
    h = env.h
    await h.interact(h.payloads.slash("imagine", options={"prompt": "a fox"}))
    body = (await env.ai_request("/images/generations")).json
    salted = Attribution.from_settings(env.settings().attribution_salt, None)
    assert body["providerOptions"]["gateway"]["user"] == salted.user(h.fake.world.alice.id)


async def test_result_footer_shows_the_reported_cost(bot_env: BotEnv) -> None:
    h = bot_env.h
    bot_env.ai.push("images", ImagesReply([make_png(2_000, seed=4)], usage={"cost": 0.04}))
    record = await h.interact(h.payloads.slash("imagine", options={"prompt": "a fox"}))
    edit = await final_result(record)
    assert " s · $0.04 · requested by" in card_text(edit)

    # No cost in `usage` nor in `providerMetadata.gateway`: nothing is shown.
    bot_env.ai.push("images", ImagesReply([make_png(2_000, seed=5)], extra={"providerMetadata": {}}))
    record = await h.interact(h.payloads.slash("imagine", options={"prompt": "a fox"}))
    edit = await final_result(record)
    assert re.search(r" s · requested by <@\d+>$", card_text(edit))
    assert "$" not in card_text(edit)


async def test_chat_result_footer_shows_the_streamed_cost(bot_env: BotEnv) -> None:
    h = bot_env.h
    bot_env.ai.push("chat", ChatReply(images=[make_png(2_000, seed=6)], usage={"cost": 0.0123}))
    record = await h.interact(h.payloads.slash("chatimage", options={"prompt": "a fox"}))
    posted = await record.wait_for(lambda r: bool(r.files) and r.ok)
    assert " · $0.0123 · requested by" in card_text(posted)
