"""The OpenAI-compatible gateway client: images, chat images (plain and streamed), models.

One `aiohttp.ClientSession` for the whole process is passed in. The key travels per request
(never as a session default header, so the shared session cannot carry it to Discord or to
an image CDN). Result bodies are never held whole: their base64 images are decoded from the
raw chunks as they arrive (`_extract`) and only the small rest is parsed with orjson, so a
4 × 6 MB result costs about the 24 MB of images, not three copies of a 32 MB body.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import aclosing, asynccontextmanager
from typing import Any, Protocol, TypeVar

import aiohttp
import orjson
from pydantic import SecretStr
from yarl import URL

from bot.gateway import _parse, _requests
from bot.gateway import errors as gw
from bot.gateway._extract import BlobExtractor, feed_body
from bot.gateway._stream import ChatStream
from bot.gateway.budget import ImageBudget, default_budget
from bot.gateway.fetch import Resolver, fetch_image, system_resolver
from bot.gateway.media import (
    OFFLOAD_BYTES,
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
from bot.gateway.retry import RetryPolicy, parse_retry_after
from bot.gateway.spool import ImageData, ImageWriter

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _BodyParser(Protocol[T_co]):
    """Parses a body handed over in a one-item list (so the parser can drop it) with its images."""

    def __call__(self, box: list[Any], /, *, blobs: Sequence[ImageData]) -> T_co: ...


_ERROR_BODY_CAP = 64 * 1024  # enough for any error JSON; never buffer a huge error page
_MODELS_BODY_CAP = 32 * 2**20
_SKELETON_CAP = 16 * 2**20  # a result body without its images
MAX_CHAT_IMAGES = 4
"""Images kept from one chat reply (chat requests have no `n`); more are dropped and logged."""
DEFAULT_MAX_JOB_BYTES = 256 * 2**20


class GatewayClient:
    """Client of an OpenAI-compatible AI gateway (Vercel AI Gateway by default).

    Args:
        session: The process-wide session; not closed by this client.
        base_url: API base ending in ``/v1`` (e.g. ``https://ai-gateway.vercel.sh/v1``).
        api_key: Bearer key, or None for an unauthenticated gateway.
        app_title: Sent as `x-title` (app attribution).
        app_url: Sent as `http-referer` when given.
        retry: Retry policy; the default retries 429/502/503/504 and connection failures.
        connect_timeout: Seconds to establish a connection.
        total_timeout: Seconds for a whole request including its body.
        sock_read_timeout: Longest silence tolerated inside a stream.
        max_image_bytes: Cap per decoded image (results and downloads).
        max_event_bytes: Cap per SSE event and per chat JSON body.
        resolver: Name resolution for image URLs off the gateway's origin (tests inject one).
        budget: The process-wide image budget (RAM bytes, spooling, decodes).
        max_job_bytes: Cap on all images of one result together (`JobTooLargeError`).
        max_chat_images: Images kept from one chat reply.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        api_key: SecretStr | None,
        *,
        app_title: str = "imagebot",
        app_url: str | None = None,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 10,
        total_timeout: float = 300,
        sock_read_timeout: float = 120,
        max_image_bytes: int = 50 * 2**20,
        max_event_bytes: int = 64 * 2**20,
        resolver: Resolver = system_resolver,
        budget: ImageBudget | None = None,
        max_job_bytes: int = DEFAULT_MAX_JOB_BYTES,
        max_chat_images: int = MAX_CHAT_IMAGES,
    ) -> None:
        base = URL(base_url)
        if not base.absolute or base.scheme not in ("http", "https"):
            raise ValueError("base_url must be an absolute http(s) URL")
        self._session = session
        self._base = base
        self._origin = base.origin()
        self._api_key = api_key
        self._app_title = app_title
        self._app_url = app_url
        self.retry = retry or RetryPolicy()
        self.max_image_bytes = max_image_bytes
        self.max_event_bytes = max_event_bytes
        self._resolver = resolver
        self.budget = budget or default_budget()
        self.max_job_bytes = max_job_bytes
        self.max_chat_images = max_chat_images
        # No sock_read on plain requests: a generation may legitimately take minutes before
        # the first response byte. Streams get one, so a silent stream fails fast.
        self._timeout = aiohttp.ClientTimeout(total=total_timeout, connect=connect_timeout)
        self._stream_timeout = aiohttp.ClientTimeout(
            total=total_timeout, connect=connect_timeout, sock_read=sock_read_timeout
        )

    @property
    def session(self) -> aiohttp.ClientSession:
        """The process-wide HTTP session this client uses (never carries the key by default)."""
        return self._session

    @property
    def base_url(self) -> str:
        """The API base URL."""
        return str(self._base)

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
                raw = await self._read_body(resp, _ERROR_BODY_CAP)
            body = orjson.loads(raw)
        except (aiohttp.ClientError, TimeoutError, gw.GatewayError, orjson.JSONDecodeError) as exc:
            log.warning("generation %s: cost look-up failed: %s", generation_id, type(exc).__name__)
            return None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return None
        return _parse.number(data.get("total_cost", data.get("usage")))

    # --- requests -------------------------------------------------------------------------

    def _headers(self, *, auth: bool = True, json_body: bool = False) -> dict[str, str]:
        headers = {"Accept": "application/json", "x-title": self._app_title}
        if self._app_url:
            headers["http-referer"] = self._app_url
        if json_body:
            headers["Content-Type"] = "application/json"
        if auth and self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        return headers

    @asynccontextmanager
    async def _send(
        self, method: str, path: str, body: bytes | None, *, stream: bool = False
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """One attempt: send, turn a non-2xx status into its typed error, always release."""
        headers = self._headers(json_body=body is not None)
        if stream:
            headers["Accept"] = "text/event-stream"
        try:
            resp = await self._session.request(
                method,
                self._base.joinpath(*path.split("/")),
                data=body,
                headers=headers,
                timeout=self._stream_timeout if stream else self._timeout,
                allow_redirects=False,  # a redirect must not carry the key anywhere
            )
        except aiohttp.ConnectionTimeoutError as exc:
            # Nothing reached the gateway: safe to retry like any connection failure.
            raise gw.GatewayConnectionError(f"{method} {path}: connect timed out") from exc
        except TimeoutError as exc:
            raise gw.GatewayTimeoutError(f"{method} {path} timed out") from exc
        except aiohttp.ClientError as exc:
            raise gw.GatewayConnectionError(f"{method} {path} failed: {type(exc).__name__}") from exc
        try:
            if resp.status >= 300:
                raise await self._error_for(resp)
            yield resp
        finally:
            if resp.content.at_eof():
                resp.release()
            else:
                resp.close()  # an unread rest (dropped stream, capped body) must not be reused

    async def _error_for(self, resp: aiohttp.ClientResponse) -> gw.GatewayError:
        try:
            raw = await self._read_body(resp, _ERROR_BODY_CAP, truncate=True)
        except gw.GatewayError:
            raw = b""
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        if (millis := resp.headers.get("retry-after-ms")) and millis.isdigit():
            retry_after = int(millis) / 1000
        secret = self._api_key.get_secret_value() if self._api_key else None
        return _parse.error_from_http(resp.status, raw, retry_after=retry_after, secret=secret)

    async def _read_body(self, resp: aiohttp.ClientResponse, cap: int, *, truncate: bool = False) -> bytes:
        """Read a whole (small) body up to `cap` bytes; over it: truncate or `ImageTooLargeError`."""
        if not truncate and (resp.content_length or 0) > cap:
            raise gw.ImageTooLargeError(f"response of {resp.content_length} bytes exceeds the {cap}-byte cap")
        chunks: list[bytes] = []
        total = 0
        try:
            async for chunk in resp.content.iter_any():
                total += len(chunk)
                if total > cap:
                    if not truncate:
                        raise gw.ImageTooLargeError(f"response exceeds the {cap}-byte cap")
                    chunks.append(chunk[: len(chunk) - (total - cap)])
                    break
                chunks.append(chunk)
        except TimeoutError as exc:
            raise gw.GatewayTimeoutError("timed out reading the response") from exc
        except aiohttp.ClientError as exc:
            raise gw.GatewayConnectionError(f"reading the response failed: {type(exc).__name__}") from exc
        return b"".join(chunks)

    async def _read_extracting(
        self, resp: aiohttp.ClientResponse, cap: int, max_images: int | None
    ) -> tuple[bytes, list[ImageData], int]:
        """Read a JSON body, decoding its base64 images as they arrive (see `_extract`).

        Returns:
            The skeleton, the images (at most `max_images`), and how many were dropped.
        """
        extractor = BlobExtractor(
            max_blob_bytes=self.max_image_bytes,
            max_skeleton_bytes=cap,
            budget=self.budget,
            max_blobs=max_images,
            max_total_bytes=self.max_job_bytes,
        )
        try:
            await feed_body(extractor, resp.content.iter_any(), self.budget)
        except TimeoutError as exc:
            raise gw.GatewayTimeoutError("timed out reading the response") from exc
        except aiohttp.ClientError as exc:
            raise gw.GatewayConnectionError(f"reading the response failed: {type(exc).__name__}") from exc
        return extractor.finish(), extractor.blobs, extractor.dropped

    async def _call_json(
        self,
        method: str,
        path: str,
        body: bytes | None,
        parse: _BodyParser[T],
        cap: int,
        *,
        extract: bool = False,
        max_images: int | None = None,
    ) -> T:
        """Send with retries, read the body and parse it (off the loop when large).

        Args:
            method: HTTP method.
            path: Path below the base URL.
            body: JSON body, already serialised.
            parse: `parse(box, blobs=...)`: the body in a one-item list, and extracted images.
            cap: Largest body accepted (without the extracted images).
            extract: Decode base64 images while the body streams in.
            max_images: With `extract`: images decoded at most (the rest are skipped).
        """
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            responded = False
            try:
                async with self._send(method, path, body) as resp:
                    responded = True
                    if extract:
                        raw, blobs, _ = await self._read_extracting(resp, cap, max_images)
                    else:
                        raw, blobs = await self._read_body(resp, cap), []
                box: list[Any] = [raw]
                del raw
                return await _offload(functools.partial(parse, blobs=blobs), box, len(box[0]))
            except gw.GatewayError as exc:
                delay = self._retry_delay(exc, attempt, started, after_output=responded, what=path)
                if delay is None:
                    raise
            await self.retry.sleep(delay)

    def _retry_delay(
        self, exc: gw.GatewayError, attempt: int, started: float, *, after_output: bool, what: str
    ) -> float | None:
        elapsed = time.monotonic() - started
        delay = self.retry.delay_for(attempt, exc, elapsed=elapsed, after_output=after_output)
        if delay is not None:
            log.warning(
                "gateway %s failed (%s, status=%s, type=%s), attempt %d/%d; retrying in %.2f s",
                what,
                type(exc).__name__,
                exc.status,
                exc.type,
                attempt,
                self.retry.max_attempts,
                delay,
            )
        return delay

    async def _chat_body(self, req: ChatImageRequest, *, stream: bool) -> bytes:
        urls: list[str] = []
        for image in req.images:
            check_size(len(image.data), self.max_image_bytes)
            urls.append(await encode_data_url_async(image.data, image.mime))
        payload = _requests.chat_payload(req, urls, stream=stream)
        size = sum(len(url) for url in urls)
        del urls
        return await _offload(orjson.dumps, payload, size)

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

    async def _stream_events(self, resp: aiohttp.ClientResponse) -> AsyncGenerator[StreamEvent, None]:
        """Turn a chat response into events (see `stream_chat`)."""
        if resp.content_type == "application/json":  # the gateway chose not to stream
            source = self._events_from_json(resp)
        else:
            translator = ChatStream(
                max_event_bytes=self.max_event_bytes,
                max_image_bytes=self.max_image_bytes,
                image=self._image,
                budget=self.budget,
                max_images=self.max_chat_images,
                max_total_bytes=self.max_job_bytes,
            )
            source = translator.events(resp.content.iter_any())
        async with aclosing(source) as events:
            async for event in events:
                yield event

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
        result = await self._result(await _offload(parse, [raw], len(raw)), "", asked=cap)
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


async def _offload(func: Callable[..., T], arg: Any, size: int) -> T:
    """Run `func(arg)` in a worker thread when `size` is big enough to block the loop."""
    if size > OFFLOAD_BYTES:
        return await asyncio.to_thread(func, arg)
    return func(arg)
