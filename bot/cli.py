"""Operator CLI: `models`, `imagine` and `chatimage` straight against the gateway (no Discord)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import secrets
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeVar

import aiohttp
from pydantic import ValidationError

from bot.gateway.client import GatewayClient
from bot.gateway.errors import GatewayError, RateLimitError
from bot.gateway.media import sniff_mime
from bot.gateway.models import (
    ChatImageRequest,
    Endpoint,
    GeneratedImage,
    ImageEvent,
    ImageRequest,
    InputImage,
    ModelInfo,
    TextDelta,
    UsageEvent,
)
from bot.gateway.retry import RetryPolicy
from bot.settings import ConfigError, Settings, require

MAX_INPUT_BYTES = 20 * 2**20
ENDPOINT_PATHS: dict[Endpoint, str] = {"images": "images/generations", "chat": "chat/completions"}

_T = TypeVar("_T")


class _NoRateLimitRetry(RetryPolicy):
    """The default retries, except a 429: a person at a terminal is told to wait, not left hanging.

    The bot waits out `Retry-After` because a member is waiting anyway; the CLI would sit
    silently for the whole delay (twice) and then say "retry in N s" regardless.
    """

    __slots__ = ()

    def delay_for(
        self, attempt: int, error: BaseException, *, elapsed: float = 0.0, after_output: bool = False
    ) -> float | None:
        """See `RetryPolicy.delay_for`; never retries a `RateLimitError`."""
        if isinstance(error, RateLimitError):
            return None
        return super().delay_for(attempt, error, elapsed=elapsed, after_output=after_output)


def cli_message(error: GatewayError) -> str:
    """One line a person understands, for the terminal."""
    if isinstance(error, RateLimitError) and error.retry_after:
        return f"rate limited by the gateway: retry in {max(1, round(error.retry_after))} s"
    return {
        401: "the gateway rejected the key: check AI_GATEWAY_API_KEY",
        402: "the gateway account is out of credits: top it up in the dashboard",
        403: f"the key may not use this model ({error.message})",
        404: f"model not found ({error.message}); run `python -m bot models`",
    }.get(error.status or 0, f"{error.user_message} ({error.message})")


@contextlib.asynccontextmanager
async def _spinner(label: str) -> AsyncIterator[None]:
    """A progress spinner on stderr when it is a terminal (silent otherwise)."""
    if not sys.stderr.isatty():
        yield
        return
    started = time.monotonic()

    async def spin() -> None:
        for frame in itertools.cycle("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"):
            sys.stderr.write(f"\r{frame} {label} {time.monotonic() - started:4.0f}s")
            sys.stderr.flush()
            await asyncio.sleep(0.1)

    task = asyncio.create_task(spin())
    try:
        yield
    finally:
        task.cancel()
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def run_stem(command: str) -> str:
    """A file-name stem unique to this run: command, local time and a random suffix.

    Two runs in the same second (or in parallel) never share a stem, so never overwrite.
    """
    return f"{command}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def _write_images(images: list[GeneratedImage], out: Path, stem: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, image in enumerate(images, start=1):
        path = out / f"{stem}-{index}.{image.extension}"
        with path.open("xb") as file:  # "x": an existing file is an error, never overwritten
            file.write(image.data)
        paths.append(path)
    return paths


async def _image_models(client: GatewayClient, endpoint: Endpoint | None = None) -> list[ModelInfo]:
    """Image-capable models by id. Not via `ModelCatalog`: it hides failures, the CLI reports them."""
    models = await client.list_models()
    return sorted(
        (m for m in models if m.makes_images and endpoint in (None, m.endpoint)), key=lambda m: m.id
    )


async def _pick_model(client: GatewayClient, endpoint: Endpoint, wanted: str | None) -> str:
    if wanted:
        return wanted
    models = await _image_models(client, endpoint)
    if not models:
        raise ConfigError(f"the gateway lists no {ENDPOINT_PATHS[endpoint]} image model; pass --model")
    return models[0].id


async def main(command: str, args: argparse.Namespace, settings: Settings) -> int:
    """Run one CLI command. Returns the exit code."""
    if command != "models":
        require(settings, "gateway_credential")
    async with aiohttp.ClientSession() as session:
        client = GatewayClient(
            session,
            str(settings.ai_gateway_base_url),
            settings.gateway_credential,
            retry=_NoRateLimitRetry(),
            total_timeout=settings.ai_gateway_timeout,
        )
        try:
            if command == "models":
                return await _models(client)
            if command == "imagine":
                model = args.model or settings.default_image_model
                return await _imagine(client, await _pick_model(client, "images", model), args)
            model = args.model or settings.default_chat_model
            return await _chatimage(client, await _pick_model(client, "chat", model), args)
        except GatewayError as exc:
            print(f"error: {cli_message(exc)}", file=sys.stderr)
            return 1
        except ValidationError as exc:  # argument values the request models reject (--n 0, "")
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "arguments"
            print(f"error: {where}: {error['msg']}", file=sys.stderr)
            return 2
        except OSError as exc:  # --image unreadable, --out not writable
            print(f"error: {exc.filename or 'file'}: {exc.strerror or exc}", file=sys.stderr)
            return 2


async def _models(client: GatewayClient) -> int:
    models = await _image_models(client)
    if not models:
        print("the gateway lists no image-capable model", file=sys.stderr)
        return 1
    width = max(len(m.id) for m in models)
    for model in models:
        endpoint = ENDPOINT_PATHS[model.endpoint] if model.endpoint else ""
        price = model.price_label or ""
        print(f"{model.id:<{width}}  {endpoint:<18}  {price}".rstrip())
    return 0


async def _imagine(client: GatewayClient, model: str, args: argparse.Namespace) -> int:
    request = ImageRequest(model=model, prompt=args.prompt, n=args.n, aspect_ratio=args.aspect_ratio)
    async with _spinner(f"generating {args.n} image(s) with {model}"):
        result = await client.generate_images(request)
    for path in _write_images(result.images, Path(args.out), run_stem("imagine")):
        print(path)
    return 0


async def _chatimage(client: GatewayClient, model: str, args: argparse.Namespace) -> int:
    inputs = []
    for name in args.image:
        data = await asyncio.to_thread(Path(name).read_bytes)
        mime = sniff_mime(data)
        if mime is None or len(data) > MAX_INPUT_BYTES:
            print(f"error: {name} is not a PNG/JPEG/WebP/GIF image under 20 MB", file=sys.stderr)
            return 2
        inputs.append(InputImage(data=data, mime=mime))
    request = ChatImageRequest(model=model, prompt=args.prompt, images=inputs)
    images: list[GeneratedImage] = []
    stream = client.stream_chat(request)
    async with _spinner(f"waiting for {model}"):
        first = await anext(stream, None)
    pending = [first] if first is not None else []
    async for event in _chain(pending, stream):
        if isinstance(event, TextDelta):
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif isinstance(event, ImageEvent):
            images.append(event.image)
            print(f"\n[image {len(images)}: {event.image.mime}, {event.image.size} bytes]", file=sys.stderr)
        elif isinstance(event, UsageEvent) and event.usage.cost is not None:
            print(f"\n[cost: ${event.usage.cost}]", file=sys.stderr)
    print()
    for path in _write_images(images, Path(args.out), run_stem("chatimage")):
        print(path)
    return 0


async def _chain(first: list[_T], rest: AsyncIterator[_T]) -> AsyncIterator[_T]:
    for item in first:
        yield item
    async for item in rest:
        yield item
