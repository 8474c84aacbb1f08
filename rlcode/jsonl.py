"""JSONL in and out: line-numbered errors on input, resumable append-only output."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path
from typing import Any, Iterator

from rlcode.errors import InputError


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for every non-blank line; bad lines raise InputError."""
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), None, None, "no such file")
    try:
        with _open_text(path) as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(str(path), lineno, None, f"malformed JSON ({exc.msg} at column {exc.colno})") from None
                if not isinstance(obj, dict):
                    raise InputError(str(path), lineno, None, f"expected a JSON object, got {type(obj).__name__}")
                yield lineno, obj
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(str(path), None, None, f"cannot read: {exc}") from None


def recover_output(path: str | Path, key_fields: tuple[str, ...]) -> tuple[list[dict], set[tuple]]:
    """Read what an earlier run wrote to ``path``; cut a torn last line so appends stay valid.

    Returns the rows and the set of their keys. A torn line is one without its newline (the
    process died mid-write); it is dropped, never a complete row."""
    path = Path(path)
    rows: list[dict] = []
    keys: set[tuple] = set()
    if not path.exists():
        return rows, keys
    data = path.read_bytes()
    good_end = data.rfind(b"\n") + 1
    if good_end < len(data):
        with open(path, "r+b") as f:
            f.truncate(good_end)
    for lineno, line in enumerate(data[:good_end].splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), lineno, None, f"existing output is not valid JSONL ({exc.msg})",
                             hint="move the file away or pass another --out") from None
        rows.append(row)
        keys.add(tuple(str(row.get(k)) for k in key_fields))
    return rows, keys


def write_text_atomic(path: str | Path, text: str) -> None:
    """Replaces ``path`` with ``text`` in one step (a temporary file beside it, then a rename): a
    reader or an interrupt sees the old contents or the new, never half of them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


class JsonlAppender:
    """Appends whole lines and flushes each, so an interrupt never leaves half a row."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "a", encoding="utf-8")

    def write(self, obj: dict) -> None:
        self._f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self._f.flush()

    def close(self) -> None:
        if not self._f.closed:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()

    def __enter__(self) -> "JsonlAppender":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
