"""Per-model parameters and prompt enhancement through `/imagine`, end to end (issue 12, items 4-6)."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal
from typing import Any

from tests.bot.cards import card_job_id, card_text, gallery_items
from tests.bot.checks import final_result
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.fakes.ai_gateway import ChatReply, ImagesReply, make_png


def fields_of(edit: Any) -> dict[str, str]:
    """The card's details: each ``**Name** value`` of the options line, and the notes as "Notes"."""
    text = card_text(edit)
    fields = {name: value.strip() for name, value in _FIELD.findall(text)}
    fields["Notes"] = "\n".join(line[2:] for line in text.splitlines() if line.startswith("• "))
    return fields


_FIELD = re.compile(r"\*\*([A-Z][a-z ]+)\*\* ([^·\n]+)")


async def imagine(env: BotEnv, **options: Any) -> InteractionRecord:
    h = env.h
    return await h.interact(h.payloads.slash("imagine", options={"prompt": "a red fox", **options}))


async def refusal(rec: InteractionRecord) -> str:
    """The refusal's text, after checking it was the first, ephemeral answer (nothing deferred)."""
    answer = await rec.callback()
    assert answer.json["type"] == 4  # a message, not a deferral: refused before anything was spent
    assert answer.data["flags"] & 64
    return str(answer.data["content"])


async def cache_settings(env: BotEnv) -> None:
    """One /imagine so the server's settings are cached and planning happens before the deferral."""
    rec = await imagine(env)
    await final_result(rec)
    await env.ai_request("/images/generations")
    async with asyncio.timeout(5):
        await env.bot.wait_idle()


async def job_of(env: BotEnv, edit: Any) -> Any:
    job_id = card_job_id(edit)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    job = await env.bot.store.get_job(job_id)
    assert job is not None
    return job


async def test_openai_quality_and_background_are_sent_as_openai_fields(bot_env: BotEnv) -> None:
    rec = await imagine(
        bot_env, model="openai/gpt-image-1", quality="high", background="transparent", count=2
    )
    body = (await bot_env.ai_request("/images/generations")).json
    assert (body["quality"], body["background"], body["n"]) == ("high", "transparent", 2)
    assert "seed" not in body
    assert "providerOptions" not in body or set(body["providerOptions"]) == {"gateway"}
    edit = await final_result(rec)
    fields = fields_of(edit)
    assert (fields["Quality"], fields["Background"]) == ("high", "transparent")
    job = await job_of(bot_env, edit)
    assert job.options["parameters"] == {"quality": "high", "background": "transparent"}


async def test_bfl_seed_and_resolution_go_in_provider_options(bot_env: BotEnv) -> None:
    rec = await imagine(bot_env, model="bfl/flux-2-pro", seed=1234, resolution="2K", aspect_ratio="16:9")
    body = (await bot_env.ai_request("/images/generations")).json
    assert body["providerOptions"]["blackForestLabs"] == {"seed": 1234, "width": 1920, "height": 1088}
    assert "seed" not in body
    assert fields_of(await final_result(rec))["Seed"] == "1234"


async def test_an_unsupported_parameter_is_refused_before_deferring(bot_env: BotEnv) -> None:
    await cache_settings(bot_env)
    seen = len(bot_env.ai.requests)
    text = await refusal(await imagine(bot_env, model="openai/gpt-image-1", seed=7))
    assert "`openai/gpt-image-1` does not take a seed" in text
    text = await refusal(await imagine(bot_env, model="spacexai/grok-imagine-image", negative_prompt="snow"))
    assert "does not take a negative prompt" in text
    # grok-imagine-image takes a quality but no resolution; bfl a resolution up to 2K only.
    text = await refusal(await imagine(bot_env, model="bfl/flux-2-pro", resolution="4K"))
    assert "does not offer resolution 4K; it offers 1K, 2K" in text
    assert len(bot_env.ai.requests) == seen  # nothing reached the gateway


async def test_server_defaults_and_locks_apply_and_skip_models_without_the_parameter(bot_env: BotEnv) -> None:
    world = bot_env.h.fake.world
    await bot_env.bot.store.update_guild_settings(
        world.guild.id, world.moderator.id, quality="low", background="opaque", locked_options=["quality"]
    )
    rec = await imagine(bot_env, model="openai/gpt-image-1", quality="high")
    body = (await bot_env.ai_request("/images/generations")).json
    assert (body["quality"], body["background"]) == ("low", "opaque")  # the lock wins over the member
    edit = await final_result(rec)
    fields = fields_of(edit)
    assert fields["Quality"] == "low (locked)"
    assert fields["Background"] == "opaque (server default)"
    assert "This server locks quality to low." in fields["Notes"]

    # bfl takes neither: the server's values are skipped with a note, and nothing is refused.
    rec = await imagine(bot_env, model="bfl/flux-2-pro")
    body = (await bot_env.ai_request("/images/generations")).json
    assert "quality" not in body
    assert "background" not in body
    notes = fields_of(await final_result(rec))["Notes"]
    assert "The locked quality low does not apply to bfl/flux-2-pro; skipped." in notes
    assert "The server's background opaque does not apply to bfl/flux-2-pro; skipped." in notes


async def test_reroll_keeps_the_parameters_but_not_the_seed(bot_env: BotEnv) -> None:
    h = bot_env.h
    rec = await imagine(bot_env, model="openai/gpt-image-1", quality="medium", background="transparent")
    await bot_env.ai_request("/images/generations")
    job = await job_of(bot_env, await final_result(rec))
    rerolled = await h.interact(rec.click(f"ib:reroll:{job.id}"))
    body = (await bot_env.ai_request("/images/generations")).json
    assert (body["model"], body["quality"], body["background"]) == (
        "openai/gpt-image-1",
        "medium",
        "transparent",
    )
    await final_result(rerolled)

    rec = await imagine(bot_env, model="bfl/flux-2-pro", seed=99, resolution="2K")
    await bot_env.ai_request("/images/generations")
    job = await job_of(bot_env, await final_result(rec))
    rerolled = await h.interact(rec.click(f"ib:reroll:{job.id}"))
    options = (await bot_env.ai_request("/images/generations")).json["providerOptions"]["blackForestLabs"]
    assert options == {
        "width": 1920,
        "height": 1920,
    }  # the resolution stays; the same seed would redraw the image
    await final_result(rerolled)


async def test_enhance_rewrites_the_prompt_moderates_it_and_bills_it_with_the_job(bot_env: BotEnv) -> None:
    revised = "A red fox in fresh snow at golden hour, soft backlight, shallow depth of field"
    bot_env.ai.push("chat", ChatReply(text_deltas=[f'"{revised}"'], images=[], usage={"cost": 0.002}))
    bot_env.ai.push("images", ImagesReply([make_png(5000, seed=3)], usage={"cost": 0.04}))
    rec = await imagine(bot_env, enhance=True)
    chat = (await bot_env.ai_request("/chat/completions")).json
    # No model is set for enhancement: the first text-only language model of the catalogue.
    assert chat["model"] == "google/gemini-3-pro"
    assert chat["modalities"] == ["text"]
    assert chat["stream"] is False
    assert chat["messages"][0]["content"].endswith("Prompt: a red fox")
    images = (await bot_env.ai_request("/images/generations")).json
    assert images["prompt"] == revised  # quotes stripped
    edit = await final_result(rec)
    text = card_text(edit)
    assert "a red fox\n\nPrompt (enhanced): A red fox in fresh snow" in text
    assert [item["description"] for item in gallery_items(edit.data)] == [revised]  # alt text
    assert fields_of(edit)["Enhance"] == "yes (google/gemini-3-pro)"
    assert " · $0.042 · " in text  # the rewrite's cost is part of the job's
    job = await job_of(bot_env, edit)
    assert job.cost == Decimal("0.042")
    assert job.options["enhance"] is True
    assert job.enhanced_prompt == revised
    # /job shows the rewrite beside the member's prompt, as the result did.
    h = bot_env.h
    ask = await h.interact(h.payloads.slash("job", options={"job_id": job.id}))
    answer = await ask.wait_message(lambda m: not m.loading, timeout=10)
    assert f"a red fox\n\nPrompt (enhanced): {revised}" in card_text(answer)


async def test_an_enhanced_prompt_with_a_blocked_term_is_refused(bot_env: BotEnv) -> None:
    world = bot_env.h.fake.world
    await bot_env.bot.store.update_guild_settings(
        world.guild.id,
        world.moderator.id,
        blocked_terms=["gore"],
        enhance_prompts=True,
        enhance_model="anthropic/claude-sonnet-4.5",
    )
    bot_env.ai.push(
        "chat", ChatReply(text_deltas=["a fox covered in gore"], images=[], usage={"cost": 0.001})
    )
    rec = await imagine(bot_env)  # the server enhances by default
    chat = (await bot_env.ai_request("/chat/completions")).json
    assert chat["model"] == "anthropic/claude-sonnet-4.5"
    refused = "The enhanced prompt contains a term this server does not allow"
    await rec.wait_for(lambda r: r.ok and refused in str((r.json or {}).get("content")), timeout=10)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert not any(r.path.endswith("/images/generations") for r in bot_env.ai.requests)


async def test_a_member_can_turn_the_servers_enhancement_off(bot_env: BotEnv) -> None:
    world = bot_env.h.fake.world
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, enhance_prompts=True)
    rec = await imagine(bot_env, enhance=False)
    body = (await bot_env.ai_request("/images/generations")).json
    assert body["prompt"] == "a red fox"
    await final_result(rec)
    assert not any(r.path.endswith("/chat/completions") for r in bot_env.ai.requests)


async def config(env: BotEnv, *path: str, **options: Any) -> str:
    """Run `/config <path>` as the moderator; return its final answer's text (content and embeds)."""
    h = env.h
    rec = await h.interact(h.payloads.slash("config", *path, options=options, user=h.fake.world.moderator))
    answer = await rec.wait_message(lambda m: not m.loading)
    assert answer.ephemeral
    return answer.content + json.dumps(answer.embeds, ensure_ascii=False)


async def test_moderators_set_defaults_and_locks_with_config(bot_env: BotEnv) -> None:
    guild_id = bot_env.h.fake.world.guild.id
    assert "model default → `high`" in await config(bot_env, "parameter", "quality", value="high")
    await config(bot_env, "parameter", "background", value="transparent")
    answer = await config(bot_env, "parameter", "negative-prompt", text="text,   watermark")
    assert "`text, watermark`" in answer
    assert "Members can no longer choose a seed." in await config(bot_env, "lock", option="seed", locked=True)
    await config(bot_env, "lock", option="quality", locked=True)
    answer = await config(bot_env, "enhance", enabled=True, model="anthropic/claude-sonnet-4.5")
    assert "`anthropic/claude-sonnet-4.5`" in answer
    assert "is not a chat model" in await config(bot_env, "enhance", enabled=True, model="bfl/flux-2-pro")
    settings = await bot_env.bot.store.get_guild_settings(guild_id)
    assert (settings.quality, settings.background, settings.negative_prompt) == (
        "high",
        "transparent",
        "text, watermark",
    )
    assert set(settings.locked_options) == {"quality", "seed"}
    assert (settings.enhance_prompts, settings.enhance_model) == (True, "anthropic/claude-sonnet-4.5")
    shown = await config(bot_env, "show")
    assert "Quality: `high`" in shown
    assert "Negative prompt: `text, watermark`" in shown
    assert "`quality`, `seed`" in shown

    # What a member then gets: the server's quality (locked), no seed, the enhanced prompt.
    bot_env.ai.push("chat", ChatReply(text_deltas=["a richer red fox"], images=[], usage={"cost": 0.001}))
    h = bot_env.h
    rec = await h.interact(
        h.payloads.slash("imagine", options={"prompt": "a red fox", "model": "openai/gpt-image-1"})
    )
    assert (await bot_env.ai_request("/chat/completions")).json["model"] == "anthropic/claude-sonnet-4.5"
    body = (await bot_env.ai_request("/images/generations")).json
    assert (body["prompt"], body["quality"], body["background"]) == (
        "a richer red fox",
        "high",
        "transparent",
    )
    await final_result(rec)
    # A locked seed: the member's seed is not sent, and the result says why (locks never refuse).
    rec = await imagine(bot_env, model="bfl/flux-2-pro", seed=5, enhance=False)
    body = (await bot_env.ai_request("/images/generations")).json
    assert "seed" not in body.get("providerOptions", {}).get("blackForestLabs", {})
    assert "This server locks seed to the model's default." in fields_of(await final_result(rec))["Notes"]
