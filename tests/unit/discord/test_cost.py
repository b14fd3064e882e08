"""The result shows the job's cost when the gateway reported one (issue 9, item 7)."""

from __future__ import annotations

import math

import pytest

from bot.discord.views.cards import result_card
from bot.discord.views.text import format_cost


@pytest.mark.parametrize(
    ("cost", "shown"),
    [
        (0.04, "$0.04"),
        (0.0035, "$0.0035"),
        (1.5, "$1.50"),
        (12.0, "$12.00"),
        (0.0, "$0.00"),
        (0.00001, "< $0.0001"),
        (None, None),
        (-0.04, None),  # not a sane amount: not shown
        (math.nan, None),
        (math.inf, None),
    ],
)
def test_format_cost(cost: float | None, shown: str | None) -> None:
    assert format_cost(cost) == shown


def test_footer_shows_the_cost_only_when_known() -> None:
    common = {
        "prompt": "a fox",
        "model": "m/x",
        "job_id": "Ab12Cd",
        "elapsed_s": 4.2,
        "files": [],
        "image_count": 1,
    }

    def footer(**more: object) -> str:
        container = result_card(**common, **more).to_components()[0]  # type: ignore[arg-type]
        return container["components"][-1]["content"]

    assert footer(cost=0.04) == "-# 1 image · job `Ab12Cd` · 4.2 s · $0.04"
    assert footer() == "-# 1 image · job `Ab12Cd` · 4.2 s"
