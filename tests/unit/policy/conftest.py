"""Every policy test starts with empty moderation caches.

`_compile` (term lists) and the folding table (code points) cache what the first test computed.
Emptied before each test, every test exercises the code it relies on, whatever ran before it:
a test order cannot hide a regression, nor can mutation testing's choice of tests per function.
"""

from __future__ import annotations

import pytest

from bot.policy import folding, moderation


@pytest.fixture(autouse=True)
def _fresh_moderation_caches() -> None:
    moderation._compile.cache_clear()
    folding._TRANSLATION.clear()
