"""`/imagine` end to end through discord.py against the fakes."""

from __future__ import annotations

from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ImagesReply, make_png


async def test_imagine_defers_first_then_posts_exact_images(bot_env: BotEnv) -> None:
    images = [make_png(300_000, seed=i) for i in range(4)]
    bot_env.ai.push("images", ImagesReply(images))
    h = bot_env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a red fox", "count": 4}))
    ai_request = await bot_env.ai_request("/images/generations")
    # The deferral had reached Discord before the gateway was called.
    deferral = await rec.callback()
    assert deferral.json["type"] == 5
    assert ai_request.json["n"] == 4
    assert ai_request.json["prompt"] == "a red fox"
    edit = await rec.wait_for(lambda r: r.route == "webhook_edit_original" and bool(r.files), timeout=10)
    assert [f.data for f in edit.files] == images  # byte for byte
    assert edit.data["allowed_mentions"]["parse"] == []
