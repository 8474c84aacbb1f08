"""C driver: the candidate's functions, then a ``main`` that calls the entry point per test.

What the candidate writes (docs/function-tasks.md has the full table)::

    int            -> long long                float -> double
    bool           -> bool (<stdbool.h>)       str   -> char * (NUL-terminated UTF-8)
    list[T] param  -> T *xs, int xs_len        (T one of the above; list[str]: char **xs)
    list[list[T]]  -> T **xss, int xss_len, int *xss_lens       (T: int, float, bool)
    list return    -> T *f(..., int *out_len)  (the function sets *out_len)
    list[list[T]] return -> T **f(..., int *out_len, int **out_lens)

Argument arrays are writable and live for the whole run; returned memory is never freed.
``dict`` and deeper nesting are not supported in C. The tests run from a constructor function,
before the candidate's ``main`` (if it has one), and exit: its ``main`` never starts.
"""

from __future__ import annotations

from rlcode.judge.drivers.base import Driver, Unsupported, scalar_or_list_of
from rlcode.judge.drivers.clike import c_bool, c_float, c_int, c_string, defines_main, driver_header
from rlcode.judge.drivers.signature import Signature, Type

C_TYPE = {"int": "long long", "float": "double", "bool": "bool", "str": "char *"}
EMIT = {"int": "rlcode_ll", "float": "rlcode_d", "bool": "rlcode_b", "str": "rlcode_s"}

KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void
volatile while bool true false NULL _Bool exit abort printf malloc free""".split())

RUNTIME = r"""
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static const char rlcode_nonce[] = NONCE;

static void rlcode_begin(void) { fputs("\n", stdout); fputs(rlcode_nonce, stdout); fputs(" = ", stdout); }
static void rlcode_end(void) { fputs("\n", stdout); fflush(stdout); }
__attribute__((unused)) static void rlcode_raise(const char *why) {
    fputs("\n", stdout); fputs(rlcode_nonce, stdout); fputs(" ! \"", stdout); fputs(why, stdout);
    fputs("\"\n", stdout); fflush(stdout);
}
__attribute__((unused)) static void rlcode_ll(long long v) { printf("%lld", v); }
__attribute__((unused)) static void rlcode_d(double v) {
    if (isnan(v)) fputs("NaN", stdout);
    else if (isinf(v)) fputs(v > 0 ? "Infinity" : "-Infinity", stdout);
    else printf("%.17g", v);
}
__attribute__((unused)) static void rlcode_b(bool v) { fputs(v ? "true" : "false", stdout); }
__attribute__((unused)) static void rlcode_s(const char *s) {
    if (!s) { fputs("null", stdout); return; }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') { putchar('\\'); putchar(*p); }
        else if (*p < 0x20) printf("\\u%04x", (unsigned)*p);
        else putchar(*p);
    }
    putchar('"');
}
#define RLCODE_LIST(NAME, T, ONE) \
    __attribute__((unused)) static void NAME(T const *xs, int n) { \
        putchar('['); \
        for (int i = 0; i < n; i++) { if (i) putchar(','); ONE(xs[i]); } \
        putchar(']'); \
    } \
    __attribute__((unused)) static void NAME##2(T *const *xss, int n, const int *lens) { \
        putchar('['); \
        for (int i = 0; i < n; i++) { if (i) putchar(','); NAME(xss[i], lens ? lens[i] : 0); } \
        putchar(']'); \
    }
RLCODE_LIST(rlcode_ll_list, long long, rlcode_ll)
RLCODE_LIST(rlcode_d_list, double, rlcode_d)
RLCODE_LIST(rlcode_b_list, bool, rlcode_b)
__attribute__((unused)) static void rlcode_s_list(char *const *xs, int n) {
    putchar('[');
    for (int i = 0; i < n; i++) { if (i) putchar(','); rlcode_s(xs[i]); }
    putchar(']');
}
"""


def _unsupported(sig: Signature) -> str | None:
    for t in (*sig.params, sig.returns):
        if not (scalar_or_list_of(t, ("int", "float", "bool", "str"), 1)
                or scalar_or_list_of(t, ("int", "float", "bool"), 2)):
            return f"{t} (C takes int, float, bool, str, list[T] of those, and list[list[T]] of int/float/bool)"
    return None


def _scalar(value, kind: str) -> str:
    if kind == "int":
        return c_int(value)
    if kind == "float":
        return c_float(value, "HUGE_VAL", "NAN")
    if kind == "bool":
        return c_bool(value)
    raise AssertionError(kind)


def _string(value: str) -> str:
    if "\0" in value:
        raise Unsupported("a C string cannot hold a NUL character")
    return c_string(value)


def _array(name: str, ctype: str, items: list[str]) -> str:
    """A writable static array; never of size 0 (not C), its length passed separately."""
    return f"    static {ctype} {name}[{max(1, len(items))}] = {{{', '.join(items) or '0'}}};\n"


def _arg(j: int, value, t: Type) -> tuple[str, list[str]]:
    """(declarations, the expressions passed for this argument)."""
    name = f"rlcode_a{j}"
    if t.kind == "str":
        return f"    static char {name}[] = {_string(value)};\n", [name]
    if t.kind != "list":
        return "", [_scalar(value, t.kind)]
    item = t.item
    if item.kind == "str":
        decl = "".join(f"    static char {name}_{i}[] = {_string(v)};\n" for i, v in enumerate(value))
        decl += _array(name, "char *", [f"{name}_{i}" for i in range(len(value))])
        return decl, [name, str(len(value))]
    if item.kind != "list":
        return _array(name, C_TYPE[item.kind], [_scalar(v, item.kind) for v in value]), [name, str(len(value))]
    ctype = C_TYPE[item.item.kind]
    decl = "".join(_array(f"{name}_{i}", ctype, [_scalar(v, item.item.kind) for v in row])
                   for i, row in enumerate(value))
    decl += _array(name, f"{ctype} *", [f"{name}_{i}" for i in range(len(value))])
    decl += _array(f"{name}_lens", "int", [str(len(row)) for row in value])
    return decl, [name, str(len(value)), f"{name}_lens"]


def _test(i: int, entry: str, sig: Signature, args: list) -> str:
    decls, exprs = [], []
    for j, (value, t) in enumerate(zip(args, sig.params)):
        d, e = _arg(j, value, t)
        decls.append(d)
        exprs.extend(e)
    r = sig.returns
    body = "".join(decls)
    if r.kind != "list":
        ctype = "const char *" if r.kind == "str" else C_TYPE[r.kind]
        body += f"    {ctype} rlcode_r = {entry}({', '.join(exprs)});\n"
        body += f"    rlcode_begin(); {EMIT[r.kind]}(rlcode_r); rlcode_end();\n"
    elif r.item.kind != "list":
        ctype = "char **" if r.item.kind == "str" else C_TYPE[r.item.kind] + " *"
        body += "    int rlcode_n = -1;\n"
        body += f"    {ctype}rlcode_r = {entry}({', '.join([*exprs, '&rlcode_n'])});\n"
        body += ('    if (rlcode_n < 0 || (rlcode_n > 0 && !rlcode_r)) {'
                 ' rlcode_raise("the function did not set *out_len or returned NULL"); return; }\n')
        body += f"    rlcode_begin(); {EMIT[r.item.kind]}_list(rlcode_r, rlcode_n); rlcode_end();\n"
    else:
        ctype = C_TYPE[r.item.item.kind]
        body += "    int rlcode_n = -1;\n    int *rlcode_lens = NULL;\n"
        body += f"    {ctype} **rlcode_r = {entry}({', '.join([*exprs, '&rlcode_n', '&rlcode_lens'])});\n"
        body += ("    if (rlcode_n < 0 || (rlcode_n > 0 && (!rlcode_r || !rlcode_lens))) {"
                 ' rlcode_raise("the function did not set *out_len and *out_lens or returned NULL"); return; }\n')
        body += ("    for (int i = 0; i < rlcode_n; i++) if (rlcode_lens[i] > 0 && !rlcode_r[i]) {"
                 ' rlcode_raise("a returned row is NULL"); return; }\n')
        body += f"    rlcode_begin(); {EMIT[r.item.item.kind]}_list2(rlcode_r, rlcode_n, rlcode_lens); rlcode_end();\n"
    return f"static void rlcode_test_{i}(void) {{\n{body}}}\n"


def build(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    parts = [code, driver_header(), RUNTIME.replace("NONCE", c_string(nonce))]
    parts += [_test(i, entry, sig, args) for i, args in enumerate(tests)]
    calls = "".join(f"    rlcode_test_{i}();\n" for i in range(len(tests)))
    # A constructor: runs before the candidate's main (if any), which never starts.
    parts.append(f"__attribute__((constructor)) static void rlcode_run(void) {{\n{calls}"
                 "    fflush(stdout);\n    exit(0);\n}\n")
    if not defines_main(code):
        parts.append("int main(void) {\n    return 0;\n}\n")
    return {"main.c": "".join(parts)}


DRIVER = Driver("c", build, _unsupported, KEYWORDS)
