"""Reading the Components V2 result cards the bot sent, as the fake Discord recorded them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.fakes.discord_api import FakeMessage, RecordedRequest

IS_COMPONENTS_V2 = 1 << 15
_JOB_ID = re.compile(r"job `([A-Za-z0-9]+)`", re.IGNORECASE)

Source = RecordedRequest | FakeMessage | dict[str, Any]


def components_of(source: Source) -> list[dict[str, Any]]:
    """The top-level components of a request body, a stored message or a message dict."""
    if isinstance(source, FakeMessage):
        return source.components
    data = source.data if isinstance(source, RecordedRequest) else source
    return list(data.get("components") or [])


def walk(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component of a tree, nested ones (and section accessories) included."""
    for node in components:
        yield node
        yield from walk(node.get("components") or [])
        if isinstance(node.get("accessory"), dict):
            yield node["accessory"]


def card_text(source: Source) -> str:
    """Everything the card's TextDisplays show, one per line."""
    return "\n".join(node["content"] for node in walk(components_of(source)) if node.get("type") == 10)


def card_job_id(source: Source) -> str:
    """The job id the card's small print names (``job `abc123```)."""
    match = _JOB_ID.search(card_text(source))
    assert match is not None, f"no job id in {card_text(source)!r}"
    return match.group(1)


def gallery_items(source: Source) -> list[dict[str, Any]]:
    """The items of the card's media galleries, in order."""
    return [item for node in walk(components_of(source)) if node.get("type") == 12 for item in node["items"]]


def custom_ids(source: Source) -> list[str]:
    """The custom ids of the card's buttons and selects."""
    return [node["custom_id"] for node in walk(components_of(source)) if "custom_id" in node]


def assert_card(request: RecordedRequest) -> dict[str, Any]:
    """A Components V2 message whose gallery shows exactly the uploaded files; returns its body."""
    data = request.data
    assert int(data.get("flags") or 0) & IS_COMPONENTS_V2, f"{request} is not a V2 card"
    assert not data.get("content"), f"{request} has content"
    assert not data.get("embeds"), f"{request} has embeds"
    uploaded = [a["filename"] for a in data.get("attachments") or []]
    shown = [item["media"]["url"].removeprefix("attachment://") for item in gallery_items(data)]
    assert shown == uploaded, f"gallery {shown} vs uploads {uploaded}"
    return data
