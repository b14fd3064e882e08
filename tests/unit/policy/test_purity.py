"""The policy is pure: importing it loads no database, Redis, HTTP or Discord library."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("sqlalchemy", "redis", "aiohttp", "discord")


def test_importing_the_policy_loads_no_io_library() -> None:
    # A fresh interpreter: this test process has every library loaded already.
    code = "import json, sys, bot.policy, bot.policy.operator; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(done.stdout)
    assert "bot.policy.options" in loaded  # the probe saw the policy's own modules
    leaked = sorted(name for name in loaded if name.split(".")[0] in FORBIDDEN)
    assert leaked == []
