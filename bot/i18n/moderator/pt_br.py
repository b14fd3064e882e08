"""Moderators' sentences (pt_br)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {}
