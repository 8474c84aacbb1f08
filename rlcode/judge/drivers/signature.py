"""Language-neutral signatures of function tasks (``signature`` in a task): parse, check, infer.

A signature is ``{"params": [TYPE, ...], "returns": TYPE}`` with TYPE one of ``int``, ``float``,
``bool``, ``str``, ``list[TYPE]``, ``dict[str,TYPE]``. Drivers (one per language) map these
types to native ones; docs/function-tasks.md has the table.

When a task gives no signature, one is inferred from its ``fn_tests`` (``infer_signature``):

* JSON ``true``/``false`` is ``bool`` (never ``int``); an integer literal ``int``; a number with
  a fraction or exponent (``2.0``, ``1e9``) ``float``; a string ``str``; an array ``list[T]``;
  an object ``dict[str,T]``; ``null`` cannot be typed (give a signature, or avoid it).
* A list's element type comes from its first element, refined by the others; each parameter's
  and the return's type from the first test, refined by the later ones. Refining: ``int`` and
  ``float`` make ``float``; an empty list or object leaves its element type open for a later
  value to fill; any other disagreement (``int`` then ``str``) is an error naming where.
* An element type still open at the end (every list at that place empty) is ``int``.
* Every test must pass the same number of arguments.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

SCALARS = ("int", "float", "bool", "str")
TYPE_HELP = "types: int, float, bool, str, list[T], dict[str,T]"
OPEN = "?"  # an element type no value has fixed yet (inference only)


@dataclass(frozen=True)
class Type:
    kind: str  # int, float, bool, str, list, dict (or "?" while inferring)
    item: "Type | None" = None  # the element type of a list, the value type of a dict

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list[{self.item}]"
        if self.kind == "dict":
            return f"dict[str,{self.item}]"
        return self.kind

    def spell(self, scalars: dict[str, str], list_of: str, dict_of: str) -> str:
        """This type in a language's syntax: ``scalars`` names int/float/bool/str, ``list_of`` and
        ``dict_of`` are formats for the element (value) type, e.g. ``"[]{}"``."""
        if self.item is None:
            return scalars[self.kind]
        return (list_of if self.kind == "list" else dict_of).format(self.item.spell(scalars, list_of, dict_of))

    def depth(self) -> int:
        """How many containers deep: 0 for a scalar, 1 for list[int], 2 for list[list[int]]."""
        return 0 if self.item is None else 1 + self.item.depth()

    def walk(self) -> Iterable["Type"]:
        yield self
        if self.item is not None:
            yield from self.item.walk()


INT, FLOAT, BOOL, STR = Type("int"), Type("float"), Type("bool"), Type("str")


@dataclass(frozen=True)
class Signature:
    params: tuple[Type, ...]
    returns: Type

    def to_json(self) -> dict:
        return {"params": [str(p) for p in self.params], "returns": str(self.returns)}

    def types(self) -> Iterable[Type]:
        for t in (*self.params, self.returns):
            yield from t.walk()


# -- parsing ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:([A-Za-z_]\w*)|(.))")


def parse_type(text: Any) -> Type:
    """A type from its text (``list[int]``, ``dict[str, float]``); ValueError says what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"a type must be a string, got {type(text).__name__}")
    tokens = [m.group(1) or m.group(2) for m in _TOKEN.finditer(text) if m.group(1) or m.group(2)]
    pos = 0

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"{text!r} ends too early ({TYPE_HELP})")
        pos += 1
        return tokens[pos - 1]

    def expect(tok: str) -> None:
        got = take()
        if got != tok:
            raise ValueError(f"{text!r}: expected {tok!r}, found {got!r} ({TYPE_HELP})")

    def one() -> Type:
        name = take()
        if name in SCALARS:
            return Type(name)
        if name == "list":
            expect("[")
            item = one()
            expect("]")
            return Type("list", item)
        if name == "dict":
            expect("[")
            key = take()
            if key != "str":
                raise ValueError(f"{text!r}: dict keys must be str, not {key!r}")
            expect(",")
            item = one()
            expect("]")
            return Type("dict", item)
        raise ValueError(f"unknown type {name!r} in {text!r} ({TYPE_HELP})")

    t = one()
    if pos != len(tokens):
        raise ValueError(f"{text!r}: unexpected {tokens[pos]!r} after {t} ({TYPE_HELP})")
    return t


def parse_signature(obj: Any) -> Signature:
    """A signature from a task's ``signature`` field; ValueError names the part at fault."""
    if not isinstance(obj, dict):
        raise ValueError(f'must be an object {{"params": [...], "returns": ...}}, got {type(obj).__name__}')
    unknown = set(obj) - {"params", "returns"}
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r} (allowed: params, returns)")
    params = obj.get("params")
    if not isinstance(params, list):
        raise ValueError("params: must be a list of types")
    if "returns" not in obj:
        raise ValueError("returns: missing")
    parsed = []
    for i, p in enumerate(params):
        try:
            parsed.append(parse_type(p))
        except ValueError as exc:
            raise ValueError(f"params[{i}]: {exc}") from None
    try:
        returns = parse_type(obj["returns"])
    except ValueError as exc:
        raise ValueError(f"returns: {exc}") from None
    return Signature(tuple(parsed), returns)


# -- checking values against types -----------------------------------------------------------------

def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def check_value(value: Any, t: Type, where: str) -> None:
    """ValueError when ``value`` (as JSON gives it) is not a ``t``. An int is a valid float."""
    kind = t.kind
    ok = ((kind == "int" and type(value) is int)
          or (kind == "float" and type(value) in (int, float))
          or (kind == "bool" and type(value) is bool)
          or (kind == "str" and type(value) is str)
          or (kind == "list" and type(value) is list)
          or (kind == "dict" and type(value) is dict))
    if not ok:
        raise ValueError(f"{where} = {_short(value)} is not a {t}")
    if kind == "list":
        for i, v in enumerate(value):
            check_value(v, t.item, f"{where}[{i}]")
    elif kind == "dict":
        for k, v in value.items():
            if type(k) is not str:
                raise ValueError(f"{where}: key {_short(k)} is not a str")
            check_value(v, t.item, f"{where}[{k!r}]")


def check_tests(sig: Signature, fn_tests: list[dict]) -> None:
    """Every test's arguments and expected value fit the signature (ValueError otherwise)."""
    for i, test in enumerate(fn_tests):
        args = test["args"]
        if len(args) != len(sig.params):
            raise ValueError(f"fn_tests[{i}] passes {len(args)} argument(s), the signature has "
                             f"{len(sig.params)} param(s)")
        for j, (arg, t) in enumerate(zip(args, sig.params)):
            check_value(arg, t, f"fn_tests[{i}].args[{j}]")
        check_value(test["expected"], sig.returns, f"fn_tests[{i}].expected")


# -- inference -------------------------------------------------------------------------------------

def type_of(value: Any, where: str) -> Type:
    """The type a JSON value has on its own (element types of empty containers left open)."""
    if type(value) is bool:
        return BOOL
    if type(value) is int:
        return INT
    if type(value) is float:
        return FLOAT
    if type(value) is str:
        return STR
    if type(value) is list:
        item = Type(OPEN)
        for i, v in enumerate(value):
            item = unify(item, type_of(v, f"{where}[{i}]"), f"{where}[{i}]")
        return Type("list", item)
    if type(value) is dict:
        item = Type(OPEN)
        for k, v in value.items():
            item = unify(item, type_of(v, f"{where}[{k!r}]"), f"{where}[{k!r}]")
        return Type("dict", item)
    if value is None:
        raise ValueError(f"{where} is null, which has no type: give the task a signature without nulls")
    raise ValueError(f"{where} = {_short(value)} has no signature type")


def unify(a: Type, b: Type, where: str) -> Type:
    if a.kind == OPEN:
        return b
    if b.kind == OPEN:
        return a
    if a == b:
        return a
    if {a.kind, b.kind} == {"int", "float"}:
        return FLOAT
    if a.kind == b.kind and a.kind in ("list", "dict"):
        return Type(a.kind, unify(a.item, b.item, where))
    raise ValueError(f"{where} is a {_open_as_any(b)} here but a {_open_as_any(a)} before: "
                     f"give the task a signature")


def _open_as_any(t: Type) -> str:
    return str(t).replace(OPEN, "…")


def _close(t: Type) -> Type:
    if t.kind == OPEN:
        return INT
    if t.item is not None:
        return Type(t.kind, _close(t.item))
    return t


def infer_signature(fn_tests: list[dict]) -> Signature:
    """The signature ``fn_tests`` imply (rules in the module docstring); ValueError if none."""
    if not fn_tests:
        raise ValueError("no fn_tests to infer a signature from: give the task a signature")
    arity = len(fn_tests[0]["args"])
    params = [Type(OPEN)] * arity
    returns = Type(OPEN)
    for i, test in enumerate(fn_tests):
        args = test["args"]
        if len(args) != arity:
            raise ValueError(f"fn_tests[{i}] passes {len(args)} argument(s) but fn_tests[0] passes {arity}: "
                             "every test must pass the same number")
        for j, arg in enumerate(args):
            where = f"fn_tests[{i}].args[{j}]"
            params[j] = unify(params[j], type_of(arg, where), where)
        where = f"fn_tests[{i}].expected"
        returns = unify(returns, type_of(test["expected"], where), where)
    return Signature(tuple(_close(p) for p in params), _close(returns))


def signature_for(signature: dict | None, fn_tests: list[dict]) -> Signature:
    """The task's own signature, checked against its tests, or the one its tests imply."""
    if signature is not None:
        sig = parse_signature(signature)
        check_tests(sig, fn_tests)
        return sig
    return infer_signature(fn_tests)


# -- helpers for drivers ---------------------------------------------------------------------------

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def check_int64(value: Any, where: str) -> None:
    """ValueError for an int argument that a 64-bit integer cannot hold (nested values too)."""
    if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{where} = {value} does not fit a 64-bit integer")
    if type(value) is list:
        for i, v in enumerate(value):
            check_int64(v, f"{where}[{i}]")
    if type(value) is dict:
        for k, v in value.items():
            check_int64(v, f"{where}[{k!r}]")


def float_text(x: float) -> str | None:
    """A finite float as a literal with a point or an exponent (``2.0``, ``1e+20``); None for inf/nan."""
    if not math.isfinite(x):
        return None
    text = repr(float(x))
    return text if any(c in text for c in ".en") else text + ".0"
