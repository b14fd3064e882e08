"""Moderators' sentences (es)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {}
