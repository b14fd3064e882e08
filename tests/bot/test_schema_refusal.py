"""A body Discord's schema refuses reaches discord.py as ``HTTPException`` 50035, and the member
is still answered (never "This interaction failed").

Our bot's bodies all fit Discord's OpenAPI spec (the harness fails any test where one does not),
so this test tightens one rule in the fake, as if Discord shortened attachment alt text to 10
characters: the result edit, whose alt text is the prompt, is then refused like a broken body.
"""

from __future__ import annotations

import logging

import discord
import pytest

from tests.bot.checks import ephemeral_answer
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ImagesReply, make_png

RESULT_EDIT = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
SHORT_ALT_TEXT = {
    "properties": {"attachments": {"items": {"properties": {"description": {"maxLength": 10}}}}}
}


async def test_a_result_discord_refuses_as_invalid_form_body_still_answers_the_member(
    bot_env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    h = bot_env.h
    h.api.tighten_schema("PATCH", RESULT_EDIT, SHORT_ALT_TEXT)
    h.api.expect_schema_violations = True
    bot_env.ai.push("images", ImagesReply([make_png(2_000, seed=1)]))
    caplog.set_level(logging.INFO)
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "a red fox in the snow"}))
    assert (await rec.callback()).json["type"] == 5  # acknowledged at once: never "interaction failed"

    refused = await rec.wait_for(lambda r: r.route == "webhook_edit_original" and bool(r.files))
    assert refused.status == 400
    assert refused.response == {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "attachments": {
                "0": {
                    "description": {
                        "_errors": [
                            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 10 or fewer in length."}
                        ]
                    }
                }
            }
        },
    }
    assert h.api.schema_violations == [refused]

    answer = await ephemeral_answer(rec)
    assert answer.data["content"].startswith("⚠️")
    assert "error id" in answer.data["content"]
    assert answer.data["allowed_mentions"]["parse"] == []

    # discord.py raised the fake's answer as HTTPException 50035, with Discord's flattened text;
    # the bot logged it with the error id it showed the member.
    error_id = answer.data["content"].rsplit("`", 2)[1]
    logged = [r for r in caplog.records if r.exc_info and error_id in r.getMessage()]
    assert len(logged) == 1
    exc = logged[0].exc_info[1]
    assert isinstance(exc, discord.HTTPException)
    assert (exc.status, exc.code) == (400, 50035)
    assert "In attachments.0.description: Must be 10 or fewer in length." in str(exc)
