"""Probe a `/healthz` URL in a loop from its own process, as an orchestrator's probe would.

Run by `bench/bot_load.py --scenario 4k` as a child process (so the probe's own work never runs
on the bot's event loop). Each probe is a fresh TCP connection and one GET, timed with
`time.monotonic()` (CLOCK_MONOTONIC, comparable across processes on Linux). When its stdin
closes (the bench is done, or gone), it prints one JSON object: ``{"probes": [[at, ms, ok],
...]}`` and exits.

Usage: python bench/_health_probe.py URL [--interval 0.02]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def main() -> None:
    """Probe until stdin closes, then print every probe as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--interval", type=float, default=0.02)
    args = parser.parse_args()
    target = urlsplit(args.url)
    stop = threading.Event()

    def watch_stdin() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, name="stdin-eof", daemon=True).start()
    probes: list[tuple[float, float, bool]] = []
    while not stop.is_set():
        started = time.monotonic()
        ok = False
        try:
            connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=10)
            try:
                connection.request("GET", target.path or "/healthz")
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            finally:
                connection.close()
        except OSError:
            ok = False
        probes.append((started, (time.monotonic() - started) * 1000, ok))
        stop.wait(args.interval)
    print(json.dumps({"probes": probes}), flush=True)


if __name__ == "__main__":
    main()
