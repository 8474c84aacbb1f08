"""Java driver: the candidate's source as it is, plus ``RlcodeDriver.java`` holding ``main``.

The candidate writes a class (any name, public or not, in any package) with a method named
after the entry point taking the task's number of parameters: static, or an instance method of
a class with a no-argument constructor (LeetCode's ``class Solution``; a fresh instance per
test). Top-level classes and their static nested classes are searched, static methods first.

Arguments are written as canonical values (``Long``, ``Double``, ``Boolean``, ``String``,
``List``, ``Map``) and converted, by reflection, to the method's declared parameter types:
``long``/``int``/``short``/``byte`` (range-checked), ``double``/``float``, ``boolean``,
``String``, ``char`` (one-character strings), ``char[]`` (strings), arrays of any of these
(``int[]``, ``long[][]``, ``String[]``…), ``List``/``ArrayList``/``LinkedList``/``Collection``
of boxed types, ``Map``/``HashMap``/``TreeMap`` keyed by ``String``. The result is printed from
its runtime type (numbers, booleans, strings, ``char[]`` as a string, arrays, ``Iterable``,
``Map``). An exception from the method is that test's failure; an ``OutOfMemoryError`` ends the
run (memory_exceeded).

Literals are split over small classes (``RlcodeP<n>``) so a test with a large argument stays
under the JVM's 64 KiB method and constant-pool limits.
"""

from __future__ import annotations

import re

from rlcode.judge.drivers.clike import quoted_chars
from rlcode.judge.drivers.base import Driver
from rlcode.judge.drivers.signature import Signature, Type, check_int64, float_text
from rlcode.languages.java import _IDENT, _SKIP, _TOKEN, _TYPE_KEYWORDS, MAIN_CLASS_FILE, _blank
from rlcode.languages.java import prepare as java_prepare

DRIVER_CLASS = "RlcodeDriver"
HOIST = 20000  # characters of literal text per generated method (roughly its bytecode size)

KEYWORDS = frozenset("""abstract assert boolean break byte case catch char class const continue default do double
else enum extends final finally float for goto if implements import instanceof int interface long native new
package private protected public return short static strictfp super switch synchronized this throw throws
transient try void volatile while true false null var record yield""".split())


def type_names(code: str) -> tuple[str | None, list[str]]:
    """(package, names of the top-level types) of a Java source, in order."""
    text = _SKIP.sub(_blank, code)
    m = re.search(rf"^\s*package\s+({_IDENT}(?:\s*\.\s*{_IDENT})*)\s*;", text, re.M)
    package = re.sub(r"\s+", "", m.group(1)) if m else None
    tokens = _TOKEN.findall(text)
    depth, names = 0, []
    for i, tok in enumerate(tokens):
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and tok in _TYPE_KEYWORDS and i + 1 < len(tokens) and re.fullmatch(_IDENT, tokens[i + 1]):
            if tokens[i + 1] not in names:
                names.append(tokens[i + 1])
    return package, names


def java_string(s: str) -> str:
    # octal: a \\u escape would be read before the string is
    return quoted_chars(s, lambda o: f"\\{o:03o}")


class _Literals:
    """Java expressions for canonical values, hoisting big ones into classes of their own."""

    def __init__(self):
        self.classes: list[str] = []

    def hoist(self, expr: str) -> str:
        name = f"RlcodeP{len(self.classes)}"
        self.classes.append(f"final class {name} {{\n    static Object v() {{\n        return {expr};\n    }}\n}}\n")
        return f"{name}.v()"

    def expr(self, value, t: Type) -> str:
        if t.kind == "int":
            check_int64(value, "argument")
            return f"{value}L"
        if t.kind == "float":
            text = float_text(float(value))
            if text is not None:
                return text + "d"
            return "Double.NaN" if value != value else ("Double.POSITIVE_INFINITY" if value > 0
                                                          else "Double.NEGATIVE_INFINITY")
        if t.kind == "bool":
            return "Boolean.TRUE" if value else "Boolean.FALSE"
        if t.kind == "str":
            text = java_string(value)
            return text if len(text) < HOIST else self.hoist(text)
        if t.kind == "list":
            items = [self.expr(v, t.item) for v in value]
            return self._joined("RlcodeDriver.list", items)
        items = []
        for k, v in value.items():
            items += [java_string(k), self.expr(v, t.item)]
        return self._joined("RlcodeDriver.dict", items)

    def _joined(self, fn: str, items: list[str]) -> str:
        chunks, current, size = [], [], 0
        for item in items:
            if current and size + len(item) > HOIST:
                chunks.append(current)
                current, size = [], 0
            current.append(item)
            size += len(item) + 2
        if current or not chunks:
            chunks.append(current)
        if len(chunks) == 1:
            return f"{fn}({', '.join(chunks[0])})"
        parts = [self.hoist(f"{fn}({', '.join(c)})") for c in chunks]
        return f"{fn}Cat({', '.join(parts)})"


RUNTIME = r"""
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public class RlcodeDriver {
    static final String NONCE = @NONCE@;
    static final String ENTRY = @ENTRY@;
    static final int ARITY = @ARITY@;
    static final String[] CLASSES = {@CLASSES@};
    static final int TESTS = @TESTS@;
    static final String PACKAGE = @PACKAGE@;

    static Object list(Object... xs) {
        return new ArrayList<Object>(Arrays.asList(xs));
    }

    static Object listCat(Object... parts) {
        ArrayList<Object> out = new ArrayList<Object>();
        for (Object p : parts) out.addAll((List<?>) p);
        return out;
    }

    static Object dict(Object... kv) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<String, Object>();
        for (int i = 0; i + 1 < kv.length; i += 2) out.put((String) kv[i], kv[i + 1]);
        return out;
    }

    static Object dictCat(Object... parts) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<String, Object>();
        for (Object p : parts) for (Map.Entry<?, ?> e : ((Map<?, ?>) p).entrySet()) out.put((String) e.getKey(), e.getValue());
        return out;
    }

    static Method find() throws Exception {
        ClassLoader loader = RlcodeDriver.class.getClassLoader();
        List<Class<?>> classes = new ArrayList<Class<?>>();
        for (String name : CLASSES) {
            try {
                classes.add(Class.forName(name, false, loader));
            } catch (ClassNotFoundException e) {
                // not a class javac produced (a name the scan mistook): skip it
            }
        }
        for (int k = 0; k < classes.size() && classes.size() < 1000; k++) {
            for (Class<?> inner : classes.get(k).getDeclaredClasses()) {
                if (Modifier.isStatic(inner.getModifiers())) classes.add(inner);
            }
        }
        Method instance = null;
        for (Class<?> c : classes) {
            for (Method m : c.getDeclaredMethods()) {
                if (!m.getName().equals(ENTRY) || m.getParameterCount() != ARITY || m.isSynthetic() || m.isBridge()) continue;
                if (Modifier.isStatic(m.getModifiers())) {
                    m.setAccessible(true);
                    return m;
                }
                if (instance == null && !Modifier.isAbstract(m.getModifiers())) instance = m;
            }
        }
        if (instance == null) {
            throw new NoSuchMethodException("no method " + ENTRY + " with " + ARITY + " parameter(s) in "
                + (CLASSES.length == 0 ? "the program (it declares no class)" : String.join(", ", CLASSES)));
        }
        instance.setAccessible(true);
        return instance;
    }

    static Class<?> raw(Type t) {
        if (t instanceof Class) return (Class<?>) t;
        if (t instanceof ParameterizedType) return raw(((ParameterizedType) t).getRawType());
        if (t instanceof GenericArrayType) return Array.newInstance(raw(((GenericArrayType) t).getGenericComponentType()), 0).getClass();
        return Object.class;
    }

    static IllegalArgumentException cannot(Object v, Type t) {
        String what = v == null ? "null" : v.getClass().getSimpleName() + " " + String.valueOf(v);
        if (what.length() > 80) what = what.substring(0, 80) + "...";
        return new IllegalArgumentException("cannot pass " + what + " as a " + t.getTypeName());
    }

    static Object array(Object v, Type component, Type whole) {
        if (!(v instanceof List)) throw cannot(v, whole);
        List<?> items = (List<?>) v;
        Object out = Array.newInstance(raw(component), items.size());
        for (int i = 0; i < items.size(); i++) Array.set(out, i, to(items.get(i), component));
        return out;
    }

    static Object to(Object v, Type t) {
        if (t instanceof WildcardType) {
            Type[] upper = ((WildcardType) t).getUpperBounds();
            return to(v, upper.length > 0 ? upper[0] : Object.class);
        }
        if (t instanceof TypeVariable) return v;
        if (t instanceof GenericArrayType) return array(v, ((GenericArrayType) t).getGenericComponentType(), t);
        if (t instanceof ParameterizedType) {
            Class<?> c = raw(t);
            Type[] a = ((ParameterizedType) t).getActualTypeArguments();
            if (v instanceof List && a.length == 1) {
                List<Object> out;
                if (c.isAssignableFrom(ArrayList.class)) out = new ArrayList<Object>();
                else if (c.isAssignableFrom(LinkedList.class)) out = new LinkedList<Object>();
                else throw cannot(v, t);
                for (Object x : (List<?>) v) out.add(to(x, a[0]));
                return out;
            }
            if (v instanceof Map && a.length == 2) {
                Map<Object, Object> out;
                if (c.isAssignableFrom(HashMap.class)) out = new HashMap<Object, Object>();
                else if (c.isAssignableFrom(TreeMap.class)) out = new TreeMap<Object, Object>();
                else throw cannot(v, t);
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) out.put(to(e.getKey(), a[0]), to(e.getValue(), a[1]));
                return out;
            }
            throw cannot(v, t);
        }
        Class<?> c = raw(t);
        if (c.isArray()) {
            if (v instanceof String && c == char[].class) return ((String) v).toCharArray();
            return array(v, c.getComponentType(), t);
        }
        if (v instanceof Long) {
            long x = (Long) v;
            if (c == long.class || c == Long.class) return x;
            if (c == int.class || c == Integer.class) return Math.toIntExact(x);
            if (c == short.class || c == Short.class) {
                if (x != (short) x) throw new ArithmeticException(x + " does not fit a short");
                return (short) x;
            }
            if (c == byte.class || c == Byte.class) {
                if (x != (byte) x) throw new ArithmeticException(x + " does not fit a byte");
                return (byte) x;
            }
            if (c == double.class || c == Double.class) return (double) x;
            if (c == float.class || c == Float.class) return (float) x;
            if (c == java.math.BigInteger.class) return java.math.BigInteger.valueOf(x);
        }
        if (v instanceof Double) {
            if (c == double.class || c == Double.class) return v;
            if (c == float.class || c == Float.class) return ((Double) v).floatValue();
        }
        if (v instanceof Boolean && c == boolean.class) return v;
        if (v instanceof String && (c == char.class || c == Character.class) && ((String) v).length() == 1) {
            return ((String) v).charAt(0);
        }
        if (c.isInstance(v)) return v;
        throw cannot(v, t);
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
            else b.append(ch);
        }
        b.append('"');
    }

    static void json(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean) {
            b.append(v.toString());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) b.append("NaN");
            else if (Double.isInfinite(d)) b.append(d > 0 ? "Infinity" : "-Infinity");
            else b.append(Double.toString(d));
        } else if (v instanceof Number) {
            b.append(v.toString());
        } else if (v instanceof Character || v instanceof CharSequence) {
            quote(b, v.toString());
        } else if (v instanceof char[]) {
            quote(b, new String((char[]) v));
        } else if (v.getClass().isArray()) {
            b.append('[');
            for (int i = 0, n = Array.getLength(v); i < n; i++) {
                if (i > 0) b.append(',');
                json(b, Array.get(v, i));
            }
            b.append(']');
        } else if (v instanceof Map) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) b.append(',');
                first = false;
                quote(b, String.valueOf(e.getKey()));
                b.append(':');
                json(b, e.getValue());
            }
            b.append('}');
        } else if (v instanceof Iterable) {
            b.append('[');
            boolean first = true;
            for (Object x : (Iterable<?>) v) {
                if (!first) b.append(',');
                first = false;
                json(b, x);
            }
            b.append(']');
        } else {
            throw new IllegalArgumentException("cannot report a result of type " + v.getClass().getName());
        }
    }

    // Test i's arguments come from class RlcodeT<i> (one class per test: no method or constant
    // pool grows with the number of tests).
    static Object[] args(int i) throws Exception {
        String prefix = PACKAGE.isEmpty() ? "" : PACKAGE + ".";
        Method get = Class.forName(prefix + "RlcodeT" + i).getDeclaredMethod("args");
        get.setAccessible(true);
        return (Object[]) get.invoke(null);
    }

    public static void main(String[] argv) throws Throwable {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
        Method method = null;
        Throwable missing = null;
        try {
            method = find();
        } catch (Throwable e) {
            missing = e;
        }
        for (int i = 0; i < TESTS; i++) {
            String line;
            try {
                if (method == null) throw missing;
                Object[] raw = args(i);
                Type[] types = method.getGenericParameterTypes();
                Object[] call = new Object[raw.length];
                for (int j = 0; j < raw.length; j++) call[j] = to(raw[j], types[j]);
                Object self = null;
                if (!Modifier.isStatic(method.getModifiers())) {
                    Constructor<?> make = method.getDeclaringClass().getDeclaredConstructor();
                    make.setAccessible(true);
                    self = make.newInstance();
                }
                Object result = method.invoke(self, call);
                StringBuilder b = new StringBuilder("= ");
                json(b, result);
                line = b.toString();
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause instanceof OutOfMemoryError) throw cause;
                StringBuilder b = new StringBuilder("! ");
                quote(b, cause.toString());
                line = b.toString();
            } catch (OutOfMemoryError e) {
                throw e;
            } catch (Throwable e) {
                StringBuilder b = new StringBuilder("! ");
                quote(b, e.toString());
                line = b.toString();
            }
            out.print("\n" + NONCE + " " + line + "\n");
            out.flush();
        }
        out.flush();
    }
}
"""


def build(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    package, names = type_names(code)
    files = java_prepare(code)
    lits = _Literals()
    cases = []
    for i, args in enumerate(tests):
        exprs = [lits.expr(v, t) for v, t in zip(args, sig.params)]
        exprs = [e if len(e) < HOIST // max(1, len(exprs)) else lits.hoist(e) for e in exprs]
        cases.append(f"final class RlcodeT{i} {{\n    static Object[] args() {{\n"
                     f"        return new Object[] {{{', '.join(exprs)}}};\n    }}\n}}\n")
    qualified = [f"{package}.{n}" if package else n for n in names]
    text = (RUNTIME.replace("@NONCE@", java_string(nonce)).replace("@ENTRY@", java_string(entry))
            .replace("@ARITY@", str(len(sig.params))).replace("@TESTS@", str(len(tests)))
            .replace("@CLASSES@", ", ".join(java_string(n) for n in qualified))
            .replace("@PACKAGE@", java_string(package or "")))
    head = f"package {package};\n" if package else ""
    # A candidate class of the driver's name is javac's "duplicate class": a compile error.
    files[f"{DRIVER_CLASS}.java"] = head + text + "\n" + "".join(cases) + "".join(lits.classes)
    files[MAIN_CLASS_FILE] = (f"{package}.{DRIVER_CLASS}" if package else DRIVER_CLASS) + "\n"
    return files


DRIVER = Driver("java", build, keywords=KEYWORDS)
