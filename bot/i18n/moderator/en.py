"""Moderators' sentences (en)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {}
