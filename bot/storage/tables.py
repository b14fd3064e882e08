"""SQLAlchemy Core tables: the shape the numbered migrations create (a test keeps them in step).

The migrations in `bot/storage/migrations/<dialect>/` own the DDL; these objects are only used
to build queries. Timestamps are stored in UTC (`timestamptz` on PostgreSQL, naive UTC text on
SQLite) and always come back timezone-aware.

There is no separate usage counter table: usage is derived from `jobs` (one source of truth,
arbitrary `since` windows). The `usage` view in the migrations gives operators the per-day shape.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

COST_QUANTUM = Decimal("0.000001")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both backends; naive values are rejected."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive UTC for SQLite, so text comparison orders correctly)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns; normalise PostgreSQL's to UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """US dollars as `Decimal` with 6 places: NUMERIC on PostgreSQL, REAL on SQLite.

    SQLite has no decimal type; storing a float there and quantising on the way out avoids
    SQLAlchemy's "Decimal objects not supported natively" warning and still lets SUM() run in SQL.
    """

    impl = Numeric(14, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """REAL on SQLite, NUMERIC(14, 6) elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Float())
        return dialect.type_descriptor(Numeric(14, 6))

    def process_bind_param(self, value: Decimal | float | None, dialect: Dialect) -> Any:
        """Pass a float to SQLite and a Decimal to PostgreSQL."""
        if value is None:
            return None
        value = Decimal(str(value)).quantize(COST_QUANTUM)
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Always a Decimal quantised to micro-dollars."""
        if value is None:
            return None
        return Decimal(str(value)).quantize(COST_QUANTUM)


def _json() -> TypeEngine[Any]:
    return JSON().with_variant(JSONB(), "postgresql")


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

guild_settings = Table(
    "guild_settings",
    metadata,
    Column("guild_id", BigInteger, primary_key=True, autoincrement=False),
    # Overrides only (`GuildSettings.overrides()`); defaults are never stored.
    Column("data", _json(), nullable=False),
    # Bumped by every write; updates are compare-and-set on it (see Store).
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

channel_settings = Table(
    "channel_settings",
    metadata,
    Column("guild_id", BigInteger, primary_key=True, autoincrement=False),
    Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
    Column("data", _json(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("guild_id", BigInteger, nullable=True),  # NULL for direct messages
    Column("channel_id", BigInteger, nullable=True),
    Column("user_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("model", Text, nullable=False),
    Column("prompt", Text, nullable=False),
    Column("options", _json(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("message_id", BigInteger, nullable=True),
    Column("interaction_token_expires_at", UTCDateTime, nullable=True),
    Column("image_count", Integer, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("cost", Money, nullable=True),
    Column("generation_id", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("extra_message_ids", _json(), nullable=False),  # V2: the rest of a multi-message result
    # V3: what the job counts against quotas and budgets (see bot/storage/_admission.py).
    Column("estimate", Money, nullable=True),
    Column("charge_images", Integer, nullable=False),
    Column("charge_cost", Money, nullable=False),
    Column("cost_source", String(16), nullable=True),
    Column("owner", String(40), nullable=True),
    Column("reply_token", Text, nullable=True),  # the interaction token while the job is active
    Column("enhanced_prompt", Text, nullable=True),  # V4: the rewrite the model got (`enhance`)
    Index("ix_jobs_guild_user_created", "guild_id", "user_id", "created_at"),
    Index("ix_jobs_guild_created", "guild_id", "created_at"),
    Index("ix_jobs_user_created", "user_id", "created_at"),
    Index("ix_jobs_created", "created_at"),
    Index("ix_jobs_status_owner", "status", "owner"),
)

processes = Table(
    "processes",
    metadata,
    Column("instance_id", String(40), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("channel_id", BigInteger, nullable=True),  # set for channel-settings changes
    Column("actor_id", BigInteger, nullable=False),
    Column("action", String(32), nullable=False),
    Column("field", String(64), nullable=False),
    Column("old", _json(), nullable=True),
    Column("new", _json(), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_audit_log_guild_id", "guild_id", "id"),
    Index("ix_audit_log_actor", "actor_id"),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", Text, nullable=False),
)
