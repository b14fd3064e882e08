"""CLI output files are named per run: two runs in the same second never overwrite each other."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.test_cli import gateway, run_cli  # noqa: F401 - the fixture is used by name
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_png

pytestmark = pytest.mark.e2e


async def test_two_runs_at_once_keep_every_image(tmp_path: Path, gateway: FakeAIGateway) -> None:  # noqa: F811
    first, second = make_png(20_000, seed=21), make_png(20_000, seed=22)
    gateway.push("images", ImagesReply([first]))
    gateway.push("images", ImagesReply([second]))
    out = tmp_path / "out"
    args = ("imagine", "same second", "--model", "bfl/flux-2-pro", "--out", str(out))
    runs = await asyncio.gather(run_cli(tmp_path, gateway, *args), run_cli(tmp_path, gateway, *args))
    assert [run.code for run in runs] == [0, 0]
    files = sorted(out.iterdir())
    assert len(files) == 2
    assert sorted(path.read_bytes() for path in files) == sorted([first, second])
    assert all(path.name.startswith("imagine-") for path in files)
