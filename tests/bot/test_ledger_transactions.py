"""The ledger's cost per job: two transactions, each one hop to the ledger thread (issue 14).

Six `/imagine` jobs share two slots, so four of them wait in the queue. Each job is admitted
in one transaction and settled in one; the settlement of a job that hands its slot on also
marks the next job `running`. Only a job that finds a slot free writes its start alone.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event

from tests.bot.conftest import BotEnv
from tests.bot.test_cost_control import _finished
from tests.fakes.ai_gateway import ImagesReply, make_png

JOBS, SLOTS = 6, 2


async def test_each_job_costs_two_ledger_transactions_of_one_hop_each(
    start_bot: Callable[..., Awaitable[BotEnv]],
) -> None:
    env = await start_bot(max_concurrent_jobs=SLOTS)
    h, store = env.h, env.bot.store
    ledger = store.ledger.engine
    assert ledger is not None  # a SQLite file: the ledger has its own thread
    loop_thread = threading.get_ident()
    ledger_threads: list[int] = []
    on_loop: list[str] = []

    def ledger_begin(_conn: Any) -> None:
        ledger_threads.append(threading.get_ident())

    def loop_begin(_conn: Any) -> None:
        on_loop.append("begin")  # a transaction through aiosqlite: one hop per statement

    hold = asyncio.Event()
    env.ai.push("images", *(ImagesReply([make_png(2_000)], hold=hold) for _ in range(JOBS)))
    members = [h.fake.world.add_member(h.fake.world.guild, f"m{n}") for n in range(JOBS)]
    handoffs = store.ledger.handoffs
    event.listen(ledger, "begin", ledger_begin)
    event.listen(store.engine.sync_engine, "begin", loop_begin)
    try:
        records = [
            await h.interact(h.payloads.slash("imagine", options={"prompt": f"p{n}"}, user=m))
            for n, m in enumerate(members)
        ]
        for record in records[SLOTS:]:  # queued behind the two that hold the slots
            await record.wait_for(lambda r: "Queued" in str(r.data.get("content")), timeout=10)
        hold.set()
        assert [await _finished(record) for record in records] == ["posted"] * JOBS
        async with asyncio.timeout(10):
            await env.bot.wait_idle()
            await env.bot.generation.books.drain()
    finally:
        event.remove(ledger, "begin", ledger_begin)
        event.remove(store.engine.sync_engine, "begin", loop_begin)

    # Admission + settlement per job; the two jobs that found a slot free wrote their start alone.
    assert len(ledger_threads) == 2 * JOBS + SLOTS
    assert store.ledger.handoffs - handoffs == len(ledger_threads)  # one hand-off per transaction
    assert loop_thread not in ledger_threads  # each ran whole in the ledger thread
    assert on_loop == []  # nothing on the job path went through aiosqlite
    jobs = await store.recent_jobs(h.fake.world.guild.id, limit=JOBS)
    assert {job.status for job in jobs} == {"done"}
    assert all(job.started_at is not None and job.message_id is not None for job in jobs)
