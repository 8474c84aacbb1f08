"""Drivers for function tasks (``fn_tests``) outside Python: one module per language.

A driver is a program generated per candidate and run in the sandbox: the candidate's code,
then calls of the entry point with each test's arguments written as native literals, each
result printed as a line of JSON behind a per-run nonce (see ``base``). The expected values
stay on the host, which reads those lines (``base.parse_results``) and compares them with
``rlcode.judge.compare.values_equal``. docs/function-tasks.md says what a candidate writes in
each language.
"""

from __future__ import annotations

import secrets

from rlcode.judge.drivers import c, cpp, go, haskell, java, javascript, rust, scala
from rlcode.judge.drivers.base import Driver, Outcome, Unsupported, parse_results
from rlcode.judge.drivers.signature import (Signature, Type, check_int64, infer_signature, parse_signature,
                                            signature_for)
from rlcode.registry import Registry

DRIVERS: Registry[Driver] = Registry("function-task driver")
for _driver in (c.DRIVER, cpp.DRIVER, java.DRIVER, javascript.JAVASCRIPT, javascript.TYPESCRIPT, go.DRIVER,
                rust.DRIVER, haskell.DRIVER, scala.DRIVER):
    DRIVERS.register(_driver.language, _driver)

# Where ints are 64-bit integers (JavaScript's numbers are doubles: no range to check).
_INT64_LANGUAGES = {"c", "cpp", "java", "go", "rust", "haskell", "scala"}


def check_task(language: str, entry_point: str, signature: dict | None, fn_tests: list[dict]) -> Signature:
    """The signature a task runs with in ``language``; ValueError (Unsupported) says why it cannot."""
    if language not in DRIVERS:
        raise Unsupported(f"no function-task driver for {language}", "language")
    try:
        sig = signature_for(signature, fn_tests)
    except ValueError as exc:
        if signature is None:
            raise Unsupported(f"cannot infer a signature: {exc}", "fn_tests") from None
        raise Unsupported(str(exc), "signature") from None
    DRIVERS.get(language).check(entry_point, sig)
    if language in _INT64_LANGUAGES:
        try:
            for i, test in enumerate(fn_tests):
                for j, arg in enumerate(test["args"]):
                    check_int64(arg, f"fn_tests[{i}].args[{j}]")
        except ValueError as exc:
            raise Unsupported(f"{exc} ({language} takes 64-bit ints)", "fn_tests") from None
    return sig


def new_nonce() -> str:
    """A fresh nonce per run: 128 random bits, hex."""
    return "rl" + secrets.token_hex(16)


def build_driver(language: str, code: str, entry_point: str, sig: Signature, fn_tests: list[dict],
                 nonce: str) -> dict[str, str]:
    """The files of the driver program (candidate code included). Only the arguments go in."""
    args = [list(t["args"]) for t in fn_tests]
    return DRIVERS.get(language).build(code, entry_point, sig, args, nonce)


__all__ = ["DRIVERS", "Driver", "Outcome", "Signature", "Type", "Unsupported", "build_driver", "check_task",
           "infer_signature", "new_nonce", "parse_results", "parse_signature", "signature_for"]
