"""Global ids: round trips, and every edited or foreign id refused."""

from __future__ import annotations

import pytest

from adapters.model import Source
from gateway.ids import InvalidId, decode_id, encode_id


@pytest.mark.parametrize(("scope", "native"), [("", "42"), ("1506805", "job_20260313_5bdaac21"), ("a:b/c", "x:y%z")])
def test_round_trip(scope: str, native: str) -> None:
    gid = decode_id(encode_id("Job", Source.WORDLIFT, scope, native))
    assert (gid.type_name, gid.source, gid.key.scope, gid.key.native_id) == ("Job", Source.WORDLIFT, scope, native)


def test_edited_ids_are_refused() -> None:
    good = encode_id("Job", Source.SCALE, "", "12345")
    for bad in (good[:-3] + "!!", good + "=", good.lower(), good[1:], "", "x" * 2000):
        with pytest.raises(InvalidId):
            decode_id(bad)


def test_type_mismatch_is_named() -> None:
    job = encode_id("Job", Source.LEIA, "app", "abc")
    with pytest.raises(InvalidId, match="is a Job, not a JobType"):
        decode_id(job, "JobType")
