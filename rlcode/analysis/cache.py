"""A bounded on-disk cache of JSON values keyed by content hash (one file per entry)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


class ContentCache:
    """``get``/``put`` by source text; the key also covers ``namespace`` (tool version and options).

    Entries are files ``<dir>/<sha256>.json`` written atomically, so parallel writers are safe.
    A hit refreshes the entry's mtime; beyond ``max_entries`` the least recently used are removed.
    """

    def __init__(self, directory: str | Path, namespace: str, max_entries: int = 50_000):
        self.dir = Path(directory)
        self.namespace = namespace
        self.max_entries = max_entries
        self.dir.mkdir(parents=True, exist_ok=True)

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.namespace}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, text: str) -> Any | None:
        path = self.dir / f"{self.key(text)}.json"
        try:
            with open(path, encoding="utf-8") as f:
                value = json.load(f)
        except (OSError, ValueError):
            return None  # absent, or torn by a crash: recompute
        try:
            os.utime(path)
        except OSError:
            pass
        return value

    def put(self, text: str, value: Any) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(value, f)
            os.replace(tmp, self.dir / f"{self.key(text)}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self) -> int:
        """Remove the least recently used entries beyond ``max_entries`` (down to 90%); return how many."""
        entries = []
        with os.scandir(self.dir) as it:
            for entry in it:
                if entry.name.endswith(".json") and not entry.name.startswith(".tmp-"):
                    try:
                        entries.append((entry.stat().st_mtime, entry.path))
                    except OSError:
                        continue
        if len(entries) <= self.max_entries:
            return 0
        entries.sort()
        # Down to 90% so a steady stream of new entries does not rescan the directory every batch.
        excess = len(entries) - int(self.max_entries * 0.9)
        for _, path in entries[:excess]:
            Path(path).unlink(missing_ok=True)
        return excess
