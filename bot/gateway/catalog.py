"""Cached `GET /models` catalogue for autocomplete, validation and "did you mean".

Autocomplete must answer within Discord's 3 seconds even when the gateway is down, so the
getters never do I/O and a failed refresh keeps serving the last good list. Refreshes are
single-flight: concurrent callers share one request.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.gateway.errors import GatewayError
from bot.gateway.models import Endpoint, ModelInfo

if TYPE_CHECKING:
    from bot.gateway.client import GatewayClient

log = logging.getLogger(__name__)


class ModelCatalog:
    """The gateway's model list, cached for `ttl` seconds.

    Args:
        client: Gateway client used to fetch the list.
        ttl: Seconds a fetched list stays fresh.
        clock: Monotonic clock (injectable for tests).
        failure_backoff: Seconds after a failed refresh during which `fetch_models` serves the
            cache without trying again (so a dead gateway does not slow every autocomplete).
    """

    def __init__(
        self,
        client: GatewayClient,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        failure_backoff: float = 30.0,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._failure_backoff = failure_backoff
        self._models: list[ModelInfo] = []
        self._by_id: dict[str, ModelInfo] = {}
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._inflight: asyncio.Task[bool] | None = None

    # --- no I/O ---------------------------------------------------------------------------

    @property
    def is_stale(self) -> bool:
        """Whether the cache is empty-by-default or older than the TTL."""
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._ttl

    def get_models(self) -> list[ModelInfo]:
        """The cached models (possibly empty, possibly stale)."""
        return list(self._models)

    def get(self, model_id: str) -> ModelInfo | None:
        """The cached entry for `model_id`, if any."""
        return self._by_id.get(model_id)

    def image_models(self, endpoint: Endpoint | None = None) -> list[ModelInfo]:
        """Cached models that make images, optionally only those of one endpoint, by id."""
        return sorted(
            (m for m in self._models if m.makes_images and (endpoint is None or m.endpoint == endpoint)),
            key=lambda m: m.id,
        )

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Model ids close to `text`, for "unknown model, did you mean …".

        Image-making models are preferred; substring matches come before fuzzy ones.
        """
        needle = text.strip().lower()
        if not needle or limit <= 0:
            return []
        pool = [m.id for m in self.image_models()] or [m.id for m in self._models]
        found = [model_id for model_id in pool if needle in model_id.lower()]
        by_lower = {model_id.lower(): model_id for model_id in pool}
        # Also compare against the part after `creator/`, which is what people usually type.
        by_name = {model_id.lower().split("/", 1)[-1]: model_id for model_id in pool}
        for candidates in (by_lower, by_name):
            for close in difflib.get_close_matches(needle, list(candidates), n=limit, cutoff=0.5):
                found.append(candidates[close])
        return list(dict.fromkeys(found))[:limit]

    # --- I/O ------------------------------------------------------------------------------

    async def refresh(self) -> bool:
        """Fetch the list now (sharing an in-flight fetch); False if it failed.

        A failure is logged and the last good list is kept.
        """
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._refresh(), name="model-catalog-refresh")
            self._inflight.add_done_callback(self._clear_inflight)
        # shield: one impatient caller being cancelled must not cancel the shared fetch.
        return await asyncio.shield(self._inflight)

    async def fetch_models(self, force: bool = False) -> list[ModelInfo]:
        """Refresh when stale (or `force`), then return the cached list."""
        if force or (self.is_stale and not self._backing_off()):
            await self.refresh()
        return self.get_models()

    def _backing_off(self) -> bool:
        return self._failed_at is not None and self._clock() - self._failed_at < self._failure_backoff

    def _clear_inflight(self, task: asyncio.Task[bool]) -> None:
        if self._inflight is task:
            self._inflight = None

    async def _refresh(self) -> bool:
        try:
            models = await self._client.list_models()
        except GatewayError as exc:
            self._failed_at = self._clock()
            log.warning("model catalogue refresh failed (%s); keeping %d models", exc, len(self._models))
            return False
        except Exception:
            # A bug here must not take autocomplete down with it: log loudly, keep the cache.
            self._failed_at = self._clock()
            log.exception("model catalogue refresh crashed; keeping %d cached models", len(self._models))
            return False
        self._models = models
        self._by_id = {m.id: m for m in models}
        self._fetched_at = self._clock()
        self._failed_at = None
        log.info(
            "model catalogue refreshed: %d models, %d make images", len(models), len(self.image_models())
        )
        return True
