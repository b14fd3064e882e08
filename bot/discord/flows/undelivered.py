"""Results that could not be posted, kept in memory so `/job` can hand them over.

When Discord keeps refusing a result (past the retries), a private result, or the part of a
public one that the channel fallback could not post either, is kept here by job id. It is
bounded (64 jobs, 128 MiB, a day; oldest dropped first) and lives only as long as the process:
a restart loses it, and the member is told so.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.i18n import text

log = logging.getLogger(__name__)

DEFAULT_MAX_JOBS = 64
DEFAULT_MAX_BYTES = 128 * 2**20
DEFAULT_TTL = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class SpooledFile:
    """One undelivered image, as it would have been attached."""

    filename: str
    data: bytes
    number: int  # 1-based position in the job's result


@dataclass(slots=True)
class SpooledResult:
    """The undelivered part of one job's result."""

    job_id: str
    owner_id: int
    guild_id: int | None
    batches: list[list[SpooledFile]]
    stored_at: float = field(default_factory=time.monotonic)

    @property
    def size(self) -> int:
        """Bytes held."""
        return sum(len(f.data) for batch in self.batches for f in batch)

    @property
    def numbers(self) -> list[int]:
        """The image numbers held, in order."""
        return [f.number for batch in self.batches for f in batch]


class UndeliveredResults:
    """Bounded in-memory store of undelivered results, keyed by job id.

    Args:
        max_jobs: Results kept at most (the oldest is dropped first).
        max_bytes: Image bytes kept at most.
        ttl: Seconds a result is kept.
        clock: Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        *,
        max_jobs: int = DEFAULT_MAX_JOBS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_jobs = max_jobs
        self._max_bytes = max_bytes
        self._ttl = ttl
        self._clock = clock
        self._results: OrderedDict[str, SpooledResult] = OrderedDict()

    def __len__(self) -> int:
        """Results held."""
        return len(self._results)

    @property
    def size(self) -> int:
        """Image bytes held."""
        return sum(r.size for r in self._results.values())

    def put(self, result: SpooledResult) -> bool:
        """Keep `result` (adding to what is already kept for its job).

        Returns:
            False when it is larger than the whole spool (then nothing is kept).
        """
        existing = self._results.pop(result.job_id, None)
        if existing is not None:
            result.batches = existing.batches + result.batches
        result.stored_at = self._clock()
        if result.size > self._max_bytes:
            log.warning("job %s: %d undelivered bytes exceed the store; not kept", result.job_id, result.size)
            return False
        self._results[result.job_id] = result
        self._expire()
        while len(self._results) > self._max_jobs or self.size > self._max_bytes:
            dropped, _ = self._results.popitem(last=False)
            log.warning("undelivered result of job %s dropped from the full store", dropped)
        return True

    def get(self, job_id: str) -> SpooledResult | None:
        """The undelivered part of a job, or None."""
        self._expire()
        return self._results.get(job_id)

    def discard(self, job_id: str) -> None:
        """Forget a job's undelivered images (e.g. once handed over)."""
        self._results.pop(job_id, None)

    def forget_owner(self, owner_id: int) -> int:
        """Drop every result kept for `owner_id` (`/forgetme`); returns how many were dropped."""
        mine = [job_id for job_id, result in self._results.items() if result.owner_id == owner_id]
        for job_id in mine:
            del self._results[job_id]
        return len(mine)

    def _expire(self) -> None:
        cutoff = self._clock() - self._ttl
        while self._results:
            oldest = next(iter(self._results.values()))
            if oldest.stored_at > cutoff:
                break
            self._results.popitem(last=False)


def describe_numbers(numbers: list[int], locale: object = None) -> str:
    """Name image numbers for the member: "Image 3", "Images 11-12", "Images 2, 5 and 7"."""
    if len(numbers) == 1:
        return text(locale, "images.one", n=numbers[0])
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return text(locale, "images.range", first=numbers[0], last=numbers[-1])
    return text(locale, "images.list", items=", ".join(map(str, numbers[:-1])), last=numbers[-1])
