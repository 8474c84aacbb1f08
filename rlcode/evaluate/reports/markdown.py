"""A Markdown summary of an evaluation, short enough for a pull-request comment."""

from __future__ import annotations

from typing import Any

from rlcode.evaluate.gates import symbol

MAX_FAILING = 20


def fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def ci(block: dict, k: int) -> str:
    low_high = block.get(f"pass@{k}_ci")
    return f"[{low_high[0]:.3f}, {low_high[1]:.3f}]" if low_high else "–"


def _breakdown(title: str, blocks: dict[str, dict], ks: list[int]) -> list[str]:
    head = "| " + title + " | tasks | " + " | ".join(f"pass@{k}" for k in ks) + " | compile rate | mean reward |"
    lines = [head, "|" + "---|" * (4 + len(ks))]
    for name, block in blocks.items():
        cells = [f"{fmt(block.get(f'pass@{k}'), 3)} {ci(block, k)}" for k in ks]
        lines.append(f"| {name} | {block['tasks']} | " + " | ".join(cells)
                     + f" | {fmt(block.get('compile_rate'), 3)} | {fmt(block.get('mean_reward'), 3)} |")
    return lines


def render_markdown(result: dict) -> str:
    m, ks = result["metrics"], result.get("k") or [1]
    gates = result.get("gates") or []
    status = "" if not gates else (" ✅ all gates met" if all(g["ok"] for g in gates) else " ❌ gates missed")
    conf = int(round(result.get("confidence", 0.95) * 100))
    lines = [f"## rlcode eval{status}", "",
             f"{m['tasks']} tasks, {m['candidates']} candidates ({result.get('source', {}).get('tasks', '')}); "
             f"intervals: {conf}% bootstrap over tasks.", "",
             "| metric | value |", "|---|---|"]
    for k in ks:
        lines.append(f"| pass@{k} | {fmt(m.get(f'pass@{k}'))} {ci(m, k)} |")
    lines.append(f"| compile rate | {fmt(m.get('compile_rate'))} |")
    lines.append(f"| mean reward | {fmt(m.get('mean_reward'))} |")
    for name, value in (m.get("components") or {}).items():
        lines.append(f"| reward: {name} | {fmt(value)} |")
    eff = m.get("efficiency")
    if eff:
        lines.append(f"| time / canonical | {fmt(eff.get('time_ratio'), 3)} |")
        lines.append(f"| memory / canonical | {fmt(eff.get('memory_ratio'), 3)} |")
    verdicts = ", ".join(f"{v} {n}" for v, n in m["verdicts"].items() if n)
    lines += ["", f"**Verdicts:** {verdicts or 'none'}"]
    if gates:
        lines += ["", "| gate | value | |", "|---|---|---|"]
        lines += [f"| {g['metric']} {symbol(g)} {g['threshold']:g} | {fmt(g['value'])} | {'✅' if g['ok'] else '❌'} |"
                  for g in gates]
    if len(result.get("by_language") or {}) > 1:
        lines += [""] + _breakdown("language", result["by_language"], ks)
    if len(result.get("by_kind") or {}) > 1:
        lines += [""] + _breakdown("kind", result["by_kind"], ks)
    repair = result.get("repair")
    if repair:
        lines += ["", "**Repair:** " + ", ".join(f"{k.replace('_', ' ')} {fmt(repair.get(k), 3)}" for k in
                                                 ("fix_rate", "regression_rate", "precision", "recall",
                                                  "mean_changed_lines"))]
    failing = [t for t in result["tasks"] if t["n"] and t["passed"] < t["n"]]
    if failing:
        lines += ["", f"<details><summary>{len(failing)} tasks not solved by every sample</summary>", "",
                  "| task | language | passed | first failure |", "|---|---|---|---|"]
        for t in failing[:MAX_FAILING]:
            ff = t.get("first_failure") or {}
            why = (f"{ff.get('verdict')}: {ff.get('test') or ''}").replace("|", "\\|").replace("\n", " ")[:160]
            lines.append(f"| `{t['task_id']}` | {t['language']} | {t['passed']}/{t['n']} | {why} |")
        if len(failing) > MAX_FAILING:
            lines.append(f"| … {len(failing) - MAX_FAILING} more | | | |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
