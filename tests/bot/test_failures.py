"""Every failure answers: one short ephemeral message with an error id (issue 4, item 4).

Each case fails one `/imagine` and then runs a normal one, proving the bot keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

import discord
import pytest

from tests.bot.checks import (
    GATEWAY_KEY,
    LEAK_MARKERS,
    assert_no_secrets,
    assert_nobody_pinged,
    ephemeral_answer,
    final_result,
    is_failure_answer,
)
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.fakes.ai_gateway import ErrorReply, ImagesReply, make_png
from tests.fakes.payloads import BOT_PERMISSIONS

RAW = "RAW-BODY-7f3a"  # in every scripted error body: must never reach Discord
ERROR_ID = re.compile(r"error id `([0-9a-f]{8})`")
ANSWER_ROUTES = ("interaction_callback", "webhook_execute")


async def answer_of_failure(bot_env: BotEnv, rec: InteractionRecord) -> str:
    """Check the failure got exactly one ephemeral, clean answer; return its text."""
    answer = await ephemeral_answer(rec)
    content = answer.data["content"]
    if answer.route == "webhook_edit_original":  # the private "thinking" message became the answer
        assert rec.state.original is not None
        assert rec.state.original.ephemeral
    else:
        assert answer.data["flags"] & 64, "the answer must be ephemeral"
    assert ERROR_ID.search(content), content
    assert len(content) < 400, "short"
    for marker in (*LEAK_MARKERS, RAW, GATEWAY_KEY):
        assert marker not in content, f"{marker!r} leaked into {content!r}"
    # Exactly one message answered (a public "thinking" placeholder, if any, was removed).
    async with asyncio.timeout(5):
        await bot_env.bot.wait_idle()
    answers = [r for r in rec.requests if r.ok and is_failure_answer(rec, r)]
    assert answers == [answer]
    deferral = rec.state.callback
    assert deferral is not None
    if deferral.json["type"] == 5 and not deferral.data.get("flags", 0) & 64:
        assert any(r.route == "webhook_delete_original" and r.ok for r in rec.requests)
    assert not [r for r in rec.requests if r.route == "webhook_edit_original" and r.files]
    return content


async def serves_normally(bot_env: BotEnv) -> None:
    """A plain /imagine right after works."""
    h = bot_env.h
    image = make_png(3_000, seed=42)
    bot_env.ai.push("images", ImagesReply([image]))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a calm lake"}))
    edit = await final_result(rec)
    assert [f.data for f in edit.files] == [image]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        pytest.param(
            ErrorReply(
                400,
                f"Your request was rejected as a result of our safety system. {RAW}",
                error_type="invalid_request_error",
                code="content_policy_violation",
            ),
            "refused this prompt under its content policy",
            id="400-content-policy",
        ),
        pytest.param(
            ErrorReply(400, f"size must be one of ... {RAW}", error_type="invalid_request_error"),
            "rejected this request",
            id="400-bad-request",
        ),
        pytest.param(
            ErrorReply(401, f"Invalid API key {GATEWAY_KEY} {RAW}", error_type="authentication_error"),
            "AI key is not accepted — a server admin must fix it",
            id="401",
        ),
        pytest.param(
            ErrorReply(403, f"Forbidden {RAW}", error_type="forbidden"),
            "AI key is not accepted for this model — a server admin must fix it",
            id="403",
        ),
        pytest.param(
            ErrorReply(402, f"Insufficient funds {RAW}", error_type="insufficient_funds"),
            "out of credits",
            id="402",
        ),
        pytest.param(
            ErrorReply(429, f"Rate limited {RAW}", error_type="rate_limit_exceeded", retry_after="600"),
            "Try again in 600 s",
            id="429-retry-after",
        ),
        pytest.param(
            ErrorReply(500, f"Internal error {RAW}", error_type="internal_server_error"),
            "having trouble",
            id="500",
        ),
        pytest.param(ErrorReply(503, body=f"<html>{RAW}</html>".encode()), "having trouble", id="503-html"),
        pytest.param(
            ImagesReply([b"this is not an image at all, just text"]),
            "image data that could not be read",
            id="invalid-image-data",
        ),
    ],
)
async def test_gateway_failures_answer_once_ephemerally(
    bot_env: BotEnv, caplog: pytest.LogCaptureFixture, reply: ErrorReply | ImagesReply, expected: str
) -> None:
    h = bot_env.h
    retried = isinstance(reply, ErrorReply) and reply.status == 503
    bot_env.ai.push("images", *([reply] * (3 if retried else 1)))
    caplog.set_level(logging.INFO)
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a test"}))
    content = await answer_of_failure(bot_env, rec)
    assert expected in content
    error_id = ERROR_ID.search(content)
    assert error_id is not None
    assert any(error_id[1] in record.getMessage() for record in caplog.records), "error id is logged"
    calls = [r for r in bot_env.ai.requests if r.path.endswith("/images/generations")]
    assert len(calls) == (3 if retried else 1)  # 503 retried; nothing else is
    assert GATEWAY_KEY not in caplog.text
    job_id = next(r.getMessage() for r in caplog.records if "generation failed job=" in r.getMessage())
    job = await bot_env.bot.store.get_job(job_id.split("job=")[1].split()[0])
    assert job is not None
    assert job.status == "failed"
    await serves_normally(bot_env)
    assert_no_secrets(h, RAW)
    assert_nobody_pinged(h, requester=h.fake.world.alice.id)


async def test_private_failure_stays_private(bot_env: BotEnv) -> None:
    h = bot_env.h
    bot_env.ai.push("images", ErrorReply(402, "no money", error_type="insufficient_funds"))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "x", "private": True}))
    content = await answer_of_failure(bot_env, rec)
    assert "out of credits" in content
    assert not any(r.route == "webhook_delete_original" for r in rec.requests)
    # The private "thinking"/progress message itself became the answer: nothing stale is left.
    assert rec.state.original is not None
    assert "out of credits" in rec.state.original.content
    assert rec.state.original.components == []


@pytest.fixture
async def slow_env(start_bot: Callable[..., Awaitable[BotEnv]]) -> BotEnv:
    """The bot with a 0.3-second gateway timeout (`AI_GATEWAY_TIMEOUT`)."""
    return await start_bot(ai_gateway_timeout=0.3)


async def test_a_gateway_timeout_answers(slow_env: BotEnv) -> None:
    h = slow_env.h
    slow_env.ai.push("images", ImagesReply([make_png(1_000)], delay=3))
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "slow"}))
    content = await answer_of_failure(slow_env, rec)
    assert "took too long" in content
    calls = [r for r in slow_env.ai.requests if r.path.endswith("/images/generations")]
    assert len(calls) == 1  # a timed-out generation may be billed upstream: never retried
    await serves_normally(slow_env)


async def test_missing_attach_files_is_named_before_any_gateway_call(bot_env: BotEnv) -> None:
    h = bot_env.h
    without_attach = BOT_PERMISSIONS & ~discord.Permissions(attach_files=True).value
    rec = await h.interact(
        h.payloads.slash("imagine", options={"prompt": "a cat"}, app_permissions=without_attach)
    )
    content = await answer_of_failure(bot_env, rec)
    assert rec.state.callback is not None
    assert rec.state.callback.json["type"] == 4  # refused at once, nothing deferred
    assert "Attach Files" in content
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/images/generations")]
    # A private request needs no channel permission: it goes through.
    private = await h.interact(
        h.payloads.slash(
            "imagine", options={"prompt": "a cat", "private": True}, app_permissions=without_attach
        )
    )
    assert (await final_result(private)).files
    await serves_normally(bot_env)


async def test_missing_embed_links_is_named(bot_env: BotEnv) -> None:
    h = bot_env.h
    without = BOT_PERMISSIONS & ~discord.Permissions(embed_links=True).value
    rec = await h.interact(
        h.payloads.slash("chatimage", options={"prompt": "a cat"}, app_permissions=without)
    )
    content = await answer_of_failure(bot_env, rec)
    assert "Embed Links" in content
    assert not [r for r in bot_env.ai.requests if r.path.endswith("/chat/completions")]


async def test_chatimage_failure_before_any_text_answers(bot_env: BotEnv) -> None:
    h = bot_env.h
    bot_env.ai.push("chat", ErrorReply(401, f"bad key {RAW}", error_type="authentication_error"))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "x"}))
    content = await answer_of_failure(bot_env, rec)
    assert "AI key is not accepted" in content
    await serves_normally(bot_env)
