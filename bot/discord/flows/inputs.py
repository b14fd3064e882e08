"""Input images of `/chatimage` and "Edit image": where they came from, so a re-roll keeps them.

A job stores, with its options (``input_images``), one `InputSource` per input image: the
Discord attachment's URL and id, its size and SHA-256, and, for "Edit image", the message
that holds it. A re-roll (or an edited prompt) of that job fetches the images again:

* from the message, when known: fetching the message yields a fresh attachment URL (Discord's
  CDN URLs are signed and expire), so this works as long as the message exists;
* else from the stored URL (an image uploaded with `/chatimage`, which Discord keeps for a
  limited time).

The bytes must hash to the stored SHA-256: the same image or nothing. When the source is gone
(message deleted, URL expired) or changed, the re-roll is refused with a sentence asking to run
the command again with the image, and nothing is charged (the caller gives the slot back).
Nothing but these references is kept: no image bytes are stored.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
import discord

from bot.discord.views.buttons import submitted_fields
from bot.errors import InputError
from bot.gateway.media import sniff_mime
from bot.gateway.models import InputImage

if TYPE_CHECKING:
    from bot.discord.app import ImageBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ImageBot"]
OPTIONS_KEY = "input_images"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
MAX_INPUT_IMAGE_BYTES = 20 * 2**20  # providers cap reference images around 20 MB
MAX_INPUT_IMAGES = 4
"""Input images one request sends (the catalogue does not say how many a model takes; 4 is safe)."""
_ATTACHMENT_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=10)


@dataclass(frozen=True, slots=True)
class InputSource:
    """Where one input image came from (JSON-safe, stored with the job's options).

    Attributes:
        url: The attachment URL at the time (signed; it may have expired since).
        attachment_id: Discord's attachment id.
        filename: The attachment's file name (for messages).
        size: Bytes.
        sha256: Hex SHA-256 of the bytes sent to the model.
        channel_id: The channel of the message holding the image ("Edit image"), if any.
        message_id: That message, if any.
    """

    url: str
    attachment_id: int
    filename: str
    size: int
    sha256: str
    channel_id: int | None = None
    message_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (ids as strings: snowflakes exceed JSON's safe integers)."""
        data = asdict(self)
        for key in ("attachment_id", "channel_id", "message_id"):
            if data[key] is not None:
                data[key] = str(data[key])
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InputSource | None:
        """Rebuild from `as_dict` output; None for anything malformed (an old or foreign row)."""
        try:
            return cls(
                url=str(data["url"]),
                attachment_id=int(data["attachment_id"]),
                filename=str(data.get("filename") or "image"),
                size=int(data.get("size") or 0),
                sha256=str(data["sha256"]),
                channel_id=int(data["channel_id"]) if data.get("channel_id") else None,
                message_id=int(data["message_id"]) if data.get("message_id") else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


class AttachmentLike(Protocol):
    """What the checks and downloads read of an attachment.

    A `discord.Attachment`, or an `Upload` parsed from a modal submit.
    """

    @property
    def id(self) -> int: ...  # noqa: D102
    @property
    def url(self) -> str: ...  # noqa: D102
    @property
    def size(self) -> int: ...  # noqa: D102
    @property
    def filename(self) -> str: ...  # noqa: D102
    @property
    def content_type(self) -> str | None: ...  # noqa: D102


@dataclass(frozen=True)
class Upload:
    """A file uploaded in a modal, as the submit's ``resolved.attachments`` describes it."""

    id: int
    url: str
    size: int
    filename: str
    content_type: str | None

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Upload:
        """Read an attachment object (raises KeyError/ValueError when it is malformed)."""
        content_type = data.get("content_type")
        return cls(
            id=int(data["id"]),
            url=str(data["url"]),
            size=int(data["size"]),
            filename=str(data.get("filename") or "image"),
            content_type=str(content_type) if content_type else None,
        )


def submitted_uploads(data: Mapping[str, Any], field_id: str) -> list[Upload]:
    """The files a modal submit carries for its file-upload field `field_id`, in upload order."""
    lists = (field.get("values") for field in submitted_fields(data.get("components"), field_id))
    ids = [str(value) for value in next((found for found in lists if isinstance(found, list)), [])]
    resolved = (data.get("resolved") or {}).get("attachments") or {}
    return [Upload.from_payload(resolved[i]) for i in ids if isinstance(resolved.get(i), Mapping)]


def source_of(
    attachment: AttachmentLike, image: InputImage, message: discord.Message | None = None
) -> InputSource:
    """The reference to store for an input image just read from `attachment`."""
    return InputSource(
        url=attachment.url,
        attachment_id=attachment.id,
        filename=attachment.filename,
        size=len(image.data),
        sha256=hashlib.sha256(image.data).hexdigest(),
        channel_id=message.channel.id if message is not None else None,
        message_id=message.id if message is not None else None,
    )


def stored_sources(options: Mapping[str, Any] | None) -> list[InputSource]:
    """The input image references of a stored job (empty for `/imagine` and old jobs)."""
    raw = (options or {}).get(OPTIONS_KEY) or []
    found = [InputSource.from_dict(item) for item in raw if isinstance(item, Mapping)]
    return [source for source in found if source is not None]


async def refetch(interaction: Interaction, sources: Sequence[InputSource]) -> list[InputImage]:
    """Fetch a job's input images again for a re-roll.

    Raises:
        InputError: a source is gone or changed (the message says to upload the image again).
    """
    session = interaction.client.generation.gateway.session
    images = []
    for source in sources:
        url, size = await _current_url(interaction, source)
        try:
            image = await download_image(url, size, source.attachment_id, session)
        except InputError as exc:
            cause = exc.__cause__
            if isinstance(cause, aiohttp.ClientResponseError) and cause.status in (403, 404, 410):
                log.info("input image %s of a re-roll is gone (%s)", source.attachment_id, cause.status)
                raise InputError.keyed("input.gone") from exc
            raise
        if hashlib.sha256(image.data).hexdigest() != source.sha256:
            raise InputError.keyed("input.changed")
        images.append(image)
    return images


async def _current_url(interaction: Interaction, source: InputSource) -> tuple[str, int]:
    """A current URL and size: from the image's message when known, else the stored URL."""
    if source.channel_id is not None and source.message_id is not None:
        channel = interaction.client.get_partial_messageable(source.channel_id)
        try:
            message = await channel.fetch_message(source.message_id)
        except discord.NotFound as exc:
            raise InputError.keyed("input.gone") from exc
        except discord.HTTPException as exc:  # no access any more, or Discord failed: try the URL
            log.info("could not re-read message %s: %s", source.message_id, exc)
        else:
            found = next((a for a in message.attachments if a.id == source.attachment_id), None)
            if found is not None:
                return found.url, found.size
            if sees_attachments(interaction.client, message):
                raise InputError.keyed("input.gone")
            # Discord hid the message's attachments (no Message Content intent): the stored URL
            # may still work, and the bytes must hash the same anyway.
    return source.url, source.size


def sees_attachments(bot: ImageBot, message: discord.Message) -> bool:
    """Whether Discord shows this app `message`'s attachments when it fetches it.

    Without the Message Content intent (an application flag, set in the Developer Portal) the
    API empties them, in REST responses too, except in the app's own messages, DMs and
    messages that mention it. A message fetched through a partial channel does not say whether
    it is in a DM: this says False there, and callers treat that as "cannot tell".
    """
    flags = bot.application_flags
    if flags.gateway_message_content or flags.gateway_message_content_limited:
        return True
    me = bot.user
    return me is not None and (message.author.id == me.id or any(u.id == me.id for u in message.mentions))


def check_attachment(attachment: AttachmentLike) -> None:
    """Cheap checks on an input image before deferring (metadata only, no download).

    Raises:
        InputError: not an image, or too large.
    """
    if attachment.content_type and not attachment.content_type.startswith("image/"):
        raise InputError.keyed("input.not_image")
    if attachment.size > MAX_INPUT_IMAGE_BYTES:
        limit_mb = MAX_INPUT_IMAGE_BYTES // 2**20
        raise InputError.keyed("input.too_large", size=f"{attachment.size / 2**20:.1f}", limit=limit_mb)


async def read_attachment(
    attachment: AttachmentLike, session: aiohttp.ClientSession, *, max_bytes: int = MAX_INPUT_IMAGE_BYTES
) -> InputImage:
    """Download an input image, never more than `max_bytes`, and check its bytes.

    See `download_image`.

    Raises:
        InputError: too large, the download failed, or the bytes are not a supported image.
    """
    return await download_image(attachment.url, attachment.size, attachment.id, session, max_bytes=max_bytes)


async def download_image(
    url: str,
    declared_size: int,
    ident: object,
    session: aiohttp.ClientSession,
    *,
    max_bytes: int = MAX_INPUT_IMAGE_BYTES,
) -> InputImage:
    """Download an image from Discord's CDN, never more than `max_bytes`, and check its bytes.

    The declared size is checked first (no download at all when it is over), then the body is
    read in chunks and abandoned as soon as it passes the cap: the declared size can lie. The
    declared type is not trusted either: the bytes are sniffed.

    Args:
        url: The attachment URL.
        declared_size: The size Discord declared.
        ident: The attachment id, for the log.
        session: The HTTP session to use.
        max_bytes: The cap.

    Raises:
        InputError: too large, the download failed, or the bytes are not a supported image.
    """
    limit_mb = max_bytes // 2**20
    if declared_size > max_bytes:
        raise InputError.keyed("input.too_large", size=f"{declared_size / 2**20:.1f}", limit=limit_mb)
    too_large = InputError.keyed("input.larger_than", limit=limit_mb)
    buffer = bytearray()
    try:
        async with session.get(url, timeout=_ATTACHMENT_TIMEOUT) as resp:
            if resp.status != 200:
                raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
            if (resp.content_length or 0) > max_bytes:
                raise too_large
            async for chunk in resp.content.iter_chunked(64 * 1024):
                if len(buffer) + len(chunk) > max_bytes:
                    raise too_large
                buffer += chunk
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("could not download attachment %s: %s", ident, type(exc).__name__)
        raise InputError.keyed("input.download_failed") from exc
    data = bytes(buffer)
    del buffer
    mime = sniff_mime(data)
    if mime is None:
        raise InputError.keyed("input.not_image")
    return InputImage(data=data, mime=mime)


def first_image(message: discord.Message) -> discord.Attachment | None:
    """The first image attachment of a message (by declared type or file name)."""
    images = image_attachments(message)
    return images[0] if images else None


def image_attachments(message: discord.Message) -> list[discord.Attachment]:
    """The image attachments of a message, in order (by declared type or file name)."""
    return [attachment for attachment in message.attachments if _looks_like_image(attachment)]


def _looks_like_image(attachment: discord.Attachment) -> bool:
    content_type = (attachment.content_type or "").split(";")[0]
    named = attachment.filename.lower().endswith((".png", ".jpg", ".jpeg", ".webp"))
    return content_type in IMAGE_TYPES or named
