"""Full garbage-collection pause of a bot-sized heap, before and after `gc.freeze()`.

The bot's long-lived heap is the imported module graph (discord.py, aiohttp, SQLAlchemy,
pydantic, the bot) plus discord.py's guild cache and the primed settings cache, which grow
with the guilds. This bench imports the bot's whole module graph (`bot.discord.runner`, the cogs),
then builds a stand-in for the caches of `--guilds` guilds: a GUILD_CREATE-shaped payload per
guild (20 channels with permission overwrites, 10 roles) and a primed settings entry per
channel (`ChannelSettings`) and guild (`GuildSettings`). It then times full collections
(`gc.collect()`, the pause a generation-2 collection puts on the event loop) before and after
`bot.priming.freeze_heap()`, in the same process, median of `--rounds`.

Usage: python bench/gc_pause.py [--guilds 1000] [--rounds 5]
The last line is: gc_pause: guilds=N tracked=T full_ms_before=X full_ms_after=Y
"""

from __future__ import annotations

import argparse
import gc
import importlib
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def guild_payload(guild_id: int) -> dict[str, Any]:
    """A GUILD_CREATE-shaped payload (what discord.py keeps, in its own objects, per guild)."""
    roles = [
        {"id": str(guild_id * 100 + r), "name": f"role{r}", "permissions": "2048", "position": r, "color": 0}
        for r in range(10)
    ]
    channels = [
        {
            "id": str(guild_id * 1000 + c),
            "type": 0,
            "name": f"channel-{c}",
            "position": c,
            "nsfw": False,
            "parent_id": None,
            "permission_overwrites": [
                {"id": roles[o]["id"], "type": 0, "allow": "1024", "deny": "0"} for o in range(3)
            ],
        }
        for c in range(20)
    ]
    return {"id": str(guild_id), "name": f"guild {guild_id}", "roles": roles, "channels": channels}


def build_heap(guilds: int) -> list[Any]:
    """Import the bot and build the per-guild caches; return what keeps them alive."""
    importlib.import_module("bot.discord.runner")
    for cog in ("cogs.member", "cogs.chatimage", "cogs.imagine", "cogs.results", "cogs.config"):
        importlib.import_module(cog)
    from bot.policy.schemas import ChannelSettings, GuildSettings

    payloads = [guild_payload(1000 + g) for g in range(guilds)]
    settings = {g: GuildSettings() for g in range(guilds)}
    channels = {(g, c): ChannelSettings() for g in range(guilds) for c in range(20)}
    return [payloads, settings, channels]


def full_collections(rounds: int) -> list[float]:
    """Seconds per full collection, with a working set alive (jobs in flight: 15k objects)."""
    times = []
    for _ in range(rounds):
        live = [{"job": [i], "text": f"prompt {i}"} for i in range(5000)]
        started = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - started)
        del live
    return times


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from bot.priming import freeze_heap

    keep = build_heap(args.guilds)
    gc.collect()
    tracked = len(gc.get_objects())
    before = full_collections(args.rounds)
    seconds = freeze_heap()
    frozen = gc.get_freeze_count()
    after = full_collections(args.rounds)
    ms = [statistics.median(times) * 1e3 for times in (before, after)]
    print(
        f"heap: {tracked} objects tracked by the collector ({args.guilds} guilds); {frozen} frozen"
        f" in {seconds * 1e3:.2f} ms"
    )
    print(
        f"full collection ms, median of {args.rounds}: before freeze {ms[0]:.1f}"
        f" (min {min(before) * 1e3:.1f}, max {max(before) * 1e3:.1f}),"
        f" after {ms[1]:.1f} (min {min(after) * 1e3:.1f}, max {max(after) * 1e3:.1f})"
    )
    summary = f"full_ms_before={ms[0]:.1f} full_ms_after={ms[1]:.1f}"
    print(f"gc_pause: guilds={args.guilds} tracked={tracked} {summary}")
    del keep


if __name__ == "__main__":
    main()
