"""End to end: the operator CLI (`python -m bot models|imagine|chatimage`) as a subprocess.

The fake AI gateway runs in the test's event loop while the CLI process talks to it over
127.0.0.1, so every assertion is about what a person at a terminal would see.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.ai_gateway import (
    DEFAULT_MODELS,
    ChatReply,
    ErrorReply,
    FakeAIGateway,
    ImagesReply,
    data_url,
    make_jpeg,
    make_png,
)

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-cli-e2e-key-0123456789abcdef"

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
async def gateway() -> AsyncIterator[FakeAIGateway]:
    async with FakeAIGateway() as fake:
        yield fake


async def run_cli(cwd: Path, gateway: FakeAIGateway, *args: str, key: str | None = API_KEY) -> Run:
    """`python -m bot ARGS` with a clean environment (no DISCORD_TOKEN, no .env in cwd)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "PYTHONPATH": str(ROOT),
        "AI_GATEWAY_BASE_URL": gateway.base_url,
    }
    if key is not None:
        env["AI_GATEWAY_API_KEY"] = key
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(30):
            out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    run = Run(proc.returncode or 0, out.decode(), err.decode())
    # Whatever happened: no traceback and never the key, on either stream.
    assert "Traceback" not in run.output, run.output
    assert API_KEY not in run.output
    return run


def api_requests(gateway: FakeAIGateway, path: str) -> list[Any]:
    return [r.json for r in gateway.requests if r.path == path]


async def test_models_lists_image_models_with_endpoint_and_price(
    tmp_path: Path, gateway: FakeAIGateway
) -> None:
    run = await run_cli(tmp_path, gateway, "models")
    assert run.code == 0, run.stderr
    rows = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines() if line.strip()}
    assert rows == {
        "bfl/flux-2-pro": ["images/generations", "$0.040/image"],
        "openai/gpt-image-1": ["images/generations", "$0.042/image"],
        "recraft/recraft-v3": ["images/generations", "$0.040/image"],
        "spacexai/grok-imagine-image": ["images/generations", "$0.070/image"],
        "google/gemini-3-pro-image": ["chat/completions", "$12.00/M", "output", "tokens"],
        "google/gemini-3.1-flash-image-preview": ["chat/completions"],  # no price in the catalogue
    }
    language_only = {m["id"] for m in DEFAULT_MODELS} - set(rows)
    assert language_only == {
        "google/gemini-3-pro",
        "anthropic/claude-sonnet-4.5",
        "openai/text-embedding-3-small",
    }


async def test_imagine_writes_the_gateways_images(tmp_path: Path, gateway: FakeAIGateway) -> None:
    images = [make_png(300_000, seed=11), make_jpeg(120_000, seed=12)]
    gateway.push("images", ImagesReply(images))
    out = tmp_path / "renders"
    run = await run_cli(
        tmp_path, gateway, "imagine", "a red fox", "--model", "bfl/flux-2-pro", "--n", "2", "--out", str(out)
    )
    assert run.code == 0, run.stderr
    printed = [Path(line) for line in run.stdout.splitlines()]
    assert sorted(printed) == sorted(out.iterdir())
    assert [path.read_bytes() for path in printed] == images
    assert [path.suffix for path in printed] == [".png", ".jpg"]  # named after the sniffed type
    (sent,) = api_requests(gateway, "/v1/images/generations")
    assert (sent["model"], sent["prompt"], sent["n"]) == ("bfl/flux-2-pro", "a red fox", 2)
    assert sent["response_format"] == "b64_json"
    assert gateway.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"


async def test_chatimage_streams_text_and_sends_the_input_image(
    tmp_path: Path, gateway: FakeAIGateway
) -> None:
    source = make_png(5_000, seed=21)
    (tmp_path / "in.png").write_bytes(source)
    produced = make_png(250_000, seed=22)
    gateway.push("chat", ChatReply(text_deltas=["Here ", "is ", "your ", "cat."], images=[produced]))
    run = await run_cli(
        tmp_path, gateway, "chatimage", "add a cat", "--model", "google/gemini-3-pro-image",
        "--image", "in.png", "--out", "cats",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Here is your cat."
    written = Path(lines[-1])
    if not written.is_absolute():
        written = tmp_path / written
    assert written.parent == tmp_path / "cats"
    assert written.read_bytes() == produced
    assert "[image 1: image/png, 250000 bytes]" in run.stderr
    (sent,) = api_requests(gateway, "/v1/chat/completions")
    assert sent["model"] == "google/gemini-3-pro-image"
    assert sent["stream"] is True
    assert sent["modalities"] == ["text", "image"]
    parts = [part for message in sent["messages"] for part in message["content"]]
    assert {"type": "text", "text": "add a cat"} in parts
    assert {"type": "image_url", "image_url": {"url": data_url(source)}} in parts


ERROR_CASES = [
    pytest.param(ErrorReply(401, "Invalid API key"), "AI_GATEWAY_API_KEY", id="401-key"),
    pytest.param(ErrorReply(402, "Insufficient funds"), "out of credits", id="402-credits"),
    pytest.param(ErrorReply(429, "Too many requests", retry_after="7"), "retry in 7 s", id="429-retry-after"),
    # A gateway that echoes the key in its message: the CLI must still not print it.
    pytest.param(ErrorReply(403, f"key {API_KEY} may not use flux"), "may not use flux", id="403-echoed-key"),
]


@pytest.mark.parametrize(("reply", "expected"), ERROR_CASES)
async def test_gateway_errors_are_one_line(
    tmp_path: Path, gateway: FakeAIGateway, reply: ErrorReply, expected: str
) -> None:
    gateway.push("images", reply)
    run = await run_cli(tmp_path, gateway, "imagine", "x", "--model", "bfl/flux-2-pro", "--out", "o")
    assert run.code == 1
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("error: ")
    assert expected in run.stderr
    # Told to wait, not retried behind the person's back (and nothing else is retried for 4xx).
    assert len(api_requests(gateway, "/v1/images/generations")) == 1
    assert not (tmp_path / "o").exists()


async def test_missing_key_exits_2_naming_the_variable(tmp_path: Path, gateway: FakeAIGateway) -> None:
    run = await run_cli(tmp_path, gateway, "imagine", "x", "--model", "bfl/flux-2-pro", key=None)
    assert run.code == 2
    assert run.stderr.count("\n") == 1
    assert "AI_GATEWAY_API_KEY" in run.stderr
    assert gateway.requests == []
