"""Feedback in and out: DESIGN.md event JSONL, Label Studio and Argilla exports in; events JSONL
and TRL preference datasets (``prompt``, ``chosen``, ``rejected``, ``margin``) out.

Imports are all-or-nothing (one transaction) and resumable: a file already imported (same
bytes) is recognised by its hash and skipped, so re-running an import never doubles events.

Label Studio (its JSON export: a list of tasks, or JSONL of them): ``data`` carries ``task_id``
and ``candidate_id`` (or ``candidate_a``/``candidate_b`` for a pairwise task) and the ``code``;
each annotation's ``result`` entries become events: ``choices`` pass/fail (or accept/reject)
-> judgement (implicit), ``rating`` -> rating (dimension = ``from_name``), ``pairwise``
(``selected`` left/right) or ``choices`` a/b/tie -> preference, ``labels`` over the code ->
annotation (character offsets become lines), ``textarea`` -> comment. The rater is the
annotator's email, else ``labelstudio:<id>``.

Argilla (records exported as JSON/JSONL, nested ``responses`` or ``to_list(flatten=True)``):
``fields`` and ``metadata`` carry the ids; each submitted response to a question becomes an event
as above by its value (pass/fail, 1-5 -> rating named after the question, a/b/tie, text ->
comment); the rater is the response's ``user_id``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator

from rlcode.errors import InputError, UsageError
from rlcode.feedback.events import FeedbackEvent, now_iso, parse_event
from rlcode.feedback.store import FeedbackStore

FORMATS = ("jsonl", "label-studio", "argilla")


def _objects(path: Path) -> Iterator[tuple[int, Any]]:
    """(line or index, object) from a JSON array/object file or JSONL."""
    from rlcode.jsonl import read_jsonl

    text = path.read_text(encoding="utf-8") if path.suffix != ".gz" else None
    if text is not None and text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), exc.lineno, None, f"invalid JSON: {exc.msg}") from None
        for n, obj in enumerate(data, 1):
            yield n, obj
        return
    yield from read_jsonl(path)


def detect_format(path: Path) -> str:
    for _, obj in _objects(path):
        if not isinstance(obj, dict):
            break
        if "kind" in obj:
            return "jsonl"
        if "annotations" in obj or ("data" in obj and "id" in obj):
            return "label-studio"
        if "responses" in obj or "fields" in obj or any(k.endswith(".responses") for k in obj):
            return "argilla"
        break
    raise InputError(str(path), 1, None, "cannot tell the format (DESIGN.md events, Label Studio or Argilla)",
                     hint="name it with --format jsonl|label-studio|argilla")


def _ids(file: str, n: int, source: dict) -> dict:
    out = {}
    for key in ("task_id", "candidate_id", "candidate_a", "candidate_b"):
        if source.get(key) is not None:
            out[key] = str(source[key])
    if "task_id" not in out:
        raise InputError(file, n, "task_id", "the record's data/fields/metadata name no task_id")
    return out


def _value_event(file: str, n: int, ids: dict, rater: str, name: str, value: Any, time: str | None) -> dict | None:
    """One event object for a question ``name`` answered with ``value`` (None: not feedback)."""
    base = {"task_id": ids["task_id"], "rater": rater, "time": time}
    pair = "candidate_a" in ids and "candidate_b" in ids
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        low = value.strip().lower()
        if pair and low in ("a", "b", "tie", "left", "right"):
            return {**base, "kind": "preference", "candidate_a": ids["candidate_a"], "candidate_b": ids["candidate_b"],
                    "value": {"left": "a", "right": "b"}.get(low, low)}
        if low in ("pass", "fail", "correct", "incorrect"):
            return {**base, "kind": "judgement", "candidate_id": ids.get("candidate_id"),
                    "value": "pass" if low in ("pass", "correct") else "fail"}
        if low in ("accept", "reject"):
            return {**base, "kind": "implicit", "candidate_id": ids.get("candidate_id"), "value": low}
        if value.strip():
            return {**base, "kind": "comment", "candidate_id": ids.get("candidate_id"), "text": value}
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {**base, "kind": "rating", "candidate_id": ids.get("candidate_id"), "dimension": name, "value": value}
    return None


def _offset_lines(code: str, start: int, end: int) -> list[int]:
    first = code.count("\n", 0, max(0, start)) + 1
    last = code.count("\n", 0, max(start, end - 1)) + 1
    return [first, max(first, last)]


def _label_studio(file: str, n: int, task: dict) -> list[dict]:
    if not isinstance(task, dict):
        raise InputError(file, n, None, "expected a Label Studio task object")
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    ids = _ids(file, n, data)
    code = data.get("code") if isinstance(data.get("code"), str) else ""
    out = []
    for ann in task.get("annotations") or []:
        if not isinstance(ann, dict) or ann.get("was_cancelled"):
            continue
        who = ann.get("completed_by")
        rater = (who.get("email") or f"labelstudio:{who.get('id')}") if isinstance(who, dict) else f"labelstudio:{who}"
        time = ann.get("created_at") if isinstance(ann.get("created_at"), str) else None
        for res in ann.get("result") or []:
            kind, name, value = res.get("type"), res.get("from_name", ""), res.get("value") or {}
            event = None
            if kind == "choices":
                event = _value_event(file, n, ids, rater, name, value.get("choices"), time)
            elif kind == "rating":
                event = _value_event(file, n, ids, rater, name, value.get("rating"), time)
            elif kind == "textarea":
                text = "\n".join(value.get("text") or [])
                event = _value_event(file, n, ids, rater, name, text, time)
            elif kind == "pairwise":
                event = _value_event(file, n, ids, rater, name, value.get("selected"), time)
            elif kind == "labels":
                labels = value.get("labels") or []
                start, end = value.get("start"), value.get("end")
                if not labels or not isinstance(start, int) or not isinstance(end, int):
                    raise InputError(file, n, "result.value", "a labels result needs labels, start and end")
                event = {"task_id": ids["task_id"], "candidate_id": ids.get("candidate_id"), "rater": rater,
                         "time": time, "kind": "annotation", "lines": _offset_lines(code, start, end),
                         "label": labels[0]}
            if event is not None:
                out.append(event)
    return out


def _argilla(file: str, n: int, rec: dict) -> list[dict]:
    if not isinstance(rec, dict):
        raise InputError(file, n, None, "expected an Argilla record object")
    source: dict = {}
    for part in ("fields", "metadata"):
        if isinstance(rec.get(part), dict):
            source.update(rec[part])
    source.update({k: v for k, v in rec.items() if k in ("task_id", "candidate_id", "candidate_a", "candidate_b")})
    ids = _ids(file, n, source)
    answers: list[tuple[str, Any, str]] = []
    responses = rec.get("responses")
    if isinstance(responses, dict):
        for question, given in responses.items():
            for r in given or []:
                if isinstance(r, dict) and r.get("status", "submitted") == "submitted":
                    answers.append((question, r.get("value"), str(r.get("user_id"))))
    for key, values in rec.items():  # flattened: "q.responses" with "q.responses.users" (and .status)
        if key.endswith(".responses") and isinstance(values, list):
            q = key[: -len(".responses")]
            users = rec.get(f"{key}.users") or [None] * len(values)
            status = rec.get(f"{key}.status") or ["submitted"] * len(values)
            for v, u, s in zip(values, users, status):
                if s == "submitted":
                    answers.append((q, v, str(u)))
    out = []
    for question, value, user in answers:
        event = _value_event(file, n, ids, f"argilla:{user}" if user != "None" else "argilla", question, value, None)
        if event is not None:
            out.append(event)
    return out


def read_events(path: str | Path, fmt: str | None = None) -> list[FeedbackEvent]:
    """Every event of a file, validated (InputError names the file, line/record and field)."""
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), None, None, "no such file")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    stamp = now_iso()
    out: list[FeedbackEvent] = []
    for n, obj in _objects(path):
        if fmt == "jsonl":
            objs = [obj]
        elif fmt == "label-studio":
            objs = _label_studio(str(path), n, obj)
        else:
            objs = _argilla(str(path), n, obj)
        for o in objs:
            o = {k: v for k, v in o.items() if v is not None}
            event = parse_event(str(path), n, o)
            event.time = event.time or stamp
            out.append(event)
    return out


def import_file(store: FeedbackStore, path: str | Path, fmt: str | None = None) -> tuple[int, bool]:
    """(events written, whether the file was new). A file imported before is skipped."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).exists() else ""
    if digest and store.get_meta(f"import:{digest}"):
        return 0, False
    events = read_events(path, fmt)
    mark = json.dumps({"file": str(path), "events": len(events), "time": now_iso()})
    store.add_events(events, source=str(path), meta={f"import:{digest}": mark})  # one transaction
    return len(events), True


def export_events(store: FeedbackStore) -> list[dict]:
    return [e.to_json() for e in store.events()]


def preference_rows(store: FeedbackStore, threshold: float | None = None) -> list[dict]:
    """TRL preference rows: one per consensus pair with a winner (``margin`` = |2 P(a>b) - 1|, from
    Bradley-Terry over the raters' reliability-weighted votes), plus each latest correction as
    ``chosen`` over the candidate it corrects (margin 1: an expert rewrote it)."""
    from rlcode.feedback.aggregate import DEFAULT_THRESHOLD, aggregate
    from rlcode.feedback.events import latest

    events = store.events()
    agg = aggregate(events, threshold if threshold is not None else DEFAULT_THRESHOLD)
    items = {(i.task_id, i.candidate_id): i for i in store.items()}
    rows = []
    for pair in agg.pairs:
        if pair.winner is None or not pair.decided:  # only ties: no human said which is better
            continue
        loser = pair.b if pair.winner == pair.a else pair.a
        win, lose = items.get((pair.task_id, pair.winner)), items.get((pair.task_id, loser))
        if win is None or lose is None:  # candidates not loaded as items: no code to export
            continue
        rows.append({"prompt": win.prompt, "chosen": win.code, "rejected": lose.code,
                     "margin": round(pair.margin, 6), "task_id": pair.task_id, "chosen_id": pair.winner,
                     "rejected_id": loser, "source": "preference"})
    for e in latest(events):
        if e.kind == "correction" and e.item in items and e.code != items[e.item].code:
            it = items[e.item]
            rows.append({"prompt": it.prompt, "chosen": e.code, "rejected": it.code, "margin": 1.0,
                         "task_id": it.task_id, "chosen_id": f"{it.candidate_id}+correction:{e.id}",
                         "rejected_id": it.candidate_id, "source": "correction"})
    return rows


def save_hf_dataset(rows: list[dict], directory: str | Path) -> None:
    from datasets import Dataset, Features, Value

    features = Features({"prompt": Value("string"), "chosen": Value("string"), "rejected": Value("string"),
                         "margin": Value("float64"), "task_id": Value("string"), "chosen_id": Value("string"),
                         "rejected_id": Value("string"), "source": Value("string")})
    Dataset.from_list(rows, features=features).save_to_disk(str(directory))
