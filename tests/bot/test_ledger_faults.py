"""Exactly-once bookkeeping after admission: each step fails in turn, then the ledger is checked.

For every fault the job must end in a final status (so the member's pending slot is free), with
its images given back and its cost either 0 (certainly not billed) or the estimate kept (the
gateway may have billed it), and the member must be able to generate again. Kill -9 is in
tests/e2e/test_crash.py; cancelling a queued job in tests/bot/test_cancel.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.jobs import new_job_id
from bot.storage._admission import AdmissionLimits
from bot.storage.records import JobRecord
from tests.bot.conftest import BotEnv
from tests.bot.test_cost_control import _finished
from tests.fakes.ai_gateway import Disconnect, ErrorReply, ImagesReply
from tests.private_services import PrivatePostgres, running_postgres

ESTIMATE = Decimal("0.04")  # the catalogue's price of the default model, one image
MATRIX: list[str] = []


@pytest.fixture
def own_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, which it may stop and start."""
    with running_postgres() as server:
        yield server


async def _last_job(env: BotEnv) -> JobRecord:
    async with asyncio.timeout(10):
        await env.bot.wait_idle()
    jobs = await env.bot.store.recent_jobs(env.h.fake.world.guild.id, limit=1)
    return jobs[0]


async def _active_jobs(env: BotEnv) -> int:
    jobs = await env.bot.store.recent_jobs(env.h.fake.world.guild.id, limit=50)
    return len([j for j in jobs if not j.finished])


async def _check(env: BotEnv, fault: str, job: JobRecord, status: str, images: int, cost: Decimal) -> None:
    MATRIX.append(
        f"{fault}: status={job.status} charge_images={job.charge_images} charge_cost=${job.charge_cost} "
        f"({job.cost_source})"
    )
    print(MATRIX[-1])
    assert (job.status, job.charge_images, job.charge_cost) == (status, images, cost)
    assert job.reply_token is None
    assert await _active_jobs(env) == 0  # the pending slot is free
    env.ai.clear("images")  # retries may not have used every scripted failure
    again = await env.h.interact(env.h.payloads.slash("imagine", options={"prompt": "after the fault"}))
    assert await _finished(again) == "posted"  # nothing left stuck


@pytest.mark.parametrize(
    ("fault", "replies", "cost"),
    [
        ("gateway 400 (refused)", [ErrorReply(400, "bad prompt")], Decimal(0)),
        ("gateway 402 (no credits)", [ErrorReply(402, "no credits")], Decimal(0)),
        ("gateway 429 after retries", [ErrorReply(429, "slow down")] * 3, Decimal(0)),
        ("gateway 500 after retries", [ErrorReply(500, "boom")] * 3, ESTIMATE),
        ("connection lost after sending", [Disconnect()] * 3, ESTIMATE),
    ],
)
async def test_a_gateway_failure_settles_once(
    bot_env: BotEnv, fault: str, replies: list[Any], cost: Decimal
) -> None:
    bot_env.ai.push("images", *replies)
    rec = await bot_env.h.interact(bot_env.h.payloads.slash("imagine", options={"prompt": "a fault"}))
    told = await _finished(rec)
    assert told != "posted"
    job = await _last_job(bot_env)
    await _check(bot_env, fault, job, "failed", 0, cost)


async def test_a_discord_failure_on_the_result_keeps_the_job_billed_once(bot_env: BotEnv) -> None:
    h = bot_env.h
    release = asyncio.Event()
    bot_env.ai.push("images", ImagesReply.png(1, hold=release))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "lost upload"}))
    await rec.wait_for(
        lambda r: r.route == "webhook_edit_original" and "Generating" in r.data.get("content", "")
    )
    h.api.inject_fault("PATCH", "/webhooks/*/messages/@original", status=403, times=1)  # not retried
    release.set()
    job = await _last_job(bot_env)
    # The gateway answered and billed it: the images count, the reported cost is charged.
    await _check(bot_env, "Discord refuses the result", job, "done", 1, ESTIMATE)
    assert job.cost_source == "reported"


async def test_shutdown_mid_generation_keeps_the_estimate_once(bot_env: BotEnv) -> None:
    release = asyncio.Event()
    bot_env.ai.push("images", ImagesReply.png(1, hold=release))
    await bot_env.h.interact(bot_env.h.payloads.slash("imagine", options={"prompt": "slow"}))
    await bot_env.ai_request("/images/generations")
    for task in list(bot_env.bot._jobs):  # what ImageBot.close does once the grace period is over
        task.cancel()
    job = await _last_job(bot_env)
    release.set()
    await _check(bot_env, "shutdown after sending", job, "failed", 0, ESTIMATE)
    assert job.error == "cancelled"


async def test_a_database_outage_at_settlement_is_settled_once_it_is_back(
    start_bot: Callable[..., Awaitable[BotEnv]], own_postgres: PrivatePostgres
) -> None:
    env = await start_bot(database_url=own_postgres.url)
    h = env.h
    release = asyncio.Event()
    env.ai.push("images", ImagesReply.png(1, hold=release))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "through an outage"}))
    await env.ai_request("/images/generations")
    await asyncio.to_thread(own_postgres.stop)  # the database dies while the gateway works
    release.set()
    await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=15)  # the member still gets it
    async with asyncio.timeout(10):
        await env.bot.wait_idle()
    books = env.bot.generation.books
    assert books.unsettled == 1  # kept, not lost

    refused = await h.interact(h.payloads.slash("imagine", options={"prompt": "while it is down"}))
    # Admission needs the ledger: the member is told to retry, nothing is recorded or sent.
    assert "temporarily unavailable" in await _finished(refused)
    assert len([r for r in env.ai.requests if r.path.endswith("/images/generations")]) == 1

    await asyncio.to_thread(own_postgres.start)
    assert await books.retry_unsettled() == 0  # the heartbeat does this every 15 s
    assert await books.retry_unsettled() == 0  # and never twice
    job = await _last_job(env)
    await _check(env, "database down at settlement", job, "done", 1, ESTIMATE)


async def test_a_job_of_a_vanished_process_is_announced_once_its_token_has_expired(bot_env: BotEnv) -> None:
    """Past the 15-minute token a public job gets a notice in its channel; a private one stays quiet."""
    h = bot_env.h
    world = h.fake.world
    store = bot_env.bot.store
    expired = datetime.now(UTC) - timedelta(minutes=1)
    jobs = {}
    for private in (False, True):
        result = await store.admit_job(
            job_id=new_job_id(),
            user_id=world.alice.id,
            guild_id=world.guild.id,
            channel_id=world.general.id,
            kind="imagine",
            model="bfl/flux-2-pro",
            prompt="from a process that vanished",
            options={"count": 1, "private": private},
            images=1,
            estimate=ESTIMATE,
            owner="vanished-process",  # no heartbeat at all: gone
            limits=AdmissionLimits(max_pending=3),
            reply_token="expired-token",
            interaction_token_expires_at=expired,
        )
        assert result.job is not None
        jobs[private] = result.job
    mark = len(h.api.requests)
    await bot_env.restart()  # the start-up reconciliation finds them
    sent = await h.api.wait_for(lambda r: r.route == "channel_send" and r.ok, timeout=10, since=mark)
    assert sent.path == f"/channels/{world.general.id}/messages"
    assert f"job `{jobs[False].id}`" in sent.json["content"]
    assert "before it started, and was not charged" in sent.json["content"]
    assert [int(u) for u in sent.json["allowed_mentions"]["users"]] == [world.alice.id]
    store = bot_env.bot.store  # the restarted bot's
    for job in jobs.values():  # reconciled during start-up, before the bot connected
        settled = await store.get_job(job.id)
        assert settled is not None
        assert (settled.status, settled.charge_cost, settled.reply_token) == ("interrupted", 0, None)
    notices = [r for r in h.api.requests[mark:] if r.route in ("channel_send", "webhook_edit_original")]
    assert notices == [sent]  # the private job is not announced in public; the dead token is not tried
