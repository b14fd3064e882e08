"""Start-up helpers: PostgreSQL SSL parameters as providers hand them out, error sentences."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.discord.startup import StartupError, describe_database_error, postgres_connect_args
from bot.storage.db import create_engine


@pytest.mark.parametrize(
    ("query", "ssl"),
    [
        ("?sslmode=require", "require"),
        ("?sslmode=verify-full", "verify-full"),
        ("?ssl=true", "require"),
        ("?ssl=false", "disable"),
        ("?ssl=prefer", "prefer"),
    ],
)
def test_ssl_parameters_become_asyncpg_ssl(query: str, ssl: str) -> None:
    url, args = postgres_connect_args(
        f"postgresql+asyncpg://u:p%40ss@db.example:6543/app{query}&application_name=x"
    )
    assert args == {"ssl": ssl}
    assert url == "postgresql+asyncpg://u:p%40ss@db.example:6543/app?application_name=x"


def test_urls_without_ssl_parameters_are_untouched() -> None:
    url = "postgresql+asyncpg://u:p@db/app"
    assert postgres_connect_args(url) == (url, {})
    assert postgres_connect_args("sqlite+aiosqlite:///data/x.sqlite3") == (
        "sqlite+aiosqlite:///data/x.sqlite3",
        {},
    )


def test_unknown_ssl_mode_is_one_line() -> None:
    with pytest.raises(StartupError, match=r"DATABASE_URL has sslmode='maybe': use one of allow, disable"):
        postgres_connect_args("postgresql+asyncpg://u@db/app?sslmode=maybe")


def test_database_errors_never_echo_the_password() -> None:
    url = "postgresql+asyncpg://bot:s3cret-pw@db:5432/app"
    line = describe_database_error(url, OSError("could not connect with s3cret-pw"))
    assert "s3cret-pw" not in line
    assert "database 'app' on db:5432 as user 'bot'" in line


@pytest.mark.postgres
async def test_sslmode_disable_connects_to_the_real_postgresql(postgres_url: str) -> None:
    url, args = postgres_connect_args(postgres_url + "?sslmode=disable")
    engine = create_engine(url, connect_args=args)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
