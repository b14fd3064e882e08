"""Reading a `python -m bot` child's log output, shared by the end-to-end tests."""

from __future__ import annotations

import asyncio


async def read_until(stream: asyncio.StreamReader, lines: list[str], marker: str) -> str:
    """Collect log lines until one contains `marker` (the process's own progress events)."""
    while True:
        raw = await stream.readline()
        if not raw:
            raise AssertionError(f"the bot exited before logging {marker!r}:\n" + "".join(lines))
        line = raw.decode(errors="replace")
        lines.append(line)
        if marker in line:
            return line


async def drain_output(stream: asyncio.StreamReader, lines: list[str]) -> None:
    """Collect the rest of the output (keeps the pipe from filling while the test goes on)."""
    async for raw in stream:
        lines.append(raw.decode(errors="replace"))
