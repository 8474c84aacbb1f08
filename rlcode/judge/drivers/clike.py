"""Literal writers shared by the C, C++, Go, Java, Rust and Haskell drivers."""

from __future__ import annotations

import re

from rlcode.judge.drivers.base import Unsupported
from rlcode.judge.drivers.signature import INT64_MIN, check_int64, float_text


def quoted_bytes(s: str, special: str, escape) -> str:
    """``s`` as a double-quoted literal of its UTF-8 bytes: printable ASCII as is, ``special``
    characters backslash-escaped, every other byte through ``escape(byte)``."""
    try:
        data = s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Unsupported(f"string {s[:20]!r} is not valid Unicode text: {exc.reason}") from None
    out = ['"']
    for b in data:
        ch = chr(b)
        if ch in special:
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append(escape(b))
    out.append('"')
    return "".join(out)


def quoted_chars(s: str, escape_control, ascii_only: bool = False) -> str:
    """``s`` as a double-quoted literal of its characters (Java, Rust, Haskell): quotes and
    backslashes escaped, control characters (with ``ascii_only``, every character outside
    printable ASCII) through ``escape_control(code point)``, the rest as they are."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if 0xD800 <= o <= 0xDFFF:
            raise Unsupported(f"string {s[:20]!r} is not valid Unicode text")
        if ch in '"\\':
            out.append("\\" + ch)
        elif o < 0x20 or o == 0x7F or (ascii_only and o > 0x7F):
            out.append(escape_control(o))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def c_string(s: str) -> str:
    """A C/C++ string literal: non-ASCII bytes as three-digit octal escapes (which, unlike ``\\x``,
    cannot swallow a following digit); ``?`` escaped so no trigraph forms."""
    return quoted_bytes(s, '"\\?', lambda b: f"\\{b:03o}")


def c_int(value: int, where: str = "argument") -> str:
    check_int64(value, where)
    if value == INT64_MIN:
        return "(-9223372036854775807LL - 1)"
    return f"{value}LL"


def c_float(value: float, inf: str, nan: str) -> str:
    text = float_text(float(value))
    if text is not None:
        return text
    if value != value:
        return nan
    return inf if value > 0 else f"(-{inf})"


def c_bool(value: bool) -> str:
    return "true" if value else "false"


def defines_main(code: str) -> bool:
    """Whether the candidate's code has a ``main`` of its own (outside comments and strings).

    The candidate's ``main`` is left as it is (renamed, a ``main`` without ``return`` would draw
    a -Wreturn-type warning it does not deserve; a ``#define`` in front would stop g++ from using
    the precompiled ``<bits/stdc++.h>``). The driver runs before it and exits, and adds a
    ``main`` only when the candidate has none."""
    return at_top_level(code, r"\bmain\s*\(")


def driver_header() -> str:
    """Where the driver starts: a candidate's ``#define int long long`` (a competitive-programming
    habit) undone, and the driver's lines named after a file of their own in diagnostics."""
    return '\n#undef int\n#line 1 "rlcode_driver"\n'


# Comments, string and character literals, blanked before counting braces.
_SKIP = re.compile(r'//[^\n]*|/\*.*?\*/|R"([^(\s]*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def at_top_level(code: str, pattern: str) -> bool:
    """Whether ``pattern`` occurs outside every brace block of a C/C++ source."""
    text = _SKIP.sub(lambda m: " " * len(m.group(0)), code)
    depth = 0
    for m in re.finditer(rf"[{{}}]|{pattern}", text):
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            return True
    return False
