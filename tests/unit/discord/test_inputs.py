"""Input image references survive JSON and tolerate old or foreign rows."""

from __future__ import annotations

import json

from bot.discord.flows.inputs import InputSource, stored_sources

SNOWFLAKE = 1_234_567_890_123_456_789  # beyond JSON's safe integers


def test_a_source_round_trips_through_json_with_exact_ids() -> None:
    source = InputSource("https://cdn/x.png", SNOWFLAKE, "x.png", 10, "ab" * 32, SNOWFLAKE + 1, SNOWFLAKE + 2)
    stored = json.loads(json.dumps({"input_images": [source.as_dict()]}))
    assert stored_sources(stored) == [source]


def test_malformed_or_missing_references_are_ignored() -> None:
    assert stored_sources(None) == []
    assert stored_sources({}) == []
    assert stored_sources({"input_images": [{"url": "x"}, "junk", {"attachment_id": "nope"}]}) == []
