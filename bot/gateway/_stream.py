"""SSE chat chunks -> typed stream events (text deltas, decoded images, usage, `Finished`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from typing import Any

import aiohttp

from bot.gateway import _parse
from bot.gateway import errors as gw
from bot.gateway._extract import BlobExtractor, extract
from bot.gateway.budget import ImageBudget, default_budget
from bot.gateway.models import Finished, GeneratedImage, ImageEvent, StreamEvent, TextDelta, Usage, UsageEvent
from bot.gateway.spool import ImageData
from bot.gateway.sse import STREAM_LINE_BYTES, LargeEventHold, SSEDecoder

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
        stream_line_bytes: How long a data line grows before it streams into the extractor.
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
        stream_line_bytes: int = STREAM_LINE_BYTES,
    ) -> None:
        self._max_event_bytes = max_event_bytes
        self._stream_line_bytes = stream_line_bytes
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

    async def events(self, chunks: AsyncIterable[bytes]) -> AsyncGenerator[StreamEvent, None]:  # noqa: C901 - one loop per chunk: a generator per layer cost more than a text delta
        """Yield the events of the stream whose body arrives as `chunks`.

        Each chunk is decoded on the loop as it arrives: the base64 of an image goes from the
        chunk straight into the image's reserved buffer (a chunk is at most aiohttp's read
        size, a fraction of a millisecond of work). Handing chunks to the byte thread cost
        more than the work it moved (the chunks waited in batches, the thread's allocations
        faulted fresh pages), so only a chunk whose image may go to a spool file is decoded
        there: disk writes stay off the loop. One loop over the chunks, no generator per
        layer: a text delta is one chunk, and each layer cost more than parsing it.

        Raises:
            GatewayError: An error chunk (typed like its HTTP equivalent), a silent stream
                (`GatewayTimeoutError`), or a stream that stopped before `[DONE]` or a finish
                reason (`StreamIncompleteError`).
        """
        done = False
        decoder = SSEDecoder(
            max_event_bytes=self._max_event_bytes,
            sink=self._extractor,
            stream_line_bytes=self._stream_line_bytes,
        )
        budget = self._budget or default_budget()
        hold = LargeEventHold(self._budget)  # see `iter_sse`: few multi-megabyte events at once
        source = aiter(chunks)
        try:
            while not done:
                try:
                    data: bytes | None = await anext(source)
                except StopAsyncIteration:
                    data = None
                if data is None:
                    sse_events = decoder.finish()
                elif isinstance(sink := decoder.sink, BlobExtractor) and sink.may_spool(len(data)):
                    sse_events = await budget.run_bytes(decoder.feed, data)
                else:
                    sse_events = decoder.feed(data)
                # Popped, not iterated: an image event must not live on in the list (or in
                # the executor's future, until the loop's next turn) once it was handled.
                sse_events.reverse()
                while sse_events:
                    sse = sse_events.pop()
                    raw, sink = sse.raw, sse.sink
                    del sse  # the event holds a multi-MB line: let it go as soon as possible
                    if sink is not None:
                        chunk, blobs = self._extracted(sink)
                    elif raw == b"[DONE]":
                        done = True
                        break
                    elif raw and not raw.isspace():
                        if len(raw) < _EXTRACT_EVENT_BYTES:  # a text delta: no coroutine for it
                            chunk, blobs = _parse.load_object([raw]), []
                        else:
                            chunk, blobs = await self._load_large(raw)
                        del raw
                    else:
                        continue
                    del sink
                    for part in self._chunk_parts(chunk):
                        if isinstance(part, str):
                            image = await self._image_event(part, blobs)
                            if image is not None:
                                yield image
                        else:
                            yield part
                if data is None:
                    break
                if not hold.settled(decoder.pending_bytes):
                    await hold.update(decoder.pending_bytes)
        except TimeoutError as exc:
            raise gw.GatewayTimeoutError("the stream went silent", generation_id=self.generation_id) from exc
        except aiohttp.ClientError as exc:
            if self.finish_reason is None:
                raise gw.StreamIncompleteError(_ENDED_EARLY, generation_id=self.generation_id) from exc
        finally:
            hold.release()
            decoder.close()  # a half-decoded image gives its memory (or spool file) back now
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

    def _extractor(self) -> BlobExtractor:
        """A sink for an event big enough to carry images, with the caps as they stand now."""
        return BlobExtractor(
            max_blob_bytes=self._max_image_bytes,
            max_skeleton_bytes=self._max_event_bytes + 64,
            budget=self._budget,
            max_blobs=self._room(),  # images past the cap are skipped undecoded
            max_total_bytes=None if self._max_total is None else self._max_total - self._total,
            contiguous=True,  # many small network-sized pieces: one reserved buffer (spool.py)
        )

    @staticmethod
    def _extracted(sink: object) -> tuple[dict[str, Any], list[ImageData]]:
        """The chunk and images of an event whose data went into an extractor."""
        assert isinstance(sink, BlobExtractor)
        sink.close()  # an image still open means the JSON was cut: parsing will say so
        return _parse.load_object([sink.finish()]), sink.blobs

    def _room(self) -> int | None:
        return None if self._max_images is None else max(0, self._max_images - self._index)

    async def _load_large(self, raw: bytes | bytearray) -> tuple[dict[str, Any], list[ImageData]]:
        """Parse a chunk of at least `_EXTRACT_EVENT_BYTES` (an image): the extractor, off the loop.

        `events` parses smaller chunks itself, with no coroutine for them.
        """
        scan = functools.partial(
            extract,
            max_blob_bytes=self._max_image_bytes,
            budget=self._budget,
            max_blobs=self._room(),  # images past the cap are skipped undecoded
            max_total_bytes=None if self._max_total is None else self._max_total - self._total,
        )
        skeleton, blobs, _ = await (self._budget or default_budget()).run_bytes(scan, raw)
        return _parse.load_object([skeleton]), blobs

    def _chunk_parts(self, chunk: dict[str, Any]) -> list[StreamEvent | str]:
        """The chunk's events in order, each image as its URL (for `_image_event`).

        Synchronous: most chunks are one text delta, and an async generator per chunk cost
        more than the delta's parsing.
        """
        if isinstance(chunk.get("id"), str):
            self.generation_id = chunk["id"]
        if isinstance(chunk.get("model"), str):
            self.model = chunk["model"]
        parts: list[StreamEvent | str] = []
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                if text := _parse.content_text(delta.get("content")):
                    parts.append(TextDelta(text))
                for item in delta.pop("images", None) or ():
                    url = _parse.image_url_of(item)
                    if url is None:
                        raise gw.BadResponseError("stream image item has no URL")
                    parts.append(url)
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])
        if isinstance(chunk.get("usage"), dict):
            usage = _parse.parse_usage(chunk["usage"], _parse.provider_metadata_of(chunk))
            parts.append(UsageEvent(usage or Usage()))
        return parts

    async def _image_event(self, url: str, blobs: list[ImageData]) -> ImageEvent | None:
        """Resolve one image of the stream; None when it is past the cap (dropped)."""
        if self._room() == 0:
            self.dropped += 1
            return None
        image = await self._image(url, blobs)
        self._total += image.size
        if self._max_total is not None and self._total > self._max_total:
            raise gw.JobTooLargeError(
                f"streamed images exceed the {self._max_total}-byte cap per job",
                generation_id=self.generation_id,
            )
        event = ImageEvent(image=image, index=self._index)
        self._index += 1
        return event
