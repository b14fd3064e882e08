"""A user-installed bot in a server that never added it: Discord's five follow-ups (issue 13, item 2).

The fake Discord refuses a sixth follow-up of such an interaction with 400/40094, as Discord
does. A streamed `/chatimage` answer with more text and images than fit keeps to five: the text
takes fewer messages, the images that do not fit are kept for `/job`, and one follow-up says so.
"""

from __future__ import annotations

import re
from typing import Any

from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.bot.test_places import StartBot
from tests.fakes.ai_gateway import ChatReply, make_png

MiB = 2**20


def through_user_install(env: BotEnv, *path: str, **kwargs: Any) -> dict[str, Any]:
    """An interaction in the fake's server that reached the bot through alice's own install."""
    payload = dict(env.h.payloads.slash(*path, **kwargs))
    payload["authorizing_integration_owners"] = {"1": str(env.h.fake.world.alice.id)}
    return payload


def followups(rec: InteractionRecord) -> list[Any]:
    return [r for r in rec.requests if r.route == "webhook_execute"]


async def test_a_long_answer_with_big_images_keeps_to_five_followups(start_bot: StartBot) -> None:
    env = await start_bot(allow_user_installs=True, dm_cooldown_seconds=0)
    h = env.h
    words = [f"word{i:04d} " for i in range(1_200)]  # 10,800 characters: six messages' worth
    # 13 MiB each: two never share one 25 MiB message, so the images alone need three messages
    images = [make_png(13 * MiB, seed=i) for i in range(3)]
    env.ai.push("chat", ChatReply(text_deltas=words, images=images))
    rec = await h.interact(
        through_user_install(
            env, "chatimage", options={"prompt": "tell me and draw"}, attachment_size_limit=25 * MiB
        )
    )
    note = await rec.wait_for(
        lambda r: r.route == "webhook_execute" and "did not fit" in str((r.json or {}).get("content")),
        timeout=60,
    )
    sent = followups(rec)
    assert len(sent) <= 5
    assert all(r.ok for r in sent), [r.error_code for r in sent]  # never Discord's 40094
    assert note.json["flags"] & 64  # the note is for the member only
    content = note.json["content"]
    assert "Images 2-3 of 3 did not fit" in content
    job_id = re.search(r"/job (\w+)", content)
    assert job_id is not None
    posted = [f.data for r in sent for f in r.files if f.filename.startswith("image")]
    assert posted == images[:1]
    kept = env.bot.undelivered.get(job_id.group(1))
    assert kept is not None
    assert kept.numbers == [2, 3]

    # `/job` hands them over, through the same install, in follow-ups of its own
    again = await h.interact(
        through_user_install(env, "job", options={"job_id": job_id.group(1)}, attachment_size_limit=25 * MiB)
    )
    first = await again.callback()
    assert first.json["data"]["flags"] & 64
    second = await again.wait_for(lambda r: r.route == "webhook_execute" and bool(r.files), timeout=20)
    assert [f.data for f in [*first.files, *second.files]] == images[1:]
