"""Start-up checks: open the database, Redis and Discord, turning failures into one line.

Each `StartupError` message names what could not be reached (host, port, database; never a
password) and what to do; `bot.__main__` prints it and exits with code 2 instead of a traceback.
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
from collections.abc import Iterator
from typing import Any

import aiohttp
import asyncpg
import discord
import redis.exceptions
from sqlalchemy.engine import URL, make_url

from bot.limits import Limits, open_limits
from bot.settings import ConfigError, Settings
from bot.storage.store import Store

# Query parameters managed PostgreSQL providers put in their URLs, mapped to asyncpg's `ssl`.
_SSL_TRUE = {"true", "1", "yes", "on"}
_SSL_FALSE = {"false", "0", "no", "off"}
_SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}


class StartupError(ConfigError):
    """A resource named in the settings cannot be used; the message is one actionable line."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error`, the DBAPI error SQLAlchemy wraps, and their causes, each once."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([getattr(current, "orig", None), current.__cause__, current.__context__])


def _find(error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]) -> Any:
    return next((e for e in _chain(error) if isinstance(e, kind)), None)


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.gaierror) and error.strerror:
        return error.strerror
    if isinstance(error, OSError) and error.errno and error.errno > 0:
        return os.strerror(error.errno)  # "Connection refused", not asyncio's "Connect call failed"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, TimeoutError):
        return "timed out"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def postgres_connect_args(database_url: str) -> tuple[str, dict[str, Any]]:
    """Move libpq-style `sslmode`/`ssl` query parameters into asyncpg's `ssl` argument.

    asyncpg takes no `sslmode` keyword, so `?sslmode=require` as providers hand it out would
    fail. `ssl=true` means `require` (encrypted; the certificate is not verified, as libpq's
    `require`), `ssl=false` means `disable`, and libpq's mode names pass through.

    Args:
        database_url: `DATABASE_URL`.

    Returns:
        The URL without those parameters (password kept) and the driver's connect arguments.

    Raises:
        StartupError: For an SSL value that is neither a boolean nor a libpq mode.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return database_url, {}
    query = dict(url.query)
    raw = query.pop("sslmode", None) or query.pop("ssl", None)
    query.pop("ssl", None)
    if raw is None:
        return database_url, {}
    value = (raw if isinstance(raw, str) else raw[-1]).strip().lower()
    mode = "require" if value in _SSL_TRUE else "disable" if value in _SSL_FALSE else value
    if mode not in _SSL_MODES:
        raise StartupError(
            f"DATABASE_URL has sslmode={value!r}: use one of {', '.join(sorted(_SSL_MODES))} (or ssl=true)"
        )
    return url.set(query=query).render_as_string(hide_password=False), {"ssl": mode}


def _where(url: URL) -> str:
    return f"{url.host}:{url.port or 5432}"


def describe_database_error(database_url: str, error: BaseException) -> str:
    """One line for a failure to open `database_url`, naming host and database, never the password."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database
        cause = _find(error, (sqlite3.Error, OSError))
        reason = _reason(cause or error)
        return (
            f"cannot open the SQLite database {path}: {reason}; DATABASE_URL must name a file in a "
            "directory this user can write (SQLite also writes -wal and -shm files beside it)"
        )
    target = f"database {url.database!r} on {_where(url)} as user {url.username!r}"
    if _find(error, asyncpg.InvalidCatalogNameError):
        return f"PostgreSQL has no {target.split(' as ')[0]}: create it or fix the name in DATABASE_URL"
    if auth := _find(error, (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidPasswordError)):
        return f"PostgreSQL refused {target}: {_reason(auth)}; check the user and password in DATABASE_URL"
    if typo := _find(error, TypeError):
        return f"DATABASE_URL has a parameter asyncpg does not take ({_reason(typo)}); remove it"
    cause = _find(error, (OSError, asyncpg.PostgresError, ConnectionError)) or error
    if isinstance(cause, socket.gaierror):
        return f"cannot resolve the PostgreSQL host {url.host!r} in DATABASE_URL: {_reason(cause)}"
    reason = _reason(cause)
    if url.password:
        reason = reason.replace(url.password, "***")
    if "SSL" in reason:
        return f"cannot connect to {target}: {reason}; the server may not offer SSL (sslmode=prefer tries it)"
    return f"cannot connect to {target}: {reason}; is PostgreSQL running there, and is DATABASE_URL right?"


def describe_redis_error(redis_url: str, error: BaseException) -> str:
    """One line for a Redis that cannot be used, naming its address, never the password."""
    parsed = make_url(redis_url.replace("://", "+x://", 1)) if "://" in redis_url else None
    where = f"{parsed.host or 'localhost'}:{parsed.port or 6379}" if parsed and parsed.host else redis_url
    if isinstance(error, redis.exceptions.AuthenticationError | redis.exceptions.AuthorizationError):
        return f"Redis at {where} refused the credentials in REDIS_URL: {_reason(error)}"
    cause = _find(error, OSError) or error
    reason = _reason(cause).removesuffix(".")
    if parsed is not None and parsed.password:
        reason = reason.replace(parsed.password, "***")
    return f"cannot use Redis at {where} (REDIS_URL): {reason}; start Redis there or unset REDIS_URL"


def describe_discord_error(base_url: str, error: BaseException) -> str | None:
    """One line for a login that could not reach Discord or was refused; None if not such an error."""
    if isinstance(error, discord.LoginFailure):
        return "Discord rejected DISCORD_TOKEN: reset the token in the Developer Portal (Bot) and update .env"
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return f"Discord refused a privileged intent: {error}"
    if isinstance(error, aiohttp.ClientConnectionError | OSError | TimeoutError):
        reason = _reason(_find(error, OSError) or error)
        return f"cannot reach Discord at {base_url}: {reason}; check the network or DISCORD_API_BASE_URL"
    if isinstance(error, discord.HTTPException) and error.status >= 500:
        return f"Discord answered {error.status} at login ({base_url}); it may be down, try again later"
    return None


def describe_port_error(port: int, error: OSError) -> str:
    """One line for a health server that cannot bind `port`."""
    if error.errno == errno.EADDRINUSE:
        return f"HEALTH_PORT {port} is already in use: pick another port or stop what uses it"
    return f"cannot serve HEALTH_PORT {port}: {_reason(error)}"


async def open_store(settings: Settings) -> Store:
    """`Store.open` for the settings, with `sslmode` translated and failures as one line.

    Raises:
        StartupError: The database or Redis cannot be used.
    """
    url, connect_args = postgres_connect_args(settings.database_url)
    try:
        return await Store.open(
            url,
            redis_url=settings.redis_url,
            connect_args=connect_args,
            db_timeout=settings.database_timeout,
            redis_timeout=settings.redis_timeout,
        )
    except redis.exceptions.RedisError as exc:
        assert settings.redis_url is not None
        raise StartupError(describe_redis_error(settings.redis_url, exc)) from None
    except Exception as exc:
        known = _find(exc, (OSError, sqlite3.Error, asyncpg.PostgresError, ConnectionError))
        typo = _find(exc, TypeError)
        if known is None and (typo is None or "keyword argument" not in str(typo)):
            raise
        raise StartupError(describe_database_error(settings.database_url, exc)) from None


async def open_limits_checked(settings: Settings) -> Limits:
    """`open_limits` for `REDIS_URL`, with an unreachable Redis as one line.

    Raises:
        StartupError: Redis is configured but cannot be used.
    """
    try:
        return await open_limits(settings.redis_url, command_timeout=settings.redis_timeout)
    except (redis.exceptions.RedisError, OSError) as exc:
        assert settings.redis_url is not None
        raise StartupError(describe_redis_error(settings.redis_url, exc)) from None
