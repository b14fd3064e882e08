"""The OpenAI-compatible gateway client: images, chat images (plain and streamed), models.

`GatewayClient` writes the gateway's requests and turns its answers into results; the HTTP
underneath (the key, one attempt, retries, bounded reads) is `GatewayHttp` in `_http.py`.
Result bodies are never held whole: their base64 images are decoded from the raw chunks as
they arrive (`_extract`) and only the small rest is parsed with orjson, so a 4 × 6 MB result
costs about the 24 MB of images, not three copies of a 32 MB body.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import Any

import aiohttp
import orjson

from bot.gateway import _parse, _requests
from bot.gateway import errors as gw
from bot.gateway._http import ERROR_BODY_CAP, GatewayHttp, offload
from bot.gateway._stream import ChatStream
from bot.gateway.fetch import body_pieces, body_pieces_until_silent, fetch_image
from bot.gateway.media import (
    check_size,
    decode_data_url_async,
    encode_data_url_async,
    to_image,
)
from bot.gateway.models import (
    ChatImageRequest,
    Finished,
    GeneratedImage,
    ImageEvent,
    ImageRequest,
    ImageResult,
    ModelInfo,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from bot.gateway.spool import ImageData, ImageWriter

log = logging.getLogger(__name__)

_MODELS_BODY_CAP = 32 * 2**20
_SKELETON_CAP = 16 * 2**20  # a result body without its images


class GatewayClient(GatewayHttp):
    """Client of an OpenAI-compatible AI gateway (Vercel AI Gateway by default).

    Built like `GatewayHttp` (the session, base URL, key, timeouts and caps).
    """

    # --- public API -----------------------------------------------------------------------

    async def generate_images(self, req: ImageRequest) -> ImageResult:
        """Generate images with an image model (`POST /images/generations`).

        Raises:
            GatewayError: A subclass for every failure (HTTP status, transport, bad answer).
        """
        body = orjson.dumps(_requests.images_payload(req))
        parse = functools.partial(
            _parse.parse_images_body,
            max_image_bytes=self.max_image_bytes,
            max_images=req.n,
            budget=self.budget,
        )
        parsed = await self._call_json(
            "POST", "images/generations", body, parse, _SKELETON_CAP, extract=True, max_images=req.n
        )
        return await self._result(parsed, req.model, asked=req.n)

    async def chat_image(self, req: ChatImageRequest) -> ImageResult:
        """Ask a multimodal chat model for text and images, without streaming.

        Raises:
            GatewayError: A subclass for every failure.
        """
        body = await self._chat_body(req, stream=False)
        cap = self.max_chat_images
        parse = functools.partial(
            _parse.parse_chat_body, max_image_bytes=self.max_image_bytes, max_images=cap, budget=self.budget
        )
        parsed = await self._call_json(
            "POST", "chat/completions", body, parse, _SKELETON_CAP, extract=True, max_images=cap
        )
        return await self._result(parsed, req.model, asked=cap)

    async def stream_chat(self, req: ChatImageRequest) -> AsyncGenerator[StreamEvent, None]:
        """Stream a multimodal chat reply: text deltas, decoded images, usage, then `Finished`.

        Only a stream that has not yielded anything yet is retried; once the member has seen
        output, a failure is raised to the caller. An error chunk raises the same typed error
        an HTTP error would.

        Raises:
            GatewayError: A subclass for every failure; `StreamIncompleteError` when the
                stream stops before `[DONE]` or a finish reason.
        """
        body = await self._chat_body(req, stream=True)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            yielded = False
            try:
                async with (
                    self._send("POST", "chat/completions", body, stream=True) as resp,
                    aclosing(self._stream_events(resp)) as events,
                ):
                    async for event in events:
                        yielded = True
                        yield event
                return
            except gw.GatewayError as exc:
                delay = self._retry_delay(exc, attempt, started, after_output=yielded, what="stream")
                if delay is None:
                    raise
            await self.retry.sleep(delay)

    async def list_models(self) -> list[ModelInfo]:
        """Fetch the catalogue (`GET /models`) with each model's image endpoint classified.

        Raises:
            GatewayError: A subclass for every failure.
        """
        return await self._call_json("GET", "models", None, _parse_models, _MODELS_BODY_CAP)

    async def generation_cost(self, generation_id: str) -> float | None:
        """The cost the gateway recorded for a generation (`GET /generation?id=…`), if known yet.

        One attempt, no retries: the caller keeps its estimate when this returns None (the
        record may not exist yet, or the gateway may be unreachable; both are logged).
        """
        url = self._base.joinpath("generation").with_query(id=generation_id)
        try:
            async with self._session.get(
                url, headers=self._headers(), timeout=self._timeout, allow_redirects=False
            ) as resp:
                if resp.status >= 300:
                    log.info("generation %s: no cost record (status %d)", generation_id, resp.status)
                    return None
                raw = await self._read_body(resp, ERROR_BODY_CAP)
            body = orjson.loads(raw)
        except (aiohttp.ClientError, TimeoutError, gw.GatewayError, orjson.JSONDecodeError) as exc:
            log.warning("generation %s: cost look-up failed: %s", generation_id, type(exc).__name__)
            return None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return None
        return _parse.number(data.get("total_cost", data.get("usage")))

    async def _chat_body(self, req: ChatImageRequest, *, stream: bool) -> bytes:
        urls: list[str] = []
        for image in req.images:
            check_size(len(image.data), self.max_image_bytes)
            urls.append(await encode_data_url_async(image.data, image.mime))
        payload = _requests.chat_payload(req, urls, stream=stream)
        size = sum(len(url) for url in urls)
        del urls
        return await offload(orjson.dumps, payload, size)

    # --- results --------------------------------------------------------------------------

    async def _result(self, parsed: _parse.ParsedResult, requested_model: str, *, asked: int) -> ImageResult:
        if parsed.dropped:
            log.warning(
                "gateway sent %d image(s) more than the %d asked for (generation %s); dropped them",
                parsed.dropped,
                asked,
                parsed.generation_id,
            )
        pending = [item for item in parsed.images if isinstance(item, _parse.PendingImage)]
        downloaded: dict[int, GeneratedImage] = {}
        if pending:
            try:
                async with asyncio.TaskGroup() as group:
                    tasks = {id(item): group.create_task(self._download(item)) for item in pending}
            except BaseExceptionGroup as failures:  # callers expect one typed error, not a group
                raise failures.exceptions[0] from None
            downloaded = {key: task.result() for key, task in tasks.items()}
        images = [
            downloaded[id(item)] if isinstance(item, _parse.PendingImage) else item for item in parsed.images
        ]
        check_job_size(sum(image.size for image in images), self.max_job_bytes)
        return ImageResult(
            images=images,
            model=parsed.model or requested_model,
            text=parsed.text,
            generation_id=parsed.generation_id,
            usage=parsed.usage,
            extra=parsed.extra,
            provider_metadata=parsed.provider_metadata,
        )

    async def _download(self, pending: _parse.PendingImage) -> GeneratedImage:
        """Fetch a `url` result (checked, size-capped); the key goes only to the gateway's own origin."""
        data = await fetch_image(
            self._session,
            pending.url,
            origin=self._origin,
            trusted_headers=self._headers(auth=True),
            request_timeout=self._timeout,
            resolver=self._resolver,
            writer=ImageWriter(self.budget),
            max_bytes=min(self.max_image_bytes, self.max_job_bytes),
        )
        return to_image(data, revised_prompt=pending.revised_prompt)

    async def _image(self, url: str, blobs: list[ImageData]) -> GeneratedImage:
        if url.startswith("data:"):
            return await decode_data_url_async(url, max_bytes=self.max_image_bytes, budget=self.budget)
        image = _parse.image_from_url(url, self.max_image_bytes, None, blobs, self.budget)
        return await self._download(image) if isinstance(image, _parse.PendingImage) else image

    def _stream_events(self, resp: aiohttp.ClientResponse) -> AsyncGenerator[StreamEvent, None]:
        """Turn a chat response into events (see `stream_chat`, which closes them)."""
        if resp.content_type == "application/json":  # the gateway chose not to stream
            return self._events_from_json(resp)
        translator = ChatStream(
            max_event_bytes=self.max_event_bytes,
            max_image_bytes=self.max_image_bytes,
            image=self._image,
            budget=self.budget,
            max_images=self.max_chat_images,
            max_total_bytes=self.max_job_bytes,
        )
        silence = self.stream_silence
        if silence is None or resp.connection is None:
            return translator.events(body_pieces(resp.content))
        # The headers came within aiohttp's `sock_read`; the body's silences are watched by one
        # timer per quiet spell instead of aiohttp's timer per piece.
        resp.connection.protocol.read_timeout = None  # type: ignore[union-attr]
        return translator.events(body_pieces_until_silent(resp, silence))

    async def _events_from_json(self, resp: aiohttp.ClientResponse) -> AsyncGenerator[StreamEvent, None]:
        cap = self.max_chat_images
        raw, blobs, _ = await self._read_extracting(resp, _SKELETON_CAP, cap)
        parse = functools.partial(
            _parse.parse_chat_body,
            max_image_bytes=self.max_image_bytes,
            blobs=blobs,
            max_images=cap,
            budget=self.budget,
        )
        result = await self._result(await offload(parse, [raw], len(raw)), "", asked=cap)
        if result.text:
            yield TextDelta(result.text)
        for index, image in enumerate(result.images):
            yield ImageEvent(image=image, index=index)
        if result.usage is not None:
            yield UsageEvent(result.usage)
        reason = result.extra.get("finish_reason")
        yield Finished(str(reason) if reason else None, result.generation_id, result.model or None)


def check_job_size(total: int, cap: int) -> None:
    """Raise `JobTooLargeError` when a job's images together are over `cap` bytes."""
    if total > cap:
        raise gw.JobTooLargeError(f"images of {total} bytes exceed the {cap}-byte cap per job")


def _parse_models(box: list[Any], /, *, blobs: Sequence[ImageData]) -> list[ModelInfo]:
    return _parse.parse_models_body(box)
