"""Mutation scores of the modules issue 11 names: bot/policy, bot/gateway/sse.py, _parse.py, bot/limits.

Runs mutmut (configured in pyproject.toml, `[tool.mutmut]`) from scratch - the `mutants/`
directory is removed first, because results cached from an earlier run hide kills and
survivors alike - then prints one line per module group:

    bot/policy: 812/840 killed = 96.7% (survived 20, no tests 8, timeout 3)

Score = detected / (every mutant mutmut generated), so "no tests" counts against it. Detected is
killed (a test failed), caught by type check, or timeout: the mutant made the tests hang past
mutmut's wall-clock limit (e.g. a queue that never grants a slot, so the tests' own asyncio
timeouts fire one after another); the line still shows how many were timeouts. Usage:
``make mutation`` or ``.venv/bin/python scripts/mutation.py [mutant-glob ...]`` (e.g.
``"bot.policy*"`` to run one group; the default runs all of them). Slow: minutes per group.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = str(Path(sys.executable).with_name("mutmut"))
GROUPS = {
    "bot/policy": "bot.policy.",
    "bot/gateway/sse.py": "bot.gateway.sse.",
    "bot/gateway/_parse.py": "bot.gateway._parse.",
    "bot/limits": "bot.limits.",
}
LINE = re.compile(r"^\s*(?P<name>[\w.]+__mutmut_\d+): (?P<status>.+)$")


def main(argv: list[str]) -> int:
    """Run mutmut afresh and print the score of each group."""
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    run = subprocess.run([MUTMUT, "run", *argv], cwd=ROOT, check=False)
    if run.returncode not in (0, 1):
        print(f"mutmut run failed with exit code {run.returncode}", file=sys.stderr)
        return run.returncode
    listing = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    counts: dict[str, collections.Counter[str]] = {group: collections.Counter() for group in GROUPS}
    for line in listing.splitlines():
        match = LINE.match(line)
        if match is None:
            continue
        for group, prefix in GROUPS.items():
            if match["name"].startswith(prefix):
                counts[group][match["status"]] += 1
    for group, seen in counts.items():
        total = sum(seen.values())
        if not total or seen["not checked"] == total:  # a group left out by the globs given
            continue
        killed = seen["killed"] + seen["caught by type check"] + seen["timeout"]
        rest = ", ".join(f"{status} {n}" for status, n in sorted(seen.items()) if status != "killed")
        print(f"{group}: {killed}/{total} killed = {100 * killed / total:.1f}% ({rest or 'no survivors'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
