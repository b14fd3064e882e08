"""Result buttons and the edit-prompt modal, as payloads: custom ids, views and forms (pure).

Every custom_id carries the action and the job id (`ib:<action>:<job_id>`, at most 100
characters), so a click is answered from the job row after any restart and in any process.
`JobButton` is registered with `add_dynamic_items`; its click is answered by
`ImageBot.on_result_button`, which hands it to `bot.discord.flows.buttons` (the flows import
this module to build results, so the answer cannot live here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.i18n import text
from bot.jobs import JOB_ID_PATTERN

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below
    from bot.storage.store import JobRecord

Interaction = discord.Interaction["ImageBot"]
Action = Literal["reroll", "edit", "delete", "cancel"]
CUSTOM_ID_PREFIX = "ib"
TEMPLATE = rf"ib:(?P<action>reroll|edit|delete|cancel):(?P<job>{JOB_ID_PATTERN})"
# `ib:modal:` is the id modals had before they became restart-proof (open ones still submit).
EDIT_PROMPT_ID = re.compile(rf"ib:(?:editprompt|modal):(?P<job>{JOB_ID_PATTERN})")
PROMPT_FIELD = "prompt"
_LOOKS = {
    "reroll": ("🎲", discord.ButtonStyle.secondary),
    "edit": ("🖋️", discord.ButtonStyle.secondary),
    "delete": ("🗑️", discord.ButtonStyle.danger),
    "cancel": ("✖️", discord.ButtonStyle.secondary),
}


def custom_id(action: Action, job_id: str) -> str:
    """`ib:<action>:<job_id>` (≤ 100 characters, Discord's limit)."""
    value = f"{CUSTOM_ID_PREFIX}:{action}:{job_id}"
    if len(value) > 100 or not re.fullmatch(TEMPLATE, value):
        raise ValueError(f"bad job id for a custom_id: {job_id!r}")
    return value


class JobButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One result button (re-roll, edit prompt, delete), labelled in `locale` (`button.<action>`)."""

    def __init__(self, action: Action, job_id: str, locale: object = None) -> None:
        emoji, style = _LOOKS[action]
        label = text(locale, f"button.{action}")
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id(action, job_id))
        )
        self.action: Action = action
        self.job_id = job_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]  # discord.py's documented hook signature
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> JobButton:
        """Rebuild the button from its custom_id (after a restart, too)."""
        return cls(match["action"], match["job"])  # type: ignore[arg-type]  # regex restricts it

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Hand the click to the bot, which answers it (`bot.discord.flows.buttons.answer_click`)."""
        await interaction.client.on_result_button(interaction, self.action, self.job_id)


class EditPromptModal(discord.ui.Modal, title="Edit the prompt"):  # titled in the member's language
    """The form that re-runs a job with an edited prompt.

    Its submit is handled by `on_edit_prompt_submit`, which the bot registers at start-up and
    which finds everything in the custom_id (`ib:editprompt:<job_id>`) and the submitted value.
    So a modal opened before a restart (or in another process) is still answered; the modal
    object itself keeps discord.py's default, empty `on_submit`.
    """

    def __init__(self, job: JobRecord, locale: object = None) -> None:
        super().__init__(
            title=text(locale, "modal.edit_prompt"), custom_id=edit_prompt_custom_id(job.id), timeout=900
        )
        self.prompt: discord.ui.TextInput[EditPromptModal] = discord.ui.TextInput(
            label=text(locale, "modal.prompt"),
            style=discord.TextStyle.paragraph,
            max_length=4000,
            custom_id=PROMPT_FIELD,
            default=job.prompt[:4000],
        )
        self.add_item(self.prompt)


def edit_prompt_custom_id(job_id: str) -> str:
    """`ib:editprompt:<job_id>`: the edit-prompt modal's custom_id."""
    value = f"{CUSTOM_ID_PREFIX}:editprompt:{job_id}"
    if len(value) > 100 or not EDIT_PROMPT_ID.fullmatch(value):
        raise ValueError(f"bad job id for a custom_id: {job_id!r}")
    return value


def submitted_fields(data: Any, field_id: str) -> Iterator[Mapping[str, Any]]:
    """The components of a modal submit whose custom_id is `field_id`, in document order.

    Discord nests them in action rows (``components``) or labels (``component``).
    """
    if isinstance(data, list):
        for child in data:
            yield from submitted_fields(child, field_id)
    elif isinstance(data, Mapping):
        if data.get("custom_id") == field_id:
            yield data
        yield from submitted_fields(data.get("components"), field_id)
        yield from submitted_fields(data.get("component"), field_id)


def submitted_value(data: Any, field_id: str) -> str | None:
    """The value a modal submit carries for the text input `field_id` (rows or labels, nested)."""
    values = (field.get("value") for field in submitted_fields(data, field_id))
    return next((value for value in values if isinstance(value, str)), None)


def cancel_view(job_id: str, locale: object = None) -> discord.ui.View:
    """The Cancel button shown while a job waits in the queue."""
    view = discord.ui.View(timeout=None)
    view.add_item(JobButton("cancel", job_id, locale))
    return view


def result_row(job_id: str, locale: object = None) -> discord.ui.ActionRow[Any]:
    """The buttons of a result card (persistent: handled by `JobButton` after any restart)."""
    actions: tuple[Action, ...] = ("reroll", "edit", "delete")
    return discord.ui.ActionRow(*(JobButton(action, job_id, locale) for action in actions))
