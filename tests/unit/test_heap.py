"""bot.gateway.heap: glibc's allocator settings for image buffers, and trimming when idle.

Each case runs in a fresh interpreter: the settings are process-wide, and what they change
(where a block comes from) depends on everything the process allocated before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.gateway.heap import Heap

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Heap().supported, reason="the allocator settings are glibc's")

_PROBE = """
import json, resource, sys
sys.path.insert(0, {root!r})
from bot.gateway.heap import process_heap

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()

heap = process_heap()
tuned = heap.tune() if {tune} else False
image = 8 * 2**20
faulted = []
for _ in range(2):
    before = faults()
    block = b"x" * image  # written whole, as a decoded image is
    faulted.append(faults() - before)
    del block
blocks = [b"y" * 2**20 for _ in range(64)]
del blocks
held = rss()
released = heap.trim()
print(json.dumps({{"tuned": tuned, "faulted": faulted, "held": held, "after_trim": rss(),
                   "released": released, "trims": heap.trims, "pages": image // resource.getpagesize()}}))
"""


def _probe(*, tune: bool) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(root=str(ROOT), tune=tune)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_tuned_heap_reuses_the_pages_of_a_freed_image() -> None:
    tuned = _probe(tune=True)
    assert tuned["tuned"] is True
    first, second = tuned["faulted"]  # type: ignore[misc]
    assert first > tuned["pages"] // 2  # type: ignore[operator]  # fresh memory the first time
    assert second < tuned["pages"] // 10  # type: ignore[operator]  # the same pages again


def test_untuned_heap_faults_a_second_image_in_again() -> None:
    """The control: without the settings the same two images both fault in (glibc's default)."""
    plain = _probe(tune=False)
    assert plain["tuned"] is False
    assert min(plain["faulted"]) > plain["pages"] // 2  # type: ignore[call-overload, operator]


def test_trim_gives_freed_heap_back() -> None:
    tuned = _probe(tune=True)
    assert tuned["released"] is True
    assert tuned["trims"] == 1
    # 64 MiB freed but kept by the tuned heap (trim threshold 128 MiB) until trimmed.
    assert tuned["held"] - tuned["after_trim"] > 32 * 2**20  # type: ignore[operator]


def test_off_glibc_everything_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.gateway.heap as heap_module

    monkeypatch.setattr(heap_module, "_glibc", lambda: None)
    heap = Heap()
    assert not heap.supported
    assert heap.tune() is False
    assert heap.trim() is False
    assert heap.trims == 0
