"""Render builders: Discord limits on to_dict(), mentions, payload kwargs."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from bot.discord.views.files import FittedImage
from bot.discord.views.render import (
    MessagePayload,
    ResultInfo,
    alt_text,
    job_embed,
    result_embed,
    result_payloads,
)
from bot.gateway.spool import ImageData
from bot.storage.records import DELETED_USER_ID, JobRecord

NASTY_PROMPT = (
    "@everyone @here <@123456789012345678> <@&987654321098765432> **bold** [click](https://evil.example) `x`"
)


def assert_embed_within_limits(embed: discord.Embed) -> dict:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    for item in data.get("fields", []):
        assert 1 <= len(item["name"]) <= 256
        assert 1 <= len(item["value"]) <= 1024
    assert len(data.get("footer", {}).get("text", "")) <= 2048
    assert len(embed) <= 6000
    return data


# --- embeds -----------------------------------------------------------------------------------


def test_result_embed_shows_the_job() -> None:
    embed = result_embed(
        prompt="a red fox in snow",
        model="google/imagen-4.0",
        job_id="Ab12Cd",
        elapsed_s=12.34,
        image_count=2,
        options={"count": "2", "aspect ratio": "16:9 (server default)"},
        notes=["This server locks count to 2."],
        requester_mention="<@42>",
    )
    data = assert_embed_within_limits(embed)
    assert data["title"] == "2 images"
    assert data["description"] == "a red fox in snow\n\nRequested by <@42>"
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert fields == {
        "Model": "google/imagen-4.0",
        "Count": "2",
        "Aspect ratio": "16:9 (server default)",
        "Notes": "• This server locks count to 2.",
    }
    assert data["footer"]["text"] == "Job Ab12Cd · 12.3 s"


def test_result_embed_stays_within_every_limit_with_huge_inputs() -> None:
    embed = result_embed(
        prompt=(NASTY_PROMPT + " ") * 400,
        model="m" * 2000,
        job_id="j" * 3000,
        elapsed_s=1.0,
        image_count=1,
        options={f"option {i} " + "n" * 300: "v" * 2000 for i in range(40)},
        notes=["note " * 100] * 10,
        requester_mention="<@42>",
        part=(1, 3),
    )
    data = assert_embed_within_limits(embed)
    assert data["title"] == "1 image (part 1/3)"
    assert data["description"].endswith("…\n\nRequested by <@42>")
    assert "@everyone" not in data["description"]
    assert len(data["description"]) >= 1500  # fields did not starve the prompt
    assert len(embed) > 5500  # the prompt used the room that was left


# --- payloads ---------------------------------------------------------------------------------


def image(number: int, size: int = 100) -> FittedImage:
    return FittedImage(
        content=ImageData.of(bytes([number]) * size),
        mime="image/png",
        filename=f"image_{number}.png",
        reencoded=False,
        original_size=size,
    )


INFO = ResultInfo(
    prompt="a cat\n" + "x" * 2000, model="p/model", job_id="J0b", elapsed_s=3.0, requester_mention="<@7>"
)


async def test_result_payloads_put_embed_and_view_on_first_message_only() -> None:
    batches = [[image(i) for i in range(1, 11)], [image(i) for i in range(11, 21)], [image(21)]]
    views: list[discord.ui.View] = []

    def make_view() -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Re-roll", custom_id="ib:reroll:J0b"))
        views.append(view)
        return view

    payloads = result_payloads(batches, INFO, requester_id=7, view_factory=make_view)
    assert len(payloads) == 3
    assert len(views) == 1
    first, second, third = payloads
    assert first.view is views[0]
    assert first.view.to_components()[0]["components"][0]["custom_id"] == "ib:reroll:J0b"
    assert first.content is None
    data = assert_embed_within_limits(first.embeds[0])
    assert data["title"] == "21 images (part 1/3)"
    assert (second.content, second.embeds, second.view) == ("Part 2/3 · job `J0b`", [], None)
    assert third.content == "Part 3/3 · job `J0b`"
    assert [len(p.files) for p in payloads] == [10, 10, 1]
    for payload in payloads:
        assert payload.allowed_mentions.to_dict() == {"parse": [], "users": [7], "replied_user": True}
        for file in payload.files:
            assert file.description == alt_text(INFO.prompt)
            assert len(file.description) <= 1024
    assert first.files[0].filename == "image_1.png"
    assert first.files[0].fp.read() == image(1).data


def test_result_payloads_mention_requester_for_channel_fallback() -> None:
    [payload] = result_payloads([[image(1)]], INFO, requester_id=7, mention_requester=True)
    assert payload.content == "<@7>"
    assert payload.embeds[0].title == "1 image"
    [anonymous] = result_payloads([[image(1)]], INFO, requester_id=None, mention_requester=True)
    assert anonymous.content is None
    assert anonymous.allowed_mentions.to_dict() == {"parse": []}


def test_payload_kwargs_for_send_and_edit() -> None:
    [payload] = result_payloads([[image(1)]], INFO, requester_id=7)
    send = payload.kwargs()
    assert set(send) == {"embeds", "files", "allowed_mentions"}
    edit = payload.edit_kwargs()
    assert set(edit) == {"content", "embeds", "attachments", "view", "allowed_mentions"}
    assert edit["attachments"] is payload.files
    assert edit["content"] is None
    assert edit["view"] is None
    assert payload.send_kwargs() == send
    text = MessagePayload(content="hi")
    assert text.kwargs()["content"] == "hi"
    assert text.kwargs()["allowed_mentions"].to_dict() == {"parse": []}


def test_payload_rejects_what_discord_would_refuse() -> None:
    with pytest.raises(ValueError, match="content"):
        MessagePayload(content="x" * 2001)
    with pytest.raises(ValueError, match="too many"):
        MessagePayload(files=[discord.File(__file__) for _ in range(11)])


def _job(**changes) -> JobRecord:
    fields = {
        "id": "AbCd12",
        "guild_id": 1,
        "channel_id": 2,
        "user_id": 42,
        "kind": "imagine",
        "model": "p/model",
        "prompt": "@everyone a **fox**",
        "options": {"count": 2, "aspect_ratio": "16:9", "private": False},
        "status": "done",
        "message_id": None,
        "interaction_token_expires_at": None,
        "image_count": 2,
        "bytes": 100,
        "cost": None,
        "generation_id": None,
        "error": None,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "started_at": datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC),
        "finished_at": datetime(2026, 1, 2, 3, 4, 18, tzinfo=UTC),
    }
    return JobRecord(**(fields | changes))


def test_job_embed_describes_a_stored_job() -> None:
    data = assert_embed_within_limits(job_embed(_job()))
    assert data["title"] == "Job AbCd12"
    assert data["description"] == "@\u200beveryone a \\*\\*fox\\*\\*\n\nRequested by <@42>"
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert fields["Status"] == "✅ done"
    assert fields["Aspect ratio"] == "16:9"
    assert data["footer"]["text"] == "Job AbCd12 · 12.0 s"
    assert data["timestamp"].startswith("2026-01-02T03:04:05")


def test_job_embed_of_a_failed_job_by_a_deleted_user() -> None:
    job = _job(status="failed", error="GatewayTimeoutError", user_id=DELETED_USER_ID, finished_at=None)
    data = assert_embed_within_limits(job_embed(job))
    assert "Requested by" not in data["description"]
    notes = {f["name"]: f["value"] for f in data["fields"]}["Notes"]
    assert notes == "• Error: The image service took too long to answer. Please try again."
    assert data["footer"]["text"] == "Job AbCd12"


def test_job_embed_shows_a_sentence_never_the_stored_error_text() -> None:
    raw = "ServerError: <html>upstream [appeal](https://evil.example) @everyone</html> status=502"
    data = assert_embed_within_limits(job_embed(_job(status="failed", error=raw)))
    notes = {f["name"]: f["value"] for f in data["fields"]}["Notes"]
    assert "having trouble right now" in notes
    assert "evil.example" not in str(data)
    assert "upstream" not in str(data)


@pytest.mark.parametrize(
    ("status", "error", "label"),
    [
        ("interrupted", "interrupted by a restart after it was sent", "interrupted by a restart"),
        ("cancelled", "cancelled", "✖️ cancelled"),
    ],
)
def test_job_embed_names_an_interrupted_or_cancelled_job(status: str, error: str, label: str) -> None:
    data = assert_embed_within_limits(job_embed(_job(status=status, error=error)))
    assert label in str(data["fields"])
