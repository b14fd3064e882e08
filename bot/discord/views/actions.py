"""Per-image action menus under a result, and the references line of a result (pure builders).

Under a result, each image gets a select "Act on image N…" whose options are the actions of
`bot.image_actions` (vary, upscale, zoom out, pan, make square). Its custom_id,
``ib:act:<job>:<n>``, carries the job id and the image number (1-based over the whole job);
the option picked carries the action. Everything else comes from the job row, so a menu
works after any restart and in any process.

A card holds at most 40 components (gallery items and rows included): up to `MAX_MENUS`
images get their own menu (2 components each); a result with more images gets one picker
(``ib:pick:<job>``, options Image 1..N, at most 25) that answers privately with the chosen
image's menu. Custom ids stay far below Discord's 100 characters.

The selects are `DynamicItem`s registered at start-up; a pick is handed to the bot
(`ImageBot.on_image_action` / `on_image_pick`), which answers it in
`bot.discord.flows.actions` (the flows import this module to build results, so the answer
cannot live here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import text
from bot.image_actions import ACTIONS
from bot.jobs import JOB_ID_PATTERN

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below

Interaction = discord.Interaction["ImageBot"]

CUSTOM_ID_PREFIX = "ib"
ACT_TEMPLATE = rf"{CUSTOM_ID_PREFIX}:act:(?P<job>{JOB_ID_PATTERN}):(?P<n>[1-9][0-9]?)"
PICK_TEMPLATE = rf"{CUSTOM_ID_PREFIX}:pick:(?P<job>{JOB_ID_PATTERN})"
MAX_MENUS = 4
"""Images that get a menu each; past this, one picker (a 10-image card stays far under 40 components)."""
MAX_PICKABLE = 25
"""Options in one select: the picker lists at most this many images."""
MAX_IMAGE_NUMBER = 99
_IMAGE_FILE = re.compile(r"(?:SPOILER_)?image_(?P<n>[0-9]{1,3})\.[A-Za-z0-9]+")


def act_custom_id(job_id: str, number: int) -> str:
    """`ib:act:<job>:<n>`: the menu of image `number` of a job.

    Raises:
        ValueError: a job id or number that the template would not read back.
    """
    value = f"{CUSTOM_ID_PREFIX}:act:{job_id}:{number}"
    if len(value) > 100 or not re.fullmatch(ACT_TEMPLATE, value):
        raise ValueError(f"bad job id or image number for a custom_id: {job_id!r} {number!r}")
    return value


def pick_custom_id(job_id: str) -> str:
    """`ib:pick:<job>`: the image picker of a result with many images.

    Raises:
        ValueError: a job id that the template would not read back.
    """
    value = f"{CUSTOM_ID_PREFIX}:pick:{job_id}"
    if len(value) > 100 or not re.fullmatch(PICK_TEMPLATE, value):
        raise ValueError(f"bad job id for a custom_id: {job_id!r}")
    return value


def action_select(job_id: str, number: int, locale: object = None) -> discord.ui.Select[Any]:
    """The "Act on image N…" select: one option per action (10, under the 25 allowed).

    Labelled in `locale`'s language (the server's on a public result); the values are the
    action names, so a pick reads the same in every language.
    """
    options = [
        discord.SelectOption(
            label=text(locale, f"action.{action.name}"), value=action.name, emoji=action.emoji
        )
        for action in ACTIONS.values()
    ]
    placeholder = text(locale, "select.act_on_image", n=number)
    return discord.ui.Select(
        custom_id=act_custom_id(job_id, number), placeholder=placeholder, options=options
    )


def pick_select(job_id: str, image_count: int, locale: object = None) -> discord.ui.Select[Any]:
    """The "Act on an image…" select of a result with more images than menus."""
    count = min(image_count, MAX_PICKABLE)
    options = [
        discord.SelectOption(label=text(locale, "select.image", n=n), value=str(n))
        for n in range(1, count + 1)
    ]
    placeholder = text(locale, "select.act_on_an_image")
    return discord.ui.Select(custom_id=pick_custom_id(job_id), placeholder=placeholder, options=options)


class ImageActionSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=ACT_TEMPLATE):
    """The "Act on image N…" menu of one image of a result."""

    def __init__(self, job_id: str, number: int, locale: object = None) -> None:
        super().__init__(action_select(job_id, number, locale))
        self.job_id = job_id
        self.number = number

    @classmethod
    async def from_custom_id(  # type: ignore[override]  # discord.py's documented hook signature
        cls, interaction: Interaction, item: discord.ui.Select[Any], match: re.Match[str], /
    ) -> ImageActionSelect:
        """Rebuild the menu from its custom_id (after a restart, too)."""
        return cls(match["job"], int(match["n"]))

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Hand the pick to the bot, which answers it (`bot.discord.flows.actions`)."""
        picked = self.item.values[0] if self.item.values else ""
        await interaction.client.on_image_action(interaction, self.job_id, self.number, picked)


class ImagePickSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=PICK_TEMPLATE):
    """The "Act on an image…" picker of a result with more images than menus."""

    def __init__(self, job_id: str, image_count: int = MAX_PICKABLE, locale: object = None) -> None:
        super().__init__(pick_select(job_id, image_count, locale))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]  # discord.py's documented hook signature
        cls, interaction: Interaction, item: discord.ui.Select[Any], match: re.Match[str], /
    ) -> ImagePickSelect:
        """Rebuild the picker from its custom_id (its options come with the click)."""
        return cls(match["job"], max(1, len(item.options)))

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Hand the chosen image to the bot, which answers with that image's menu."""
        picked = self.item.values[0] if self.item.values else ""
        number = int(picked) if picked.isdigit() else 0
        await interaction.client.on_image_pick(interaction, self.job_id, number)


def image_action_items(job_id: str, image_count: int, locale: object = None) -> list[discord.ui.Item[Any]]:
    """The action menus of a result, each needing its own action row.

    One "Act on image N…" menu per image up to `MAX_MENUS` images, else one picker; none
    for a result without images. Labelled in `locale`'s language.
    """
    if image_count <= 0:
        return []
    if image_count <= MAX_MENUS:
        return [ImageActionSelect(job_id, number, locale) for number in range(1, image_count + 1)]
    return [ImagePickSelect(job_id, image_count, locale)]


def image_action_rows(
    job_id: str, image_count: int, locale: object = None
) -> list[discord.ui.ActionRow[Any]]:
    """`image_action_items`, each in its own `ActionRow` (for a `LayoutView`)."""
    rows: list[discord.ui.ActionRow[Any]] = []
    for item in image_action_items(job_id, image_count, locale):
        row: discord.ui.ActionRow[Any] = discord.ui.ActionRow()
        row.add_item(item)
        rows.append(row)
    return rows


def image_menu_view(job_id: str, number: int, locale: object = None) -> discord.ui.View:
    """The private answer of the picker: image `number`'s menu (persistent, restart-proof)."""
    view = discord.ui.View(timeout=None)
    view.add_item(ImageActionSelect(job_id, number, locale))
    return view


def image_number(filename: str) -> int | None:
    """The 1-based image number of a result file (``image_<n>.<ext>``, maybe behind a spoiler)."""
    match = _IMAGE_FILE.fullmatch(filename)
    return int(match["n"]) if match else None


def jump_url(guild_id: int | None, channel_id: int, message_id: int) -> str:
    """The link that opens a message in Discord (``@me`` outside servers)."""
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


def references_text(links: Sequence[str | None], locale: object = None) -> str | None:
    """What a result says about its input images: their count, and a link to each source message.

    Args:
        links: One entry per input image: the jump URL of its message when known, else None.

    Returns:
        E.g. ``3 images: [1](…) · [2](…) · 3``; None without inputs. Safe markdown: the links
        are built from ids only (`jump_url`), never from member text.
    """
    if not links:
        return None
    count = len(links)
    images = text(locale, "card.image_one") if count == 1 else text(locale, "card.images", count=count)
    shown = [f"[{n}]({link})" if link else str(n) for n, link in enumerate(links, start=1)]
    if not any(links):
        return images
    return text(locale, "card.references", images=images, links=" · ".join(shown))
