"""The bot under load: 100 concurrent `/imagine`, each answered with 4 × 4 MiB images.

Performance budgets (README, Performance): fake Discord + fake AI gateway on loopback, 100 concurrent
`/imagine` each returning 4 × 4 MB images: every deferral < 250 ms after arrival (p99 < 100 ms),
event loop never blocked > 50 ms, peak RSS < 400 MB, zero failed interactions.

What runs where:

* **fakes process** (a child, this script with `--serve-fakes`): `FakeDiscord` (REST + gateway,
  `keep_file_bytes=False`) and `FakeAIGateway`, plus a small control app on 127.0.0.1 through
  which the bench asks it to dispatch the interactions and report what it saw. The fakes' own
  work (sending 100 × 21 MB JSON bodies, parsing 100 × 16 MB multipart uploads) therefore
  never runs on the bot's event loop nor counts in its RSS.
* **bot process** (this one): the real `ImageBot` from `bot.discord.runner.build_bot` with its cogs,
  tree, services, SQLite store and discord.py, wired as `tests/bot/conftest.py` does (with
  the production `make_session()`), an `EventLoopMonitor`, and the RSS probes.

The fakes build the `ImagesReply` once (its body is serialised once) and send that same body
to every request as slices of itself (no per-request copy); the fake Discord reads uploads as a
stream, counting and checksumming each file without keeping it (`keep_file_bytes=False`), and
an upload that is not byte for byte one of the images the gateway sent fails its interaction
unless the bot's message says it was re-encoded. The fakes' CPU during the load is reported
next to the bot's (`fakes_cpu_ms_per_job`): they must stay cheaper than what they measure.
All interactions are dispatched at once (`asyncio.gather` of `dispatch_interaction`)
from distinct members (the bot allows 3 pending jobs per member). Both processes stamp events
with `time.monotonic()` (CLOCK_MONOTONIC, system-wide on Linux), so the deferral latency is the
fake's (INTERACTION_CREATE dispatch -> the fake recording the type-5 callback) and the bot's own
stamps (its deferral request starting and being answered, from discord.py's `http_trace` hook)
split it into bot time and wire/fake time.

Measured in the bot process: `EventLoopMonitor` (10 ms timer) for loop lag, every garbage
collection (`gc.callbacks`), `VmHWM` (reset with `clear_refs` 5 just before the load) for peak
RSS plus a 20 ms RSS sampler to say when it peaked. Budgets are judged on the round at
`max_concurrent_jobs=8` (the default); a round at 16 follows for information (`--also-jobs`).
Diagnostics, off by default because they slow the bot: `--stall-stacks` (a thread records the
loop thread's stack whenever the loop is > 30 ms late: a poor man's py-spy), `--debug-slow`
(asyncio debug, callbacks > 25 ms), `--profile` (cProfile), `--tracemalloc`.

`--scenario 4k` (issue 10): 8 concurrent `/imagine`, each answered with 4 × 4096²
noise PNGs (~31 MiB each, 5 bits of noise per channel: they compress poorly) that must be
re-encoded to fit a 10 MiB upload limit. The bot also serves `/healthz` (its production
`HealthServer`), probed from another process (`bench/_health_probe.py`, a fresh connection
every 20 ms) during the load. Budgets: peak RSS <= 700 MiB, `/healthz` p99 <= 100 ms, event
loop stall <= 100 ms, 0 failed. The floor it is compared with, measured in the same run: the
re-encodes alone (the bot's encoder on one image, times 32, spread over the decode slots),
plus one reply body read raw from the fake gateway.

Usage: python bench/bot_load.py [--interactions 100] [--jobs 8] [--also-jobs 16 ...]
                                [--stall-stacks] [--debug-slow] [--profile] [--tracemalloc]
       python bench/bot_load.py --scenario 4k
Last line: bot_load: defer_p99_ms=X defer_max_ms=Y loop_max_lag_ms=Z peak_rss_mb=R failed=F ok=...
      or: bot_load_4k: rss_peak_mb=R healthz_p99_ms=H loop_stall_max_ms=S failed=F ... ok=...
(MB here are MiB.) Linux only (`/proc`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import json
import logging
import os
import pstats
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402  (after the sys.path line, like the other benches)
from aiohttp import web  # noqa: E402

from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_png  # noqa: E402
from tests.fakes.fake_discord import FakeDiscord  # noqa: E402
from tests.fakes.payloads import FakeWorld  # noqa: E402

SCRIPT = str(Path(__file__).resolve())
IMAGE_BYTES = 4 * 2**20
IMAGES_PER_JOB = 4
DEFER_MAX_BUDGET_MS = 250.0
DEFER_P99_BUDGET_MS = 100.0
LOOP_LAG_BUDGET_MS = 50.0
RSS_BUDGET_MB = 400.0
SIDE_4K = 4096
UPLOAD_LIMIT_4K = 10 * 2**20
RSS_BUDGET_4K_MB = 700.0
HEALTHZ_P99_BUDGET_MS = 100.0
STALL_BUDGET_4K_MS = 100.0
PROBE = str(Path(__file__).resolve().parent / "_health_probe.py")
_FIVE_BITS = bytes.maketrans(bytes(range(256)), bytes(b & 0xF8 for b in range(256)))
ERROR_MARK = "⚠️"  # every user-facing error sentence starts with it (bot/discord/tree.py report_error)


# =============================================================================================
# The fakes process
# =============================================================================================


def noise_png(side: int, seed: int) -> bytes:
    """A side × side RGB PNG of random noise, 5 bits per channel: ~31 MiB at 4096², barely compressible."""
    from PIL import Image

    raw = random.Random(seed).randbytes(side * side * 3).translate(_FIVE_BITS)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), raw).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


class FakesServer:
    """Both fakes plus a control app; runs in the child process."""

    def __init__(self, members: int, image_bytes: int, scenario: str = "default", hold: float = 0.0) -> None:
        self.world = FakeWorld.default()
        # Added before the bot connects, so GUILD_CREATE carries them.
        self.members = [self.world.add_member(self.world.guild, f"load{i:03d}") for i in range(members)]
        if scenario == "4k":
            images = [noise_png(SIDE_4K, seed=i) for i in range(IMAGES_PER_JOB)]
            self.upload_limit: int | None = UPLOAD_LIMIT_4K
        else:
            images = [make_png(image_bytes, seed=i) for i in range(IMAGES_PER_JOB)]
            self.upload_limit = None
        self.image_sizes = [len(image) for image in images]
        # What a byte-for-byte upload of each image looks like to the fake (it keeps no bytes).
        self.sent = {(len(image), zlib.crc32(image)) for image in images}
        self.reply = ImagesReply(images, delay=hold)  # `--gateway-hold`: a generation's duration
        del images
        self.body_bytes = len(self.reply.body)  # serialised once, here, before anything is timed
        self.ai = FakeAIGateway()
        self.discord = FakeDiscord(self.world, keep_file_bytes=False)
        self.ids: list[int] = []
        self.names: dict[int, str] = {}
        self.stop = asyncio.Event()
        self.lags: list[float] = []
        self._tracked: dict[int, dict[str, Any]] = {}
        self._seen = 0
        self._cpu_at_dispatch = 0.0

    def control_app(self) -> web.Application:
        """`POST /dispatch`, `GET /results`, `POST /shutdown`."""
        app = web.Application()
        app.router.add_post("/dispatch", self._dispatch)
        app.router.add_post("/push", self._push)
        app.router.add_get("/results", self._results)
        app.router.add_post("/shutdown", self._shutdown)
        return app

    async def _push(self, request: web.Request) -> web.Response:
        """Script one more reply (for the floor measurement's raw read)."""
        self.ai.push("images", self.reply)
        return web.json_response({"ok": True})

    async def _dispatch(self, request: web.Request) -> web.Response:
        spec = await request.json()
        count = int(spec["count"])
        if count > len(self.members):
            return web.json_response({"error": f"only {len(self.members)} members"}, status=400)
        # As many scripted replies as interactions, all the same pre-serialised object.
        self.ai.push("images", *[self.reply] * count)
        limit = {"attachment_size_limit": self.upload_limit} if self.upload_limit else {}
        payloads = [
            self.discord.payloads.slash(
                "imagine", options={"prompt": f"load test {n}", "count": IMAGES_PER_JOB}, user=member, **limit
            )
            for n, member in enumerate(self.members[:count])
        ]
        for payload, member in zip(payloads, self.members, strict=False):
            self.names[int(payload["id"])] = member.username
        self._cpu_at_dispatch = _rusage_cpu()
        started = time.monotonic()
        states = await asyncio.gather(*(self.discord.dispatch_interaction(p) for p in payloads))
        finished = time.monotonic()
        self.ids = [state.id for state in states]
        for state in states:
            self._tracked[state.id] = {"files": 0, "error": None, "altered": [], "said_reencoded": False}
        return web.json_response(
            {
                "ids": [str(i) for i in self.ids],
                "dispatch_seconds": finished - started,
            }
        )

    def _scan(self) -> bool:
        """Fold new requests into per-interaction progress; True once every interaction settled."""
        requests = self.discord.api.requests
        for record in requests[self._seen :]:
            tracked = self._tracked.get(record.interaction_id or -1)
            if tracked is None:
                continue
            body = record.json if isinstance(record.json, dict) else {}
            content = (body.get("data") or {}) if record.route == "interaction_callback" else body
            text = content.get("content") if isinstance(content, dict) else None
            if record.status >= 400:
                tracked["error"] = tracked["error"] or f"{record} ({record.route})"
            elif isinstance(text, str) and text.startswith(ERROR_MARK):
                tracked["error"] = tracked["error"] or f"error message: {text[:120]!r}"
            elif record.files:
                tracked["files"] += len(record.files)
                # The result card says which images were re-encoded; a result in several
                # messages has one card, so the note may be in another message than the file.
                tracked["said_reencoded"] |= "re-encoded" in json.dumps(record.json)
                tracked["altered"] += [f.filename for f in record.files if (f.size, f.crc32) not in self.sent]
                done = tracked["files"] >= IMAGES_PER_JOB
                if done and tracked["altered"] and not tracked["said_reencoded"]:
                    tracked["error"] = (
                        tracked["error"] or f"not byte for byte, not said re-encoded: {tracked['altered']}"
                    )
        self._seen = len(requests)
        return all(t["files"] >= IMAGES_PER_JOB or t["error"] for t in self._tracked.values())

    async def _results(self, request: web.Request) -> web.Response:
        timeout = float(request.query.get("timeout", "120"))
        timed_out = False
        try:
            await self.discord.api.wait_until(self._scan, timeout=timeout, what="every interaction settled")
        except TimeoutError:
            timed_out = True
        return web.json_response(self.report(timed_out))

    def report(self, timed_out: bool) -> dict[str, Any]:
        """Everything the fakes saw, per interaction."""
        api = self.discord.api
        by_id: dict[int, list[Any]] = {i: [] for i in self.ids}
        for record in api.requests:
            if record.interaction_id in by_id:
                by_id[record.interaction_id].append(record)
        rows = []
        for interaction_id in self.ids:
            state = api.interactions[interaction_id]
            records = by_id[interaction_id]
            callbacks = [r for r in records if r.route == "interaction_callback"]
            results = [r for r in records if r.ok and r.files]
            tracked = self._tracked[interaction_id]
            rows.append(
                {
                    "id": str(interaction_id),
                    "user": self.names.get(interaction_id, "?"),
                    "dispatched_at": state.dispatched_at,
                    "callback_at": callbacks[0].timestamp if callbacks else None,
                    "callback_ok": bool(callbacks) and callbacks[0].ok,
                    "deferred": state.response_type == 5,
                    "files": sum(len(r.files) for r in results),
                    "result_messages": len(results),
                    "result_bytes": sum(f.size for r in results for f in r.files),
                    "final_at": results[-1].timestamp if results else None,
                    "progress_edits": sum(
                        1 for r in records if r.route.startswith("webhook_edit") and not r.files
                    ),
                    "error": tracked["error"],
                }
            )
        return {
            "timed_out": timed_out,
            "rows": rows,
            "ai_image_requests": sum(1 for r in self.ai.requests if r.path.endswith("/images/generations")),
            "ai_body_bytes": self.body_bytes,
            "fake_internal_errors": [
                repr(e) for e in api.internal_errors + self.discord.gateway.internal_errors
            ],
            "fake_cpu_seconds": _rusage_cpu() - self._cpu_at_dispatch,
            "fake_peak_rss_mb": _status_bytes("VmHWM") / 2**20,
            "fake_loop_max_lag_ms": max(self.lags, default=0.0) * 1000,
            "fake_loop_lag_p99_ms": _percentile(self.lags, 0.99) * 1000 if self.lags else 0.0,
        }

    async def _shutdown(self, request: web.Request) -> web.Response:
        self.stop.set()
        return web.json_response({"ok": True})


async def serve_fakes(members: int, image_bytes: int, scenario: str = "default", hold: float = 0.0) -> None:
    """Run the fakes and the control app until `POST /shutdown` (child process)."""
    from bot.observability import EventLoopMonitor

    server = FakesServer(members, image_bytes, scenario, hold)
    runner = web.AppRunner(server.control_app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    monitor = EventLoopMonitor(0.01, on_sample=server.lags.append)
    loop = asyncio.get_running_loop()

    def orphan_guard() -> None:  # stdin is the bench's pipe: EOF means the bench is gone
        sys.stdin.read()
        loop.call_soon_threadsafe(server.stop.set)

    threading.Thread(target=orphan_guard, name="orphan-guard", daemon=True).start()
    async with server.ai, server.discord:
        monitor.start()
        ready = {
            "control": f"http://127.0.0.1:{runner.addresses[0][1]}",
            "api_base": server.discord.api_base,
            "gateway_url": server.discord.gateway_url,
            "ai_base": server.ai.base_url,
            "body_bytes": server.body_bytes,
            "image_sizes": server.image_sizes,
        }
        print("READY " + json.dumps(ready), flush=True)
        await server.stop.wait()
        await monitor.stop()
    await runner.cleanup()


# =============================================================================================
# The bot process
# =============================================================================================


def _rusage_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _status_bytes(name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {name}")


def reset_peak_rss() -> int:
    """Reset `VmHWM` to the current RSS (`clear_refs` 5) and return the RSS."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_bytes("VmRSS")


class RssSampler(threading.Thread):
    """Sample RSS every 20 ms in a thread (to know *when* the peak happens)."""

    def __init__(self, jobs_in_flight: Any) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self._jobs = jobs_in_flight
        self._halt = threading.Event()
        self.peak = 0
        self.peak_at = 0.0
        self.peak_jobs = 0

    def run(self) -> None:
        with open("/proc/self/statm") as statm:
            page = os.sysconf("SC_PAGE_SIZE")
            while not self._halt.wait(0.02):
                statm.seek(0)
                rss = int(statm.read().split()[1]) * page
                if rss > self.peak:
                    self.peak, self.peak_at, self.peak_jobs = rss, time.monotonic(), self._jobs()

    def stop(self) -> None:
        """Stop sampling."""
        self._halt.set()
        self.join()


BURST_SECONDS = 0.5  # the deferrals of 400 at once are all sent well within this


class GcPauses:
    """Time every garbage collection (`gc.callbacks`): a full collection blocks the loop."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float, int, float]] = []  # (generation, seconds, collected, at)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._started = now
        else:
            self.pauses.append((info["generation"], now - self._started, info["collected"], time.monotonic()))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self)


class IterationClock:
    """The loop thread's CPU time spent in each pass of the event loop (`_run_once`).

    The wall-clock lag (`EventLoopMonitor`) also counts the time the OS gave the core to another
    process; on a shared machine that noise can dwarf the bot's own stalls. CPU time per pass does
    not: it is the work the loop did in one go (callbacks, task steps and any garbage collection
    they triggered), which is what blocks every other interaction. Wraps the private
    `BaseEventLoop._run_once` for the measured part only. One `time.thread_time()` per pass (the
    CPU between the ends of two passes is the later pass's: the wait for events in between uses
    none to speak of); that call is a system call costing several microseconds here, so its own
    CPU is measured (`cost`) and not counted as the bot's.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop: Any = loop
        self.passes: list[float] = []  # CPU seconds of each pass that took more than 1 ms
        self.count = 0
        self.per_call = 0.0  # CPU seconds of one `time.thread_time()` call

    @property
    def cost(self) -> float:
        """CPU seconds this probe spent in the loop thread (its clock reads)."""
        return self.count * self.per_call

    def __enter__(self) -> IterationClock:
        original = self._loop._run_once
        passes, clock = self.passes, time.thread_time
        calls = 2000
        started = clock()
        for _ in range(calls):
            clock()
        self.per_call = (clock() - started) / (calls + 1)
        last = clock()

        def timed() -> None:
            nonlocal last
            original()
            now = clock()
            spent, last = now - last, now
            self.count += 1
            if spent > 0.001:
                passes.append(spent)

        self._loop._run_once = timed
        return self

    def __exit__(self, *exc_info: object) -> None:
        del self._loop._run_once  # back to the class's method


class StallSampler(threading.Thread):
    """A poor man's py-spy: when the loop's heartbeat is late, record the loop thread's stack.

    A loop callback stamps a heartbeat every 5 ms; this thread checks it every 5 ms and, once
    the heartbeat is older than `threshold`, takes the loop thread's current stack (once per
    stall). C code holding the GIL delays the sample until it returns, so the stack can show
    the line just after the culprit; `GcPauses` covers the collector, which never yields.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, threshold: float = 0.03) -> None:
        super().__init__(name="stall-sampler", daemon=True)
        self._loop = loop
        self._threshold = threshold
        self._thread_id = threading.get_ident()
        self._halt = threading.Event()
        self._beat = time.monotonic()
        self.stacks: dict[str, list[float]] = {}

    def _heartbeat(self) -> None:
        self._beat = time.monotonic()
        if not self._halt.is_set():
            self._loop.call_later(0.005, self._heartbeat)

    def run(self) -> None:
        import traceback

        reported = 0.0
        while not self._halt.wait(0.005):
            beat = self._beat
            late = time.monotonic() - beat
            if late > self._threshold and beat != reported:
                frame = sys._current_frames().get(self._thread_id)
                if frame is None:
                    continue
                reported = beat
                summary = traceback.extract_stack(frame)[-12:]
                key = "\n".join(
                    f"      {Path(f.filename).name}:{f.lineno} {f.name}: {(f.line or '').strip()[:90]}"
                    for f in summary
                )
                self.stacks.setdefault(key, []).append(late)

    def begin(self) -> None:
        """Start the heartbeat (from the loop thread) and the sampler."""
        self._loop.call_soon(self._heartbeat)
        self.start()

    def stop(self) -> None:
        """Stop sampling."""
        self._halt.set()
        self.join()


@dataclass
class BotSide:
    """Bot-process timestamps, keyed by interaction id / token."""

    received: dict[int, float] = field(default_factory=dict)  # INTERACTION_CREATE parsed
    defer_sent: dict[int, float] = field(default_factory=dict)
    defer_answered: dict[int, float] = field(default_factory=dict)
    # The loop thread's CPU time (`time.thread_time`) at the first INTERACTION_CREATE and at the
    # latest deferral written: the CPU a burst costs up to its last deferral.
    burst_cpu_start: float | None = None
    burst_cpu_last_defer: float = 0.0
    uploads: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def trace(self) -> aiohttp.TraceConfig:
        """An aiohttp trace for discord.py's session (`http_trace`): deferrals and file uploads."""
        callback = re.compile(r"/interactions/(\d+)/[^/]+/callback")
        edit = re.compile(r"/webhooks/\d+/([^/]+)/messages/@original")

        async def start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
            now = time.monotonic()
            path = params.url.path
            context.key, context.started, context.multipart = None, now, False
            if (match := callback.search(path)) is not None:
                context.key = ("callback", int(match.group(1)))
            elif params.method == "PATCH" and (match := edit.search(path)) is not None:
                context.key = ("edit", match.group(1))

        async def headers_sent(
            session: Any, context: Any, params: aiohttp.TraceRequestHeadersSentParams
        ) -> None:
            # The deferral is written (its connection made or taken from the pool): not at
            # `on_request_start`, which fires before aiohttp has a connection for it.
            if context.key is not None and context.key[0] == "callback":
                self.defer_sent.setdefault(context.key[1], time.monotonic())
                self.burst_cpu_last_defer = time.thread_time()
            # aiohttp sets the multipart Content-Type itself: only the sent headers show it.
            context.multipart = params.headers.get("Content-Type", "").startswith("multipart/")

        async def end(session: Any, context: Any, params: aiohttp.TraceRequestEndParams) -> None:
            now = time.monotonic()
            key = context.key
            if key is None:
                return
            if key[0] == "callback":
                self.defer_answered.setdefault(key[1], now)
            elif context.multipart:
                self.uploads.setdefault(key[1], []).append((context.started, now))

        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(start)
        trace.on_request_headers_sent.append(headers_sent)
        trace.on_request_end.append(end)
        return trace


class LogCounter(logging.Handler):
    """Count WARNING+ records and keep the first few (and asyncio's slow-callback reports)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.first: list[str] = []
        self.slow: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name == "asyncio" and "took" in message and "Executing" in message:
            seconds = re.search(r"took ([0-9.]+) seconds", message)
            self.slow.append((float(seconds.group(1)) if seconds else 0.0, message[:600]))
            return
        if record.name == "discord.client" and "is not installed" in message:
            return  # PyNaCl/davey: voice support, irrelevant here
        self.count += 1
        if len(self.first) < 8:
            self.first.append(f"{record.levelname} {record.name}: {message[:300]}")


@dataclass
class Round:
    """The measurements of one round (filled in by `run_round`)."""

    jobs: int
    interactions: int
    bot_side: BotSide = field(default_factory=BotSide)
    logs: LogCounter = field(default_factory=LogCounter)
    gc_pauses: GcPauses = field(default_factory=GcPauses)
    lags: list[float] = field(default_factory=list)
    passes: list[float] = field(default_factory=list)  # loop passes > 1 ms, CPU seconds (IterationClock)
    pass_count: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    fakes: dict[str, Any] = field(default_factory=dict)
    wall: float = 0.0
    started_at: float = 0.0
    dispatch_seconds: float = 0.0
    baseline_rss: int = 0
    peak_rss: int = 0
    rss: RssSampler | None = None
    stalls: StallSampler | None = None
    defer_hist: dict[str, float] = field(default_factory=dict)
    profile: str = ""
    tracemalloc_top: str = ""
    scenario: str = "default"
    healthz: list[tuple[float, float, bool]] = field(default_factory=list)
    floor: dict[str, float] = field(default_factory=dict)
    budget_stats: dict[str, float] = field(default_factory=dict)
    bot_cpu: float = 0.0  # seconds of CPU of the bot process during the load
    thread_cpu: str = ""  # the process's, by thread kind (threads that ended during the load are missing)
    instrument_cpu: float = 0.0  # this bench's probes' share (threads, 10 ms monitor), taken out of bot_cpu
    monitor_cpu: float = 0.0  # the 10 ms lag monitor, at its idle cost per tick (still counted)
    clock_cpu: float = 0.0  # the per-pass CPU clock's own reads (taken out of bot_cpu)
    image_mib_per_job: float = 0.0

    @property
    def loop_max_lag(self) -> float:
        """Largest lag the `EventLoopMonitor` saw, in seconds."""
        return max(self.lags, default=0.0)

    @property
    def defer_ms(self) -> list[float]:
        """Per interaction: fake's dispatch -> fake's record of the callback, in ms."""
        return [
            (r["callback_at"] - r["dispatched_at"]) * 1000 for r in self.rows if r["callback_at"] is not None
        ]

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Interactions without an OK deferral, without all their images, or with an error."""
        return [
            r
            for r in self.rows
            if not (r["callback_ok"] and r["deferred"] and r["files"] == IMAGES_PER_JOB and not r["error"])
        ]


def _defer_histogram(bot: Any) -> dict[str, float]:
    """The bot's own `defer_seconds` histogram (interaction_check -> defer() returned)."""
    out: dict[str, float] = {}
    for metric in bot.metrics.defer_seconds.collect():
        for sample in metric.samples:
            if sample.name.endswith("_bucket"):
                out[f"le_{sample.labels['le']}"] = sample.value
            elif sample.name.endswith(("_count", "_sum")):
                out[sample.name.rsplit("_", 1)[1]] = sample.value
    return out


async def _start_fakes(
    members: int, image_bytes: int, scenario: str, hold: float = 0.0
) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        SCRIPT,
        "--serve-fakes",
        "--members",
        str(members),
        "--image-bytes",
        str(image_bytes),
        "--scenario",
        scenario,
        "--gateway-hold",
        str(hold),
        stdin=asyncio.subprocess.PIPE,  # never written: its EOF tells the fakes the bench is gone
        stdout=asyncio.subprocess.PIPE,
        cwd=str(ROOT),
    )
    assert proc.stdout is not None
    async with asyncio.timeout(60):
        line = (await proc.stdout.readline()).decode()
    if not line.startswith("READY "):
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"fakes process did not start: {line!r}")
    return proc, json.loads(line.removeprefix("READY "))


async def run_round(args: argparse.Namespace, jobs: int) -> Round:
    """Start the fakes process and the bot, fire the interactions, collect everything."""
    from bot.discord.runner import build_bot, make_session
    from bot.observability import HealthServer
    from bot.pacing import BurstPacer
    from bot.settings import Settings
    from bot.storage import Store
    from tests.bot.harness import patched_discord_endpoints

    result = Round(jobs=jobs, interactions=args.interactions, scenario=args.scenario)
    logging.getLogger().addHandler(result.logs)
    proc, urls = await _start_fakes(args.interactions, args.image_bytes, args.scenario, args.gateway_hold)
    result.image_mib_per_job = sum(urls["image_sizes"]) / 2**20
    print(f"fakes process pid {proc.pid}; bot process pid {os.getpid()}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                discord_token="fake-discord-token",
                ai_gateway_api_key="sk-fake-gateway-key-0123456789",
                ai_gateway_base_url=urls["ai_base"],
                database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bot.sqlite3'}",
                max_concurrent_jobs=jobs,
            )
            # The production session (`python -m bot` uses it); tests/bot/conftest.py uses a plain one.
            async with aiohttp.ClientSession() as control, make_session() as session:
                store = await Store.open(settings.database_url)
                try:
                    bot = await build_bot(settings, session, store)
                    if args.pacer_slice_ms is not None:
                        bot.pacer = BurstPacer(slice_seconds=args.pacer_slice_ms / 1000)
                    try:
                        bot.http.http_trace = result.bot_side.trace()  # discord.py's `http_trace` hook
                        _stamp_interactions(bot, result.bot_side)
                        await bot.catalog.refresh()  # as at start-up (tests/bot/conftest.py)
                        with patched_discord_endpoints(urls["api_base"], urls["gateway_url"]):
                            bot._connection.guild_ready_timeout = 0.05  # as BotHarness does
                            async with bot:
                                task = asyncio.create_task(bot.start("fake-discord-token"), name="bot.start")
                                health = None
                                try:
                                    async with asyncio.timeout(30):
                                        await bot.wait_until_ready()
                                    if args.scenario == "4k":
                                        health = HealthServer(
                                            bot.metrics, bot.is_ready_for_health, host="127.0.0.1", port=0
                                        )
                                        urls["healthz"] = f"http://127.0.0.1:{await health.start()}/healthz"
                                    await _load(args, bot, control, urls, result)
                                    if args.scenario == "4k":
                                        result.floor = await _floor_4k(bot, control, urls)
                                finally:
                                    if health is not None:
                                        await health.stop()
                                    await bot.close()
                                    with contextlib.suppress(asyncio.CancelledError):
                                        await asyncio.wait_for(task, 30)
                    finally:
                        await bot.generation.limits.close()
                finally:
                    await store.close()
                with contextlib.suppress(aiohttp.ClientError):
                    await control.post(urls["control"] + "/shutdown")
    finally:
        try:
            async with asyncio.timeout(10):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
        logging.getLogger().removeHandler(result.logs)
    return result


def _stamp_interactions(bot: Any, side: BotSide) -> None:
    """Stamp each INTERACTION_CREATE as discord.py parses it (the bot's "received")."""
    parsers = bot._connection.parsers
    original = parsers["INTERACTION_CREATE"]

    def parse(data: dict[str, Any]) -> None:
        side.received.setdefault(int(data["id"]), time.monotonic())
        if side.burst_cpu_start is None:
            side.burst_cpu_start = time.thread_time()
        original(data)

    parsers["INTERACTION_CREATE"] = parse


def _thread_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of each live thread of this process, by native id, with its name.

    Python threads are named from `threading.enumerate()`; other native threads (SQLite's, the
    resolver's) keep the kernel's name for them.
    """
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    seen: dict[int, tuple[str, float]] = {}
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/stat") as stat:
                head, tail = stat.read().rsplit(")", 1)
        except OSError:  # the thread ended meanwhile
            continue
        fields = tail.split()
        tid = int(task)
        seen[tid] = (names.get(tid, head.split("(", 1)[1]), (int(fields[11]) + int(fields[12])) / tick)
    return seen


INSTRUMENT_THREADS = ("rss-sampler", "stall-sampler")  # this bench's own probes, not the bot


def _thread_cpu_split(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> tuple[str, float]:
    """Where the process's CPU went during the load, by thread kind (the loop, the decode workers,
    ...), and how much of it this bench's own probe threads (`INSTRUMENT_THREADS`) took."""
    kinds: dict[str, float] = {}
    for tid, (name, seconds) in after.items():
        spent = seconds - before.get(tid, (name, 0.0))[1]
        kind = re.sub(r"[-_ ]?\d+.*$", "", name) or name
        kinds[kind] = kinds.get(kind, 0.0) + spent
    ranked = sorted(kinds.items(), key=lambda item: -item[1])
    text = ", ".join(f"{kind} {seconds:.2f} s" for kind, seconds in ranked if seconds >= 0.005)
    return text, sum(kinds.get(name, 0.0) for name in INSTRUMENT_THREADS)


def _cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU of a process (this one by default), from /proc."""
    with open(f"/proc/{pid or 'self'}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(
    args: argparse.Namespace, bot: Any, control: aiohttp.ClientSession, urls: dict[str, Any], result: Round
) -> None:
    """The measured part: dispatch everything, wait until every interaction settled."""
    from bot.observability import EventLoopMonitor

    loop = asyncio.get_running_loop()
    if args.debug_slow:
        logging.getLogger("asyncio").propagate = False  # counted and summarised, not streamed
        logging.getLogger("asyncio").addHandler(result.logs)
        loop.set_debug(True)
        loop.slow_callback_duration = LOOP_LAG_BUDGET_MS / 1000 / 2
    profiler = cProfile.Profile() if args.profile else None
    if args.tracemalloc:
        tracemalloc.start(12)
    gc.collect()
    result.baseline_rss = reset_peak_rss()
    result.rss = RssSampler(lambda: bot.jobs_in_flight)
    result.rss.start()
    if args.stall_stacks:
        result.stalls = StallSampler(loop)
        result.stalls.begin()
    tick_cost = await _monitor_tick_cost()
    monitor = EventLoopMonitor(0.01, metrics=bot.metrics, on_sample=result.lags.append)
    monitor.start()
    probe = None
    if "healthz" in urls:
        probe = await asyncio.create_subprocess_exec(
            sys.executable,
            PROBE,
            urls["healthz"],
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
    with result.gc_pauses, IterationClock(loop) as passes:
        if profiler is not None:
            profiler.enable()
            if args.profile_seconds:
                loop.call_later(args.profile_seconds, profiler.disable)
        result.started_at = time.monotonic()
        threads_before = _thread_cpu()
        ticks_before = monitor.samples
        result.bot_cpu = -_cpu_seconds()
        async with control.post(urls["control"] + "/dispatch", json={"count": args.interactions}) as resp:
            result.dispatch_seconds = (await resp.json())["dispatch_seconds"]
        timeout = aiohttp.ClientTimeout(total=args.timeout + 30)
        async with control.get(
            urls["control"] + "/results", params={"timeout": str(args.timeout)}, timeout=timeout
        ) as resp:
            result.fakes = await resp.json()
        result.wall = time.monotonic() - result.started_at
        await bot.wait_idle()  # the last job's ledger write after its final edit
        result.bot_cpu += _cpu_seconds()
        result.thread_cpu, result.instrument_cpu = _thread_cpu_split(threads_before, _thread_cpu())
        # The per-pass clock is pure overhead of this bench: its reads are taken out. The 10 ms
        # monitor is this bench's too, but its ticks mostly ride on passes the load makes anyway,
        # so the idle calibration would overstate them: it stays counted as the bot's, and shown.
        result.monitor_cpu = (monitor.samples - ticks_before) * tick_cost
        result.clock_cpu = passes.cost
        result.instrument_cpu += result.clock_cpu
        result.bot_cpu -= result.instrument_cpu
        result.passes, result.pass_count = passes.passes, passes.count
        pacer = bot.pacer
        print(
            f"pacer: waited {pacer.waited}, batches {pacer.batches}, "
            f"turn cost {pacer.turn_cost * 1000:.2f} ms"
        )
        if profiler is not None:
            profiler.disable()
        await monitor.stop()
    if probe is not None:
        assert probe.stdin is not None
        assert probe.stdout is not None
        probe.stdin.close()
        output = await probe.stdout.read()
        await probe.wait()
        end = result.started_at + result.wall
        result.healthz = [
            (at, ms, ok) for at, ms, ok in json.loads(output)["probes"] if result.started_at <= at <= end
        ]
    budget = bot.generation.gateway.budget
    result.budget_stats = {
        "peak_in_memory_mb": budget.peak_in_memory / 2**20,
        "spooled_images": budget.spooled_images,
        "spooled_mb": budget.spooled_bytes / 2**20,
    }
    result.peak_rss = _status_bytes("VmHWM")
    result.rss.stop()
    if result.stalls is not None:
        result.stalls.stop()
    result.rows = result.fakes.pop("rows")
    result.defer_hist = _defer_histogram(bot)
    if args.debug_slow:
        loop.set_debug(False)
        logging.getLogger("asyncio").removeHandler(result.logs)
        logging.getLogger("asyncio").propagate = True
    if args.tracemalloc:
        current, traced_peak = tracemalloc.get_traced_memory()
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        lines = [
            f"tracemalloc: traced peak {traced_peak / 2**20:.0f} MiB, live now {current / 2**20:.0f} MiB"
        ]
        lines += [f"  {stat}" for stat in snapshot.statistics("lineno")[:8]]
        result.tracemalloc_top = "\n".join(lines)
    if profiler is not None:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        result.profile = buffer.getvalue()


async def _monitor_tick_cost(seconds: float = 1.0) -> float:
    """Loop-thread CPU seconds per tick of this bench's 10 ms `EventLoopMonitor`, on the idle bot.

    The monitor is this bench's probe, not the bot's (the bot runs its own at 50 ms, which
    counts): measured as the loop thread's CPU over `seconds` with a second monitor running,
    minus the same span without it, per tick.
    """
    from bot.observability import EventLoopMonitor

    started = time.thread_time()
    await asyncio.sleep(seconds)
    idle = time.thread_time() - started
    probe = EventLoopMonitor(0.01)
    probe.start()
    started = time.thread_time()
    await asyncio.sleep(seconds)
    busy = time.thread_time() - started
    ticks = probe.samples
    await probe.stop()
    return max(0.0, busy - idle) / max(1, ticks)


async def _floor_4k(bot: Any, control: aiohttp.ClientSession, urls: dict[str, Any]) -> dict[str, float]:
    """The unavoidable work of the 4k load, measured alone in this process after the load.

    * wire: one reply body (4 × ~31 MiB as base64 JSON) read raw from the fake gateway;
    * re-encode: the bot's own encoder ladder on one of the images (decode + encode), alone.
    The floor for the whole load is the 32 re-encodes spread over the decode slots (CPU-bound;
    the bodies are read while other jobs re-encode).
    """
    from bot.discord.views.files import _shrink_bytes
    from bot.gateway.spool import ImageData

    async with control.post(urls["control"] + "/push") as resp:
        await resp.read()
    started = time.monotonic()
    size = 0
    async with control.post(
        urls["ai_base"] + "/images/generations", json={"model": "x", "prompt": "p"}
    ) as resp:
        async for chunk in resp.content.iter_any():
            size += len(chunk)
    wire = time.monotonic() - started
    image = ImageData.of(noise_png(SIDE_4K, seed=0))
    started = time.monotonic()
    await asyncio.to_thread(_shrink_bytes, image, UPLOAD_LIMIT_4K, 50_000_000)
    reencode = time.monotonic() - started
    slots = min(bot.settings.max_concurrent_reencodes, os.cpu_count() or 1)
    return {
        "wire_s": wire,
        "body_mb": size / 2**20,
        "reencode_one_s": reencode,
        "slots": slots,
        "floor_s": IMAGES_PER_JOB * 8 * reencode / slots,
    }


# =============================================================================================
# Report
# =============================================================================================


def _dist(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {statistics.median(values):7.1f}  p90 {_percentile(values, 0.9):7.1f}  "
        f"p99 {_percentile(values, 0.99):7.1f}  max {max(values):7.1f}"
    )


def report(result: Round) -> dict[str, Any]:  # noqa: C901 - a flat list of optional report lines
    """Print one round; return its headline figures."""
    rows = result.rows
    side = result.bot_side
    defer = result.defer_ms
    mb = 2**20
    print(f"\n=== max_concurrent_jobs={result.jobs}: {result.interactions} concurrent /imagine ===")
    print(
        f"dispatch of all INTERACTION_CREATE by the fake: {result.dispatch_seconds * 1000:.1f} ms; "
        f"AI gateway body {result.fakes['ai_body_bytes'] / mb:.1f} MiB each; "
        f"{result.fakes['ai_image_requests']} image requests served"
    )
    print("deferral latency, ms (fake: dispatch -> type-5 callback recorded)")
    print(f"  total           {_dist(defer)}")
    to_request, wire, answered = [], [], []
    for row in rows:
        ident = int(row["id"])
        sent = side.defer_sent.get(ident)
        if sent is None or row["callback_at"] is None:
            continue
        to_request.append((sent - row["dispatched_at"]) * 1000)
        wire.append((row["callback_at"] - sent) * 1000)
        if ident in side.defer_answered:
            answered.append((side.defer_answered[ident] - row["dispatched_at"]) * 1000)
    print(f"  bot side        {_dist(to_request)}   (dispatch -> bot has written the callback request)")
    print(f"  wire + fake     {_dist(wire)}   (request written -> fake records it)")
    print(f"  bot sees 204    {_dist(answered)}   (dispatch -> defer() answered, bot's clock)")
    bot_defer = [
        (side.defer_sent[ident] - side.received[ident]) * 1000
        for ident in side.received
        if ident in side.defer_sent
    ]
    print(f"  bot only        {_dist(bot_defer)}   (INTERACTION_CREATE parsed -> deferral request written)")
    if side.burst_cpu_start is not None and side.defer_sent:
        burst_cpu = side.burst_cpu_last_defer - side.burst_cpu_start
        print(
            f"  the loop thread's CPU from the first INTERACTION_CREATE to the last deferral written: "
            f"{burst_cpu * 1000:.1f} ms, {burst_cpu / len(side.defer_sent) * 1e6:.0f} us per interaction"
        )
    hist = result.defer_hist
    if hist.get("count"):
        print(
            f"  bot's own defer_seconds metric: mean {hist['sum'] / hist['count'] * 1000:.1f} ms, "
            f"<=50 ms {hist.get('le_0.05', 0):.0f}/{hist['count']:.0f}, "
            f"<=100 ms {hist.get('le_0.1', 0):.0f}, <=250 ms {hist.get('le_0.25', 0):.0f}"
        )
    slow = sorted(rows, key=lambda r: -(r["callback_at"] or 1e9) + r["dispatched_at"])[:3]
    order = {r["id"]: n for n, r in enumerate(sorted(rows, key=lambda r: r["dispatched_at"]))}
    print(
        "  slowest: "
        + ", ".join(
            f"#{order[r['id']]} {((r['callback_at'] or float('nan')) - r['dispatched_at']) * 1000:.0f} ms"
            for r in slow
        )
    )
    lags_ms = [lag * 1000 for lag in result.lags]
    over = sum(1 for lag in lags_ms if lag > LOOP_LAG_BUDGET_MS)
    print(f"bot event loop lag (EventLoopMonitor, 10 ms timer, {len(lags_ms)} samples), ms")
    print(f"  {_dist(lags_ms)}; samples > {LOOP_LAG_BUDGET_MS:.0f} ms: {over}")
    long_passes = sorted((spent * 1000 for spent in result.passes), reverse=True)
    print(
        f"  loop passes: {result.pass_count}; longest in the loop thread's CPU time (preemption "
        f"excluded), ms: {', '.join(f'{ms:.1f}' for ms in long_passes[:5]) or 'none > 1'}; "
        f"> {LOOP_LAG_BUDGET_MS:.0f} ms: {sum(ms > LOOP_LAG_BUDGET_MS for ms in long_passes)}"
    )
    pauses = result.gc_pauses.pauses
    full = [p for p in pauses if p[0] == 2]
    if pauses:
        worst = max(pauses, key=lambda p: p[1])
        print(
            f"  garbage collections: {len(pauses)} ({len(full)} full), "
            f"total {sum(p[1] for p in pauses) * 1000:.0f} ms, "
            f"longest {worst[1] * 1000:.1f} ms (gen {worst[0]}, {worst[2]} objects freed, "
            f"+{worst[3] - result.started_at:.1f} s)"
        )
        burst = [p for p in pauses if p[3] - result.started_at <= BURST_SECONDS]
        print(
            f"    in the first {BURST_SECONDS:g} s (the burst of deferrals): {len(burst)} collections, "
            f"total {sum(p[1] for p in burst) * 1000:.1f} ms"
        )
        for _, seconds, collected, at in full:
            print(
                f"    full collection at +{at - result.started_at:.1f} s: {seconds * 1000:.1f} ms, "
                f"{collected} objects freed"
            )
    if result.logs.slow:
        slow_count = len(result.logs.slow)
        print(f"  asyncio debug: {slow_count} callbacks ran > {LOOP_LAG_BUDGET_MS / 2:.0f} ms; worst:")
        for seconds, message in sorted(result.logs.slow, reverse=True)[:3]:
            print(f"    {seconds * 1000:.0f} ms: {message[:300]}")
    if result.stalls is not None and result.stalls.stacks:
        stacks = sorted(result.stalls.stacks.items(), key=lambda item: -sum(item[1]))
        sampled = sum(len(v) for v in result.stalls.stacks.values())
        print(f"  loop stalls > 30 ms sampled: {sampled}; top stacks:")
        for stack, lates in stacks[:4]:
            print(f"    {len(lates)} × (up to {max(lates) * 1000:.0f} ms late when sampled):")
            print(stack)
    rss = result.rss
    assert rss is not None
    print(
        f"bot RSS: before load {result.baseline_rss / mb:.0f} MiB, "
        f"peak (VmHWM) {result.peak_rss / mb:.0f} MiB; "
        f"sampled peak {rss.peak / mb:.0f} MiB at +{rss.peak_at - result.started_at:.1f} s "
        f"with {rss.peak_jobs} jobs unfinished"
    )
    if result.tracemalloc_top:
        print(result.tracemalloc_top)
    finals = [(r["final_at"] - r["dispatched_at"]) for r in rows if r["final_at"] is not None]
    images = sum(r["files"] for r in rows)
    spans = [span for spans in side.uploads.values() for span in spans]
    uploads = [end - start for start, end in spans]
    print(
        f"wall {result.wall:.1f} s; {images} images delivered = {images / result.wall:.1f} images/s "
        f"({sum(r['result_bytes'] for r in rows) / mb / result.wall:.0f} MiB/s uploaded)"
    )
    print(f"  dispatch -> final edit, s: {_dist(finals)}")
    if uploads:
        events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
        level = most = 0
        for _, step in events:
            level += step
            most = max(most, level)
        at_peak = sum(1 for start, end in spans if start <= rss.peak_at <= end)
        print(
            f"  result upload (PATCH with files) duration, s: {_dist(uploads)}; "
            f"concurrent uploads max {most} ({at_peak} at the RSS peak)"
        )
    failed = result.failed
    jobs = max(1, len(rows))
    edits = sum(r["progress_edits"] for r in rows)
    image_mib = result.image_mib_per_job
    cpu_ms_per_job = result.bot_cpu * 1000 / jobs
    budget_ms = 7 + 1.8 * image_mib  # issue 14: 7 ms per job + 1.8 ms per image-MiB
    print(
        f"bot process CPU during the load: {result.bot_cpu:.2f} s = {cpu_ms_per_job:.1f} ms per job "
        f"({image_mib:.0f} image-MiB per job; target <= {budget_ms:.1f} ms per job); fakes' CPU below"
    )
    print(
        f"  by thread: {result.thread_cpu}; not counted as the bot's, this bench's probes: "
        f"{result.instrument_cpu:.2f} s (the sampler threads, and {result.clock_cpu:.2f} s of the "
        f"loop thread for the per-pass CPU clock); still counted: the bench's 10 ms lag monitor, "
        f"at most {result.monitor_cpu:.2f} s (its cost per tick on the idle bot)"
    )
    print(
        f"interactions: {len(rows)}, deferred {sum(r['deferred'] for r in rows)}, "
        f"with {IMAGES_PER_JOB} images {sum(r['files'] == IMAGES_PER_JOB for r in rows)} "
        f"(messages: {sorted({r['result_messages'] for r in rows})}), "
        f"error responses/messages {sum(bool(r['error']) for r in rows)}, failed {len(failed)}; "
        f"progress edits {sum(r['progress_edits'] for r in rows)}"
        + (" [TIMED OUT]" if result.fakes["timed_out"] else "")
    )
    for row in failed[:5]:
        print(f"  failed {row['id']} ({row['user']}): files={row['files']} error={row['error']}")
    if result.logs.count:
        print(f"bot log records at WARNING+: {result.logs.count}; first: {result.logs.first[:3]}")
    if result.fakes["fake_internal_errors"]:
        print(f"fake internal errors: {result.fakes['fake_internal_errors'][:3]}")
    print(
        f"fakes process: cpu {result.fakes['fake_cpu_seconds']:.1f} s during the load "
        f"({result.fakes['fake_cpu_seconds'] * 1000 / jobs:.1f} ms per job), peak RSS "
        f"{result.fakes['fake_peak_rss_mb']:.0f} MiB, its own loop lag p99 "
        f"{result.fakes['fake_loop_lag_p99_ms']:.1f} ms / max {result.fakes['fake_loop_max_lag_ms']:.1f} ms "
        "(delays its timestamps, not the bot)"
    )
    if result.profile:
        print("cProfile of the bot process during the load (tottime):")
        print(result.profile)
    stats = result.budget_stats
    if stats:
        print(
            f"image budget: peak in RAM {stats['peak_in_memory_mb']:.0f} MiB, "
            f"{stats['spooled_images']:.0f} images spooled ({stats['spooled_mb']:.0f} MiB)"
        )
    healthz_ms = [ms for _, ms, _ in result.healthz]
    healthz_failed = sum(1 for _, _, ok in result.healthz if not ok)
    if result.scenario == "4k":
        print(
            f"/healthz from another process during the load ({len(healthz_ms)} probes, fresh connection "
            f"each): {_dist(healthz_ms)}; not 200: {healthz_failed}"
        )
        floor = result.floor
        if floor:
            print(
                f"floor (same run): one reply body read raw {floor['wire_s']:.2f} s "
                f"({floor['body_mb']:.0f} MiB); one re-encode alone {floor['reencode_one_s']:.2f} s; "
                f"32 re-encodes over {floor['slots']:.0f} "
                f"slot(s) = {floor['floor_s']:.1f} s; the load took {result.wall:.1f} s = "
                f"{result.wall / floor['floor_s']:.2f} × the floor"
            )
    return {
        "bot_defer_p99_ms": _percentile(bot_defer, 0.99) if bot_defer else float("inf"),
        "edits_per_job": edits / jobs,
        "cpu_ms_per_job": cpu_ms_per_job,
        "fakes_cpu_ms_per_job": result.fakes["fake_cpu_seconds"] * 1000 / jobs,
        "image_mib_per_job": image_mib,
        "healthz_p99_ms": _percentile(healthz_ms, 0.99) if healthz_ms else float("inf"),
        "healthz_failed": healthz_failed,
        "wall_s": result.wall,
        "vs_floor": result.wall / result.floor["floor_s"] if result.floor else float("nan"),
        "defer_p99_ms": _percentile(defer, 0.99) if defer else float("inf"),
        "defer_max_ms": max(defer) if defer else float("inf"),
        "loop_max_lag_ms": result.loop_max_lag * 1000,
        "loop_pass_cpu_max_ms": max(result.passes, default=0.0) * 1000,
        "peak_rss_mb": result.peak_rss / mb,
        "failed": len(failed),
    }


def _ok(figures: dict[str, Any]) -> bool:
    return (
        figures["defer_max_ms"] < DEFER_MAX_BUDGET_MS
        and figures["defer_p99_ms"] < DEFER_P99_BUDGET_MS
        and figures["loop_max_lag_ms"] <= LOOP_LAG_BUDGET_MS
        and figures["peak_rss_mb"] < RSS_BUDGET_MB
        and figures["failed"] == 0
    )


def _ok_4k(figures: dict[str, Any]) -> bool:
    return (
        figures["peak_rss_mb"] <= RSS_BUDGET_4K_MB
        and figures["healthz_p99_ms"] <= HEALTHZ_P99_BUDGET_MS
        and figures["healthz_failed"] == 0
        and figures["loop_max_lag_ms"] <= STALL_BUDGET_4K_MS
        and figures["failed"] == 0
    )


def summary_line_4k(figures: dict[str, Any]) -> str:
    """The machine-readable last line of the 4k scenario."""
    return (
        f"bot_load_4k: rss_peak_mb={figures['peak_rss_mb']:.0f} "
        f"healthz_p99_ms={figures['healthz_p99_ms']:.1f} "
        f"loop_stall_max_ms={figures['loop_max_lag_ms']:.1f} failed={figures['failed']} "
        f"wall_s={figures['wall_s']:.1f} vs_floor={figures['vs_floor']:.2f} "
        f"ok={'true' if _ok_4k(figures) else 'false'}"
    )


def summary_line_issue14(figures: dict[str, Any]) -> str:
    """The headline: bot-side deferral, stall, edits, CPU, RSS, failures."""
    return (
        f"bot_load: defer_p99_ms={figures['bot_defer_p99_ms']:.1f} "
        f"loop_stall_max_ms={figures['loop_max_lag_ms']:.1f} edits_per_job={figures['edits_per_job']:.2f} "
        f"cpu_ms_per_job={figures['cpu_ms_per_job']:.1f} rss_peak_mb={figures['peak_rss_mb']:.0f} "
        f"failed={figures['failed']} fakes_cpu_ms_per_job={figures['fakes_cpu_ms_per_job']:.1f} "
        f"loop_pass_cpu_max_ms={figures['loop_pass_cpu_max_ms']:.1f}"
    )


def summary_line(figures: dict[str, Any]) -> str:
    """The machine-readable last line."""
    return (
        f"bot_load: defer_p99_ms={figures['defer_p99_ms']:.1f} defer_max_ms={figures['defer_max_ms']:.1f} "
        f"loop_max_lag_ms={figures['loop_max_lag_ms']:.1f} peak_rss_mb={figures['peak_rss_mb']:.0f} "
        f"failed={figures['failed']} ok={'true' if _ok(figures) else 'false'}"
    )


def main() -> None:
    """Parse arguments; serve the fakes (child) or run the rounds (bench)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("default", "4k"), default="default")
    parser.add_argument("--interactions", type=int, default=None, help="default: 100 (4k: 8)")
    parser.add_argument(
        "--jobs", type=int, default=8, help="Settings.max_concurrent_jobs of the budgeted round"
    )
    parser.add_argument(
        "--also-jobs",
        type=int,
        nargs="*",
        default=[16],
        help="extra rounds (fresh processes), for information",
    )
    parser.add_argument("--image-bytes", type=int, default=IMAGE_BYTES)
    parser.add_argument(
        "--gateway-hold", type=float, default=0.0, help="seconds the fake gateway takes per generation"
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds to wait for every result (default 60; 4k: 900)"
    )
    parser.add_argument("--debug-slow", action="store_true", help="asyncio debug: report callbacks > 25 ms")
    parser.add_argument("--profile", action="store_true", help="cProfile the bot process during the load")
    parser.add_argument(
        "--profile-seconds", type=float, default=0.0, help="with --profile: only the load's first seconds"
    )
    parser.add_argument(
        "--pacer-slice-ms", type=float, default=None, help="the burst pacer's slice (1e9: no pacing)"
    )
    parser.add_argument("--profile-out", default="", help="with --profile: also write the stats to this file")
    parser.add_argument("--tracemalloc", action="store_true", help="tracemalloc top allocations at the end")
    parser.add_argument("--stall-stacks", action="store_true", help="sample the loop's stack when it stalls")
    parser.add_argument(
        "--heap",
        choices=("tuned", "plain"),
        default="tuned",
        help="the bot process's C allocator: tuned as `python -m bot` tunes it (bot.gateway.heap; "
        "the default), or glibc's defaults",
    )
    parser.add_argument("--serve-fakes", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--members", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    four_k = args.scenario == "4k"
    if args.interactions is None:
        args.interactions = 8 if four_k else 100
    if args.timeout is None:
        drain = args.interactions * args.gateway_hold / max(1, args.jobs)  # the queue's own wait
        args.timeout = 900.0 if four_k else 60.0 + 2 * drain
    if args.heap == "tuned" and not args.serve_fakes:
        from bot.gateway.heap import process_heap

        process_heap().tune()  # what `python -m bot` does first
    if args.serve_fakes:
        logging.basicConfig(level=logging.ERROR)
        asyncio.run(serve_fakes(args.members, args.image_bytes, args.scenario, args.gateway_hold))
        return
    if four_k:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        print(
            f"bot_load --scenario 4k: {args.interactions} concurrent /imagine (count={IMAGES_PER_JOB}, "
            f"{SIDE_4K}² noise PNGs ~31 MiB each, upload limit {UPLOAD_LIMIT_4K / 2**20:g} MiB: every image "
            f"is re-encoded), {os.cpu_count()} CPUs; /healthz probed from another process.\n"
            f"budgets: peak RSS <= {RSS_BUDGET_4K_MB:.0f} MiB, "
            f"/healthz p99 <= {HEALTHZ_P99_BUDGET_MS:.0f} ms, "
            f"loop stall <= {STALL_BUDGET_4K_MS:.0f} ms, 0 failed"
        )
        before = os.getloadavg()[0]
        figures = report(asyncio.run(run_round(args, args.jobs)))
        print(
            f"machine load average (1 min) before/after: {before:.1f}/{os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} CPUs (other work on the machine delays the bot's threads too)"
        )
        print(summary_line_4k(figures))
        return
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # "PyNaCl is not installed"
    if not args.single:
        print(
            f"bot_load: {args.interactions} concurrent /imagine (count={IMAGES_PER_JOB}, "
            f"{args.image_bytes / 2**20:g} MiB PNGs each; MB below = MiB), {os.cpu_count()} CPUs.\n"
            "  fakes process (child): FakeDiscord REST+gateway (keep_file_bytes=False), FakeAIGateway "
            "(one pre-serialised ImagesReply), control app.\n"
            "  bot process (this one): the real ImageBot (bot.discord.runner.build_bot, cogs, SQLite store, "
            f"make_session()), EventLoopMonitor, RSS probes; {args.heap} C heap (--heap)."
        )
        if args.debug_slow or args.profile or args.tracemalloc or args.stall_stacks:
            print("  diagnostics are on: they slow the bot down; use the figures of a plain run for budgets.")
    result = asyncio.run(run_round(args, args.jobs))
    figures = report(result)
    if args.single:
        print(summary_line(figures))
        return
    for jobs in args.also_jobs:
        command = [
            sys.executable,
            SCRIPT,
            "--single",
            "--jobs",
            str(jobs),
            "--interactions",
            str(args.interactions),
            "--heap",
            args.heap,
        ]
        command += ["--image-bytes", str(args.image_bytes), "--timeout", str(args.timeout)]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=str(ROOT))
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        print("\n".join(lines[:-1]) if lines else done.stderr[-3000:])
        if lines:
            print(f"(for information, not the budgeted round) {lines[-1]}")
    print(
        f"\nbudgets (README), judged at max_concurrent_jobs={args.jobs}: every deferral < "
        f"{DEFER_MAX_BUDGET_MS:.0f} ms and p99 < {DEFER_P99_BUDGET_MS:.0f} ms, event-loop lag never > "
        f"{LOOP_LAG_BUDGET_MS:.0f} ms, peak RSS < {RSS_BUDGET_MB:.0f} MB, 0 failed interactions"
    )
    print(summary_line(figures))
    print(summary_line_issue14(figures))


if __name__ == "__main__":
    main()
