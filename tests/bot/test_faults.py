"""Faults: Discord 429/5xx, a gateway reconnect mid-job, several users at once (issue 4, item 7)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.checks import AIArrivals, final_result
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_png
from tests.fakes.discord_api import RecordedRequest
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.payloads import FakeUser, FakeWorld

EDIT_ORIGINAL = "/webhooks/*/messages/@original"


def result_edits(requests: list[RecordedRequest]) -> list[RecordedRequest]:
    """PATCHes of the original message carrying files (the result)."""
    return [r for r in requests if r.route == "webhook_edit_original" and r.files]


@pytest.mark.usefixtures("prompt_progress")
@pytest.mark.parametrize("status", [429, 502])
async def test_a_rate_limited_or_failing_result_edit_is_retried(bot_env: BotEnv, status: int) -> None:
    h = bot_env.h
    image = make_png(20_000, seed=2)
    bot_env.ai.push("images", ImagesReply([image], delay=0.3))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "retry me"}))
    # Let the progress edit through first, so the fault hits the result itself.
    await rec.wait_for(
        lambda r: r.route == "webhook_edit_original" and "Generating" in r.data.get("content", "")
    )
    h.api.inject_fault("PATCH", EDIT_ORIGINAL, status=status, times=1, retry_after=0.2)
    edit = await final_result(rec, timeout=15)
    assert [f.data for f in edit.files] == [image]
    failed, landed = result_edits(rec.requests)
    assert failed.status == status
    assert landed is edit
    assert [f.data for f in failed.files] == [image]  # the retry re-sent the same bytes
    if status == 429:
        assert landed.timestamp - failed.answered_at >= 0.2  # Retry-After honoured
    assert rec.state.original is not None
    assert len(rec.state.original.attachments) == 1


async def test_a_gateway_reconnect_during_a_job_loses_nothing(bot_env: BotEnv) -> None:
    h = bot_env.h
    gateway = h.gateway
    image = make_png(8_000, seed=6)
    bot_env.ai.push("images", ImagesReply([image], delay=0.5))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "through the storm"}))
    await bot_env.ai_request("/images/generations")  # the job is running
    since = len(gateway.received)
    await gateway.reconnect(0)  # op 7 RECONNECT
    # An interaction dispatched while the shard is away is replayed on RESUME.
    missed = await h.interact(h.payloads.slash("imagine", options={"prompt": "sent while away"}))
    resume = await gateway.wait_for(lambda f: f.op == 6, since=since)
    assert resume.d["session_id"] == gateway.session(0).session_id
    edit = await final_result(rec)
    assert [f.data for f in edit.files] == [image]
    assert (await final_result(missed)).files
    assert gateway.session(0).resumes == 1
    assert len(gateway.sessions) == 1


@pytest.fixture
async def crowd(tmp_path: Path, ai_gateway: FakeAIGateway) -> AsyncIterator[tuple[BotEnv, list[FakeUser]]]:
    """A bot in a guild with five human members."""
    world = FakeWorld.default()
    extra = [world.add_member(world.guild, f"user{i}") for i in range(2)]
    users = [world.owner, world.alice, world.moderator, *extra]
    async with FakeDiscord(world) as fake:
        env = BotEnv(tmp_path, ai_gateway, fake)
        await env.start()
        try:
            yield env, users
        finally:
            await env.stop()


async def test_five_users_are_served_in_parallel(crowd: tuple[BotEnv, list[FakeUser]]) -> None:
    env, users = crowd
    h = env.h
    hold = 1.0
    arrivals = AIArrivals(env.ai)
    images = [make_png(4_000, seed=i) for i in range(5)]
    env.ai.push("images", *[ImagesReply([image], delay=hold) for image in images])
    records = [
        await h.interact(h.payloads.slash("imagine", options={"prompt": f"portrait {i}"}, user=user))
        for i, user in enumerate(users)
    ]
    edits = await asyncio.gather(*(final_result(rec) for rec in records))
    arrived = [t for t, _ in arrivals.on("/images/generations")]
    assert len(arrived) == 5
    # All five reached the gateway before the first could have been answered (an order, not a
    # duration: a loaded machine slows both sides alike).
    first_result = min(edit.timestamp for edit in edits)
    assert max(arrived) < first_result
    # Each requester got one result, and each deferral came within Discord's 3 seconds.
    assert sorted(bytes(e.files[0].data) for e in edits) == sorted(images)
    for rec in records:
        deferral = await rec.callback()
        assert deferral.json["type"] == 5
        assert deferral.timestamp < first_result  # deferred before any generation ended
        assert deferral.ok  # the fake refuses a deferral after Discord's 3 seconds
    for rec, edit, user in zip(records, edits, users, strict=True):
        assert rec.state.user["id"] == str(user.id)
        allowed = edit.data["allowed_mentions"]
        assert allowed["parse"] == []
        assert {int(u) for u in allowed.get("users") or []} <= {user.id}
