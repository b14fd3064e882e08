"""Gateway client vs the official `openai` SDK vs a raw aiohttp floor, on multi-MB images.

Payloads, as the fake gateway (`tests/fakes/ai_gateway.py`) serialises them, served from a
separate process with every body serialised once before any timing:

* images: `POST /v1/images/generations`, n=4 × 6 MiB PNGs as `b64_json` (a 32 MiB body);
* chat:   a streamed `POST /v1/chat/completions`: 200 text deltas, then 2 × 6 MiB PNGs as
  data URLs in `delta.images`, usage, `[DONE]`.

Every client ends a round holding the same decoded image bytes (checked against digests):

* ours:  `GatewayClient` over one shared `aiohttp.ClientSession`;
* sdk:   `openai.AsyncOpenAI(base_url=…, max_retries=0)` (httpx), then `pybase64.b64decode`
  of each `b64_json` / `delta.images` data URL (the same decoder ours uses, so equal work);
* floor: aiohttp `await resp.read()` of the whole body, stdlib `json.loads` of the document
  (images) or of each `data:` event after splitting on blank lines (chat), then
  `pybase64.b64decode` of each image. No validation of image types, no typed models, no
  caps, no streaming: the least work that still hands back the same bytes.

For context only (not in the ratios), `wire` is the transport alone: aiohttp reads the body
and drops it (no parsing, no decoding, no check of the output).

The server (`--server`): `threads` (default) sends those pre-built bytes with blocking
`sendall` from a thread per connection, so it is never the bottleneck; `fake` runs the
aiohttp `FakeAIGateway` itself (same bytes, noisier: see `serve_fake`).

Each (client, payload) runs in a fresh subprocess: a warm-up round (discarded), then
`ROUNDS` timed rounds; the median is reported. Peak RSS growth is the process's RSS
high-water mark at the end (`VmHWM`, reset before the discarded round) minus its RSS at
that moment. Each client gets its own process so that one client's heap (freed but kept by
the allocator) never lowers or raises another's number. Linux only (`/proc`).

Usage: python bench/gateway_client.py [--rounds N] [--server threads|fake]
The last line is: gateway_client: speedup_vs_openai=X.XX memory_vs_openai=Y.YY vs_floor=Z.ZZ
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import hashlib
import itertools
import json
import os
import socket
import socketserver
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROUNDS = 7
IMAGE_BYTES = 6 * 2**20
IMAGE_SEEDS = (101, 102, 103, 104)  # payload (a): n=4
CHAT_SEEDS = (201, 202)  # payload (b): 2 images in delta.images
TEXT_DELTAS = [f"word{i} " for i in range(200)]
IMAGE_MODEL = "bfl/flux-2-pro"
CHAT_MODEL = "google/gemini-3-pro-image"
API_KEY = "sk-bench-0123456789"
CLIENTS = ("ours", "sdk", "floor")
CONTEXT_CLIENTS = ("wire",)
PAYLOADS = {"images": "images n=4 x 6 MiB", "chat": "SSE 200 deltas + 2 x 6 MiB"}
SCRIPT = str(Path(__file__).resolve())

Round = Callable[[], Awaitable[tuple[list[bytes], str]]]


def digest(images: list[bytes]) -> list[str]:
    """SHA-256 of each image (what workers check their decoded bytes against)."""
    return [hashlib.sha256(image).hexdigest() for image in images]


def expected_images(payload: str) -> list[bytes]:
    """The images of a payload (deterministic: the server and the checker build the same)."""
    from tests.fakes.ai_gateway import make_png

    return [make_png(IMAGE_BYTES, seed=seed) for seed in (IMAGE_SEEDS if payload == "images" else CHAT_SEEDS)]


# --- server process ------------------------------------------------------------------------


def payload_replies() -> tuple[Any, Any]:
    """The two payloads as the fake's reply objects, serialised now (cached properties)."""
    from tests.fakes.ai_gateway import ChatReply, ImagesReply

    images = ImagesReply(expected_images("images"))
    chat = ChatReply(text_deltas=TEXT_DELTAS, images=expected_images("chat"))
    assert images.body
    assert chat.sse_events
    assert chat.json_body
    return images, chat


async def serve_fake(replies: int) -> None:
    """`--server fake`: the aiohttp `FakeAIGateway` itself, scripted with the payloads.

    On Python 3.11 asyncio copies whatever the socket does not take at once into the
    transport's buffer (a ~32 MB copy per images reply) and writes it out as the socket
    drains: the transport alone then alternates between ~15 and ~40 ms a round, noise
    that lands on every client alike but blurs the medians.
    """
    from tests.fakes.ai_gateway import FakeAIGateway

    images, chat = payload_replies()
    async with FakeAIGateway() as gateway:
        gateway.defaults["chat"] = chat
        gateway.push("images", *itertools.repeat(images, replies))
        sizes = len(images.body), sum(len(event) for event in chat.sse_events)
        print(f"READY {gateway.base_url} {sizes[0]} {sizes[1]}", flush=True)
        await asyncio.Event().wait()


class _Handler(socketserver.StreamRequestHandler):
    """HTTP/1.1 keep-alive, just enough of it: the pre-serialised replies, sent zero-copy."""

    server: _BenchServer

    def setup(self) -> None:
        super().setup()
        # Head and body go out as separate sends: Nagle must not hold the second one back.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        while request_line := self.rfile.readline(65537):
            method, path, _ = request_line.decode("latin-1").split(" ", 2)
            length = 0
            while (header := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = self.rfile.read(length) if length else b""
            self.server.answer(self.request, method, path, body)


class _BenchServer(socketserver.ThreadingTCPServer):
    """`--server threads` (the default): blocking `sendall` of bytes built before any timing.

    The bodies are the fake gateway's own serialisations (`ImagesReply.body`,
    `ChatReply.sse_events`, `ModelsReply.body`); the stream is chunked, one chunk per event,
    as aiohttp's `StreamResponse` sends it.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        from tests.fakes.ai_gateway import DEFAULT_MODELS, ModelsReply

        super().__init__(("127.0.0.1", 0), _Handler)
        images, chat = payload_replies()
        self.images_body: bytes = images.body
        self.chat_json: bytes = chat.json_body
        self.chat_events: list[bytes] = chat.sse_events
        self.models_body: bytes = ModelsReply(list(DEFAULT_MODELS)).body

    def answer(self, sock: socket.socket, method: str, path: str, body: bytes) -> None:
        """Send the reply for one request."""
        if method == "GET" and path == "/v1/models":
            self._json(sock, self.models_body)
        elif method == "POST" and path == "/v1/images/generations":
            self._json(sock, self.images_body)
        elif method == "POST" and path == "/v1/chat/completions":
            if json.loads(body).get("stream"):
                self._stream(sock)
            else:
                self._json(sock, self.chat_json)
        else:
            sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    @staticmethod
    def _json(sock: socket.socket, body: bytes) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        sock.sendall(head.encode())
        sock.sendall(body)

    def _stream(self, sock: socket.socket) -> None:
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for event in self.chat_events:
            sock.sendall(b"%x\r\n" % len(event))
            sock.sendall(event)
            sock.sendall(b"\r\n")
        sock.sendall(b"0\r\n\r\n")


def serve_threads() -> None:
    """Run `_BenchServer` until killed."""
    with _BenchServer() as server:
        sizes = len(server.images_body), sum(len(event) for event in server.chat_events)
        print(f"READY http://127.0.0.1:{server.server_address[1]}/v1 {sizes[0]} {sizes[1]}", flush=True)
        server.serve_forever()


# --- worker processes (one client, one payload) --------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def reset_peak_rss() -> int:
    """Reset the RSS high-water mark to the current RSS (Linux `clear_refs`); return the RSS.

    Not `ru_maxrss`: Linux carries it over from the parent across fork+exec, so a worker
    would report the orchestrator's peak (which holds the expected images) as its own.
    `VmHWM` belongs to the process's own address space and `clear_refs` 5 resets it.
    """
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_kib("VmRSS")


def peak_rss() -> int:
    """The RSS high-water mark since the last `reset_peak_rss`."""
    return _status_kib("VmHWM")


async def worker(client: str, payload: str, base_url: str, rounds: int, digests: list[str]) -> dict[str, Any]:
    """Time `rounds` rounds (after one discarded round) and measure peak RSS growth."""
    factory = {"ours": _ours, "sdk": _sdk, "floor": _floor, "wire": _wire}[client]
    async with factory(base_url, payload) as (run_round, warm):
        await warm()  # connection, lazy imports: not part of the payload's cost
        baseline = reset_peak_rss()
        times = []
        for index in range(rounds + 1):
            started = time.perf_counter()
            images, text = await run_round()
            elapsed = time.perf_counter() - started
            wrong_text = payload == "chat" and text != "".join(TEXT_DELTAS)
            if client not in CONTEXT_CLIENTS and (digest(images) != digests or wrong_text):
                raise SystemExit(f"{client}/{payload}: decoded output differs from what was served")
            del images, text
            if index:  # round 0 is the warm-up
                times.append(elapsed)
        peak = peak_rss()
    return {"times": times, "growth": max(0, peak - baseline)}


@contextlib.asynccontextmanager
async def _ours(base_url: str, payload: str) -> AsyncIterator[tuple[Round, Round]]:
    import aiohttp
    from pydantic import SecretStr

    from bot.gateway import GatewayClient
    from bot.gateway.models import ChatImageRequest, ImageEvent, ImageRequest, TextDelta

    async def images_round() -> tuple[list[bytes], str]:
        result = await client.generate_images(ImageRequest(model=IMAGE_MODEL, prompt="bench", n=4))
        return [image.data for image in result.images], ""

    async def chat_round() -> tuple[list[bytes], str]:
        text, images = [], []
        async for event in client.stream_chat(ChatImageRequest(model=CHAT_MODEL, prompt="bench")):
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, ImageEvent):
                images.append(event.image.data)
        return images, "".join(text)

    async def warm() -> tuple[list[bytes], str]:
        await client.list_models()
        return [], ""

    async with aiohttp.ClientSession() as session:
        client = GatewayClient(session, base_url, SecretStr(API_KEY))
        yield (images_round if payload == "images" else chat_round), warm


@contextlib.asynccontextmanager
async def _sdk(base_url: str, payload: str) -> AsyncIterator[tuple[Round, Round]]:
    import openai
    import pybase64

    async def images_round() -> tuple[list[bytes], str]:
        result = await sdk.images.generate(model=IMAGE_MODEL, prompt="bench", n=4, response_format="b64_json")
        return [pybase64.b64decode(item.b64_json or "", validate=True) for item in result.data or []], ""

    async def chat_round() -> tuple[list[bytes], str]:
        text, images = [], []
        stream = await sdk.chat.completions.create(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": "bench"}],
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"modalities": ["text", "image"]},
        )
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.delta.content:
                    text.append(choice.delta.content)
                # `images` is not in the SDK's schema: it arrives as an extra field.
                for part in (choice.delta.model_extra or {}).get("images") or ():
                    url = part["image_url"]["url"]
                    images.append(pybase64.b64decode(url[url.index(",") + 1 :], validate=True))
        return images, "".join(text)

    async def warm() -> tuple[list[bytes], str]:
        await sdk.models.list()
        return [], ""

    async with openai.AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=120) as sdk:
        yield (images_round if payload == "images" else chat_round), warm


@contextlib.asynccontextmanager
async def _floor(base_url: str, payload: str) -> AsyncIterator[tuple[Round, Round]]:
    import aiohttp
    import pybase64

    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}

    async def post(path: str, body: dict[str, Any]) -> bytes:
        async with session.post(f"{base_url}/{path}", data=json.dumps(body), headers=headers) as resp:
            resp.raise_for_status()
            return await resp.read()

    async def images_round() -> tuple[list[bytes], str]:
        raw = await post("images/generations", {"model": IMAGE_MODEL, "prompt": "bench", "n": 4})
        document = json.loads(raw)
        del raw
        return [pybase64.b64decode(item["b64_json"], validate=True) for item in document["data"]], ""

    async def chat_round() -> tuple[list[bytes], str]:
        request = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": "bench"}], "stream": True}
        raw = await post("chat/completions", request)
        text, images = [], []
        for event in raw.split(b"\n\n"):
            if not event.startswith(b"data: ") or event == b"data: [DONE]":
                continue
            for choice in json.loads(event[6:])["choices"]:
                delta = choice["delta"]
                if delta.get("content"):
                    text.append(delta["content"])
                for part in delta.get("images") or ():
                    url = part["image_url"]["url"]
                    images.append(pybase64.b64decode(url[url.index(",") + 1 :], validate=True))
        return images, "".join(text)

    async def warm() -> tuple[list[bytes], str]:
        async with session.get(f"{base_url}/models", headers=headers) as resp:
            await resp.read()
        return [], ""

    async with aiohttp.ClientSession() as session:
        yield (images_round if payload == "images" else chat_round), warm


@contextlib.asynccontextmanager
async def _wire(base_url: str, payload: str) -> AsyncIterator[tuple[Round, Round]]:
    import aiohttp

    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    if payload == "images":
        path, body = "images/generations", {"model": IMAGE_MODEL, "prompt": "bench", "n": 4}
    else:
        path, body = "chat/completions", {"model": CHAT_MODEL, "messages": [], "stream": True}

    async def read_round() -> tuple[list[bytes], str]:
        async with session.post(f"{base_url}/{path}", data=json.dumps(body), headers=headers) as resp:
            async for _ in resp.content.iter_any():
                pass
        return [], ""

    async def warm() -> tuple[list[bytes], str]:
        async with session.get(f"{base_url}/models", headers=headers) as resp:
            await resp.read()
        return [], ""

    async with aiohttp.ClientSession() as session:
        yield read_round, warm


# --- orchestration -------------------------------------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run_worker(client: str, payload: str, base_url: str, rounds: int, digests: list[str]) -> dict[str, Any]:
    """One (client, payload) measurement in a fresh interpreter."""
    command = [sys.executable, SCRIPT, "--worker", client, payload, base_url, "--rounds", str(rounds)]
    done = subprocess.run(
        command, input=json.dumps(digests), capture_output=True, text=True, env=_env(), timeout=300
    )
    if done.returncode != 0:
        raise SystemExit(f"worker {client}/{payload} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_server(kind: str, rounds: int) -> tuple[subprocess.Popen[str], str, tuple[int, int]]:
    """Start the server process; return it, its base URL and the two body sizes."""
    replies = (rounds + 1) * len(CLIENTS + CONTEXT_CLIENTS)  # one scripted reply per image request
    server = subprocess.Popen(
        [sys.executable, SCRIPT, "--serve", kind, str(replies)], stdout=subprocess.PIPE, text=True, env=_env()
    )
    assert server.stdout is not None
    line = server.stdout.readline().split()
    if not line or line[0] != "READY":
        server.kill()
        raise SystemExit(f"the fake gateway did not start: {line!r}")
    return server, line[1], (int(line[2]), int(line[3]))


def report(
    results: dict[tuple[str, str], dict[str, Any]], rounds: int, sizes: tuple[int, int], server: str
) -> str:
    """Print the table and the per-payload ratios; return the summary line."""
    mib = 2**20
    print(
        f"gateway client bench ({server} server): bodies of {sizes[0] / mib:.1f} MiB (images) and"
        f" {sizes[1] / mib:.1f} MiB (chat SSE); {rounds} timed rounds after 1 warm-up, median per round"
    )
    print(
        f"{'payload':<28} {'client':<6} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'peak RSS +MiB':>14}"
    )
    for payload, label in PAYLOADS.items():
        for client in CLIENTS + CONTEXT_CLIENTS:
            r = results[client, payload]
            times = r["times"]
            print(
                f"{label:<28} {client:<6} {statistics.median(times) * 1e3:>10.1f} {min(times) * 1e3:>8.1f}"
                f" {max(times) * 1e3:>8.1f} {r['growth'] / mib:>14.1f}"
            )
    speedups, memories, floors = [], [], []
    print()
    print(f"{'payload':<28} {'sdk/ours time':>14} {'ours/sdk memory':>16} {'ours/floor time':>16}")
    for payload, label in PAYLOADS.items():
        ours, sdk, floor = (statistics.median(results[c, payload]["times"]) for c in CLIENTS)
        speedup = sdk / ours
        memory = results["ours", payload]["growth"] / max(1, results["sdk", payload]["growth"])
        vs_floor = ours / floor
        speedups.append(speedup)
        memories.append(memory)
        floors.append(vs_floor)
        print(f"{label:<28} {speedup:>14.2f} {memory:>16.2f} {vs_floor:>16.2f}")
    print("targets: speedup >= 1.5, memory <= 0.7, vs_floor <= 1.2 (each the worst of the two payloads)")
    return (
        f"gateway_client: speedup_vs_openai={min(speedups):.2f} "
        f"memory_vs_openai={max(memories):.2f} vs_floor={max(floors):.2f}"
    )


def main() -> None:
    """Entry point (also the server and worker processes, selected by flags)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--server",
        choices=("threads", "fake"),
        default="threads",
        help="threads: blocking sendall of the fake's pre-serialised replies (default); "
        "fake: the aiohttp FakeAIGateway itself",
    )
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "REPLIES"), help=argparse.SUPPRESS)
    parser.add_argument("--worker", nargs=3, metavar=("CLIENT", "PAYLOAD", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        kind, replies = args.serve
        if kind == "fake":
            asyncio.run(serve_fake(int(replies)))
        else:
            serve_threads()
        return
    if args.worker:
        client, payload, base_url = args.worker
        digests = json.loads(sys.stdin.read())
        print(json.dumps(asyncio.run(worker(client, payload, base_url, args.rounds, digests))))
        return

    started = time.perf_counter()
    digests = {payload: digest(expected_images(payload)) for payload in PAYLOADS}
    server, base_url, sizes = start_server(args.server, args.rounds)
    try:
        results = {
            (client, payload): run_worker(client, payload, base_url, args.rounds, digests[payload])
            for payload in PAYLOADS
            for client in CLIENTS + CONTEXT_CLIENTS
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
    summary = report(results, args.rounds, sizes, args.server)
    print(f"(bench took {time.perf_counter() - started:.0f} s)")
    print(summary)


if __name__ == "__main__":
    main()
