"""/metrics speaks prometheus_client's exposition (gzip, name[] filter); the README lists every metric."""

from __future__ import annotations

import gzip
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.metrics import MetricWrapperBase

from bot.observability import HealthServer, Metrics

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def served() -> AsyncIterator[tuple[Metrics, str]]:
    metrics = Metrics()
    metrics.generations_total.labels(kind="imagine", model="m", status="ok").inc()
    metrics.queue_depth.set(3)
    server = HealthServer(metrics, lambda: True, host="127.0.0.1", port=0)
    port = await server.start()
    try:
        yield metrics, f"http://127.0.0.1:{port}/metrics"
    finally:
        await server.stop()


async def test_metrics_are_gzipped_when_the_client_accepts_it(served: tuple[Metrics, str]) -> None:
    _, url = served
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        async with session.get(url, headers={"Accept-Encoding": "gzip"}) as resp:
            assert resp.headers["Content-Encoding"] == "gzip"
            text = gzip.decompress(await resp.read()).decode()
        assert "imagebot_queue_depth 3.0" in text
        async with session.get(url, headers={"Accept-Encoding": "identity"}) as resp:
            assert "Content-Encoding" not in resp.headers
            assert "imagebot_queue_depth 3.0" in (await resp.read()).decode()


async def test_name_filter_returns_only_the_asked_series(served: tuple[Metrics, str]) -> None:
    _, url = served
    async with aiohttp.ClientSession() as session:
        params = [("name[]", "imagebot_queue_depth"), ("name[]", "imagebot_generations_total")]
        async with session.get(url, params=params) as resp:
            text = await resp.text()
    names = {line.split("{")[0].split()[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert names == {"imagebot_queue_depth", "imagebot_generations_total"}


def _registry_metrics() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Exposed name -> (type, label names) of every metric `Metrics` defines."""
    found = {}
    for value in vars(Metrics()).values():
        if isinstance(value, MetricWrapperBase):
            suffix = "_total" if value._type == "counter" else ""
            found[value._name + suffix] = (value._type, tuple(value._labelnames))
    return found


def test_readme_lists_every_metric_exactly() -> None:
    text = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `(imagebot_\w+)` \| (\w+) \| ([^|]+) \|", text, flags=re.MULTILINE)
    listed = {name: (kind, tuple(re.findall(r"`(\w+)`", labels))) for name, kind, labels in rows}
    assert listed == _registry_metrics()
