"""Results survive Discord faults on upload (issue 10, item 2).

Discord answers the result's requests with 429/5xx storms longer than discord.py's own five
tries; the bot retries within `DELIVERY_RETRY_SECONDS`, then a public result goes to the channel
and a private one waits for `/job`, and the member is told exactly what is missing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.bot.cards import assert_card, card_text, gallery_items
from tests.bot.checks import final_result
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.fakes.ai_gateway import ChatReply, ImagesReply, make_png
from tests.fakes.discord_api import RecordedRequest

EDIT_ORIGINAL = "/webhooks/*/messages/@original"
FOLLOWUP = "/webhooks/*"
CHANNEL_POST = "/channels/*/messages"
RETRY_SECONDS = 3.0  # DELIVERY_RETRY_SECONDS for these bots: storms outlast it on purpose
# Four images of 6.5 MiB: three fit one message (25 MiB), the fourth needs a second one.
BIG = int(6.5 * 2**20)


def carries_files(record: RecordedRequest) -> bool:
    return bool(record.files)


@pytest.fixture
async def env(start_bot: Callable[..., Awaitable[BotEnv]]) -> BotEnv:
    return await start_bot(delivery_retry_seconds=RETRY_SECONDS)


async def imagine(env: BotEnv, prompt: str, **options: object) -> InteractionRecord:
    return await env.h.interact(env.h.payloads.slash("imagine", options={"prompt": prompt, **options}))


def uploaded(requests: list[RecordedRequest]) -> list[bytes]:
    """Bytes of every file Discord accepted, in order."""
    return [bytes(f.data) for r in requests if r.ok for f in r.files]


async def test_a_429_storm_longer_than_discord_py_retries_is_ridden_out(env: BotEnv) -> None:
    h = env.h
    image = make_png(20_000, seed=71)
    env.ai.push("images", ImagesReply([image]))
    # Eight 429s: discord.py gives up after five, the bot tries again and gets through.
    fault = h.api.inject_fault(
        "PATCH", EDIT_ORIGINAL, status=429, times=8, retry_after=0.05, when=carries_files
    )
    rec = await imagine(env, "through the storm")
    edit = await final_result(rec, timeout=30)
    assert [f.data for f in edit.files] == [image]
    assert fault.hits == 8
    refused = [r for r in rec.requests if r.route == "webhook_edit_original" and r.files and r.status == 429]
    assert len(refused) == 8
    assert all([f.data for f in r.files] == [image] for r in refused)  # every retry re-sent the bytes
    assert not [r for r in h.api.requests if r.route == "channel_send"]  # no fallback was needed


async def test_a_public_followup_refused_past_the_retries_is_posted_in_the_channel(env: BotEnv) -> None:
    h = env.h
    images = [make_png(BIG, seed=72 + i) for i in range(4)]
    env.ai.push("images", ImagesReply(images))
    # Every followup carrying files is rate limited, far past discord.py's five tries.
    h.api.inject_fault("POST", FOLLOWUP, status=429, times=10_000, retry_after=0.05, when=carries_files)
    rec = await imagine(env, "four big ones", count=4)
    first = await final_result(rec, timeout=30)
    assert [f.data for f in first.files] == images[:3]
    post = await h.api.wait_for(lambda r: r.route == "channel_send" and bool(r.files) and r.ok, timeout=30)
    assert [f.data for f in post.files] == images[3:]  # image 4, byte for byte: nothing lost
    lead = assert_card(post)["components"][0]  # a card: the mention and the note are above it
    assert lead["content"].startswith(f"<@{h.fake.world.alice.id}>\n")
    assert "Discord would not take the reply" in lead["content"]  # the member is told why it is here
    allowed = post.data["allowed_mentions"]
    assert allowed["parse"] == []
    assert {int(u) for u in allowed.get("users") or []} == {h.fake.world.alice.id}
    refused = [r for r in rec.requests if r.route == "webhook_execute" and r.files]
    assert len(refused) > 5  # retried beyond discord.py's own five tries
    assert all(r.status == 429 for r in refused)


async def test_a_private_result_discord_refuses_is_kept_for_job(env: BotEnv) -> None:
    h = env.h
    image = make_png(30_000, seed=80)
    env.ai.push("images", ImagesReply([image]))
    h.api.inject_fault("PATCH", EDIT_ORIGINAL, status=429, times=10_000, retry_after=0.05, when=carries_files)
    h.api.inject_fault("POST", FOLLOWUP, status=429, times=10_000, retry_after=0.05, when=carries_files)
    rec = await imagine(env, "a private one", private=True)
    told = await rec.wait_message(lambda m: "/job" in m.content and not m.attachments, timeout=60)
    assert told.ephemeral
    [job] = await env.bot.store.recent_jobs(h.fake.world.guild.id, limit=1)
    assert "Discord would not take them" in told.content
    assert f"`/job {job.id}`" in told.content
    assert not [r for r in h.api.requests if r.route == "channel_send"]  # private stays private
    # /job hands the images over, privately, byte for byte.
    ask = await h.interact(h.payloads.slash("job", options={"job_id": job.id}))
    answer = await ask.wait_message(lambda m: bool(m.attachments), timeout=10)
    assert answer.ephemeral
    assert [bytes(a.data) for a in answer.attachments] == [image]
    # Someone else asking for the job does not get the images.
    other = await h.interact(h.payloads.slash("job", options={"job_id": job.id}, user=h.fake.world.owner))
    reply = await other.wait_message(lambda m: not m.loading, timeout=10)
    assert not reply.attachments


async def test_a_partly_delivered_result_says_which_images_are_missing(env: BotEnv) -> None:
    h = env.h
    images = [make_png(BIG, seed=90 + i) for i in range(4)]
    env.ai.push("images", ImagesReply(images))
    # The case: a 502 on the followup (discord.py retries it for ~25 s, then gives up),
    # and the channel is rate limited for longer than the retry budget too.
    h.api.inject_fault("POST", FOLLOWUP, status=502, times=10_000, when=carries_files)
    h.api.inject_fault("POST", CHANNEL_POST, status=429, times=10_000, retry_after=0.05, when=carries_files)
    rec = await imagine(env, "four big ones, one lost", count=4)
    first = await final_result(rec, timeout=30)
    assert [f.data for f in first.files] == images[:3]
    told = await rec.wait_message(lambda m: "could not be posted" in m.content, timeout=90)
    assert told.ephemeral
    [job] = await env.bot.store.recent_jobs(h.fake.world.guild.id, limit=1)
    assert "Image 4 of 4 could not be posted" in told.content
    assert f"`/job {job.id}`" in told.content
    ask = await h.interact(h.payloads.slash("job", options={"job_id": job.id}))
    answer = await ask.wait_message(lambda m: bool(m.attachments), timeout=10)
    assert [bytes(a.data) for a in answer.attachments] == images[3:]
    assert "Image 4 of job" in card_text(answer)
    assert [item["media"]["url"] for item in gallery_items(answer)] == [a.url for a in answer.attachments]


async def test_streamed_text_rides_out_a_429_storm(env: BotEnv) -> None:
    h = env.h
    image = make_png(4_000, seed=99)
    words = ["Here ", "is ", "the ", "whole ", "answer."]
    env.ai.push("chat", ChatReply(text_deltas=words, images=[image]))

    def text_edit(record: RecordedRequest) -> bool:
        return not record.files and "Here" in str((record.json or {}).get("content", ""))

    # 16 refusals: more than three of discord.py's five-try rounds, after which the streamed
    # message used to be given up (and the text lost).
    fault = h.api.inject_fault("PATCH", EDIT_ORIGINAL, status=429, times=16, retry_after=0.05, when=text_edit)
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "say it and draw it"}))
    shown = await rec.wait_message(lambda m: "Here is the whole answer." in m.content, timeout=60)
    assert fault.hits == 16
    assert not shown.ephemeral
    result = await rec.wait_message(lambda m: bool(m.attachments), timeout=30)
    assert [bytes(a.data) for a in result.attachments if a.data] == [image]


async def test_a_missing_channel_permission_is_named_to_the_member(env: BotEnv) -> None:
    h = env.h
    env.ai.push("images", ImagesReply([make_png(2_000, seed=5)]))
    # Discord refuses the upload: the bot lacks Attach Files in this channel.
    h.api.inject_fault(
        "PATCH", EDIT_ORIGINAL, status=403, code=50013, message="Missing Permissions", when=carries_files
    )
    rec = await imagine(env, "no attach files here")
    told = await rec.wait_message(lambda m: "missing a permission" in m.content, timeout=30)
    assert (
        "I am missing a permission in this channel (Send Messages, Embed Links or Attach Files)."
        in told.content
    )
    assert "Ask a server admin to check my role." in told.content
