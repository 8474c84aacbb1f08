"""Java (OpenJDK 17): ``javac -Xlint``, then ``java`` on the class that has ``main``.

A program's public class may have any name, and javac insists that the file carry it: ``prepare``
finds the top-level types, writes the source as ``<PublicClass>.java`` (``Main.java`` when none is
public) and the fully qualified name of the class declaring ``main`` to ``main-class.txt``, which
the run command reads. A ``package`` line is honoured (``-d .`` puts the classes under it).

The JVM reserves far more address space than it uses and its thread stacks would count in full
against a data limit, so memory is bounded by the heap: ``-Xmx`` at the task's limit, with the
runtime's own overhead paid by ``memory_factor`` (the container's cgroup limit is the backstop,
and a peak resident size over the scaled limit is memory_exceeded all the same).
"""

from __future__ import annotations

import re

from rlcode.languages.base import Language

MAIN_CLASS_FILE = "main-class.txt"
_IDENT = r"[A-Za-z_$][\w$]*"
# Comments, then string/char literals (text blocks first), in one pass so a quote inside a
# comment or a // inside a string is read right.
_SKIP = re.compile(r'//[^\n]*|/\*.*?\*/|"""(?:\\.|[^\\])*?"""|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_TOKEN = re.compile(rf"[{{}}]|{_IDENT}|@\s*interface|\S")
_TYPE_KEYWORDS = {"class", "interface", "enum", "record"}
_MODIFIERS = {"public", "protected", "private", "abstract", "final", "static", "strictfp", "sealed", "non-sealed"}


def _blank(match: re.Match) -> str:
    """Keep newlines (for nothing but sanity) and blank the rest of a comment or literal."""
    return re.sub(r"[^\n]", " ", match.group(0))


def scan(code: str) -> tuple[str | None, str | None, str | None]:
    """(package, public top-level type, top-level type declaring ``main``) of a Java source."""
    text = _SKIP.sub(_blank, code)
    package = None
    m = re.search(rf"^\s*package\s+({_IDENT}(?:\s*\.\s*{_IDENT})*)\s*;", text, re.M)
    if m:
        package = re.sub(r"\s+", "", m.group(1))
    tokens = _TOKEN.findall(text)
    depth = 0
    public_type = main_type = first_type = None
    current = None  # the top-level type whose body we are in
    pending: tuple[str, bool] | None = None  # a top-level type header waiting for its "{"
    modifiers: list[str] = []
    for i, tok in enumerate(tokens):
        if tok == "{":
            if depth == 0 and pending is not None:
                current = pending[0]
                pending = None
            depth += 1
            modifiers = []
            continue
        if tok == "}":
            depth = max(0, depth - 1)
            if depth == 0:
                current = None
            modifiers = []
            continue
        if depth == 0:
            if tok in _MODIFIERS:
                modifiers.append(tok)
            elif tok in _TYPE_KEYWORDS and pending is None and i + 1 < len(tokens):
                name = tokens[i + 1]
                if re.fullmatch(_IDENT, name):
                    pending = (name, "public" in modifiers)
                    first_type = first_type or name
                    if "public" in modifiers and public_type is None:
                        public_type = name
            elif tok == ";":
                modifiers = []
            continue
        # Inside a top-level type's body: "static ... void main (" at member level.
        if depth == 1 and current and main_type is None and tok == "main" and i >= 1:
            if tokens[i - 1] == "void" and i + 1 < len(tokens) and tokens[i + 1] == "(":
                j = i - 2
                while j >= 0 and tokens[j] not in ("{", "}", ";"):
                    if tokens[j] == "static":
                        main_type = current
                        break
                    j -= 1
    return package, public_type, main_type or public_type or first_type


def prepare(code: str) -> dict[str, str]:
    package, public_type, main_type = scan(code)
    source = f"{public_type or 'Main'}.java"
    main = main_type or "Main"
    qualified = f"{package}.{main}" if package else main
    return {source: code, MAIN_CLASS_FILE: qualified + "\n"}


# One CPU and few threads: the container has one, and its pids limit counts threads.
_JVM = ("-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto", "-XX:ActiveProcessorCount=1")

LANGUAGE = Language(
    name="java",
    source_file="Main.java",
    compile=("sh", "-c",
             "exec javac " + " ".join(f"-J{flag}" for flag in _JVM)
             + " -J-XX:TieredStopAtLevel=1 -J-Xmx{heap_mb}m -Xlint -encoding UTF-8 -d . *.java"),
    run=("sh", "-c",
         "exec java " + " ".join(_JVM)
         + ' -Xmx{heap_mb}m -Xss64m -cp . "$(cat ' + MAIN_CLASS_FILE + ')"'),
    prepare=prepare,
    version=("javac", "-version"),
    time_factor=2.0,
    memory_factor=2.0,
    address_space=False,
    compile_time_s=30.0,
    memory_markers=("java.lang.OutOfMemoryError", "insufficient memory for the Java Runtime Environment"),
)
