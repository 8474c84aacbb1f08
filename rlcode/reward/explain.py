"""How one scored row's reward was computed, as lines a person can check by hand."""

from __future__ import annotations

from pathlib import Path

from rlcode.errors import InputError
from rlcode.jsonl import read_jsonl


def find_rows(out: str | Path, selector: str) -> list[dict]:
    """Rows of ``out`` for ``TASK_ID`` or ``TASK_ID/CANDIDATE_ID`` (task ids may contain '/')."""
    rows = [row for _, row in read_jsonl(out)]
    exact = [r for r in rows if f"{r.get('task_id')}/{r.get('candidate_id')}" == selector]
    found = exact or [r for r in rows if str(r.get("task_id")) == selector]
    if not found:
        raise InputError(str(out), None, None, f"no scored row for {selector!r}",
                         hint="give TASK_ID or TASK_ID/CANDIDATE_ID as written in the scored file")
    return found


def explain(row: dict) -> list[str]:
    comp = row.get("components") or {}
    weights = comp.get("weights") or {}
    lines = [f"{row.get('task_id')}/{row.get('candidate_id')}: verdict {row.get('verdict')}, "
             f"tests {row.get('tests_passed')}/{row.get('tests_total')}"]
    if row.get("reward") is None:
        reason = "sandbox_error: an infrastructure failure is never scored" if row.get("verdict") == "sandbox_error" \
            else "no component with a positive weight was present"
        return lines + [f"reward: None ({reason})"]
    terms = []
    for name in ("runtime", "static", "human"):
        value = comp.get(name)
        w = weights.get(name)
        if value is None:
            lines.append(f"  {name:8} absent (not counted; the other weights renormalise)")
            continue
        used = 0.0 if name == "static" and comp.get("static_gated") else value
        note = " (counts as 0: the static term needs a passing program)" if used != value else ""
        if w is None:
            lines.append(f"  {name:8} {value:.4f}  weight 0 (not counted)")
        else:
            lines.append(f"  {name:8} {value:.4f}  x weight {w:.4f}{note}")
            terms.append(f"{w:.4f} x {used:.4f}")
    lines.append(f"reward = {' + '.join(terms)} = {row['reward']:.4f}")
    if comp.get("human_source") == "feedback":
        lines.append(f"  human from raters: {', '.join(comp.get('human_raters') or []) or '(gold only)'}")
    elif comp.get("human_source") == "predicted":
        lines.append("  human predicted by the reward model (no human looked at this candidate)")
    details = row.get("details") or {}
    static = details.get("static") or {}
    for f in (static.get("findings") or [])[:8]:
        lines.append(f"  finding line {f.get('line')}: [{f.get('severity')}] {f.get('tool')} {f.get('code')}: "
                     f"{f.get('message')}")
    for f in (details.get("failures") or [])[:5]:
        lines.append(f"  failure: {f}")
    if details.get("first_failure"):
        lines.append(f"  first failure: {details['first_failure']}")
    return lines
