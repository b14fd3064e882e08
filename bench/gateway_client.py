"""Gateway client vs the official `openai` SDK vs the honest floor (wire + decode), on multi-MB images.

Payloads, as the fake gateway (`tests/fakes/ai_gateway.py`) serialises them, served from a
separate process with every body serialised once before any timing:

* images: `POST /v1/images/generations`, n=4 × 6 MiB PNGs as `b64_json` (a 32 MiB body);
* chat:   a streamed `POST /v1/chat/completions`: 200 text deltas, then 2 × 6 MiB PNGs as
  data URLs in `delta.images`, usage, `[DONE]`.

Contenders, each ending a round with the same decoded image bytes (checked against digests):

* ours:  `GatewayClient` over the production session (`bot.discord.runner.make_session`: the
  bot's connector and read buffer);
* sdk:   `openai.AsyncOpenAI(base_url=…, max_retries=0)` (httpx), then `pybase64.b64decode`
  of each `b64_json` / `delta.images` data URL (the decoder ours uses, so equal work);
* floor: `wire + decode`, the least any client can do. `wire` is the same request over the
  same production session, its body read chunk by chunk and dropped; `decode` is
  `pybase64.b64decode` of the very base64 strings of that payload's images, held in memory
  before timing. The floor's round is the sum of the two, measured back to back.

Each (contender, payload) lives in its own long-running worker process (so one client's heap
never lowers or raises another's memory figure) and the orchestrator drives them round by
round: in every round each worker runs once, in an order rotated every round, so machine
noise lands on all contenders alike instead of on whichever ran during a noisy minute. One
warm-up round is discarded; the median of the timed rounds is reported. Peak RSS growth is
the worker's RSS high-water mark (`VmHWM`, reset after the warm-up) minus its RSS then.
Linux only (`/proc`).

The server (`--server`): `threads` (default) sends the pre-built bytes with blocking
`sendall` from a thread per connection, so it is never the bottleneck; `fake` runs the
aiohttp `FakeAIGateway` itself (same bytes, noisier: see `serve_fake`).

Usage: python bench/gateway_client.py [--rounds N] [--server threads|fake]
The last line is: gateway_client: speedup_vs_openai=X.XX memory_vs_openai=Y.YY vs_floor=Z.ZZ
(speedup: the worse payload's sdk/ours time; memory: the worse payload's ours/sdk peak growth;
vs_floor: the worse payload's ours / (wire + decode) time).
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
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROUNDS = 9
IMAGE_BYTES = 6 * 2**20
IMAGE_SEEDS = (101, 102, 103, 104)  # payload (a): n=4
CHAT_SEEDS = (201, 202)  # payload (b): 2 images in delta.images
TEXT_DELTAS = [f"word{i} " for i in range(200)]
IMAGE_MODEL = "bfl/flux-2-pro"
CHAT_MODEL = "google/gemini-3-pro-image"
API_KEY = "sk-bench-0123456789"
CLIENTS = ("ours", "sdk", "floor")
PAYLOADS = {"images": "images n=4 x 6 MiB", "chat": "SSE 200 deltas + 2 x 6 MiB"}
SCRIPT = str(Path(__file__).resolve())

# A round returns (images, text, parts): parts are named sub-times (the floor's wire/decode).
Round = Callable[[], Awaitable[tuple[list[bytes], str, dict[str, float]]]]


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


# --- worker processes (one contender, one payload, many rounds) ----------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def reset_peak_rss() -> int:
    """Reset the RSS high-water mark to the current RSS (Linux `clear_refs`); return the RSS.

    Not `ru_maxrss`: Linux carries it over from the parent across fork+exec, so a worker
    would report the orchestrator's peak as its own. `VmHWM` belongs to the process's own
    address space and `clear_refs` 5 resets it.
    """
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_kib("VmRSS")


def peak_rss() -> int:
    """The RSS high-water mark since the last `reset_peak_rss`."""
    return _status_kib("VmHWM")


async def worker(client: str, payload: str, base_url: str, commands: TextIO, digests: list[str]) -> None:
    """Run one round per `round` line on stdin, answering with a JSON line; `peak` ends it.

    `reset` is a warm-up round: after it, the peak RSS is measured from the RSS of that moment.
    """
    factory = {"ours": _ours, "sdk": _sdk, "floor": _floor}[client]
    loop = asyncio.get_running_loop()
    async with factory(base_url, payload) as (run_round, warm):
        await warm()  # connection, lazy imports: not part of the payload's cost
        baseline = reset_peak_rss()
        read = commands.readline
        while (command := (await loop.run_in_executor(None, read)).strip()) in ("round", "reset"):
            started = time.perf_counter()
            images, text, parts = await run_round()
            elapsed = time.perf_counter() - started
            wrong_text = payload == "chat" and text != "".join(TEXT_DELTAS)
            if digest(images) != digests or wrong_text:
                raise SystemExit(f"{client}/{payload}: decoded output differs from what was served")
            del images, text
            print(json.dumps({"time": parts.get("floor", elapsed), **parts}), flush=True)
            if command == "reset":
                baseline = reset_peak_rss()
        print(json.dumps({"growth": max(0, peak_rss() - baseline)}), flush=True)


@contextlib.asynccontextmanager
async def _ours(base_url: str, payload: str) -> AsyncIterator[tuple[Round, Callable[[], Awaitable[None]]]]:
    from pydantic import SecretStr

    from bot.discord.runner import make_session
    from bot.gateway import GatewayClient
    from bot.gateway.models import ChatImageRequest, ImageEvent, ImageRequest, TextDelta

    async def images_round() -> tuple[list[bytes], str, dict[str, float]]:
        result = await client.generate_images(ImageRequest(model=IMAGE_MODEL, prompt="bench", n=4))
        return [image.data for image in result.images], "", {}

    async def chat_round() -> tuple[list[bytes], str, dict[str, float]]:
        text, images = [], []
        async for event in client.stream_chat(ChatImageRequest(model=CHAT_MODEL, prompt="bench")):
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, ImageEvent):
                images.append(event.image.data)
        return images, "".join(text), {}

    async def warm() -> None:
        await client.list_models()

    async with make_session() as session:
        client = GatewayClient(session, base_url, SecretStr(API_KEY))
        yield (images_round if payload == "images" else chat_round), warm


@contextlib.asynccontextmanager
async def _sdk(base_url: str, payload: str) -> AsyncIterator[tuple[Round, Callable[[], Awaitable[None]]]]:
    import openai
    import pybase64

    async def images_round() -> tuple[list[bytes], str, dict[str, float]]:
        result = await sdk.images.generate(model=IMAGE_MODEL, prompt="bench", n=4, response_format="b64_json")
        return [pybase64.b64decode(item.b64_json or "", validate=True) for item in result.data or []], "", {}

    async def chat_round() -> tuple[list[bytes], str, dict[str, float]]:
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
        return images, "".join(text), {}

    async def warm() -> None:
        await sdk.models.list()

    async with openai.AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=120) as sdk:
        yield (images_round if payload == "images" else chat_round), warm


@contextlib.asynccontextmanager
async def _floor(base_url: str, payload: str) -> AsyncIterator[tuple[Round, Callable[[], Awaitable[None]]]]:
    """`wire + decode`: the transport alone, then the decoder alone on the same base64."""
    import pybase64

    from bot.discord.runner import make_session

    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    if payload == "images":
        path, body = "images/generations", {"model": IMAGE_MODEL, "prompt": "bench", "n": 4}
    else:
        path, body = "chat/completions", {"model": CHAT_MODEL, "messages": [], "stream": True}
    encoded = [pybase64.b64encode(image) for image in expected_images(payload)]  # built before timing
    data = json.dumps(body)

    async def floor_round() -> tuple[list[bytes], str, dict[str, float]]:
        started = time.perf_counter()
        async with session.post(f"{base_url}/{path}", data=data, headers=headers) as resp:
            async for _ in resp.content.iter_any():
                pass
        wire = time.perf_counter() - started
        started = time.perf_counter()
        images = [pybase64.b64decode(text, validate=True) for text in encoded]
        decode = time.perf_counter() - started
        return images, "".join(TEXT_DELTAS), {"wire": wire, "decode": decode, "floor": wire + decode}

    async def warm() -> None:
        async with session.get(f"{base_url}/models", headers=headers) as resp:
            await resp.read()

    async with make_session() as session:
        yield floor_round, warm


# --- orchestration -------------------------------------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


class Worker:
    """One long-running (contender, payload) process, driven a round at a time."""

    def __init__(self, client: str, payload: str, base_url: str, digests: list[str], heap: str) -> None:
        self.client, self.payload = client, payload
        command = [sys.executable, SCRIPT, "--worker", client, payload, base_url, "--heap", heap]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env()
        )
        self._send(json.dumps(digests))
        self.rounds: list[dict[str, float]] = []

    def _send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait(timeout=30)
            raise SystemExit(f"worker {self.client}/{self.payload} failed ({code})")
        return json.loads(line)

    def round(self, *, keep: bool) -> None:
        """Run one round; keep its times unless it is the warm-up."""
        self._send("round" if keep else "reset")
        answer = self._answer()
        if keep:
            self.rounds.append(answer)

    def finish(self) -> int:
        """End the worker; return its peak RSS growth."""
        self._send("peak")
        growth = int(self._answer()["growth"])
        self.process.wait(timeout=30)
        return growth

    def median(self, key: str = "time") -> float:
        """The median of one of the timed rounds' figures."""
        return statistics.median(r[key] for r in self.rounds)


def start_server(kind: str, replies: int) -> tuple[subprocess.Popen[str], str, tuple[int, int]]:
    """Start the server process; return it, its base URL and the two body sizes."""
    server = subprocess.Popen(
        [sys.executable, SCRIPT, "--serve", kind, str(replies)], stdout=subprocess.PIPE, text=True, env=_env()
    )
    assert server.stdout is not None
    line = server.stdout.readline().split()
    if not line or line[0] != "READY":
        server.kill()
        raise SystemExit(f"the fake gateway did not start: {line!r}")
    return server, line[1], (int(line[2]), int(line[3]))


def measure(
    base_url: str, rounds: int, heap: str
) -> tuple[dict[tuple[str, str], Worker], dict[tuple[str, str], int]]:
    """Start every worker, run the rounds interleaved, and collect the peaks."""
    digests = {payload: digest(expected_images(payload)) for payload in PAYLOADS}
    workers = {
        (client, payload): Worker(client, payload, base_url, digests[payload], heap)
        for payload in PAYLOADS
        for client in CLIENTS
    }
    try:
        order = list(workers.values())
        for index in range(rounds + 1):
            shift = index % len(order)
            for each in order[shift:] + order[:shift]:  # rotated: no contender always goes first
                each.round(keep=index > 0)
        growth = {key: each.finish() for key, each in workers.items()}
    finally:
        for each in workers.values():
            if each.process.poll() is None:
                each.process.kill()
    return workers, growth


def report(
    workers: dict[tuple[str, str], Worker],
    growth: dict[tuple[str, str], int],
    rounds: int,
    sizes: tuple[int, int],
    server: str,
) -> str:
    """Print the table and the per-payload ratios; return the summary line."""
    mib = 2**20
    print(
        f"gateway client bench ({server}): bodies of {sizes[0] / mib:.1f} MiB (images) and"
        f" {sizes[1] / mib:.1f} MiB (chat SSE); {rounds} timed rounds after 1 warm-up, interleaved"
        " round by round; median per round"
    )
    print(
        f"{'payload':<28} {'client':<12} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'peak RSS +MiB':>14}"
    )
    for payload, label in PAYLOADS.items():
        for client in CLIENTS:
            each = workers[client, payload]
            times = [r["time"] for r in each.rounds]
            print(
                f"{label:<28} {client:<12} {statistics.median(times) * 1e3:>10.1f} {min(times) * 1e3:>8.1f}"
                f" {max(times) * 1e3:>8.1f} {growth[client, payload] / mib:>14.1f}"
            )
        floor = workers["floor", payload]
        for part in ("wire", "decode"):
            times = [r[part] for r in floor.rounds]
            print(
                f"{label:<28} {'  ' + part:<12} {statistics.median(times) * 1e3:>10.1f}"
                f" {min(times) * 1e3:>8.1f} {max(times) * 1e3:>8.1f}"
            )
    speedups, memories, floors = [], [], []
    print()
    print(f"{'payload':<28} {'sdk/ours time':>14} {'ours/sdk memory':>16} {'ours/floor time':>16}")
    for payload, label in PAYLOADS.items():
        ours, sdk, floor = (workers[c, payload].median() for c in CLIENTS)
        speedup = sdk / ours
        memory = growth["ours", payload] / max(1, growth["sdk", payload])
        vs_floor = ours / floor
        speedups.append(speedup)
        memories.append(memory)
        floors.append(vs_floor)
        print(f"{label:<28} {speedup:>14.2f} {memory:>16.2f} {vs_floor:>16.2f}")
    print("targets: speedup >= 3, memory <= 0.6, vs_floor <= 1.25 (each the worst of the two payloads)")
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
    parser.add_argument(
        "--heap",
        choices=("tuned", "plain"),
        default="plain",
        help="plain: glibc's defaults (the default); tuned: every worker (ours, the SDK, the "
        "floor) runs with the allocator settings `python -m bot` applies (bot.gateway.heap). "
        "A tuned heap keeps the warm-up round's pages, so its memory ratio means nothing",
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
        if args.heap == "tuned":
            from bot.gateway.heap import process_heap

            process_heap().tune()
        digests = json.loads(sys.stdin.readline())
        asyncio.run(worker(client, payload, base_url, sys.stdin, digests))
        return

    started = time.perf_counter()
    replies = (args.rounds + 1) * len(CLIENTS)  # one scripted reply per image request
    server, base_url, sizes = start_server(args.server, replies)
    try:
        workers, growth = measure(base_url, args.rounds, args.heap)
    finally:
        server.terminate()
        server.wait(timeout=10)
    summary = report(workers, growth, args.rounds, sizes, f"{args.server} server, {args.heap} heap")
    print(f"(bench took {time.perf_counter() - started:.0f} s)")
    print(summary)


if __name__ == "__main__":
    main()
