"""CI gates: ``--fail-under METRIC=THRESHOLD``, checked against an evaluation result.

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

    @property
    def name(self) -> str:
        return f"{self.metric}={self.threshold:g}"


def _known_in_block(name: str, ks: tuple[int, ...]) -> str | None:
    """Why ``name`` is not a metric of a block, or None when it is."""
    m = _PASS.match(name)
    if m:
        return None if int(m.group(1)) in ks else f"pass@{m.group(1)} is not computed (--k {','.join(map(str, ks))})"
    return None if name in _BLOCK else "unknown metric"


def parse_gates(specs: list[str] | None, ks: tuple[int, ...]) -> list[Gate]:
    """``METRIC=THRESHOLD`` strings as gates; UsageError (exit 2) for an unknown metric."""
    gates = []
    for spec in specs or []:
        metric, sep, value = spec.partition("=")
        metric = metric.strip()
        try:
            threshold = float(value)
        except ValueError:
            threshold = None
        if not sep or threshold is None:
            raise UsageError(f"--fail-under {spec!r}: expected METRIC=THRESHOLD",
                             hint="for example --fail-under pass@1=0.30")
        why = None
        if metric.startswith("repair."):
            why = None if metric[7:] in _REPAIR else "unknown repair metric"
        elif metric.startswith(("by_language.", "by_kind.")):
            parts = metric.split(".", 2)
            why = _known_in_block(parts[2], ks) if len(parts) == 3 and parts[1] else "expected by_language.LANG.METRIC"
        else:
            why = _known_in_block(metric, ks)
        if why:
            raise UsageError(f"--fail-under {spec!r}: {why}",
                             hint="metrics: pass@K (a K given to --k), " + ", ".join(_BLOCK)
                             + ", repair." + ", repair.".join(_REPAIR) + "; by_language.LANG.<metric>, by_kind.KIND.<metric>")
        gates.append(Gate(metric, threshold))
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
    """``{"gate", "value", "ok"}`` per gate (DESIGN.md): ok when the value is at least the threshold."""
    out = []
    for gate in gates:
        value = lookup(result, gate.metric)
        out.append({"gate": gate.name, "metric": gate.metric, "threshold": gate.threshold,
                    "value": value, "ok": value is not None and value >= gate.threshold})
    return out


def missed_lines(checked: list[dict[str, Any]]) -> list[str]:
    """One line per missed gate, for the CI log."""
    lines = []
    for g in checked:
        if not g["ok"]:
            got = "no value in this run" if g["value"] is None else f"{g['value']:.4f}"
            lines.append(f"gate missed: {g['metric']} = {got}, needs >= {g['threshold']:g}")
    return lines
