"""Cost of resolving a member's options for one interaction: cached vs uncached settings.

What an interaction pays before deferral: read the guild's (and channel's) settings, moderate
the prompt and resolve options (`GenerationService.cached_settings` + `plan`). Cached = the
in-memory LRU (the normal case: the cache is warmed on GUILD_CREATE); uncached = a database
read (SQLite file, and PostgreSQL when reachable). Prints µs per interaction (median of rounds)
and, last, one summary line.

Usage: python bench/settings_resolution.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.policy import GlobalDefaults, RequestedOptions, check_prompt, resolve_options
from bot.storage import Store

GUILDS = 200
ROUNDS = 7
PER_ROUND = 2000
AVAILABLE = [f"bfl/model-{i}" for i in range(40)] + ["openai/gpt-image-1"]
PROMPT = "A lighthouse on a cliff at dusk, oil painting, dramatic clouds, seagulls, warm light"
REQUESTED = RequestedOptions(model=None, count=2, aspect_ratio="16:9", private=None)
DEFAULTS = GlobalDefaults(image_model="openai/gpt-image-1")


async def _seed(store: Store) -> None:
    for gid in range(1, GUILDS + 1):
        await store.update_guild_settings(
            gid,
            1,
            image_model="bfl/model-3",
            max_count=4,
            blocked_terms=[f"blocked{i}" for i in range(50)],
            flagged_terms=["gore", "blood"],
            allowed_models=AVAILABLE[:10],
        )
        await store.update_channel_settings(gid, 10_000 + gid, 1, aspect_ratio="1:1")


def _plan(guild: object, channel: object) -> None:
    verdict = check_prompt(PROMPT, guild)  # type: ignore[arg-type]
    assert verdict.blocked_rule is None
    resolve_options(
        REQUESTED,
        guild,
        channel,
        DEFAULTS,
        image=True,
        channel_is_nsfw=False,
        available_models=AVAILABLE,  # type: ignore[arg-type]
    )


async def _cached(store: Store) -> float:
    for gid in range(1, GUILDS + 1):  # warm
        await store.get_guild_settings(gid)
        await store.get_channel_settings(gid, 10_000 + gid)
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for i in range(PER_ROUND):
            gid = i % GUILDS + 1
            guild = store.get_cached_guild_settings(gid)
            channel = store.get_cached_channel_settings(gid, 10_000 + gid)
            assert guild is not None
            _plan(guild, channel)
        samples.append((time.perf_counter() - started) / PER_ROUND * 1e6)
    return statistics.median(samples)


async def _uncached(url: str, connect_args: dict[str, object] | None = None) -> float:
    samples = []
    per_round = 300
    for _ in range(ROUNDS):
        # cache_size=1 and distinct guilds in turn: every read goes to the database.
        store = await Store.open(url, connect_args=connect_args, cache_size=1)
        try:
            started = time.perf_counter()
            for i in range(per_round):
                gid = i % GUILDS + 1
                guild = await store.get_guild_settings(gid)
                channel = await store.get_channel_settings(gid, 10_000 + gid)
                _plan(guild, channel)
            samples.append((time.perf_counter() - started) / per_round * 1e6)
        finally:
            await store.close()
    return statistics.median(samples)


def _pg_reachable() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 5432), timeout=1):
        return True
    return False


async def main() -> None:
    """Run the measurement and print the figures."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        store = await Store.open(url)
        try:
            await _seed(store)
            results["cached"] = await _cached(store)
        finally:
            await store.close()
        results["uncached_sqlite"] = await _uncached(url)
    if _pg_reachable():
        base = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        args = {"server_settings": {"search_path": schema}}
        admin = create_async_engine(base)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            store = await Store.open(base, connect_args=args)
            try:
                await _seed(store)
            finally:
                await store.close()
            results["uncached_postgres"] = await _uncached(base, args)
        finally:
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()
    for name, micros in results.items():
        print(f"{name:>18}: {micros:9.1f} µs per interaction")
    parts = " ".join(f"{name}_us={micros:.1f}" for name, micros in results.items())
    ratio = results["uncached_sqlite"] / results["cached"]
    print(f"settings_resolution: {parts} uncached_sqlite_vs_cached={ratio:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
