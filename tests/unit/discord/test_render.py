"""Result cards (Components V2) and result payloads: Discord's limits, escaping, kwargs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from bot.discord.views.cards import COMPONENT_LIMIT, LEAD_RESERVE, TEXT_LIMIT, job_card, result_card
from bot.discord.views.files import FittedImage
from bot.discord.views.render import MessagePayload, ResultInfo, alt_text, result_payloads
from bot.gateway.spool import ImageData
from bot.storage.records import DELETED_USER_ID, JobRecord

NASTY_PROMPT = (
    "@everyone @here <@123456789012345678> <@&987654321098765432> **bold** [click](https://evil.example) `x`"
)


def walk(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for node in components:
        found.append(node)
        found += walk(node.get("components") or [])
        if "accessory" in node:
            found.append(node["accessory"])
    return found


def texts(view: discord.ui.LayoutView) -> list[str]:
    return [node["content"] for node in walk(view.to_components()) if node["type"] == 10]


def assert_card_within_limits(view: discord.ui.LayoutView) -> list[dict[str, Any]]:
    """The card's component dicts, after checking Discord's V2 limits on them."""
    components = view.to_components()
    assert len(walk(components)) <= COMPONENT_LIMIT
    assert sum(len(text) for text in texts(view)) <= TEXT_LIMIT
    assert view.has_components_v2()
    for node in walk(components):
        for item in node.get("items") or []:
            assert 1 <= len(item.get("description", "x")) <= 1024
    return components


def row(*custom_ids: str) -> discord.ui.ActionRow[Any]:
    return discord.ui.ActionRow(*(discord.ui.Button(label=c, custom_id=c) for c in custom_ids))


# --- the result card --------------------------------------------------------------------------


def test_result_card_shows_gallery_text_and_actions() -> None:
    files = [discord.File(__file__, filename=f"image_{n}.png", description="a red fox") for n in (1, 2)]
    view = result_card(
        prompt="a red fox in snow",
        model="google/imagen-4.0",
        job_id="Ab12Cd",
        elapsed_s=12.34,
        files=files,
        image_count=2,
        options={"count": "2", "aspect ratio": "16:9 (server default)"},
        notes=["This server locks count to 2."],
        requester_mention="<@42>",
        cost=0.04,
        actions=[row("ib:reroll:Ab12Cd")],
    )
    (container,) = assert_card_within_limits(view)
    assert container["type"] == 17
    gallery, prompt, separator, details, footer, actions = container["components"]
    assert gallery == {
        "type": 12,
        "items": [
            {"media": {"url": f"attachment://image_{n}.png"}, "description": "a red fox", "spoiler": False}
            for n in (1, 2)
        ],
    }
    assert prompt == {"type": 10, "content": "a red fox in snow"}
    assert separator["type"] == 14
    assert details["content"] == (
        "**Model** google/imagen-4.0\n"
        "**Count** 2 · **Aspect ratio** 16:9 (server default)\n"
        "• This server locks count to 2."
    )
    assert footer["content"] == "-# 2 images · job `Ab12Cd` · 12.3 s · $0.04 · requested by <@42>"
    assert actions["type"] == 1
    assert actions["components"][0]["custom_id"] == "ib:reroll:Ab12Cd"


def test_result_card_escapes_the_prompt_and_every_value() -> None:
    view = result_card(
        prompt=NASTY_PROMPT,
        model="**m**",
        job_id="Ab12Cd",
        elapsed_s=1.0,
        files=[],
        image_count=0,
        options={"style": "@here [x](https://evil.example)"},
    )
    text = "\n".join(texts(view))
    assert "@everyone" not in text
    assert "@here" not in text
    assert "<@&987654321098765432>" not in text
    assert not re.search(r"(?<!\\)\[[^\]\n]*\]\(", text)  # no live masked link
    assert "\\*\\*m\\*\\*" in text
    assert not [node for node in walk(view.to_components()) if node["type"] == 12]  # no images: no gallery


def test_result_card_stays_within_every_limit_with_huge_inputs() -> None:
    view = result_card(
        prompt=(NASTY_PROMPT + " ") * 400,
        model="m" * 2000,
        job_id="j" * 3000,
        elapsed_s=1.0,
        files=[discord.File(__file__, filename=f"image_{n}.png", description="x" * 1024) for n in range(10)],
        image_count=21,
        options={f"option {i} " + "n" * 300: "v" * 2000 for i in range(40)},
        notes=["note " * 100] * 10,
        requester_mention="<@42>",
        references="r" * 5000,  # too long to show whole: left out, never cut inside a link
        part=(1, 3),
    )
    assert_card_within_limits(view)
    prompt, *_ = texts(view)
    assert prompt.endswith("…")
    assert len(prompt) >= 1500  # the details did not starve the prompt
    assert view.content_length() <= TEXT_LIMIT - LEAD_RESERVE  # room for the channel's lead line
    assert "21 images (part 1/3)" in texts(view)[-1]


def test_result_card_takes_extra_rows_up_to_discords_40_components() -> None:
    common: dict[str, Any] = {
        "prompt": "p",
        "model": "m",
        "job_id": "J0b",
        "elapsed_s": 1.0,
        "files": [],
        "image_count": 0,
    }
    # Container, prompt, separator, details, footer: 5; each row of one button: 2 more.
    fits = result_card(**common, actions=[row(f"c{i}") for i in range(17)])
    assert len(walk(assert_card_within_limits(fits))) == 39
    with pytest.raises(ValueError, match="40"):
        result_card(**common, actions=[row(f"c{i}") for i in range(18)])


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


async def test_result_payloads_put_the_card_and_actions_on_the_first_message_only() -> None:
    batches = [[image(i) for i in range(1, 11)], [image(i) for i in range(11, 21)], [image(21)]]
    built: list[discord.ui.ActionRow[Any]] = []

    def actions() -> list[discord.ui.ActionRow[Any]]:
        built.append(row("ib:reroll:J0b"))
        return built[-1:]

    payloads = result_payloads(batches, INFO, actions=actions)
    assert len(payloads) == 3
    assert len(built) == 1
    first, second, third = payloads
    assert [len(p.files) for p in payloads] == [10, 10, 1]
    ids = [node.get("custom_id") for node in walk(first.view.to_components())]
    assert "ib:reroll:J0b" in ids
    assert texts(first.view)[-1].startswith("-# 21 images (part 1/3) · job `J0b`")
    assert texts(second.view) == ["-# Part 2/3 · job `J0b`"]
    assert texts(third.view) == ["-# Part 3/3 · job `J0b`"]
    for payload in payloads:
        assert_card_within_limits(payload.view)
        assert payload.allowed_mentions.to_dict() == {"parse": []}  # the card's mention is shown only
        (gallery,) = [node for node in walk(payload.view.to_components()) if node["type"] == 12]
        assert [item["media"]["url"] for item in gallery["items"]] == [
            f"attachment://{file.filename}" for file in payload.files
        ]
        for file in payload.files:
            assert file.description == alt_text(INFO.prompt)
            assert len(file.description) <= 1024
    assert first.files[0].filename == "image_1.png"
    assert first.files[0].fp.read() == image(1).data


def test_spoilered_results_hide_every_image() -> None:
    info = ResultInfo(prompt="p", model="m", job_id="J0b", elapsed_s=1.0, spoiler=True)
    payloads = result_payloads([[image(1)], [image(2)]], info)
    for payload in payloads:
        (file,) = payload.files
        assert file.filename.startswith("SPOILER_")  # Discord's marker on the attachment itself
        (gallery,) = [node for node in walk(payload.view.to_components()) if node["type"] == 12]
        assert gallery["items"][0]["spoiler"] is True
        assert gallery["items"][0]["media"]["url"] == f"attachment://{file.filename}"


def test_payload_kwargs_for_send_and_edit() -> None:
    [payload] = result_payloads([[image(1)]], INFO)
    send = payload.send_kwargs()
    assert set(send) == {"view", "files", "allowed_mentions"}  # no content, no embeds: a V2 card
    assert send["view"] is payload.view
    # A lead line (the channel fallback's mention) goes above the card, as a TextDisplay.
    lead = payload.send_kwargs(lead="<@7>\n-# Posted here")["view"].to_components()
    assert lead[0] == {"type": 10, "content": "<@7>\n-# Posted here"}
    assert lead[1] == payload.view.to_components()[0]
    edit = payload.edit_kwargs()
    assert set(edit) == {"content", "embeds", "attachments", "view", "allowed_mentions"}
    assert edit["attachments"] is payload.files
    assert (edit["content"], edit["embeds"]) == (None, [])  # the progress text is cleared
    assert edit["view"] is payload.view


def test_payload_rejects_what_discord_would_refuse() -> None:
    with pytest.raises(ValueError, match="too many"):
        MessagePayload(
            card=lambda lead: discord.ui.LayoutView(), files=[discord.File(__file__) for _ in range(11)]
        )


# --- the /job card ----------------------------------------------------------------------------


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


def test_job_card_describes_a_stored_job() -> None:
    view = job_card(_job(message_id=99), actions=[row("ib:reroll:AbCd12")])
    (container,) = assert_card_within_limits(view)
    section = container["components"][0]
    assert section["type"] == 9
    assert section["components"][0]["content"] == "### Job `AbCd12`\n@\u200beveryone a \\*\\*fox\\*\\*"
    assert section["accessory"]["url"] == "https://discord.com/channels/1/2/99"
    details, footer = texts(view)[1:]
    assert details.startswith("**Model** p/model\n**Status** ✅ done · **Kind** imagine · **Count** 2")
    assert "**Aspect ratio** 16:9" in details
    created = int(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp())
    assert footer == f"-# job `AbCd12` · 12.0 s · requested by <@42> · <t:{created}:f>"
    assert container["components"][-1]["components"][0]["custom_id"] == "ib:reroll:AbCd12"


def test_job_card_of_a_failed_job_by_a_deleted_user() -> None:
    job = _job(status="failed", error="GatewayTimeoutError", user_id=DELETED_USER_ID, finished_at=None)
    view = job_card(job)
    assert_card_within_limits(view)
    prompt, details, footer = texts(view)
    assert prompt.startswith("### Job `AbCd12`")  # no message: no link, no section
    assert details.endswith("• Error: The image service took too long to answer. Please try again.")
    assert "requested by" not in footer
    assert footer.startswith("-# job `AbCd12` · <t:")


def test_job_card_shows_a_sentence_never_the_stored_error_text() -> None:
    raw = "ServerError: <html>upstream [appeal](https://evil.example) @everyone</html> status=502"
    view = job_card(_job(status="failed", error=raw))
    text = "\n".join(texts(view))
    assert "having trouble right now" in text
    assert "evil.example" not in text
    assert "upstream" not in text


@pytest.mark.parametrize(
    ("status", "error", "label"),
    [
        ("interrupted", "interrupted by a restart after it was sent", "interrupted by a restart"),
        ("cancelled", "cancelled", "✖️ cancelled"),
    ],
)
def test_job_card_names_an_interrupted_or_cancelled_job(status: str, error: str, label: str) -> None:
    assert label in texts(job_card(_job(status=status, error=error)))[1]
