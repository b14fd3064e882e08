"""A fake OpenAI-compatible AI gateway on 127.0.0.1 speaking the real wire format.

Routes: `POST /v1/images/generations`, `POST /v1/chat/completions` (JSON, or SSE when the
request says `stream: true`), `GET /v1/models`, `GET /v1/generation?id=` (costs set in
`generations`), and `GET /files/<name>` for `url` results.
Each API route has a FIFO of scripted behaviours (`push`); with an empty FIFO it answers
with its default. Every request is recorded in `requests` and in `request_queue` so tests
await it instead of sleeping; the image inputs of chat requests are decoded into
`RecordedRequest.input_images` (and `received_images`), so tests check which images a model
got. Bodies are serialised once per behaviour (cheap for benches).

    async with FakeAIGateway() as gateway:
        gateway.push("images", ImagesReply.png(n=4, size=1_000_000))
        client = GatewayClient(session, gateway.base_url, SecretStr("k"))

`python -m tests.fakes.ai_gateway --port N` serves the default happy scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import hashlib
import io
import itertools
import struct
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
import pybase64
from aiohttp import web
from multidict import CIMultiDict

Route = Literal["images", "chat", "models"]
CREATED = 1785537645


# --- image bytes ---------------------------------------------------------------------------


def _filler(size: int, seed: int) -> bytes:
    pattern = hashlib.sha256(str(seed).encode()).hexdigest().encode()
    return (pattern * (size // len(pattern) + 1))[:size]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(size: int = 0, *, seed: int = 0) -> bytes:
    """A valid 1×1 PNG padded with a `tEXt` chunk to exactly `size` bytes (when ≥ ~90)."""
    pixel = bytes([seed % 256, (seed * 7) % 256, (seed * 13) % 256])
    head = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    tail = _png_chunk(b"IDAT", zlib.compress(b"\x00" + pixel)) + _png_chunk(b"IEND", b"")
    keyword = b"Comment\x00"
    padding = size - len(head) - len(tail) - 12 - len(keyword)
    text = _png_chunk(b"tEXt", keyword + _filler(padding, seed)) if padding >= 0 else b""
    return head + text + tail


@functools.cache
def _tiny_jpeg(seed: int) -> bytes:
    from PIL import Image  # only the JPEG helper needs Pillow

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def make_jpeg(size: int = 0, *, seed: int = 0) -> bytes:
    """A valid 8×8 JPEG padded with COM segments to about `size` bytes (within 3)."""
    base = _tiny_jpeg(seed)
    pad = size - len(base)
    segments = []
    while pad >= 4:
        body = _filler(min(pad - 4, 65533), seed)
        segments.append(b"\xff\xfe" + struct.pack(">H", len(body) + 2) + body)
        pad -= len(body) + 4
    return base[:2] + b"".join(segments) + base[2:]


def data_url(image: bytes, mime: str = "image/png") -> str:
    """An image as a base64 data URL, as the gateway sends it."""
    return f"data:{mime};base64,{pybase64.b64encode(image).decode()}"


# --- payload helpers -----------------------------------------------------------------------


def image_result_payload(images: list[bytes], *, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """A default `/images/generations` result carrying `images` as `b64_json`."""
    payload: dict[str, Any] = {
        "created": CREATED,
        "data": [{"b64_json": pybase64.b64encode(image).decode()} for image in images],
        "providerMetadata": {"gateway": {"cost": "0.04", "routing": {"finalProvider": "fake"}}},
    }
    if usage is not None:
        payload["usage"] = usage
    return payload


def stream_error(message: str, *, nested: bool = True) -> dict[str, Any]:
    """An in-stream error like the gateway's (vercel/ai#18303), message double-encoded."""
    error: dict[str, Any] = {
        "code": "error",
        "message": "Stream error occurred",
        "name": "AI_TypeValidationError",
    }
    if nested:
        inner = orjson.dumps({"error": {"message": message}}).decode()
        error["value"] = {"error_type": "validation_error", "error_message": inner}
    else:
        error["message"] = message
    return error


def chat_stream(text_deltas: list[str], images: list[bytes], **knobs: Any) -> bytes:
    """A default chat SSE stream (text deltas, one delta per image, usage, `[DONE]`)."""
    return ChatReply(text_deltas=text_deltas, images=images, **knobs).sse_body


DEFAULT_USAGE = {"prompt_tokens": 15, "completion_tokens": 28, "total_tokens": 43, "cost": 0.0123}


# --- behaviours ----------------------------------------------------------------------------


@dataclass(eq=False)
class ImagesReply:
    """An `/images/generations` result: images as `b64_json`, or as URLs (`as_url`/`urls`)."""

    images: list[bytes] = field(default_factory=list)
    as_url: bool = False
    urls: list[str] | None = None
    usage: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    hold: asyncio.Event | None = None  # answer only once this is set (or the fake closes)

    @classmethod
    def png(cls, n: int = 1, size: int = 2048, **kwargs: Any) -> ImagesReply:
        """`n` distinct PNGs of `size` bytes each."""
        return cls([make_png(size, seed=i) for i in range(n)], **kwargs)

    @functools.cached_property
    def body(self) -> bytes:
        """The pre-serialised JSON body (b64 form)."""
        return orjson.dumps({**image_result_payload(self.images, usage=self.usage), **self.extra})


@dataclass(eq=False)
class ErrorReply:
    """An HTTP error: `error` as an object or a bare string, or a raw non-JSON `body`."""

    status: int
    message: str = "something went wrong"
    error_type: str | None = None
    code: str | None = None
    bare_string: bool = False
    body: bytes | None = None
    retry_after: str | None = None
    generation_id: str | None = None
    delay: float = 0.0

    def render(self) -> tuple[bytes, dict[str, str]]:
        """Body and headers of the reply."""
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        if self.body is not None:
            return self.body, {**headers, "Content-Type": "text/html"}
        if self.bare_string:
            payload: dict[str, Any] = {"error": self.message, "type": self.error_type}
        else:
            payload = {"error": {"message": self.message, "type": self.error_type, "code": self.code}}
        if self.generation_id:
            payload["generationId"] = self.generation_id
        return orjson.dumps(payload), {**headers, "Content-Type": "application/json"}


@dataclass(eq=False)
class ChatReply:
    """A chat completion, rendered as JSON or as SSE depending on the request.

    Stream knobs: `chunk_size` (bytes per write; None = one write per event), `delay` per
    write, `crlf` line ends, `keepalive` comments, `error` (an in-stream error chunk after
    the text deltas; the stream then ends without `[DONE]`), `drop_after_events` /
    `drop_after_bytes` (cut the connection mid-body after that many events or bytes),
    `stall_after_events` (send that many events, then nothing, the connection left open until
    the client goes),
    `done` (send `[DONE]`), `ignore_stream` (answer JSON even to a stream request).
    """

    text_deltas: list[str] = field(default_factory=lambda: ["Here ", "is ", "your image."])
    images: list[bytes] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)  # sent after `images`, as plain URLs
    model: str = "google/gemini-3-pro-image"
    generation_id: str = "gen_01FAKE0000000000000000000"
    finish_reason: str | None = "stop"
    usage: dict[str, Any] | None = field(default_factory=lambda: dict(DEFAULT_USAGE))
    chunk_size: int | None = None
    delay: float = 0.0
    crlf: bool = False
    keepalive: bool = False
    error: dict[str, Any] | None = None
    drop_after_events: int | None = None
    drop_after_bytes: int | None = None
    stall_after_events: int | None = None
    done: bool = True
    ignore_stream: bool = False

    def _chunk(self, **fields: Any) -> dict[str, Any]:
        base = {"id": self.generation_id, "object": "chat.completion.chunk", "created": CREATED}
        return {**base, "model": self.model, **fields}

    def _images(self) -> list[dict[str, Any]]:
        urls = [data_url(image) for image in self.images] + self.image_urls
        return [{"type": "image_url", "image_url": {"url": url}} for url in urls]

    @functools.cached_property
    def json_body(self) -> bytes:
        """The non-streamed completion."""
        message = {
            "role": "assistant",
            "content": "".join(self.text_deltas) or None,
            "images": self._images(),
        }
        choice = {"index": 0, "finish_reason": self.finish_reason, "message": message}
        payload = {**self._chunk(choices=[choice]), "object": "chat.completion", "usage": self.usage}
        return orjson.dumps(payload)

    @functools.cached_property
    def sse_events(self) -> list[bytes]:
        """Each SSE event, framed, in order (the last may be `[DONE]`)."""
        end = b"\r\n" if self.crlf else b"\n"
        chunks = [self._chunk(choices=[{"index": 0, "delta": {"role": "assistant", "content": ""}}])]
        chunks += [self._chunk(choices=[{"index": 0, "delta": {"content": t}}]) for t in self.text_deltas]
        if self.error is not None:
            chunks.append(self._chunk(error=self.error))
        else:
            for part in self._images():
                chunks.append(self._chunk(choices=[{"index": 0, "delta": {"images": [part]}}]))
            chunks.append(
                self._chunk(choices=[{"index": 0, "delta": {}, "finish_reason": self.finish_reason}])
            )
            if self.usage is not None:
                chunks.append(self._chunk(choices=[], usage=self.usage))
        events = [b"data: " + orjson.dumps(chunk) + end + end for chunk in chunks]
        if self.done and self.error is None:
            events.append(b"data: [DONE]" + end + end)
        if self.keepalive:
            events = [item for event in events for item in (b": keep-alive" + end + end, event)]
        return events

    @functools.cached_property
    def sse_body(self) -> bytes:
        """The whole stream, pre-serialised."""
        return b"".join(self.sse_events)


@dataclass(eq=False)
class ModelsReply:
    """A `GET /models` list."""

    models: list[dict[str, Any]]
    delay: float = 0.0

    @functools.cached_property
    def body(self) -> bytes:
        """The pre-serialised JSON body."""
        return orjson.dumps({"object": "list", "data": self.models})


@dataclass(eq=False)
class Disconnect:
    """Close the connection without answering (a connection error before any byte)."""

    delay: float = 0.0


Behaviour = ImagesReply | ErrorReply | ChatReply | ModelsReply | Disconnect


def _model(model_id: str, model_type: str, tags: list[str], **extra: Any) -> dict[str, Any]:
    owner = model_id.split("/", 1)[0]
    base = {"id": model_id, "object": "model", "created": CREATED, "owned_by": owner, "name": model_id}
    return {**base, "type": model_type, "tags": tags, **extra}


DEFAULT_MODELS: list[dict[str, Any]] = [
    _model("bfl/flux-2-pro", "image", ["image-generation"], pricing={"image": "0.04"}),
    _model("openai/gpt-image-1", "image", ["image-generation"], pricing={"image": "0.042"}),
    _model("spacexai/grok-imagine-image", "image", [], pricing={"image": "0.07"}),
    _model("recraft/recraft-v3", "image", ["image-generation"], pricing={"image": "0.04"}),
    _model(
        "google/gemini-3-pro-image",
        "language",
        ["image-generation", "vision", "file-input"],
        pricing={"input": "0.000002", "output": "0.000012"},
        context_window=65536,
    ),
    _model(
        "google/gemini-3.1-flash-image-preview",
        "language",
        ["vision"],
        architecture={"input_modalities": ["text", "image"], "output_modalities": ["text", "image"]},
    ),
    _model("google/gemini-3-pro", "language", ["file-input", "tool-use", "reasoning", "vision"]),
    _model("anthropic/claude-sonnet-4.5", "language", ["tool-use", "vision"]),
    _model("openai/text-embedding-3-small", "embedding", []),
]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received.

    `input_images` are the image inputs of a chat request, decoded from the `image_url` data
    URLs of its messages, in order (a plain URL is kept as its UTF-8 bytes): what the model
    would have been shown. Tests compare them with the images they meant to send.
    """

    method: str
    path: str
    headers: CIMultiDict[str]
    json: Any
    size: int
    input_images: tuple[bytes, ...] = ()

    @property
    def input_hashes(self) -> list[str]:
        """SHA-256 (hex) of each input image."""
        return [hashlib.sha256(image).hexdigest() for image in self.input_images]


def input_images_of(body: Any) -> tuple[bytes, ...]:
    """The images of every `image_url` content part of a chat request body, in order."""
    found: list[bytes] = []
    messages = body.get("messages") if isinstance(body, dict) else None
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else []:
            if not isinstance(part, dict) or part.get("type") != "image_url":
                continue
            url = str((part.get("image_url") or {}).get("url", ""))
            head, _, data = url.partition(",")
            is_data = url.startswith("data:") and head.endswith(";base64")
            found.append(pybase64.b64decode(data, validate=True) if is_data else url.encode())
    return tuple(found)


# --- the server ----------------------------------------------------------------------------


class FakeAIGateway:
    """The fake gateway (an async context manager).

    Args:
        port: TCP port on 127.0.0.1 (0 = any free port).
        models: Catalogue served by `GET /v1/models` by default.
    """

    def __init__(self, *, port: int = 0, models: list[dict[str, Any]] | None = None) -> None:
        self.port = port
        self.requests: list[RecordedRequest] = []
        self.received_images: list[bytes] = []  # every chat request's input images, in order
        self.request_queue: asyncio.Queue[RecordedRequest] = asyncio.Queue()
        self.defaults: dict[Route, Behaviour] = {
            "chat": ChatReply(images=[make_png(4096, seed=1)]),
            "models": ModelsReply(list(models if models is not None else DEFAULT_MODELS)),
        }
        self.files: dict[str, tuple[bytes, str]] = {}
        self.redirects: dict[str, str] = {}
        self.generations: dict[str, Any] = {}  # `GET /v1/generation?id=`: id -> total_cost
        self._scripts: dict[Route, deque[Behaviour]] = {"images": deque(), "chat": deque(), "models": deque()}
        self._default_images: dict[int, ImagesReply] = {}
        self._names = itertools.count(1)
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """API base, ending in ``/v1``."""
        return f"{self.origin}/v1"

    def push(self, route: Route, *behaviours: Behaviour) -> None:
        """Script the next requests of `route`, in order."""
        self._scripts[route].extend(behaviours)

    def clear(self, route: Route) -> None:
        """Forget the behaviours still scripted for `route` (back to its default)."""
        self._scripts[route].clear()

    def add_file(self, data: bytes, mime: str = "image/png") -> str:
        """Serve `data` at a new URL on this fake and return the absolute URL."""
        name = f"img{next(self._names)}"
        self.files[name] = (data, mime)
        return f"{self.origin}/files/{name}"

    def add_redirect(self, location: str, status: int = 302) -> str:
        """Answer a new URL on this fake with a redirect to `location`; return the URL."""
        name = f"r{next(self._names)}"
        self.redirects[name] = f"{status} {location}"
        return f"{self.origin}/redirect/{name}"

    async def next_request(self) -> RecordedRequest:
        """The next recorded request (waits for it; wrap in `asyncio.timeout`)."""
        return await self.request_queue.get()

    def app(self) -> web.Application:
        """The aiohttp application (also used by the `__main__` entry)."""
        app = web.Application(client_max_size=256 * 2**20)
        app.router.add_post("/v1/images/generations", self._images)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/v1/generation", self._generation)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_get("/redirect/{name}", self._redirect)
        return app

    async def __aenter__(self) -> FakeAIGateway:
        self._runner = web.AppRunner(self.app(), shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing.set()  # ends every scripted delay at once
        if self._runner is not None:
            await self._runner.cleanup()

    # --- handlers -------------------------------------------------------------------------

    async def _record(self, request: web.Request) -> RecordedRequest:
        raw = await request.read()
        body = orjson.loads(raw) if raw else None
        images = input_images_of(body) if request.path.endswith("/chat/completions") else ()
        record = RecordedRequest(
            request.method, request.path, CIMultiDict(request.headers), body, len(raw), images
        )
        self.requests.append(record)
        self.received_images.extend(images)
        self.request_queue.put_nowait(record)
        return record

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            try:
                async with asyncio.timeout(seconds):
                    await self._closing.wait()
            except TimeoutError:
                pass

    def _next(self, route: Route, default: Behaviour) -> Behaviour:
        return self._scripts[route].popleft() if self._scripts[route] else default

    async def _common(self, request: web.Request, behaviour: Behaviour) -> web.StreamResponse | None:
        await self._pause(behaviour.delay)
        if isinstance(behaviour, Disconnect):
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if isinstance(behaviour, ErrorReply):
            body, headers = behaviour.render()
            return web.Response(status=behaviour.status, body=body, headers=headers)
        return None

    async def _images(self, request: web.Request) -> web.StreamResponse:
        record = await self._record(request)
        n = int((record.json or {}).get("n") or 1)
        default = self._default_images.setdefault(n, ImagesReply.png(n, 2048))
        behaviour = self._next("images", default)
        if isinstance(behaviour, ImagesReply) and behaviour.hold is not None:
            await _first_of(behaviour.hold, self._closing)
        if (early := await self._common(request, behaviour)) is not None:
            return early
        assert isinstance(behaviour, ImagesReply)
        if behaviour.as_url or behaviour.urls is not None:
            urls = behaviour.urls or [self.add_file(image) for image in behaviour.images]
            payload = {"created": CREATED, "data": [{"url": url} for url in urls], **behaviour.extra}
            return web.Response(body=orjson.dumps(payload), content_type="application/json")
        return await _send_whole(request, behaviour.body)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        record = await self._record(request)
        behaviour = self._next("chat", self.defaults["chat"])
        if (early := await self._common(request, behaviour)) is not None:
            return early
        assert isinstance(behaviour, ChatReply)
        if behaviour.ignore_stream or not (record.json or {}).get("stream"):
            return web.Response(body=behaviour.json_body, content_type="application/json")
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        events = behaviour.sse_events
        cut = behaviour.drop_after_events
        drop = cut is not None or behaviour.drop_after_bytes is not None
        if cut is not None:
            events = events[:cut]
        stall = behaviour.stall_after_events
        if stall is not None:
            events = events[:stall]
        body = b"".join(events)[: behaviour.drop_after_bytes]
        size = behaviour.chunk_size or 0
        if size:
            pieces: list[bytes | memoryview] = [
                memoryview(body)[i : i + size] for i in range(0, len(body), size)
            ]
        else:
            pieces = [body] if behaviour.drop_after_bytes is not None else list(events)
        for piece in pieces:
            await resp.write(piece)
            await self._pause(behaviour.delay)
        if stall is not None:
            # Silent until the client goes (aiohttp does not cancel a handler when it does).
            transport = request.transport
            for _ in range(1200):  # at most a minute
                if transport is None or transport.is_closing():
                    break
                await asyncio.sleep(0.05)
            return resp
        if drop:
            assert request.transport is not None
            request.transport.abort()  # no terminating chunk: the client sees a payload error
            return resp
        await resp.write_eof()
        return resp

    async def _models(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        behaviour = self._next("models", self.defaults["models"])
        if (early := await self._common(request, behaviour)) is not None:
            return early
        assert isinstance(behaviour, ModelsReply)
        return web.Response(body=behaviour.body, content_type="application/json")

    async def _generation(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        generation_id = request.query.get("id", "")
        if generation_id not in self.generations:
            body = {"error": {"message": "Generation not found", "type": "not_found_error"}}
            return web.Response(status=404, body=orjson.dumps(body), content_type="application/json")
        data = {"id": generation_id, "total_cost": self.generations[generation_id], "model": "fake"}
        return web.Response(body=orjson.dumps({"data": data}), content_type="application/json")

    async def _file(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        found = self.files.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found[0], content_type=found[1])

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        status, location = self.redirects[request.match_info["name"]].split(" ", 1)
        return web.Response(status=int(status), headers={"Location": location})


SEND_PIECE = 1 << 18


async def _send_whole(request: web.Request, body: bytes) -> web.StreamResponse:
    """Send a pre-built JSON body as slices of itself, waiting for the socket between them.

    `web.Response(body=...)` joins headers and body into one new bytes object and, when the
    socket cannot take it all, copies the rest into the transport's buffer and shifts that
    buffer after every send: for a 20 MiB body that is most of the fake's CPU under load.
    """
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = len(body)
    await response.prepare(request)
    view = memoryview(body)
    for start in range(0, len(body), SEND_PIECE):
        await response.write(view[start : start + SEND_PIECE])
    await response.write_eof()
    return response


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def main() -> None:
    """Serve the default happy scenario until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    async def serve() -> None:
        async with FakeAIGateway(port=args.port) as gateway:
            print(f"READY {gateway.base_url}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
