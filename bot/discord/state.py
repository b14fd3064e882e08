"""`InteractionState`: what the flows learned about one interaction, typed, in one place.

Several modules answer the same interaction at different times: the flow that defers it, the
poster that edits the "thinking" message, the error reporter that may have to answer last.
Each needs to know what happened before (was the deferral private? is the placeholder gone?),
and discord.py gives an interaction no typed place for that. `state_of(interaction)` returns
the one `InteractionState` kept for it (made on first use), so every reader and writer uses the
same fields, checked by the type checker, instead of string keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

_KEY = "imagebot.state"  # the only key this bot keeps in `interaction.extras`


@dataclass(slots=True)
class InteractionState:
    """What has happened to one interaction so far.

    Attributes:
        received_at: `time.perf_counter()` when the bot first saw it (for the deferral metric).
        ephemeral_defer: The "thinking" message is private.
        private_job: The result is private (known once the job is planned; None before).
        placeholder_id: The deferred message's id, once known.
        original_edited: The deferred message now shows a result (or an answer).
        placeholder_gone: A public placeholder was deleted.
        placeholder_released: A private placeholder no longer "thinks" (it says where the
            result went).
        result_in_followups: The result goes into follow-ups, because the placeholder's
            visibility is not the result's.
        followups_sent: Follow-up messages sent (or attempted) through `replies.send_followup`:
            Discord allows a user-installed app only `FOLLOWUP_CAP` of them per interaction.
    """

    received_at: float | None = None
    ephemeral_defer: bool = False
    private_job: bool | None = None
    placeholder_id: int | None = None
    original_edited: bool = False
    placeholder_gone: bool = False
    placeholder_released: bool = False
    result_in_followups: bool = False
    followups_sent: int = 0

    @property
    def private(self) -> bool:
        """Whether answers must stay private: the job's choice once planned, else the deferral's."""
        return self.ephemeral_defer if self.private_job is None else self.private_job


def state_of(interaction: discord.Interaction[Any]) -> InteractionState:
    """The state kept for `interaction` (created empty on first use)."""
    state = interaction.extras.get(_KEY)
    if not isinstance(state, InteractionState):
        state = InteractionState()
        interaction.extras[_KEY] = state
    return state
