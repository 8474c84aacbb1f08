"""Hypothesis strategies for a function's arguments: from its signature and its tests' values.

Two sources, mixed: *fresh* values of each parameter's type (``Spec``) in the range the tests'
own values span (the sign kept: a parameter the tests only give non-negative values gets no
negative ones; strings from the characters the tests use), and *mutations* of the tests' own
argument tuples (EvalPlus's type-aware mutation: nearby integers, shuffled, shortened or longer
lists, strings with a character inserted, dropped, replaced or swapped). A value that breaks a
precondition the canonical solution enforces (it raises, or runs too long) is dropped later, when
the solution runs in the sandbox (``rlcode.augment.run``).
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings, strategies as st
from hypothesis.errors import HypothesisException

from rlcode.augment.signature import ANY, Param, Spec, matches

MAX_LIST = 24
MAX_TEXT = 48
_DEFAULT_ALPHABET = string.ascii_letters + string.digits + " "


@dataclass(frozen=True)
class PromptHints:
    """Preconditions the prompt's words state, used where the tests give no values to go by."""

    positive: bool = False
    non_negative: bool = False
    non_empty: bool = False
    # Integer constants of the solution, with their neighbours: where its boundaries are (``x >= 18``).
    boundaries: tuple[int, ...] = ()

    @classmethod
    def of(cls, prompt: str, solution: str = "") -> "PromptHints":
        text = prompt.lower()
        constants: set[int] = set()
        try:
            constants = {n.value for n in ast.walk(ast.parse(prompt + solution))
                         if isinstance(n, ast.Constant) and type(n.value) is int and abs(n.value) <= 10**6}
        except SyntaxError:
            pass
        return cls(positive=bool(re.search(r"\bpositive\b", text)),
                   non_negative=bool(re.search(r"non-?negative", text)),
                   non_empty=bool(re.search(r"non-?empty", text)),
                   boundaries=tuple(sorted({c + d for c in constants for d in (-1, 0, 1)})))


def _numbers(seeds: list[Any], types: tuple) -> list:
    return [v for v in seeds if type(v) in types]


def _int_range(seeds: list[Any], hints: PromptHints) -> tuple[int, int]:
    nums = _numbers(seeds, (int,))
    if not nums:
        lo = 1 if hints.positive else 0 if hints.non_negative else -20
        return lo, 50
    lo_s, hi_s = min(nums), max(nums)
    span = max(10, min(hi_s - lo_s, 10**6))
    lo = (0 if lo_s == 0 else 1) if lo_s >= 0 else lo_s - span
    return lo, hi_s + span


def _float_range(seeds: list[Any], hints: PromptHints) -> tuple[float, float]:
    nums = _numbers(seeds, (int, float))
    if not nums:
        return (0.0 if hints.positive or hints.non_negative else -50.0), 50.0
    lo_s, hi_s = float(min(nums)), float(max(nums))
    span = max(10.0, min(hi_s - lo_s, 1e6))
    return (0.0 if lo_s >= 0 else lo_s - span), hi_s + span


def _alphabet(seeds: list[Any]) -> str:
    chars = sorted({c for v in seeds if type(v) is str for c in v})
    return "".join(chars) or _DEFAULT_ALPHABET


def _max_len(seeds: list[Any], cap: int) -> int:
    sizes = [len(v) for v in seeds if isinstance(v, (str, list, tuple, dict))]
    return min(cap, (max(sizes) * 2 + 4) if sizes else 8)


def _elements(seeds: list[Any]) -> list[Any]:
    return [x for v in seeds if isinstance(v, (list, tuple)) for x in v]


def fresh(spec: Spec, seeds: list[Any], hints: PromptHints) -> st.SearchStrategy:
    """Values of type ``spec`` in the range ``seeds`` (the tests' values at this place) span."""
    kind = spec[0]
    if kind == "int":
        lo, hi = _int_range(seeds, hints)
        near = [b for b in hints.boundaries if lo <= b <= hi]
        return st.one_of(st.integers(lo, hi), st.sampled_from(near)) if near else st.integers(lo, hi)
    if kind == "float":
        lo, hi = _float_range(seeds, hints)
        # Round values: far-off digits only make a right answer differ from the canonical one by rounding.
        return st.one_of(st.integers(int(lo), int(hi)).map(float),
                         st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3)))
    if kind == "str":
        return st.text(st.sampled_from(_alphabet(seeds)), max_size=_max_len(seeds, MAX_TEXT))
    if kind == "bool":
        return st.booleans()
    if kind == "none":
        return st.none()
    if kind in ("list", "tuple*"):
        seq = [v for v in seeds if isinstance(v, (list, tuple))]
        min_size = 1 if (hints.non_empty and seq and all(seq)) else 0
        return st.lists(fresh(spec[1], _elements(seq), hints), min_size=min_size, max_size=_max_len(seq, MAX_LIST))
    if kind == "tuple":
        rows = [v for v in seeds if isinstance(v, (list, tuple)) and len(v) == len(spec[1])]
        return st.tuples(*[fresh(s, [r[i] for r in rows], hints) for i, s in enumerate(spec[1])]).map(list)
    if kind == "dict":
        dicts = [v for v in seeds if isinstance(v, dict)]
        keys = fresh(spec[1] if spec[1] != ANY else ("str",), [k for d in dicts for k in d], hints)
        return st.dictionaries(keys, fresh(spec[2], [x for d in dicts for x in d.values()], hints),
                               max_size=_max_len(dicts, 8))
    if kind == "union":
        return st.one_of(*[fresh(s, seeds, hints) for s in spec[1]])
    return st.one_of(st.integers(-20, 50), st.text(_DEFAULT_ALPHABET, max_size=8))


def mutate(value: Any, spec: Spec, seeds: list[Any], hints: PromptHints) -> st.SearchStrategy:
    """A small edit of one test value, of the same type and within the same sign."""
    if spec[0] == "union":  # the member this value is of
        spec = next((s for s in spec[1] if matches(value, s)), ANY)
    t = type(value)
    if t is int:
        lo, _hi = _int_range(seeds, hints)
        near = [value - 1, value + 1, value + 2, value - 2, value * 2, value // 2, value * 10, -value, 0, 1]
        return st.sampled_from(sorted({v for v in near if v >= min(lo, value)}))
    if t is float:
        near = [value - 1, value + 1, value * 2, value / 2, value + 0.5, round(value, 1), float(int(value))]
        return st.sampled_from([v for v in near if v >= 0 or value < 0])
    if t is str:
        return _mutate_text(value, _alphabet(seeds + [value]))
    if t is list and spec[0] == "tuple" and len(value) == len(spec[1]) and value:
        pos = st.integers(0, len(value) - 1)  # a fixed-length tuple: one element edited, the length kept
        return pos.flatmap(lambda i: mutate(value[i], spec[1][i], [value[i]], hints).map(
            lambda x: value[:i] + [x] + value[i + 1:]))
    if t is list:
        elem = spec[1] if spec[0] in ("list", "tuple*") else ANY
        return _mutate_list(value, elem, _elements(seeds) or value, hints)
    if t is dict and value:
        keys = list(value)
        return st.sampled_from(keys).map(lambda k: {x: y for x, y in value.items() if x != k})
    return st.just(value)


def _mutate_text(value: str, alphabet: str) -> st.SearchStrategy:
    chars = st.sampled_from(alphabet)
    edits = [st.just(value + value), st.just(value[::-1]), st.just(value[: len(value) // 2]),
             st.tuples(st.integers(0, len(value)), chars).map(lambda p: value[: p[0]] + p[1] + value[p[0]:])]
    if value:
        pos = st.integers(0, len(value) - 1)
        edits += [pos.map(lambda i: value[:i] + value[i + 1:]),
                  st.tuples(pos, chars).map(lambda p: value[: p[0]] + p[1] + value[p[0] + 1:]),
                  pos.map(lambda i: value[:i] + value[i + 1: i + 2] + value[i: i + 1] + value[i + 2:])]
    return st.one_of(*edits)


def _mutate_list(value: list, elem: Spec, elements: list[Any], hints: PromptHints) -> st.SearchStrategy:
    new = fresh(elem, elements, hints)
    edits = [st.permutations(value).map(list), st.just(value + value), st.just(value[::-1]),
             st.tuples(st.integers(0, len(value)), new).map(lambda p: value[: p[0]] + [p[1]] + value[p[0]:])]
    if value:
        pos = st.integers(0, len(value) - 1)
        edits += [pos.map(lambda i: value[:i] + value[i + 1:]),
                  pos.map(lambda i: value[: i + 1] + [value[i]] + value[i + 1:]),
                  pos.flatmap(lambda i: mutate(value[i], elem, elements, hints).map(
                      lambda x: value[:i] + [x] + value[i + 1:]))]
    return st.one_of(*edits)


def arguments(params: list[Param], seed_args: list[list[Any]], hints: PromptHints) -> st.SearchStrategy:
    """Argument lists for ``params``: mutated test arguments (one or more positions edited) or
    fresh values, about half each."""
    columns = [[args[i] for args in seed_args if len(args) == len(params)] for i in range(len(params))]
    fresh_args = st.tuples(*[fresh(p.spec, columns[i], hints) for i, p in enumerate(params)]).map(list)
    usable = [a for a in seed_args if len(a) == len(params)]
    if not usable:
        return fresh_args

    def edited(args: list) -> st.SearchStrategy:
        return st.tuples(*[st.one_of(st.just(a), mutate(a, p.spec, columns[i], hints))
                           for i, (a, p) in enumerate(zip(args, params))]).map(list)

    return st.one_of(st.sampled_from(usable).flatmap(edited), fresh_args)


def draw(strategy: st.SearchStrategy, n: int, seed: int) -> list[list[Any]]:
    """Up to ``n`` distinct examples of ``strategy``, the same ones for the same ``seed``
    (Hypothesis's own generation phase: small and boundary values first, then wider ones)."""
    out: list[list[Any]] = []
    seen: set[str] = set()

    @settings(max_examples=max(1, n), database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=False)
    @hypothesis_seed(seed)
    @given(strategy)
    def collect(args: list[Any]) -> None:
        key = repr(args)
        if key not in seen and len(out) < n:
            seen.add(key)
            out.append(args)

    try:
        collect()
    except HypothesisException:  # e.g. nothing could be drawn at all: no new inputs
        pass
    return out
