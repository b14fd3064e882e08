"""Budgets, quotas and operator caps through the fake Discord and the real discord.py (issue 9).

The fake gateway's catalogue prices `bfl/flux-2-pro` (the default image model) at $0.04 an
image and reports $0.04 per generation, so estimates and reported costs agree unless a test
says otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from bot.discord.runner import build_bot
from bot.errors import CooldownError
from bot.gateway._http import MAX_CHAT_IMAGES
from bot.generation import GenerationService
from bot.jobs import QUEUED_PREFIX, Requester
from bot.policy import RequestedOptions
from bot.storage import Store
from tests.bot.cards import card_text
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.bot.test_postgres_backed import fresh_database  # noqa: F401  # fixture
from tests.fakes.ai_gateway import ChatReply, ImagesReply, make_png

BURST = 16
BUDGET = 0.10
FIGURES: list[str] = []


async def _finished(rec: InteractionRecord) -> str:
    """'posted' or the refusal sentence, once the interaction is answered for good."""

    def final(m: Any) -> bool:
        progress = m.content.startswith(("Generating", QUEUED_PREFIX))
        return not m.loading and (bool(m.attachments) or (bool(m.content) and not progress))

    message = await rec.wait_message(final, timeout=15)
    return "posted" if message.attachments else message.content


async def _burst(env: BotEnv, *, label: str, second: Callable[[int], Awaitable[bool]] | None = None) -> None:
    """16 members ask at once (half through `second` when given); check and record the spend."""
    h = env.h
    world = h.fake.world
    guild = world.guild
    await env.bot.store.update_guild_settings(guild.id, world.moderator.id, monthly_budget=BUDGET)
    members = [world.add_member(guild, f"burst{label}{n}") for n in range(BURST)]
    via_discord = members if second is None else members[: BURST // 2]
    records = await asyncio.gather(
        *(
            h.interact(h.payloads.slash("imagine", options={"prompt": f"kite {n}"}, user=m))
            for n, m in enumerate(via_discord)
        )
    )
    others: list[Awaitable[bool]] = []
    if second is not None:
        others = [second(m.id) for m in members[BURST // 2 :]]
    answers, other_answers = await asyncio.gather(
        asyncio.gather(*(_finished(r) for r in records)), asyncio.gather(*others)
    )
    async with asyncio.timeout(10):
        await env.bot.wait_idle()
    granted = answers.count("posted") + sum(other_answers)
    refusals = [a for a in answers if a != "posted"]
    assert all("budget for the month" in a for a in refusals), refusals
    spent, in_flight = await env.bot.store.monthly_spend(guild.id)
    sent = len([r for r in env.ai.requests if r.path.endswith("/images/generations")])
    FIGURES.append(
        f"burst[{label}]: granted={granted}/{BURST} sent={sent} spent=${spent} budget=${BUDGET:.2f}"
    )
    print(FIGURES[-1])
    assert in_flight == 0
    assert spent <= Decimal("0.14")  # at most one job (at $0.04) over the $0.10 budget
    assert granted == sent == 3  # admitted at $0.00, $0.04 and $0.08 of spend before the job


async def test_a_burst_of_sixteen_members_cannot_overspend_the_budget(bot_env: BotEnv) -> None:
    await _burst(bot_env, label="sqlite")


@pytest.mark.postgres
async def test_a_burst_on_postgres_cannot_overspend_the_budget(
    start_bot: Callable[..., Awaitable[BotEnv]],
    fresh_database: str,  # noqa: F811
) -> None:
    await _burst(await start_bot(database_url=fresh_database), label="postgres")


async def test_a_burst_through_two_processes_on_one_database_cannot_overspend(bot_env: BotEnv) -> None:
    """A second service with its own engine and instance id stands in for a second process."""
    import aiohttp

    settings = bot_env.settings()
    async with aiohttp.ClientSession() as session:
        store = await Store.open(settings.database_url)
        other = await build_bot(settings, session, store, sync=False)
        service: GenerationService = other.generation
        await other.catalog.refresh()
        assert service.books.instance_id != bot_env.bot.generation.books.instance_id
        channel = bot_env.h.fake.world.guild.channels[0].id

        async def generate(user_id: int) -> bool:
            requester = Requester(user_id=user_id, guild_id=bot_env.h.fake.world.guild.id, channel_id=channel)
            requested = RequestedOptions(model=None, count=None, aspect_ratio=None, private=None)
            settings_pair = await service.fetch_settings(requester.guild_id, requester.channel_id)
            plan = service.plan("imagine", requester, "kite", requested, settings_pair)
            try:
                await service.admit(plan)
            except CooldownError as exc:
                refusals.append(str(exc))
                return False
            await service.imagine(plan)
            return True

        refusals: list[str] = []
        try:
            await _burst(bot_env, label="two-processes", second=generate)
            assert refusals
            assert all("budget for the month" in r for r in refusals)
        finally:
            await other.generation.limits.close()
            await store.close()


async def test_a_members_quota_survives_a_restart_on_sqlite(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, daily_quota=3)
    first = await h.interact(h.payloads.slash("imagine", options={"prompt": "one", "count": 2}))
    assert await _finished(first) == "posted"
    await bot_env.restart()  # no Redis: the old in-memory counters would be gone now
    h = bot_env.h
    second = await h.interact(h.payloads.slash("imagine", options={"prompt": "two", "count": 2}))
    refusal = await _finished(second)
    assert "have 1 of your 3 left today" in refusal
    third = await h.interact(h.payloads.slash("imagine", options={"prompt": "three", "count": 1}))
    assert await _finished(third) == "posted"
    fourth = await h.interact(h.payloads.slash("imagine", options={"prompt": "four"}))
    assert "used your 3 images for today" in await _finished(fourth)
    assert len([r for r in bot_env.ai.requests if r.path.endswith("/images/generations")]) == 2


@pytest.mark.parametrize(("returned", "charged"), [(3, 3), (8, MAX_CHAT_IMAGES)])
async def test_a_chatimage_uses_one_unit_per_image_it_delivers(
    bot_env: BotEnv, returned: int, charged: int
) -> None:
    """Not one unit per request: every image counts (extras past the per-reply cap are dropped)."""
    h = bot_env.h
    world = h.fake.world
    await bot_env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, daily_quota=10)
    bot_env.ai.push("chat", ChatReply(images=[make_png(500, seed=n) for n in range(returned)]))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "several please"}))
    await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    assert await bot_env.bot.store.images_today(world.guild.id, world.alice.id) == charged
    usage = await h.interact(h.payloads.slash("usage"))
    answer = await usage.wait_message(lambda m: not m.loading)
    assert f"{charged}/10 images used" in answer.content


async def _one_job(env: BotEnv, reply: ImagesReply) -> tuple[Any, str]:
    env.ai.push("images", reply)
    h = env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a lighthouse"}))
    assert await _finished(rec) == "posted"
    result = await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=5)
    footer = card_text(result).splitlines()[-1]  # the small print: "-# 1 image · job … · 4.2 s · $0.04 …"
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
        await env.bot.generation.books.drain()
    jobs = await env.bot.store.recent_jobs(h.fake.world.guild.id, limit=1)
    return jobs[0], footer


@pytest.mark.parametrize("reported", ["-5", "NaN", "1e9", "Infinity"])
async def test_a_bad_reported_cost_is_rejected_and_the_estimate_kept(
    bot_env: BotEnv, reported: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = ImagesReply.png(1, extra={"providerMetadata": {"gateway": {"cost": reported}}})
    job, footer = await _one_job(bot_env, reply)
    assert "$" not in footer  # a rejected cost is not shown on the result either
    assert (job.status, job.charge_cost, job.cost_source, job.cost) == (
        "done",
        Decimal("0.04"),
        "estimate",
        None,
    )
    if reported in ("-5", "1e9"):  # NaN/Infinity never parse as a number at all
        assert "rejected reported cost" in caplog.text


async def test_an_unknown_cost_keeps_the_estimate_until_the_generation_record_says(bot_env: BotEnv) -> None:
    no_cost = {"providerMetadata": {"gateway": {}}}
    job, _ = await _one_job(bot_env, ImagesReply.png(1, extra={**no_cost, "id": "gen_unknown"}))
    assert (job.charge_cost, job.cost_source) == (Decimal("0.04"), "estimate")  # 404: not recorded yet
    bot_env.ai.generations["gen_known"] = 0.031
    job, _ = await _one_job(bot_env, ImagesReply.png(1, extra={**no_cost, "id": "gen_known"}))
    assert (job.charge_cost, job.cost_source, job.cost) == (Decimal("0.031"), "lookup", Decimal("0.031"))
    lookups = [r for r in bot_env.ai.requests if r.path.endswith("/generation")]
    assert len(lookups) == 2


async def test_usage_shows_reservations_in_flight(one_slot: BotEnv) -> None:
    env = one_slot
    h = env.h
    world = h.fake.world
    await env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, monthly_budget=5)
    release = asyncio.Event()
    env.ai.push("images", ImagesReply.png(2, hold=release))
    job = await h.interact(h.payloads.slash("imagine", options={"prompt": "slow", "count": 2}))
    await env.ai_request("/images/generations")
    usage = await h.interact(h.payloads.slash("usage"))
    answer = await usage.wait_message(lambda m: not m.loading)
    assert "$0.08 of $5.00. $0.08 of it is reserved for jobs in progress" in answer.content
    release.set()
    assert await _finished(job) == "posted"
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    # Settled to the reported $0.04 for the request (the estimate was $0.04 x 2).
    assert await env.bot.store.monthly_spend(world.guild.id) == (Decimal("0.04"), Decimal(0))


@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        ({"paused": True}, "paused by the bot's operator"),
        ({"blocked_user_ids": "ALICE"}, "has not enabled image generation for you"),
        ({"blocked_guild_ids": "GUILD"}, "has not enabled image generation for you"),
    ],
)
async def test_paused_or_blocked_members_get_a_sentence_and_nothing_is_sent(
    start_bot: Callable[..., Awaitable[BotEnv]], discord_fake: Any, settings: dict[str, Any], sentence: str
) -> None:
    world = discord_fake.world
    ids = {"ALICE": str(world.alice.id), "GUILD": str(world.guild.id)}
    env = await start_bot(**{k: ids.get(v, v) if isinstance(v, str) else v for k, v in settings.items()})
    rec = await env.h.interact(env.h.payloads.slash("imagine", options={"prompt": "anything"}))
    answer = await rec.wait_message(lambda m: not m.loading)
    assert answer.ephemeral
    assert sentence in answer.content
    assert not [r for r in env.ai.requests if r.path.endswith("/images/generations")]
    assert await env.bot.store.recent_jobs(world.guild.id) == []


async def test_operator_daily_image_cap_spans_servers(start_bot: Callable[..., Awaitable[BotEnv]]) -> None:
    env = await start_bot(operator_user_daily_images=3)
    h = env.h
    first = await h.interact(h.payloads.slash("imagine", options={"prompt": "a", "count": 3}))
    assert await _finished(first) == "posted"
    second = await h.interact(h.payloads.slash("imagine", options={"prompt": "b"}))
    assert "bot's daily limit of 3 images across all servers" in await _finished(second)


async def test_operator_monthly_spend_cap(start_bot: Callable[..., Awaitable[BotEnv]]) -> None:
    env = await start_bot(operator_monthly_spend_cap=0.05)
    h = env.h
    for prompt in ("a", "b"):  # $0.00 and $0.04 before each: admitted
        assert (
            await _finished(await h.interact(h.payloads.slash("imagine", options={"prompt": prompt})))
            == "posted"
        )
    third = await h.interact(h.payloads.slash("imagine", options={"prompt": "c"}))
    assert "operator's spending limit for the month" in await _finished(third)


async def test_config_usage_shows_this_months_spend_with_reservations(one_slot: BotEnv) -> None:
    env = one_slot
    h = env.h
    world = h.fake.world
    await env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, monthly_budget=2)
    release = asyncio.Event()
    env.ai.push("images", ImagesReply.png(1, hold=release))
    job = await h.interact(h.payloads.slash("imagine", options={"prompt": "slow"}))
    await env.ai_request("/images/generations")
    rec = await h.interact(h.payloads.slash("config", "usage", user=world.moderator))
    answer = await rec.wait_message(lambda m: not m.loading)
    month = {f["name"]: f["value"] for f in answer.embeds[0]["fields"]}["This month"]
    assert month == "$0.04 of $2.00, of which $0.04 is reserved for jobs in progress"
    release.set()
    assert await _finished(job) == "posted"


async def test_a_fourth_job_while_three_wait_is_refused_and_sends_nothing(one_slot: BotEnv) -> None:
    env = one_slot
    h = env.h
    release = asyncio.Event()
    env.ai.push("images", ImagesReply.png(1, hold=release))  # the first job holds the only slot
    first = await h.interact(h.payloads.slash("imagine", options={"prompt": "one"}))
    await env.ai_request("/images/generations")
    waiting = [
        await h.interact(h.payloads.slash("imagine", options={"prompt": prompt}))
        for prompt in ("two", "three")
    ]
    for rec in waiting:  # each is admitted and queued before the next arrives
        await rec.wait_message(lambda m: m.content.startswith(QUEUED_PREFIX), timeout=10)
    fourth = await h.interact(h.payloads.slash("imagine", options={"prompt": "four"}))
    assert "You already have 3 generations waiting. Let them finish first." in await _finished(fourth)
    release.set()
    assert [await _finished(rec) for rec in (first, *waiting)] == ["posted"] * 3
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    prompts = [r.json["prompt"] for r in env.ai.requests if r.path.endswith("/images/generations")]
    assert prompts == ["one", "two", "three"]  # the refused job never reached the gateway
