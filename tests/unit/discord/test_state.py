"""`state_of`: one typed state per interaction, shared by every reader and writer."""

from __future__ import annotations

from typing import Any

import discord

from bot.discord.state import InteractionState, state_of


class _Carrier:
    """Has what `state_of` uses of an interaction: its `extras` dict (discord.py's own)."""

    def __init__(self) -> None:
        self.extras: dict[str, Any] = {}


def _interaction() -> discord.Interaction[Any]:
    return _Carrier()  # type: ignore[return-value]  # only `extras` is read


def test_state_is_created_once_and_shared() -> None:
    interaction = _interaction()
    first = state_of(interaction)
    first.placeholder_id = 42
    assert state_of(interaction) is first
    assert state_of(interaction).placeholder_id == 42
    assert state_of(_interaction()).placeholder_id is None  # another interaction, another state


def test_private_follows_the_job_once_planned() -> None:
    state = InteractionState(ephemeral_defer=True)
    assert state.private  # before planning, the deferral decides
    state.private_job = False
    assert not state.private  # a public job answered after a private deferral is public
    assert InteractionState(private_job=True).private
    assert not InteractionState().private
