"""`/help`, `/about` and localisation through the real discord.py and the fake Discord (issue 13).

`/help` reads the member's limits where admission reads them (the jobs table, the cooldown
store), so it is checked against real generations; `/about` against the operator's settings.
Both answer in the member's language; the synced schema carries the command localisations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.i18n import text
from tests.bot.conftest import BotEnv
from tests.bot.test_places import synced, user_install_in_foreign_server
from tests.fakes.ai_gateway import ImagesReply, make_png

StartBot = Callable[..., Awaitable[BotEnv]]


async def _answer(env: BotEnv, name: str, **context: Any) -> str:
    rec = await env.h.interact(env.h.payloads.slash(name, **context))
    answer = await rec.wait_message(lambda m: not m.loading)
    assert answer.ephemeral
    assert answer.allowed_mentions is not None
    assert answer.allowed_mentions.get("parse") == []
    return answer.content


async def _generate(env: BotEnv, count: int) -> None:
    h = env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a kite", "count": count}))
    await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()


async def test_help_shows_todays_quota_cooldown_and_budget_in_this_server(bot_env: BotEnv) -> None:
    world = bot_env.h.fake.world
    await bot_env.bot.store.update_guild_settings(
        world.guild.id, world.moderator.id, daily_quota=10, cooldown_seconds=600, monthly_budget=5
    )
    before = await _answer(bot_env, "help")
    assert "/imagine" in before
    assert "**Your limits in this server today**" in before
    assert "Images: 0 of 10 used, 10 left." in before
    assert "Cooldown: 600 s between generations. You can generate now." in before
    assert "Monthly budget: $0.00 of $5.00 used. Open." in before

    await _generate(bot_env, 3)
    after = await _answer(bot_env, "help")
    assert "Images: 3 of 10 used, 7 left." in after
    assert "You can generate again in " in after  # the cooldown the generation started
    spent, _ = await bot_env.bot.store.monthly_spend(world.guild.id)
    assert spent > 0
    assert f"Monthly budget: ${spent:,.2f} of $5.00 used. Open." in after

    # the same limits, in French, for a member whose Discord is in French
    french = await _answer(bot_env, "help", locale="fr")
    assert "**Ce que je fais**" in french
    assert "Images : 3 sur 10 utilisées, il en reste 7." in french

    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, monthly_budget=0.01)
    used_up = await _answer(bot_env, "help")
    assert f"Monthly budget: used up (${spent:,.2f} of $0.01). Generating resumes <t:" in used_up


async def test_help_outside_servers_names_the_operators_rules(start_bot: StartBot) -> None:
    closed = await start_bot()
    assert text("en-US", "help.closed") in await _answer(closed, "help", guild=None)
    env = await closed.restart(allow_dms=True, dm_daily_images=4, dm_cooldown_seconds=30, paused=False)
    answer = await _answer(env, "help", guild=None)
    assert "outside servers, the bot operator's rules apply" in answer
    assert "Images: 0 of 4 used, 4 left." in answer
    assert "Cooldown: 30 s between generations." in answer
    assert "Monthly budget: $0.00 of $5.00 used. Open." in answer
    paused = await env.restart(paused=True)
    assert "paused by the bot's operator" in await _answer(paused, "help")


async def test_about_states_version_privacy_retention_and_the_operators_links(start_bot: StartBot) -> None:
    env = await start_bot()
    answer = await _answer(env, "about")
    assert answer.startswith("**imagebot 0.")
    assert "**For how long:** 90 days, then it is deleted." in answer
    assert "`/forgetme`" in answer
    assert text("en-US", "about.no_links") in answer
    env = await env.restart(
        retention_days=45,
        privacy_policy_url="https://example.org/privacy",
        terms_url="https://example.org/tos",
    )
    answer = await _answer(env, "about", locale="de")
    assert "**Wie lange:** 45 Tage, danach wird es gelöscht." in answer
    assert "Datenschutzerklärung: <https://example.org/privacy>" in answer
    assert "Nutzungsbedingungen: <https://example.org/tos>" in answer


async def test_synced_schema_carries_localised_names_and_descriptions(bot_env: BotEnv) -> None:
    commands = synced(bot_env)
    imagine = commands["imagine"]
    assert imagine["name_localizations"]["fr"] == "imaginer"
    assert imagine["name_localizations"]["es-ES"] == imagine["name_localizations"]["es-419"] == "imaginar"
    assert imagine["description_localizations"]["de"] == "Erzeugt Bilder aus einer Textbeschreibung."
    prompt = next(o for o in imagine["options"] if o["name"] == "prompt")
    assert prompt["name_localizations"]["pt-BR"] == "descrição"
    assert commands["Edit image"]["name_localizations"]["fr"] == "Modifier l'image"
    for name in ("help", "about", "forgetme"):
        assert commands[name]["contexts"] == [0, 1], name  # servers and the bot's DM
        assert commands[name]["integration_types"] == [0], name
    assert commands["help"]["name_localizations"]["es-ES"] == "ayuda"


async def test_a_refusal_is_answered_in_the_members_language(start_bot: StartBot) -> None:
    env = await start_bot(paused=True)
    h = env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a kite"}, locale="pt-BR"))
    answer = await rec.wait_message(lambda m: not m.loading)
    assert answer.ephemeral
    assert text("pt-BR", "error.paused") in answer.content
    assert "id do erro `" in answer.content
    assert [r.path for r in env.ai.requests if r.method == "POST"] == []  # nothing was sent


async def test_a_user_install_result_outliving_its_token_is_never_posted_in_the_channel(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    env = await start_bot(allow_user_installs=True)
    h = env.h
    env.ai.push("images", ImagesReply([make_png(2_000)], delay=0.3))
    rec = await h.interact(user_install_in_foreign_server(env, "a public sunset"))
    await env.ai_request("/images/generations")
    h.api.expire_token(rec.id)  # a server result would now go to the channel; this one must not
    await rec.wait_for(lambda r: r.route == "webhook_edit_original" and bool(r.files), timeout=10)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    assert not [r for r in h.api.requests if r.route == "channel_send"]
    assert "a user install cannot post in the channel" in caplog.text
    (job,) = await env.bot.store.recent_jobs(None, h.fake.world.alice.id, limit=5)
    assert (job.status, job.image_count) == ("done", 1)
