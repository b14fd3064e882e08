"""Start-up: open every resource with `async with`, run the bot, close in reverse order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

import aiohttp
import discord

from bot.attribution import Attribution
from bot.discord import command_sync
from bot.discord.app import ImageBot
from bot.discord.flows.progress import PROGRESS_EDIT_INTERVAL
from bot.discord.startup import (
    StartupError,
    describe_discord_error,
    describe_port_error,
    open_limits_checked,
    open_store,
)
from bot.gateway.budget import ImageBudget, MiB
from bot.gateway.catalog import ModelCatalog
from bot.gateway.client import GatewayClient
from bot.generation import GenerationService
from bot.limits import JobQueue
from bot.money import CostControl
from bot.observability import HealthServer, Metrics
from bot.policy import GlobalDefaults
from bot.policy.operator import OperatorPolicy
from bot.settings import Settings, require
from bot.storage.store import Store

log = logging.getLogger(__name__)


def make_session() -> aiohttp.ClientSession:
    """The one HTTP session for the AI gateway (no default auth header: it is per request)."""
    connector = aiohttp.TCPConnector(limit=100, limit_per_host=50, ttl_dns_cache=300)
    return aiohttp.ClientSession(connector=connector, read_bufsize=2**20)


def apply_discord_base_url(settings: Settings) -> None:
    """Point discord.py at a REST proxy when `DISCORD_API_BASE_URL` is set; else leave defaults."""
    if settings.discord_api_base_url is not None:
        discord.http.Route.BASE = str(settings.discord_api_base_url).rstrip("/")
        log.info("Discord REST base: %s", discord.http.Route.BASE)


def operator_policy(settings: Settings) -> OperatorPolicy:
    """The operator's policy from `Settings` (README "Operator policy")."""
    return OperatorPolicy(
        allow_dms=settings.allow_dms,
        allow_user_installs=settings.allow_user_installs,
        blocked_terms=tuple(settings.operator_blocked_terms),
        allowed_models=tuple(settings.operator_allowed_models),
        outside_daily_images=settings.dm_daily_images,
        outside_cooldown_seconds=settings.dm_cooldown_seconds,
        outside_monthly_spend=settings.dm_monthly_spend_cap,
    )


def image_budget(settings: Settings) -> ImageBudget:
    """The process-wide image budget from the settings (README "Images")."""
    return ImageBudget(
        memory_bytes=settings.image_memory_budget_mb * MiB,
        pixels=settings.image_pixel_budget_mp * 1_000_000,
        reencodes=settings.max_concurrent_reencodes,
        spool_dir=settings.image_spool_dir,
    )


async def build_bot(
    settings: Settings, session: aiohttp.ClientSession, store: Store, *, sync: bool = True
) -> ImageBot:
    """Wire the services into an `ImageBot` (shared by `run` and the tests)."""
    credential = settings.gateway_credential
    budget = image_budget(settings)
    gateway = GatewayClient(
        session,
        str(settings.ai_gateway_base_url),
        credential,
        total_timeout=settings.ai_gateway_timeout,
        budget=budget,
        max_job_bytes=settings.max_job_image_mb * MiB,
    )
    catalog = ModelCatalog(gateway)
    limits = await open_limits_checked(settings)
    metrics = Metrics()
    queue = JobQueue(settings.max_concurrent_jobs, position_interval=PROGRESS_EDIT_INTERVAL)
    metrics.queue_depth.set_function(lambda: queue.depth)
    metrics.jobs_running.set_function(lambda: queue.running)
    metrics.image_bytes_in_memory.set_function(lambda: budget.in_memory)
    metrics.image_decodes_waiting.set_function(lambda: budget.decodes_waiting)
    service = GenerationService(
        gateway=gateway,
        catalog=catalog,
        store=store,
        limits=limits,
        queue=queue,
        defaults=GlobalDefaults(
            image_model=settings.default_image_model, chat_model=settings.default_chat_model
        ),
        metrics=metrics,
        operator=operator_policy(settings),
        attribution=Attribution.from_settings(settings.attribution_salt, credential),
        cost=CostControl.from_settings(settings),
    )
    return ImageBot(
        settings=settings,
        generation=service,
        catalog=catalog,
        store=store,
        metrics=metrics,
        sync_commands=sync,
    )


async def run(settings: Settings, *, sync_only: bool = False, clear_guilds: Sequence[int] = ()) -> int:
    """Run the bot until SIGTERM/SIGINT (or sync commands and exit with `sync_only`).

    Args:
        settings: Process settings.
        sync_only: Log in, sync the commands (forced) and exit.
        clear_guilds: With `sync_only`: instead of syncing, remove the commands from these guilds.

    Returns:
        The process exit code.
    """
    require(settings, "discord_token", "gateway_credential")
    assert settings.discord_token is not None
    apply_discord_base_url(settings)
    async with make_session() as session:
        store = await open_store(settings)
        try:
            bot = await build_bot(settings, session, store, sync=not sync_only)
            try:
                async with bot:
                    if sync_only:
                        return await _sync_only(bot, settings, clear_guilds)
                    return await _serve(bot, settings)
            finally:
                await bot.generation.limits.close()
        finally:
            await store.close()


async def _sync_only(bot: ImageBot, settings: Settings, clear_guilds: Sequence[int]) -> int:
    assert settings.discord_token is not None
    await _login(bot, settings.discord_token.get_secret_value())
    for guild_id in clear_guilds:
        try:
            await command_sync.clear_guild(bot, guild_id)
        except discord.HTTPException as exc:
            raise StartupError(
                f"cannot clear the commands of guild {guild_id}: {exc.text or exc.status} "
                "(is the bot still in that server?)"
            ) from None
    if not clear_guilds:
        await bot.sync_if_changed(force=True)
    return 0


def _discord_failure(error: BaseException) -> StartupError | None:
    message = describe_discord_error(discord.http.Route.BASE, error)
    return StartupError(message) if message is not None else None


async def _login(bot: ImageBot, token: str) -> None:
    try:
        await bot.login(token)
    except Exception as exc:
        if (failure := _discord_failure(exc)) is not None:
            raise failure from None
        raise


async def _serve(bot: ImageBot, settings: Settings) -> int:
    assert settings.discord_token is not None
    health: HealthServer | None = None
    if settings.health_port is not None:
        health = HealthServer(bot.metrics, bot.is_ready_for_health, host="0.0.0.0", port=settings.health_port)  # noqa: S104 - containers
        try:
            port = await health.start()
        except OSError as exc:
            raise StartupError(describe_port_error(settings.health_port, exc)) from None
        log.info("health and metrics on port %d (/healthz, /metrics)", port)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()), name="discord")
    stopper = asyncio.create_task(stop.wait(), name="signals")
    try:
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("signal received: finishing in-flight jobs, then stopping")
            await bot.close()
        await runner
    except Exception as exc:
        if (failure := _discord_failure(exc)) is not None:
            raise failure from None
        raise
    finally:
        stopper.cancel()
        if health is not None:
            await health.stop()
    log.info("stopped")
    return 0
