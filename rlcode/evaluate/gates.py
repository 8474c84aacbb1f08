"""CI gates: ``--fail-under METRIC=THRESHOLD`` (the metric must reach the threshold) and
``--fail-over METRIC=THRESHOLD`` (it must not exceed it: regression rate, change size, time ratio),
checked against an evaluation result.

A metric is a name in ``metrics`` (``pass@1``, ``compile_rate``, ``mean_reward``), a dotted path
into it (``components.static``, ``efficiency.time_ratio``), a repair figure (``repair.fix_rate``),
or any of those for one language or kind (``by_language.python.pass@1``, ``by_kind.io.pass@1``).
A gate naming no such metric is a usage error (exit 2), found before anything runs; a known
metric without a value in this run (no repair tasks, no Go rows) misses its gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rlcode.errors import UsageError

_BLOCK = ("compile_rate", "mean_reward", "components.runtime", "components.static", "components.human",
          "efficiency.time_ratio", "efficiency.memory_ratio")
_REPAIR = ("fix_rate", "regression_rate", "precision", "recall", "mean_changed_lines")
_PASS = re.compile(r"pass@(\d+)$")


@dataclass(frozen=True)
class Gate:
    metric: str
    threshold: float
    op: str = ">="  # --fail-under: value >= threshold; --fail-over: value <= threshold

    @property
    def name(self) -> str:
        return f"{self.metric}={self.threshold:g}" if self.op == ">=" else f"{self.metric}<={self.threshold:g}"

    def met(self, value: float | None) -> bool:
        return value is not None and (value >= self.threshold if self.op == ">=" else value <= self.threshold)


def _known_in_block(name: str, ks: tuple[int, ...]) -> str | None:
    """Why ``name`` is not a metric of a block, or None when it is."""
    m = _PASS.match(name)
    if m:
        return None if int(m.group(1)) in ks else f"pass@{m.group(1)} is not computed (--k {','.join(map(str, ks))})"
    return None if name in _BLOCK else "unknown metric"


def parse_gates(specs: list[str] | None, ks: tuple[int, ...], flag: str = "--fail-under") -> list[Gate]:
    """``METRIC=THRESHOLD`` strings as gates; UsageError (exit 2) for an unknown metric. ``flag`` is
    ``--fail-under`` (the value must be at least the threshold) or ``--fail-over`` (at most)."""
    op = ">=" if flag == "--fail-under" else "<="
    gates = []
    for spec in specs or []:
        metric, sep, value = spec.partition("=")
        metric = metric.strip()
        try:
            threshold = float(value)
        except ValueError:
            threshold = None
        if not sep or threshold is None:
            raise UsageError(f"{flag} {spec!r}: expected METRIC=THRESHOLD",
                             hint="for example --fail-under pass@1=0.30 or --fail-over repair.regression_rate=0.1")
        why = None
        if metric.startswith("repair."):
            why = None if metric[7:] in _REPAIR else "unknown repair metric"
        elif metric.startswith(("by_language.", "by_kind.")):
            parts = metric.split(".", 2)
            why = _known_in_block(parts[2], ks) if len(parts) == 3 and parts[1] else "expected by_language.LANG.METRIC"
        else:
            why = _known_in_block(metric, ks)
        if why:
            raise UsageError(f"{flag} {spec!r}: {why}",
                             hint="metrics: pass@K (a K given to --k), " + ", ".join(_BLOCK)
                             + ", repair." + ", repair.".join(_REPAIR) + "; by_language.LANG.<metric>, by_kind.KIND.<metric>")
        gates.append(Gate(metric, threshold, op))
    return gates


def lookup(result: dict[str, Any], metric: str) -> float | None:
    if metric.startswith("repair."):
        node: Any = result.get("repair") or {}
        path = [metric[7:]]
    elif metric.startswith(("by_language.", "by_kind.")):
        section, key, rest = metric.split(".", 2)
        node = (result.get(section) or {}).get(key) or {}
        path = rest.split(".") if not _PASS.match(rest) else [rest]
    else:
        node = result.get("metrics") or {}
        path = metric.split(".") if not _PASS.match(metric) else [metric]
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def check_gates(result: dict[str, Any], gates: list[Gate]) -> list[dict[str, Any]]:
    """``{"gate", "value", "ok"}`` per gate (DESIGN.md): ok when the value is on the right side of the
    threshold (``op``: ``>=`` for --fail-under, ``<=`` for --fail-over)."""
    out = []
    for gate in gates:
        value = lookup(result, gate.metric)
        out.append({"gate": gate.name, "metric": gate.metric, "threshold": gate.threshold, "op": gate.op,
                    "value": value, "ok": gate.met(value)})
    return out


def missed_lines(checked: list[dict[str, Any]]) -> list[str]:
    """One line per missed gate, for the CI log."""
    lines = []
    for g in checked:
        if not g["ok"]:
            got = "no value in this run" if g["value"] is None else f"{g['value']:.4f}"
            lines.append(f"gate missed: {g['metric']} = {got}, needs {g.get('op', '>=')} {g['threshold']:g}")
    return lines


def symbol(gate: dict[str, Any]) -> str:
    """The gate's comparison for a report: ≥ (--fail-under) or ≤ (--fail-over)."""
    return "≤" if gate.get("op") == "<=" else "≥"
