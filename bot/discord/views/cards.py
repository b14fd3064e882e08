"""Result cards: Components V2 messages (`discord.ui.LayoutView`) for results and `/job` (pure).

A card is one Container holding a MediaGallery of the message's images, the text (prompt,
model, options, notes, cost, time, job id) and the actions (button and select rows). Each
gallery item points at its own upload (``attachment://<filename>``), so the images stay
byte-exact attachments; the prompt is each image's alt text, and a server's NSFW policy puts
them behind spoilers.

Discord's rules for such a message, which every builder here keeps (the fake Discord in the
tests answers 400/50035 when one is broken):

- the IS_COMPONENTS_V2 flag (``1 << 15``; discord.py sets it for a view holding V2 items), and
  then no ``content`` or ``embeds``: text lives in TextDisplays;
- at most 40 components in all, nested ones (rows, buttons, selects, gallery) included;
- at most 4,000 characters across all the TextDisplays of the message;
- a MediaGallery holds 1-10 items, each alt text at most 1,024 characters;
- uploaded files show only where a component references them;
- a message sent with the flag cannot lose it: a card is never edited back into plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.discord.views.text import display, format_cost, format_elapsed, truncate
from bot.error_messages import failure_sentence
from bot.i18n import Phrase, text, translate
from bot.storage.records import DELETED_USER_ID, JobRecord

COMPONENT_LIMIT = 40
TEXT_LIMIT = 4000
GALLERY_LIMIT = 10
ALT_TEXT_LIMIT = 1024
# Room kept free for a lead line above the card (the channel fallback's mention and note).
LEAD_RESERVE = 200
ACCENT = discord.Colour.blurple()
# Caps per block, well under the total, so that one long value cannot starve the prompt.
_SHORT_LIMIT = 256
_LABEL_LIMIT = 64
_DETAILS_LIMIT = 1500
_REFERENCES_LIMIT = 1000
_FOOTER_LIMIT = 300

ActionRows = Sequence[discord.ui.ActionRow[Any]]

_STATUS_EMOJI = {
    "queued": "⏳",
    "running": "⚙️",
    "done": "✅",
    "failed": "⚠️",
    "cancelled": "✖️",
    "interrupted": "⚠️",
}


def status_label(status: str, locale: object = None) -> str:
    """A job status as the card shows it, e.g. ``✅ done`` (an unknown status as it is)."""
    if status not in _STATUS_EMOJI:
        return status
    return f"{_STATUS_EMOJI[status]} {text(locale, f'status.{status}')}"


def images_label(count: int, locale: object = None) -> str:
    """``1 image`` / ``3 images`` in the reader's language."""
    return text(locale, "card.image_one") if count == 1 else text(locale, "card.images", count=count)


def alt_text(prompt: str) -> str:
    """Image alt text: the prompt on one line, ≤ 1,024 chars (attachment and gallery alike)."""
    return truncate(" ".join(prompt.split()), ALT_TEXT_LIMIT)


def gallery(files: Sequence[discord.File], *, spoiler: bool) -> discord.ui.MediaGallery[Any]:
    """A MediaGallery showing `files`, each item referencing its upload by filename.

    Args:
        files: 1-10 files of the same message (their `description` is the alt text).
        spoiler: Hide each image behind a spoiler.
    """
    if not 1 <= len(files) <= GALLERY_LIMIT:
        raise ValueError(f"a media gallery holds 1-{GALLERY_LIMIT} items, not {len(files)}")
    items = [
        discord.MediaGalleryItem(file.uri, description=file.description or None, spoiler=spoiler)
        for file in files
    ]
    return discord.ui.MediaGallery(*items)


def details_text(model: str, options: Mapping[str, str], notes: Sequence[str], locale: object = None) -> str:
    """The model, then the options on one line, then one line per note (escaped, ≤ 1,500 chars).

    Labels, values and notes that are `Phrase`s are shown in `locale`'s language.
    """
    lines = [f"**{text(locale, 'card.model')}** {display(translate(model, locale), _SHORT_LIMIT)}"]
    shown = [
        f"**{display(_capitalized(translate(name, locale)), _LABEL_LIMIT)}** "
        + (display(translate(value, locale), _SHORT_LIMIT) or "-")
        for name, value in options.items()
    ]
    if shown:
        lines.append(" · ".join(shown))
    lines.extend(f"• {display(translate(note, locale), _SHORT_LIMIT)}" for note in notes)
    joined = "\n".join(lines)
    return joined if len(joined) <= _DETAILS_LIMIT else display(joined, _DETAILS_LIMIT)


def _capitalized(label: str) -> str:
    # First letter only: `str.capitalize` would lower the rest ("Negativ-Prompt", "NSFW").
    return label[:1].upper() + label[1:]


def footer_text(*parts: str | None) -> str:
    """Small print: the non-empty parts joined by `` · `` (≤ 300 chars)."""
    return "-# " + truncate(" · ".join(part for part in parts if part), _FOOTER_LIMIT)


ENHANCED_LABEL = text(None, "card.enhanced")


def with_enhanced(prompt: str, enhanced: str | None, locale: object = None) -> str:
    """The member's prompt, then the rewrite the model got (`enhance`) when there is one.

    The "Prompt (enhanced):" label is in `locale`'s language.
    """
    return f"{prompt}\n\n{text(locale, 'card.enhanced')} {enhanced}" if enhanced else prompt


def prompt_text(prompt: str, *, room: int, heading: str | None = None) -> str:
    """The member's prompt, escaped, cut to `room` chars (with an optional heading line)."""
    head = f"{heading}\n" if heading else ""
    return head + display(prompt.strip() or "-", max(room - len(head), 1))


def result_card(
    *,
    prompt: str,
    model: str,
    job_id: str,
    elapsed_s: float,
    files: Sequence[discord.File],
    image_count: int,
    options: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    requester_mention: str | None = None,
    spoiler: bool = False,
    cost: float | None = None,
    references: str | None = None,
    part: tuple[int, int] | None = None,
    actions: ActionRows = (),
    lead: str | None = None,
    locale: object = None,
) -> discord.ui.LayoutView:
    """The card of a result's first message: gallery, prompt, details, small print, actions.

    Args:
        prompt: The member's prompt (escaped, and cut to what the 4,000 characters leave).
        model: Model id (with its source marker).
        job_id: Short job id.
        elapsed_s: Generation time.
        files: This message's images (none: a card without a gallery).
        image_count: Images in the whole result.
        options: Option label -> value.
        notes: Sentences (locked values, skipped defaults, re-encoded images).
        requester_mention: ``<@id>``, shown; it pings only if `allowed_mentions` lets it.
        spoiler: Put the images behind spoilers.
        cost: The gateway-reported cost in USD, when known.
        references: Safe, pre-rendered markdown about the input images (shown as given).
        part: ``(1, total)`` when the result spans several messages.
        actions: Rows of buttons or selects, placed in the card under the text.
        lead: A line above the card (e.g. the requester's mention in a channel post).
        locale: The reader's language (the server's for a public post).
    """
    title = images_label(image_count, locale)
    if part:
        title = text(locale, "card.title_part", images=title, index=part[0], total=part[1])
    by = (
        text(locale, "card.requested_by", mention=truncate(requester_mention, 100))
        if requester_mention
        else None
    )
    job = text(locale, "card.job", job_id=job_id)
    footer = footer_text(title, job, format_elapsed(elapsed_s), format_cost(cost), by)
    details = details_text(model, options or {}, notes, locale)
    extra = [references] if references and len(references) <= _REFERENCES_LIMIT else []
    room = TEXT_LIMIT - LEAD_RESERVE - len(footer) - len(details) - sum(map(len, extra))
    body: list[discord.ui.Item[Any]] = [discord.ui.TextDisplay(prompt_text(prompt, room=room))]
    body += [discord.ui.TextDisplay(text) for text in extra]
    body += [discord.ui.Separator(), discord.ui.TextDisplay(details), discord.ui.TextDisplay(footer)]
    top = [gallery(files, spoiler=spoiler)] if files else []
    return _layout([*top, *body, *actions], lead=lead)


def part_card(
    files: Sequence[discord.File],
    *,
    job_id: str,
    part: tuple[int, int],
    spoiler: bool = False,
    lead: str | None = None,
    locale: object = None,
) -> discord.ui.LayoutView:
    """The card of a later message of a multi-message result: its images and "part n/N"."""
    note: discord.ui.TextDisplay[Any] = discord.ui.TextDisplay(
        footer_text(
            text(locale, "card.part", index=part[0], total=part[1]), text(locale, "card.job", job_id=job_id)
        )
    )
    return _layout([gallery(files, spoiler=spoiler), note], lead=lead)


def job_card(job: JobRecord, *, actions: ActionRows = (), locale: object = None) -> discord.ui.LayoutView:
    """The `/job` card: what was asked, how it ran, a link to the result, and its actions.

    No gallery: the images live on the result message (attachment URLs expire; the link
    always shows the current ones).

    Args:
        job: The stored job.
        actions: Rows of buttons or selects, placed in the card under the text.
        locale: The reader's language.
    """
    options = job.options or {}
    shown: dict[str, str] = {
        Phrase("option.status"): status_label(job.status, locale),
        Phrase("option.kind"): job.kind,
        Phrase("option.count"): str(options.get("count", job.image_count or "-")),
        Phrase("option.aspect_ratio"): options.get("aspect_ratio") or Phrase("value.model_default"),
    }
    if job.image_count:
        shown[Phrase("option.images")] = str(job.image_count)
    # The stored error is for logs (it can hold a provider's raw text): show the member's sentence.
    failed = job.status == "failed" or job.error
    notes = [text(locale, "card.error", reason=failure_sentence(job.error, locale))] if failed else []
    details = details_text(job.model, shown, notes, locale)
    elapsed = (
        (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else None
    )
    mention = f"<@{job.user_id}>"
    by = text(locale, "card.requested_by", mention=mention) if job.user_id != DELETED_USER_ID else None
    footer = footer_text(
        text(locale, "card.job", job_id=job.id),
        format_elapsed(elapsed) if elapsed else None,
        format_cost(float(job.cost) if job.cost is not None else None),
        by,
        f"<t:{int(job.created_at.timestamp())}:f>",
    )
    room = TEXT_LIMIT - LEAD_RESERVE - len(footer) - len(details)
    prompt: discord.ui.TextDisplay[Any] = discord.ui.TextDisplay(
        prompt_text(
            with_enhanced(job.prompt, job.enhanced_prompt, locale),
            room=room,
            heading="### " + text(locale, "card.job_heading", job_id=job.id),
        )
    )
    head: discord.ui.Item[Any] = prompt
    if job.guild_id and job.channel_id and job.message_id:
        jump = f"https://discord.com/channels/{job.guild_id}/{job.channel_id}/{job.message_id}"
        button: discord.ui.Button[Any] = discord.ui.Button(label=text(locale, "button.open_result"), url=jump)
        head = discord.ui.Section(prompt, accessory=button)
    body = [head, discord.ui.Separator(), discord.ui.TextDisplay(details), discord.ui.TextDisplay(footer)]
    return _layout([*body, *actions])


def _layout(children: Sequence[discord.ui.Item[Any]], *, lead: str | None = None) -> discord.ui.LayoutView:
    """One persistent LayoutView: the optional lead line, then one Container of `children`.

    Raises:
        ValueError: more than 40 components or 4,000 characters (Discord would answer 400).
    """
    view = discord.ui.LayoutView(timeout=None)  # the buttons are DynamicItems: restart-proof
    if lead:
        view.add_item(discord.ui.TextDisplay(truncate(lead, LEAD_RESERVE)))
    view.add_item(discord.ui.Container(*children, accent_colour=ACCENT))
    if view.total_children_count > COMPONENT_LIMIT:
        raise ValueError(f"a card holds {view.total_children_count} components (limit {COMPONENT_LIMIT})")
    if (length := view.content_length()) > TEXT_LIMIT:
        raise ValueError(f"a card holds {length} characters of text (limit {TEXT_LIMIT})")
    return view


__all__ = [
    "ACCENT",
    "ALT_TEXT_LIMIT",
    "COMPONENT_LIMIT",
    "ENHANCED_LABEL",
    "GALLERY_LIMIT",
    "TEXT_LIMIT",
    "ActionRows",
    "alt_text",
    "details_text",
    "footer_text",
    "gallery",
    "job_card",
    "part_card",
    "prompt_text",
    "result_card",
    "with_enhanced",
]
