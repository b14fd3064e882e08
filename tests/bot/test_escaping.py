"""Prompts and model text are shown inert wherever the bot echoes them; `/job` shows a sentence.

Inert: no live masked link (`[text](url)` disguising its target), no raw `@everyone`/`@here`, no
user or role mention. `allowed_mentions` already stops pings; this is about what members *see*.
"""

from __future__ import annotations

import re
from typing import Any

from tests.bot.cards import card_text
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ChatReply, ErrorReply, make_png

HOSTILE = "@everyone [free nitro](https://evil.example/claim) <@123456789012345678> <@&987654321098765432>"
LIVE_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]\n]*\]\(")
RAW_MENTION = re.compile(r"<@[!&]?\d+>")


def assert_inert(text: str) -> None:
    assert not LIVE_MASKED_LINK.search(text), f"live masked link in {text!r}"
    assert "@everyone" not in text, text
    assert "@here" not in text, text
    assert not RAW_MENTION.search(text), f"raw mention in {text!r}"


def log_channel(env: BotEnv) -> Any:
    return next(c for c in env.h.fake.world.guild.channels if c.name == "bot-log")


def fields_of(message: Any) -> dict[str, str]:
    (embed,) = message.embeds
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


async def test_mod_log_shows_a_flagged_prompt_inert(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    log = log_channel(bot_env)
    await bot_env.bot.store.update_guild_settings(
        world.guild.id, world.moderator.id, log_channel_id=log.id, flagged_terms=["castle"]
    )
    await h.interact(h.payloads.slash("imagine", options={"prompt": f"a castle {HOSTILE}"}))
    report = await h.api.wait_until(
        lambda: next((m for m in h.api.messages.values() if m.channel_id == log.id), None), what="flag report"
    )
    prompt = fields_of(report)["Prompt"]
    assert "free nitro" in prompt
    assert "evil.example/claim" in prompt
    assert_inert(prompt)


async def test_mod_log_shows_a_refusal_reason_inert(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    log = log_channel(bot_env)
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, log_channel_id=log.id)
    bot_env.ai.push(
        "images", ErrorReply(400, f"Rejected by safety. {HOSTILE}", code="content_policy_violation")
    )
    await h.interact(h.payloads.slash("imagine", options={"prompt": f"risky {HOSTILE}"}))
    report = await h.api.wait_until(
        lambda: next((m for m in h.api.messages.values() if m.channel_id == log.id), None),
        what="refusal report",
    )
    fields = fields_of(report)
    assert "Rejected by safety" in fields["Reason"]
    assert_inert(fields["Reason"])
    assert_inert(fields["Prompt"])


async def test_job_shows_a_sentence_for_a_failure_never_the_gateway_text(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    bot_env.ai.push(
        "images", ErrorReply(400, f"provider-raw-detail {HOSTILE}", code="content_policy_violation")
    )
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a forbidden thing"}))
    await rec.wait_message(lambda m: not m.loading and "content policy" in m.content)
    (job,) = await bot_env.bot.store.recent_jobs(world.guild.id, world.alice.id, limit=1)
    assert job.status == "failed"
    assert "provider-raw-detail" in (job.error or "")  # kept for the logs...

    shown = await h.interact(h.payloads.slash("job", options={"job_id": job.id}))
    data = (await shown.callback()).json["data"]
    text = card_text(data)
    assert "provider-raw-detail" not in text  # ...never shown
    assert "evil.example" not in text
    assert "**Status** ⚠️ failed" in text
    assert "• Error: " in text
    assert "refused this prompt under its content policy" in text


async def test_streamed_model_text_is_shown_inert(bot_env: BotEnv) -> None:
    h = bot_env.h
    # The masked link and the mention are split across deltas, as a model streams them.
    deltas = ["Done! @every", "one claim at [free nitro]", "(https://evil.example/claim) <@1234", "56789>"]
    bot_env.ai.push("chat", ChatReply(text_deltas=deltas, images=[make_png(20_000, seed=5)]))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "draw"}))
    await rec.wait_for(lambda r: r.route == "webhook_execute" and bool(r.files) and r.ok, timeout=15)
    (text,) = [m.content for m in rec.messages if "claim" in m.content]
    assert "free nitro" in text
    assert "https://evil.example/claim" in text
    assert_inert(text)
