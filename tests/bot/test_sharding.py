"""Scale-out wiring: `SHARD_COUNT`/`SHARD_IDS` make this process run its slice of the shards."""

from __future__ import annotations

from pathlib import Path

from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_png
from tests.fakes.fake_discord import FakeDiscord


async def test_a_process_runs_only_its_shards_and_serves_their_guilds(
    tmp_path: Path, ai_gateway: FakeAIGateway
) -> None:
    async with FakeDiscord(shard_count=2) as fake:
        owner = fake.gateway.shard_for(fake.world.guild.id)  # the shard Discord routes the guild to
        env = BotEnv(tmp_path, ai_gateway, fake, shard_count=2, shard_ids=[owner])
        await env.start()
        try:
            identifies = [f.d for f in fake.gateway.received if f.op == 2]
            assert [d["shard"] for d in identifies] == [[owner, 2]]  # one process, one slice
            assert env.bot.shard_count == 2
            image = make_png(3_000, seed=5)
            ai_gateway.push("images", ImagesReply([image]))
            h = env.h
            rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "sharded"}))
            result = await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
            assert [f.data for f in result.files] == [image]
        finally:
            await env.stop()
