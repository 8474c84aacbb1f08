"""What every driver shares: the build interface and the host's reading of a driver's output.

A driver is a program generated per candidate: the candidate's code, then code that calls the
entry point once per test with that test's arguments written as native literals, printing each
result as one line ``<nonce> = <json>`` (or ``<nonce> ! <json string>`` when the call raised)
and flushing. The expected values never enter the program: the host keeps them and compares.

Why the nonce holds: the host picks a fresh random nonce per run and only lines that start with
it count, so nothing the candidate prints by accident (or by design, without the nonce) is read
as a result. A candidate *can* learn the nonce, since it is in its own program text (the source
file, the binary); but all that buys is printing result lines with values it computed itself,
which is no different from returning those values. It never sees the expected values, so it
cannot print the right ones without computing them. Exiting early (``exit(0)``) or dying only
leaves later tests without a line, and a test without a line has failed.

Each line starts with a newline of its own, so a candidate's unterminated ``printf`` cannot glue
itself in front of the nonce; a line whose JSON does not parse counts as a failed test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from rlcode.judge.drivers.signature import Signature, Type

VALUE, RAISED = "=", "!"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Unsupported(ValueError):
    """The task cannot be written as a driver in this language (a type, a value, a name).
    ``field`` is the task field at fault."""

    def __init__(self, reason: str, field: str = "signature"):
        super().__init__(reason)
        self.field = field


@dataclass(frozen=True)
class Driver:
    language: str
    # build(code, entry_point, signature, [args of each test], nonce) -> {file name: text}
    build: Callable[[str, str, Signature, list[list], str], dict[str, str]]
    # unsupported(signature) -> why this language cannot express it, or None
    unsupported: Callable[[Signature], str | None] = lambda sig: None
    keywords: frozenset[str] = frozenset()  # names the entry point cannot have

    def check(self, entry_point: str, sig: Signature) -> None:
        """Unsupported when this language cannot run the task at all."""
        if not _IDENTIFIER.fullmatch(entry_point or ""):
            raise Unsupported(f"{entry_point!r} is not an identifier in {self.language}", "entry_point")
        if entry_point in self.keywords or entry_point == "main" or entry_point.lower().startswith("rlcode"):
            raise Unsupported(f"{entry_point!r} is a reserved name in {self.language}", "entry_point")
        why = self.unsupported(sig)
        if why:
            raise Unsupported(f"{self.language} cannot take this signature: {why}")


@dataclass
class Outcome:
    """One test's line from the driver: kind is ``value``, ``raised``, ``malformed`` or ``missing``."""

    kind: str
    value: Any = None
    text: str = ""


def parse_results(stdout: str, nonce: str, total: int) -> list[Outcome]:
    """The outcome of each of ``total`` tests from a driver's stdout, strictly.

    Only lines that start with ``<nonce> `` count; the i-th such line belongs to test i; a
    missing line is a test without a result; lines beyond ``total`` are ignored."""
    prefix = nonce + " "
    outcomes: list[Outcome] = []
    for line in stdout.split("\n"):
        if len(outcomes) >= total:
            break
        if not line.startswith(prefix):
            continue
        rest = line[len(prefix):]
        mark, body = rest[:2], rest[2:]
        try:
            if mark == VALUE + " ":
                outcomes.append(Outcome("value", json.loads(body)))
                continue
            if mark == RAISED + " ":
                message = json.loads(body)
                outcomes.append(Outcome("raised", text=message if isinstance(message, str) else str(message)))
                continue
        except (ValueError, RecursionError):
            pass
        outcomes.append(Outcome("malformed", text=rest[:200]))
    outcomes.extend(Outcome("missing") for _ in range(total - len(outcomes)))
    return outcomes


def scalar_or_list_of(t: Type, allowed: tuple[str, ...], depth: int) -> bool:
    """``t`` is a scalar in ``allowed`` under at most ``depth`` lists."""
    while t.kind == "list" and depth > 0:
        t, depth = t.item, depth - 1
    return t.kind in allowed
