"""Server-only by default; the operator's policy wherever the operator opens more (issue 9, item 1).

Through the real discord.py and cogs: the synced schema offers the image commands in servers
only, a DM that arrives anyway is refused, and with DMs or user installs opened the operator's
blocked terms, allow-list, cooldown and daily cap govern there (and its terms and allow-list are
a floor inside servers too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.policy import BLOCKED_MESSAGE, OPERATOR_BLOCKED_MESSAGE
from bot.policy.operator import OUTSIDE_REFUSAL
from tests.bot.checks import final_result
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.bot.test_edit_image import message_action
from tests.fakes.ai_gateway import ImagesReply, make_png

IMAGE_COMMANDS = ("imagine", "chatimage", "Edit image")
StartBot = Callable[..., Awaitable[BotEnv]]


def synced(env: BotEnv) -> dict[str, dict[str, Any]]:
    """The global commands as the fake Discord received them (`PUT .../commands`)."""
    return {c["name"]: c for c in env.h.api.commands[None]}


async def refusal_text(record: InteractionRecord) -> str:
    """The ephemeral answer of a refused interaction."""
    answer = await record.wait_message(lambda m: not m.loading)
    assert answer.ephemeral
    return answer.content


def dm_imagine(env: BotEnv, prompt: str, **options: Any) -> dict[str, Any]:
    return dict(env.h.payloads.slash("imagine", options={"prompt": prompt, **options}, guild=None))


def user_install_in_foreign_server(env: BotEnv, prompt: str) -> dict[str, Any]:
    """`/imagine` in a server through the member's own install of the bot, not the server's."""
    payload = dict(env.h.payloads.slash("imagine", options={"prompt": prompt}))
    payload["authorizing_integration_owners"] = {"1": str(env.h.fake.world.alice.id)}
    return payload


async def test_synced_schema_offers_image_commands_in_servers_only(bot_env: BotEnv) -> None:
    commands = synced(bot_env)
    for name in IMAGE_COMMANDS:
        assert commands[name]["contexts"] == [0], name  # GUILD only
        assert commands[name]["integration_types"] == [0], name  # GUILD_INSTALL only
        assert commands[name]["dm_permission"] is False, name


async def test_opened_schema_names_exactly_what_the_operator_opened(start_bot: StartBot) -> None:
    env = await start_bot(allow_dms=True)
    for name in IMAGE_COMMANDS:
        assert synced(env)[name]["contexts"] == [0, 1], name
        assert synced(env)[name]["integration_types"] == [0], name
    env = await env.restart(allow_dms=False, allow_user_installs=True)
    for name in IMAGE_COMMANDS:
        assert synced(env)[name]["contexts"] == [0, 2], name
        assert synced(env)[name]["integration_types"] == [0, 1], name


async def test_dm_invocation_is_refused_by_default(bot_env: BotEnv) -> None:
    h = bot_env.h
    record = await h.interact(dm_imagine(bot_env, "a red fox"))
    assert OUTSIDE_REFUSAL in await refusal_text(record)
    chat = await h.interact(dict(h.payloads.slash("chatimage", options={"prompt": "a fox"}, guild=None)))
    assert OUTSIDE_REFUSAL in await refusal_text(chat)
    # Nothing reached the gateway: the next generation request is a server's.
    await h.interact(h.payloads.slash("imagine", options={"prompt": "a server fox"}))
    assert (await bot_env.ai_request("/images/generations")).json["prompt"] == "a server fox"


async def test_edit_image_in_a_dm_is_refused_before_the_modal(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    seeded = h.api.add_message(world.general.id, world.alice.to_payload())
    payload = message_action(bot_env, seeded.id)
    for key in ("guild_id", "guild", "member", "guild_locale"):
        payload.pop(key, None)
    payload.update(
        user=world.alice.to_payload(), context=1, authorizing_integration_owners={"1": str(world.alice.id)}
    )
    record = await h.interact(payload)
    first = await record.callback()
    assert first.json["type"] == 4  # a message, not a modal
    assert OUTSIDE_REFUSAL in first.json["data"]["content"]


async def test_user_install_in_a_server_without_the_bot_is_not_that_server(start_bot: StartBot) -> None:
    env = await start_bot()
    record = await env.h.interact(user_install_in_foreign_server(env, "a fox"))
    assert OUTSIDE_REFUSAL in await refusal_text(record)

    env = await env.restart(allow_user_installs=True, operator_blocked_terms="zombie")
    # The server's own (empty) settings do not apply: the operator's rules do.
    record = await env.h.interact(user_install_in_foreign_server(env, "a zоmbie fox"))  # Cyrillic о
    assert OPERATOR_BLOCKED_MESSAGE in await refusal_text(record)
    record = await env.h.interact(user_install_in_foreign_server(env, "a quiet fox"))
    await final_result(record)
    job = (await env.bot.store.recent_jobs(None, env.h.fake.world.alice.id, limit=1))[0]
    assert job.guild_id is None  # counted against the limits for places outside servers


async def test_opened_dms_are_governed_by_the_operator_policy(start_bot: StartBot) -> None:
    env = await start_bot(
        allow_dms=True,
        operator_blocked_terms="zombie, real person",
        operator_allowed_models="bfl/flux-2-pro",
        dm_cooldown_seconds=3600,
    )
    h = env.h
    blocked = await h.interact(dm_imagine(env, "a real\u200bperson at night"))
    text = await refusal_text(blocked)
    assert OPERATOR_BLOCKED_MESSAGE in text
    assert "real" not in text.lower().replace("real person", "")  # never reveals the list
    assert "person" not in text.lower()

    other_model = await h.interact(dm_imagine(env, "a fox", model="openai/gpt-image-1"))
    text = await refusal_text(other_model)
    assert "`openai/gpt-image-1` is not allowed on this bot" in text
    assert "bfl/flux-2-pro" in text

    ok = await h.interact(dm_imagine(env, "a fox", count=2))
    request = (await env.ai_request("/images/generations")).json
    assert (request["model"], request["prompt"]) == ("bfl/flux-2-pro", "a fox")
    await final_result(ok)

    again = await h.interact(dm_imagine(env, "another fox"))
    assert "Slow down" in await refusal_text(again)  # the operator's DM cooldown


async def test_dm_daily_image_cap(start_bot: StartBot) -> None:
    env = await start_bot(allow_dms=True, dm_cooldown_seconds=0, dm_daily_images=2)
    h = env.h
    await final_result(await h.interact(dm_imagine(env, "a fox", count=2)))
    record = await h.interact(dm_imagine(env, "one more fox"))
    assert "You have used your 2 images for today outside servers" in await refusal_text(record)


async def test_operator_rules_are_a_floor_in_servers(start_bot: StartBot) -> None:
    env = await start_bot(operator_blocked_terms="zombie", operator_allowed_models="bfl/flux-2-pro")
    h = env.h
    record = await h.interact(h.payloads.slash("imagine", options={"prompt": "zombieScene"}))
    text = await refusal_text(record)
    assert OPERATOR_BLOCKED_MESSAGE in text
    assert BLOCKED_MESSAGE not in text
    # A server cannot lock a model the operator does not allow.
    await env.bot.store.update_guild_settings(
        h.fake.world.guild.id,
        h.fake.world.moderator.id,
        image_model="openai/gpt-image-1",
        locked_options=["model"],
    )
    record = await h.interact(h.payloads.slash("imagine", options={"prompt": "a fox"}))
    assert "`openai/gpt-image-1` is not allowed on this bot" in await refusal_text(record)


async def test_dm_monthly_spend_cap(start_bot: StartBot) -> None:
    env = await start_bot(allow_dms=True, dm_cooldown_seconds=0, dm_monthly_spend_cap=0.05)
    h = env.h
    env.ai.push("images", ImagesReply([make_png(2_000, seed=1)], usage={"cost": 0.06}))
    await final_result(await h.interact(dm_imagine(env, "a fox")))
    async with asyncio.timeout(5):
        await env.bot.wait_idle()  # the cost is recorded once the job finishes
    record = await h.interact(dm_imagine(env, "another fox"))
    text = await refusal_text(record)
    assert "Image making outside servers has used its image budget for the month" in text
    assert "$0.06 of $0.05" in text


async def test_model_autocomplete_offers_only_operator_allowed_models(start_bot: StartBot) -> None:
    env = await start_bot(operator_allowed_models="openai/gpt-image-1, not/in-catalogue")
    h = env.h
    everything = await h.interact(h.payloads.autocomplete("imagine", focused="model", options={"model": ""}))
    await everything.callback()
    values = [choice["value"] for choice in everything.state.autocomplete_choices or []]
    assert values == ["openai/gpt-image-1"]


async def test_servers_cannot_configure_a_model_the_operator_does_not_allow(start_bot: StartBot) -> None:
    env = await start_bot(operator_allowed_models="bfl/flux-2-pro")
    h = env.h
    moderator = h.fake.world.moderator
    for path in (("model", "image"), ("allowed", "add")):
        payload = h.payloads.slash("config", *path, options={"model": "openai/gpt-image-1"}, user=moderator)
        record = await h.interact(payload)
        assert "`openai/gpt-image-1` is not allowed on this bot" in await refusal_text(record)
    settings = await env.bot.store.get_guild_settings(h.fake.world.guild.id)
    assert (settings.image_model, settings.allowed_models) == (None, [])
    complete = await h.interact(
        h.payloads.autocomplete(
            "config", "allowed", "add", focused="model", options={"model": ""}, user=moderator
        )
    )
    await complete.callback()
    assert [c["value"] for c in complete.state.autocomplete_choices or []] == ["bfl/flux-2-pro"]
