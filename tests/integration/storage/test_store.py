"""`Store` on real SQLite (tmp_path) and the real PostgreSQL, one module for both backends.

Each PostgreSQL test runs in a fresh schema (via `search_path`) that is dropped afterwards.
Two `Store` objects over the same database stand in for two bot processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.jobs import new_job_id
from bot.policy import ChannelSettings, GuildSettings
from bot.storage import DELETED_USER_ID, RedisInvalidation, Store, create_engine, migrate
from bot.storage._retention import PurgeResult, retention_cutoff
from bot.storage.migrations import load_migrations
from bot.storage.tables import audit_log, guild_settings, metadata, schema_version
from tests.integration.storage.observed_bus import ObservedBus

G, G2 = 1000, 2000
MOD, MOD2 = 11, 12
U1, U2 = 21, 22
T0 = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


async def current_version(engine: AsyncEngine) -> int:
    """The highest applied migration version (0 for an empty database)."""
    async with engine.connect() as conn:
        exists = await conn.run_sync(lambda sync: sync.dialect.has_table(sync, "schema_version"))
        if not exists:
            return 0
        value = await conn.scalar(select(schema_version.c.version).order_by(schema_version.c.version.desc()))
        return int(value or 0)


class FakeClock:
    """A controllable UTC clock."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Backend:
    """Where a test's database lives, and a factory for stores ("processes") over it."""

    name: str
    url: str
    connect_args: dict[str, Any] | None
    opened: list[Store] = field(default_factory=list)
    engines: list[AsyncEngine] = field(default_factory=list)

    async def open(self, **kwargs: Any) -> Store:
        store = await Store.open(self.url, connect_args=self.connect_args, **kwargs)
        self.opened.append(store)
        return store

    def engine(self) -> AsyncEngine:
        engine = create_engine(self.url, connect_args=self.connect_args)
        self.engines.append(engine)
        return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        db = Backend("sqlite", f"sqlite+aiosqlite:///{tmp_path}/data/bot.sqlite3", None)
        cleanup: Callable[[], Awaitable[None]] | None = None
    else:
        url: str = request.getfixturevalue("postgres_url")
        schema: str = request.getfixturevalue("unique_prefix")
        admin = create_async_engine(url)
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        db = Backend("postgres", url, {"server_settings": {"search_path": schema}})

        async def cleanup() -> None:
            async with admin.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.dispose()

    try:
        yield db
    finally:
        for store in db.opened:
            await store.close()
        for engine in db.engines:
            await engine.dispose()
        if cleanup is not None:
            await cleanup()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(backend: Backend, clock: FakeClock) -> Store:
    return await backend.open(clock=clock)


async def _count(store: Store, table: Any, *where: Any) -> int:
    async with store.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def _add_term(term: str) -> Callable[[GuildSettings], GuildSettings]:
    def mutate(settings: GuildSettings) -> GuildSettings:
        settings.blocked_terms.append(term)
        return settings

    return mutate


# -- schema and migrations --------------------------------------------------------------------


async def test_migrations_create_exactly_the_tables_the_code_queries(store: Store) -> None:
    def shape(sync_conn: Any) -> tuple[dict[str, set[str]], list[str]]:
        inspector = inspect(sync_conn)
        return (
            {name: {c["name"] for c in inspector.get_columns(name)} for name in metadata.tables},
            inspector.get_view_names(),
        )

    async with store.engine.connect() as conn:
        columns, views = await conn.run_sync(shape)
    assert columns == {name: set(table.columns.keys()) for name, table in metadata.tables.items()}
    assert "usage" in views
    assert await current_version(store.engine) == load_migrations(store.engine.dialect.name)[-1].version


async def test_concurrent_migrations_apply_each_version_once(backend: Backend) -> None:
    first, second = backend.engine(), backend.engine()
    assert await current_version(first) == 0

    results = await asyncio.gather(migrate(first), migrate(second))

    versions = [m.version for m in load_migrations(first.dialect.name)]
    assert sorted(results) == [[], versions]
    async with first.connect() as conn:
        rows = (await conn.execute(select(schema_version.c.version))).scalars().all()
    assert sorted(rows) == versions
    assert await migrate(second) == []


async def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() > 0
    finally:
        await engine.dispose()
    assert path.is_file()


# -- guild settings ---------------------------------------------------------------------------


async def test_unknown_guild_reads_defaults_without_storing(store: Store) -> None:
    assert await store.get_guild_settings(G) == GuildSettings()
    assert await _count(store, guild_settings) == 0
    assert await store.list_audit(G) == []


async def test_update_upserts_and_audits_each_changed_field(store: Store, clock: FakeClock) -> None:
    old, new = await store.update_guild_settings(G, MOD, image_model="img-1", max_count=6)
    assert old == GuildSettings()
    assert (new.image_model, new.max_count) == ("img-1", 6)

    clock.advance(timedelta(minutes=1))
    _, newer = await store.update_guild_settings(G, MOD2, max_count=8)
    assert (newer.image_model, newer.max_count) == ("img-1", 8)
    assert await store.get_guild_settings(G) == newer
    assert await store.get_guild_settings(G2) == GuildSettings()

    entries = await store.list_audit(G)
    assert [(e.actor_id, e.action, e.field, e.old, e.new) for e in entries] == [
        (MOD2, "guild.update", "max_count", 6, 8),
        (MOD, "guild.update", "max_count", 4, 6),
        (MOD, "guild.update", "image_model", None, "img-1"),
    ]
    assert entries[0].created_at == T0 + timedelta(minutes=1)
    assert entries[0].created_at.tzinfo is UTC
    assert [e.field for e in await store.list_audit(G, limit=1)] == ["max_count"]


async def test_update_to_same_value_writes_nothing(store: Store) -> None:
    await store.update_guild_settings(G, MOD, image_model="img-1")
    old, new = await store.update_guild_settings(G, MOD, image_model="img-1")
    assert old is new
    assert len(await store.list_audit(G)) == 1


async def test_only_overrides_are_stored(store: Store) -> None:
    await store.update_guild_settings(G, MOD, image_model="img-1", max_count=4)  # 4 is the default
    async with store.engine.connect() as conn:
        data = await conn.scalar(select(guild_settings.c.data).where(guild_settings.c.guild_id == G))
    assert data == {"image_model": "img-1"}


@pytest.mark.parametrize(
    "changes",
    [{"default_count": 5}, {"aspect_ratio": "7:3"}, {"no_such_field": 1}, {"cooldown_seconds": -1}],
)
async def test_invalid_update_leaves_data_untouched(store: Store, changes: dict[str, Any]) -> None:
    _, before = await store.update_guild_settings(G, MOD, image_model="img-1", blocked_terms=["x"])

    with pytest.raises(ValidationError):
        await store.update_guild_settings(G, MOD, max_count=3, **changes)

    assert await store.get_guild_settings(G) == before
    assert len(await store.list_audit(G)) == 2
    async with store.engine.connect() as conn:
        row = (await conn.execute(select(guild_settings).where(guild_settings.c.guild_id == G))).one()
    assert (row.version, row.data) == (1, {"image_model": "img-1", "blocked_terms": ["x"]})


async def test_stored_values_that_no_longer_validate_are_dropped_on_read(
    store: Store, clock: FakeClock
) -> None:
    # E.g. rows written before a limit was tightened: the guild keeps working on the valid rest.
    async with store.engine.begin() as conn:
        await conn.execute(
            guild_settings.insert().values(
                guild_id=G, data={"image_model": "img-1", "max_count": 99}, version=1, updated_at=clock()
            )
        )
    settings = await store.get_guild_settings(G)
    assert (settings.image_model, settings.max_count) == ("img-1", GuildSettings().max_count)


async def test_mutate_results_are_revalidated(store: Store) -> None:
    def break_cap(settings: GuildSettings) -> GuildSettings:
        return settings.model_copy(update={"default_count": 9})  # model_copy skips validation

    with pytest.raises(ValidationError):
        await store.update_guild_settings(G, MOD, break_cap)
    assert await _count(store, guild_settings) == 0


async def test_concurrent_list_additions_from_two_processes_all_land(backend: Backend) -> None:
    first, second = await backend.open(), await backend.open()
    terms = [f"term{i}" for i in range(12)]

    await asyncio.gather(
        *(
            (first if i % 2 else second).update_guild_settings(G, MOD, _add_term(term))
            for i, term in enumerate(terms)
        )
    )

    assert sorted((await first.get_guild_settings(G)).blocked_terms) == sorted(terms)
    assert sorted((await second.get_guild_settings(G)).blocked_terms) == sorted(terms)
    entries = await first.list_audit(G, limit=100)
    assert len(entries) == len(terms)
    assert {term for e in entries for term in set(e.new) - set(e.old)} == set(terms)


async def test_reset_restores_defaults_and_audits(store: Store) -> None:
    await store.update_guild_settings(G, MOD, image_model="img-1", cooldown_seconds=30)
    old, new = await store.reset_guild_settings(G, MOD2)
    assert (old.image_model, old.cooldown_seconds) == ("img-1", 30)
    assert new == GuildSettings()
    assert await store.get_guild_settings(G) == GuildSettings()
    latest = await store.list_audit(G, limit=2)
    assert {(e.action, e.field, e.actor_id) for e in latest} == {
        ("guild.reset", "image_model", MOD2),
        ("guild.reset", "cooldown_seconds", MOD2),
    }
    # A later write after a reset still works (the row's version keeps growing).
    _, again = await store.update_guild_settings(G, MOD, image_model="img-2")
    assert again.image_model == "img-2"


# -- cache and invalidation -------------------------------------------------------------------


async def test_reads_are_cached_until_a_write_invalidates(store: Store) -> None:
    assert store.get_cached_guild_settings(G) is None
    first = await store.get_guild_settings(G)
    assert store.get_cached_guild_settings(G) is first
    assert await store.get_guild_settings(G) is first

    # A change behind the store's back is not seen: the cached object is served.
    await store.update_guild_settings(G, MOD, image_model="img-1")
    assert (await store.get_guild_settings(G)).image_model == "img-1"
    async with store.engine.begin() as conn:
        await conn.execute(
            update(guild_settings)
            .where(guild_settings.c.guild_id == G)
            .values(data={"image_model": "sneaky"})
        )
    cached = await store.get_guild_settings(G)
    assert cached.image_model == "img-1"
    assert await store.get_guild_settings(G) is cached

    # A write through the store invalidates, and the next read sees the database.
    await store.update_guild_settings(G, MOD, max_count=5)
    assert store.get_cached_guild_settings(G) is None
    fresh = await store.get_guild_settings(G)
    assert (fresh.image_model, fresh.max_count) == ("sneaky", 5)


async def test_cache_is_bounded(backend: Backend) -> None:
    store = await backend.open(cache_size=2)
    for guild_id in (1, 2, 3):
        await store.get_guild_settings(guild_id)
    assert store.get_cached_guild_settings(1) is None
    assert store.get_cached_guild_settings(2) is not None
    assert store.get_cached_guild_settings(3) is not None


@pytest.mark.redis
async def test_redis_invalidation_reaches_the_other_process(
    backend: Backend, redis_url: str, unique_prefix: str
) -> None:
    channel = f"{unique_prefix}:settings"
    writer = await backend.open(redis_url=redis_url, redis_channel=channel)
    bus = ObservedBus(RedisInvalidation(redis_url, channel))
    reader = Store(backend.engine(), invalidation=bus)
    backend.opened.append(reader)
    await reader.start()

    assert (await reader.get_guild_settings(G)).image_model is None
    assert (await reader.get_channel_settings(G, 5)).image_model is None
    assert reader.get_cached_guild_settings(G) is not None

    await writer.update_guild_settings(G, MOD, image_model="img-2")
    await bus.wait_for(f"guild:{G}")
    assert reader.get_cached_guild_settings(G) is None
    assert (await reader.get_guild_settings(G)).image_model == "img-2"

    await writer.update_channel_settings(G, 5, MOD, image_model="img-3")
    await bus.wait_for(f"channel:{G}:5")
    assert reader.get_cached_channel_settings(G, 5) is None
    assert (await reader.get_channel_settings(G, 5)).image_model == "img-3"


# -- channel settings -------------------------------------------------------------------------


async def test_channel_settings_update_list_reset(store: Store) -> None:
    assert await store.get_channel_settings(G, 5) == ChannelSettings()
    assert await store.list_channel_settings(G) == {}

    _, new = await store.update_channel_settings(G, 5, MOD, image_model="img-c", default_count=2)
    await store.update_channel_settings(G2, 6, MOD, private_by_default=True)
    assert (new.image_model, new.default_count) == ("img-c", 2)
    assert await store.get_channel_settings(G, 5) == new
    assert await store.list_channel_settings(G) == {5: new}

    entries = await store.list_audit(G)
    assert {(e.action, e.channel_id, e.field) for e in entries} == {
        ("channel.update", 5, "image_model"),
        ("channel.update", 5, "default_count"),
    }
    with pytest.raises(ValidationError):
        await store.update_channel_settings(G, 5, MOD, default_count=0)

    old, cleared = await store.reset_channel_settings(G, 5, MOD2)
    assert (old, cleared) == (new, ChannelSettings())
    assert await store.list_channel_settings(G) == {}
    assert await store.get_channel_settings(G, 5) == ChannelSettings()
    assert list(await store.list_channel_settings(G2)) == [6]


# -- restart ----------------------------------------------------------------------------------


async def test_everything_survives_close_and_reopen(backend: Backend, clock: FakeClock) -> None:
    first = await backend.open(clock=clock)
    await first.update_guild_settings(G, MOD, image_model="img-1", blocked_terms=["a", "b"])
    await first.update_channel_settings(G, 5, MOD, aspect_ratio="16:9")
    job = await first.create_job(user_id=U1, guild_id=G, channel_id=5, kind="imagine", model="m", prompt="p")
    await first.update_job(job.id, status="done", image_count=2, cost=Decimal("0.04"))
    await first.set_meta("tree_hash", "abc")
    await first.close()
    backend.opened.remove(first)

    second = await backend.open(clock=clock)
    assert second.get_cached_guild_settings(G) is None
    settings = await second.get_guild_settings(G)
    assert (settings.image_model, settings.blocked_terms) == ("img-1", ["a", "b"])
    assert (await second.get_channel_settings(G, 5)).aspect_ratio == "16:9"
    reloaded = await second.get_job(job.id)
    assert reloaded is not None
    assert (reloaded.status, reloaded.image_count, reloaded.cost) == ("done", 2, Decimal("0.040000"))
    assert await second.get_meta("tree_hash") == "abc"
    assert len(await second.list_audit(G)) == 3  # two guild fields, one channel field
    assert await migrate(second.engine) == []


# -- jobs -------------------------------------------------------------------------------------


async def test_job_lifecycle(store: Store, clock: FakeClock) -> None:
    expires = T0 + timedelta(minutes=15)
    job = await store.create_job(
        user_id=U1, guild_id=G, channel_id=5, kind="imagine", model="img-1", prompt="a red fox",
        options={"count": 2, "aspect_ratio": "1:1"}, interaction_token_expires_at=expires,
    )  # fmt: skip
    assert len(job.id) == 10
    assert set(job.id) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert (job.status, job.image_count, job.bytes, job.cost) == ("queued", 0, 0, None)
    assert job.created_at == T0
    assert job.interaction_token_expires_at == expires
    assert job.options == {"count": 2, "aspect_ratio": "1:1"}

    clock.advance(timedelta(seconds=1))
    running = await store.update_job(job.id, status="running")
    assert running is not None
    assert (running.status, running.started_at, running.finished_at) == (
        "running",
        T0 + timedelta(seconds=1),
        None,
    )

    clock.advance(timedelta(seconds=9))
    done = await store.update_job(
        job.id, status="done", image_count=2, bytes=123_456, cost=Decimal("0.08"),
        generation_id="gen_1", message_id=987654321098765432,
    )  # fmt: skip
    assert done is not None
    assert done.finished
    assert done.finished_at == T0 + timedelta(seconds=10)
    assert (done.image_count, done.bytes, done.cost) == (2, 123_456, Decimal("0.080000"))
    assert done.message_id == 987654321098765432
    assert done == await store.get_job(job.id)
    assert done.finished_at.tzinfo is UTC

    assert await store.get_job("nope") is None
    assert await store.update_job("nope", status="failed") is None
    with pytest.raises(TypeError):
        await store.update_job(job.id, user_id=5)
    with pytest.raises(ValueError, match="status"):
        await store.update_job(job.id, status="exploded")
    for unknown in ("video", "edit"):  # "edit": the schema's CHECK admits it, nothing writes it
        with pytest.raises(ValueError, match="kind"):
            await store.create_job(user_id=U1, kind=unknown, model="m", prompt="p")  # type: ignore[arg-type]


async def test_job_with_a_caller_minted_id(store: Store) -> None:
    job_id = new_job_id()
    job = await store.create_job(
        job_id=job_id, user_id=U1, guild_id=G, kind="chatimage", model="m", prompt="p"
    )
    assert job.id == job_id
    assert await store.get_job(job_id) == job
    with pytest.raises(IntegrityError):
        await store.create_job(job_id=job_id, user_id=U2, guild_id=G, kind="chatimage", model="m", prompt="q")
    with pytest.raises(ValueError, match="job id"):
        await store.create_job(job_id="ib:x", user_id=U1, kind="chatimage", model="m", prompt="p")
    assert [j.id for j in await store.recent_jobs(G)] == [job_id]


async def test_recent_jobs_newest_first_with_filters(store: Store, clock: FakeClock) -> None:
    ids = []
    for i in range(4):
        job = await store.create_job(
            user_id=U1 if i % 2 else U2, guild_id=G, kind="imagine", model="m", prompt=str(i)
        )
        ids.append(job.id)
        clock.advance(timedelta(seconds=1))
    dm = await store.create_job(user_id=U1, guild_id=None, kind="chatimage", model="m", prompt="dm")

    assert [j.id for j in await store.recent_jobs(G)] == ids[::-1]
    assert [j.id for j in await store.recent_jobs(G, user_id=U1)] == [ids[3], ids[1]]
    assert [j.id for j in await store.recent_jobs(G, limit=2)] == [ids[3], ids[2]]
    assert [j.id for j in await store.recent_jobs(None)] == [dm.id]


# -- usage ledger -----------------------------------------------------------------------------


async def _job(
    store: Store, user_id: int, status: str, images: int = 0, cost: str | None = None, guild_id: int = G
) -> None:
    """A job charged `images` and `cost` (what quotas and budgets count), ended with `status`."""
    job = await store.create_job(user_id=user_id, guild_id=guild_id, kind="imagine", model="m", prompt="p")
    fields: dict[str, Any] = {"status": status, "image_count": images, "charge_images": images}
    if cost is not None:
        fields["cost"] = fields["charge_cost"] = Decimal(cost)
    await store.update_job(job.id, **fields)


async def test_usage_counts_respect_since_windows(store: Store, clock: FakeClock) -> None:
    await _job(store, U1, "done", images=2, cost="0.01")
    await _job(store, U1, "failed", cost="0.005")  # may have been billed: not a generation, but costs
    await _job(store, U2, "queued", images=1, cost="0.04")  # in flight: its reservation counts
    await _job(store, U1, "done", images=1, cost="1", guild_id=G2)
    clock.advance(timedelta(days=2))
    await _job(store, U1, "done", images=4, cost="0.02")
    await _job(store, U1, "running")

    summary = await store.usage_summary(G, T0)
    assert [(u.user_id, u.generations, u.images, u.cost) for u in summary.users] == [
        (U1, 3, 6, Decimal("0.035000")),
        (U2, 1, 1, Decimal("0.040000")),
    ]
    assert (summary.generations, summary.images, summary.cost) == (4, 7, Decimal("0.075000"))
    assert summary.in_flight == Decimal("0.04")
    later = await store.usage_summary(G, T0 + timedelta(days=1))
    assert [(u.user_id, u.generations) for u in later.users] == [(U1, 2)]
    assert (await store.usage_summary(G, T0 + timedelta(days=3))).users == []
    assert [(u.user_id, u.generations) for u in (await store.usage_summary(G2, T0)).users] == [(U1, 1)]

    assert later.cost == Decimal("0.020000")
    assert (await store.usage_summary(G, T0 + timedelta(days=3))).cost == Decimal("0")
    assert (await store.usage_summary(G2, T0)).cost == Decimal("1")
    assert await store.images_today(G, U1) == 4  # the clock's day
    assert await store.monthly_spend(G) == (Decimal("0.075"), Decimal("0.04"))


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(StatementError, match="naive"):
        await store.usage_summary(G, datetime(2030, 1, 1))  # noqa: DTZ001


# -- data deletion ----------------------------------------------------------------------------


async def test_delete_user_data_anonymises_jobs_and_audit(store: Store, clock: FakeClock) -> None:
    old = await store.create_job(user_id=U1, guild_id=G, kind="imagine", model="m", prompt="last week")
    await store.update_job(old.id, status="done", charge_images=1)
    clock.advance(timedelta(days=7))
    job = await store.create_job(
        user_id=U1, guild_id=G, channel_id=5, kind="imagine", model="m", prompt="secret", options={"n": 1}
    )
    await store.update_job(
        job.id,
        status="done",
        image_count=3,
        cost=Decimal("0.5"),
        charge_images=3,
        charge_cost=Decimal("0.5"),
        message_id=77,
        generation_id="g",
    )
    pending = await store.create_job(user_id=U1, guild_id=G2, kind="chatimage", model="m", prompt="secret 2")
    other = await store.create_job(user_id=U2, guild_id=G, kind="imagine", model="m", prompt="keep")
    await store.update_guild_settings(G, U1, image_model="img-1")  # U1 as moderator
    await store.update_guild_settings(G, U2, max_count=5)

    # last week's job and the audit entry now; today's job and the one in flight keep the id
    assert await store.delete_user_data(U1) == (2, 2)

    gone = await store.get_job(old.id)
    assert gone is not None
    assert (gone.user_id, gone.prompt) == (DELETED_USER_ID, "")
    scrubbed = await store.get_job(job.id)
    assert scrubbed is not None
    assert (scrubbed.user_id, scrubbed.prompt, scrubbed.options) == (U1, "", {})
    assert (scrubbed.channel_id, scrubbed.message_id, scrubbed.generation_id) == (None, None, None)
    assert (scrubbed.image_count, scrubbed.cost, scrubbed.status) == (3, Decimal("0.500000"), "done")
    assert (await store.usage_summary(G, T0)).cost == Decimal("0.5")  # budgets stay right
    assert await store.images_today(G, U1) == 3  # and so does today's quota: no way around it
    still = await store.get_job(pending.id)
    assert still is not None
    assert (still.user_id, still.prompt) == (U1, "")
    assert await store.get_job(other.id) == other
    assert {e.actor_id for e in await store.list_audit(G)} == {DELETED_USER_ID, U2}
    assert await _count(store, audit_log, audit_log.c.actor_id == U1) == 0

    # the next day, once the job in flight has ended, the sweep removes the id as well
    await store.update_job(pending.id, status="failed")
    clock.advance(timedelta(days=1))
    purged = await store.purge_expired(90)
    assert (purged.jobs, purged.audit, purged.forgotten) == (0, 0, 2)
    assert U1 not in {u.user_id for u in (await store.usage_summary(G, T0)).users}
    assert await store.recent_jobs(G2, user_id=U1) == []
    assert await store.delete_user_data(U1) == (0, 0)
    assert (await store.purge_expired(90)).forgotten == 0
    assert await store.get_job(other.id) == other  # other members' rows untouched


async def test_an_enhanced_prompt_is_kept_with_its_job_and_forgotten_with_it(store: Store) -> None:
    job = await store.create_job(user_id=U1, guild_id=G, kind="imagine", model="m", prompt="a fox")
    assert (await store.get_job(job.id)).enhanced_prompt is None  # type: ignore[union-attr]
    assert await store.set_enhanced_prompt(job.id, "a red fox in fresh snow") is True
    kept = await store.get_job(job.id)
    assert kept is not None
    assert (kept.prompt, kept.enhanced_prompt) == ("a fox", "a red fox in fresh snow")
    await store.delete_user_data(U1)
    scrubbed = await store.get_job(job.id)
    assert scrubbed is not None
    assert (scrubbed.prompt, scrubbed.enhanced_prompt) == ("", None)
    # A rewrite arriving after /forgetme (the job was in flight) does not bring the words back.
    assert await store.set_enhanced_prompt(job.id, "a red fox in fresh snow") is False
    assert (await store.get_job(job.id)).enhanced_prompt is None  # type: ignore[union-attr]


async def test_retention_deletes_old_rows_but_never_this_months(store: Store, clock: FakeClock) -> None:
    clock.now = datetime(2030, 1, 31, 23, 0, tzinfo=UTC)
    ancient = await store.create_job(user_id=U1, guild_id=G, kind="imagine", model="m", prompt="old")
    await store.update_job(ancient.id, status="done", charge_cost=Decimal("1"))
    await store.update_guild_settings(G, U1, max_count=3)
    clock.now = datetime(2030, 3, 1, 0, 30, tzinfo=UTC)  # 29 days later: still kept at 31 days
    recent = await store.create_job(user_id=U1, guild_id=G, kind="imagine", model="m", prompt="new")
    await store.update_job(recent.id, status="done", charge_cost=Decimal("2"))
    assert await store.purge_expired(31) == PurgeResult(jobs=0, audit=0, forgotten=0)

    clock.now = datetime(2030, 3, 31, 23, 59, tzinfo=UTC)  # 31 days after `recent`'s month began
    assert await store.purge_expired(31) == PurgeResult(jobs=1, audit=1, forgotten=0)
    assert await store.get_job(ancient.id) is None
    assert await store.get_job(recent.id) is not None  # this month's budget still counts it
    assert await store.monthly_spend(G) == (Decimal("2.000000"), Decimal("0.000000"))
    assert await store.list_audit(G) == []


def test_retention_cutoff_is_never_inside_the_current_month() -> None:
    now = datetime(2030, 3, 31, 23, 59, tzinfo=UTC)
    assert retention_cutoff(now, 31) == datetime(2030, 2, 28, 23, 59, tzinfo=UTC)
    assert retention_cutoff(datetime(2030, 3, 5, tzinfo=UTC), 31) == datetime(2030, 2, 2, tzinfo=UTC)
    for day in range(1, 32):
        instant = datetime(2030, 1, day, 23, 59, 59, tzinfo=UTC)
        assert retention_cutoff(instant, 31) <= datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="at least 31"):
        retention_cutoff(now, 30)


# -- meta -------------------------------------------------------------------------------------


async def test_meta_values(store: Store) -> None:
    assert await store.get_meta("tree_hash") is None
    await store.set_meta("tree_hash", "one")
    await store.set_meta("tree_hash", "two")
    await store.set_meta("other", "x")
    assert await store.get_meta("tree_hash") == "two"
    assert await store.get_meta("other") == "x"


async def test_priming_one_guild_caches_every_channel(
    backend: Backend, store: Store, clock: FakeClock
) -> None:
    await store.update_channel_settings(1, 11, 99, aspect_ratio="16:9")
    await store.update_guild_settings(1, 99, max_count=6)
    fresh = await backend.open(clock=clock)  # another process: empty caches, same database
    try:
        assert fresh.get_cached_channel_settings(1, 12) is None
        await fresh.prime_guilds({1: [11, 12, 13]})
        guild = fresh.get_cached_guild_settings(1)
        assert guild is not None
        assert guild.max_count == 6
        assert fresh.get_cached_channel_settings(1, 11) == ChannelSettings(aspect_ratio="16:9")
        assert fresh.get_cached_channel_settings(1, 12) == ChannelSettings()
        assert fresh.get_cached_channel_settings(1, 13) == ChannelSettings()
        assert fresh.get_cached_channel_settings(1, 14) is None  # not a channel of the guild
    finally:
        await fresh.close()


async def test_a_multi_message_result_keeps_every_message_id(store: Store) -> None:
    job = await store.create_job(user_id=5, kind="imagine", model="m", prompt="p", guild_id=1, channel_id=2)
    assert job.extra_message_ids == []
    await store.update_job(job.id, message_id=100, extra_message_ids=[101, 102])
    again = await store.get_job(job.id)
    assert again is not None
    assert (again.message_id, again.extra_message_ids) == (100, [101, 102])
    await store.delete_user_data(5)
    scrubbed = await store.get_job(job.id)
    assert scrubbed is not None
    assert (scrubbed.message_id, scrubbed.extra_message_ids) == (None, [])


async def test_prime_guilds_warms_many_guilds_with_two_queries(
    backend: Backend, store: Store, clock: FakeClock
) -> None:
    from sqlalchemy import event

    await store.update_guild_settings(3, 99, max_count=5)
    await store.update_channel_settings(4, 41, 99, aspect_ratio="16:9")
    fresh = await backend.open(clock=clock)  # another process: empty caches, same database
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sync_engine = fresh._engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        guilds = {guild_id: [guild_id * 10 + c for c in range(1, 4)] for guild_id in range(1, 101)}
        await fresh.prime_guilds(guilds)
        assert len(statements) == 2  # 100 guilds and 300 channels: one query for each table
        event.remove(sync_engine, "before_cursor_execute", count)
        assert fresh.get_cached_guild_settings(3) is not None
        assert fresh.get_cached_guild_settings(3).max_count == 5  # type: ignore[union-attr]
        assert fresh.get_cached_guild_settings(7) == GuildSettings()
        assert fresh.get_cached_channel_settings(4, 41) == ChannelSettings(aspect_ratio="16:9")
        assert fresh.get_cached_channel_settings(4, 42) == ChannelSettings()
        assert fresh.get_cached_channel_settings(100, 1003) == ChannelSettings()
        assert fresh.get_cached_channel_settings(4, 44) is None  # not a channel of the guild
    finally:
        if event.contains(sync_engine, "before_cursor_execute", count):
            event.remove(sync_engine, "before_cursor_execute", count)
        await fresh.close()
