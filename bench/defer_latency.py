"""Time from INTERACTION_CREATE to the deferral reaching Discord, for the real bot under load.

Runs the real `ImageBot` (cogs, tree, services, discord.py) against the fake Discord and the
fake AI gateway on 127.0.0.1 and sends 50 `/imagine` interactions, 10 in flight at once, from
10 members. The fake gateway holds each generation for a while so the jobs overlap. The latency
is measured by the fake Discord: from its dispatch of INTERACTION_CREATE (the moment the
3-second window starts) to the arrival of the type-5 callback. Prints the distribution and, last,
one summary line. Target: < 50 ms after arrival; budget < 250 ms, p99 < 100 ms (README, Performance).

Usage: python bench/defer_latency.py [--interactions 50] [--in-flight 10] [--hold 0.3] [--image-bytes N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.bot.conftest import BotEnv  # the same wiring as the tests
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_png
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.payloads import FakeWorld


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def run(interactions: int, in_flight: int, hold: float, image_bytes: int) -> list[float]:
    """Send the interactions; return each deferral latency in seconds."""
    world = FakeWorld.default()
    members = [world.add_member(world.guild, f"member{i}") for i in range(in_flight)]
    image = make_png(image_bytes, seed=1)
    latencies: list[float] = []
    lags: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeAIGateway() as ai, FakeDiscord(world) as fake:
            ai.push("images", *[ImagesReply([image], delay=hold) for _ in range(interactions)])
            env = BotEnv(Path(tmp), ai, fake, max_concurrent_jobs=in_flight)
            await env.start()
            try:
                h = env.h
                slots = asyncio.Semaphore(in_flight)
                stop = asyncio.Event()

                async def watch_loop() -> None:  # how late a 10 ms timer fires = loop blocking
                    while not stop.is_set():
                        start = time.perf_counter()
                        await asyncio.sleep(0.01)
                        lags.append(time.perf_counter() - start - 0.01)

                async def one(n: int) -> None:
                    async with slots:
                        user = members[n % len(members)]
                        payload = h.payloads.slash("imagine", options={"prompt": f"bench {n}"}, user=user)
                        rec = await h.interact(payload)
                        deferral = await rec.callback(timeout=10)
                        assert deferral.ok, deferral
                        assert deferral.json["type"] == 5, deferral
                        latencies.append(deferral.timestamp - rec.state.dispatched_at)
                        await rec.wait_for(
                            lambda r: r.route == "webhook_edit_original" and bool(r.files) and r.ok,
                            timeout=30,
                        )

                watcher = asyncio.create_task(watch_loop())
                await asyncio.gather(*(one(n) for n in range(interactions)))
                stop.set()
                await watcher
                failed = [r for r in h.api.requests if r.status >= 400]
                if failed:
                    print(f"failed Discord requests: {[str(r) for r in failed]}")
            finally:
                await env.stop()
    print(f"event loop lag (10 ms timer): max {max(lags) * 1000:.1f} ms")
    return latencies


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=50)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--hold", type=float, default=0.3, help="seconds the fake gateway holds each job")
    parser.add_argument("--image-bytes", type=int, default=50_000, help="size of the image each job returns")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    latencies = asyncio.run(run(args.interactions, args.in_flight, args.hold, args.image_bytes))
    wall = time.perf_counter() - started
    ms = [v * 1000 for v in latencies]
    print(
        f"interactions: {len(ms)} ({args.in_flight} in flight, gateway hold {args.hold} s), wall {wall:.1f} s"
    )
    print(f"min {min(ms):.1f} ms  p50 {statistics.median(ms):.1f} ms  p90 {percentile(ms, 0.9):.1f} ms")
    print(f"p99 {percentile(ms, 0.99):.1f} ms  max {max(ms):.1f} ms  mean {statistics.fmean(ms):.1f} ms")
    print(
        f"SUMMARY defer latency over {len(ms)} interactions, {args.in_flight} in flight: "
        f"median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms"
    )


if __name__ == "__main__":
    main()
