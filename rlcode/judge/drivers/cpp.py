"""C++ driver: the candidate's code, then a ``main`` that calls the entry point per test.

The candidate writes a free function (not a template, not overloaded), or a member of
``class Solution`` (LeetCode's layout: a default-constructed ``Solution`` per test, used when no
free function of that name is declared at file level). Each argument is built
as the canonical type (``long long``, ``double``, ``bool``, ``std::string``, ``std::vector<T>``,
``std::map<std::string, T>``) and converted to whatever the function's parameter actually is,
found from ``decltype(&::f)``: any arithmetic type, ``std::string`` / ``std::string_view`` /
``const char *``, ``std::vector`` of a convertible type, ``std::map`` or ``std::unordered_map``
keyed by ``std::string``, taken by value or by (const) reference. The result is printed from its
own type: arithmetic, ``bool``, strings, ``std::vector``, ``std::map``/``std::unordered_map``.
An exception out of the call is that test's failure (``std::bad_alloc`` ends the run: memory).
The call is qualified (``::f``), so ``using namespace std`` and a function named ``reverse`` or
``max`` do not clash. The tests run from the file's last static initializer (after the
candidate's globals, before its ``main``, which never starts) and exit.
"""

from __future__ import annotations

import re

from rlcode.judge.drivers.base import Driver
from rlcode.judge.drivers.clike import at_top_level, c_bool, c_float, c_int, c_string, defines_main, driver_header
from rlcode.judge.drivers.signature import Signature, Type

KEYWORDS = frozenset("""alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t
char32_t class compl const constexpr const_cast continue decltype default delete do double dynamic_cast else
enum explicit export extern false float for friend goto if inline int long mutable namespace new noexcept not
not_eq nullptr operator or or_eq private protected public register reinterpret_cast return short signed sizeof
static static_assert static_cast struct switch template this thread_local throw true try typedef typeid typename
union unsigned using virtual void volatile wchar_t while xor xor_eq std""".split())

RUNTIME = r"""
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace rlcode {
static const char nonce[] = NONCE;

// The parameter types of the entry point, decayed (const T& and T& become T).
template <class F> struct fn;
template <class R, class... A> struct fn<R (*)(A...)> { using params = std::tuple<std::decay_t<A>...>; };
template <class R, class... A> struct fn<R (*)(A...) noexcept> { using params = std::tuple<std::decay_t<A>...>; };
template <class R, class C, class... A> struct fn<R (C::*)(A...)> { using params = std::tuple<std::decay_t<A>...>; };
template <class R, class C, class... A> struct fn<R (C::*)(A...) const> { using params = std::tuple<std::decay_t<A>...>; };
template <class R, class C, class... A> struct fn<R (C::*)(A...) noexcept> { using params = std::tuple<std::decay_t<A>...>; };
template <class R, class C, class... A> struct fn<R (C::*)(A...) const noexcept> { using params = std::tuple<std::decay_t<A>...>; };
template <class F, std::size_t I> using param = std::tuple_element_t<I, typename fn<F>::params>;

// Canonical value -> the parameter's own type.
template <class T> struct conv {
    template <class S> static T from(const S &s) {
        if constexpr (std::is_integral<T>::value && std::is_integral<S>::value && !std::is_same<T, bool>::value) {
            if (static_cast<S>(static_cast<T>(s)) != s || (s < 0) != (static_cast<T>(s) < 0))
                throw std::out_of_range("argument " + std::to_string(s) + " does not fit the parameter's type");
        }
        return static_cast<T>(s);
    }
};
template <> struct conv<const char *> {
    static const char *from(const std::string &s) { return s.c_str(); }
};
template <> struct conv<char *> {  // the driver's own copy: the function may write to it
    static char *from(const std::string &s) { return const_cast<char *>(s.data()); }
};
template <> struct conv<std::string_view> {
    static std::string_view from(const std::string &s) { return s; }
};
template <class T, class A> struct conv<std::vector<T, A>> {
    template <class S> static std::vector<T, A> from(const std::vector<S> &s) {
        std::vector<T, A> out;
        out.reserve(s.size());
        for (const auto &x : s) out.push_back(conv<T>::from(x));
        return out;
    }
};
template <class V, class C, class A> struct conv<std::map<std::string, V, C, A>> {
    template <class S> static std::map<std::string, V, C, A> from(const std::map<std::string, S> &s) {
        std::map<std::string, V, C, A> out;
        for (const auto &kv : s) out.emplace(kv.first, conv<V>::from(kv.second));
        return out;
    }
};
template <class V, class H, class E, class A> struct conv<std::unordered_map<std::string, V, H, E, A>> {
    template <class S> static std::unordered_map<std::string, V, H, E, A> from(const std::map<std::string, S> &s) {
        std::unordered_map<std::string, V, H, E, A> out;
        for (const auto &kv : s) out.emplace(kv.first, conv<V>::from(kv.second));
        return out;
    }
};
template <class T, class S> T make(S &canonical) { return conv<T>::from(canonical); }

// Result -> JSON, by its own type (no conversions: a class type that converts to a number is
// refused at compile time). All declared before any is defined (nested containers).
void json(std::string &o, const std::string &s);
void json(std::string &o, std::string_view s);
void json(std::string &o, const char *s);
void json(std::string &o, const std::vector<bool> &v);
template <class T> std::enable_if_t<std::is_integral<T>::value> json(std::string &o, T v);
template <class T> std::enable_if_t<std::is_floating_point<T>::value> json(std::string &o, T v);
template <class T, class A> void json(std::string &o, const std::vector<T, A> &v);
template <class K, class V, class C, class A> void json(std::string &o, const std::map<K, V, C, A> &m);
template <class K, class V, class H, class E, class A> void json(std::string &o, const std::unordered_map<K, V, H, E, A> &m);

void json(std::string &o, std::string_view s) {
    o += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') { o += '\\'; o += static_cast<char>(c); }
        else if (c < 0x20) { char buf[8]; std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c)); o += buf; }
        else o += static_cast<char>(c);
    }
    o += '"';
}
void json(std::string &o, const std::string &s) { json(o, std::string_view(s)); }
void json(std::string &o, const char *s) {
    if (!s) o += "null";
    else json(o, std::string_view(s));
}
void json(std::string &o, const std::vector<bool> &v) {
    o += '[';
    for (std::size_t i = 0; i < v.size(); i++) { if (i) o += ','; json(o, static_cast<bool>(v[i])); }
    o += ']';
}
template <class T> std::enable_if_t<std::is_integral<T>::value> json(std::string &o, T v) {
    if constexpr (std::is_same<T, bool>::value) o += v ? "true" : "false";
    else if constexpr (std::is_signed<T>::value) o += std::to_string(static_cast<long long>(v));
    else o += std::to_string(static_cast<unsigned long long>(v));
}
template <class T> std::enable_if_t<std::is_floating_point<T>::value> json(std::string &o, T v) {
    double d = static_cast<double>(v);
    if (std::isnan(d)) { o += "NaN"; return; }
    if (std::isinf(d)) { o += d > 0 ? "Infinity" : "-Infinity"; return; }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    o += buf;
}
template <class T, class A> void json(std::string &o, const std::vector<T, A> &v) {
    o += '[';
    bool first = true;
    for (const auto &x : v) { if (!first) o += ','; first = false; json(o, x); }
    o += ']';
}
template <class K, class V, class C, class A> void json(std::string &o, const std::map<K, V, C, A> &m) {
    o += '{';
    bool first = true;
    for (const auto &kv : m) { if (!first) o += ','; first = false; json(o, kv.first); o += ':'; json(o, kv.second); }
    o += '}';
}
template <class K, class V, class H, class E, class A> void json(std::string &o, const std::unordered_map<K, V, H, E, A> &m) {
    o += '{';
    bool first = true;
    for (const auto &kv : m) { if (!first) o += ','; first = false; json(o, kv.first); o += ':'; json(o, kv.second); }
    o += '}';
}

void line(const char *mark, const std::string &body) {
    std::string out = "\n";
    out += nonce;
    out += ' ';
    out += mark;
    out += ' ';
    out += body;
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}
template <class R> void ok(const R &r) {
    std::string body;
    json(body, r);
    line("=", body);
}
void raised(const char *what) {
    std::string body;
    json(body, what ? what : "exception");
    line("!", body);
}
}  // namespace rlcode
"""


CPP_SCALARS = {"int": "long long", "float": "double", "bool": "bool", "str": "std::string"}


def canonical_type(t: Type) -> str:
    return t.spell(CPP_SCALARS, "std::vector<{}>", "std::map<std::string, {}>")


def literal(value, t: Type) -> str:
    if t.kind == "int":
        return c_int(value)
    if t.kind == "float":
        return c_float(value, "std::numeric_limits<double>::infinity()", "std::numeric_limits<double>::quiet_NaN()")
    if t.kind == "bool":
        return c_bool(value)
    if t.kind == "str":
        return f"std::string({c_string(value)}, {len(value.encode('utf-8'))})"
    ctype = canonical_type(t)
    if t.kind == "list":
        return f"{ctype}{{{', '.join(literal(v, t.item) for v in value)}}}"
    item = canonical_type(t.item)
    pairs = ", ".join(f"std::pair<const std::string, {item}>({literal(k, Type('str'))}, {literal(v, t.item)})"
                      for k, v in value.items())
    return f"{ctype}{{{pairs}}}"


def member_of(code: str, entry: str) -> str | None:
    """``Solution`` for LeetCode's layout (a class Solution, no free function of that name)."""
    if at_top_level(code, rf"\b{re.escape(entry)}\s*\(") or not re.search(r"\b(?:class|struct)\s+Solution\b", code):
        return None
    return "Solution"


def _test(i: int, entry: str, sig: Signature, args: list, owner: str | None) -> str:
    target = f"{owner}::{entry}" if owner else f"::{entry}"
    # Unused (a warning) when there are no arguments to convert.
    body = f"    using F = decltype(&{target});\n" if args else ""
    for j, (value, t) in enumerate(zip(args, sig.params)):
        body += f"    {canonical_type(t)} c{j} = {literal(value, t)};\n"
    body += "    try {\n"
    for j in range(len(args)):
        body += f"        rlcode::param<F, {j}> a{j} = rlcode::make<rlcode::param<F, {j}>>(c{j});\n"
    if owner:
        body += f"        {owner} rlcode_self;\n"
    callee = f"rlcode_self.{entry}" if owner else f"::{entry}"
    body += f"        rlcode::ok({callee}({', '.join(f'a{j}' for j in range(len(args)))}));\n"
    body += ("    } catch (const std::bad_alloc &) {\n        throw;\n"
             "    } catch (const std::exception &e) {\n        rlcode::raised(e.what());\n"
             "    } catch (...) {\n        rlcode::raised(\"an exception that is not a std::exception\");\n    }\n")
    return f"static void rlcode_test_{i}() {{\n{body}}}\n"


def build(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    parts = [code, driver_header(), RUNTIME.replace("NONCE", c_string(nonce))]
    owner = member_of(code, entry)
    parts += [_test(i, entry, sig, args, owner) for i, args in enumerate(tests)]
    calls = "".join(f"    rlcode_test_{i}();\n" for i in range(len(tests)))
    # Run by the last dynamic initializer of the file: after the candidate's globals are built
    # (initialization follows definition order within a file), before its main, which never starts.
    parts.append(f"static int rlcode_run() {{\n{calls}    std::fflush(stdout);\n    std::exit(0);\n}}\n"
                 "[[maybe_unused]] static const int rlcode_started = rlcode_run();\n")
    if not defines_main(code):
        parts.append("int main() {\n    return 0;\n}\n")
    return {"main.cpp": "".join(parts)}


DRIVER = Driver("cpp", build, keywords=KEYWORDS)
