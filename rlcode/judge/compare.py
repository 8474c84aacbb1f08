"""Output comparison on the trusted side: I/O checkers and fn_tests equality."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mismatch:
    line: int  # 1-based line of the first difference (0 when not line-based)
    expected: str
    got: str

    def describe(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}expected {self.expected!r}, got {self.got!r}"


def _clip(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _first_line_diff(expected: str, got: str, same) -> Mismatch | None:
    exp_lines, got_lines = expected.splitlines(), got.splitlines()
    for i in range(max(len(exp_lines), len(got_lines))):
        e = exp_lines[i] if i < len(exp_lines) else "<end of output>"
        g = got_lines[i] if i < len(got_lines) else "<end of output>"
        if not same(e, g):
            return Mismatch(i + 1, _clip(e), _clip(g))
    return None


def _floats_close(a: str, b: str, eps: float) -> bool:
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= eps or abs(x - y) <= eps * max(abs(x), abs(y))


def compare_output(checker: str, expected: str, got: str) -> Mismatch | None:
    """None when ``got`` is accepted; otherwise the first differing line."""
    if checker == "exact":
        if expected == got:
            return None
        return _first_line_diff(expected, got, lambda e, g: e == g) or Mismatch(0, _clip(repr(expected[-40:])), _clip(repr(got[-40:])))
    if checker == "tokens":
        if expected.split() == got.split():
            return None
        return _first_line_diff(expected.rstrip(), got.rstrip(), lambda e, g: e.split() == g.split()) or Mismatch(
            0, _clip(" ".join(expected.split())), _clip(" ".join(got.split())))
    if checker.startswith("float:"):
        eps = float(checker[6:])
        e_tok, g_tok = expected.split(), got.split()
        if len(e_tok) == len(g_tok) and all(_floats_close(a, b, eps) for a, b in zip(e_tok, g_tok)):
            return None

        def same(e: str, g: str) -> bool:
            et, gt = e.split(), g.split()
            return len(et) == len(gt) and all(_floats_close(a, b, eps) for a, b in zip(et, gt))

        return _first_line_diff(expected, got, same) or Mismatch(0, _clip(expected), _clip(got))
    raise ValueError(f"unknown checker {checker!r}")


def to_json_shape(value: Any) -> Any:
    """Tuples become lists, sets sorted lists: the shape JSON ``expected`` values have."""
    if isinstance(value, (list, tuple)):
        return [to_json_shape(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((to_json_shape(v) for v in value), key=repr)
    if isinstance(value, dict):
        return {str(k): to_json_shape(v) for k, v in value.items()}
    return value


def values_equal(expected: Any, got: Any, eps: float = 1e-6) -> bool:
    """Equality for fn_tests: exact types from JSON, floats within ``eps`` (relative or absolute)."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        if isinstance(expected, int) and isinstance(got, int):
            return expected == got
        if math.isnan(expected) or math.isnan(got):
            return math.isnan(expected) and math.isnan(got)
        return abs(expected - got) <= eps or abs(expected - got) <= eps * max(abs(expected), abs(got))
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(values_equal(e, g, eps) for e, g in zip(expected, got))
    if isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(values_equal(expected[k], got[k], eps) for k in expected)
    return type(expected) is type(got) and expected == got
