"""Cost of atomic admission (`Store.admit_job`) against the plain job insert it replaced.

Admission checks the pending cap, the member's daily images, the guild's monthly budget (and,
in the second variant, the operator caps) against the jobs table, then inserts the job, all in
one serialised transaction (SQLite `BEGIN IMMEDIATE`; PostgreSQL advisory locks per guild, plus
one global lock with operator caps). The baseline is `Store.create_job` (the plain insert
without checks) on the same database in the same run. Both run 50 at a time
across 20 guilds of 25 members, over a table that already holds `PRELOAD` jobs of this month.
Prints ms per job and, last, one summary line with the ratios.

Usage: python bench/admission.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.jobs import new_job_id
from bot.storage import Store
from bot.storage._admission import AdmissionLimits

JOBS = 1000
CONCURRENCY = 50
PRELOAD = 5000
GUILDS, MEMBERS = 20, 25
SERVER_LIMITS = AdmissionLimits(max_pending=10_000, daily_images=1_000_000, monthly_budget=Decimal(1_000_000))
OPERATOR_LIMITS = AdmissionLimits(
    max_pending=10_000,
    daily_images=1_000_000,
    monthly_budget=Decimal(1_000_000),
    operator_user_daily_images=1_000_000,
    operator_monthly_spend=Decimal(1_000_000),
)


async def _run(n: int, one: object) -> float:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def guarded(i: int) -> None:
        async with semaphore:
            await one(i)  # type: ignore[operator]

    started = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in range(n)))
    return (time.perf_counter() - started) / n * 1000


async def _measure(store: Store) -> dict[str, float]:
    async def insert(i: int) -> None:
        await store.create_job(
            user_id=i % MEMBERS, guild_id=i % GUILDS, channel_id=1, kind="imagine", model="m", prompt="p"
        )

    async def admit(i: int, limits: AdmissionLimits) -> None:
        result = await store.admit_job(
            job_id=new_job_id(),
            user_id=i % MEMBERS,
            guild_id=i % GUILDS,
            channel_id=1,
            kind="imagine",
            model="m",
            prompt="p",
            options={"count": 1},
            images=1,
            estimate=Decimal("0.04"),
            owner="bench",
            limits=limits,
        )
        assert result.job is not None

    async def admit_server(i: int) -> None:
        await admit(i, SERVER_LIMITS)

    async def admit_operator(i: int) -> None:
        await admit(i, OPERATOR_LIMITS)

    await _run(PRELOAD, insert)  # a month's history for the sums to scan
    return {
        "insert": await _run(JOBS, insert),
        "admit": await _run(JOBS, admit_server),
        "admit_operator": await _run(JOBS, admit_operator),
    }


def _pg_reachable() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 5432), timeout=1):
        return True
    return False


async def main() -> None:
    """Run the measurement and print the figures."""
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            results["sqlite"] = await _measure(store)
        finally:
            await store.close()
    if _pg_reachable():
        base = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(base)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            store = await Store.open(base, connect_args={"server_settings": {"search_path": schema}})
            try:
                results["postgres"] = await _measure(store)
            finally:
                await store.close()
        finally:
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()
    parts = []
    for backend, figures in results.items():
        insert, admit, operator = figures["insert"], figures["admit"], figures["admit_operator"]
        print(
            f"{backend:>8}: insert {insert:.2f} ms/job, admit (server limits) {admit:.2f} ms/job, "
            f"admit (+ operator caps: one global lock) {operator:.2f} ms/job"
        )
        parts.append(f"{backend}_admit_vs_insert={admit / insert:.1f}")
        parts.append(f"{backend}_admit_operator_vs_insert={operator / insert:.1f}")
    print("admission: " + " ".join(parts))


if __name__ == "__main__":
    asyncio.run(main())
