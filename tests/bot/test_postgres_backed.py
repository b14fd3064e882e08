"""The bot on the real PostgreSQL (`DATABASE_URL`): a moderator's setting survives a restart."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from tests.bot.conftest import BotEnv


@pytest.fixture
async def fresh_database(postgres_url: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for this test (dropped afterwards)."""
    name = f"imagebot_{uuid.uuid4().hex[:10]}"
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_default_model_survives_a_restart_on_postgres(
    start_bot: Callable[..., Awaitable[BotEnv]], fresh_database: str
) -> None:
    env = await start_bot(database_url=fresh_database)
    h = env.h
    world = h.fake.world
    payload = h.payloads.slash(
        "config", "model", "image", options={"model": "openai/gpt-image-1"}, user=world.moderator
    )
    rec = await h.interact(payload)
    answer = await rec.wait_message(lambda m: not m.loading)
    assert "`openai/gpt-image-1`" in answer.content

    await env.restart()  # a new process on the same database
    h = env.h
    await h.interact(h.payloads.slash("imagine", options={"prompt": "a harbour"}))
    request = await env.ai_request("/images/generations")
    assert request.json["model"] == "openai/gpt-image-1"
    audit = await env.bot.store.list_audit(world.guild.id)
    assert [(e.field, e.new) for e in audit] == [("image_model", "openai/gpt-image-1")]
