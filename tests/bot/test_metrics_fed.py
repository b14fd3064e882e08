"""Every declared metric is fed: Discord's error answers reach `discord_http_errors_total`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client import Counter, Gauge, Histogram

from bot.observability import Metrics
from tests.bot.checks import final_result
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ImagesReply, make_png

ROOT = Path(__file__).resolve().parents[2]


def errors_counted(env: BotEnv, code: str) -> float:
    value = env.bot.metrics.registry.get_sample_value("imagebot_discord_http_errors_total", {"code": code})
    return value or 0.0


@pytest.mark.usefixtures("prompt_progress")
async def test_discord_error_answers_are_counted_by_status(bot_env: BotEnv) -> None:
    h = bot_env.h
    assert errors_counted(bot_env, "502") == 0
    bot_env.ai.push("images", ImagesReply([make_png(10_000, seed=1)], delay=0.3))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "count my errors"}))
    await rec.wait_for(
        lambda r: r.route == "webhook_edit_original" and "Generating" in r.data.get("content", "")
    )
    h.api.inject_fault("PATCH", "/webhooks/*/messages/@original", status=502, times=1)
    h.api.inject_fault("PATCH", "/webhooks/*/messages/@original", status=429, times=1, retry_after=0.05)
    await final_result(rec, timeout=15)  # discord.py retried both: the result still landed
    failed = [r.status for r in rec.requests if r.route == "webhook_edit_original" and r.status >= 400]
    assert sorted(failed) == [429, 502]
    assert errors_counted(bot_env, "502") == 1
    assert errors_counted(bot_env, "429") == 1


def test_every_declared_metric_is_fed_somewhere_in_the_bot() -> None:
    metrics = Metrics()
    declared = [
        name for name, value in vars(metrics).items() if isinstance(value, Counter | Gauge | Histogram)
    ]
    assert "discord_http_errors_total" in declared
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("bot", "cogs")
        for path in (ROOT / folder).rglob("*.py")
    )
    sources = re.sub(r"self\.\w+ = (Counter|Gauge|Histogram)\(", "", sources)  # the declarations
    unfed = [name for name in declared if not re.search(rf"\.{name}\b", sources)]
    assert unfed == [], f"declared but never fed: {unfed}"
