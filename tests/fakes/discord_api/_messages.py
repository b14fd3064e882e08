"""Stored messages and CDN files, and how creates and edits apply to them.

:class:`MessageStore` is a mixin of :class:`~tests.fakes.discord_api.FakeDiscordAPI`: the route
mixins share its state and the knobs tests change on a running fake (``max_request_bytes``…),
so they stay one object.
"""

from __future__ import annotations

import copy
import hashlib
import json
import mimetypes
import struct
import time

from tests.fakes.discord_api._records import FakeAttachment, FakeMessage, UploadedFile
from tests.fakes.discord_api._rules import (
    IS_COMPONENTS_V2,
    JSON,
    SUPPRESS_EMBEDS,
    DiscordError,
    FormErrors,
    is_empty,
    legacy_fields_error,
    media_references,
    normalise_embed,
    resolve_mentions,
    text_of,
    too_many_attachments,
    validate_message,
    validate_v2_components,
)
from tests.fakes.payloads import FakeWorld, iso_now


def sniff_image(data: bytes) -> tuple[str | None, int | None, int | None]:
    """Return ``(content_type, width, height)`` from magic bytes, as Discord's media pipeline does."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", None, None
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", None, None
    return None, None, None


class MessageStore:
    """Messages and CDN files of the fake, with Discord's create/edit rules."""

    world: FakeWorld
    base_url: str
    messages: dict[int, FakeMessage]
    max_request_bytes: int
    max_attachments: int
    too_many_attachments_code: int
    keep_file_bytes: bool
    _cdn: dict[int, FakeAttachment]

    def add_cdn_file(
        self, filename: str, data: bytes, *, content_type: str | None = None, channel_id: int = 0
    ) -> JSON:
        """Host a user upload on the fake CDN; return its attachment payload for an option."""
        attachment = self._make_attachment(channel_id, filename, data, content_type, None)
        self._cdn[attachment.id] = attachment
        return attachment.to_payload()

    def remove_cdn_file(self, attachment_id: int | str) -> None:
        """Forget an upload, as Discord does when it expires: its URL then answers 404."""
        self._cdn.pop(int(attachment_id), None)

    def add_message(
        self, channel_id: int, author: JSON, content: str = "", *, attachments: list[JSON] | None = None
    ) -> FakeMessage:
        """Seed a message from someone else (e.g. the one a context menu or reply refers to)."""
        channel = self.world.get_channel(channel_id)
        message = FakeMessage(
            id=self.world.snowflakes(),
            channel_id=channel_id,
            guild_id=channel.guild_id if channel else None,
            author=author,
            content=content,
        )
        for item in attachments or []:
            message.attachments.append(self._cdn[int(item["id"])])
        self.messages[message.id] = message
        return message

    def message_payload(self, message: FakeMessage) -> JSON:
        """Return ``message`` as the API serves it (with ``mentions`` and ``referenced_message``)."""
        referenced = None
        if message.message_reference is not None:
            ref = self.messages.get(int(message.message_reference.get("message_id", 0)))
            referenced = ref.to_payload(self._users()) if ref is not None and not ref.deleted else None
        return message.to_payload(self._users(), referenced)

    def _users(self) -> dict[int, JSON]:
        return {u.id: u.to_payload() for u in self.world.users()}

    def _check_message(
        self,
        data: JSON,
        files: list[UploadedFile],
        size_limit: int,
        *,
        create: bool,
        prefix: tuple[str, ...] = (),
    ) -> None:
        """Apply Discord's message rules; raise :class:`DiscordError` on the first failing family."""
        total = sum(f.size for f in files) + len(json.dumps(data))
        if total > self.max_request_bytes or any(f.size > size_limit for f in files):
            raise DiscordError(413, 40005, "Request entity too large")
        attachments = data.get("attachments")
        count = max(len(files), len(attachments) if isinstance(attachments, list) else 0)
        if count > self.max_attachments:
            raise too_many_attachments(self.too_many_attachments_code, self.max_attachments, prefix)
        validate_message(data).raise_if_any(prefix)
        if create and is_empty(data, has_files=bool(files)):
            raise DiscordError(400, 50006, "Cannot send an empty message")

    def _apply_edit(
        self,
        message: FakeMessage,
        data: JSON,
        files: list[UploadedFile],
        *,
        default_parse: tuple[str, ...],
        creating: bool = False,
        replied_author: int | None = None,
    ) -> None:
        """Apply a create/edit body to ``message`` (PATCH semantics: present keys replace).

        Nothing changes when the result breaks a rule (empty message, unknown or too many attachments).
        """
        content = (data["content"] or "") if "content" in data else message.content
        embeds = [normalise_embed(e) for e in data["embeds"] or []] if "embeds" in data else message.embeds
        components = list(data["components"] or []) if "components" in data else message.components
        attachments = self._attachments(message, data.get("attachments"), files)
        if len(attachments) > self.max_attachments:
            raise too_many_attachments(self.too_many_attachments_code, self.max_attachments, ())
        if not creating and is_empty(
            {"content": content, "embeds": embeds, "components": components}, has_files=bool(attachments)
        ):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        was_v2 = bool(message.flags & IS_COMPONENTS_V2) and not creating
        v2 = bool(int(data.get("flags") or 0) & IS_COMPONENTS_V2) if "flags" in data else was_v2
        if v2:
            components = self._check_v2(components, attachments, content, embeds)
        elif was_v2:
            # "Once a message has been sent with this flag, it can't be removed" (the code is ours).
            errors = FormErrors()
            errors.add(
                ("flags",),
                "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG",
                "Cannot remove the IS_COMPONENTS_V2 flag",
            )
            errors.raise_if_any()
        message.content, message.embeds, message.components = content, embeds, components
        message.attachments = attachments
        for attachment in attachments:
            self._cdn[attachment.id] = attachment
        if "allowed_mentions" in data:
            message.allowed_mentions = data["allowed_mentions"]
        if "flags" in data and not creating:
            # Only SUPPRESS_EMBEDS and IS_COMPONENTS_V2 can change on an existing message.
            mutable = SUPPRESS_EMBEDS | IS_COMPONENTS_V2
            message.flags = (message.flags & ~mutable) | (int(data["flags"] or 0) & mutable)
        if not creating:
            message.edited_timestamp = iso_now()
            message.edits += 1
        users, roles, everyone = resolve_mentions(
            text_of(message.content, message.components),
            data.get("allowed_mentions") if creating else message.allowed_mentions,
            default_parse,
            replied_author,
        )
        message.mention_user_ids, message.mention_role_ids, message.mention_everyone = users, roles, everyone

    def _check_v2(
        self,
        components: list[JSON],
        attachments: list[FakeAttachment],
        content: str,
        embeds: list[JSON],
    ) -> list[JSON]:
        """Apply the rules of the message a V2 create/edit results in; return its stored components.

        The *resulting* message counts (PATCH semantics): an edit that only adds the flag to a
        message with text, or only sends ``content`` to a V2 message, is refused like a body
        with both. A gallery, thumbnail or file shows an upload by ``attachment://<filename>``;
        a name that matches no attachment of the message is refused, and the stored
        component gets the attachment's CDN URL, as Discord serves it back.
        """
        errors = FormErrors()
        if content or embeds:
            legacy_fields_error(errors)
        validate_v2_components(components, errors)
        by_name = {a.filename: a for a in attachments}
        stored = copy.deepcopy(components)
        for path, media in media_references(stored):
            url = str(media.get("url") or "")
            if not url.startswith("attachment://"):
                continue
            attachment = by_name.get(url.removeprefix("attachment://"))
            if attachment is None:
                errors.add((*path, "url"), "ATTACHMENT_NOT_FOUND", "Unknown attachment")
                continue
            media.update(
                url=attachment.url,
                proxy_url=attachment.proxy_url,
                content_type=attachment.content_type,
                attachment_id=str(attachment.id),
                id=str(attachment.id),
            )
            if attachment.width is not None and attachment.height is not None:
                media.update(width=attachment.width, height=attachment.height)
        errors.raise_if_any()
        return stored

    def _attachments(
        self, message: FakeMessage, wanted: list[JSON] | None, files: list[UploadedFile]
    ) -> list[FakeAttachment]:
        uploads = {f.index: f for f in files}
        existing = {a.id: a for a in message.attachments}
        if wanted is None:
            # No attachments array: keep what is there and append the new files.
            news = [self._store_upload(message, f, None) for f in files]
            return [*message.attachments, *news]
        result: list[FakeAttachment] = []
        used: set[int] = set()
        for index, item in enumerate(wanted):
            ident = int(item["id"])
            if ident in existing:
                kept = existing[ident]
                if "description" in item:
                    kept.description = item["description"]
                result.append(kept)
            elif ident in uploads:
                used.add(ident)
                result.append(self._store_upload(message, uploads[ident], item))
            else:
                errors = FormErrors()
                errors.add(("attachments", index, "id"), "ATTACHMENT_NOT_FOUND", "Unknown attachment")
                errors.raise_if_any()
        result.extend(self._store_upload(message, f, None) for i, f in uploads.items() if i not in used)
        return result

    def _store_upload(self, message: FakeMessage, upload: UploadedFile, meta: JSON | None) -> FakeAttachment:
        filename = (meta or {}).get("filename") or upload.filename
        attachment = self._make_attachment(
            message.channel_id, filename, upload.data, None, (meta or {}).get("description"), size=upload.size
        )
        attachment.ephemeral = message.ephemeral
        return attachment

    def _make_attachment(
        self,
        channel_id: int,
        filename: str,
        data: bytes,
        content_type: str | None,
        description: str | None,
        *,
        size: int | None = None,
    ) -> FakeAttachment:
        attachment_id = self.world.snowflakes()
        sniffed, width, height = sniff_image(data)
        guessed = mimetypes.guess_type(filename)[0]
        path = f"/attachments/{channel_id}/{attachment_id}/{filename}"
        signature = f"?ex={int(time.time()) + 86400:x}&is={int(time.time()):x}&hm={attachment_id:x}&"
        return FakeAttachment(
            id=attachment_id,
            filename=filename,
            content_type=content_type or sniffed or guessed or "application/octet-stream",
            size=len(data) if size is None else size,
            data=data if self.keep_file_bytes else None,
            url=f"{self.base_url}/cdn{path}{signature}",
            proxy_url=f"{self.base_url}/media{path}{signature}",
            description=description,
            width=width,
            height=height,
            sha256=hashlib.sha256(data).hexdigest(),
        )
