"""`/config` end to end: the real `ImageBot` and its cogs against the fake Discord and AI gateway."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot.policy import BLOCKED_MESSAGE
from tests.bot.cards import assert_card, card_text, gallery_items
from tests.bot.conftest import BotEnv
from tests.bot.harness import BotHarness, InteractionRecord
from tests.fakes.ai_gateway import ErrorReply, FakeAIGateway
from tests.fakes.discord_api import FakeMessage, RecordedRequest
from tests.fakes.payloads import EVERYONE_PERMISSIONS, MANAGE_GUILD, FakeUser, OptionValue

EPHEMERAL = 1 << 6


async def run(
    h: BotHarness, *path: str, user: FakeUser | None = None, **options: OptionValue
) -> tuple[InteractionRecord, FakeMessage]:
    """Run `/config <path>` (as the moderator by default) and return its final, visible answer."""
    payload = h.payloads.slash("config", *path, options=options, user=user or h.fake.world.moderator)
    record = await h.interact(payload)
    answer = await record.wait_message(lambda m: not m.loading)
    return record, answer


async def imagine(env: BotEnv, prompt: str, **options: OptionValue) -> Any:
    """Run `/imagine` as alice and return the request the AI gateway received."""
    h = env.h
    await h.interact(h.payloads.slash("imagine", options={"prompt": prompt, **options}))
    return (await env.ai_request("/images/generations")).json


def embed_text(message: FakeMessage) -> str:
    """Everything an embed shows, as one string."""
    return json.dumps(message.embeds, ensure_ascii=False)


# --- permissions ------------------------------------------------------------------------------


async def test_config_is_hidden_from_members_and_fits_discord_limits(bot_env: BotEnv) -> None:
    config = next(c for c in bot_env.h.api.commands[None] if c["name"] == "config")
    assert int(config["default_member_permissions"]) == MANAGE_GUILD
    assert config["dm_permission"] is False  # guild only

    def size(node: dict[str, Any]) -> int:
        own = len(node["name"]) + len(node.get("description", ""))
        own += sum(len(c["name"]) + len(str(c["value"])) for c in node.get("choices") or [])
        return own + sum(size(o) for o in node.get("options") or [])

    def check(node: dict[str, Any]) -> None:
        assert 1 <= len(node.get("description", "")) <= 100, node["name"]
        assert len(node.get("options") or []) <= 25, node["name"]
        for option in node.get("options") or []:
            check(option)

    check(config)
    assert size(config) <= 8000  # Discord's per-command total


@pytest.mark.parametrize("path", [("model", "image"), ("private",)], ids=["sub-group", "direct"])
@pytest.mark.parametrize("who", ["member", "moderator-who-lost-the-role"])
async def test_member_without_manage_server_is_refused(
    bot_env: BotEnv, path: tuple[str, ...], who: str
) -> None:
    h = bot_env.h
    world = h.fake.world
    options: dict[str, OptionValue] = (
        {"model": "openai/gpt-image-1"} if path[0] == "model" else {"enabled": True}
    )
    if who == "member":
        payload = h.payloads.slash("config", *path, options=options, user=world.alice)
    else:
        # Discord's cached command list still shows /config; the interaction says the truth.
        payload = h.payloads.slash(
            "config", *path, options=options, user=world.moderator, permissions=EVERYONE_PERMISSIONS
        )
    record = await h.interact(payload)
    callback = await record.callback()
    assert callback.json["type"] == 4
    assert callback.data["flags"] & EPHEMERAL
    assert "Manage" in callback.data["content"]
    assert callback.data["allowed_mentions"]["parse"] == []
    settings = await bot_env.bot.store.get_guild_settings(world.guild.id)
    assert settings.image_model is None
    assert settings.private_by_default is False


# --- models -----------------------------------------------------------------------------------


async def test_default_model_drives_the_next_imagine_and_survives_a_restart(bot_env: BotEnv) -> None:
    record, answer = await run(bot_env.h, "model", "image", model="openai/gpt-image-1")
    assert (await record.callback()).data["flags"] & EPHEMERAL
    assert answer.ephemeral
    assert "`openai/gpt-image-1`" in answer.content
    assert "not set (global default) → `openai/gpt-image-1`" in answer.content

    assert (await imagine(bot_env, "a lighthouse"))["model"] == "openai/gpt-image-1"

    # A restart: a new ImageBot (new store, caches, cogs) on the same database and Discord world.
    await bot_env.restart()
    h = bot_env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a lighthouse at night"}))
    assert (await bot_env.ai_request("/images/generations")).json["model"] == "openai/gpt-image-1"
    result = await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    # The card says which defaults applied.
    assert "**Model** openai/gpt-image-1 (server default)" in card_text(result)


async def test_unknown_model_is_refused_with_suggestions(bot_env: BotEnv) -> None:
    _, answer = await run(bot_env.h, "model", "image", model="flux-2-pr")
    assert answer.ephemeral
    assert "not in the gateway's model list" in answer.content
    assert "`bfl/flux-2-pro`" in answer.content
    assert "Traceback" not in answer.content

    _, answer = await run(bot_env.h, "model", "image", model="google/gemini-3-pro-image")
    assert "/config model chat" in answer.content
    settings = await bot_env.bot.store.get_guild_settings(bot_env.h.fake.world.guild.id)
    assert settings.image_model is None


async def test_model_is_accepted_unchecked_while_the_catalogue_is_unavailable(tmp_path: Path) -> None:
    async with FakeAIGateway(models=[]) as ai:
        env = await BotEnv(tmp_path, ai).start()
        try:
            _, answer = await run(env.h, "model", "image", model="brand/new-model")
            assert "not set (global default) → `brand/new-model`" in answer.content
            assert "could not check this id" in answer.content
            assert (await imagine(env, "a comet"))["model"] == "brand/new-model"
        finally:
            await env.stop()


async def test_model_autocomplete_offers_only_image_models_of_the_endpoint(bot_env: BotEnv) -> None:
    h = bot_env.h
    payload = h.payloads.autocomplete(
        "config", "model", "chat", focused="model", options={"model": "gem"}, user=h.fake.world.moderator
    )
    record = await h.interact(payload)
    await record.callback()
    values = [choice["value"] for choice in record.state.autocomplete_choices or []]
    assert values == ["google/gemini-3-pro-image", "google/gemini-3.1-flash-image-preview"]


@pytest.mark.parametrize("which", ["blocked", "flagged"])
async def test_term_autocomplete_offers_the_list_to_moderators_only(bot_env: BotEnv, which: str) -> None:
    h = bot_env.h
    world = h.fake.world
    await run(h, which, "add", terms="gore, real person, goblin")

    async def offered(user: FakeUser, **context: Any) -> list[str]:
        payload = h.payloads.autocomplete(
            "config", which, "remove", focused="terms", options={"terms": "go"}, user=user, **context
        )
        record = await h.interact(payload)
        await record.callback()
        choices = record.state.autocomplete_choices
        assert choices is not None  # answered, if only with nothing
        return [choice["value"] for choice in choices]

    assert await offered(world.moderator) == ["gore", "goblin"]
    # discord.py runs no checks for autocomplete: the list must not leak to anyone else.
    assert await offered(world.alice) == []
    assert await offered(world.moderator, permissions=EVERYONE_PERMISSIONS) == []


# --- locks, options and moderation ------------------------------------------------------------


async def test_locked_options_override_member_options(bot_env: BotEnv) -> None:
    h = bot_env.h
    await run(h, "model", "image", model="openai/gpt-image-1")
    await run(h, "count", "default", count=2)
    await run(h, "lock", option="model", locked=True)
    _, answer = await run(h, "lock", option="count", locked=True)
    assert "`count`, `model`" in answer.content or "`model`, `count`" in answer.content
    _, answer = await run(
        h, "provider-option", "set", provider="openai", key="quality", value="high", locked=True
    )
    assert '{"openai":{"quality":"high"}}' in answer.content
    await run(h, "provider-option", "set", provider="openai", key="moderation", value="1")

    request = await imagine(bot_env, "a castle", model="bfl/flux-2-pro", count=4)
    assert request["model"] == "openai/gpt-image-1"
    assert request["n"] == 2
    assert request["providerOptions"]["openai"] == {"quality": "high", "moderation": 1}


async def test_blocked_term_refuses_the_prompt_and_names_the_rule(bot_env: BotEnv) -> None:
    h = bot_env.h
    _, answer = await run(h, "blocked", "add", terms="dragon, Ogre")
    assert "0 terms → 2 terms" in answer.content
    _, listed = await run(h, "blocked", "list")
    assert "`dragon`" in listed.content
    assert "`Ogre`" in listed.content

    await run(h, "show")  # settings cached, as for any channel in use: the refusal is the first answer
    record = await h.interact(h.payloads.slash("imagine", options={"prompt": "a DRAGÓN over the hills"}))
    refusal = await record.wait_message(lambda m: not m.loading)
    assert refusal.ephemeral
    assert BLOCKED_MESSAGE in refusal.content
    assert "dragon" not in refusal.content.lower()

    # The refused prompt never reached the gateway: the next request is the next prompt.
    assert (await imagine(bot_env, "a knight"))["prompt"] == "a knight"

    _, answer = await run(h, "blocked", "remove", terms="DRAGON, troll")
    assert "2 terms → 1 term" in answer.content
    assert "Not on the list: `troll`" in answer.content


async def test_invalid_change_gets_one_sentence(bot_env: BotEnv) -> None:
    _, answer = await run(bot_env.h, "count", "default", count=6)
    assert answer.ephemeral
    assert "Default count 6 is above the maximum 4." in answer.content
    assert "error id" in answer.content
    assert "validation error" not in answer.content.lower()


# --- audit, log channel, show, reset -----------------------------------------------------------


async def test_audit_shows_who_what_old_new_and_when(bot_env: BotEnv) -> None:
    h = bot_env.h
    await run(h, "model", "image", model="openai/gpt-image-1")
    await run(h, "cooldown", seconds=30)
    _, answer = await run(h, "audit")
    assert answer.ephemeral
    text = embed_text(answer)
    moderator = h.fake.world.moderator.id
    assert f"<@{moderator}>" in text
    assert "not set (global default) → `openai/gpt-image-1`" in text
    assert "off → 30 s" in text
    assert text.index("Cooldown") < text.index("Default image model")  # newest first
    assert ":R> " in text
    assert "<t:" in text


async def test_log_channel_receives_each_change_without_term_lists(bot_env: BotEnv) -> None:
    h = bot_env.h
    log = next(c for c in h.fake.world.guild.channels if c.name == "bot-log")

    def posts() -> list[FakeMessage]:
        return [m for m in h.api.messages.values() if m.channel_id == log.id]

    await run(h, "log-channel", channel=log)
    first = await h.api.wait_until(posts, what="log channel post")
    assert "Log channel" in embed_text(first[0])
    assert first[0].allowed_mentions == {"parse": []}

    await run(h, "blocked", "add", terms="secretword")
    second = await h.api.wait_until(lambda: posts()[1:], what="second log post")
    assert "Blocked terms" in embed_text(second[0])
    assert "secretword" not in embed_text(second[0])

    await run(h, "log-channel")  # stop posting: the old channel hears about it
    third = await h.api.wait_until(lambda: posts()[2:], what="third log post")
    assert "none" in embed_text(third[0])


async def test_show_prints_effective_settings_with_channel_overrides(bot_env: BotEnv) -> None:
    h = bot_env.h
    await run(h, "model", "image", model="openai/gpt-image-1")
    await run(h, "blocked", "add", terms="hidden-term")
    _, answer = await run(h, "channel", "set", image_model="bfl/flux-2-pro", count=3)
    assert "`bfl/flux-2-pro`" in answer.content

    _, shown = await run(h, "show")
    text = embed_text(shown)
    assert "`bfl/flux-2-pro` (this channel)" in text
    assert "default 3 (this channel)" in text
    assert "1 term" in text
    assert "hidden-term" not in text

    assert (await imagine(bot_env, "a harbour"))["model"] == "bfl/flux-2-pro"
    await run(h, "channel", "reset")
    assert (await imagine(bot_env, "a harbour"))["model"] == "openai/gpt-image-1"


async def test_reset_asks_to_confirm_then_restores_defaults(bot_env: BotEnv) -> None:
    h = bot_env.h
    guild_id = h.fake.world.guild.id
    await run(h, "model", "image", model="openai/gpt-image-1")
    await run(h, "channel", "set", count=2)
    record, question = await run(h, "reset")
    assert "1 channel" in question.content
    buttons = {c["label"]: c["custom_id"] for row in question.components for c in row["components"]}

    # Nobody else can answer the moderator's question.
    other = h.fake.world.owner
    stranger = await h.interact(
        record.click(buttons["Reset everything"], user=other, permissions=MANAGE_GUILD)
    )
    assert "Only the moderator" in (await stranger.callback()).data["content"]
    assert (await bot_env.bot.store.get_guild_settings(guild_id)).image_model == "openai/gpt-image-1"

    click = await h.interact(record.click(buttons["Reset everything"], user=h.fake.world.moderator))
    assert (await click.callback()).json["type"] == 6
    done = await record.wait_message(lambda m: "restored" in m.content)
    assert not done.components
    store = bot_env.bot.store
    assert (await store.get_guild_settings(guild_id)).image_model is None
    assert await store.list_channel_settings(guild_id) == {}


STEPS: list[tuple[tuple[str, ...], dict[str, OptionValue], str]] = [
    (("model", "chat"), {"model": "google/gemini-3-pro-image"}, "→ `google/gemini-3-pro-image`"),
    (("model", "reset"), {"which": "chat"}, "`google/gemini-3-pro-image` → not set (global default)"),
    (("allowed", "add"), {"model": "bfl/flux-2-pro"}, "every image model → `bfl/flux-2-pro`"),
    (
        ("allowed", "add"),
        {"model": "google/gemini-3-pro-image"},
        "`bfl/flux-2-pro`, `google/gemini-3-pro-image`",
    ),
    (("allowed", "list"), {}, "Allowed models (2): `bfl/flux-2-pro`, `google/gemini-3-pro-image`"),
    (("allowed", "remove"), {"model": "bfl/flux-2-pro"}, "→ `google/gemini-3-pro-image`"),
    (("allowed", "remove"), {"model": "bfl/flux-2-pro"}, "is not on the allowed list"),
    (("allowed", "clear"), {}, "→ every image model"),
    (("count", "max"), {"count": 8}, "**Maximum image count**: 4 → 8"),
    (("aspect-ratio",), {"ratio": "16:9"}, "model default → `16:9`"),
    (("aspect-ratio",), {"ratio": "reset"}, "`16:9` → model default"),
    (("private",), {"enabled": True}, "**Private by default**: off → on"),
    (("private",), {"enabled": True}, "Nothing changed.\n**Private by default** is on."),
    (("nsfw",), {"policy": "age_restricted"}, "never → age-restricted channels only"),
    (
        ("provider-option", "set"),
        {"provider": "bfl", "key": "safety_tolerance", "value": "5", "age_restricted_only": True},
        '{"bfl":{"safety_tolerance":5}}',
    ),
    (
        ("provider-option", "unset"),
        {"provider": "bfl", "key": "safety_tolerance"},
        '`{"bfl":{"safety_tolerance":5}}` → none',
    ),
    (
        ("provider-option", "unset"),
        {"provider": "bfl", "key": "safety_tolerance"},
        "`bfl.safety_tolerance` is not set",
    ),
    (("provider-option", "set"), {"provider": "gateway", "key": "user", "value": "x"}, "set by the bot"),
    (("flagged", "add"), {"terms": "castle"}, "**Flagged terms**: 0 terms → 1 term"),
    (("flagged", "list"), {}, "Flagged terms (1): `castle`"),
    (("flagged", "remove"), {"terms": "castle"}, "1 term → 0 terms"),
    (("quota",), {"images": 20}, "**Daily quota**: unlimited → 20"),
    (("quota",), {"images": 0}, "20 → unlimited"),
    (("cooldown",), {"seconds": 5}, "off → 5 s"),
    (("channel", "set"), {"private": False}, "inherit server setting → off"),
    (("channel", "set"), {}, "Give at least one setting"),
    (("channel", "list"), {}, ": private by default off"),
    (
        ("lock",),
        {"option": "aspect_ratio", "locked": True},
        "sets no aspect ratio, so members get the global default",
    ),
]


async def test_every_command_answers_ephemerally_with_old_and_new(bot_env: BotEnv) -> None:
    for path, options, expected in STEPS:
        _, answer = await run(bot_env.h, *path, **options)
        assert answer.ephemeral, path
        assert expected in answer.content, (path, options, answer.content)
        assert answer.allowed_mentions == {"parse": []}, path


async def test_monthly_budget_refuses_once_the_reported_spend_reaches_it(bot_env: BotEnv) -> None:
    _, answer = await run(bot_env.h, "budget", usd=0.03)
    assert "$0.03" in answer.content
    h = bot_env.h  # the fake gateway reports a cost of $0.04 per generation
    first = await h.interact(h.payloads.slash("imagine", options={"prompt": "a kite"}))
    await first.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()  # the job's cost is recorded when it is done

    second = await h.interact(h.payloads.slash("imagine", options={"prompt": "another kite"}))
    refusal = await second.wait_message(lambda m: not m.loading and "budget" in m.content)
    assert refusal.ephemeral
    assert "$0.04 of $0.03" in refusal.content
    assert len([r for r in bot_env.ai.requests if r.path.endswith("/images/generations")]) == 1


async def test_usage_lists_members_generations_and_cost(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a barn", "count": 2}))
    await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    _, answer = await run(h, "usage", days=7)
    assert answer.ephemeral
    text = embed_text(answer)
    assert "last 7 day(s)" in text
    assert f"<@{world.alice.id}>: 1 generation(s), 2 image(s), $0.04" in text
    assert answer.allowed_mentions is not None
    assert answer.allowed_mentions.get("parse") == []


async def test_a_channel_provider_option_applies_in_that_channel_only(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    art = world.nsfw_channel  # any channel the bot knows other than #general
    _, answer = await run(
        h, "provider-option", "set", provider="blackForestLabs", key="steps", value="40", channel=art
    )
    assert answer.ephemeral
    assert "40" in answer.content

    in_art, _ = await imagine_in(bot_env, "a fox", art)
    assert in_art["providerOptions"]["blackForestLabs"]["steps"] == 40
    elsewhere, _ = await imagine_in(bot_env, "a fox", world.general)
    assert "steps" not in (elsewhere.get("providerOptions") or {}).get("blackForestLabs", {})

    await run(h, "provider-option", "unset", provider="blackForestLabs", key="steps", channel=art)
    settings = await bot_env.bot.store.get_channel_settings(world.guild.id, art.id)
    assert settings.provider_options == {}


async def imagine_in(env: BotEnv, prompt: str, channel: Any) -> tuple[Any, RecordedRequest]:
    """Run `/imagine` in `channel`; return the gateway request's JSON and the posted result."""
    h = env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": prompt}, channel=channel))
    request = (await env.ai_request("/images/generations")).json
    return request, await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)


async def test_flagged_prompt_is_generated_and_reported_with_a_jump_link(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    log = next(c for c in world.guild.channels if c.name == "bot-log")
    store = bot_env.bot.store
    await store.update_guild_settings(
        world.guild.id, world.moderator.id, log_channel_id=log.id, flagged_terms=["castle"]
    )
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "A CASTLE at dawn"}))
    result = await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)  # still generated
    assert result.files
    report = await h.api.wait_until(
        lambda: next((m for m in h.api.messages.values() if m.channel_id == log.id), None), what="flag report"
    )
    text = embed_text(report)
    assert "Flagged prompt" in text
    assert "A CASTLE at dawn" in text
    assert f"<@{world.alice.id}>" in text
    assert f"<#{world.general.id}>" in text
    assert "bfl/flux-2-pro" in text
    assert f"https://discord.com/channels/{world.guild.id}/{world.general.id}/" in text
    assert report.allowed_mentions == {"parse": []}  # the report pings nobody


async def test_content_policy_refusal_is_reported_to_the_log_channel(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    log = next(c for c in world.guild.channels if c.name == "bot-log")
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, log_channel_id=log.id)
    bot_env.ai.push(
        "images",
        ErrorReply(400, "Your request was rejected by the safety system", code="content_policy_violation"),
    )
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "something risky"}))
    answer = await rec.wait_message(lambda m: not m.loading and "content policy" in m.content)
    assert answer.ephemeral
    report = await h.api.wait_until(
        lambda: next((m for m in h.api.messages.values() if m.channel_id == log.id), None),
        what="refusal report",
    )
    text = embed_text(report)
    assert "Content-policy refusal" in text
    assert "something risky" in text
    assert "safety system" in text


async def test_age_restricted_options_apply_only_in_age_restricted_channels(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    await run(h, "nsfw", policy="age_restricted")
    await run(
        h, "provider-option", "set", provider="blackForestLabs", key="safetyTolerance", value="5",
        age_restricted_only=True,
    )  # fmt: skip
    in_nsfw, result = await imagine_in(bot_env, "a beach", world.nsfw_channel)
    assert in_nsfw["providerOptions"]["blackForestLabs"]["safetyTolerance"] == 5
    # Made with age-restricted options: posted behind spoilers, in the card's gallery too.
    assert all(f.filename.startswith("SPOILER_") for f in result.files)
    assert [item["spoiler"] for item in gallery_items(assert_card(result))] == [True] * len(result.files)
    in_general, result = await imagine_in(bot_env, "a beach", world.general)
    assert "safetyTolerance" not in (in_general.get("providerOptions") or {}).get("blackForestLabs", {})
    assert not any(f.filename.startswith("SPOILER_") for f in result.files)
    assert not any(item["spoiler"] for item in gallery_items(assert_card(result)))

    await run(h, "nsfw", policy="never")  # the policy switch alone turns them off everywhere
    again, _ = await imagine_in(bot_env, "a beach", world.nsfw_channel)
    assert "safetyTolerance" not in (again.get("providerOptions") or {}).get("blackForestLabs", {})
