"""Compiler diagnostics as findings: the sandbox's compile step captures the text, this parses it.

Formats: ``gcc`` (gcc/g++/clang ``-Wall -Wextra``), ``javac`` (``-Xlint``), ``rustc``, ``go``
(``go build``/``go vet``), ``tsc``, ``ghc`` (``-Wall``), ``scalac`` (``-deprecation -feature
-unchecked``). Notes and summary lines are dropped; a diagnostic's rule code is the flag or lint
that raised it when the compiler names one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence

from rlcode.analysis.base import AnalysisInput, Finding, Report, Severity

FORMAT_FOR_LANGUAGE = {"c": "gcc", "cpp": "gcc", "java": "javac", "rust": "rustc", "go": "go", "typescript": "tsc",
                       "haskell": "ghc", "scala": "scalac"}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SEVERITY = {"error": Severity.ERROR, "fatal error": Severity.ERROR, "warning": Severity.WARNING}

# main.c:4:9: warning: suggest parentheses around assignment [-Wparentheses]
_GCC = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<sev>fatal error|error|warning): "
                  r"(?P<msg>.*?)(?: \[(?P<flag>-W[^\]]+|-f[^\]]+)\])?$")
# Main.java:4: warning: [rawtypes] found raw type: List
_JAVAC = re.compile(r"^(?P<file>[^:\n]+\.java):(?P<line>\d+): (?P<sev>error|warning): "
                    r"(?:\[(?P<flag>[\w-]+)\] )?(?P<msg>.*)$")
# error[E0425]: cannot find value `z` in this scope      (followed by:  --> main.rs:4:20)
_RUSTC_HEAD = re.compile(r"^(?P<sev>error|warning)(?:\[(?P<code>E\d+)\])?: (?P<msg>.*)$")
_RUSTC_AT = re.compile(r"^\s*--> (?P<file>.+?):(?P<line>\d+):(?P<col>\d+)$")
_RUSTC_LINT = re.compile(r"#\[(?:warn|deny|forbid)\((?P<lint>[\w:]+)\)\]")
_RUSTC_SUMMARY = re.compile(r"^(aborting due to|\d+ warnings? emitted|could not compile)|generated \d+ warnings?")
# ./main.go:5:2: declared and not used: x     (go vet prefixes "vet: " on some versions)
_GO = re.compile(r"^(?:vet: )?(?P<file>[^:\n#]+\.go):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<msg>.*)$")
# main.ts(3,7): error TS2322: ...        or, with --pretty:  main.ts:3:7 - error TS2322: ...
_TSC = re.compile(r"^(?P<file>[^(\n]+?)(?:\((?P<line>\d+),\d+\): |:(?P<line2>\d+):\d+ - )"
                  r"(?P<sev>error|warning) (?P<code>TS\d+): (?P<msg>.*)$")

# Main.hs:8:7: warning: [-Wunused-local-binds]        (the message on the indented lines below)
# Main.hs:(3,1)-(4,9): error:
_GHC = re.compile(r"^(?P<file>[^:\n]+\.hs):(?:(?P<line>\d+):[\d-]+|\((?P<line2>\d+),\d+\)-\(\d+,\d+\)): "
                  r"(?P<sev>error|warning):(?: \[(?P<flag>[^\]]+)\])?\s*(?P<msg>.*)$")
# Main.scala:3: warning: non-variable type argument String in type pattern ... is unchecked ...
_SCALAC = re.compile(r"^(?P<file>[^:\n]+\.scala):(?P<line>\d+): (?P<sev>error|warning): (?P<msg>.*)$")
_SCALAC_KINDS = (("deprecated", "deprecation"), ("unchecked", "unchecked"), ("feature", "feature"))


def _keep(file: str, only: str | None) -> bool:
    return only is None or os.path.basename(file.strip()) == os.path.basename(only)


def _parse_gcc(lines: list[str], only: str | None) -> list[Finding]:
    out = []
    for line in lines:
        m = _GCC.match(line)
        if m and _keep(m["file"], only):
            sev = _SEVERITY[m["sev"]]
            code = (m["flag"] or m["sev"]).rstrip("=")
            out.append(Finding("gcc", code.replace(" ", "-"), sev, int(m["line"]), m["msg"]))
    return out


def _parse_javac(lines: list[str], only: str | None) -> list[Finding]:
    out = []
    for line in lines:
        m = _JAVAC.match(line)
        if m and _keep(m["file"], only):
            out.append(Finding("javac", m["flag"] or m["sev"], _SEVERITY[m["sev"]], int(m["line"]), m["msg"]))
    return out


def _parse_rustc(lines: list[str], only: str | None) -> list[Finding]:
    out: list[Finding] = []
    head = None  # (severity, code, message) waiting for its "-->" location
    keep_last = False
    for line in lines:
        m = _RUSTC_HEAD.match(line)
        if m:
            head = None if _RUSTC_SUMMARY.search(m["msg"]) else (m["sev"], m["code"], m["msg"])
            keep_last = False
            continue
        at = _RUSTC_AT.match(line)
        if at and head is not None:
            sev, code, msg = head
            head = None
            keep_last = _keep(at["file"], only)
            if keep_last:
                out.append(Finding("rustc", code or sev, _SEVERITY[sev], int(at["line"]), msg))
            continue
        lint = _RUSTC_LINT.search(line)
        if lint and keep_last and out[-1].code in ("warning", "error"):
            # The lint name comes in a note below the first warning of its kind.
            last = out[-1]
            out[-1] = Finding(last.tool, lint["lint"], last.severity, last.line, last.message)
    return out


def _go_parser(severity: Severity, tool: str) -> Callable[[list[str], str | None], list[Finding]]:
    def parse(lines: list[str], only: str | None) -> list[Finding]:
        out = []
        for line in lines:
            m = _GO.match(line)
            if m and _keep(m["file"], only):
                out.append(Finding(tool, tool, severity, int(m["line"]), m["msg"]))
        return out

    return parse


def _parse_ghc(lines: list[str], only: str | None) -> list[Finding]:
    out = []
    for i, line in enumerate(lines):
        m = _GHC.match(line)
        if m and _keep(m["file"], only):
            msg = m["msg"].strip()
            for follow in lines[i + 1:i + 4]:
                if msg or not follow.startswith(" "):
                    break
                msg = follow.strip().lstrip("\u2022").strip()
            flag = (m["flag"] or "").split(",")[0].strip()
            out.append(Finding("ghc", flag or m["sev"], _SEVERITY[m["sev"]], int(m["line"] or m["line2"]), msg))
    return out


def _parse_scalac(lines: list[str], only: str | None) -> list[Finding]:
    out = []
    for line in lines:
        m = _SCALAC.match(line)
        if m and _keep(m["file"], only):
            kind = next((k for word, k in _SCALAC_KINDS if word in m["msg"]), m["sev"])
            out.append(Finding("scalac", kind, _SEVERITY[m["sev"]], int(m["line"]), m["msg"]))
    return out


def _parse_tsc(lines: list[str], only: str | None) -> list[Finding]:
    out = []
    for line in lines:
        m = _TSC.match(line)
        if m and _keep(m["file"], only):
            out.append(Finding("tsc", m["code"], _SEVERITY[m["sev"]], int(m["line"] or m["line2"]), m["msg"]))
    return out


PARSERS: dict[str, Callable[[list[str], str | None], list[Finding]]] = {
    "gcc": _parse_gcc,
    "javac": _parse_javac,
    "rustc": _parse_rustc,
    "go": _go_parser(Severity.ERROR, "go"),  # go build: every diagnostic stops the build
    "govet": _go_parser(Severity.WARNING, "govet"),  # go vet: suspicious, not fatal
    "tsc": _parse_tsc,
    "ghc": _parse_ghc,
    "scalac": _parse_scalac,
}


def parse_diagnostics(text: str, fmt: str, only_file: str | None = None) -> list[Finding]:
    """Findings from compiler output in format ``fmt``; ``only_file`` drops diagnostics about other files."""
    if fmt not in PARSERS:
        raise ValueError(f"unknown diagnostics format {fmt!r} (known: {', '.join(sorted(PARSERS))})")
    lines = _ANSI.sub("", text).replace("\r\n", "\n").split("\n")
    return PARSERS[fmt](lines, only_file)


class CompilerAnalyzer:
    """Turns diagnostics already attached to an input into findings; runs no compiler itself."""

    name = "compiler"
    languages = frozenset(FORMAT_FOR_LANGUAGE)

    def __init__(self, config: object = None):
        pass

    def applies(self, item: AnalysisInput) -> bool:
        return item.diagnostics is not None and (item.diagnostics_format is not None or
                                                  item.language in FORMAT_FOR_LANGUAGE)

    def analyze(self, items: Sequence[AnalysisInput]) -> list[Report]:
        return [Report(findings=parse_diagnostics(item.diagnostics or "",
                                                  item.diagnostics_format or FORMAT_FOR_LANGUAGE[item.language]))
                for item in items]
