"""Text helpers for Discord messages: truncation, splitting, escaping, mentions (pure).

Discord refuses content over 2,000 chars and blank messages; it renders markdown and mentions
in echoed member text. Everything here returns text that is safe on both counts.
"""

from __future__ import annotations

import math

import discord

CONTENT_LIMIT = 2000
ELLIPSIS = "…"
_ZWSP = "\u200b"


def truncate(text: str, limit: int, *, placeholder: str = ELLIPSIS) -> str:
    """Cut `text` to at most `limit` characters, ending with `placeholder` when cut.

    Args:
        text: Any text.
        limit: Maximum length of the result.
        placeholder: What marks the cut.

    Returns:
        `text` itself when it fits.
    """
    if len(text) <= limit:
        return text
    if limit <= len(placeholder):
        return text[: max(limit, 0)]
    return text[: limit - len(placeholder)].rstrip() + placeholder


def split_point(text: str, limit: int) -> int:
    """Where to cut `text` so the head is at most `limit` chars and not blank.

    Prefers a newline, then a space, in the second half of the window (so the head is not
    tiny), then anywhere; the separator stays at the end of the head.

    Args:
        text: Text longer than `limit` (shorter text returns its length).
        limit: Maximum head length.

    Returns:
        An index ``i`` with ``0 < i <= limit``; ``text[:i]`` is the head.
    """
    if len(text) <= limit:
        return len(text)
    window = text[:limit]
    for floor in (limit // 2, 1):
        for separator in ("\n", " "):
            index = window.rfind(separator, floor)
            if index >= floor and window[: index + 1].strip():
                return index + 1
    return limit


def split_message(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Split text into message-sized chunks.

    Chunks concatenate back to `text`, except that whitespace-only chunks are dropped
    (Discord refuses blank messages). Code blocks are not re-opened across chunks.

    Args:
        text: Any text.
        limit: Maximum chunk length.

    Returns:
        Chunks of 1..`limit` chars, each with some non-whitespace.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text
    while rest:
        cut = split_point(rest, limit)
        piece, rest = rest[:cut], rest[cut:]
        if piece.strip():
            chunks.append(piece)
    return chunks


def neutralize_mentions(text: str) -> str:
    """Insert a zero-width space after every ``@`` so no mention can form (``@everyone``, ``<@1>``)."""
    return text.replace("@", "@" + _ZWSP)


def defuse_model_text(text: str, *, after: str = "") -> str:
    """Make model text safe to show as markdown: mentions broken, masked links defused.

    The model's formatting (bold, lists, code) is kept; only what could mislead is broken: a
    zero-width space after every ``@`` and between ``]`` and ``(``, so ``[free nitro](https://…)``
    shows as typed instead of as a disguised link. Streamed text arrives in pieces: `after` is
    the text shown just before `text`, so a ``](`` split across two pieces is caught too.

    Args:
        text: A piece of model output.
        after: The text (or at least its last character) that precedes `text`.
    """
    text = neutralize_mentions(text).replace("](", "]" + _ZWSP + "(")
    if after.endswith("]") and text.startswith("("):
        text = _ZWSP + text
    return text


def escape_for_display(prompt: str) -> str:
    """Make member text safe to echo: markdown and masked links escaped, mentions broken.

    `allowed_mentions` already stops pings; breaking the ``@`` also stops ``@everyone`` from
    *looking* like a ping and stops mentions rendering as clickable names.
    """
    return neutralize_mentions(discord.utils.escape_markdown(prompt))


def display(text: str, limit: int) -> str:
    """`escape_for_display`, then truncated to `limit` without a dangling escape."""
    escaped = escape_for_display(text)
    if len(escaped) <= limit:
        return escaped
    cut = truncate(escaped, limit)
    # Never leave a lone escaping backslash in front of the ellipsis.
    while cut.endswith("\\" + ELLIPSIS):
        cut = cut[: -len(ELLIPSIS) - 1] + ELLIPSIS
    return cut


def allowed_mentions_for(requester_id: int | None) -> discord.AllowedMentions:
    """Mentions that may ping: only the requester, when given (also as the replied-to user).

    Args:
        requester_id: The member to ping, or None to ping nobody.
    """
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        users=[discord.Object(id=requester_id)] if requester_id is not None else False,
        replied_user=requester_id is not None,
    )


def error_text(message: str, error_id: str | None = None) -> str:
    """The one shape of an error reply: ``⚠️ message (error id: `abc123`)``, ≤ 2,000 chars."""
    suffix = f" (error id: `{error_id}`)" if error_id else ""
    prefix = "⚠️ "
    return prefix + truncate(message, CONTENT_LIMIT - len(prefix) - len(suffix)) + suffix


def format_elapsed(seconds: float) -> str:
    """``4.2 s`` or ``2 min 05 s``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def format_cost(cost: float | None) -> str | None:
    """``$0.04``, ``$0.0035``, ``$1.50``; None when the cost is unknown or not a sane amount."""
    if cost is None or not math.isfinite(cost) or cost < 0:
        return None
    if 0 < cost < 0.0001:
        return "< $0.0001"
    whole, _, fraction = f"{cost:.4f}".rstrip("0").partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


__all__ = [
    "CONTENT_LIMIT",
    "ELLIPSIS",
    "allowed_mentions_for",
    "defuse_model_text",
    "display",
    "error_text",
    "escape_for_display",
    "format_cost",
    "format_elapsed",
    "neutralize_mentions",
    "split_message",
    "split_point",
    "truncate",
]
