"""The streaming base64 extractor: same result as a full parse, at every chunk boundary."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pybase64
import pytest

from bot.gateway._extract import BlobExtractor, blob_index, extract
from bot.gateway.errors import BadResponseError, ImageTooLargeError, InvalidImageError, JobTooLargeError
from tests.fakes.ai_gateway import make_jpeg, make_png

PNG, JPEG = make_png(120, seed=1), make_jpeg(0, seed=2)
B64_PNG, B64_JPEG = pybase64.b64encode(PNG).decode(), pybase64.b64encode(JPEG).decode()
SLASHED = B64_JPEG.replace("/", "\\/")  # some JSON encoders escape "/"
assert SLASHED != B64_JPEG

BODY = (
    '{"created": 1, "data": [\n'
    '  {"b64_json" : "' + B64_PNG + '", "revised_prompt": "say \\"b64_json\\": \\"x\\" \\\\"},\n'
    '  {"revised_prompt": "b64_json", "b64_json":"' + SLASHED + '"},\n'
    '  {"url": "data:image/jpeg;base64,' + B64_JPEG + '"},\n'
    '  {"url": "https:\\/\\/cdn.example.test\\/a.png", "note": "url"},\n'
    '  {"url": "https://cdn.example.test/b.png"},\n'
    '  {"b64_json": null, "url": "d"},\n'
    '  {"nested": {"b64_json": "' + B64_PNG + '"}, "b64_json": "", "url": "dat"}\n'
    '], "usage": {"url": 5}}'
).encode()


def reference(value: Any, key: str | None = None) -> Any:
    """What the extractor must produce: the full parse, with images decoded in place."""
    if isinstance(value, dict):
        return {k: reference(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [reference(v) for v in value]
    if isinstance(value, str) and value and key == "b64_json":
        return pybase64.b64decode(value, validate=True)
    if isinstance(value, str) and key == "url" and value.startswith("data:") and ";base64," in value:
        return pybase64.b64decode(value.split(",", 1)[1], validate=True)
    return value


def resolved(skeleton: bytes, blobs: list[bytes]) -> Any:
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        index = blob_index(value)
        return blobs[index] if index is not None else value

    return walk(orjson.loads(skeleton))


def run(chunks: list[bytes], **caps: int) -> tuple[bytes, list[bytes]]:
    extractor = BlobExtractor(**{"max_blob_bytes": 10**6, "max_skeleton_bytes": 10**6, **caps})
    for chunk in chunks:
        extractor.feed(chunk)
    return extractor.finish(), [blob.read() for blob in extractor.blobs]


EXPECTED = reference(orjson.loads(BODY))


def test_whole_body() -> None:
    skeleton, blobs = run([BODY])
    assert resolved(skeleton, blobs) == EXPECTED
    assert blobs == [PNG, JPEG, JPEG, PNG]
    assert len(skeleton) < 500  # the images (over 2 KB of base64) are not in it


def test_every_split_position() -> None:
    failures = [
        position
        for position in range(1, len(BODY))
        if resolved(*run([BODY[:position], BODY[position:]])) != EXPECTED
    ]
    assert failures == []


def test_one_byte_chunks() -> None:
    assert resolved(*run([BODY[i : i + 1] for i in range(len(BODY))])) == EXPECTED


@pytest.mark.parametrize("seed", range(20))
def test_random_chunking(seed: int) -> None:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(BODY)), 12))
    chunks = [BODY[a:b] for a, b in zip([0, *cuts], [*cuts, len(BODY)], strict=True)]
    assert resolved(*run(chunks)) == EXPECTED


def test_one_shot_helper() -> None:
    skeleton, blobs, dropped = extract(bytearray(BODY), max_blob_bytes=10**6)
    assert resolved(skeleton, [blob.read() for blob in blobs]) == EXPECTED
    assert dropped == 0


def test_non_json_passes_through_for_the_parser_to_reject() -> None:
    skeleton, blobs = run([b"<html>502 Bad Gateway</html>"])
    assert (skeleton, blobs) == (b"<html>502 Bad Gateway</html>", [])


@pytest.mark.parametrize(
    "value",
    ["!!!!", "aGVsbG8", "aGVs bG8=", "aGVs\\nbG8=", "aGVsbG8=aGVs", "aGVs\\u0062G8="],
)
def test_invalid_base64_is_refused(value: str) -> None:
    with pytest.raises(InvalidImageError):
        run([b'{"data": [{"b64_json": "' + value.encode() + b'"}]}'])


def test_data_url_must_be_base64() -> None:
    with pytest.raises(InvalidImageError):
        run([b'{"url": "data:image/png;utf8,abcd"}'])
    with pytest.raises(InvalidImageError):
        run([b'{"url": "data:image/png' + b"x" * 300 + b';base64,AAAA"}'])


def test_image_cap_trips_while_streaming() -> None:
    extractor = BlobExtractor(max_blob_bytes=1000, max_skeleton_bytes=10**6)
    extractor.feed(b'{"data": [{"b64_json": "' + b"QUJD" * 200)  # 600 bytes so far: fine
    with pytest.raises(ImageTooLargeError):
        extractor.feed(b"QUJD" * 200)  # no closing quote yet: refused before the end


def test_image_of_exactly_the_cap_is_accepted() -> None:
    data = make_png(999)
    _, blobs = run([b'{"b64_json": "' + pybase64.b64encode(data) + b'"}'], max_blob_bytes=999)
    assert blobs == [data]


def test_skeleton_cap() -> None:
    with pytest.raises(BadResponseError):
        run([b'{"revised_prompt": "' + b"x" * 2000 + b'"}'], max_skeleton_bytes=1000)
    with pytest.raises(BadResponseError):
        run([b'{"url": "https://' + b"x" * 2000 + b'"}'], max_skeleton_bytes=1000)


def test_images_past_max_blobs_are_skipped_undecoded() -> None:
    body = (
        b'{"data": [{"b64_json": "' + B64_PNG.encode() + b'"}, {"b64_json": "' + B64_JPEG.encode() + b'"},'
        b' {"b64_json": "!!not even base64!!"}, {"url": "data:image/png;base64,' + B64_PNG.encode() + b'"}]}'
    )
    extractor = BlobExtractor(max_blob_bytes=10**6, max_skeleton_bytes=10**6, max_blobs=2)
    for start in range(0, len(body), 7):  # odd chunk boundaries
        extractor.feed(body[start : start + 7])
    assert [blob.read() for blob in extractor.blobs] == [PNG, JPEG]
    assert extractor.dropped == 2
    items = orjson.loads(extractor.finish())["data"]
    assert [blob_index(item.get("b64_json", item.get("url"))) for item in items] == [0, 1, None, None]


def test_images_together_over_the_job_cap_fail_while_streaming_in() -> None:
    body = b'{"data": [{"b64_json": "' + B64_PNG.encode() + b'"}, {"b64_json": "' + B64_PNG.encode() + b'"}]}'
    extractor = BlobExtractor(max_blob_bytes=10**6, max_skeleton_bytes=10**6, max_total_bytes=len(PNG) + 10)
    with pytest.raises(JobTooLargeError):
        extractor.feed(body)
    assert len(extractor.blobs) == 1


def test_feed_run_takes_nothing_outside_an_image() -> None:
    extractor = BlobExtractor(max_blob_bytes=10**6, max_skeleton_bytes=10**6)
    assert extractor.feed_run(b"QUJD", 0, 4) == 0  # before any value: not base64 yet
    extractor.feed(b'{"note": "')
    assert extractor.feed_run(b"QUJD", 0, 4) == 0  # a string, but not an image's


def test_feed_run_takes_plain_base64_and_carries_the_odd_tail() -> None:
    extractor = BlobExtractor(max_blob_bytes=10**6, max_skeleton_bytes=10**6)
    extractor.feed(b'{"b64_json": "')
    encoded = B64_PNG.encode()
    head, middle, tail = encoded[:5], encoded[5:50], encoded[50:]
    assert extractor.feed_run(head, 0, len(head)) == len(head)  # 4 decoded, 1 carried
    assert extractor.feed_run(b"xx" + middle, 2, 2 + len(middle)) == 2 + len(middle)  # from `start`
    # The end of the value (a quote) is not plain base64: the run stops short of it.
    rest = tail + b'"}'
    taken = extractor.feed_run(rest, 0, len(rest))
    assert len(tail) - 4 < taken <= len(tail)
    extractor.feed(rest, taken)
    skeleton, blobs = extractor.finish(), [blob.read() for blob in extractor.blobs]
    assert blobs == [PNG]
    assert blob_index(orjson.loads(skeleton)["b64_json"]) == 0


@pytest.mark.parametrize("run", [b"QQ==QUJD", b"QUJ\\/", b"QUJD\nQUJD", b"QU*D"])
def test_feed_run_declines_what_is_not_plain_base64(run: bytes) -> None:
    extractor = BlobExtractor(max_blob_bytes=10**6, max_skeleton_bytes=10**6)
    extractor.feed(b'{"b64_json": "')
    assert extractor.feed_run(run, 0, len(run)) == 0


def test_feed_run_keeps_the_image_cap() -> None:
    extractor = BlobExtractor(max_blob_bytes=1000, max_skeleton_bytes=10**6)
    extractor.feed(b'{"b64_json": "')
    extractor.feed_run(b"QUJD" * 300, 0, 1200)  # 900 bytes: fine
    with pytest.raises(ImageTooLargeError):
        extractor.feed_run(b"QUJD" * 100, 0, 400)
