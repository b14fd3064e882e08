"""Decode base64 images out of a JSON body while it streams in.

Parsing a 32 MB image result with orjson touches about three copies of it (the body, the
parser's string pool, the Python strings) before a single image is decoded. Instead the body
is scanned as it arrives: the values of `b64_json` keys, and `data:` URL values of `url`
keys, are base64-decoded piece by piece straight from the received chunks and replaced by a
short placeholder; only the small remaining "skeleton" goes through orjson. Peak memory is
then about the decoded images themselves, and no single step blocks the event loop for more
than one chunk's worth of decoding.

The scanner follows JSON strings (quotes and backslash escapes), so key-like text inside a
prompt is never mistaken for a key. A `url` value that is not a data URL is handed back to
the skeleton untouched, for orjson to decode as usual.
"""

from __future__ import annotations

import binascii
from collections.abc import AsyncIterable

import pybase64

from bot.gateway.budget import ImageBudget, default_budget
from bot.gateway.errors import BadResponseError, ImageTooLargeError, InvalidImageError, JobTooLargeError
from bot.gateway.spool import ImageData, ImageWriter

BLOB_PREFIX = "\x00blob:"
"""A placeholder string value is BLOB_PREFIX + the index into `BlobExtractor.blobs`."""
DROPPED = "\x00dropped"
"""The placeholder of an image past `max_blobs`: skipped, never decoded."""

_WHITESPACE = frozenset(b" \t\r\n")
_QUOTE, _COLON, _BACKSLASH, _SLASH = 0x22, 0x3A, 0x5C, 0x2F
_OUT, _STR, _STR_ESC, _AFTER_KEY, _AFTER_COLON, _RAW, _RAW_ESC, _B64, _B64_ESC = range(9)
_DATA_HEADER_MAX = 256
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def blob_index(value: object) -> int | None:
    """The blob index of a placeholder value, None for any other value."""
    if isinstance(value, str) and value.startswith(BLOB_PREFIX):
        digits = value[len(BLOB_PREFIX) :]
        if digits.isdigit():
            return int(digits)
    return None


def _find_special(data: bytes | bytearray, pos: int, stop: int) -> int:
    """Index of the next quote or backslash in `data[pos:stop]`, -1 if none.

    Two memchr-speed `find`s beat a regex character class by an order of magnitude on
    megabytes of base64 (which contains neither).
    """
    quote = data.find(b'"', pos, stop)
    backslash = data.find(b"\\", pos, stop if quote < 0 else quote)
    return backslash if backslash >= 0 else quote


class BlobExtractor:
    """Incremental scanner: `feed` body chunks, then `finish()` for the skeleton JSON.

    Decoded images go to `ImageWriter`s: in RAM under the budget, else spooled to disk.

    Args:
        max_blob_bytes: Cap per decoded image, enforced while it streams in.
        max_skeleton_bytes: Cap on everything else in the body.
        budget: The process-wide image budget (default: the process default).
        max_blobs: Images kept at most; later ones are skipped undecoded (`dropped` counts them).
        max_total_bytes: Cap on all decoded images together (`JobTooLargeError` past it).
        contiguous: Decode each image into one reserved buffer (`ImageWriter`): for streamed
            replies, fed in many small pieces.
    """

    def __init__(
        self,
        *,
        max_blob_bytes: int,
        max_skeleton_bytes: int,
        budget: ImageBudget | None = None,
        max_blobs: int | None = None,
        max_total_bytes: int | None = None,
        contiguous: bool = False,
    ) -> None:
        self.blobs: list[ImageData] = []
        self.dropped = 0
        self._max_blob = max_blob_bytes
        self._max_skeleton = max_skeleton_bytes
        self._budget = budget or default_budget()
        self._max_blobs = max_blobs
        self._max_total = max_total_bytes
        self._total = 0  # decoded bytes of the finished images
        self._skeleton = bytearray()
        self._state = _OUT
        self._str_start = 0
        self._key = b""
        self._raw = bytearray()  # a `url` value not (yet) known to be a data URL
        self._plain = False  # the current `url` value is known not to be a data URL
        self._quad = bytearray()  # < 4 base64 characters carried to the next chunk
        self._writer = ImageWriter(self._budget, contiguous=contiguous)  # the image decoded so far
        self._decoded = 0
        self._seen = False  # the current base64 value is not empty
        self._skip = False  # the current base64 value is past `max_blobs`
        self._stop = 0  # where the chunk being fed ends

    def feed(self, data: bytes | bytearray, start: int = 0, stop: int | None = None) -> None:
        """Scan one chunk, or its part `data[start:stop]` (no copy is made of it).

        Raises:
            ImageTooLargeError: An image is over the cap.
            InvalidImageError: An image value is not valid base64 / a base64 data URL.
            BadResponseError: The rest of the body is over its cap.
        """
        pos = start
        size = self._stop = len(data) if stop is None else stop
        while pos < size:
            state = self._state
            if state == _OUT:
                quote = data.find(b'"', pos, size)
                end = size if quote < 0 else quote + 1
                self._emit(data, pos, end)
                if quote >= 0:
                    self._str_start, self._state = len(self._skeleton), _STR
                pos = end
            elif state == _STR:
                special = _find_special(data, pos, size)
                end = size if special < 0 else special + 1
                self._emit(data, pos, end)
                pos = end
                if special >= 0:
                    self._state = _STR_ESC if data[special] == _BACKSLASH else self._string_closed()
            elif state == _STR_ESC:
                self._emit(data, pos, pos + 1)
                pos += 1
                self._state = _STR
            elif state in (_AFTER_KEY, _AFTER_COLON):
                pos = self._between(data, pos, state)
            elif state in (_RAW, _RAW_ESC):
                pos = self._scan_raw(data, pos)
            else:
                pos = self._scan_b64(data, pos)

    def may_spool(self, more: int) -> bool:
        """Whether feeding `more` body bytes could write decoded image bytes to a spool file."""
        return self._writer.may_spool(more * 3 // 4 + 3)

    def finish(self) -> bytes:
        """The skeleton JSON (with placeholders); truncated input fails when it is parsed."""
        return bytes(self._skeleton)

    # --- skeleton ---------------------------------------------------------------------------

    def _emit(self, data: bytes | bytearray, start: int, end: int) -> None:
        self._skeleton += memoryview(data)[start:end]
        if len(self._skeleton) > self._max_skeleton:
            raise BadResponseError(f"response larger than {self._max_skeleton} bytes")

    def _string_closed(self) -> int:
        length = len(self._skeleton) - 1 - self._str_start
        if length in (3, 8):  # len(b"url"), len(b"b64_json")
            key = bytes(self._skeleton[self._str_start : self._str_start + length])
            if key in (b"url", b"b64_json"):
                self._key = key
                return _AFTER_KEY
        return _OUT

    def _between(self, data: bytes | bytearray, pos: int, state: int) -> int:
        """Whitespace and the colon between a candidate key and its value."""
        byte = data[pos]
        if byte in _WHITESPACE or (state == _AFTER_KEY and byte == _COLON):
            self._emit(data, pos, pos + 1)
            if byte == _COLON:
                self._state = _AFTER_COLON
            return pos + 1
        if state == _AFTER_COLON and byte == _QUOTE:
            self._emit(data, pos, pos + 1)
            if self._key == b"b64_json":
                self._start_b64()
            else:
                self._state = _RAW
            self._raw, self._plain, self._seen = bytearray(), False, False
            return pos + 1
        self._state = _OUT  # not `"key": "string"`: rescan this byte normally
        return pos

    def _placeholder(self, blob: ImageData) -> None:
        self.blobs.append(blob)
        self._skeleton += f"\\u0000blob:{len(self.blobs) - 1}".encode() + b'"'

    def _start_b64(self) -> None:
        self._state = _B64
        self._skip = self._max_blobs is not None and len(self.blobs) >= self._max_blobs

    # --- `url` values -----------------------------------------------------------------------

    def _scan_raw(self, data: bytes | bytearray, pos: int) -> int:
        """Collect a `url` value until it shows itself a data URL (then decode) or ends."""
        if self._state == _RAW_ESC:
            self._raw.append(data[pos])
            self._state = _RAW
            return pos + 1
        special = _find_special(data, pos, self._stop)
        end = self._stop if special < 0 else special
        if not self._plain:
            # Copy only the header: once its comma is seen, the payload is decoded in place.
            limit = min(end, pos + _DATA_HEADER_MAX + 1 - len(self._raw))
            comma = data.find(b",", pos, limit)
            stop = limit if comma < 0 else comma
            self._raw += memoryview(data)[pos:stop]
            if comma >= 0 and self._raw.startswith(b"data:"):
                if not self._raw.lower().endswith(b";base64"):
                    raise InvalidImageError("data URL is not base64-encoded")
                self._raw = bytearray()
                self._start_b64()
                return comma + 1
            if comma >= 0 or not b"data:".startswith(bytes(self._raw[:5])):
                self._plain = True
            elif len(self._raw) > _DATA_HEADER_MAX:
                raise InvalidImageError("data URL header is malformed")
            elif special >= 0 and stop == end:
                self._plain = True  # the value ends (or has an escape) inside the header
            if not self._plain:
                return stop
            pos = stop
        self._raw += memoryview(data)[pos:end]
        if len(self._raw) > self._max_skeleton:
            raise BadResponseError(f"response larger than {self._max_skeleton} bytes")
        if special < 0:
            return end
        if data[special] == _BACKSLASH:
            self._raw.append(_BACKSLASH)
            self._state = _RAW_ESC
            return end + 1
        self._emit(self._raw, 0, len(self._raw))  # an ordinary URL: back to the skeleton
        self._skeleton.append(_QUOTE)
        self._raw = bytearray()
        self._state = _OUT
        return end + 1

    # --- base64 values ----------------------------------------------------------------------

    def _scan_b64(self, data: bytes | bytearray, pos: int) -> int:
        if self._state == _B64_ESC:
            # JSON may escape "/" as "\/"; nothing else can appear in base64.
            if data[pos] != _SLASH:
                raise InvalidImageError("image data is not valid base64")
            if not self._skip:
                self._decode(b"/", 0, 1)
            self._state = _B64
            return pos + 1
        pos = self.feed_run(data, pos, self._stop)
        special = _find_special(data, pos, self._stop)
        end = self._stop if special < 0 else special
        if not self._skip:
            self._decode(data, pos, end)
        if special < 0:
            return end
        if data[special] == _BACKSLASH:
            self._state = _B64_ESC
            return end + 1
        self._state = _OUT
        if self._skip:  # an image past the cap: never decoded, never kept
            self.dropped += 1
            self._skeleton += b"\\u0000dropped" + b'"'
            return end + 1
        if self._quad:
            raise InvalidImageError("image data is not valid base64 (bad length)")
        if not self._seen:  # an empty value stays an empty string
            self._skeleton.append(_QUOTE)
            return end + 1
        self._total += self._decoded
        self._decoded = 0
        self._placeholder(self._writer.finish())
        return end + 1

    def _decode(self, data: bytes | bytearray, start: int, end: int) -> None:
        """Decode whole 4-character groups now, straight from `data`; carry the rest."""
        if start >= end:
            return
        self._seen = True
        if self._quad:  # complete the group carried over from the previous chunk
            take = min(4 - len(self._quad), end - start)
            self._quad += memoryview(data)[start : start + take]
            start += take
            if len(self._quad) < 4:
                return
            self._append(self._quad)
            self._quad = bytearray()
        whole = start + (end - start) // 4 * 4
        if whole > start:
            self._append(memoryview(data)[start:whole])
        self._quad += memoryview(data)[whole:end]

    def _append(self, group: bytes | bytearray | memoryview) -> None:
        if self._decoded + len(group) * 3 // 4 - 2 > self._max_blob:
            # Refuse while it streams in: an oversized image is never buffered whole.
            raise ImageTooLargeError(f"image larger than the {self._max_blob}-byte cap")
        try:
            piece = pybase64.b64decode(group, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidImageError("image data is not valid base64") from exc
        self._keep(piece)

    def _keep(self, piece: bytes) -> None:
        """Count a decoded piece against the caps, then hand it to the writer."""
        self._decoded += len(piece)
        if self._decoded > self._max_blob:
            raise ImageTooLargeError(f"image larger than the {self._max_blob}-byte cap")
        if self._max_total is not None and self._total + self._decoded > self._max_total:
            raise JobTooLargeError(f"images larger than the {self._max_total}-byte cap per job")
        self._writer.write(piece)

    def feed_run(self, data: bytes | bytearray, start: int, stop: int) -> int:
        """Decode the plain base64 that `data[start:stop]` begins with, if inside an image.

        Returns where that run ends: `start` when there is none (not inside an image's
        base64, or its next bytes are not plain base64). The run is decoded whole, validated
        as it goes; when validation fails (the value ends inside it, an escape, a stray
        byte) nothing of it is consumed and the scan of `feed` takes over, quote by quote.
        Plain base64 holds no quote, backslash or line end, so a caller looking for those
        (the SSE decoder, for the end of its line) need not scan what this consumed: a
        chunk in the middle of an image costs one decode instead of four scans and a
        decode per group boundary.
        """
        if self._state != _B64 or self._skip:
            return start
        pos = start
        if self._quad:  # first complete the group carried over from the previous chunk
            take = 4 - len(self._quad)
            if stop - pos < take:
                return start
            try:
                piece = pybase64.b64decode(bytes(self._quad) + data[pos : pos + take], validate=True)
            except (binascii.Error, ValueError):
                return start
            self._keep(piece)
            self._quad = bytearray()
            pos += take
        end = pos + (stop - pos) // 4 * 4
        if end > pos:
            try:
                piece = pybase64.b64decode(memoryview(data)[pos:end], validate=True)
            except (binascii.Error, ValueError):
                return pos
            self._keep(piece)
            pos = end
        if pos < stop and not data[pos:stop].translate(None, _BASE64_ALPHABET):
            self._quad += data[pos:stop]  # the < 4 characters left: carried to the next chunk
            pos = stop
        if pos > start:
            self._seen = True
        return pos

    def close(self) -> None:
        """Drop a half-decoded image (after an error); finished ones live on in `blobs`."""
        self._writer.abort()

    def discard(self) -> None:
        """Drop everything decoded so far (after an error), releasing memory and files now."""
        self._writer.abort()
        for blob in self.blobs:
            blob.close()
        self.blobs.clear()


_FEED_BATCH = 1024 * 1024  # body bytes handed to the extractor per worker-thread hop


async def feed_body(extractor: BlobExtractor, chunks: AsyncIterable[bytes], budget: ImageBudget) -> None:
    """Feed a whole body to `extractor`, decoding (and spooling) batches on the byte thread.

    On any failure the images decoded so far are discarded at once: a traceback keeps the
    caller's frame (and the extractor) alive until a garbage collection.
    """
    pending: list[bytes] = []
    size = 0
    try:
        async for chunk in chunks:
            pending.append(chunk)
            size += len(chunk)
            if size >= _FEED_BATCH:
                # Decoding and spooling a megabyte takes a millisecond or more: off the loop.
                # The chunks go as they are: the extractor carries state across them, so
                # joining them first would only copy the megabyte (on the loop).
                await budget.run_bytes(_feed_each, extractor, pending)
                pending, size = [], 0
        _feed_each(extractor, pending)
    except BaseException:
        extractor.discard()
        raise
    finally:
        extractor.close()


def _feed_each(extractor: BlobExtractor, chunks: list[bytes]) -> None:
    for chunk in chunks:
        extractor.feed(chunk)


def extract(
    data: bytes | bytearray,
    *,
    max_blob_bytes: int,
    budget: ImageBudget | None = None,
    max_blobs: int | None = None,
    max_total_bytes: int | None = None,
) -> tuple[bytes, list[ImageData], int]:
    """Scan a complete body (e.g. one SSE event) in one go: (skeleton, blobs, dropped)."""
    extractor = BlobExtractor(
        max_blob_bytes=max_blob_bytes,
        max_skeleton_bytes=len(data) + 64,
        budget=budget,
        max_blobs=max_blobs,
        max_total_bytes=max_total_bytes,
    )
    try:
        extractor.feed(data)
    except BaseException:
        extractor.discard()
        raise
    finally:
        extractor.close()
    return extractor.finish(), extractor.blobs, extractor.dropped
