"""Mutation scores of the core: bot/policy, bot/gateway/sse.py, _parse.py, bot/limits, bot/pacing.py.

Runs mutmut (configured in pyproject.toml, `[tool.mutmut]`) from scratch, one group after
another - the `mutants/` directory is removed before each, because results cached from an
earlier run hide kills and survivors alike - and prints one line per module group:

    bot/policy: 812/840 killed = 96.7% (survived 20, no tests 8, timeout 3)

Score = detected / (every mutant mutmut generated), so "no tests" counts against it. Detected is
killed (a test failed), caught by type check, or timeout: the mutant made the tests hang past
mutmut's wall-clock limit (e.g. a queue that never grants a slot, so the tests' own asyncio
timeouts fire one after another); the line still shows how many were timeouts. Usage:
``make mutation`` or ``.venv/bin/python scripts/mutation.py [mutant-glob ...]`` (e.g.
``"bot.policy*"`` to run one group; the default runs all of them). Slow: minutes per group.

Test selection per group: mutmut has a single one (`pytest_add_cli_args_test_selection` in
pyproject.toml) and no option or environment variable to change it per run, so `SELECTIONS`
gives a group its own: the script starts mutmut through a small bootstrap that replaces the
selection in mutmut's loaded config before the run (the fork server and every mutant's process
are forked from it, so they all see it). A group without an entry keeps pyproject's selection.
bot/gateway/sse.py runs only tests/unit/gateway: with the whole selection each of its mutants
ran ~425 tests (the loopback integration tests stream through the decoder), ~10-25 s a mutant.
"""

from __future__ import annotations

import collections
import fnmatch
import json
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
    "bot/pacing.py": "bot.pacing.",
}
SELECTIONS = {
    "bot/gateway/sse.py": ["tests/unit/gateway"],
    "bot/pacing.py": ["tests/unit/test_pacing.py"],
}
"""Test selection of a group, instead of pyproject's `pytest_add_cli_args_test_selection`."""
BOOTSTRAP = (
    "import json, sys\n"
    "from mutmut.__main__ import cli\n"
    "from mutmut.configuration import config\n"
    "config().pytest_add_cli_args_test_selection[:] = json.loads(sys.argv.pop(1))\n"
    "cli()\n"
)
"""`mutmut <args>` with the selection given as first argument (JSON) in mutmut's config."""
LINE = re.compile(r"^\s*(?P<name>[\w.]+__mutmut_\d+): (?P<status>.+)$")


def main(argv: list[str]) -> int:
    """Run mutmut afresh for each group the globs name and print its score."""
    for group, prefix in GROUPS.items():
        globs = [glob for glob in argv if glob.startswith(prefix) or fnmatch.fnmatchcase(prefix, glob)]
        if argv and not globs:
            continue
        code = _run(group, globs)
        if code:
            return code
    return 0


def _run(group: str, globs: list[str]) -> int:
    """Run mutmut from scratch on one group (all of it without globs) and print its score."""
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    command = [MUTMUT, "run", *(globs or [GROUPS[group] + "*"])]
    if group in SELECTIONS:
        command = [sys.executable, "-c", BOOTSTRAP, json.dumps(SELECTIONS[group]), *command[1:]]
    run = subprocess.run(command, cwd=ROOT, check=False)
    if run.returncode not in (0, 1):
        print(f"mutmut run failed with exit code {run.returncode}", file=sys.stderr)
        return run.returncode
    listing = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    seen: collections.Counter[str] = collections.Counter()
    for line in listing.splitlines():
        match = LINE.match(line)
        if match is not None and match["name"].startswith(GROUPS[group]):
            seen[match["status"]] += 1
    total = sum(seen.values())
    killed = seen["killed"] + seen["caught by type check"] + seen["timeout"]
    rest = ", ".join(f"{status} {n}" for status, n in sorted(seen.items()) if status != "killed")
    score = f"{100 * killed / total:.1f}%" if total else "n/a"
    print(f"{group}: {killed}/{total} killed = {score} ({rest or 'no survivors'})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
