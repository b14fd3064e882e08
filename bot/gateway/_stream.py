"""SSE chat chunks -> typed stream events (text deltas, decoded images, usage, `Finished`)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any

import aiohttp

from bot.gateway import _parse
from bot.gateway import errors as gw
from bot.gateway._extract import extract
from bot.gateway.budget import ImageBudget
from bot.gateway.models import Finished, GeneratedImage, ImageEvent, StreamEvent, TextDelta, Usage, UsageEvent
from bot.gateway.spool import ImageData
from bot.gateway.sse import iter_sse

log = logging.getLogger(__name__)

_EXTRACT_EVENT_BYTES = 64 * 1024  # chunks this big carry images: skip orjson's extra copies
_ENDED_EARLY = "the stream ended before [DONE] or a finish reason"


class ChatStream:
    """Translator of one chat completion stream.

    Args:
        max_event_bytes: Cap per SSE event.
        max_image_bytes: Cap per decoded image.
        image: Resolves an image URL (data URL, placeholder or http) given the chunk's blobs.
        budget: Where decoded images are held (RAM under the budget, else spooled).
        max_images: Images kept from the whole stream; later ones are dropped (and logged).
        max_total_bytes: Cap on all images of the stream together (`JobTooLargeError`).
    """

    def __init__(
        self,
        *,
        max_event_bytes: int,
        max_image_bytes: int,
        image: Callable[[str, list[ImageData]], Awaitable[GeneratedImage]],
        budget: ImageBudget | None = None,
        max_images: int | None = None,
        max_total_bytes: int | None = None,
    ) -> None:
        self._max_event_bytes = max_event_bytes
        self._max_image_bytes = max_image_bytes
        self._image = image
        self._budget = budget
        self._max_images = max_images
        self._max_total = max_total_bytes
        self._total = 0
        self.dropped = 0
        self.generation_id: str | None = None
        self.model: str | None = None
        self.finish_reason: str | None = None
        self._index = 0

    async def events(self, chunks: AsyncIterable[bytes]) -> AsyncIterator[StreamEvent]:
        """Yield the events of the stream whose body arrives as `chunks`.

        Raises:
            GatewayError: An error chunk (typed like its HTTP equivalent), a silent stream
                (`GatewayTimeoutError`), or a stream that stopped before `[DONE]` or a finish
                reason (`StreamIncompleteError`).
        """
        done = False
        try:
            source = iter_sse(chunks, max_event_bytes=self._max_event_bytes, gate=self._budget)
            async with aclosing(source) as sse_events:
                async for sse in sse_events:
                    raw = sse.raw
                    del sse  # the event holds a multi-MB line: let it go as soon as possible
                    if raw == b"[DONE]":
                        done = True
                        break
                    if raw and not raw.isspace():
                        chunk, blobs = await self._load(raw)
                        del raw
                        async for event in self._chunk_events(chunk, blobs):
                            yield event
        except TimeoutError as exc:
            raise gw.GatewayTimeoutError("the stream went silent", generation_id=self.generation_id) from exc
        except aiohttp.ClientError as exc:
            if self.finish_reason is None:
                raise gw.StreamIncompleteError(_ENDED_EARLY, generation_id=self.generation_id) from exc
        if not done and self.finish_reason is None:
            raise gw.StreamIncompleteError(_ENDED_EARLY, generation_id=self.generation_id)
        if self.dropped:
            log.warning(
                "chat stream sent %d image(s) past the cap of %s (generation %s); dropped them",
                self.dropped,
                self._max_images,
                self.generation_id,
            )
        yield Finished(finish_reason=self.finish_reason, generation_id=self.generation_id, model=self.model)

    def _room(self) -> int | None:
        return None if self._max_images is None else max(0, self._max_images - self._index)

    async def _load(self, raw: bytes | bytearray) -> tuple[dict[str, Any], list[ImageData]]:
        """Parse one chunk; a big one (an image) goes through the extractor, off the loop."""
        if len(raw) < _EXTRACT_EVENT_BYTES:
            return _parse.load_object([raw]), []
        scan = functools.partial(
            extract,
            max_blob_bytes=self._max_image_bytes,
            budget=self._budget,
            max_blobs=self._room(),  # images past the cap are skipped undecoded
            max_total_bytes=None if self._max_total is None else self._max_total - self._total,
        )
        if self._budget is not None:
            skeleton, blobs, _ = await self._budget.run_bytes(scan, raw)
        else:
            skeleton, blobs, _ = await asyncio.to_thread(scan, raw)
        return _parse.load_object([skeleton]), blobs

    async def _chunk_events(self, chunk: dict[str, Any], blobs: list[bytes]) -> AsyncIterator[StreamEvent]:
        if isinstance(chunk.get("id"), str):
            self.generation_id = chunk["id"]
        if isinstance(chunk.get("model"), str):
            self.model = chunk["model"]
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                if text := _parse.content_text(delta.get("content")):
                    yield TextDelta(text)
                items = delta.pop("images", None) or []
                while items:  # pop as we go: each data URL dies once decoded
                    url = _parse.image_url_of(items.pop(0))
                    if url is None:
                        raise gw.BadResponseError("stream image item has no URL")
                    if self._room() == 0:
                        self.dropped += 1
                        continue
                    image = await self._image(url, blobs)
                    del url
                    self._total += image.size
                    if self._max_total is not None and self._total > self._max_total:
                        raise gw.JobTooLargeError(
                            f"streamed images exceed the {self._max_total}-byte cap per job",
                            generation_id=self.generation_id,
                        )
                    yield ImageEvent(image=image, index=self._index)
                    self._index += 1
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])
        if isinstance(chunk.get("usage"), dict):
            usage = _parse.parse_usage(chunk["usage"], _parse.provider_metadata_of(chunk))
            yield UsageEvent(usage or Usage())
