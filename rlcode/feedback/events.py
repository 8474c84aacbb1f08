"""Feedback events (DESIGN.md "Feedback events"): one typed record per human (or logged) signal.

Events are append-only: an edit is a new event for the same key (``event_key``); the latest one
counts (``latest``), earlier ones stay as its history (``version`` numbers them, 1 = first).
``parse_event`` validates one JSON object and names the file, line and field at fault."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from rlcode.errors import InputError

KINDS = ("judgement", "rating", "preference", "annotation", "correction", "comment", "implicit")
RUBRIC = ("correctness", "efficiency", "readability", "conventions")
ROLES = ("annotator", "expert", "admin")

_VALUES = {"judgement": ("pass", "fail"), "preference": ("a", "b", "tie"), "implicit": ("accept", "reject")}
_JSON_FIELDS = ("task_id", "candidate_id", "candidate_a", "candidate_b", "rater", "kind", "value", "dimension",
                "lines", "label", "comment", "code", "text", "time", "gold")


@dataclass
class FeedbackEvent:
    task_id: str
    rater: str
    kind: str
    candidate_id: str | None = None      # None for preference
    candidate_a: str | None = None       # preference only
    candidate_b: str | None = None
    value: str | int | None = None       # judgement pass/fail, rating 1-5, preference a/b/tie, implicit accept/reject
    dimension: str | None = None         # rating
    lines: list[int] | None = None       # annotation [first, last]
    label: str | None = None
    comment: str | None = None
    code: str | None = None              # correction
    text: str | None = None              # comment
    time: str | None = None              # ISO 8601
    gold: bool = False
    id: int | None = None                # store id once written
    version: int | None = None           # (addition) 1 for a key's first event, 2 for its first edit, ...

    def to_json(self) -> dict:
        """The DESIGN.md layout; None fields (and ``gold: false``) left out."""
        out: dict[str, Any] = {}
        for name in _JSON_FIELDS:
            value = getattr(self, name)
            if value is None or (name == "gold" and not value):
                continue
            out[name] = list(value) if name == "lines" else value
        return out

    @property
    def item(self) -> tuple[str, str] | None:
        """(task_id, candidate_id) for the kinds about one candidate."""
        return (self.task_id, self.candidate_id) if self.candidate_id is not None else None


def event_key(e: FeedbackEvent) -> tuple:
    """Events with one key are versions of one judgement: a later one replaces an earlier one."""
    if e.kind == "preference":
        a, b = sorted((str(e.candidate_a), str(e.candidate_b)))
        return (e.rater, e.kind, e.task_id, a, b, bool(e.gold))
    if e.kind == "rating":
        return (e.rater, e.kind, e.task_id, e.candidate_id, e.dimension, bool(e.gold))
    if e.kind == "annotation":
        return (e.rater, e.kind, e.task_id, e.candidate_id, tuple(e.lines or ()), e.label, bool(e.gold))
    if e.kind in ("comment", "correction"):  # every comment and correction stands on its own
        return (e.rater, e.kind, e.task_id, e.candidate_id, e.id)
    return (e.rater, e.kind, e.task_id, e.candidate_id, bool(e.gold))


def number_versions(events: list[FeedbackEvent]) -> list[FeedbackEvent]:
    """Sets ``version`` on events in store order (by id)."""
    seen: dict[tuple, int] = {}
    for e in events:
        k = event_key(e)
        seen[k] = seen.get(k, 0) + 1
        e.version = seen[k]
    return events


def latest(events: Iterable[FeedbackEvent]) -> list[FeedbackEvent]:
    """The last version of each key, in store order (events without ids keep their given order)."""
    last: dict[tuple, FeedbackEvent] = {}
    for e in events:
        last[event_key(e)] = e
    return list(last.values())


def _oriented_preference(e: FeedbackEvent) -> tuple[str, str, str]:
    """(first, second, value) with the pair sorted, so a/b swapped events share a key and a meaning."""
    a, b, v = str(e.candidate_a), str(e.candidate_b), str(e.value)
    if a <= b:
        return a, b, v
    return b, a, {"a": "b", "b": "a"}.get(v, v)


def _ident(file: str, line: int, obj: dict, name: str, required: bool) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise InputError(file, line, name, "required")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(file, line, name, f"expected a string, got {type(value).__name__}")
    value = str(value)
    if not value.strip():
        raise InputError(file, line, name, "empty")
    return value


def _string(file: str, line: int, obj: dict, name: str, required: bool = False, empty_ok: bool = False) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise InputError(file, line, name, "required")
        return None
    if not isinstance(value, str):
        raise InputError(file, line, name, f"expected a string, got {type(value).__name__}")
    if not empty_ok and not value.strip():
        raise InputError(file, line, name, "empty")
    return value


def _check_time(file: str, line: int, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(file, line, "time", f"expected an ISO 8601 string, got {type(value).__name__}")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(file, line, "time", f"not ISO 8601: {value!r}") from None
    return value


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_event(file: str, line: int, obj: dict) -> FeedbackEvent:
    """One DESIGN.md event object, validated; raises ``InputError(file, line, field, reason)``."""
    if not isinstance(obj, dict):
        raise InputError(file, line, None, f"expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(_JSON_FIELDS))
    if unknown:
        raise InputError(file, line, unknown[0], f"unknown field (known: {', '.join(_JSON_FIELDS)})")
    kind = _string(file, line, obj, "kind", required=True)
    if kind not in KINDS:
        raise InputError(file, line, "kind", f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    task_id = _ident(file, line, obj, "task_id", True)
    rater = _string(file, line, obj, "rater", required=True)
    gold = obj.get("gold", False)
    if not isinstance(gold, bool):
        raise InputError(file, line, "gold", f"expected true or false, got {gold!r}")
    e = FeedbackEvent(task_id=task_id, rater=rater.strip(), kind=kind, gold=gold,
                      time=_check_time(file, line, obj.get("time")))

    allowed = {"task_id", "rater", "kind", "time", "gold"}
    if kind == "preference":
        allowed |= {"candidate_a", "candidate_b", "value"}
        e.candidate_a = _ident(file, line, obj, "candidate_a", True)
        e.candidate_b = _ident(file, line, obj, "candidate_b", True)
        if e.candidate_a == e.candidate_b:
            raise InputError(file, line, "candidate_b", "a preference needs two different candidates")
    else:
        allowed.add("candidate_id")
        e.candidate_id = _ident(file, line, obj, "candidate_id", kind != "comment")

    if kind in _VALUES:
        allowed.add("value")
        value = obj.get("value")
        if value not in _VALUES[kind]:
            raise InputError(file, line, "value", f"{kind}: expected one of {', '.join(_VALUES[kind])}, got {value!r}")
        e.value = value
    elif kind == "rating":
        allowed |= {"value", "dimension"}
        value = obj.get("value")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InputError(file, line, "value", f"rating: expected an integer 1-5, got {value!r}")
        e.value = value
        e.dimension = _string(file, line, obj, "dimension", required=True).strip()
    elif kind == "annotation":
        allowed |= {"lines", "label", "comment"}
        lines = obj.get("lines")
        if (not isinstance(lines, list) or len(lines) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in lines)):
            raise InputError(file, line, "lines", f"expected [first, last] (1-based line numbers), got {lines!r}")
        if lines[0] < 1 or lines[1] < lines[0]:
            raise InputError(file, line, "lines", f"need 1 <= first <= last, got {lines!r}")
        e.lines = [int(lines[0]), int(lines[1])]
        e.label = _string(file, line, obj, "label", required=True)
        e.comment = _string(file, line, obj, "comment", empty_ok=True)
    elif kind == "correction":
        allowed.add("code")
        e.code = _string(file, line, obj, "code", required=True)
    elif kind == "comment":
        allowed.add("text")
        e.text = _string(file, line, obj, "text", required=True)
    extra = sorted(k for k in set(obj) - allowed if obj[k] is not None)
    if extra:
        raise InputError(file, line, extra[0], f"not a field of a {kind} event")
    return e


def validate(event: FeedbackEvent, where: str = "event") -> FeedbackEvent:
    """Checks an event built in code (the web app, the review) the way ``parse_event`` checks JSON."""
    obj = {k: v for k, v in event.to_json().items()}
    parsed = parse_event(where, 0, obj)
    parsed.id, parsed.version = event.id, event.version
    return parsed

