"""Moderators' sentences (de)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {}
