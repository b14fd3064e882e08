"""A job waiting in the queue can be cancelled by its requester (nothing sent, nothing billed)."""

from __future__ import annotations

import asyncio

import pytest

from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.fakes.ai_gateway import ImagesReply, make_png
from tests.fakes.discord_api import RecordedRequest


def cancel_id(edit: RecordedRequest) -> str | None:
    for row in edit.data.get("components") or []:
        for component in row.get("components", []):
            if str(component.get("custom_id", "")).startswith("ib:cancel:"):
                return str(component["custom_id"])
    return None


async def queued(rec: InteractionRecord) -> str:
    """Wait for the "Queued" progress edit and return its Cancel button's custom_id."""
    edit = await rec.wait_for(
        lambda r: r.route == "webhook_edit_original" and cancel_id(r) is not None, timeout=10
    )
    assert "Queued — position 1" in edit.data["content"]
    found = cancel_id(edit)
    assert found is not None
    return found


@pytest.mark.usefixtures("prompt_progress")
async def test_requester_cancels_a_queued_job(one_slot: BotEnv) -> None:
    env = one_slot
    h = env.h
    world = h.fake.world
    env.ai.push("images", ImagesReply([make_png(2_000)], delay=0.5))  # holds the only slot
    first = await h.interact(h.payloads.slash("imagine", options={"prompt": "first"}, user=world.moderator))
    await env.ai_request("/images/generations")
    second = await h.interact(h.payloads.slash("imagine", options={"prompt": "second"}))
    custom_id = await queued(second)

    # Someone else may not cancel it.
    other = await h.interact(second.click(custom_id, user=world.user("owner"), permissions=0))
    refusal = await other.wait_message(lambda m: not m.loading)
    assert refusal.ephemeral
    assert "Only the member who asked" in refusal.content

    click = await h.interact(second.click(custom_id))
    answer = await click.callback()
    assert answer.json["type"] == 7  # the queued message itself becomes "Cancelled"
    assert "Cancelled" in answer.json["data"]["content"]
    assert answer.json["data"]["components"] == []

    await first.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    prompts = [r.json["prompt"] for r in env.ai.requests if r.path.endswith("/images/generations")]
    assert prompts == ["first"]  # the cancelled job never reached the gateway
    job_id = custom_id.rsplit(":", 1)[1]
    job = await env.bot.store.get_job(job_id)
    assert job is not None
    assert job.status == "cancelled"
    assert job.error == "cancelled"
    assert (job.charge_images, job.charge_cost) == (0, 0)  # nothing was sent: nothing is charged
    assert not [r for r in second.requests if r.files]  # no result was posted


@pytest.mark.usefixtures("prompt_progress")
async def test_cancel_after_the_job_started_is_refused(one_slot: BotEnv) -> None:
    env = one_slot
    h = env.h
    env.ai.push("images", ImagesReply([make_png(2_000)], delay=0.5), ImagesReply([make_png(2_000, seed=1)]))
    first = await h.interact(
        h.payloads.slash("imagine", options={"prompt": "first"}, user=h.fake.world.moderator)
    )
    await env.ai_request("/images/generations")
    second = await h.interact(h.payloads.slash("imagine", options={"prompt": "second"}))
    custom_id = await queued(second)
    await env.ai_request("/images/generations")  # the second job left the queue
    late = await h.interact(second.click(custom_id))
    answer = await late.wait_message(lambda m: not m.loading)
    assert answer.ephemeral
    assert "already started" in answer.content
    result = await second.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    assert result.files
    await first.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
