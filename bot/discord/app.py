"""`ImageBot`: a thin `AutoShardedBot` that owns its resources and loads the cogs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot import priming
from bot.discord import command_sync
from bot.discord.flows import actions, buttons, recovery
from bot.discord.flows.modlog import ModLog
from bot.discord.flows.undelivered import UndeliveredResults
from bot.discord.state import state_of
from bot.discord.translator import CommandTranslator
from bot.discord.tree import ImageBotTree
from bot.discord.views.buttons import Action
from bot.gateway.catalog import ModelCatalog
from bot.gateway.heap import process_heap
from bot.generation import GenerationService
from bot.jobs import Plan
from bot.observability import EventLoopMonitor, Metrics, discord_http_trace
from bot.pacing import BurstPacer
from bot.policy import folding
from bot.settings import Settings
from bot.storage.store import Store

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = (
    "cogs.imagine",
    "cogs.chatimage",
    "cogs.describe",
    "cogs.blend",
    "cogs.config",
    "cogs.results",
    "cogs.member",
    "cogs.info",
)
CATALOG_REFRESH_SECONDS = 600.0
SHUTDOWN_GRACE_SECONDS = 60.0
RETENTION_SWEEP_SECONDS = 3600.0
"""How often old rows are deleted (and `/forgetme`'s held ids removed after midnight UTC)."""
HEAP_TRIM_SECONDS = 60.0
"""An idle bot gives freed image memory back at most this long after its jobs stopped."""
LOOP_MONITOR_INTERVAL = 0.05  # stalls shorter than this can slip between samples


def bot_intents() -> discord.Intents:
    """Only the ``guilds`` intent: guild and channel lists for the settings cache.

    Interactions arrive without any intent; no message, member, presence or voice events are
    needed, so none are asked for (and none of the privileged ones).
    """
    return discord.Intents(guilds=True)


class ImageBot(commands.AutoShardedBot):
    """The Discord bot. Resources are made by `bot.__main__.run` and handed in.

    Args:
        settings: Process settings.
        generation: The generation service (gateway, store, limits, queue).
        catalog: The cached model catalogue (autocomplete reads it without I/O).
        store: Settings, jobs and usage.
        metrics: Prometheus metrics.
        sync_commands: Sync the command tree at start-up when its hash changed.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        generation: GenerationService,
        catalog: ModelCatalog,
        store: Store,
        metrics: Metrics,
        sync_commands: bool = True,
    ) -> None:
        # The bot never joins voice: don't warn operators about missing voice libraries.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            # Slash commands only: no prefix (and no message events to look for one in).
            command_prefix=(),
            intents=bot_intents(),
            tree_cls=ImageBotTree,
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,  # type: ignore[arg-type]  # None: all shards (discord.py's default)
            help_command=None,
            http_trace=discord_http_trace(metrics),  # feeds discord_http_errors_total
        )
        self.settings = settings
        self.generation = generation
        self.catalog = catalog
        self.store = store
        self.metrics = metrics
        self.sync_commands = sync_commands
        self.modlog = ModLog(self)
        self.undelivered = UndeliveredResults()  # results Discord would not take, for /job
        # Feeds the event-loop lag gauge for the bot's whole life (see setup_hook and close).
        self.loop_monitor = EventLoopMonitor(LOOP_MONITOR_INTERVAL, metrics=metrics)
        # Cuts a burst of commands into loop-pass-sized slices (the tree awaits it first).
        self.pacer = BurstPacer()
        self.accepting_jobs = True
        self._tasks: set[asyncio.Task[Any]] = set()
        self._jobs: set[asyncio.Task[Any]] = set()
        self._cancellable: dict[str, tuple[asyncio.Task[Any], Plan]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._jobs_started = 0
        self.heap_trimmed = asyncio.Event()  # set after each idle trim of the C heap
        self.primer = priming.GuildPrimer(store.prime_guilds)
        self._heap_frozen = False

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py's dispatch, plus a `modal_submit` event for every modal submit.

        Cogs that answer modals opened before a restart listen to `on_modal_submit`: an
        `on_interaction` listener would cost a task for every command of a burst, only to
        return at once.
        """
        super().dispatch(event_name, *args, **kwargs)
        if event_name == "interaction" and args[0].type is discord.InteractionType.modal_submit:
            super().dispatch("modal_submit", *args, **kwargs)

    # --- lifecycle -----------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Load the cogs, register restart-proof buttons, warm the catalogue, sync if needed."""
        self.loop_monitor.start()
        # The confusables table (a file read and a few thousand entries) is built on first
        # use: here, not inside the first command's deferral window.
        folding.confusables()
        # Before the cogs: the synced schema carries every command's localised names.
        await self.tree.set_translator(CommandTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.settings.discord_api_base_url is not None:
            await self._use_gateway_of_rest_base()
        self.spawn(self._refresh_catalog_forever(), name="catalog-refresh")
        # Register this process, then settle at once the jobs of processes that are gone (an
        # earlier run of this one included: every start has a fresh instance id).
        await recovery.register(self)
        await recovery.reconcile(self)
        self.spawn(recovery.keep_alive(self), name="heartbeat")
        self.spawn(self._sweep_retention_forever(), name="retention")
        self.spawn(self._trim_heap_when_idle(), name="heap-trim")
        if self.sync_commands:
            await self.sync_if_changed()

    async def _trim_heap_when_idle(self) -> None:
        """Give the C heap's freed image memory back once jobs have stopped (`bot.gateway.heap`).

        Checked every `HEAP_TRIM_SECONDS`: when no job is in flight and some ran since the last
        trim. Between those, freed buffers stay in the heap to be reused without page faults.
        """
        heap = process_heap()
        trimmed_after = 0
        while True:
            await asyncio.sleep(HEAP_TRIM_SECONDS)
            if self._jobs or self._jobs_started == trimmed_after:
                continue
            trimmed_after = self._jobs_started
            if await asyncio.to_thread(heap.trim):
                log.debug("idle: freed heap memory given back to the system")
            self.heap_trimmed.set()

    async def _use_gateway_of_rest_base(self) -> None:
        """Make the gateway that ``GET /gateway/bot`` names discord.py's default gateway too.

        discord.py connects to ``DEFAULT_GATEWAY`` (``wss://gateway.discord.gg``) when a shard
        count is configured and after a non-resumable INVALID_SESSION. Behind a custom REST base,
        the gateway is whatever that base announces, on every path.
        """
        _, url, _ = await self.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        log.info("Discord gateway (from the REST base): %s", url)

    async def close(self) -> None:
        """Stop taking jobs, let in-flight jobs finish (bounded), then close everything."""
        self.accepting_jobs = False
        if self._jobs:
            log.info("shutting down: waiting for %d job(s) in flight", len(self._jobs))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), SHUTDOWN_GRACE_SECONDS)
            for task in list(self._jobs):
                task.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._jobs, return_exceptions=True)
        await self.primer.close()
        await self._retire()
        await self.loop_monitor.stop()
        await super().close()

    async def _retire(self) -> None:
        """Settle what the database refused earlier, then leave the `processes` table."""
        books = self.generation.books
        try:
            await books.drain()
            if await books.retry_unsettled():
                # Kept in the database as this process's: the next start reconciles them.
                log.warning("%d job(s) could not be settled before stopping", books.unsettled)
            await self.store.retire_process(books.instance_id)
        except Exception as exc:
            log.warning("could not retire this process from the database: %s", exc)

    async def on_result_button(
        self, interaction: discord.Interaction[ImageBot], action: Action, job_id: str
    ) -> None:
        """Answer a click on a result button (`JobButton` routes here; see `flows.buttons`)."""
        await buttons.answer_click(interaction, action, job_id)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run a background task, keep a reference and log its failure."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    @contextlib.asynccontextmanager
    async def job_scope(self, plan: Plan | None = None) -> Any:
        """Mark the current task as an in-flight job, so shutdown waits for it.

        Args:
            plan: The job; while it waits in the queue its requester can cancel it.
        """
        task = asyncio.current_task()
        assert task is not None
        self._jobs.add(task)
        self._jobs_started += 1
        self._idle.clear()
        if plan is not None:
            self._cancellable[plan.job_id] = (task, plan)
        try:
            yield
        finally:
            self._jobs.discard(task)
            if plan is not None:
                self._cancellable.pop(plan.job_id, None)
            if not self._jobs:
                self._idle.set()

    async def on_image_action(
        self, interaction: discord.Interaction[ImageBot], job_id: str, number: int, action: str
    ) -> None:
        """Answer a pick in a result image's menu (`ImageActionSelect` routes here; see `flows.actions`)."""
        await actions.answer_action(interaction, job_id, number, action)

    async def on_image_pick(
        self, interaction: discord.Interaction[ImageBot], job_id: str, number: int
    ) -> None:
        """Answer the image picker of a result with many images (`ImagePickSelect` routes here)."""
        await actions.answer_pick(interaction, job_id, number)

    def queued_job(self, job_id: str) -> tuple[asyncio.Task[Any], Plan] | None:
        """The task and plan of a job of this process that is still waiting in the queue."""
        entry = self._cancellable.get(job_id)
        if entry is None or entry[1].running or entry[0].done():
            return None
        return entry

    async def wait_idle(self) -> None:
        """Return once no job is in flight (immediately when none is)."""
        await self._idle.wait()

    @property
    def jobs_in_flight(self) -> int:
        """How many generations this process is running or queueing."""
        return len(self._jobs)

    async def _sweep_retention_forever(self) -> None:
        """Delete rows past `RETENTION_DAYS` at start-up and every hour (a failed sweep is retried)."""
        while True:
            try:
                await self.store.purge_expired(self.settings.retention_days)
            except Exception as exc:  # the database may be down for a while: try again later
                log.warning("retention sweep failed: %s", exc)
            await asyncio.sleep(RETENTION_SWEEP_SECONDS)

    async def _refresh_catalog_forever(self) -> None:
        while True:
            await self.catalog.refresh()
            await asyncio.sleep(CATALOG_REFRESH_SECONDS)

    # --- command sync ----------------------------------------------------------------------

    def command_tree_hash(self) -> str:
        """Hash of application id, sync scope and command tree; a change means Discord needs a sync."""
        return command_sync.command_tree_hash(self)

    async def sync_if_changed(self, *, force: bool = False) -> bool:
        """Sync commands when the tree, scope or application changed (see `bot.discord.command_sync`).

        Returns:
            Whether a sync was sent to Discord.
        """
        return await command_sync.sync_if_changed(self, force=force)

    # --- events ---------------------------------------------------------------------------

    async def on_message(self, message: discord.Message, /) -> None:
        """Ignore messages: there are no prefix commands (and no message intents to get any)."""

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Warm the settings cache so the first command in any channel needs no database read.

        Guilds arriving together (the GUILD_CREATE burst at start-up) are primed in batches
        of 100 with two queries per batch (`bot.priming`).
        """
        self.primer.add(guild.id, [channel.id for channel in guild.channels])

    async def on_ready(self) -> None:
        """Log the connection once per (re)connect; the first time, freeze the warm heap."""
        log.info(
            "connected as %s (%s) with %d shard(s)", self.user, self.application_id, self.shard_count or 1
        )
        if not self._heap_frozen:
            self._heap_frozen = True
            self.spawn(self._freeze_when_primed(), name="freeze-heap")

    async def _freeze_when_primed(self) -> None:
        """After READY and priming, move the start-up heap out of the collector's way."""
        await self.primer.wait_idle()
        seconds = priming.freeze_heap()
        log.info("start-up heap frozen out of the garbage collector's way (%.1f ms)", seconds * 1e3)

    def is_ready_for_health(self) -> bool:
        """Readiness for `/healthz`: ready, and every shard's gateway websocket is connected."""
        if not self.is_ready() or self.is_closed():
            return False
        return all(not shard.is_closed() for shard in self.shards.values())

    def note_deferred(self, interaction: discord.Interaction[Any]) -> None:
        """Record the arrival -> deferral latency of an interaction."""
        received = state_of(interaction).received_at
        if received is not None:
            self.metrics.defer_seconds.observe(time.perf_counter() - received)
