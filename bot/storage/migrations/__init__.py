"""Numbered SQL migrations (`<dialect>/V<n>__<description>.sql`), applied at start-up.

Applied versions are recorded in `schema_version`. `migrate()` is idempotent and safe to run
from several processes at once: all of it happens in one transaction that first takes a lock
(PostgreSQL: a transaction-scoped advisory lock keyed on the current schema; SQLite:
`BEGIN IMMEDIATE`, the database write lock). A second process waits, then finds nothing to do.
Both backends have transactional DDL, so a failing migration leaves no trace.

Statements are split on `;`; migrations must not contain `;` inside literals or bodies.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.db import write_engine
from bot.storage.tables import schema_version

log = logging.getLogger(__name__)

_FILE_RE = re.compile(r"^V(?P<version>\d+)__(?P<name>[A-Za-z0-9_]+)\.sql$")

_SCHEMA_VERSION_DDL = {
    "postgresql": (
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL,"
        " checksum VARCHAR(64) NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    ),
    "sqlite": (
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL,"
        " checksum VARCHAR(64) NOT NULL, applied_at DATETIME NOT NULL)"
    ),
}

# Advisory locks are database-wide; keying on the schema lets separate schemas migrate in parallel.
_PG_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('imagebot.migrate:' || current_schema(), 0))"


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered migration file.

    Attributes:
        version: The number after `V`.
        name: The description after `__`.
        sql: The file's text.
    """

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text (to notice edits to applied migrations)."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The SQL statements of the file, without comment lines."""
        body = "\n".join(line for line in self.sql.splitlines() if not line.lstrip().startswith("--"))
        return [stmt.strip() for stmt in body.split(";") if stmt.strip()]


def load_migrations(dialect: str) -> list[Migration]:
    """Read the migrations for a dialect, sorted by version.

    Args:
        dialect: `sqlite` or `postgresql`.

    Returns:
        The migrations, lowest version first.

    Raises:
        ValueError: For an unknown dialect or two files with the same version.
    """
    if dialect not in _SCHEMA_VERSION_DDL:
        raise ValueError(f"no migrations for dialect {dialect!r}")
    found: dict[int, Migration] = {}
    for entry in resources.files(__name__).joinpath(dialect).iterdir():
        match = _FILE_RE.match(entry.name)
        if match is None:
            continue
        version = int(match["version"])
        if version in found:
            raise ValueError(f"two {dialect} migrations numbered V{version}")
        found[version] = Migration(version, match["name"], entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


async def _apply_pending(conn: AsyncConnection, migrations: list[Migration]) -> list[int]:
    await conn.exec_driver_sql(_SCHEMA_VERSION_DDL[conn.dialect.name])
    rows = await conn.execute(select(schema_version.c.version, schema_version.c.checksum))
    applied = {row.version: row.checksum for row in rows}
    known = {m.version for m in migrations}
    if ahead := sorted(set(applied) - known):
        log.warning("database has migrations this code does not know: %s", ahead)
    done: list[int] = []
    for migration in migrations:
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                log.warning("migration V%d was edited after it was applied", migration.version)
            continue
        for statement in migration.statements():
            await conn.exec_driver_sql(statement)
        await conn.execute(
            schema_version.insert().values(
                version=migration.version,
                name=migration.name,
                checksum=migration.checksum,
                applied_at=datetime.now(UTC),
            )
        )
        log.info("applied migration V%d__%s", migration.version, migration.name)
        done.append(migration.version)
    return done


async def migrate(engine: AsyncEngine) -> list[int]:
    """Bring the database schema up to date.

    Args:
        engine: An engine made by `bot.storage.db.create_engine`.

    Returns:
        The versions this call applied (empty when the schema was already current).
    """
    migrations = load_migrations(engine.dialect.name)
    async with write_engine(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(_PG_LOCK))
        return await _apply_pending(conn, migrations)
