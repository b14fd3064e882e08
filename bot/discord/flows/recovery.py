"""Crash recovery: heartbeat this process, reconcile jobs whose process is gone, tell members.

Every process has a fresh instance id (`Bookkeeper.instance_id`) and heartbeats into the
`processes` table every `HEARTBEAT_SECONDS`. At start-up and on every beat, active jobs whose
owner has no heartbeat within `LEASE`, or whose owner ran on this host and its pid is gone (a
restart after a crash is reconciled at once, not after the lease), are settled as
`interrupted` (`Store.reconcile_orphans`):
never-sent jobs are refunded, sent ones keep their cost estimate. They are never sent again.
The member then reads what happened: the placeholder ("thinking…" / "Generating…") is edited
while the interaction token lives; after that a public job gets a notice in its channel.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.discord.replies import TOKEN_SAFETY_MARGIN
from bot.i18n import text
from bot.jobs import LOCALE_KEY
from bot.storage.records import JobRecord

if TYPE_CHECKING:
    from bot.discord.app import ImageBot

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
LEASE = dt.timedelta(seconds=60)
"""A process whose heartbeat is older than this is gone (four missed beats)."""
HOST = socket.gethostname()[:255]


def notice_for(job: JobRecord) -> str:
    """The sentence for a reconciled job (`job` as it was before: its status says if it was sent).

    In the language the job was read in (kept with it: the member's for a private job, the
    server's for a public one); English for a job stored before the bot kept it.
    """
    key = "restart.sent" if job.status == "running" else "restart.not_sent"
    return text(_locale_of(job), key)


def _locale_of(job: JobRecord) -> object:
    return (job.options or {}).get(LOCALE_KEY)


async def reconcile(bot: ImageBot) -> list[JobRecord]:
    """Settle the jobs of processes that are gone, and tell their members (in the background).

    Returns:
        The jobs reconciled by this call.
    """
    books = bot.generation.books
    gone = [
        instance
        for instance, pid in await bot.store.processes_on(HOST)
        if instance != books.instance_id and not _pid_alive(pid)
    ]
    jobs = await bot.store.reconcile_orphans(books.instance_id, LEASE, gone=gone)
    if jobs:
        log.info("reconciled %d job(s) of a stopped process as interrupted", len(jobs))
        bot.spawn(notify(bot, jobs), name="notify-interrupted")
    return jobs


async def register(bot: ImageBot) -> None:
    """Record this process (host and pid, so the next run on this host sees it die) and beat."""
    await bot.store.heartbeat(bot.generation.books.instance_id, host=HOST, pid=os.getpid())


def _pid_alive(pid: int) -> bool:
    """Whether `pid` is another live process on this host (our own pid: a previous run of us)."""
    if pid <= 0 or pid == os.getpid():
        return False  # unknown, or reused by this very process: that run is over
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


async def keep_alive(bot: ImageBot) -> None:
    """Heartbeat, retry settlements the database refused, reconcile; forever."""
    books = bot.generation.books
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await register(bot)
            await books.retry_unsettled()
            await reconcile(bot)
        except Exception as exc:  # the database may be down: try again on the next beat
            log.warning("heartbeat/reconciliation failed: %s", exc)


async def notify(bot: ImageBot, jobs: list[JobRecord]) -> None:
    """Edit each member's placeholder, or post a notice for a public job past its token."""
    async with aiohttp.ClientSession() as session:
        for job in jobs:
            try:
                await _notify_one(bot, session, job)
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("could not tell the member about interrupted job %s: %s", job.id, exc)


async def _notify_one(bot: ImageBot, session: aiohttp.ClientSession, job: JobRecord) -> None:
    notice = notice_for(job)
    expires = job.interaction_token_expires_at
    live = expires is not None and discord.utils.utcnow() + TOKEN_SAFETY_MARGIN < expires
    if job.reply_token and live and bot.application_id is not None:
        # The interaction's webhook: no bot authorisation needed, the token is the credential.
        url = f"{discord.http.Route.BASE}/webhooks/{bot.application_id}/{job.reply_token}/messages/@original"
        body = {"content": notice, "components": [], "allowed_mentions": {"parse": []}}
        async with session.patch(url, json=body, timeout=aiohttp.ClientTimeout(total=10)) as resp:
            if resp.status < 300:
                return
            log.info("job %s: placeholder edit refused (%d)", job.id, resp.status)
    if job.options.get("private") or job.channel_id is None:
        return  # a private job is never announced in public; `/job` shows it as interrupted
    if job.guild_id is None:
        return  # outside servers (a user install cannot post in channels): `/job` shows it
    channel = bot.get_channel(job.channel_id) or await bot.fetch_channel(job.channel_id)
    if isinstance(channel, discord.abc.Messageable):
        await channel.send(
            f"<@{job.user_id}> {notice} ({text(_locale_of(job), 'card.job', job_id=job.id)})",
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, users=[discord.Object(job.user_id)]
            ),
        )
