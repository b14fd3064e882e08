"""Logging set-up with secret redaction, Prometheus metrics, and the health/metrics server.

Never imports discord: the bot wires `HealthServer(ready=...)` to its gateway state.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal, TextIO
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import _bake_output

log = logging.getLogger(__name__)

REDACTED = "[REDACTED]"
# Secrets shorter than this are not masked literally: masking "t" would shred every line.
MIN_SECRET_LENGTH = 6
# discord.py logs request bodies and headers at DEBUG on these; INFO is the floor.
# These log request URLs or bound query parameters at DEBUG: tokens (an active job keeps its
# interaction token in the database) and prompts would reach the log.
CLAMPED_LOGGERS = ("discord.http", "discord.webhook", "discord.gateway", "aiosqlite", "asyncpg")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(Bearer\s+)[^\s'\",;]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    (re.compile(r"(\bBot\s+)[\w\-.]{20,}"), rf"\g<1>{REDACTED}"),
    # Interaction and webhook tokens are path segments; keep the id, mask the token.
    (re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s?#'\"]+"), rf"\g<1>{REDACTED}"),
    # A bare Discord bot token (base64 user id . timestamp . HMAC), wherever it turns up.
    (re.compile(r"\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,}"), REDACTED),
    # A JWT, such as VERCEL_OIDC_TOKEN.
    (re.compile(r"\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]+"), REDACTED),
)
# LogRecord attributes that are not `extra=` fields.
_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime", "taskName"}
)


class RedactingFilter(logging.Filter):
    """Mask tokens and keys in a record's message, args, extras, exception and stack text.

    Attach it to handlers (not loggers) so records propagated from every logger pass through it.
    The record is rewritten in place: later handlers see only the redacted text.

    Args:
        secrets: Literal strings to mask (bot token, gateway key), in addition to the patterns.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        literal = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, literal))) if literal else None

    def redact(self, text: str) -> str:
        """Return `text` with every secret and token pattern masked."""
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact `record` in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:
            # A bad format string must not escape into the caller, nor bypass redaction.
            message = f"{record.msg!s} (unformattable args: {record.args!r})"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in vars(record).items():
            if name not in _RECORD_FIELDS and isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, any `extra=` fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise `record`."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_FIELDS and name not in entry:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class _BotHandler(logging.StreamHandler[TextIO]):
    """Marks the handler `setup_logging` owns, so a second call replaces it."""


TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def setup_logging(
    level: str,
    fmt: Literal["text", "json"] = "text",
    secrets: Iterable[str] = (),
    *,
    stream: TextIO | None = None,
) -> None:
    """Configure root logging once: one redacting handler on stderr.

    Calling again replaces the handler (new level, format or secrets), never adds a second.

    Args:
        level: ``DEBUG``/``INFO``/``WARNING``/``ERROR``.
        fmt: ``text`` (``%``-style line) or ``json`` (one object per line, for containers).
        secrets: Literal secrets to mask (bot token, gateway key), at least 6 characters.
        stream: Where to write; defaults to ``sys.stderr`` (tests pass a buffer).
    """
    numeric = logging.getLevelNamesMapping()[level.upper()]
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _BotHandler)]:
        root.removeHandler(handler)
        handler.close()
    handler = _BotHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in CLAMPED_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))


class Metrics:
    """The bot's Prometheus metrics, in a registry of their own (no global state).

    Args:
        namespace: Prefix of every metric name (``imagebot_generations_total``, ...).

    Attributes:
        registry: The registry `render` serialises.
        generations_total: Generations by ``kind`` (imagine/chatimage), ``model``, ``status``.
        generation_seconds: Wall time of a generation by ``kind``.
        defer_seconds: Interaction arrival to deferral sent (budget: < 50 ms).
        queue_depth: Jobs waiting for a slot in this process.
        jobs_running: Jobs holding a slot in this process.
        gateway_errors_total: AI gateway errors by ``error`` class name.
        images_bytes_total: Bytes of images delivered.
        discord_http_errors_total: Discord HTTP error answers by ``code`` (the HTTP status, or
            ``connection`` when no answer came), fed by `discord_http_trace`.
        event_loop_lag_seconds: Largest event-loop lag of the last minute (`EventLoopMonitor`).
        image_bytes_in_memory: Bytes of images held in RAM under the image budget.
        image_decodes_waiting: Re-encodes waiting for a decode slot or pixel budget.
    """

    def __init__(self, namespace: str = "imagebot") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg, ns = self.registry, namespace
        self.generations_total = Counter(
            "generations", "Generations finished.", ["kind", "model", "status"], namespace=ns, registry=reg
        )
        self.generation_seconds = Histogram(
            "generation_seconds",
            "Wall time of a generation.",
            ["kind"],
            namespace=ns,
            registry=reg,
            buckets=(1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120),
        )
        self.defer_seconds = Histogram(
            "defer_seconds",
            "Time from interaction arrival to deferral.",
            namespace=ns,
            registry=reg,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0),
        )
        self.queue_depth = Gauge("queue_depth", "Jobs waiting for a slot.", namespace=ns, registry=reg)
        self.jobs_running = Gauge("jobs_running", "Jobs holding a slot.", namespace=ns, registry=reg)
        self.gateway_errors_total = Counter(
            "gateway_errors", "AI gateway errors.", ["error"], namespace=ns, registry=reg
        )
        self.images_bytes_total = Counter(
            "images_bytes", "Bytes of images delivered.", namespace=ns, registry=reg
        )
        self.discord_http_errors_total = Counter(
            "discord_http_errors", "Discord HTTP errors.", ["code"], namespace=ns, registry=reg
        )
        self.image_bytes_in_memory = Gauge(
            "image_bytes_in_memory",
            "Bytes of images held in RAM (the rest are spooled).",
            namespace=ns,
            registry=reg,
        )
        self.image_decodes_waiting = Gauge(
            "image_decodes_waiting",
            "Image re-encodes waiting for the decode budget.",
            namespace=ns,
            registry=reg,
        )
        self.event_loop_lag_seconds = Gauge(
            "event_loop_max_lag_seconds",
            "Largest event-loop lag in the last minute.",
            namespace=ns,
            registry=reg,
        )


def discord_http_trace(metrics: Metrics) -> aiohttp.TraceConfig:
    """An aiohttp trace for discord.py's session that counts Discord's error answers.

    discord.py sends REST calls, interaction callbacks and webhook (follow-up) calls through one
    session, which takes this trace (``Client(http_trace=...)``). Every answer ≥ 400 counts,
    including 429s and 5xx that discord.py then retries: each is an error Discord returned.
    """
    trace = aiohttp.TraceConfig()
    counter = metrics.discord_http_errors_total

    async def on_request_end(
        session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestEndParams
    ) -> None:
        if params.response.status >= 400:
            counter.labels(code=str(params.response.status)).inc()

    async def on_request_exception(
        session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        counter.labels(code="connection").inc()

    trace.on_request_end.append(on_request_end)
    trace.on_request_exception.append(on_request_exception)
    trace.freeze()
    return trace


class HealthServer:
    """``GET /healthz`` and ``GET /metrics`` on an aiohttp.web server.

    Args:
        metrics: Served at ``/metrics``.
        ready: Whether the bot is ready (gateway websocket up); ``/healthz`` is 503 until then.
        host: Interface to bind; all interfaces by default, for containers.
        port: Port to bind; ``0`` picks a free one (see `start`).
    """

    def __init__(
        self,
        metrics: Metrics,
        ready: Callable[[], bool],
        *,
        host: str = "0.0.0.0",  # noqa: S104 - probes reach containers from outside
        port: int = 0,
    ) -> None:
        self._metrics = metrics
        self._ready = ready
        self._host = host
        self._port = port
        self._started = time.monotonic()
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._render_metrics)

    async def _healthz(self, request: web.Request) -> web.Response:
        if not self._ready():
            return web.json_response({"status": "starting"}, status=503)
        uptime = round(time.monotonic() - self._started, 3)
        return web.json_response({"status": "ok", "uptime_seconds": uptime})

    async def _render_metrics(self, request: web.Request) -> web.Response:
        # prometheus_client's own exposition, as its WSGI/HTTP servers use it: the format from
        # `Accept` (text or OpenMetrics), `?name[]=...` filtering, gzip from `Accept-Encoding`.
        status, headers, body = _bake_output(  # type: ignore[no-untyped-call]  # untyped upstream
            self._metrics.registry,
            request.headers.get("Accept", ""),
            request.headers.get("Accept-Encoding", ""),
            parse_qs(request.query_string),
            False,
        )
        return web.Response(body=body, status=int(status.split()[0]), headers=headers)

    async def start(self) -> int:
        """Bind and serve.

        Returns:
            The bound port (useful with ``port=0``).

        Raises:
            RuntimeError: If already started.
        """
        if self._runner is not None:
            raise RuntimeError("HealthServer already started")
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        port = int(runner.addresses[0][1])
        log.info("health server listening on %s:%d", self._host, port)
        return port

    async def stop(self) -> None:
        """Stop serving; safe to call when not started."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


class EventLoopMonitor:
    """Measure event-loop lag: how late a sleeping task wakes up.

    The bot runs one for its whole life (`ImageBot.setup_hook`), so the gauge shows stalls in
    production, not only in benches.

    Args:
        interval: Seconds between samples.
        metrics: When given, `Metrics.event_loop_lag_seconds` shows the largest lag of the
            current `window` (a stall shows at once; it fades once a whole window has passed).
        on_sample: Called with each lag sample (seconds), e.g. by tests or benches.
        window: Seconds over which the gauge keeps the largest lag.
    """

    def __init__(
        self,
        interval: float = 0.02,
        *,
        metrics: Metrics | None = None,
        on_sample: Callable[[float], None] | None = None,
        window: float = 60.0,
    ) -> None:
        self._interval = interval
        self._metrics = metrics
        self._listeners: list[Callable[[float], None]] = [on_sample] if on_sample is not None else []
        self._window = window
        self._task: asyncio.Task[None] | None = None
        self.max_lag = 0.0
        self.samples = 0

    def subscribe(self, on_sample: Callable[[float], None]) -> None:
        """Also call `on_sample` with each lag sample (seconds)."""
        self._listeners.append(on_sample)

    @property
    def running(self) -> bool:
        """Whether the sampling task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start sampling on the running loop (no-op when already running)."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="event-loop-monitor")

    async def stop(self) -> None:
        """Stop sampling and wait for the task to end."""
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # our caller is being cancelled too, not just the monitor

    def reset(self) -> None:
        """Forget the maximum seen so far (e.g. after warm-up)."""
        self.max_lag = 0.0

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        window_max, window_end = 0.0, loop.time() + self._window
        while True:
            expected = loop.time() + self._interval
            await asyncio.sleep(self._interval)
            now = loop.time()
            lag = max(now - expected, 0.0)
            self.samples += 1
            self.max_lag = max(self.max_lag, lag)
            if now >= window_end or lag > window_max:
                if now >= window_end:  # a new window: the old stall no longer counts
                    window_max, window_end = lag, now + self._window
                window_max = max(window_max, lag)
                if self._metrics is not None:
                    self._metrics.event_loop_lag_seconds.set(window_max)
            for listener in self._listeners:
                listener(lag)
