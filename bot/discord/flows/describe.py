"""`/describe` and "Describe image": an image -> 3 prompt suggestions, each a button that runs `/imagine`.

The image goes to a vision chat model (the server's chat image model, or the member's
`model`) as an `image_url` part of a non-streamed `POST /v1/chat/completions` that asks for
text only. The request is a job like any other: planned, moderated, admitted against the
quotas and budget, queued and settled (it costs tokens). Its suggestions are stored with the
job (`options["suggestions"]`), so a suggestion button (`ib:use:<job_id>:<n>`) works after a
restart and in any process: a click runs `/imagine` with that prompt through the same
planning, moderation, admission, queue and delivery as the command.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.flows.buttons import fetch_job_for
from bot.discord.flows.delivery import defer, progress_for, run_imagine, start_job
from bot.discord.flows.inputs import OPTIONS_KEY, check_attachment, read_attachment, source_of
from bot.discord.replies import locale_for
from bot.discord.tree import report_error
from bot.discord.views.buttons import CUSTOM_ID_PREFIX
from bot.discord.views.text import defuse_model_text
from bot.errors import UserFacingError
from bot.gateway.errors import ContentPolicyError
from bot.i18n import text
from bot.jobs import JOB_ID_PATTERN
from bot.policy import RequestedOptions

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below
    from bot.storage.store import JobRecord

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]
WORKFLOW_KEY = "workflow"
SUGGESTIONS_KEY = "suggestions"
SUGGESTIONS = 3
MAX_SUGGESTION_CHARS = 1000  # stored and sent to /imagine (its prompt allows 4,000)
_SHOWN_CHARS = 550  # per suggestion in the message: 3 of them and the frame fit in 2,000
DESCRIBE_PROMPT = (
    "Write exactly 3 different prompts that a text-to-image model could use to recreate this image: "
    "subject, style, composition, lighting and colours. Put each prompt on its own line, numbered "
    "1., 2. and 3., at most 80 words each, with no other text."
)
TEMPLATE = rf"{CUSTOM_ID_PREFIX}:use:(?P<job>{JOB_ID_PATTERN}):(?P<n>[0-9])"
_NUMBERING = re.compile(r"^\s*(?:(?:prompt\s*)?\d+\s*[.):-]|[-*•])\s*", re.IGNORECASE)


def parse_suggestions(text: str) -> list[str]:
    """The prompts of a model's answer: one per non-empty line, numbering and quotes removed.

    Args:
        text: The model's answer.

    Returns:
        At most `SUGGESTIONS` prompts, each at most `MAX_SUGGESTION_CHARS` characters.
    """
    found = []
    for line in text.splitlines():
        cleaned = _NUMBERING.sub("", line).strip().strip("*_\"'“”` ").strip()
        if len(cleaned) < 3 or cleaned.endswith(":"):  # an empty line or a heading
            continue
        found.append(cleaned[:MAX_SUGGESTION_CHARS])
        if len(found) == SUGGESTIONS:
            break
    return found


def stored_suggestions(options: Mapping[str, Any] | None) -> list[str]:
    """The suggestions a describe job stored (empty for any other job)."""
    options = options or {}
    if options.get(WORKFLOW_KEY) != "describe":
        return []
    raw = options.get(SUGGESTIONS_KEY) or []
    return [str(item) for item in raw if isinstance(item, str) and item.strip()]


def use_custom_id(job_id: str, index: int) -> str:
    """`ib:use:<job_id>:<n>` (≤ 100 characters)."""
    value = f"{CUSTOM_ID_PREFIX}:use:{job_id}:{index}"
    if len(value) > 100 or not re.fullmatch(TEMPLATE, value):
        raise ValueError(f"bad job id or index for a custom_id: {job_id!r} {index!r}")
    return value


class SuggestionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """The "Imagine n" button: runs `/imagine` with the n-th suggestion of a describe job."""

    def __init__(self, job_id: str, index: int, locale: object = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=text(locale, "button.imagine", n=index + 1),
                emoji="🎨",
                style=discord.ButtonStyle.primary,
                custom_id=use_custom_id(job_id, index),
            )
        )
        self.job_id = job_id
        self.index = index

    @classmethod
    async def from_custom_id(  # type: ignore[override]  # discord.py's documented hook signature
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> SuggestionButton:
        """Rebuild the button from its custom_id (after a restart, too)."""
        return cls(match["job"], int(match["n"]))

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Run `/imagine` with the stored suggestion; failures are answered by the error reporter."""
        try:
            message = interaction.message
            # Acknowledge before the database read; the result keeps the message's visibility.
            await defer(interaction, ephemeral=bool(message is not None and message.flags.ephemeral))
            job = await fetch_job_for(interaction, self.job_id, moderator_ok=False)
            prompt = suggestion_of(job, self.index)
            requested = RequestedOptions(model=None, count=None, aspect_ratio=None, private=None)
            started = await start_job(interaction, "imagine", prompt, requested, parent_job_id=job.id)
            await run_imagine(interaction, started)
        except Exception as exc:  # every click gets an answer
            await report_error(interaction, exc)


def suggestion_of(job: JobRecord, index: int) -> str:
    """The `index`-th stored suggestion of a describe job.

    Raises:
        UserFacingError: not a describe job, or no such suggestion.
    """
    suggestions = stored_suggestions(job.options)
    if not 0 <= index < len(suggestions):
        raise UserFacingError.keyed("describe.suggestion_gone")
    return suggestions[index]


def suggestions_view(job_id: str, count: int, locale: object = None) -> discord.ui.View:
    """One "Imagine n" button per suggestion (persistent: handled by `SuggestionButton`)."""
    view = discord.ui.View(timeout=None)
    for index in range(count):
        view.add_item(SuggestionButton(job_id, index, locale))
    return view


def suggestions_text(job_id: str, model: str, suggestions: list[str], locale: object = None) -> str:
    """The message listing the suggestions (model text defused, ≤ 2,000 characters)."""
    lines = [text(locale, "describe.title", model=model)]
    for number, suggestion in enumerate(suggestions, start=1):
        shown = suggestion if len(suggestion) <= _SHOWN_CHARS else suggestion[: _SHOWN_CHARS - 1] + "…"
        lines.append(f"**{number}.** {defuse_model_text(shown)}")
    lines.append("-# " + text(locale, "describe.footer", job_id=job_id))
    return "\n".join(lines)


async def run_describe(
    interaction: Interaction,
    image: discord.Attachment,
    model: str | None,
    private: bool | None,
    *,
    message: discord.Message | None = None,
) -> None:
    """Check the image (metadata, before anything is spent), admit the job, describe, answer.

    Args:
        interaction: The command or message action.
        image: The image to describe.
        model: The member's vision model (default: the server's chat image model).
        private: Only the member sees the answer.
        message: The message holding `image` ("Describe image").

    Raises:
        UserFacingError: any refusal or failure (answered by the tree's error handler).
    """
    check_attachment(image)
    bot = interaction.client
    # Our own instruction: never rewritten by prompt enhancement, whatever the server's default.
    requested = RequestedOptions(model=model, private=private, enhance=False)
    started = await start_job(interaction, "chatimage", DESCRIBE_PROMPT, requested)
    plan = started.plan
    try:
        data = await read_attachment(image, bot.generation.gateway.session)
    except Exception:
        await bot.generation.release(plan, refund=True)
        raise
    source = source_of(image, data, message)
    progress = progress_for(interaction, plan.job_id)
    async with bot.job_scope(plan):
        try:
            result = await bot.generation.describe(plan, data, on_progress=progress.update)
        except ContentPolicyError as exc:
            bot.spawn(bot.modlog.refused(plan, exc.message), name=f"refused-{plan.job_id}")
            raise
        finally:
            await progress.close()
    suggestions = parse_suggestions(result.text or "")
    if not suggestions:
        log.info("job %s: the model suggested no prompts: %r", plan.job_id, (result.text or "")[:200])
        raise UserFacingError.keyed("describe.none")
    options = plan.options.as_dict() | {
        WORKFLOW_KEY: "describe",
        SUGGESTIONS_KEY: suggestions,
        OPTIONS_KEY: [source.as_dict()],
    }
    stored = True
    try:
        await bot.store.update_job(plan.job_id, options=options)
    except Exception:  # the text is still worth showing; the buttons would find nothing
        log.warning("job %s: could not store its suggestions", plan.job_id, exc_info=True)
        stored = False
    locale = locale_for(interaction, public=not started.ephemeral)
    await interaction.edit_original_response(
        content=suggestions_text(plan.job_id, plan.options.model, suggestions, locale),
        view=suggestions_view(plan.job_id, len(suggestions), locale) if stored else None,
        allowed_mentions=discord.AllowedMentions.none(),
    )
