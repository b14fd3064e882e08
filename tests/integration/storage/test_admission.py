# ruff: noqa: F811  # the fixtures are imported from test_store and used as parameters
"""Atomic admission, exactly-once settlement and reconciliation on real SQLite and PostgreSQL.

Two `Store` objects over one database stand in for two bot processes (a rolling restart).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot.jobs import new_job_id
from bot.storage import Store
from bot.storage._admission import AdmissionLimits
from tests.integration.storage.test_store import (  # noqa: F401  # fixtures
    T0,
    Backend,
    FakeClock,
    backend,
    clock,
    store,
)

G, U = 1000, 21
PRICE = Decimal("0.04")


async def _admit(
    store: Store, limits: AdmissionLimits, *, user: int = U, guild: int | None = G, images: int = 1, **kw: Any
) -> Any:
    return await store.admit_job(
        job_id=new_job_id(),
        user_id=user,
        guild_id=guild,
        channel_id=5,
        kind="imagine",
        model="m",
        prompt="p",
        options={"count": images},
        images=images,
        estimate=PRICE * images,
        owner=kw.pop("owner", "proc-a"),
        limits=limits,
        **kw,
    )


async def test_a_burst_from_two_processes_overshoots_the_budget_by_at_most_one_job(
    backend: Backend, clock: FakeClock
) -> None:
    first, second = await backend.open(clock=clock), await backend.open(clock=clock)
    limits = AdmissionLimits(max_pending=3, monthly_budget=Decimal("0.10"))
    results = await asyncio.gather(
        *(_admit(first if n % 2 else second, limits, user=100 + n) for n in range(16))
    )
    admitted = [r.job for r in results if r.job is not None]
    # Admitted while the spend before the job was below $0.10: $0, $0.04, $0.08.
    assert len(admitted) == 3
    assert await first.monthly_spend(G) == (Decimal("0.12"), Decimal("0.12"))
    refused = [r for r in results if r.job is None]
    assert {r.refusal for r in refused} == {"budget"}


async def test_daily_quota_counts_images_and_refunds_unbilled_jobs(store: Store) -> None:
    limits = AdmissionLimits(max_pending=5, daily_images=5)
    first = await _admit(store, limits, images=4)
    assert first.job is not None
    over = await _admit(store, limits, images=2)
    assert (over.job, over.refusal, over.used, over.limit) == (None, "quota", 4, 5)
    # Refused at the gateway with a 4xx: nothing billed, the images come back, exactly once.
    assert await store.settle_job(first.job.id, status="failed", charge_images=0, charge_cost=Decimal(0))
    assert not await store.settle_job(first.job.id, status="done", charge_images=4)
    assert (await _admit(store, limits, images=5)).job is not None
    assert await store.images_today(G, U) == 5


async def test_a_result_charges_the_images_produced(store: Store) -> None:
    limits = AdmissionLimits(max_pending=5, daily_images=10)
    job = (await _admit(store, limits, images=4)).job
    assert await store.settle_job(job.id, status="done", charge_images=2, charge_cost=Decimal("0.08"))
    assert await store.images_today(G, U) == 2
    settled = await store.get_job(job.id)
    assert (settled.status, settled.charge_cost, settled.reply_token) == ("done", Decimal("0.08"), None)


async def test_pending_slots_are_the_active_jobs(store: Store) -> None:
    limits = AdmissionLimits(max_pending=2)
    jobs = [(await _admit(store, limits)).job for _ in range(2)]
    third = await _admit(store, limits)
    assert (third.refusal, third.used) == ("pending", 2)
    assert (await _admit(store, limits, guild=G + 1)).job is not None  # another server: its own slots
    assert await store.mark_running(jobs[0].id)
    assert not await store.mark_running(jobs[0].id)  # only a queued job starts
    await store.settle_job(jobs[0].id, status="cancelled", charge_images=0, charge_cost=Decimal(0))
    assert (await _admit(store, limits)).job is not None


async def test_operator_caps_span_every_server(store: Store, clock: FakeClock) -> None:
    limits = AdmissionLimits(max_pending=9, operator_user_daily_images=3)
    assert (await _admit(store, limits, guild=1, images=2)).job is not None
    refused = await _admit(store, limits, guild=2, images=2)
    assert (refused.refusal, refused.used) == ("operator_images", 2)
    assert (await _admit(store, limits, guild=None, images=1)).job is not None  # DMs count too
    spend = AdmissionLimits(max_pending=9, operator_monthly_spend=Decimal("0.05"))
    capped = await _admit(store, spend, user=7, guild=3)  # $0.12 reserved this month already
    assert (capped.refusal, capped.used) == ("operator_spend", Decimal("0.12"))
    clock.advance(timedelta(days=31))  # a new month and day
    assert (await _admit(store, spend, user=7, guild=3)).job is not None  # $0 before it
    assert (await _admit(store, spend, user=8, guild=4)).job is not None  # $0.04 before it
    assert (await _admit(store, spend, user=9, guild=5)).refusal == "operator_spend"  # $0.08


async def test_refine_cost_replaces_only_a_kept_estimate(store: Store) -> None:
    limits = AdmissionLimits(max_pending=5)
    job = (await _admit(store, limits)).job
    assert not await store.refine_cost(job.id, Decimal("0.03"), "lookup")  # still active
    await store.settle_job(job.id, status="done", charge_images=1)  # no cost reported: estimate kept
    assert await store.refine_cost(job.id, Decimal("0.03"), "lookup")
    assert not await store.refine_cost(job.id, Decimal("0.09"), "lookup")
    assert (await store.get_job(job.id)).charge_cost == Decimal("0.03")


async def test_reconciliation_settles_jobs_of_processes_that_are_gone(
    backend: Backend, clock: FakeClock
) -> None:
    dead, live = await backend.open(clock=clock), await backend.open(clock=clock)
    limits = AdmissionLimits(max_pending=9)
    await dead.heartbeat("dead")
    await live.heartbeat("live")
    queued = (await _admit(dead, limits, owner="dead", reply_token="secret-token")).job
    sent = (await _admit(dead, limits, owner="dead")).job
    await dead.mark_running(sent.id)
    mine = (await _admit(live, limits, owner="live")).job
    assert await live.reconcile_orphans("live", timedelta(seconds=60)) == []  # "dead" is still fresh

    clock.advance(timedelta(seconds=61))
    await live.heartbeat("live")
    reconciled = await live.reconcile_orphans("live", timedelta(seconds=60))
    assert {j.id: (j.status, j.reply_token) for j in reconciled} == {
        queued.id: ("queued", "secret-token"),
        sent.id: ("running", None),
    }
    never_sent, maybe_billed = await live.get_job(queued.id), await live.get_job(sent.id)
    assert (never_sent.status, never_sent.charge_cost, never_sent.charge_images) == ("interrupted", 0, 0)
    assert never_sent.reply_token is None  # the secret does not outlive the job
    assert (maybe_billed.status, maybe_billed.charge_cost, maybe_billed.charge_images) == (
        "interrupted",
        PRICE,
        0,
    )
    assert (await live.get_job(mine.id)).status == "queued"
    # The dead process's own late settlement changes nothing: exactly once.
    assert not await dead.settle_job(sent.id, status="done", charge_images=1)
    assert await live.reconcile_orphans("live", timedelta(seconds=60)) == []


async def test_a_restarted_process_reconciles_its_previous_run_at_once(store: Store) -> None:
    await store.heartbeat("run-1", host="h1", pid=4242)
    await store.heartbeat("other", host="h2", pid=4242)
    job = (await _admit(store, AdmissionLimits(max_pending=3), owner="run-1")).job
    assert await store.processes_on("h1") == [("run-1", 4242)]
    # run-1's heartbeat is fresh, but the caller knows its pid is dead on this host.
    assert await store.reconcile_orphans("run-2", timedelta(seconds=60)) == []
    reconciled = await store.reconcile_orphans("run-2", timedelta(seconds=60), gone=["run-1"])
    assert [j.id for j in reconciled] == [job.id]
    assert await store.processes_on("h1") == []
    assert await store.processes_on("h2") == [("other", 4242)]
    assert T0  # the store's clock is the fixed test clock


async def test_a_job_forgotten_in_flight_settles_without_its_message_ids(store: Store) -> None:
    limits = AdmissionLimits(max_pending=5, daily_images=10)
    forgotten = (await _admit(store, limits, images=1)).job
    kept = (await _admit(store, limits, images=1)).job
    assert await store.delete_user_data(U) == (0, 2)  # both in flight: scrubbed, id kept for today
    await store.settle_job(kept.id, status="done", charge_images=1)
    # `/forgetme` ran while the job was generating: its result's ids must not come back
    assert await store.settle_job(
        forgotten.id, status="done", charge_images=1, message_id=77, extra_message_ids=[78], error="x: y"
    )
    settled = await store.get_job(forgotten.id)
    assert (settled.status, settled.charge_images, settled.prompt) == ("done", 1, "")
    assert (settled.message_id, settled.extra_message_ids, settled.error) == (None, [], None)
    assert await store.images_today(G, U) == 2


async def test_a_settlement_writes_the_message_ids_of_a_job_not_forgotten(store: Store) -> None:
    job = (await _admit(store, AdmissionLimits(max_pending=5), images=1)).job
    assert await store.settle_job(
        job.id, status="done", charge_images=1, message_id=77, extra_message_ids=[78]
    )
    settled = await store.get_job(job.id)
    assert (settled.message_id, settled.extra_message_ids) == (77, [78])
