"""Pure builders of Discord messages: every output respects Discord's limits.

Discord's limits: content 2,000 chars; ≤10 embeds; embed title 256, description
4,096, ≤25 fields, field name 256 / value 1,024, footer 2,048, 6,000 in total; ≤10 files;
attachment alt text 1,024. Mentions: nobody is pinged except, when given, the requester.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.discord.views.files import FittedImage
from bot.discord.views.text import (
    CONTENT_LIMIT,
    allowed_mentions_for,
    display,
    error_text,
    escape_for_display,
    format_cost,
    format_elapsed,
    neutralize_mentions,
    split_message,
    split_point,
    truncate,
)
from bot.error_messages import failure_sentence
from bot.storage.records import DELETED_USER_ID, JobRecord

EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
ALT_TEXT_LIMIT = 1024
MAX_EMBEDS = 10
MAX_FILES = 10
RESULT_COLOUR = discord.Colour.blurple()
# Fields kept for options: model + notes + these stay under the 25-field cap.
_MAX_OPTION_FIELDS = 20
# Per-item caps well under Discord's, so that one long value cannot starve the prompt.
_SHORT_LIMIT = 256
_LABEL_LIMIT = 64
_PROMPT_RESERVE = 1500
_MIN_NOTES = 40


@dataclass(slots=True)
class MessagePayload:
    """Everything one message needs; validated against Discord's limits on creation.

    Attributes:
        content: Message text (≤ 2,000 chars) or None.
        embeds: Up to 10 embeds.
        files: Up to 10 files (built from `BytesIO`, alt text in `description`).
        view: Components, or None.
        allowed_mentions: Always set; by default nobody is pinged.
    """

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    files: list[discord.File] = field(default_factory=list)
    view: discord.ui.View | None = None
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)

    def __post_init__(self) -> None:
        """Refuse what Discord would refuse with a 400 (content, embed and file limits)."""
        if self.content is not None and len(self.content) > CONTENT_LIMIT:
            raise ValueError(f"content is {len(self.content)} chars (limit {CONTENT_LIMIT})")
        if len(self.embeds) > MAX_EMBEDS or len(self.files) > MAX_FILES:
            raise ValueError("too many embeds or files for one message")
        if sum(len(embed) for embed in self.embeds) > EMBED_TOTAL_LIMIT:
            raise ValueError(f"embeds exceed {EMBED_TOTAL_LIMIT} chars in total")

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

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `followup.send`, `channel.send` or `Webhook.send`.

        None values are left out (discord.py refuses ``view=None`` on webhook sends).
        """
        result: dict[str, Any] = {"embeds": self.embeds, "allowed_mentions": self.allowed_mentions}
        if self.content is not None:
            result["content"] = self.content
        if self.files:
            result["files"] = self.files
        if self.view is not None:
            result["view"] = self.view
        return result

    def send_kwargs(self) -> dict[str, Any]:
        """Same as `kwargs` (the name `bot.discord.flows.delivery` uses)."""
        return self.kwargs()

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `edit_original_response` / `Message.edit`.

        The edited message becomes exactly this payload: ``attachments=`` replaces the old
        files, and None content or view clears them.
        """
        return {
            "content": self.content,
            "embeds": self.embeds,
            "attachments": self.files,
            "view": self.view,
            "allowed_mentions": self.allowed_mentions,
        }


@dataclass(frozen=True, slots=True)
class ResultInfo:
    """What the result embed shows about a job.

    Attributes:
        prompt: The member's prompt.
        model: Model id used.
        job_id: Short job id (also in button custom ids).
        elapsed_s: Generation time in seconds.
        options: Option label -> value (e.g. `ResolvedOptions.display_options()`).
        notes: Short sentences (locked values, skipped defaults, re-encoded images).
        requester_mention: ``<@id>`` of the member, shown (never pinged) in the embed.
        spoiler: Post the images behind spoilers (made with age-restricted options).
        cost: USD the gateway reported for the job, when it did.
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


# --- result messages ------------------------------------------------------------------------


def result_embed(
    *,
    prompt: str,
    model: str,
    job_id: str,
    elapsed_s: float,
    image_count: int,
    options: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    requester_mention: str | None = None,
    part: tuple[int, int] | None = None,
    cost: float | None = None,
) -> discord.Embed:
    """The result embed: prompt, model, options, notes, job id and time, within every limit.

    Args:
        prompt: The member's prompt (escaped and truncated to fit).
        model: Model id.
        job_id: Short job id.
        elapsed_s: Generation time.
        image_count: Images in the whole result.
        options: Option label -> value shown as inline fields.
        notes: Sentences shown in one "Notes" field.
        requester_mention: ``<@id>``; mentions in embeds never ping.
        part: ``(n, total)`` when the result spans several messages.
        cost: The gateway-reported cost in USD, shown in the footer when known.
    """
    noun = "image" if image_count == 1 else "images"
    title = f"{image_count} {noun}" + (f" (part {part[0]}/{part[1]})" if part else "")
    embed = discord.Embed(title=truncate(title, EMBED_TITLE_LIMIT), colour=RESULT_COLOUR)
    footer = f"Job {job_id} · {format_elapsed(elapsed_s)}"
    if (shown_cost := format_cost(cost)) is not None:
        footer += f" · {shown_cost}"
    embed.set_footer(text=truncate(footer, _SHORT_LIMIT))
    by = f"\n\nRequested by {truncate(requester_mention, 100)}" if requester_mention else ""
    prompt_text = display(prompt.strip() or "-", EMBED_DESCRIPTION_LIMIT)
    # 6,000 chars in total: keep room for the prompt first, then add fields while they fit.
    budget = EMBED_TOTAL_LIMIT - len(embed) - min(len(prompt_text) + len(by), _PROMPT_RESERVE)

    def add(name: str, value: str, *, inline: bool = True) -> bool:
        nonlocal budget
        if len(name) + len(value) > budget:
            return False
        embed.add_field(name=name, value=value, inline=inline)
        budget -= len(name) + len(value)
        return True

    add("Model", display(model, _SHORT_LIMIT))
    for name, value in list((options or {}).items())[:_MAX_OPTION_FIELDS]:
        label = truncate(name.capitalize(), _LABEL_LIMIT) or "-"
        if not add(label, display(value, _SHORT_LIMIT) or "-"):
            break
    if notes:
        text = "\n".join(f"• {note}" for note in notes)
        room = min(EMBED_FIELD_VALUE_LIMIT, budget - len("Notes"))
        if room >= _MIN_NOTES:
            add("Notes", display(text, room), inline=False)

    # The prompt takes whatever the total leaves, at most the description limit.
    room = min(EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(embed)) - len(by)
    if len(prompt_text) > room:
        prompt_text = display(prompt.strip() or "-", max(room, 1))
    embed.description = prompt_text + by
    return embed


def alt_text(prompt: str) -> str:
    """Attachment alt text: the prompt on one line, ≤ 1,024 chars."""
    return truncate(" ".join(prompt.split()), ALT_TEXT_LIMIT)


def image_files(
    images: Sequence[FittedImage], *, alt: str | None = None, spoiler: bool = False
) -> list[discord.File]:
    """`discord.File`s over the images' bytes (RAM or spool file, never copied), with alt text.

    Each file gets its own reader, so re-uploading (retries, the channel fallback) and other
    readers never disturb each other.
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
    requester_id: int | None,
    view_factory: Callable[[], discord.ui.View | None] | None = None,
    mention_requester: bool = False,
) -> list[MessagePayload]:
    """One payload per batch: the embed and buttons on the first, "part n/N" on the others.

    Args:
        batches: Images grouped per message (`bot.discord.views.files.fit_images`).
        info: What the embed shows.
        requester_id: The member allowed to be pinged (None: nobody).
        view_factory: Builds the result buttons for the first message.
        mention_requester: Put the requester's mention in the first message's content (used
            when posting to the channel after the interaction token expired).

    Returns:
        At least one payload (an embed without files when there are no images).
    """
    total = max(1, len(batches))
    image_count = sum(len(batch) for batch in batches)
    mentions = allowed_mentions_for(requester_id)
    alt = alt_text(info.prompt)
    payloads: list[MessagePayload] = []
    for index, batch in enumerate(batches or [[]], start=1):
        files = image_files(batch, alt=alt, spoiler=info.spoiler)
        if index == 1:
            embed = result_embed(
                prompt=info.prompt,
                model=info.model,
                job_id=info.job_id,
                elapsed_s=info.elapsed_s,
                image_count=image_count,
                options=info.options,
                notes=info.notes,
                requester_mention=info.requester_mention,
                part=(1, total) if total > 1 else None,
                cost=info.cost,
            )
            content = f"<@{requester_id}>" if mention_requester and requester_id is not None else None
            view = view_factory() if view_factory is not None else None
            payloads.append(
                MessagePayload(
                    content=content, embeds=[embed], files=files, view=view, allowed_mentions=mentions
                )
            )
        else:
            content = f"Part {index}/{total} · job `{_strip_backticks(info.job_id)}`"
            payloads.append(MessagePayload(content=content, files=files, allowed_mentions=mentions))
    return payloads


_STATUS_LABELS = {
    "queued": "⏳ queued",
    "running": "⚙️ running",
    "done": "✅ done",
    "failed": "⚠️ failed",
    "cancelled": "✖️ cancelled",
    "interrupted": "⚠️ interrupted by a restart",
}


def job_embed(job: JobRecord) -> discord.Embed:
    """The `/job` embed: what was asked, how it ran, within every embed limit.

    Args:
        job: The stored job.
    """
    options = job.options or {}
    shown = {
        "status": _STATUS_LABELS.get(job.status, job.status),
        "kind": job.kind,
        "count": str(options.get("count", job.image_count or "-")),
        "aspect ratio": str(options.get("aspect_ratio") or "model default"),
    }
    if job.image_count:
        shown["images"] = str(job.image_count)
    # The stored error is for logs (it can hold a provider's raw text): show the member's sentence.
    notes = [f"Error: {failure_sentence(job.error)}"] if job.status == "failed" or job.error else []
    elapsed = (
        (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else 0.0
    )
    embed = result_embed(
        prompt=job.prompt,
        model=job.model,
        job_id=job.id,
        elapsed_s=elapsed,
        image_count=job.image_count,
        options=shown,
        notes=notes,
        requester_mention=f"<@{job.user_id}>" if job.user_id != DELETED_USER_ID else None,
        cost=float(job.cost) if job.cost is not None else None,
    )
    embed.title = f"Job {job.id}"[:EMBED_TITLE_LIMIT]
    embed.timestamp = job.created_at
    if job.guild_id and job.channel_id and job.message_id:
        # Attachment URLs expire; a jump link to the message always shows the current ones.
        embed.url = f"https://discord.com/channels/{job.guild_id}/{job.channel_id}/{job.message_id}"
    if not elapsed:
        cost = format_cost(float(job.cost) if job.cost is not None else None)
        embed.set_footer(text=(f"Job {job.id}" + (f" · {cost}" if cost else ""))[:EMBED_FOOTER_LIMIT])
    return embed


def _strip_backticks(text: str) -> str:
    return re.sub(r"`+", "", text)


__all__ = [
    "CONTENT_LIMIT",
    "MessagePayload",
    "ResultInfo",
    "allowed_mentions_for",
    "alt_text",
    "error_text",
    "escape_for_display",
    "format_elapsed",
    "image_files",
    "job_embed",
    "neutralize_mentions",
    "result_embed",
    "result_payloads",
    "split_message",
    "split_point",
    "truncate",
]
