"""Scala (2.11.12, the only Scala Debian bookworm ships; it runs on OpenJDK 17): ``scalac``, then
``java`` with the Scala library on the class path, on the object that has ``main``.

Scala puts no constraint on file names: ``prepare`` writes the program as ``Main.scala`` and the
fully qualified name of the top-level object declaring ``main`` (or extending ``App``) to
``main-class.txt``, which the run command reads. scalac runs in a JVM of its own (Debian's
``scalac`` script, given the JVM flags in ``JAVA_OPTS``); the run is plain ``java`` (no Scala
launcher, so no second JVM start). Memory is bounded as for Java: ``-Xmx`` at the task's limit,
the runtime's overhead paid by ``memory_factor``, the container's cgroup limit as the backstop.
"""

from __future__ import annotations

import re

from rlcode.languages.base import Language

MAIN_CLASS_FILE = "main-class.txt"
SCALA_LIBRARY = "/usr/share/scala/lib/scala-library.jar"
_IDENT = r"[A-Za-z_$][\w$]*"
_SKIP = re.compile(r'//[^\n]*|/\*.*?\*/|"""(?:.|\n)*?"""|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])\'', re.S)
_PACKAGE = re.compile(rf"^\s*package\s+({_IDENT}(?:\s*\.\s*{_IDENT})*)\s*$", re.M)
_OBJECT = re.compile(rf"(?m)^(?:(?:private|protected|final|case)\s+)*object\s+({_IDENT})")
_MAIN = re.compile(r"\bdef\s+main\s*\(|\bextends\s+App\b|\bwith\s+App\b")


def object_with(code: str, member: re.Pattern, or_first: bool = False) -> tuple[str | None, str | None]:
    """(package, the first top-level object whose body matches ``member``) of a source; when none
    does, the first top-level object with ``or_first``, else None."""
    text = _SKIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)
    m = _PACKAGE.search(text)
    package = re.sub(r"\s+", "", m.group(1)) if m else None
    objects = list(_OBJECT.finditer(text))
    for i, obj in enumerate(objects):
        end = objects[i + 1].start() if i + 1 < len(objects) else len(text)
        if member.search(text, obj.end(), end):
            return package, obj.group(1)
    return package, objects[0].group(1) if objects and or_first else None


def scan(code: str) -> tuple[str | None, str | None]:
    """(package, top-level object with ``main``, else the first top-level object) of a source."""
    return object_with(code, _MAIN, or_first=True)


def prepare(code: str) -> dict[str, str]:
    package, main = scan(code)
    main = main or "Main"
    return {"Main.scala": code, MAIN_CLASS_FILE: (f"{package}.{main}" if package else main) + "\n"}


_JVM = "-XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -XX:ActiveProcessorCount=1"

LANGUAGE = Language(
    name="scala",
    source_file="Main.scala",
    compile=("sh", "-c",
             f'JAVA_OPTS="{_JVM} -XX:TieredStopAtLevel=1 -Xss16m -Xmx{{heap_mb}}m" '
             "exec scalac -deprecation -feature -unchecked -encoding UTF-8 -d . *.scala"),
    run=("sh", "-c", f"exec java {_JVM} -Xmx{{heap_mb}}m -Xss64m -cp {SCALA_LIBRARY}:. "
         '"$(cat ' + MAIN_CLASS_FILE + ')"'),
    prepare=prepare,
    version=("scalac", "-version"),
    time_factor=2.0,
    memory_factor=2.0,
    address_space=False,
    compile_time_s=60.0,
    compile_memory_mb=1536,
    memory_markers=("java.lang.OutOfMemoryError", "insufficient memory for the Java Runtime Environment"),
)
