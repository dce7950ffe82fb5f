"""Cursors: opaque (AES-GCM), bound to their filter, stable under one secret, refused clearly otherwise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from gateway.cursor import EXHAUSTED, CursorCodec, CursorState, InvalidCursor, fingerprint

# What a merged ``jobs`` page over every source carries (see gateway/reads.py's stream names).
POSITIONS: dict[str, str | None] = {
    "AMPERITY": "2026-11-02T12:00:02.000Z|2026-11-02T11:59:40.000Z|isj-20261102-17703-IglOPW",
    "LEIA": "o2",
    "PHYLODB/2b27d6d5-7298-40e2-b3f8-674ccd1b0815": None,
    "PHYLODB/77aeac3f-d908-42cd-a00d-b99096c7719d": EXHAUSTED,
    "SCALE": "15",
    "WORDLIFT/1046038": "0\x1f|1",
    "WORDLIFT/2397716": None,
}
FP = fingerprint("jobs", (None, "filter"))


def _old_format(secret: bytes, positions: dict[str, str | None], fp: str) -> str:
    """The HMAC-signed base64 JSON cursor this gateway issued before."""
    payload = json.dumps(positions, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(secret, payload + b"|" + fp.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")


def test_round_trip_keeps_every_position() -> None:
    codec = CursorCodec(b"s3cret")
    state = codec.decode(codec.encode(CursorState(POSITIONS), FP), FP)
    # "Not started" is what an absent stream means to the merge, so it is not carried.
    assert dict(state.positions) == {k: v for k, v in POSITIONS.items() if v is not None}
    assert state.positions["PHYLODB/77aeac3f-d908-42cd-a00d-b99096c7719d"] == EXHAUSTED


def test_cursor_is_opaque_and_compact() -> None:
    codec = CursorCodec(b"s3cret")
    cursor = codec.encode(CursorState(POSITIONS), FP)
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for telling in (b"2b27d6d5", b"PHYLODB", b"WORDLIFT", b"1046038", b"isj-2026"):
        assert telling not in raw
    # Encryption adds 22 bytes over the signed JSON; leaving out streams not started and
    # deflating more than pay for them (398 characters before, 262 now).
    assert len(cursor) < 0.7 * len(_old_format(b"s3cret", POSITIONS, FP)), len(cursor)
    single = codec.encode(CursorState({"LEIA": "o10"}), FP)
    assert len(single) <= 72, len(single)


def test_same_state_twice_gives_different_cursors() -> None:
    codec = CursorCodec(b"s3cret")
    # A fresh nonce each time: equal positions are not recognisable from outside.
    assert codec.encode(CursorState(POSITIONS), FP) != codec.encode(CursorState(POSITIONS), FP)


def test_valid_across_restarts_with_the_same_secret() -> None:
    cursor = CursorCodec(b"configured").encode(CursorState({"SCALE": "40"}), FP)
    assert CursorCodec(b"configured").decode(cursor, FP).positions == {"SCALE": "40"}


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(CursorCodec(b"other deployment").encode(CursorState({"SCALE": "40"}), FP), id="other-key"),
        pytest.param(_old_format(b"s3cret", {"SCALE": "40"}, FP), id="old-format-same-secret"),
    ],
)
def test_foreign_or_old_cursor_is_expired(cursor: str) -> None:
    with pytest.raises(InvalidCursor, match=r"^cursor expired or issued by another deployment"):
        CursorCodec(b"s3cret").decode(cursor, FP)


def test_altered_cursor_fails_authentication() -> None:
    codec = CursorCodec(b"s3cret")
    cursor = codec.encode(CursorState({"SCALE": "40"}), FP)
    middle = len(cursor) // 2
    flipped = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]
    for bad in (flipped, cursor[:-3]):
        with pytest.raises(InvalidCursor, match="expired or issued by another deployment"):
            codec.decode(bad, FP)


@pytest.mark.parametrize("garbled", ["", "not-a-cursor", "%%%", "A" * 9000, "AAAA"])
def test_garbled_cursor_is_malformed(garbled: str) -> None:
    with pytest.raises(InvalidCursor, match=r"^malformed cursor"):
        CursorCodec(b"s3cret").decode(garbled, FP)


def test_cursor_is_bound_to_its_connection_and_filter() -> None:
    codec = CursorCodec(b"s3cret")
    cursor = codec.encode(CursorState({"SCALE": "40"}), FP)
    with pytest.raises(InvalidCursor, match="another connection or filter"):
        codec.decode(cursor, fingerprint("jobs", (frozenset({"SCALE"}), "filter")))
