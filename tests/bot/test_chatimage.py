"""`/chatimage` end to end through discord.py against the fakes (issue 4, item 3)."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections import defaultdict

import pytest

from tests.bot.checks import (
    AIArrivals,
    assert_no_secrets,
    assert_nobody_pinged,
    ephemeral_answer,
    final_result,
    message_requests,
)
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.fakes.ai_gateway import ChatReply, ImagesReply, make_png, stream_error
from tests.fakes.discord_api import RecordedRequest

MiB = 2**20
EDIT_ROUTES = ("webhook_edit_original", "webhook_edit_message")


def edits_by_message(requests: list[RecordedRequest]) -> dict[str, list[RecordedRequest]]:
    """Successful text edits grouped by the message they edit (path)."""
    grouped: dict[str, list[RecordedRequest]] = defaultdict(list)
    for request in requests:
        if request.route in EDIT_ROUTES and request.ok and "content" in request.data:
            grouped[request.path].append(request)
    return grouped


async def result_followup(rec: InteractionRecord, *, timeout: float = 15) -> RecordedRequest:  # noqa: ASYNC109
    """The followup carrying the images (the streamed text keeps the original message)."""
    return await rec.wait_for(
        lambda r: r.route == "webhook_execute" and bool(r.files) and r.ok, timeout=timeout
    )


async def test_streamed_text_is_shown_by_throttled_edits_and_overflows_into_a_followup(
    bot_env: BotEnv,
) -> None:
    arrivals = AIArrivals(bot_env.ai)
    h = bot_env.h
    words = [f"word{i:03d} " for i in range(300)]  # 2,400 characters in 300 deltas
    image = make_png(40_000, seed=3)
    bot_env.ai.push("chat", ChatReply(text_deltas=words, images=[image], delay=0.006))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "tell me and draw"}))
    deferral = await rec.callback()
    assert deferral.json["type"] == 5  # "thinking…"
    result = await result_followup(rec)
    assert deferral.answered_at <= arrivals.on("/chat/completions")[0][0]
    request = (await bot_env.ai_request("/chat/completions")).json
    assert request["stream"] is True
    assert request["modalities"] == ["text", "image"]
    assert request["stream_options"] == {"include_usage": True}

    assert [f.data for f in result.files] == [image]
    full = "".join(words)
    grouped = edits_by_message(rec.requests)
    streamed = [edits for edits in grouped.values() if any("word" in e.data["content"] for e in edits)]
    first_message = next(e for e in grouped.values() if e[0].route == "webhook_edit_original")
    text_edits = [e for e in first_message if "word" in e.data["content"]]
    assert len(text_edits) >= 2, "the text should grow by several edits"
    assert len(text_edits) < len(words) / 10, "edits should be coalesced"
    for edits in streamed:
        for edit in edits:
            assert len(edit.data["content"]) <= 2000
        for earlier, later in itertools.pairwise(edits):
            gap = later.timestamp - earlier.timestamp
            # Stamped on arrival at the fake: a loaded machine can delay the earlier request's
            # arrival, so the bound is half the bot's spacing (unthrottled edits arrive ms apart).
            if "word" in earlier.data["content"]:
                assert gap >= 0.5, "streamed edits of one message are spaced about 1 s apart"
            else:  # the progress text: the first streamed text follows it after a quarter second
                assert gap >= 0.1, "the first streamed edit waits after the progress edit"
    # The text beyond 2,000 characters continues in a followup; together they are the whole text.
    overflow = next(
        r for r in rec.requests if r.route == "webhook_execute" and "word" in (r.data.get("content") or "")
    )
    first, second = rec.state.original, h.api.messages[int(overflow.response["id"])]
    assert first is not None
    assert len(first.content) <= 2000
    assert first.content + second.content == full
    assert overflow.timestamp < result.timestamp  # images come after the text
    assert_nobody_pinged(h, requester=h.fake.world.alice.id)
    assert_no_secrets(h)


async def test_image_option_is_sent_as_a_data_url_part(bot_env: BotEnv) -> None:
    h = bot_env.h
    picture = make_png(5_000, seed=9)
    attachment = h.api.add_cdn_file("cat.png", picture)
    rec = await h.interact(
        h.payloads.slash("chatimage", options={"prompt": "make it blue", "image": attachment})
    )
    request = (await bot_env.ai_request("/chat/completions")).json
    (message,) = request["messages"]
    text, part = message["content"]
    assert text == {"type": "text", "text": "make it blue"}
    assert part["type"] == "image_url"
    prefix = "data:image/png;base64,"
    assert part["image_url"]["url"].startswith(prefix)
    assert base64.b64decode(part["image_url"]["url"][len(prefix) :]) == picture
    await rec.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)


async def test_a_non_image_attachment_is_refused_before_the_gateway(bot_env: BotEnv) -> None:
    h = bot_env.h
    attachment = h.api.add_cdn_file("notes.txt", b"just some text", content_type="text/plain")
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "edit", "image": attachment}))
    answer = await ephemeral_answer(rec)
    assert answer.route == "interaction_callback"  # refused at once, no deferral
    assert answer.data["flags"] == 64
    assert "PNG, JPEG, WebP or GIF" in answer.data["content"]
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]


async def test_a_too_large_attachment_is_refused_before_the_gateway(bot_env: BotEnv) -> None:
    h = bot_env.h
    attachment = h.api.add_cdn_file("huge.png", make_png(21 * MiB))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "edit", "image": attachment}))
    answer = await ephemeral_answer(rec)
    assert answer.route == "interaction_callback"
    assert answer.data["flags"] == 64
    assert "limit is 20 MB" in answer.data["content"]
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]
    assert not [r for r in h.api.requests if r.path.startswith("/cdn")]  # not even downloaded


async def test_an_attachment_lying_about_its_size_is_cut_off_at_the_cap(bot_env: BotEnv) -> None:
    h = bot_env.h
    attachment = h.api.add_cdn_file("liar.png", make_png(21 * MiB))
    attachment["size"] = 4096  # the metadata says small; the CDN serves 21 MB
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "edit", "image": attachment}))
    answer = await ephemeral_answer(rec)
    assert answer.data["flags"] == 64
    assert "larger than 20 MB" in answer.data["content"]
    assert [r for r in h.api.requests if r.path.startswith("/cdn")]  # it was downloaded, then refused
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]


async def test_an_attachment_lying_about_its_type_is_refused_after_download(bot_env: BotEnv) -> None:
    h = bot_env.h
    attachment = h.api.add_cdn_file("fake.png", b"<html>not an image</html>", content_type="image/png")
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "edit", "image": attachment}))
    answer = await ephemeral_answer(rec)
    assert answer.data["flags"] == 64
    assert "PNG, JPEG, WebP or GIF" in answer.data["content"]
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]


async def test_an_error_mid_stream_keeps_the_text_and_adds_the_reason(bot_env: BotEnv) -> None:
    h = bot_env.h
    bot_env.ai.push(
        "chat",
        ChatReply(
            text_deltas=["Here is ", "the start"],
            error=stream_error("Image blocked by the provider's safety filter"),
        ),
    )
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "something"}))

    def final(r: RecordedRequest) -> bool:
        return r.route == "webhook_edit_original" and "⚠️" in (r.data.get("content") or "")

    edit = await rec.wait_for(final, timeout=10)
    content = edit.data["content"]
    assert content.startswith("Here is the start")
    assert "refused this prompt under its content policy" in content  # the reason, from the one table
    assert "safety filter" not in content  # the gateway's own words stay in the log
    assert "error id" in content
    assert "Traceback" not in content
    assert "AI_TypeValidationError" not in content  # no raw body
    assert rec.state.original is not None
    assert rec.state.original.content == content
    assert not [r for r in message_requests(h) if r.files]


async def test_sse_in_seven_byte_writes(bot_env: BotEnv) -> None:
    h = bot_env.h
    image = make_png(20_000, seed=4)
    bot_env.ai.push("chat", ChatReply(text_deltas=["Sm", "all ", "bites"], images=[image], chunk_size=7))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "tiny chunks"}))
    result = await result_followup(rec, timeout=20)
    assert [f.data for f in result.files] == [image]
    assert rec.state.original is not None
    assert rec.state.original.content == "Small bites"


async def test_an_8_mb_image_in_one_sse_line_arrives_intact(bot_env: BotEnv) -> None:
    h = bot_env.h
    image = make_png(8 * 10**6, seed=8)
    bot_env.ai.push("chat", ChatReply(text_deltas=[], images=[image]))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "big one"}))
    # No text: the image replaces the "thinking" message.
    edit = await rec.wait_for(
        lambda r: r.route == "webhook_edit_original" and bool(r.files) and r.ok, timeout=20
    )
    (uploaded,) = edit.files
    assert uploaded.size == len(image)
    assert uploaded.data == image


@pytest.mark.usefixtures("prompt_progress")
async def test_queue_position_then_stream_edits_stay_within_the_edit_limits(one_slot: BotEnv) -> None:
    h = one_slot.h
    world = h.fake.world
    one_slot.ai.push("images", ImagesReply([make_png(2_000)], delay=0.4))
    busy = await h.interact(h.payloads.slash("imagine", options={"prompt": "first"}, user=world.moderator))
    await one_slot.ai_request("/images/generations")  # the only slot is taken
    one_slot.ai.push(
        "chat", ChatReply(text_deltas=["queued ", "then ", "streamed"], images=[make_png(3_000)])
    )
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "second"}))
    queued = await rec.wait_for(
        lambda r: r.route == "webhook_edit_original" and "position 1" in r.data.get("content", "")
    )
    await result_followup(rec)
    await final_result(busy)
    edits = [r for r in rec.requests if r.route == "webhook_edit_original" and r.ok]
    assert edits[0] is queued
    assert any("streamed" in e.data.get("content", "") for e in edits)
    shown = [e.data.get("content") for e in edits]
    assert not any("Generating" in (text or "") for text in shown), "no progress edit within 10 s"
    for earlier, later in itertools.pairwise(edits):
        # The first streamed text may follow the queue text after a quarter second; streamed
        # edits of one message stay a second apart. Arrival stamps jitter on a loaded machine,
        # hence half the bot's spacing as the bound (unthrottled edits arrive ms apart).
        least = 0.1 if earlier is queued else 0.5
        assert later.timestamp - earlier.timestamp >= least, shown


async def test_a_private_channel_default_unknown_at_deferral_keeps_the_stream_private(
    bot_env: BotEnv,
) -> None:
    world = bot_env.h.fake.world
    # A channel made after start-up: its overrides are not cached, the deferral guesses public.
    late = world.add_channel(world.guild, "late")
    await bot_env.bot.store.update_channel_settings(
        world.guild.id, late.id, world.moderator.id, private_by_default=True
    )
    h = bot_env.h
    image = make_png(3_000, seed=13)
    bot_env.ai.push("chat", ChatReply(text_deltas=["only ", "for ", "you"], images=[image]))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "whisper"}, channel=late))
    result = await result_followup(rec)
    assert [f.data for f in result.files] == [image]
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    shown = [m for m in h.api.messages.values() if not m.deleted and (m.content or m.attachments)]
    assert shown, "the text and the images were shown"
    assert all(m.ephemeral for m in shown), [(m.content, m.flags) for m in shown]
    assert any(m.content == "only for you" for m in shown)
