"""`/chatimage` and `/blend` with message links: exactly the linked images are sent, refusals cost nothing.

The fake Discord serves ``GET /channels/{id}/messages/{id}`` as Discord does: 404/10008 for an
unknown message, 403/50001 when the bot cannot read the channel, and, without the Message
Content intent, other members' attachments emptied.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.bot.checks import ephemeral_answer
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.bot.test_references import references_of
from tests.bot.test_reroll_inputs import click, result_message, sent_images
from tests.fakes.ai_gateway import ChatReply, make_png
from tests.fakes.discord_api._records import FakeMessage
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.payloads import MESSAGE_CONTENT_FLAGS, VIEW_AND_HISTORY, FakeChannel, FakeGuild

StartBot = Callable[..., Awaitable[BotEnv]]


def link(guild_id: int | str, channel_id: int, message_id: int, host: str = "discord.com") -> str:
    """A message link as *Copy Message Link* gives it."""
    return f"https://{host}/channels/{guild_id}/{channel_id}/{message_id}"


def link_to(env: BotEnv, message: FakeMessage) -> str:
    """The link to a seeded message of the first guild."""
    return link(env.h.fake.world.guild.id, message.channel_id, message.id)


def digests(images: list[bytes]) -> list[str]:
    """SHA-256 of each image, in order."""
    return [hashlib.sha256(image).hexdigest() for image in images]


def seed(env: BotEnv, channel: FakeChannel, pictures: list[bytes], *, by_bot: bool = False) -> FakeMessage:
    """A message in `channel` with `pictures` attached (by alice, or by the bot itself)."""
    h = env.h
    world = h.fake.world
    files = [
        h.api.add_cdn_file(f"ref{n}.png", picture, channel_id=channel.id)
        for n, picture in enumerate(pictures)
    ]
    author = world.bot_user if by_bot else world.alice
    return h.api.add_message(channel.id, author.to_payload(), attachments=files)


async def assert_nothing_spent(env: BotEnv) -> None:
    """No gateway call, no job, no reservation: the refusal cost nothing."""
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    world = env.h.fake.world
    assert not [r for r in env.ai.requests if r.path.endswith("/chat/completions")]
    assert await env.bot.store.recent_jobs(world.guild.id, world.alice.id) == []
    assert await env.bot.store.monthly_spend(world.guild.id) == (Decimal(0), Decimal(0))


async def refusal(rec: InteractionRecord) -> str:
    """The ephemeral sentence that answered the command."""
    answer = await ephemeral_answer(rec)
    return str(answer.data["content"])


@pytest.fixture
async def env(discord_fake: FakeDiscord, start_bot: StartBot) -> BotEnv:
    """A bot with the Message Content intent on (so other members' attachments are visible)."""
    discord_fake.world.application_flags = MESSAGE_CONTENT_FLAGS
    return await start_bot()


async def test_chatimage_sends_the_upload_then_the_linked_images_and_links_their_message(env: BotEnv) -> None:
    h = env.h
    world = h.fake.world
    upload = make_png(5_000, seed=81)
    linked = [make_png(5_100, seed=82), make_png(5_200, seed=83)]
    message = seed(env, world.general, linked)
    env.ai.push("chat", ChatReply(text_deltas=["Here."], images=[make_png(9_000, seed=84)]))
    options = {
        "prompt": "the two owls in my style",
        "image": h.api.add_cdn_file("mine.png", upload),
        "links": f"  {link(world.guild.id, world.general.id, message.id, 'ptb.discordapp.com')}  ",
    }
    rec = await h.interact(h.payloads.slash("chatimage", options=options))
    request = await env.ai_request("/chat/completions")
    assert digests(sent_images(request)) == digests([upload, *linked])
    card = await result_message(env, rec)
    jump = link_to(env, message)
    assert references_of(card) == [f"3 images: 1 · [2]({jump}) · [3]({jump})"]
    # The message was read only after the interaction was acknowledged (Discord's 3 seconds).
    routes = [r.route for r in h.fake.api.requests]
    assert routes.index("interaction_callback") < routes.index("channel_get_message")


async def test_blend_takes_only_links_and_a_reroll_sends_the_same_images(env: BotEnv) -> None:
    h = env.h
    world = h.fake.world
    first, second = make_png(5_000, seed=85), make_png(5_000, seed=86)
    one, two = seed(env, world.general, [first]), seed(env, world.general, [second])
    env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=87)]))
    links = f"{link_to(env, one)} {link_to(env, two)} {link_to(env, one)}"  # a repeated link counts once
    rec = await h.interact(h.payloads.slash("blend", options={"links": links}))
    assert digests(sent_images(await env.ai_request("/chat/completions"))) == digests([first, second])
    card = await result_message(env, rec)
    assert references_of(card) == [f"2 images: [1]({link_to(env, one)}) · [2]({link_to(env, two)})"]

    env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=88)]))
    await h.interact(click(env, card, "reroll"))
    assert digests(sent_images(await env.ai_request("/chat/completions"))) == digests([first, second])


async def test_an_age_restricted_channel_may_use_a_message_of_another_one(env: BotEnv) -> None:
    h = env.h
    world = h.fake.world
    pictures = [make_png(5_000, seed=89), make_png(5_000, seed=90)]
    message = seed(env, world.nsfw_channel, pictures)
    env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=91)]))
    rec = await h.interact(
        h.payloads.slash("blend", options={"links": link_to(env, message)}, channel=world.nsfw_channel)
    )
    assert digests(sent_images(await env.ai_request("/chat/completions"))) == digests(pictures)
    await result_message(env, rec)


async def test_without_message_content_the_bots_own_results_can_be_linked(
    discord_fake: FakeDiscord, start_bot: StartBot
) -> None:
    env = await start_bot()  # the documented setup: no privileged intent
    h = env.h
    world = h.fake.world
    pictures = [make_png(5_000, seed=92), make_png(5_000, seed=93)]
    ours = seed(env, world.general, pictures, by_bot=True)
    env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=94)]))
    rec = await h.interact(h.payloads.slash("blend", options={"links": link_to(env, ours)}))
    assert digests(sent_images(await env.ai_request("/chat/completions"))) == digests(pictures)
    await result_message(env, rec)


async def test_without_message_content_a_members_message_is_refused_saying_why(
    discord_fake: FakeDiscord, start_bot: StartBot
) -> None:
    env = await start_bot()
    h = env.h
    theirs = seed(env, h.fake.world.general, [make_png(5_000, seed=95)])
    options = {"prompt": "like this", "links": link_to(env, theirs)}
    text = await refusal(await h.interact(h.payloads.slash("chatimage", options=options)))
    assert "Message Content intent is off" in text
    await assert_nothing_spent(env)


# -- refusals: a short sentence, nothing spent -----------------------------------------------


async def _refused(env: BotEnv, command: str, options: dict[str, Any], **context: Any) -> str:
    h = env.h
    if command == "chatimage":
        options = {"prompt": "use these", **options}
    text = await refusal(await h.interact(h.payloads.slash(command, options=options, **context)))
    await assert_nothing_spent(env)
    return text


@pytest.mark.parametrize(
    "raw",
    [
        "https://discord.com/channels/1/2",
        "https://evil.example/channels/1/2/3",
        "http://discord.com/channels/1/2/3",
        "discord.com/channels/1/2/3",
        "https://discord.com/channels/1/2/3/",
        "https://discord.com/channels/1/2/3?x=1",
    ],
)
async def test_a_malformed_link_is_refused_naming_it(env: BotEnv, raw: str) -> None:
    text = await _refused(env, "chatimage", {"links": raw})
    assert f"`{raw}` is not a message link" in text


async def test_a_link_to_another_server_or_a_dm_is_refused(
    discord_fake: FakeDiscord, start_bot: StartBot
) -> None:
    world = discord_fake.world
    world.application_flags = MESSAGE_CONTENT_FLAGS
    other: FakeGuild = world.add_guild("Elsewhere")
    env = await start_bot()
    elsewhere = seed(env, other.channels[0], [make_png(5_000, seed=96)])
    text = await _refused(env, "blend", {"links": link(other.id, other.channels[0].id, elsewhere.id)})
    assert "Link 1 points to a message in another server" in text
    dm = link("@me", world.snowflakes(), world.snowflakes())
    text = await _refused(env, "chatimage", {"links": f"{link_to(env, elsewhere)} {dm}"})
    assert "Link 2 points to a direct message" in text


async def test_a_channel_the_member_cannot_read_is_refused_but_a_moderator_may_use_it(
    discord_fake: FakeDiscord, start_bot: StartBot
) -> None:
    world = discord_fake.world
    world.application_flags = MESSAGE_CONTENT_FLAGS
    staff = world.add_channel(world.guild, "staff")
    staff.deny(world.guild.id, VIEW_AND_HISTORY)  # @everyone
    moderators = next(r for r in world.guild.roles if r.name == "Moderator")
    bot_role = next(r for r in world.guild.roles if r.name == "imagebot")
    staff.allow(moderators.id, VIEW_AND_HISTORY)
    staff.allow(bot_role.id, VIEW_AND_HISTORY)
    env = await start_bot()
    picture = make_png(5_000, seed=97)
    secret = seed(env, staff, [picture])
    text = await _refused(env, "chatimage", {"links": link_to(env, secret)})
    assert "You cannot read the channel of link 1" in text
    assert not [r for r in env.h.fake.api.requests if r.route == "channel_get_message"]  # never fetched

    h = env.h
    env.ai.push("chat", ChatReply(text_deltas=[], images=[make_png(9_000, seed=98)]))
    options = {"prompt": "in colour", "links": link_to(env, secret)}
    await h.interact(h.payloads.slash("chatimage", options=options, user=world.moderator))
    assert digests(sent_images(await env.ai_request("/chat/completions"))) == digests([picture])


async def test_a_channel_the_bot_cannot_read_is_refused_saying_which_permissions(
    discord_fake: FakeDiscord, start_bot: StartBot
) -> None:
    world = discord_fake.world
    world.application_flags = MESSAGE_CONTENT_FLAGS
    archive = world.add_channel(world.guild, "archive")
    bot_role = next(r for r in world.guild.roles if r.name == "imagebot")
    archive.deny(bot_role.id, VIEW_AND_HISTORY)
    env = await start_bot()
    message = seed(env, archive, [make_png(5_000, seed=99)])
    text = await _refused(env, "blend", {"links": link_to(env, message)})
    assert f"View Channel and Read Message History permissions in <#{archive.id}>" in text


async def test_an_age_restricted_message_is_refused_in_a_general_channel(env: BotEnv) -> None:
    message = seed(env, env.h.fake.world.nsfw_channel, [make_png(5_000, seed=100)])
    text = await _refused(env, "blend", {"links": link_to(env, message)})
    assert "Link 1 is in an age-restricted channel" in text


async def test_a_message_without_an_image_is_refused(env: BotEnv) -> None:
    h = env.h
    world = h.fake.world
    words = h.api.add_message(world.general.id, world.alice.to_payload(), "just words")
    pdf = h.api.add_cdn_file("notes.pdf", b"%PDF-1.4 fake", content_type="application/pdf")
    document = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[pdf])
    for message in (words, document):
        text = await _refused(env, "chatimage", {"links": link_to(env, message)})
        assert "The message of link 1 has no image" in text


async def test_an_unknown_message_is_refused(env: BotEnv) -> None:
    world = env.h.fake.world
    missing = link(world.guild.id, world.general.id, world.snowflakes())
    text = await _refused(env, "chatimage", {"links": missing})
    assert "I cannot find the message of link 1" in text
    gets = [r for r in env.h.fake.api.requests if r.route == "channel_get_message"]
    assert [(r.status, r.error_code) for r in gets] == [(404, 10008)]


async def test_too_many_images_counting_uploads_and_linked_ones_are_refused(env: BotEnv) -> None:
    h = env.h
    world = h.fake.world
    uploads = [h.api.add_cdn_file(f"u{n}.png", make_png(5_000, seed=101 + n)) for n in range(3)]
    message = seed(env, world.general, [make_png(5_000, seed=104), make_png(5_000, seed=105)])
    options = {
        "image1": uploads[0],
        "image2": uploads[1],
        "image3": uploads[2],
        "links": link_to(env, message),
    }
    text = await _refused(env, "blend", options)
    assert "That makes 5 input images; at most 4" in text


async def test_a_blend_of_one_image_is_refused_before_deferring(env: BotEnv) -> None:
    h = env.h
    text = await _refused(env, "blend", {"image1": h.api.add_cdn_file("one.png", make_png(5_000, seed=106))})
    assert "Blending needs at least 2 images" in text
    assert not [r for r in h.fake.api.requests if r.route == "channel_get_message"]
