"""No floods: a streamed `/chatimage` answer uses at most 5 messages; the rest goes as `answer.txt`.

Before: a chat model writing 300 KB became 152 messages, 40 MB became 325 messages in 60 s.
"""

from __future__ import annotations

from tests.bot.checks import assert_nobody_pinged
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.fakes.ai_gateway import ChatReply, make_png
from tests.fakes.discord_api import FakeMessage

MAX_MESSAGES = 5
KEPT_CHARS = 1_000_000


def text_messages(rec: InteractionRecord) -> list[FakeMessage]:
    """Messages of the interaction that carry streamed text (not the image result or a notice)."""
    return [m for m in rec.messages if m.content.startswith(("line", "x")) and not m.deleted]


def answer_file(rec: InteractionRecord) -> tuple[FakeMessage, bytes]:
    (carrier,) = [m for m in rec.messages if any(a.filename == "answer.txt" for a in m.attachments)]
    (attachment,) = [a for a in carrier.attachments if a.filename == "answer.txt"]
    assert attachment.data is not None
    return carrier, attachment.data


async def test_a_300_kb_answer_is_five_messages_and_a_text_file(bot_env: BotEnv) -> None:
    h = bot_env.h
    deltas = [f"line {i:05d} " + "lorem ipsum " * 80 + "\n" for i in range(300)]  # ~ 300 KB
    full = "".join(deltas)
    image = make_png(30_000, seed=11)
    bot_env.ai.push("chat", ChatReply(text_deltas=deltas, images=[image]))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "write a lot and draw"}))
    await rec.wait_for(lambda r: r.route == "webhook_execute" and bool(r.files) and r.ok, timeout=30)
    await rec.wait_message(lambda m: any(a.filename == "answer.txt" for a in m.attachments), timeout=15)

    shown = text_messages(rec)
    assert len(shown) == MAX_MESSAGES
    assert all(len(m.content) <= 2000 for m in shown)
    carrier, data = answer_file(rec)
    assert carrier is shown[-1]  # attached to the last text message
    assert data.decode() == full  # the whole text reaches the member
    assert carrier.content.endswith("-# … the whole answer is in `answer.txt`.")
    images = [m for m in rec.messages if any(a.filename.endswith(".png") for a in m.attachments)]
    assert [a.data for m in images for a in m.attachments] == [image]
    assert_nobody_pinged(h, requester=h.fake.world.alice.id)


async def test_a_huge_answer_is_capped_declared_and_still_five_messages(bot_env: BotEnv) -> None:
    h = bot_env.h
    deltas = ["x" * 59_999 + "\n"] * 50  # 3,000,000 characters, three times what is kept
    bot_env.ai.push("chat", ChatReply(text_deltas=deltas, images=[]))
    rec = await h.interact(h.payloads.slash("chatimage", options={"prompt": "never stop"}))
    await rec.wait_message(lambda m: any(a.filename == "answer.txt" for a in m.attachments), timeout=30)
    await rec.wait_message(lambda m: "text only" in m.content, timeout=10)

    shown = text_messages(rec)
    assert len(shown) <= MAX_MESSAGES
    carrier, data = answer_file(rec)
    assert carrier is shown[-1]
    text = data.decode()
    assert text.startswith("".join(deltas)[:KEPT_CHARS])
    assert text.endswith("[cut: 2,000,000 more characters were not kept]\n")
    assert len(text) < KEPT_CHARS + 100
    assert "`answer.txt` has its first 1,000,000 characters." in carrier.content
    assert len(rec.messages) <= MAX_MESSAGES + 1  # the text, plus the "text only" note
