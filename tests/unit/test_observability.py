"""Logging set-up and redaction, metrics, the health server and the event-loop monitor."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator

import aiohttp
import pytest
from prometheus_client import generate_latest

from bot.observability import (
    CLAMPED_LOGGERS,
    REDACTED,
    EventLoopMonitor,
    HealthServer,
    Metrics,
    RedactingFilter,
    setup_logging,
)

BOT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
GATEWAY_KEY = "vck_3f9a8b7c6d5e4f3a2b1c"
OIDC_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvd25lcjp0ZWFtIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnNlY3JldHRva2VuX2xvbmdfYmFzZTY0"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root and discord loggers back as they were."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in CLAMPED_LOGGERS}
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


@pytest.fixture
def stream(restore_logging: None) -> io.StringIO:
    return io.StringIO()


# --- redaction --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("Authorization: Bearer sk-live-abc.def_123", "sk-live-abc.def_123", "Authorization: Bearer "),
        ("headers={'Authorization': 'Bot " + BOT_TOKEN + "'}", BOT_TOKEN, "'Bot "),
        ("token is " + BOT_TOKEN + " oops", BOT_TOKEN, "token is "),
        ("key=" + GATEWAY_KEY, GATEWAY_KEY, "key="),
        (
            "POST https://discord.com/api/v10/interactions/1234567890/" + INTERACTION_TOKEN + "/callback",
            INTERACTION_TOKEN,
            "/interactions/1234567890/[REDACTED]/callback",
        ),
        (
            "PATCH /webhooks/99887766/" + INTERACTION_TOKEN + "/messages/@original",
            INTERACTION_TOKEN,
            "/webhooks/99887766/[REDACTED]/messages/@original",
        ),
        ("GET /webhooks/42/" + INTERACTION_TOKEN + "?wait=true", INTERACTION_TOKEN, "?wait=true"),
        ("oidc=" + OIDC_TOKEN + " end", OIDC_TOKEN, " end"),
    ],
)
def test_redact_patterns(text: str, secret: str, kept: str) -> None:
    redacted = RedactingFilter([GATEWAY_KEY]).redact(text)
    assert secret not in redacted
    assert REDACTED in redacted
    assert kept in redacted


def test_redact_leaves_ordinary_text_and_ignores_tiny_secrets() -> None:
    text = "generated 4 images for guild 123 with model google/imagen-4 in 3.2 s (Bot ready)"
    assert RedactingFilter(["t", ""]).redact(text) == text


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args or None, exc_info)


def test_filter_redacts_args_and_exception_text() -> None:
    try:
        raise RuntimeError(f"failed with Bearer {GATEWAY_KEY}")
    except RuntimeError as e:
        record = _record(
            "calling %s with %r", "/webhooks/1/" + INTERACTION_TOKEN, {"key": GATEWAY_KEY}, exc=e
        )
    assert RedactingFilter([GATEWAY_KEY]).filter(record)
    text = logging.Formatter().format(record)
    assert GATEWAY_KEY not in text
    assert INTERACTION_TOKEN not in text
    assert "RuntimeError: failed with Bearer [REDACTED]" in text
    assert "calling /webhooks/1/[REDACTED] with {'key': '[REDACTED]'}" in text


def test_filter_survives_bad_format_args() -> None:
    record = _record("expected a number %d", GATEWAY_KEY)
    assert RedactingFilter([GATEWAY_KEY]).filter(record)
    assert GATEWAY_KEY not in record.getMessage()
    assert "unformattable" in record.getMessage()


# --- setup_logging ----------------------------------------------------------------------------


def test_text_format_redacts_through_root(stream: io.StringIO) -> None:
    setup_logging("INFO", "text", secrets=[BOT_TOKEN, GATEWAY_KEY], stream=stream)
    logging.getLogger("bot.gateway.client").warning("retrying with key %s", GATEWAY_KEY)
    logging.getLogger("bot.test").debug("hidden at INFO")
    out = stream.getvalue()
    assert "WARNING  bot.gateway.client: retrying with key [REDACTED]" in out
    assert GATEWAY_KEY not in out
    assert "hidden" not in out


def test_json_format_one_object_per_line(stream: io.StringIO) -> None:
    setup_logging("INFO", "json", secrets=[GATEWAY_KEY], stream=stream)
    log = logging.getLogger("bot.generation")
    log.info(
        "generated %d images",
        4,
        extra={"guild": 1, "user": 2, "model": "m", "job": "abc", "note": GATEWAY_KEY},
    )
    try:
        raise ValueError("Bearer " + GATEWAY_KEY)
    except ValueError:
        log.exception("failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "generated 4 images"
    assert (first["level"], first["logger"]) == ("INFO", "bot.generation")
    assert (first["guild"], first["user"], first["model"], first["job"]) == (1, 2, "m", "abc")
    assert first["note"] == REDACTED
    assert first["ts"].endswith("+00:00")
    assert second["level"] == "ERROR"
    assert "ValueError: Bearer [REDACTED]" in second["exc"]
    assert GATEWAY_KEY not in stream.getvalue()


def test_discord_loggers_clamped_to_info(stream: io.StringIO) -> None:
    setup_logging("DEBUG", "text", stream=stream)
    for name in CLAMPED_LOGGERS:
        assert logging.getLogger(name).level == logging.INFO
    logging.getLogger("discord.http").debug("PATCH body with secrets")
    logging.getLogger("discord.client").debug("client debug passes")
    logging.getLogger("bot.x").debug("ours passes")
    out = stream.getvalue()
    assert "PATCH body" not in out
    assert "client debug passes" in out
    assert "ours passes" in out
    setup_logging("WARNING", "text", stream=stream)
    assert logging.getLogger("discord.http").level == logging.WARNING


def test_setup_logging_is_idempotent(stream: io.StringIO) -> None:
    root = logging.getLogger()
    before = len(root.handlers)
    setup_logging("INFO", "text", stream=stream)
    setup_logging("INFO", "json", stream=stream)
    assert len(root.handlers) == before + 1
    logging.getLogger("bot.once").info("once")
    lines = [line for line in stream.getvalue().splitlines() if "once" in line]
    assert len(lines) == 1
    assert json.loads(lines[0])["message"] == "once"


# --- metrics and health server ----------------------------------------------------------------


def test_metrics_render_contains_observations() -> None:
    metrics = Metrics()
    metrics.generations_total.labels(kind="imagine", model="google/imagen-4", status="ok").inc()
    metrics.generation_seconds.labels(kind="imagine").observe(12.5)
    metrics.defer_seconds.observe(0.02)
    metrics.queue_depth.set(3)
    metrics.gateway_errors_total.labels(error="RateLimitError").inc(2)
    metrics.images_bytes_total.inc(4096)
    metrics.discord_http_errors_total.labels(code="10062").inc()
    text = generate_latest(metrics.registry).decode()  # what /metrics serves, as text
    assert 'imagebot_generations_total{kind="imagine",model="google/imagen-4",status="ok"} 1.0' in text
    assert 'imagebot_generation_seconds_bucket{kind="imagine",le="15.0"} 1.0' in text
    assert 'imagebot_generation_seconds_bucket{kind="imagine",le="10.0"} 0.0' in text
    assert 'imagebot_defer_seconds_bucket{le="0.025"} 1.0' in text
    assert 'imagebot_defer_seconds_bucket{le="0.01"} 0.0' in text
    assert "imagebot_queue_depth 3.0" in text
    assert 'imagebot_gateway_errors_total{error="RateLimitError"} 2.0' in text
    assert "imagebot_images_bytes_total 4096.0" in text
    assert 'imagebot_discord_http_errors_total{code="10062"} 1.0' in text
    # Separate registries: two Metrics objects never collide or share values.
    assert "imagebot_queue_depth 0.0" in generate_latest(Metrics().registry).decode()


async def test_health_server_starting_then_ready_and_metrics() -> None:
    metrics = Metrics()
    metrics.generations_total.labels(kind="chatimage", model="m", status="error").inc()
    ready = False
    server = HealthServer(metrics, lambda: ready, host="127.0.0.1", port=0)
    port = await server.start()
    assert port > 0
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(f"{base}/healthz") as resp:
                assert resp.status == 503
                assert await resp.json() == {"status": "starting"}
            ready = True
            async with session.get(f"{base}/healthz") as resp:
                assert resp.status == 200
                assert (await resp.json())["status"] == "ok"
            async with session.get(f"{base}/metrics") as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"].startswith("text/plain; version=")
                body = await resp.text()
            assert 'imagebot_generations_total{kind="chatimage",model="m",status="error"} 1.0' in body
            headers = {"Accept": "application/openmetrics-text; version=1.0.0"}
            async with session.get(f"{base}/metrics", headers=headers) as resp:
                assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
                assert (await resp.text()).rstrip().endswith("# EOF")
            async with session.get(f"{base}/nope") as resp:
                assert resp.status == 404
        with pytest.raises(RuntimeError, match="already started"):
            await server.start()
    finally:
        await server.stop()
    await server.stop()  # idempotent
    with pytest.raises(aiohttp.ClientConnectorError):
        async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz"):
            pass


# --- event loop monitor -----------------------------------------------------------------------


def _block_loop(seconds: float) -> None:
    """Deliberately hog the event loop, as a CPU-bound decode would."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def test_event_loop_monitor_sees_blocking() -> None:
    samples: asyncio.Queue[float] = asyncio.Queue()
    metrics = Metrics()
    monitor = EventLoopMonitor(0.005, metrics=metrics, on_sample=samples.put_nowait)
    monitor.start()
    try:
        async with asyncio.timeout(5):
            await samples.get()
            _block_loop(0.08)
            while (await samples.get()) < 0.06:
                pass
        assert monitor.max_lag >= 0.06
        gauge = metrics.registry.get_sample_value("imagebot_event_loop_max_lag_seconds")
        assert gauge == monitor.max_lag
        monitor.reset()
        assert monitor.max_lag == 0.0
    finally:
        await monitor.stop()
    assert monitor.samples >= 2


async def test_event_loop_lag_gauge_forgets_a_stall_after_its_window() -> None:
    samples: asyncio.Queue[float] = asyncio.Queue()
    metrics = Metrics()
    monitor = EventLoopMonitor(0.005, metrics=metrics, on_sample=samples.put_nowait, window=0.2)
    monitor.start()
    try:
        async with asyncio.timeout(5):
            await samples.get()
            _block_loop(0.08)
            while (await samples.get()) < 0.06:
                pass
            assert metrics.registry.get_sample_value("imagebot_event_loop_max_lag_seconds") >= 0.06
            # Later windows without a stall bring the gauge back down; the overall max stays.
            while metrics.registry.get_sample_value("imagebot_event_loop_max_lag_seconds") >= 0.06:
                await samples.get()
        assert monitor.max_lag >= 0.06
    finally:
        await monitor.stop()


async def test_discord_http_trace_counts_error_answers_and_failed_connections() -> None:
    import socket

    import aiohttp
    from aiohttp import web

    from bot.observability import discord_http_trace

    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def gone(_: web.Request) -> web.Response:
        return web.Response(status=404)

    metrics = Metrics()
    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/gone", gone)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    try:
        async with aiohttp.ClientSession(trace_configs=[discord_http_trace(metrics)]) as http:
            for path in ("/ok", "/gone", "/gone"):
                async with http.get(f"http://127.0.0.1:{port}{path}"):
                    pass
            with pytest.raises(aiohttp.ClientConnectionError):
                await http.get(f"http://127.0.0.1:{closed}/")
    finally:
        await runner.cleanup()

    def count(code: str) -> float | None:
        return metrics.registry.get_sample_value("imagebot_discord_http_errors_total", {"code": code})

    assert count("404") == 2
    assert count("200") is None
    assert count("connection") == 1
