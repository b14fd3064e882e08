"""Start-up priming of the settings cache: one task per GUILD_CREATE vs `GuildPrimer` batches.

At start-up discord.py dispatches one `on_guild_available` per guild, each as its own task.
Before: each primed its guild with two queries (`Store.prime_guilds` of one guild), all at once.
Now: `GuildPrimer` gathers them and primes 100 guilds per two queries (`Store.prime_guilds`).
Both run in the same process on the same SQLite database (a fresh `Store` each, empty caches):
`--guilds` guilds of `--channels` channels, one guild in ten with stored settings and one
channel override. The figure is the time from the last guild handed over (the last
GUILD_CREATE) to the cache being warm, and both variants must leave the same cache.

Usage: python bench/priming.py [--guilds 1000] [--channels 8]
The last line is: priming: guilds=N warm_ms_per_guild_task=X warm_ms_batched=Y speedup=Z
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def measure(guilds: int, channels: int) -> tuple[float, float]:
    """Seconds to a warm cache: one task per guild, then batched."""
    from bot.priming import GuildPrimer
    from bot.storage import Store

    layout = {1000 + g: [10_000 * (g + 1) + c for c in range(channels)] for g in range(guilds)}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'prime.sqlite3'}"
        setup = await Store.open(url)
        try:
            for guild_id in list(layout)[::10]:
                await setup.update_guild_settings(guild_id, 1, max_count=3)
                await setup.update_channel_settings(guild_id, layout[guild_id][0], 1, aspect_ratio="16:9")
        finally:
            await setup.close()

        before = await Store.open(url)
        try:
            started = time.perf_counter()
            tasks = [asyncio.create_task(before.prime_guilds({g: c})) for g, c in layout.items()]
            last_handed = time.perf_counter() - started
            await asyncio.gather(*tasks)
            per_guild = time.perf_counter() - started - last_handed
            snapshot = [
                (before.get_cached_guild_settings(g), [before.get_cached_channel_settings(g, c) for c in cs])
                for g, cs in layout.items()
            ]
        finally:
            await before.close()

        after = await Store.open(url)
        try:
            primer = GuildPrimer(after.prime_guilds)
            started = time.perf_counter()
            for guild_id, channel_ids in layout.items():
                primer.add(guild_id, channel_ids)
            last_handed = time.perf_counter() - started
            await primer.wait_idle()
            batched = time.perf_counter() - started - last_handed
            again = [
                (after.get_cached_guild_settings(g), [after.get_cached_channel_settings(g, c) for c in cs])
                for g, cs in layout.items()
            ]
        finally:
            await after.close()
    if again != snapshot or any(guild is None for guild, _ in again):
        raise SystemExit("the batched priming left a different cache")
    return per_guild, batched


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=8, help="per guild (the cache keeps 10,000)")
    args = parser.parse_args()
    per_guild, batched = asyncio.run(measure(args.guilds, args.channels))
    print(
        f"{args.guilds} guilds x {args.channels} channels on SQLite; cache warm after the last guild: "
        f"one task per guild {per_guild * 1e3:.0f} ms, batched {batched * 1e3:.0f} ms (target <= 500 ms)"
    )
    print(
        f"priming: guilds={args.guilds} warm_ms_per_guild_task={per_guild * 1e3:.0f} "
        f"warm_ms_batched={batched * 1e3:.0f} speedup={per_guild / batched:.1f}"
    )


if __name__ == "__main__":
    main()
