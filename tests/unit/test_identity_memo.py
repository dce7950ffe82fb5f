"""``IdentityMemo`` finds values by the key object's identity, within its two-generation bound."""

from __future__ import annotations

from gateway.schema.memo import IdentityMemo


class Key:
    """Equal to every other key: only identity may match."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key)

    __hash__ = object.__hash__


def test_a_value_is_found_by_its_key_object_only() -> None:
    memo: IdentityMemo[Key, str] = IdentityMemo(4)
    first, twin = Key(), Key()
    memo.put(first, "first")
    assert memo.get(first) == "first"
    assert memo.get(twin) is None, "an equal object is another key"
    memo.put(first, "again")
    assert memo.get(first) == "again"


def test_keys_last_stored_or_found_stay_and_older_ones_go() -> None:
    memo: IdentityMemo[Key, int] = IdentityMemo(3)
    keys = [Key() for _ in range(7)]
    for n, key in enumerate(keys[:3]):
        memo.put(key, n)
    memo.put(keys[3], 3)  # the newer generation was full: keys 0-2 are now the older one
    assert memo.get(keys[0]) == 0  # found in the older generation: moves to the newer
    for n, key in enumerate(keys[4:], start=4):
        memo.put(key, n)  # fills the newer generation (3, 0, 4), then starts another (5, 6)
    assert len(memo) == 5
    assert memo.get(keys[1]) is None and memo.get(keys[2]) is None
    # Newest first: a find in the older generation moves the key, and may start a generation.
    assert [memo.get(keys[n]) for n in (6, 5, 4)] == [6, 5, 4]


def test_an_entry_keeps_its_key_alive_so_its_id_is_not_reused() -> None:
    memo: IdentityMemo[object, str] = IdentityMemo(2)
    memo.put(Key(), "gone from every other reference")
    fresh = [Key() for _ in range(100)]  # none of them can take the id the entry holds
    assert all(memo.get(key) is None for key in fresh)
