"""What the loopback fakes share: serving on 127.0.0.1 and waiting on what they have seen.

:class:`LoopbackServer` runs an ``aiohttp.web`` app on a free port of 127.0.0.1 (``start``/``close``
or ``async with``) and lets tests await a condition over the fake's history, re-checked each time
the fake calls :meth:`LoopbackServer._notify`: no sleeps, no polling.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import ClassVar, Generic, Self, TypeVar

from aiohttp import web

T = TypeVar("T")
R = TypeVar("R")


class LoopbackServer(Generic[R]):
    """An aiohttp app on ``<scheme>://127.0.0.1:<free port>`` whose history tests can await.

    Subclasses build the app in :meth:`_make_app`, expose what they recorded (requests, frames)
    through :meth:`_history` and :meth:`_describe_recent`, and call :meth:`_notify` after each change.
    """

    #: Scheme of :attr:`base_url`.
    scheme: ClassVar[str] = "http"
    #: Seconds ``AppRunner.cleanup`` gives open connections (aiohttp's default).
    shutdown_timeout: ClassVar[float] = 60.0
    #: Default ``what`` of :meth:`wait_until`, named in its timeout error.
    condition_name: ClassVar[str] = "condition"
    #: ``what`` of :meth:`wait_for`, named in its timeout error.
    predicate_name: ClassVar[str] = "predicate"

    def __init__(self) -> None:
        """Prepare to serve; nothing listens until :meth:`start`."""
        self.base_url = ""
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    def _make_app(self) -> web.Application:
        """Return the app to serve, with its routes."""
        raise NotImplementedError

    def _history(self) -> Sequence[R]:
        """Return what :meth:`wait_for` searches, oldest first."""
        raise NotImplementedError

    def _describe_recent(self) -> str:
        """Summarise the latest history for a timeout error."""
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on a free port of 127.0.0.1."""
        self._runner = web.AppRunner(
            self._make_app(), handle_signals=False, access_log=None, shutdown_timeout=self.shutdown_timeout
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"{self.scheme}://127.0.0.1:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Start serving."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop serving."""
        await self.close()

    # -- waiting ---------------------------------------------------------------------------

    async def wait_until(
        self,
        check: Callable[[], T],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109  # a per-call deadline is what tests want here
        what: str | None = None,
    ) -> T:
        """Return ``check()`` once it is truthy; it is re-evaluated after everything the fake records.

        Args:
            check: Called now and after each change; its first truthy result is returned.
            timeout: Seconds to wait.
            what: Named in the timeout error (default :attr:`condition_name`).

        Raises:
            TimeoutError: With the latest history, when ``timeout`` passes.
        """
        try:
            async with asyncio.timeout(timeout), self._changed:
                while not (result := check()):
                    await self._changed.wait()
                return result
        except TimeoutError:
            what = self.condition_name if what is None else what
            raise TimeoutError(f"{what} not met within {timeout}s; {self._describe_recent()}") from None

    async def wait_for(
        self,
        predicate: Callable[[R], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109  # a per-call deadline is what tests want here
        since: int = 0,
    ) -> R:
        """Return the first recorded item (from index ``since``) matching ``predicate``."""

        def find() -> R | None:
            return next((item for item in self._history()[since:] if predicate(item)), None)

        return await self.wait_until(find, timeout=timeout, what=self.predicate_name)

    async def _notify(self) -> None:
        """Wake every :meth:`wait_until` to re-check its condition."""
        async with self._changed:
            self._changed.notify_all()
