"""On-disk caches: scoring results and compiled artifacts, in one bounded SQLite file.

* results: an identical (language, toolchain, code, tests, limits) is served without running;
  ``sandbox_error`` and ``timeout`` are never cached (they depend on the machine's load);
* artifacts: the files a compile step produced for identical (language, toolchain, source);
* judges: HumanEval-layout checks compiled and recorded for a task (``judge/check.py``), so a
  later run on the same tasks does not build them again.

Both are bounded (entries and bytes, least recently used go first) and cleared by
``rlcode sandbox prune --cache``. Safe to share between threads of one process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = 2  # bump when what a cached result means, or how keys are made, changes

_TABLES = """
CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL, size INTEGER NOT NULL,
                                    used REAL NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts (key TEXT PRIMARY KEY, value TEXT NOT NULL, size INTEGER NOT NULL,
                                      used REAL NOT NULL);
CREATE TABLE IF NOT EXISTS judges (key TEXT PRIMARY KEY, value BLOB NOT NULL, size INTEGER NOT NULL,
                                   used REAL NOT NULL);
CREATE INDEX IF NOT EXISTS results_used ON results(used);
CREATE INDEX IF NOT EXISTS artifacts_used ON artifacts(used);
"""


def _feed(h, parts) -> None:
    """Each part, tagged by kind and length-prefixed (so no two sequences of parts collide):
    text as its UTF-8 (most parts are code and test source: escaping them as JSON first was
    most of the cost of a key), bytes as they are, anything else as canonical JSON."""
    for part in parts:
        if type(part) is str:
            tag, data = b"s", part.encode("utf-8", "surrogatepass")
        elif isinstance(part, bytes):
            tag, data = b"b", part
        else:
            tag, data = b"j", json.dumps(part, sort_keys=True, default=str).encode()
        h.update(tag + len(data).to_bytes(8, "big"))
        h.update(data)


def key_prefix(*parts: Any):
    """The hash state of a key's first parts: ``finish_key(key_prefix(*a), *b) == cache_key(*a, *b)``,
    for many keys that share their first parts (every candidate of a task)."""
    h = hashlib.sha256()
    _feed(h, (SCHEMA, *parts))
    return h


def extend_prefix(prefix, *parts: Any):
    """``key_prefix(*a, *b)`` from ``key_prefix(*a)``: a prefix shared by prefixes (a language's)."""
    h = prefix.copy()
    _feed(h, parts)
    return h


def finish_key(prefix, *parts: Any) -> str:
    h = prefix.copy()
    _feed(h, parts)
    return h.hexdigest()


def cache_key(*parts: Any) -> str:
    return key_prefix(*parts).hexdigest()


class Cache:
    def __init__(self, path: str | Path, max_entries: int = 200_000, max_bytes: int = 2 << 30):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_TABLES)
        self._writes = 0
        # Entries ``put`` but not yet written: one transaction per FLUSH_EVERY of them instead of
        # one commit each (``flush``; ``close`` writes the rest). Reads see them.
        self._pending: dict[tuple[str, str], str | bytes] = {}

    FLUSH_EVERY = 64

    def get(self, table: str, key: str) -> Any | None:
        with self._lock:
            text = self._pending.get((table, key))
            if text is None:
                row = self._db.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()  # noqa: S608
                if row is None:
                    return None
                self._db.execute(f"UPDATE {table} SET used = ? WHERE key = ?", (time.time(), key))  # noqa: S608
                text = row[0]
        return json.loads(text)

    def get_many(self, table: str, keys: list[str]) -> dict[str, Any]:
        """The entries of ``keys`` that exist, in a few queries instead of one per key."""
        found: dict[str, str] = {}
        with self._lock:
            for key in keys:
                text = self._pending.get((table, key))
                if text is not None:
                    found[key] = text
            rest = [k for k in dict.fromkeys(keys) if k not in found]
            stored = []
            for start in range(0, len(rest), 500):
                chunk = rest[start:start + 500]
                stored += self._db.execute(f"SELECT key, value FROM {table} WHERE key IN "  # noqa: S608
                                           f"({','.join('?' * len(chunk))})", chunk).fetchall()
            if stored:
                now = time.time()
                with self._transaction():
                    self._db.executemany(f"UPDATE {table} SET used = ? WHERE key = ?",  # noqa: S608
                                         [(now, k) for k, _ in stored])
            found.update(stored)
        return {k: json.loads(v) for k, v in found.items()}

    def put(self, table: str, key: str, value: Any) -> None:
        self._hold(table, key, json.dumps(value, separators=(",", ":")))

    def _hold(self, table: str, key: str, value: str | bytes) -> None:
        with self._lock:
            self._pending[(table, key)] = value
            if len(self._pending) >= self.FLUSH_EVERY:
                self._flush()

    @contextlib.contextmanager
    def _transaction(self):
        """One commit for several statements (the connection otherwise commits each one)."""
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def flush(self) -> None:
        """Write what ``put`` holds, in one transaction."""
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        now, tables = time.time(), {}
        for (table, key), value in self._pending.items():  # str (JSON) or bytes (a BLOB)
            tables.setdefault(table, []).append((key, value, len(value), now))
        with self._transaction():
            for table, rows in tables.items():
                self._db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?)", rows)  # noqa: S608
        self._pending.clear()
        for table, rows in tables.items():
            before, self._writes = self._writes, self._writes + len(rows)
            if before // 500 != self._writes // 500:
                self._evict(table)

    def get_bytes(self, table: str, key: str) -> bytes | None:
        """A binary entry (``judges``: compiled checks, which depend on the task alone)."""
        with self._lock:
            held = self._pending.get((table, key))
            if held is not None:
                return held
            row = self._db.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()  # noqa: S608
        return bytes(row[0]) if row is not None else None

    def put_bytes(self, table: str, key: str, value: bytes) -> None:
        """Held and written with the other entries (``flush``): a commit per judge had cost the
        judge builder about 40 ms of a first HumanEval run (164 judges)."""
        self._hold(table, key, bytes(value))

    def _evict(self, table: str) -> None:
        count, size = self._db.execute(f"SELECT COUNT(*), COALESCE(SUM(size), 0) FROM {table}").fetchone()  # noqa: S608
        if count <= self.max_entries and size <= self.max_bytes:
            return
        keep = max(1, min(self.max_entries, int(count * self.max_bytes / max(size, 1))) * 9 // 10)
        self._db.execute(f"DELETE FROM {table} WHERE key IN (SELECT key FROM {table} "  # noqa: S608
                         f"ORDER BY used DESC LIMIT -1 OFFSET ?)", (keep,))

    def stats(self) -> dict[str, dict[str, int]]:
        with self._lock:
            self._flush()
            return {t: dict(zip(("entries", "bytes"), self._db.execute(
                f"SELECT COUNT(*), COALESCE(SUM(size), 0) FROM {t}").fetchone()))  # noqa: S608
                for t in ("results", "artifacts")}

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._db.execute("DELETE FROM results")
            self._db.execute("DELETE FROM artifacts")
            self._db.execute("DELETE FROM judges")
            self._db.execute("VACUUM")

    def close(self) -> None:
        with self._lock:
            self._flush()
            self._db.close()
