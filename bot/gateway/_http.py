"""The HTTP half of the gateway client: configuration, headers, one attempt, retries, bounded reads.

`GatewayClient` (`bot.gateway.client`) builds on `GatewayHttp`: it writes the requests and turns
the answers into results. One `aiohttp.ClientSession` for the whole process is passed in. The
key travels per request (never as a session default header, so the shared session cannot carry
it to Discord or to an image CDN), and redirects are never followed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import aiohttp
from pydantic import SecretStr
from yarl import URL

from bot.gateway import _parse
from bot.gateway import errors as gw
from bot.gateway._extract import BlobExtractor, feed_body
from bot.gateway.budget import ImageBudget, default_budget
from bot.gateway.fetch import Resolver, body_pieces, system_resolver
from bot.gateway.media import OFFLOAD_BYTES
from bot.gateway.retry import RetryPolicy, parse_retry_after
from bot.gateway.spool import ImageData

log = logging.getLogger("bot.gateway.client")  # one logger for the whole client

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _BodyParser(Protocol[T_co]):
    """Parses a body handed over in a one-item list (so the parser can drop it) with its images."""

    def __call__(self, box: list[Any], /, *, blobs: Sequence[ImageData]) -> T_co: ...


ERROR_BODY_CAP = 64 * 1024  # enough for any error JSON; never buffer a huge error page
MAX_CHAT_IMAGES = 4
"""Images kept from one chat reply (chat requests have no `n`); more are dropped and logged."""
DEFAULT_MAX_JOB_BYTES = 256 * 2**20


class GatewayHttp:
    """The HTTP half of `GatewayClient`: use `GatewayClient`, which adds the gateway's endpoints.

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
        # Inside a stream's body the silence is watched by `fetch.body_pieces_until_silent`.
        self.stream_silence: float | None = sock_read_timeout

    @property
    def session(self) -> aiohttp.ClientSession:
        """The process-wide HTTP session this client uses (never carries the key by default)."""
        return self._session

    @property
    def base_url(self) -> str:
        """The API base URL."""
        return str(self._base)

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
            raw = await self._read_body(resp, ERROR_BODY_CAP, truncate=True)
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
            async for chunk in body_pieces(resp.content):
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
            await feed_body(extractor, body_pieces(resp.content), self.budget)
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
                return await offload(functools.partial(parse, blobs=blobs), box, len(box[0]))
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


async def offload(func: Callable[..., T], arg: Any, size: int) -> T:
    """Run `func(arg)` in a worker thread when `size` is big enough to block the loop."""
    if size > OFFLOAD_BYTES:
        return await asyncio.to_thread(func, arg)
    return func(arg)
