"""Loopback-only networking for the test suite: resolving or connecting anywhere else fails.

Tests must never reach the network (Discord and the AI gateway are fakes on 127.0.0.1). This
module makes that a property of the process instead of a convention:

* name resolution (``socket.getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``,
  ``gethostbyaddr``, hence asyncio's ``loop.getaddrinfo`` and aiohttp's ``ThreadedResolver``,
  which call ``socket.getaddrinfo``) accepts only ``localhost`` (and ``*.localhost``), literal IP
  addresses (nothing is looked up for them) and the wildcard ``None``/``""`` used to bind;
* ``socket.socket.connect``/``connect_ex`` (hence asyncio's ``sock_connect``) accept only loopback
  and unspecified addresses, and Unix sockets.

Anything else raises :class:`NetguardError` *before* any packet is sent, and is recorded.
Recording is what makes the guard loud: code under test may well catch an ``OSError`` and carry
on, so the pytest plugin (``tests/_netguard/plugin.py``) fails the test at teardown when anything
was recorded. Child processes are covered by ``sitecustomize.py`` in this directory, which
installs the same guard when this directory is on ``PYTHONPATH`` and appends each violation to
the file named by ``IMAGEBOT_NETGUARD_REPORT`` for the parent to read.

This module imports nothing from the project so that ``sitecustomize`` can load it early.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

GUARD_DIR = Path(__file__).resolve().parent
REPORT_ENV = "IMAGEBOT_NETGUARD_REPORT"

_lock = threading.Lock()
_violations: list[str] = []
_installed = False
_report_path: Path | None = None
_report_offset = 0


class NetguardError(socket.gaierror):
    """A test tried to resolve or reach a host that is not loopback.

    A ``socket.gaierror`` (an ``OSError``), so the code under test sees what it would see for an
    unknown host; the recording is what fails the test.
    """


# -- rules ---------------------------------------------------------------------------------


def _text(host: object) -> str | None:
    if host is None:
        return None
    if isinstance(host, bytes | bytearray):
        return bytes(host).decode("ascii", "replace")
    return str(host)


def _literal_ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return None


def _is_loopback_name(name: str) -> bool:
    name = name.strip().rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def may_resolve(host: object) -> bool:
    """Whether resolving ``host`` stays off the network (loopback names, literal IPs, wildcard)."""
    name = _text(host)
    if name is None or name.strip() == "":
        return True  # AI_PASSIVE / bind to every interface: nothing to look up
    return _is_loopback_name(name) or _literal_ip(name) is not None


def may_connect(address: object) -> bool:
    """Whether connecting to ``address`` (a socket address) stays on this machine."""
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and other non-IP families
    name = _text(address[0])
    if name is None:
        return False
    if _is_loopback_name(name):
        return True
    ip = _literal_ip(name)
    if ip is None:
        return False  # a name the C library would resolve behind our back
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or ip.is_unspecified or (mapped is not None and mapped.is_loopback)


# -- recording -----------------------------------------------------------------------------


def _record(what: str) -> None:
    stack = "".join(traceback.format_stack(limit=12)[:-2])
    entry = f"{what}\n{stack}"
    with _lock:
        _violations.append(entry)
    if _report_path is not None:
        # One line per violation in the shared report (the parent process reads it).
        line = f"pid {os.getpid()}: {what}\n"
        with _lock, _report_path.open("a", encoding="utf-8") as report:
            report.write(line)


def _refuse(what: str) -> NetguardError:
    _record(what)
    return NetguardError(socket.EAI_NONAME, f"netguard: the test suite may not {what} (loopback only)")


def take() -> list[str]:
    """Return and forget the violations recorded so far, this process's and its children's.

    Each entry starts with a one-line description (e.g. ``resolve 'example.com'``).
    """
    global _report_offset
    with _lock:
        found, _violations[:] = list(_violations), []
        if _report_path is not None and _report_path.exists():
            with _report_path.open("r", encoding="utf-8") as report:
                report.seek(_report_offset)
                children = report.read()
                _report_offset = report.tell()
            own = f"pid {os.getpid()}: "
            found += [line for line in children.splitlines() if line and not line.startswith(own)]
    return found


# -- patches -------------------------------------------------------------------------------


def _guard_resolver(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not may_resolve(host):
            raise _refuse(f"resolve {_text(host)!r} ({name})")
        return original(host, *args, **kwargs)

    guarded.__name__ = name
    guarded.__doc__ = original.__doc__
    guarded.__wrapped__ = original  # type: ignore[attr-defined]
    return guarded


def _guard_connect(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not may_connect(address):
            raise _refuse(f"connect to {address!r}")
        return original(self, address)

    guarded.__name__ = name
    guarded.__wrapped__ = original  # type: ignore[attr-defined]
    return guarded


def child_env(env: dict[str, str] | None) -> dict[str, str] | None:
    """Return ``env`` with the guard for a Python child (``PYTHONPATH`` and the report file).

    ``None`` (inherit) is returned unchanged: :func:`install` already put both into ``os.environ``.
    """
    if env is None:
        return None
    env = dict(env)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(GUARD_DIR)]
    env["PYTHONPATH"] = os.pathsep.join([str(GUARD_DIR), *parts])
    if _report_path is not None:
        env[REPORT_ENV] = str(_report_path)
    return env


def install(*, report: Path | None = None, cover_children: bool = False) -> None:
    """Install the guard in this process (idempotent).

    Args:
        report: File that collects violations from every process sharing it (one line each).
            Defaults to ``$IMAGEBOT_NETGUARD_REPORT`` when set.
        cover_children: Also guard child processes: export ``PYTHONPATH`` and the report file, and
            add them to the explicit ``env=`` of every ``subprocess.Popen`` (which
            ``asyncio.create_subprocess_exec`` uses), so ``python -m bot`` children load
            ``sitecustomize.py`` from this directory.
    """
    global _installed, _report_path
    if report is None and os.environ.get(REPORT_ENV):
        report = Path(os.environ[REPORT_ENV])
    if report is not None:
        _report_path = report
    if cover_children:
        _cover_children()
    if _installed:
        return
    _installed = True
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, _guard_resolver(name, getattr(socket, name)))
    for name in ("connect", "connect_ex"):
        setattr(socket.socket, name, _guard_connect(name, getattr(socket.socket, name)))


def _cover_children() -> None:
    import subprocess

    inherited = child_env(dict(os.environ))
    assert inherited is not None
    os.environ["PYTHONPATH"] = inherited["PYTHONPATH"]
    if REPORT_ENV in inherited:
        os.environ[REPORT_ENV] = inherited[REPORT_ENV]
    popen_init = subprocess.Popen.__init__
    if getattr(popen_init, "_netguard", False):
        return

    def __init__(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        if kwargs.get("env") is not None:
            kwargs["env"] = child_env(kwargs["env"])
        popen_init(self, args, *rest, **kwargs)

    __init__._netguard = True  # type: ignore[attr-defined]
    subprocess.Popen.__init__ = __init__  # type: ignore[method-assign]
