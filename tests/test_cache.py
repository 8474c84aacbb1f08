"""The on-disk cache's write batching: entries are held and written in one transaction per batch,
read back before they are written, and never lost on close."""

import sqlite3

from rlcode.cache import Cache


def _stored(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]


def test_puts_are_written_in_batches_and_read_before_they_are(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = Cache(path)
    for i in range(3):
        cache.put("results", f"k{i}", {"i": i})
    assert _stored(path) == 0  # held, not yet written
    assert cache.get("results", "k1") == {"i": 1}
    assert cache.get_many("results", ["k0", "k2", "missing"]) == {"k0": {"i": 0}, "k2": {"i": 2}}
    cache.flush()
    assert _stored(path) == 3
    for i in range(Cache.FLUSH_EVERY):  # a full batch writes itself
        cache.put("results", f"b{i}", i)
    assert _stored(path) == 3 + Cache.FLUSH_EVERY
    cache.put("results", "last", "x")
    cache.close()  # writes the rest
    assert _stored(path) == 4 + Cache.FLUSH_EVERY

    again = Cache(path)
    assert again.get_many("results", ["k0", "last", "b5", "nope"]) == {"k0": {"i": 0}, "last": "x", "b5": 5}
    again.put("results", "pending", 1)
    again.clear()  # what was held goes too
    assert again.get("results", "pending") is None and again.get_many("results", ["k0"]) == {}
    again.close()
    assert _stored(path) == 0


def test_binary_entries_are_held_with_the_rest_and_kept_as_bytes(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = Cache(path)
    blob = bytes(range(256)) * 4  # not text: must come back byte for byte
    cache.put_bytes("judges", "j1", blob)
    cache.put("results", "r1", {"v": 1})
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM judges").fetchone()[0] == 0  # held, not yet written
    assert cache.get_bytes("judges", "j1") == blob
    cache.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT typeof(value) FROM judges WHERE key = 'j1'").fetchone()[0] == "blob"
    again = Cache(path)
    assert again.get_bytes("judges", "j1") == blob and again.get("results", "r1") == {"v": 1}
    assert again.get_bytes("judges", "missing") is None
    again.close()
