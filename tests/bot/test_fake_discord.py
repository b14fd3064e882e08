"""Prove the fake Discord speaks the real protocol: a tiny AutoShardedBot on real discord.py/aiohttp.

Each test starts a fresh bot through :class:`BotHarness`; commands report what discord.py
returned or raised through ``bot.results`` and block on ``bot.gate`` where a test needs to act
in the middle of a command (no sleeps anywhere).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.bot.harness import BotHarness
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.payloads import MANAGE_GUILD, MESSAGE_CONTENT_FLAGS, VIEW_AND_HISTORY

Interaction = discord.Interaction["ProbeBot"]


def png(width: int = 2, height: int = 2, *, padding: int = 0) -> bytes:
    """Return a valid PNG (``padding`` bytes of extra ancillary data make it bigger)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    extra = chunk(b"tEXt", b"pad\x00" + b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def png_file(name: str, *, padding: int = 0) -> discord.File:
    """Return a PNG as a ``discord.File``."""
    return discord.File(io.BytesIO(png(padding=padding)), filename=name)


class ProbeButton(discord.ui.DynamicItem[discord.ui.Button["discord.ui.View"]], template=r"probe:(?P<n>\d+)"):
    """A restart-proof button whose state (``n``) lives in its custom_id."""

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=f"Go {n}", custom_id=f"probe:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> ProbeButton:
        return cls(int(match["n"]))

    async def callback(self, interaction: Interaction) -> None:
        await interaction.response.edit_message(content=f"clicked {self.n}")
        interaction.client.results.put_nowait(("button", self.n))


class RenameModal(discord.ui.Modal, title="Rename"):
    """A one-field modal."""

    name: discord.ui.TextInput[RenameModal] = discord.ui.TextInput(label="New name", custom_id="name")

    async def on_submit(self, interaction: Interaction) -> None:
        await interaction.response.send_message(f"renamed to {self.name.value}")
        interaction.client.results.put_nowait(("modal", self.name.value))


class Probe(commands.Cog):
    """Commands exercising each rule of the fake."""

    def __init__(self, bot: ProbeBot) -> None:
        self.bot = bot

    def report(self, value: object) -> None:
        self.bot.results.put_nowait(value)

    @app_commands.command(name="render", description="Defer, then edit the original with 3 PNGs")
    async def render(self, interaction: Interaction, prompt: str) -> None:
        await interaction.response.defer(thinking=True)
        embed = discord.Embed(title="Result", description=prompt).add_field(name="model", value="fake")
        files = [png_file(f"image_{i}.png") for i in range(3)]
        self.report(await interaction.edit_original_response(content=prompt, attachments=files, embed=embed))

    @app_commands.command(name="hello", description="Answer once")
    async def hello(self, interaction: Interaction) -> None:
        try:
            await interaction.response.send_message("hello")
        except discord.HTTPException as exc:
            self.report(exc)
        else:
            self.report("sent")

    @app_commands.command(name="card", description="Answer with a file and an embed in the callback")
    async def card(self, interaction: Interaction) -> None:
        embed = discord.Embed(title="Card").set_image(url="attachment://card.png")
        await interaction.response.send_message("card", file=png_file("card.png"), embed=embed)

    @app_commands.command(name="lifecycle", description="Fetch, follow up, edit and delete messages")
    async def lifecycle(self, interaction: Interaction) -> None:
        await interaction.response.send_message("original")
        original = await interaction.original_response()
        followup = await interaction.followup.send("followup", wait=True)
        edited = await followup.edit(content="followup edited")
        await followup.delete()
        await interaction.delete_original_response()
        try:
            await interaction.followup.fetch_message(followup.id)
        except discord.NotFound as exc:
            self.report((original.content, edited.content, exc.code))

    @app_commands.command(name="twice", description="Answer twice")
    async def twice(self, interaction: Interaction) -> None:
        await interaction.response.send_message("first")
        try:
            await interaction.response.send_message("second")
        except discord.InteractionResponded as exc:
            self.report(exc)

    @app_commands.command(name="slow", description="Wait for the gate, then defer")
    async def slow(self, interaction: Interaction) -> None:
        await self.bot.gate.wait()
        try:
            await interaction.response.defer()
        except discord.HTTPException as exc:
            self.report(exc)

    @app_commands.command(name="upload", description="Defer, then send count files of size bytes")
    async def upload(self, interaction: Interaction, count: int, padding: int) -> None:
        await interaction.response.defer(thinking=True)
        self.report(interaction.filesize_limit)
        files = [png_file(f"f{i}.png", padding=padding) for i in range(count)]
        try:
            self.report(await interaction.followup.send(files=files, wait=True))
        except discord.HTTPException as exc:
            self.report(exc)

    @app_commands.command(name="note", description="Defer, then send a followup")
    async def note(self, interaction: Interaction, text: str) -> None:
        await interaction.response.defer(thinking=True)
        self.report(await interaction.followup.send(text, wait=True))

    @app_commands.command(name="burst", description="Defer, then send count followups")
    async def burst(self, interaction: Interaction, count: int) -> None:
        await interaction.response.defer(thinking=True)
        outcomes: list[object] = []
        for n in range(count):
            try:
                await interaction.followup.send(f"note {n}", wait=True)
                outcomes.append("sent")
            except discord.HTTPException as exc:
                outcomes.append(exc.code)
        self.report(outcomes)

    @app_commands.command(name="wait", description="Defer, wait for the gate, edit the original")
    async def wait(self, interaction: Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await self.bot.gate.wait()
        self.report(await interaction.edit_original_response(content="done"))

    @app_commands.command(name="late", description="Defer; after the gate, followup or channel fallback")
    async def late(self, interaction: Interaction) -> None:
        response = await interaction.response.defer(thinking=True)
        await self.bot.gate.wait()
        try:
            self.report(await interaction.followup.send("result", wait=True))
        except discord.HTTPException as exc:
            if exc.code != 50027:
                raise
            self.report(exc)
            assert isinstance(interaction.channel, discord.TextChannel)
            assert response is not None
            reference = discord.MessageReference(
                message_id=response.message_id or 0,
                channel_id=interaction.channel.id,
                fail_if_not_exists=False,
            )
            self.report(
                await interaction.channel.send(
                    f"{interaction.user.mention} result",
                    reference=reference,
                    allowed_mentions=discord.AllowedMentions(users=[interaction.user], replied_user=False),
                )
            )

    @app_commands.command(name="pick", description="Autocomplete a colour")
    async def pick(self, interaction: Interaction, colour: str) -> None:
        await interaction.response.send_message(colour)

    @pick.autocomplete("colour")
    async def pick_colour(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        colours = ["red", "green", "blue", "reddish"]
        return [app_commands.Choice(name=c, value=c) for c in colours if c.startswith(current)]

    @app_commands.command(name="buttons", description="Post a restart-proof button")
    async def buttons(self, interaction: Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(ProbeButton(7))
        await interaction.response.send_message("press", view=view)

    @app_commands.command(name="ping", description="Mention the invoker and someone else")
    async def ping(self, interaction: Interaction, other: discord.Member) -> None:
        await interaction.response.send_message(
            f"{interaction.user.mention} done (cc {other.mention})",
            allowed_mentions=discord.AllowedMentions(users=[interaction.user]),
        )

    @app_commands.command(name="describe", description="Read an attached image")
    async def describe(self, interaction: Interaction, image: discord.Attachment) -> None:
        data = await image.read()
        await interaction.response.send_message(f"{len(data)} {hashlib.sha256(data).hexdigest()}")
        self.report((image.filename, image.content_type, data))

    @app_commands.command(name="rename", description="Open a modal")
    async def rename(self, interaction: Interaction) -> None:
        await interaction.response.send_modal(RenameModal())

    @app_commands.command(name="bad", description="Send an invalid message")
    async def bad(self, interaction: Interaction, kind: str) -> None:
        try:
            if kind == "long":
                await interaction.response.send_message("x" * 2001)
            elif kind == "embed":
                await interaction.response.send_message(embed=discord.Embed(description="y" * 4097))
            else:
                await interaction.response.send_message()
        except discord.HTTPException as exc:
            self.report(exc)

    config = app_commands.Group(name="config", description="Settings")
    config_set = app_commands.Group(name="set", description="Change a setting", parent=config)

    @config_set.command(name="model", description="Set the default model")
    async def config_set_model(self, interaction: Interaction, model: str) -> None:
        manage = interaction.permissions.manage_guild
        await interaction.response.send_message(f"model={model}", ephemeral=True)
        self.report((model, manage, interaction.channel.nsfw if interaction.channel else None))


class ProbeBot(commands.AutoShardedBot):
    """The test-only bot."""

    def __init__(self, **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.results: asyncio.Queue[Any] = asyncio.Queue()
        self.gate = asyncio.Event()

    async def setup_hook(self) -> None:
        await self.add_cog(Probe(self))
        self.add_dynamic_items(ProbeButton)
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5-second pause between shard IDENTIFYs (the fake has no limit)."""

    async def next_result(self) -> Any:
        async with asyncio.timeout(5):
            return await self.results.get()


@pytest.fixture
async def harness() -> AsyncIterator[BotHarness]:
    async with BotHarness(ProbeBot()) as running:
        yield running


def bot_of(harness: BotHarness) -> ProbeBot:
    assert isinstance(harness.bot, ProbeBot)
    return harness.bot


# -- start-up and gateway ---------------------------------------------------------------------


async def test_startup_speaks_gateway_and_rest(harness: BotHarness) -> None:
    bot = bot_of(harness)
    identify = await harness.gateway.wait_for(lambda f: f.op == 2)
    assert identify.d["token"] == "t"
    assert identify.d["intents"] == bot.intents.value
    assert identify.d["shard"] == [0, 1]
    connection = harness.gateway.connections[0]
    assert connection.query["v"] == "10"
    assert connection.query["encoding"] == "json"
    assert connection.query["compress"] in ("zlib-stream", "zstd-stream")
    await harness.gateway.wait_for(lambda f: f.op == 1)
    assert any(frame["op"] == 11 for frame in connection.sent)
    routes = [r.route for r in harness.api.requests]
    assert routes[:3] == ["get_me", "get_application", "put_commands"]
    assert "get_gateway_bot" in routes
    assert bot.application_id == harness.fake.world.application_id
    guild = bot.get_guild(harness.fake.world.guild.id)
    assert guild is not None
    assert guild.get_channel(harness.fake.world.nsfw_channel.id).nsfw
    registered = {c["name"] for c in harness.api.commands[None]}
    assert {"render", "config", "pick"} <= registered


async def test_harness_leaves_no_tasks_behind() -> None:
    before = asyncio.all_tasks()
    async with BotHarness(ProbeBot()) as running:
        record = await running.interact(running.payloads.slash("hello"))
        assert (await record.callback()).ok
    assert asyncio.all_tasks() - before == set()


async def test_two_shards_route_guild_events() -> None:
    async with BotHarness(ProbeBot(), shard_count=2) as running:
        identifies = [f.d["shard"] for f in running.gateway.received if f.op == 2]
        assert sorted(identifies) == [[0, 2], [1, 2]]
        guild = running.fake.world.guild
        cached = running.bot.get_guild(guild.id)
        assert cached is not None
        assert cached.shard_id == running.gateway.shard_for(guild.id)
        record = await running.interact(running.payloads.slash("hello"))
        assert (await record.callback()).ok


async def test_wrong_shard_count_fails_startup_loudly() -> None:
    async with FakeDiscord() as fake:
        with pytest.raises(RuntimeError, match="ended before the bot was ready") as failure:
            async with BotHarness(ProbeBot(shard_count=3), fake):
                pass
        assert isinstance(failure.value.__cause__, discord.ConnectionClosed)
        assert failure.value.__cause__.code == 4010
        assert fake.gateway.connections[0].close_code == 4010
        assert discord.http.Route.BASE == "https://discord.com/api/v10"


# -- responses and attachments ----------------------------------------------------------------


async def test_defer_then_edit_with_three_pngs_and_embed(harness: BotHarness) -> None:
    bot = bot_of(harness)
    record = await harness.interact(harness.payloads.slash("render", options={"prompt": "a red fox"}))
    deferral = await record.callback()
    assert deferral.ok
    assert deferral.json == {"type": 5}
    assert deferral.query["with_response"] in ("1", "true")
    edit = await record.edit()
    assert edit.ok
    assert edit.multipart
    assert [f.filename for f in edit.files] == ["image_0.png", "image_1.png", "image_2.png"]
    assert all(f.data.startswith(b"\x89PNG") for f in edit.files)
    assert edit.json["embeds"][0]["title"] == "Result"
    stored = await record.wait_message(lambda m: len(m.attachments) == 3)
    assert not stored.loading
    assert stored.content == "a red fox"
    assert [a.content_type for a in stored.attachments] == ["image/png"] * 3
    message = await bot.next_result()
    assert isinstance(message, discord.InteractionMessage)
    assert [a.filename for a in message.attachments] == ["image_0.png", "image_1.png", "image_2.png"]
    assert message.embeds[0].fields[0].value == "fake"
    assert message.author.id == harness.fake.world.bot_user.id
    async with aiohttp.ClientSession() as session, session.get(message.attachments[0].url) as response:
        assert response.status == 200
        assert await response.read() == edit.files[0].data


async def test_second_response_is_refused(harness: BotHarness) -> None:
    bot = bot_of(harness)
    record = await harness.interact(harness.payloads.slash("twice"))
    assert isinstance(await bot.next_result(), discord.InteractionResponded)
    assert [r.route for r in record.requests] == ["interaction_callback"]

    payload = harness.payloads.slash("hello")
    first = await harness.interact(payload)
    assert (await first.callback()).ok
    assert await bot.next_result() == "sent"
    await harness.interact(payload)  # the same interaction delivered again (same id and token)
    refused = await first.wait_for(lambda r: r.route == "interaction_callback" and not r.ok)
    assert refused.status == 400
    assert refused.error_code == 40060
    error = await bot.next_result()
    assert isinstance(error, discord.HTTPException)
    assert error.code == 40060


async def test_first_response_after_the_window_is_unknown_interaction(harness: BotHarness) -> None:
    bot = bot_of(harness)
    harness.api.interaction_window = 0.2
    record = await harness.interact(harness.payloads.slash("slow"))
    async with asyncio.timeout(5):
        await record.state.window_closed.wait()
    bot.gate.set()
    error = await bot.next_result()
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    callback = await record.callback()
    assert callback.status == 404
    assert callback.response == {"message": "Unknown interaction", "code": 10062}
    assert callback.timestamp - record.state.dispatched_at >= 0.2


@pytest.mark.parametrize(
    ("count", "padding", "limit", "max_request", "status", "code"),
    [
        pytest.param(11, 0, 10 * 1024 * 1024, None, 400, 30015, id="eleven-files"),
        pytest.param(1, 2048, 1024, None, 413, 40005, id="file-over-attachment_size_limit"),
        pytest.param(3, 1500, 4096, 4000, 413, 40005, id="request-over-max"),
        pytest.param(10, 0, 10 * 1024 * 1024, None, 200, None, id="ten-files-fit"),
    ],
)
async def test_upload_limits(
    harness: BotHarness,
    count: int,
    padding: int,
    limit: int,
    max_request: int | None,
    status: int,
    code: int | None,
) -> None:
    bot = bot_of(harness)
    if max_request is not None:
        harness.api.max_request_bytes = max_request
    payload = harness.payloads.slash(
        "upload", options={"count": count, "padding": padding}, attachment_size_limit=limit
    )
    record = await harness.interact(payload)
    assert await bot.next_result() == limit  # discord.py exposes the payload's limit as filesize_limit
    followup = await record.followup()
    assert followup.status == status
    assert followup.error_code == code
    outcome = await bot.next_result()
    if code is None:
        assert isinstance(outcome, discord.WebhookMessage)
        assert len(outcome.attachments) == count
    else:
        assert isinstance(outcome, discord.HTTPException)
        assert (outcome.status, outcome.code) == (status, code)


@pytest.mark.parametrize(
    ("kind", "code", "text"),
    [
        ("long", 50035, "In data.content: Must be 2000 or fewer in length."),
        ("embed", 50035, "In data.embeds.0.description: Must be 4096 or fewer in length."),
        ("empty", 50006, "Cannot send an empty message"),
    ],
)
async def test_invalid_messages_get_discord_errors(
    harness: BotHarness, kind: str, code: int, text: str
) -> None:
    bot = bot_of(harness)
    harness.api.expect_schema_violations = True  # the test bot breaks the schema on purpose
    record = await harness.interact(harness.payloads.slash("bad", options={"kind": kind}))
    error = await bot.next_result()
    assert isinstance(error, discord.HTTPException)
    assert error.code == code
    assert text in str(error)
    assert not record.state.acknowledged


async def test_rate_limited_followup_is_retried_by_discord_py(harness: BotHarness) -> None:
    bot = bot_of(harness)
    harness.api.inject_fault("POST", "/webhooks/*", status=429, times=1, retry_after=0.05)
    record = await harness.interact(harness.payloads.slash("note", options={"text": "hi"}))
    limited, accepted = await record.followup(1), await record.followup(2)
    assert limited.status == 429
    assert limited.response["retry_after"] == 0.05
    assert limited.response["global"] is False
    assert limited.response_headers["Retry-After"] == "1"
    assert limited.response_headers["Via"]
    assert limited.response_headers["X-RateLimit-Remaining"] == "0"
    assert accepted.ok
    assert accepted.timestamp - limited.answered_at >= 0.05
    message = await bot.next_result()
    assert isinstance(message, discord.WebhookMessage)
    assert message.content == "hi"
    # Discord's (deprecated) rule: the first followup after a deferral fills the "thinking" message.
    assert record.state.original is not None
    assert message.id == record.state.original.id


async def test_server_error_is_retried(harness: BotHarness) -> None:
    channel = harness.fake.world.general
    harness.api.inject_fault("GET", f"/channels/{channel.id}", status=502, times=1)
    fetched = await harness.bot.fetch_channel(channel.id)
    assert fetched.id == channel.id
    statuses = [r.status for r in harness.api.requests if r.route == "get_channel"]
    assert statuses == [502, 200]


async def test_unknown_route_is_404_and_recorded(harness: BotHarness) -> None:
    with pytest.raises(discord.NotFound):
        await harness.bot.fetch_guild(harness.fake.world.guild.id)
    unknown = harness.api.unknown_requests
    assert [(r.method, r.path) for r in unknown] == [("GET", f"/guilds/{harness.fake.world.guild.id}")]
    assert unknown[0].response == {"message": "404: Not Found", "code": 0}


# -- token lifetime, gateway reconnect --------------------------------------------------------


async def test_expired_token_falls_back_to_a_channel_reply(harness: BotHarness) -> None:
    bot = bot_of(harness)
    world = harness.fake.world
    record = await harness.interact(harness.payloads.slash("late"))
    await record.callback()
    harness.api.expire_token(record.id)
    bot.gate.set()
    error = await bot.next_result()
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (401, 50027)
    sent = await bot.next_result()
    assert isinstance(sent, discord.Message)
    assert sent.reference is not None
    request = await harness.api.wait_for(lambda r: r.route == "channel_send")
    assert request.path == f"/channels/{world.general.id}/messages"
    assert record.state.original is not None
    assert int(request.json["message_reference"]["message_id"]) == record.state.original.id
    stored = harness.api.messages[sent.id]
    assert stored.type == 19
    assert stored.mention_user_ids == [world.alice.id]


async def test_reconnect_and_resume_during_a_command(harness: BotHarness) -> None:
    bot = bot_of(harness)
    gateway = harness.gateway
    waiting = await harness.interact(harness.payloads.slash("wait"))
    assert (await waiting.callback()).ok
    session = gateway.session(0)
    since = len(gateway.received)
    await gateway.reconnect(0)
    # Dispatched while the shard is away: only RESUME's replay can deliver it.
    missed = await harness.interact(harness.payloads.slash("hello"))
    missed_seq = session.seq
    resume = await gateway.wait_for(lambda f: f.op == 6, since=since)
    assert resume.d["session_id"] == session.session_id
    assert resume.d["seq"] < missed_seq
    assert gateway.connections[-1].path == "/resume"
    assert (await missed.callback()).ok
    assert await bot.next_result() == "sent"
    assert any(f["t"] == "RESUMED" for f in gateway.connections[-1].sent)
    bot.gate.set()
    edit = await waiting.edit()
    assert edit.ok
    assert edit.json["content"] == "done"
    assert isinstance(await bot.next_result(), discord.InteractionMessage)
    assert session.resumes == 1
    assert len(gateway.sessions) == 1


# -- autocomplete, components, modals, options -------------------------------------------------


async def test_autocomplete_round_trip(harness: BotHarness) -> None:
    payload = harness.payloads.autocomplete("pick", focused="colour", options={"colour": "re"})
    record = await harness.interact(payload)
    callback = await record.callback()
    assert callback.ok
    assert callback.json["type"] == 8
    expected = [{"name": "red", "value": "red"}, {"name": "reddish", "value": "reddish"}]
    assert record.state.autocomplete_choices == expected


async def test_button_click_reaches_dynamic_item_after_restart() -> None:
    async with FakeDiscord() as fake:
        async with BotHarness(ProbeBot(), fake) as first:
            posted = await first.interact(first.payloads.slash("buttons"))
            await posted.wait_message(lambda m: bool(m.components))
            click = posted.click("probe:7")
        async with BotHarness(ProbeBot(), fake) as second:  # a fresh process: no view was re-sent
            record = await second.interact(click)
            callback = await record.callback()
            assert callback.ok
            assert callback.json["type"] == 7
            assert await bot_of(second).next_result() == ("button", 7)
            assert fake.api.messages[int(click["message"]["id"])].content == "clicked 7"


async def test_modal_round_trip(harness: BotHarness) -> None:
    bot = bot_of(harness)
    opened = await harness.interact(harness.payloads.slash("rename"))
    callback = await opened.callback()
    assert callback.ok
    assert callback.json["type"] == 9
    assert callback.json["data"]["title"] == "Rename"
    submitted = await harness.interact(opened.submit_modal({"name": "Ada"}))
    assert (await submitted.callback()).ok
    assert await bot.next_result() == ("modal", "Ada")
    assert submitted.messages[0].content == "renamed to Ada"


async def test_allowed_mentions_are_recorded_and_applied(harness: BotHarness) -> None:
    world = harness.fake.world
    record = await harness.interact(
        harness.payloads.slash("ping", options={"other": world.moderator}, user=world.alice)
    )
    callback = await record.callback()
    allowed = callback.data["allowed_mentions"]
    assert [int(u) for u in allowed["users"]] == [world.alice.id]
    assert "everyone" not in allowed["parse"]
    message = record.messages[0]
    assert f"<@{world.moderator.id}>" in message.content
    assert message.mention_user_ids == [world.alice.id]
    assert not message.mention_everyone


async def test_subcommand_group_with_permissions_and_nsfw_channel(harness: BotHarness) -> None:
    bot = bot_of(harness)
    world = harness.fake.world
    payload = harness.payloads.slash(
        "config", "set", "model", options={"model": "flux"}, user=world.moderator, channel=world.nsfw_channel
    )
    registered = harness.api.command_id("config")
    assert registered is not None
    assert payload["data"]["id"] == str(registered[0])
    record = await harness.interact(payload)
    callback = await record.callback()
    assert callback.data["flags"] == 64
    assert await bot.next_result() == ("flux", True, True)
    assert record.messages[0].ephemeral
    plain = harness.payloads.slash("config", "set", "model", options={"model": "x"}, permissions=0)
    await harness.interact(plain)
    assert await bot.next_result() == ("x", False, False)
    assert int(payload["member"]["permissions"]) & MANAGE_GUILD


async def test_attachment_option_is_downloaded_from_the_fake_cdn(harness: BotHarness) -> None:
    bot = bot_of(harness)
    image = png(3, 2)
    attachment = harness.api.add_cdn_file("cat.png", image)
    record = await harness.interact(harness.payloads.slash("describe", options={"image": attachment}))
    assert (await record.callback()).ok
    assert await bot.next_result() == ("cat.png", "image/png", image)
    assert record.messages[0].content == f"{len(image)} {hashlib.sha256(image).hexdigest()}"
    assert attachment["width"] == 3
    assert attachment["height"] == 2


async def test_callback_with_files_is_multipart(harness: BotHarness) -> None:
    record = await harness.interact(harness.payloads.slash("card"))
    callback = await record.callback()
    assert callback.ok
    assert callback.multipart
    assert callback.json["type"] == 4
    assert callback.data["content"] == "card"
    assert [(f.field, f.filename) for f in callback.files] == [("files[0]", "card.png")]
    assert callback.data["attachments"] == [{"id": 0, "filename": "card.png"}]
    message = record.messages[0]
    assert message.type == 20
    assert message.attachments[0].width == 2
    assert callback.response["resource"]["message"]["attachments"][0]["filename"] == "card.png"


async def test_webhook_message_lifecycle(harness: BotHarness) -> None:
    bot = bot_of(harness)
    record = await harness.interact(harness.payloads.slash("lifecycle"))
    assert await bot.next_result() == ("original", "followup edited", 10008)
    routes = [(r.route, r.status) for r in record.requests]
    assert routes == [
        ("interaction_callback", 200),
        ("webhook_get_original", 200),
        ("webhook_execute", 200),
        ("webhook_edit_message", 200),
        ("webhook_delete_message", 204),
        ("webhook_delete_original", 204),
        ("webhook_get_message", 404),
    ]
    assert all(m.deleted for m in record.messages)
    assert len(record.messages) == 2


async def test_channel_message_routes(harness: BotHarness) -> None:
    channel = harness.bot.get_channel(harness.fake.world.general.id)
    assert isinstance(channel, discord.TextChannel)
    async with channel.typing():
        sent = await channel.send("@everyone look", allowed_mentions=discord.AllowedMentions(everyone=False))
    edited = await sent.edit(content="edited")
    fetched = await channel.fetch_message(sent.id)
    assert (edited.content, fetched.content) == ("edited", "edited")
    await fetched.delete()
    with pytest.raises(discord.NotFound) as missing:
        await channel.fetch_message(sent.id)
    assert missing.value.code == 10008
    routes = [r.route for r in harness.api.requests if r.route.startswith(("channel_", "typing"))]
    assert routes[:2] == ["typing", "channel_send"]
    assert routes[2:] == [
        "channel_edit_message",
        "channel_get_message",
        "channel_delete_message",
        "channel_get_message",
    ]
    assert not harness.api.messages[sent.id].mention_everyone


async def test_fetching_a_members_message_follows_message_content_and_channel_access(
    harness: BotHarness,
) -> None:
    world = harness.fake.world
    upload = harness.api.add_cdn_file("a.png", png(), channel_id=world.general.id)
    theirs = harness.api.add_message(world.general.id, world.alice.to_payload(), "hi", attachments=[upload])
    channel = harness.bot.get_partial_messageable(world.general.id)
    hidden = await channel.fetch_message(theirs.id)
    assert (hidden.content, hidden.attachments) == ("", [])  # no Message Content intent
    world.application_flags = MESSAGE_CONTENT_FLAGS
    shown = await channel.fetch_message(theirs.id)
    assert (shown.content, [a.id for a in shown.attachments]) == ("hi", [int(upload["id"])])
    bot_role = next(r for r in world.guild.roles if r.name == "imagebot")
    world.general.deny(bot_role.id, VIEW_AND_HISTORY)
    with pytest.raises(discord.Forbidden) as refused:
        await channel.fetch_message(theirs.id)
    assert refused.value.code == 50001


async def test_dm_interaction(harness: BotHarness) -> None:
    payload = harness.payloads.slash("hello", guild=None)
    assert "member" not in payload
    assert payload["context"] == 1
    record = await harness.interact(payload)
    assert (await record.callback()).ok
    assert await bot_of(harness).next_result() == "sent"
    assert record.messages[0].guild_id is None


async def test_a_user_install_gets_five_followups_per_interaction(harness: BotHarness) -> None:
    bot = bot_of(harness)
    await harness.interact(harness.payloads.slash("burst", options={"count": 7}))
    assert await bot.next_result() == ["sent"] * 7  # installed in the server: no cap
    payload = dict(harness.payloads.slash("burst", options={"count": 7}))
    payload["authorizing_integration_owners"] = {"1": str(harness.fake.world.alice.id)}
    await harness.interact(payload)
    assert await bot.next_result() == ["sent"] * 5 + [40094, 40094]
    await harness.interact(harness.payloads.slash("burst", options={"count": 6}, guild=None))
    assert await bot.next_result() == ["sent"] * 5 + [40094]  # a DM through the user's install


async def test_dropped_connection_resumes_and_invalid_session_reidentifies(harness: BotHarness) -> None:
    gateway = harness.gateway
    since = len(gateway.received)
    await gateway.drop(0, code=4000)
    resume = await gateway.wait_for(lambda f: f.op == 6, since=since)
    assert resume.d["session_id"] == "fake-session-1"
    await gateway.wait_until(lambda: gateway.session(0).resumes == 1 and gateway.session(0).connection)
    await gateway.invalidate_session(0, resumable=False)
    identify = await gateway.wait_for(lambda f: f.op == 2, since=since)
    assert identify.d["shard"] == [0, 1]
    await gateway.wait_until(lambda: gateway.session(0).session_id == "fake-session-2")
    assert gateway.connections[-1].path == "/"  # discord.py falls back to DEFAULT_GATEWAY
    await harness.bot.wait_until_ready()
    record = await harness.interact(harness.payloads.slash("hello"))
    assert (await record.callback()).ok
