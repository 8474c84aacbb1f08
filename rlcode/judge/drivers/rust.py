"""Rust driver: the candidate's code (its ``fn main`` renamed), then the driver's ``main``.

The candidate writes a free function (not generic), or LeetCode's ``impl Solution { pub fn … }``
with ``struct Solution;``. Canonical types are ``i64``, ``f64``, ``bool``, ``String``,
``Vec<T>``, ``HashMap<String, T>``; each argument is converted to the parameter's declared type
(inferred by rustc from the call), so these work too: any integer type (range-checked),
``f32``, ``&str``, ``char`` (one-character strings), ``&[T]``, ``&Vec<T>``, ``&mut Vec<T>``,
``&mut [T]``, ``Vec<&str>``, ``BTreeMap<String, T>``, and references to maps. The result is
printed through a trait implemented for integers, floats, ``bool``, ``char``, ``String``/``&str``,
``Vec``/slices/arrays/``VecDeque``, ``Option`` (``None`` is null), ``HashMap``/``BTreeMap``
with string keys, and references or boxes of those. A panic in the call is that test's
failure (the default hook still prints it on stderr).
"""

from __future__ import annotations

import re

from rlcode.judge.drivers.clike import quoted_chars
from rlcode.judge.drivers.base import Driver
from rlcode.judge.drivers.signature import INT64_MIN, Signature, Type, check_int64, float_text

KEYWORDS = frozenset("""as break const continue crate else enum extern false fn for if impl in let loop match mod
move mut pub ref return self Self static struct super trait true type unsafe use where while async await dyn
abstract become box do final macro override priv typeof unsized virtual yield try union""".split())

_MAIN = re.compile(r"(?m)^([ \t]*)(pub(?:\([^)\n]*\))?[ \t]+)?fn[ \t]+main[ \t]*\(")
# Comments, strings (raw strings too) and char literals, blanked before counting braces.
_SKIP = re.compile(r'//[^\n]*|/\*.*?\*/|r(#*)".*?"\1|b?"(?:\\.|[^"\\])*"|b?\'(?:\\.[^\']*|[^\'\\\n])\'', re.S)

RUNTIME = r"""
#[allow(dead_code)]
enum RlcodeV {
    I(i64),
    F(f64),
    B(bool),
    S(&'static str),
    LI(&'static [i64]),
    LF(&'static [f64]),
    L(Vec<RlcodeV>),
    D(Vec<(&'static str, RlcodeV)>),
}

#[allow(dead_code)]
impl RlcodeV {
    fn items(self) -> Vec<RlcodeV> {
        match self {
            RlcodeV::L(xs) => xs,
            RlcodeV::LI(xs) => xs.iter().map(|&x| RlcodeV::I(x)).collect(),
            RlcodeV::LF(xs) => xs.iter().map(|&x| RlcodeV::F(x)).collect(),
            _ => panic!("argument is not a list"),
        }
    }
    fn pairs(self) -> Vec<(&'static str, RlcodeV)> {
        match self {
            RlcodeV::D(kv) => kv,
            _ => panic!("argument is not a dict"),
        }
    }
}

trait RlcodeFrom: Sized {
    fn rlcode_from(v: RlcodeV) -> Self;
}

fn rlcode_arg<T: RlcodeFrom>(v: RlcodeV) -> T {
    T::rlcode_from(v)
}

macro_rules! rlcode_from_int {
    ($($t:ty),*) => {$(
        impl RlcodeFrom for $t {
            fn rlcode_from(v: RlcodeV) -> Self {
                match v {
                    RlcodeV::I(x) => <$t as std::convert::TryFrom<i64>>::try_from(x)
                        .unwrap_or_else(|_| panic!("argument {} does not fit {}", x, stringify!($t))),
                    _ => panic!("argument is not an integer"),
                }
            }
        }
    )*};
}
rlcode_from_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl RlcodeFrom for f64 {
    fn rlcode_from(v: RlcodeV) -> Self {
        match v {
            RlcodeV::F(x) => x,
            RlcodeV::I(x) => x as f64,
            _ => panic!("argument is not a number"),
        }
    }
}
impl RlcodeFrom for f32 {
    fn rlcode_from(v: RlcodeV) -> Self {
        f64::rlcode_from(v) as f32
    }
}
impl RlcodeFrom for bool {
    fn rlcode_from(v: RlcodeV) -> Self {
        match v {
            RlcodeV::B(x) => x,
            _ => panic!("argument is not a bool"),
        }
    }
}
impl RlcodeFrom for &'static str {
    fn rlcode_from(v: RlcodeV) -> Self {
        match v {
            RlcodeV::S(x) => x,
            _ => panic!("argument is not a string"),
        }
    }
}
impl RlcodeFrom for String {
    fn rlcode_from(v: RlcodeV) -> Self {
        <&'static str>::rlcode_from(v).to_string()
    }
}
impl RlcodeFrom for char {
    fn rlcode_from(v: RlcodeV) -> Self {
        let s = <&'static str>::rlcode_from(v);
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => c,
            _ => panic!("argument {:?} is not one character", s),
        }
    }
}
impl<T: RlcodeFrom> RlcodeFrom for Vec<T> {
    fn rlcode_from(v: RlcodeV) -> Self {
        v.items().into_iter().map(T::rlcode_from).collect()
    }
}
impl<T: RlcodeFrom> RlcodeFrom for std::collections::VecDeque<T> {
    fn rlcode_from(v: RlcodeV) -> Self {
        v.items().into_iter().map(T::rlcode_from).collect()
    }
}
impl<T: RlcodeFrom> RlcodeFrom for &'static [T] {
    fn rlcode_from(v: RlcodeV) -> Self {
        Box::leak(Vec::<T>::rlcode_from(v).into_boxed_slice())
    }
}
impl<T: RlcodeFrom> RlcodeFrom for &'static mut [T] {
    fn rlcode_from(v: RlcodeV) -> Self {
        Box::leak(Vec::<T>::rlcode_from(v).into_boxed_slice())
    }
}
impl<T: RlcodeFrom> RlcodeFrom for &'static Vec<T> {
    fn rlcode_from(v: RlcodeV) -> Self {
        Box::leak(Box::new(Vec::<T>::rlcode_from(v)))
    }
}
impl<T: RlcodeFrom> RlcodeFrom for &'static mut Vec<T> {
    fn rlcode_from(v: RlcodeV) -> Self {
        Box::leak(Box::new(Vec::<T>::rlcode_from(v)))
    }
}
impl RlcodeFrom for &'static String {
    fn rlcode_from(v: RlcodeV) -> Self {
        Box::leak(Box::new(String::rlcode_from(v)))
    }
}
impl<T: RlcodeFrom> RlcodeFrom for std::collections::HashMap<String, T> {
    fn rlcode_from(v: RlcodeV) -> Self {
        v.pairs().into_iter().map(|(k, x)| (k.to_string(), T::rlcode_from(x))).collect()
    }
}
impl<T: RlcodeFrom> RlcodeFrom for std::collections::BTreeMap<String, T> {
    fn rlcode_from(v: RlcodeV) -> Self {
        v.pairs().into_iter().map(|(k, x)| (k.to_string(), T::rlcode_from(x))).collect()
    }
}
impl<T: RlcodeFrom> RlcodeFrom for &'static std::collections::HashMap<String, T> {
    fn rlcode_from(v: RlcodeV) -> Self {
        Box::leak(Box::new(std::collections::HashMap::<String, T>::rlcode_from(v)))
    }
}
impl<T: RlcodeFrom> RlcodeFrom for &'static std::collections::BTreeMap<String, T> {
    fn rlcode_from(v: RlcodeV) -> Self {
        Box::leak(Box::new(std::collections::BTreeMap::<String, T>::rlcode_from(v)))
    }
}

fn rlcode_quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

trait RlcodeJson {
    fn rlcode_json(&self, out: &mut String);
}

macro_rules! rlcode_json_int {
    ($($t:ty),*) => {$(
        impl RlcodeJson for $t {
            fn rlcode_json(&self, out: &mut String) {
                out.push_str(&self.to_string());
            }
        }
    )*};
}
rlcode_json_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

fn rlcode_float(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        out.push_str(&format!("{:?}", x));
    }
}
impl RlcodeJson for f64 {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_float(*self, out);
    }
}
impl RlcodeJson for f32 {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_float(*self as f64, out);
    }
}
impl RlcodeJson for bool {
    fn rlcode_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}
impl RlcodeJson for char {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_quote(&self.to_string(), out);
    }
}
impl RlcodeJson for str {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_quote(self, out);
    }
}
impl RlcodeJson for String {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_quote(self, out);
    }
}
impl<T: RlcodeJson + ?Sized> RlcodeJson for &T {
    fn rlcode_json(&self, out: &mut String) {
        (**self).rlcode_json(out);
    }
}
impl<T: RlcodeJson + ?Sized> RlcodeJson for &mut T {
    fn rlcode_json(&self, out: &mut String) {
        (**self).rlcode_json(out);
    }
}
impl<T: RlcodeJson + ?Sized> RlcodeJson for Box<T> {
    fn rlcode_json(&self, out: &mut String) {
        (**self).rlcode_json(out);
    }
}
impl<T: RlcodeJson> RlcodeJson for Option<T> {
    fn rlcode_json(&self, out: &mut String) {
        match self {
            Some(x) => x.rlcode_json(out),
            None => out.push_str("null"),
        }
    }
}
fn rlcode_seq<'a, T: RlcodeJson + 'a>(items: impl Iterator<Item = &'a T>, out: &mut String) {
    out.push('[');
    for (i, x) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        x.rlcode_json(out);
    }
    out.push(']');
}
impl<T: RlcodeJson> RlcodeJson for [T] {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_seq(self.iter(), out);
    }
}
impl<T: RlcodeJson, const N: usize> RlcodeJson for [T; N] {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_seq(self.iter(), out);
    }
}
impl<T: RlcodeJson> RlcodeJson for Vec<T> {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_seq(self.iter(), out);
    }
}
impl<T: RlcodeJson> RlcodeJson for std::collections::VecDeque<T> {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_seq(self.iter(), out);
    }
}
fn rlcode_map<'a, K: std::fmt::Display + 'a, V: RlcodeJson + 'a>(items: impl Iterator<Item = (&'a K, &'a V)>, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        rlcode_quote(&k.to_string(), out);
        out.push(':');
        v.rlcode_json(out);
    }
    out.push('}');
}
impl<K: std::fmt::Display, V: RlcodeJson, S> RlcodeJson for std::collections::HashMap<K, V, S> {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_map(self.iter(), out);
    }
}
impl<K: std::fmt::Display, V: RlcodeJson> RlcodeJson for std::collections::BTreeMap<K, V> {
    fn rlcode_json(&self, out: &mut String) {
        rlcode_map(self.iter(), out);
    }
}

fn rlcode_result<T: RlcodeJson>(value: T) -> String {
    let mut out = String::from("= ");
    value.rlcode_json(&mut out);
    out
}

fn rlcode_run<F: FnOnce() -> String>(call: F) {
    let line = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(line) => line,
        Err(payload) => {
            let message = if let Some(s) = payload.downcast_ref::<&str>() {
                s.to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                String::from("a panic without a message")
            };
            let mut line = String::from("! ");
            rlcode_quote(&message, &mut line);
            line
        }
    };
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = write!(out, "\n{} {}\n", @NONCE@, line);
    let _ = out.flush();
}

fn main() {
@TESTS@
}
"""


def rust_string(s: str) -> str:
    return quoted_chars(s, lambda o: f"\\u{{{o:x}}}")


def _int(value) -> str:
    check_int64(value, "argument")
    return "i64::MIN" if value == INT64_MIN else str(value)


def _float(value) -> str:
    text = float_text(float(value))
    if text is not None:
        return text
    return "f64::NAN" if value != value else ("f64::INFINITY" if value > 0 else "f64::NEG_INFINITY")


def literal(value, t: Type) -> str:
    if t.kind == "int":
        return f"RlcodeV::I({_int(value)})"
    if t.kind == "float":
        return f"RlcodeV::F({_float(value)})"
    if t.kind == "bool":
        return f"RlcodeV::B({'true' if value else 'false'})"
    if t.kind == "str":
        return f"RlcodeV::S({rust_string(value)})"
    if t.kind == "list" and t.item.kind == "int":  # a static array compiles fast however long
        return f"RlcodeV::LI(&[{', '.join(_int(v) for v in value)}])"
    if t.kind == "list" and t.item.kind == "float":
        return f"RlcodeV::LF(&[{', '.join(_float(v) for v in value)}])"
    if t.kind == "list":
        return f"RlcodeV::L(vec![{', '.join(literal(v, t.item) for v in value)}])"
    return f"RlcodeV::D(vec![{', '.join(f'({rust_string(k)}, {literal(v, t.item)})' for k, v in value.items())}])"


def _top_level_fn(code: str, entry: str) -> bool:
    """Whether ``fn <entry>`` is declared outside every block (a free function)."""
    text = _SKIP.sub(lambda m: " " * len(m.group(0)), code)
    wanted = re.compile(rf"\bfn\s+{re.escape(entry)}\b")
    depth = 0
    for m in re.finditer(rf"[{{}}]|\bfn\s+{re.escape(entry)}\b", text):
        tok = m.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and wanted.match(tok):
            return True
    return False


def callee(code: str, entry: str) -> str:
    """``entry``, or ``Solution::entry`` for LeetCode's layout (no free function of that name)."""
    if not _top_level_fn(code, entry) and re.search(r"\bimpl\s+Solution\b", code):
        return f"Solution::{entry}"
    return entry


def rename_main(code: str) -> str:
    return _MAIN.sub(lambda m: f"{m.group(1)}#[allow(dead_code)] {m.group(2) or ''}fn rlcode_candidate_main(", code)


def build(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    fn = callee(code, entry)
    calls = "".join(f"    rlcode_run(|| rlcode_result({fn}("
                    f"{', '.join(f'rlcode_arg({literal(v, t)})' for v, t in zip(args, sig.params))})));\n"
                    for args in tests)
    text = RUNTIME.replace("@NONCE@", rust_string(nonce)).replace("@TESTS@", calls.rstrip("\n"))
    return {"main.rs": rename_main(code) + "\n" + text}


DRIVER = Driver("rust", build, keywords=KEYWORDS)
