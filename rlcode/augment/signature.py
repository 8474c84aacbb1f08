"""A function's parameter types, from its type hints and from the values its tests pass.

A type is a small tree of tuples (``Spec``): ``("int",)``, ``("float",)``, ``("str",)``,
``("bool",)``, ``("none",)``, ``("list", T)``, ``("tuple", (T, ...))`` (fixed length),
``("tuple*", T)`` (``Tuple[T, ...]``), ``("dict", K, V)``, ``("union", (T, ...))`` (``Optional[T]``
is a union with ``none``) and ``("any",)`` where neither the hint nor the tests say more.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

Spec = tuple

ANY: Spec = ("any",)
_NAMES = {"int": ("int",), "float": ("float",), "str": ("str",), "bool": ("bool",), "None": ("none",)}
_GENERIC = {"List": "list", "list": "list", "Sequence": "list", "Iterable": "list", "Tuple": "tuple",
            "tuple": "tuple", "Dict": "dict", "dict": "dict", "Mapping": "dict", "Set": "list", "set": "list"}


@dataclass(frozen=True)
class Param:
    name: str
    spec: Spec


def spec_of_hint(node: ast.expr | None) -> Spec:
    """The Spec a type hint (an annotation's AST) names; ANY for what it cannot tell."""
    if node is None:
        return ANY
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        try:
            return spec_of_hint(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return ANY
    if isinstance(node, ast.Constant) and node.value is None:
        return ("none",)
    if isinstance(node, ast.Name):
        if node.id in _NAMES:
            return _NAMES[node.id]
        if node.id in _GENERIC:
            return {"list": ("list", ANY), "tuple": ("tuple*", ANY), "dict": ("dict", ANY, ANY)}[_GENERIC[node.id]]
        return ANY
    if isinstance(node, ast.Attribute):  # typing.List[...] and the like
        return spec_of_hint(ast.Name(node.attr, ast.Load()))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # int | None
        return _union([spec_of_hint(node.left), spec_of_hint(node.right)])
    if isinstance(node, ast.Subscript):
        base = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Optional":
            return _union([spec_of_hint(args[0]), ("none",)])
        if base == "Union":
            return _union([spec_of_hint(a) for a in args])
        kind = _GENERIC.get(base)
        if kind == "list":
            return ("list", spec_of_hint(args[0]))
        if kind == "dict" and len(args) == 2:
            return ("dict", spec_of_hint(args[0]), spec_of_hint(args[1]))
        if kind == "tuple":
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
                return ("tuple*", spec_of_hint(args[0]))
            return ("tuple", tuple(spec_of_hint(a) for a in args))
    return ANY


def _union(specs: list[Spec]) -> Spec:
    flat: list[Spec] = []
    for s in specs:
        for part in (s[1] if s[0] == "union" else (s,)):
            if part not in flat:
                flat.append(part)
    if ANY in flat:
        return ANY
    return flat[0] if len(flat) == 1 else ("union", tuple(flat))


def spec_of_value(value: Any) -> Spec:
    """The Spec a value has (lists: the union of their elements' specs)."""
    if value is None:
        return ("none",)
    for t, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if type(value) is t:
            return (name,)
    if isinstance(value, list):
        return ("list", _union([spec_of_value(v) for v in value]) if value else ANY)
    if isinstance(value, tuple):
        return ("tuple", tuple(spec_of_value(v) for v in value))
    if isinstance(value, dict):
        keys = _union([spec_of_value(k) for k in value]) if value else ANY
        values = _union([spec_of_value(v) for v in value.values()]) if value else ANY
        return ("dict", keys, values)
    return ANY


def refine(spec: Spec, seeds: list[Any]) -> Spec:
    """``spec`` with its ANY parts filled in from the values the tests pass (``seeds``)."""
    if not seeds:
        return spec
    if spec == ANY:
        known = [spec_of_value(v) for v in seeds]
        merged = _union(known) if all(k != ANY for k in known) else ANY
        return merged if merged == ANY else refine(merged, seeds)
    kind = spec[0]
    if kind == "list":
        return ("list", refine(spec[1], [x for v in seeds if isinstance(v, list) for x in v]))
    if kind == "tuple*":
        return ("tuple*", refine(spec[1], [x for v in seeds if isinstance(v, (list, tuple)) for x in v]))
    if kind == "tuple":
        rows = [v for v in seeds if isinstance(v, (list, tuple)) and len(v) == len(spec[1])]
        return ("tuple", tuple(refine(s, [r[i] for r in rows]) for i, s in enumerate(spec[1])))
    if kind == "dict":
        dicts = [v for v in seeds if isinstance(v, dict)]
        return ("dict", refine(spec[1], [k for d in dicts for k in d]), refine(spec[2], [x for d in dicts for x in d.values()]))
    if kind == "union":
        return ("union", tuple(refine(s, [v for v in seeds if matches(v, s)]) for s in spec[1]))
    return spec


def matches(value: Any, spec: Spec) -> bool:
    """Whether ``value`` is of type ``spec`` (exact types: a bool is no int, an int no float).
    Tuples are accepted as lists (and lists as tuples): both cross to the candidate as JSON lists."""
    kind = spec[0]
    if kind == "any":
        return True
    if kind == "union":
        return any(matches(value, s) for s in spec[1])
    simple = {"int": int, "float": float, "str": str, "bool": bool}
    if kind in simple:
        return type(value) is simple[kind]
    if kind == "none":
        return value is None
    if kind in ("list", "tuple*"):
        return isinstance(value, (list, tuple)) and all(matches(v, spec[1]) for v in value)
    if kind == "tuple":
        return isinstance(value, (list, tuple)) and len(value) == len(spec[1]) and all(
            matches(v, s) for v, s in zip(value, spec[1]))
    if kind == "dict":
        return isinstance(value, dict) and all(matches(k, spec[1]) and matches(v, spec[2]) for k, v in value.items())
    return False


def parameters(prompt: str, entry_point: str) -> list[Param] | None:
    """The entry point's parameters as the prompt declares them (the last definition of that
    name); None when the prompt does not define it or it takes ``*args``/keyword-only ones."""
    try:
        tree = ast.parse(prompt + "\n    ...\n" if prompt.rstrip().endswith(('"""', "'''", ":")) else prompt)
    except SyntaxError:
        try:
            tree = ast.parse(prompt + "    pass\n")
        except SyntaxError:
            return None
    found = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == entry_point]
    if not found:
        return None
    args = found[-1].args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        return None
    return [Param(a.arg, spec_of_hint(a.annotation)) for a in args.args]
