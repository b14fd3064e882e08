"""Pure builders of result messages: Components V2 cards over byte-exact image attachments.

Every result message is a card (`bot.discord.views.cards`) plus up to 10 files: the first
message of a result carries the text and the actions, later ones ("part n/N") only their
images. Mentions: nobody is pinged except, when given, the requester.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.discord.views.cards import ActionRows, alt_text, part_card, result_card, with_enhanced
from bot.discord.views.files import FittedImage

MAX_FILES = 10
CardBuilder = Callable[[str | None], discord.ui.LayoutView]
"""Builds a message's card; the argument is a lead line shown above it (None: none)."""


@dataclass(slots=True)
class MessagePayload:
    """One result message: a Components V2 card and its files.

    Attributes:
        card: Builds the card (called once now, again for a lead line: see `send_kwargs`).
        files: Up to 10 files (built from `BytesIO`, alt text in `description`); the card's
            gallery references each by filename.
        allowed_mentions: Always set; by default nobody is pinged.
        view: The card without a lead line, built (and so checked) on creation.
    """

    card: CardBuilder
    files: list[discord.File] = field(default_factory=list)
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)
    view: discord.ui.LayoutView = field(init=False)

    def __post_init__(self) -> None:
        """Build the card and refuse what Discord would refuse with a 400."""
        if len(self.files) > MAX_FILES:
            raise ValueError("too many files for one message")
        self.view = self.card(None)

    def rewind(self) -> None:
        """Rewind the files so the payload can be sent again after a failed attempt.

        discord.py reads each file to its end when sending and only rewinds between its own
        retries of one request; a second request (e.g. the channel fallback after the
        interaction token expired) would otherwise upload empty files.
        """
        for file in self.files:
            file.reset()

    def close(self) -> None:
        """Free the image buffers now.

        discord.py's `File.close()` leaves a `BytesIO` pointing at itself (a reference cycle),
        so without this each posted image waits for a full garbage collection: ~16 MB per job.
        """
        for file in self.files:
            file.close()
            file.fp.close()

    def send_kwargs(self, *, lead: str | None = None) -> dict[str, Any]:
        """Keyword arguments for `followup.send`, `channel.send` or `Webhook.send`.

        No ``content`` or ``embeds``: a Components V2 message may not have them, so text that
        must come first (a mention) goes in as `lead`, a line above the card.
        """
        result: dict[str, Any] = {
            "view": self.card(lead) if lead else self.view,
            "allowed_mentions": self.allowed_mentions,
        }
        if self.files:
            result["files"] = self.files
        return result

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `edit_original_response` / `Message.edit`.

        The edited message becomes exactly this card: the deferred message's progress text
        is cleared (``content=None``, as a V2 message requires) and ``attachments=`` replaces
        any old files.
        """
        return {
            "content": None,
            "embeds": [],
            "attachments": self.files,
            "view": self.view,
            "allowed_mentions": self.allowed_mentions,
        }


@dataclass(frozen=True, slots=True)
class ResultInfo:
    """What a result card shows about a job.

    Attributes:
        prompt: The member's prompt.
        model: Model id used.
        job_id: Short job id (also in button custom ids).
        elapsed_s: Generation time in seconds.
        options: Option label -> value (e.g. `ResolvedOptions.display_options()`).
        notes: Short sentences (locked values, skipped defaults, re-encoded images).
        requester_mention: ``<@id>`` of the member, shown (never pinged) on the card.
        spoiler: Post the images behind spoilers (made with age-restricted options).
        cost: USD the gateway reported for the job, when it did.
        references: Safe, pre-rendered markdown about the job's input images, shown as given.
        enhanced_prompt: The rewritten prompt the model got (`enhance`), shown under the
            member's as "Prompt (enhanced): …".
        locale: The language the card is read in (the server's for a public post).
    """

    prompt: str
    model: str
    job_id: str
    elapsed_s: float
    options: Mapping[str, str] = field(default_factory=dict)
    notes: Sequence[str] = ()
    requester_mention: str | None = None
    spoiler: bool = False
    cost: float | None = None
    references: str | None = None
    enhanced_prompt: str | None = None
    locale: str | None = None

    @property
    def shown_prompt(self) -> str:
        """The prompt as the card shows it: the member's, then the enhanced one when there is one."""
        return with_enhanced(self.prompt, self.enhanced_prompt, self.locale)


def image_files(
    images: Sequence[FittedImage], *, alt: str | None = None, spoiler: bool = False
) -> list[discord.File]:
    """`discord.File`s over the images' bytes (RAM or spool file, never copied), with alt text.

    Each file gets its own reader, so re-uploading (retries, the channel fallback) and other
    readers never disturb each other. A spoiler file is named ``SPOILER_<name>`` (Discord's
    marker), and the card's gallery references it by that name.
    """
    return [
        # discord.File reads any binary file object; its annotation names only BufferedIOBase.
        discord.File(image.open(), filename=image.filename, description=alt or None, spoiler=spoiler)  # type: ignore[arg-type]
        for image in images
    ]


def result_payloads(
    batches: Sequence[Sequence[FittedImage]],
    info: ResultInfo,
    *,
    actions: Callable[[], ActionRows] | None = None,
) -> list[MessagePayload]:
    """One payload per batch: the full card on the first, "part n/N" cards on the others.

    Args:
        batches: Images grouped per message (`bot.discord.views.files.fit_images`).
        info: What the card shows.
        actions: Builds the rows of buttons and selects for the first message's card.

    Returns:
        At least one payload (a card without a gallery when there are no images).
    """
    total = max(1, len(batches))
    image_count = sum(len(batch) for batch in batches)
    alt = alt_text(info.enhanced_prompt or info.prompt)
    payloads: list[MessagePayload] = []
    for index, batch in enumerate(batches or [[]], start=1):
        files = image_files(batch, alt=alt, spoiler=info.spoiler)
        if index == 1:
            part = (1, total) if total > 1 else None
            card = _first_card(info, files, image_count=image_count, part=part, actions=actions)
        else:
            card = _part_card(info, files, part=(index, total))
        payloads.append(MessagePayload(card=card, files=files))
    return payloads


def _first_card(
    info: ResultInfo,
    files: list[discord.File],
    *,
    image_count: int,
    part: tuple[int, int] | None,
    actions: Callable[[], ActionRows] | None,
) -> CardBuilder:
    def build(lead: str | None) -> discord.ui.LayoutView:
        return result_card(
            prompt=info.shown_prompt,
            model=info.model,
            job_id=info.job_id,
            elapsed_s=info.elapsed_s,
            files=files,
            image_count=image_count,
            options=info.options,
            notes=info.notes,
            requester_mention=info.requester_mention,
            spoiler=info.spoiler,
            cost=info.cost,
            references=info.references,
            part=part,
            actions=actions() if actions is not None else (),  # fresh items for each card
            lead=lead,
            locale=info.locale,
        )

    return build


def _part_card(info: ResultInfo, files: list[discord.File], *, part: tuple[int, int]) -> CardBuilder:
    def build(lead: str | None) -> discord.ui.LayoutView:
        return part_card(
            files, job_id=info.job_id, part=part, spoiler=info.spoiler, lead=lead, locale=info.locale
        )

    return build


__all__ = [
    "MAX_FILES",
    "CardBuilder",
    "MessagePayload",
    "ResultInfo",
    "alt_text",
    "image_files",
    "result_payloads",
]
