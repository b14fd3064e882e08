"""Each generation's log line carries its fields as JSON keys (LOG_FORMAT=json), not only as text."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.observability import JsonFormatter
from tests.bot.checks import final_result
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ErrorReply, ImagesReply, make_png


async def _record(env: BotEnv, caplog: pytest.LogCaptureFixture, prefix: str) -> dict[str, object]:
    """The last `prefix` line as the JSON formatter writes it, once no job is in flight."""
    async with asyncio.timeout(10):
        await env.bot.wait_idle()
    (record, *_) = reversed([r for r in caplog.records if r.getMessage().startswith(prefix)])
    return json.loads(JsonFormatter().format(record))


@pytest.mark.usefixtures("prompt_progress")
async def test_success_and_failure_lines_have_keys(bot_env: BotEnv, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.generation")
    images = [make_png(10_000, seed=1), make_png(12_000, seed=2)]
    bot_env.ai.push("images", ImagesReply(images))
    h = bot_env.h
    payload = h.payloads.slash("imagine", options={"prompt": "keys", "count": 2})
    await final_result(await h.interact(payload))
    done = await _record(bot_env, caplog, "generation done")
    assert done["job"]
    assert done["guild"] == h.fake.world.guild.id
    assert done["user"] == int(payload["member"]["user"]["id"])
    assert done["model"] == "bfl/flux-2-pro"
    assert done["images"] == 2
    assert done["bytes"] == sum(len(i) for i in images)
    assert isinstance(done["latency"], float)
    assert "cost" in done

    bot_env.ai.push("images", ErrorReply(400, "bad prompt", error_type="invalid_request_error"))
    await (await h.interact(h.payloads.slash("imagine", options={"prompt": "fails"}))).edit()
    failed = await _record(bot_env, caplog, "generation failed")
    assert failed["job"] != done["job"]
    assert failed["model"] == "bfl/flux-2-pro"
    assert "bad prompt" in str(failed["error"])
    assert isinstance(failed["latency"], float)
