"""Go driver: the candidate's file (package ``main``), with the driver's imports and ``main``.

The candidate writes a function in package ``main`` (a package clause is added when missing; a
different package name is changed to ``main``; its own ``func main`` is renamed). Types:
``int`` -> ``int`` (64-bit; untyped constants, so ``int64``/``int32`` parameters work too),
``float`` -> ``float64``, ``bool`` -> ``bool``, ``str`` -> ``string``, ``list[T]`` -> ``[]T``,
``dict[str,T]`` -> ``map[string]T``. Scalars are untyped constants, so any numeric parameter type
takes them; slices and maps must be exactly these types. The result is printed from its runtime
type (by reflection): any integer or float kind, bool, string, slice or array (a nil slice is
``[]``), map with string keys, pointers followed. A panic in the call is that test's failure.

The driver's imports go on the candidate's package line (``package main; import (...)``), so the
candidate's line numbers stay as they were; they are aliased (``rlcode_fmt``…) so they can
neither clash with the candidate's imports nor count as unused.
"""

from __future__ import annotations

import re

from rlcode.judge.drivers.clike import quoted_bytes
from rlcode.judge.drivers.base import Driver
from rlcode.judge.drivers.signature import Signature, Type, check_int64, float_text

KEYWORDS = frozenset("""break case chan const continue default defer else fallthrough for func go goto if import
interface map package range return select struct switch type var bool int string float64 len cap make new append
panic recover print println copy delete close true false nil iota""".split())

IMPORTS = ('import (rlcode_math "math"; rlcode_os "os"; rlcode_reflect "reflect"; rlcode_strconv "strconv"; '
           'rlcode_fmt "fmt"); ')

# Comments and string/rune literals (raw strings too), blanked before looking for the package
# clause and func main.
_SKIP = re.compile(r'//[^\n]*|/\*.*?\*/|`[^`]*`|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_PACKAGE = re.compile(r"\bpackage\s+([A-Za-z_]\w*)")
_MAIN = re.compile(r"(?m)^func\s+main\s*\(\s*\)")

RUNTIME = r"""
var _ = rlcode_math.NaN

func rlcode_quote(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, []byte(rlcode_fmt.Sprintf("\\u%04x", c))...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func rlcode_json(b []byte, v rlcode_reflect.Value, depth int) []byte {
	if depth > 200 {
		panic("result nested too deeply")
	}
	switch v.Kind() {
	case rlcode_reflect.Invalid:
		return append(b, "null"...)
	case rlcode_reflect.Bool:
		return rlcode_strconv.AppendBool(b, v.Bool())
	case rlcode_reflect.Int, rlcode_reflect.Int8, rlcode_reflect.Int16, rlcode_reflect.Int32, rlcode_reflect.Int64:
		return rlcode_strconv.AppendInt(b, v.Int(), 10)
	case rlcode_reflect.Uint, rlcode_reflect.Uint8, rlcode_reflect.Uint16, rlcode_reflect.Uint32, rlcode_reflect.Uint64, rlcode_reflect.Uintptr:
		return rlcode_strconv.AppendUint(b, v.Uint(), 10)
	case rlcode_reflect.Float32, rlcode_reflect.Float64:
		f := v.Float()
		switch {
		case rlcode_math.IsNaN(f):
			return append(b, "NaN"...)
		case rlcode_math.IsInf(f, 1):
			return append(b, "Infinity"...)
		case rlcode_math.IsInf(f, -1):
			return append(b, "-Infinity"...)
		}
		bits := 64
		if v.Kind() == rlcode_reflect.Float32 {
			bits = 32
		}
		return rlcode_strconv.AppendFloat(b, f, 'g', -1, bits)
	case rlcode_reflect.String:
		return rlcode_quote(b, v.String())
	case rlcode_reflect.Slice, rlcode_reflect.Array:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = rlcode_json(b, v.Index(i), depth+1)
		}
		return append(b, ']')
	case rlcode_reflect.Map:
		if v.Type().Key().Kind() != rlcode_reflect.String {
			panic("cannot report a map whose keys are not strings")
		}
		b = append(b, '{')
		for i, k := range v.MapKeys() {
			if i > 0 {
				b = append(b, ',')
			}
			b = rlcode_quote(b, k.String())
			b = append(b, ':')
			b = rlcode_json(b, v.MapIndex(k), depth+1)
		}
		return append(b, '}')
	case rlcode_reflect.Ptr, rlcode_reflect.Interface:
		if v.IsNil() {
			return append(b, "null"...)
		}
		return rlcode_json(b, v.Elem(), depth+1)
	}
	panic("cannot report a result of type " + v.Type().String())
}

func rlcode_run(call func() interface{}) {
	var line []byte
	func() {
		defer func() {
			if r := recover(); r != nil {
				line = rlcode_quote([]byte("! "), rlcode_fmt.Sprint(r))
			}
		}()
		result := call()
		line = rlcode_json([]byte("= "), rlcode_reflect.ValueOf(result), 0)
	}()
	out := append([]byte("\n"+@NONCE@+" "), line...)
	rlcode_os.Stdout.Write(append(out, '\n'))
}

func main() {
@TESTS@
}
"""


def go_string(s: str) -> str:
    return quoted_bytes(s, '"\\', lambda b: f"\\x{b:02x}")  # Go's \x takes exactly two digits


GO_SCALARS = {"int": "int", "float": "float64", "bool": "bool", "str": "string"}


def go_type(t: Type) -> str:
    return t.spell(GO_SCALARS, "[]{}", "map[string]{}")


def literal(value, t: Type, typed: bool = True) -> str:
    """A Go expression; inside a composite literal (``typed`` False) the element type is elided."""
    if t.kind == "int":
        check_int64(value, "argument")
        return str(value)
    if t.kind == "float":
        text = float_text(float(value))
        if text is not None:
            return text
        return "rlcode_math.NaN()" if value != value else f"rlcode_math.Inf({1 if value > 0 else -1})"
    if t.kind == "bool":
        return "true" if value else "false"
    if t.kind == "str":
        return go_string(value)
    prefix = go_type(t) if typed else ""
    if t.kind == "list":
        return prefix + "{" + ", ".join(literal(v, t.item, False) for v in value) + "}"
    return prefix + "{" + ", ".join(f"{go_string(k)}: {literal(v, t.item, False)}" for k, v in value.items()) + "}"


def rewrite(code: str) -> str:
    """The candidate's code in package main with the driver's imports, its main renamed; no line moves."""
    blanked = _SKIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)
    for m in reversed(list(_MAIN.finditer(blanked))):
        code = code[:m.start()] + "func rlcodeCandidateMain()" + code[m.end():]
    blanked = _SKIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)
    m = _PACKAGE.search(blanked)
    if m:
        return code[:m.start()] + "package main; " + IMPORTS + code[m.end():]
    return "package main; " + IMPORTS + code


def build(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    calls = "".join(f"\trlcode_run(func() interface{{}} {{ return {entry}("
                    f"{', '.join(literal(v, t) for v, t in zip(args, sig.params))}) }})\n"
                    for args in tests)
    text = RUNTIME.replace("@NONCE@", go_string(nonce)).replace("@TESTS@", calls.rstrip("\n"))
    return {"main.go": rewrite(code) + "\n" + text}


DRIVER = Driver("go", build, keywords=KEYWORDS)
