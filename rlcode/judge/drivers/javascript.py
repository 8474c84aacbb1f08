"""JavaScript and TypeScript drivers: the candidate's script, then an async loop over the tests.

The candidate defines the entry point at the top level of its script (``function f``,
``const f = (...) => …``, ``async function f``). Arguments are JSON literals: ``int`` and
``float`` are ``number`` (integers beyond 2**53 are not exact), ``str`` ``string``, ``list[T]``
an array, ``dict[str,T]`` a plain object (``Record<string, T>`` in TypeScript; not a ``Map``).
A returned promise is awaited. The result is printed from its runtime type: numbers, booleans,
strings, bigints, arrays (typed arrays too), ``Map``/``Set`` and plain objects. A thrown error is
that test's failure.

In TypeScript, ``tsc`` checks the driver's calls against the candidate's declared parameter
types: a candidate declaring different types does not compile (compile_error).
"""

from __future__ import annotations

import json

from rlcode.judge.drivers.base import Driver
from rlcode.judge.drivers.signature import Signature, Type
from rlcode.languages.typescript import _prepare as ts_prepare

KEYWORDS = frozenset("""break case catch class const continue debugger default delete do else enum export extends
false finally for function if import in instanceof new null return super switch this throw true try typeof var
void while with yield let static implements interface package private protected public await async
arguments eval undefined NaN Infinity require module exports process console""".split())

# Written in the common subset of JavaScript and (strict) TypeScript: parameters and catch
# variables are typed in TypeScript only (@ANY@ is ": any" there and "" here).
RUNTIME = r"""
;(async () => {
  const rlcodeNonce = @NONCE@;
  const rlcodeQuote = (s@ANY@) => JSON.stringify(String(s));
  const rlcodeJson = (v@ANY@, depth@ANY@)@STR@ => {
    if (depth > 200) throw new Error("result nested too deeply (a cycle?)");
    if (v === null || v === undefined) return "null";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") {
      if (Number.isNaN(v)) return "NaN";
      if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
      return String(v);
    }
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "string") return JSON.stringify(v);
    if (Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof Set) {
      return "[" + Array.from(v@ITER@).map((x@ANY@) => rlcodeJson(x, depth + 1)).join(",") + "]";
    }
    if (v instanceof Map) {
      return "{" + Array.from(v.entries()@ITER@).map((kv@ANY@) => rlcodeQuote(kv[0]) + ":" + rlcodeJson(kv[1], depth + 1)).join(",") + "}";
    }
    if (typeof v === "object") {
      return "{" + Object.keys(v).map((k@ANY@) => rlcodeQuote(k) + ":" + rlcodeJson(v[k], depth + 1)).join(",") + "}";
    }
    throw new Error("cannot report a result of type " + typeof v);
  };
  const rlcodeTests@TESTS_TYPE@ = [
@TESTS@
  ];
  for (const rlcodeTest of rlcodeTests) {
    let rlcodeLine@STR@;
    try {
      let rlcodeResult@ANY@ = rlcodeTest();
      if (rlcodeResult !== null && typeof rlcodeResult === "object" && typeof rlcodeResult.then === "function") {
        rlcodeResult = await rlcodeResult;
      }
      rlcodeLine = "= " + rlcodeJson(rlcodeResult, 0);
    } catch (rlcodeError@ANY@) {
      let rlcodeMessage@STR@;
      try {
        rlcodeMessage = rlcodeError instanceof Error ? rlcodeError.name + ": " + rlcodeError.message : String(rlcodeError);
      } catch (rlcodeOther@ANY@) {
        rlcodeMessage = "an exception that cannot be described";
      }
      rlcodeLine = "! " + rlcodeQuote(rlcodeMessage);
    }
    process.stdout.write("\n" + rlcodeNonce + " " + rlcodeLine + "\n");
  }
})();
"""


def literal(value, t: Type) -> str:
    """JSON is a JavaScript expression; NaN and the infinities, which JSON lacks, are names."""
    if t.kind == "float" and value != value:
        return "NaN"
    if t.kind == "float" and value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if t.kind in ("list", "dict") and _non_finite(value):
        if t.kind == "list":
            return "[" + ", ".join(literal(v, t.item) for v in value) + "]"
        return "{" + ", ".join(f"{json.dumps(k)}: {literal(v, t.item)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=True)


def _non_finite(value) -> bool:
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf"))
    if isinstance(value, list):
        return any(_non_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    return False


def _driver(code: str, entry: str, sig: Signature, tests: list[list], nonce: str, typed: bool) -> str:
    calls = ",\n".join(f"    () => {entry}({', '.join(literal(v, t) for v, t in zip(args, sig.params))})"
                       for args in tests)
    text = (RUNTIME.replace("@NONCE@", json.dumps(nonce)).replace("@TESTS@", calls)
            .replace("@ANY@", ": any" if typed else "").replace("@STR@", ": string" if typed else "")
            .replace("@ITER@", " as any" if typed else "")
            .replace("@TESTS_TYPE@", ": Array<() => unknown>" if typed else ""))
    return code + "\n" + text


def build_js(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    return {"main.js": _driver(code, entry, sig, tests, nonce, typed=False)}


def build_ts(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    return ts_prepare(_driver(code, entry, sig, tests, nonce, typed=True))


JAVASCRIPT = Driver("javascript", build_js, keywords=KEYWORDS)
TYPESCRIPT = Driver("typescript", build_ts, keywords=KEYWORDS)
