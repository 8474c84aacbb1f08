"""Scala driver: the candidate's file as it is, a ``RlcodeDriver`` object with ``main``, and the
tests' arguments as one JSON line per test in ``rlcode-args.jsonl``.

The candidate writes its function in a top-level ``object`` (``object Solution { def f(...) }``,
as LeetCode's Scala does); the driver calls it through the first top-level object whose body
declares ``def <entry>``. When no object does (bare ``def``s, which Scala 2 does not allow at top
level), the candidate's code is wrapped in ``object RlcodeCandidate { ... }`` on its own first
line, so line numbers stay. A ``package`` is honoured (the call is ``_root_.<package>.<object>``).

All tests share one call site, ``rlcodeCall(Obj.f _, a)``: the eta-expanded method's parameter
types fix ``rlcodeCall``'s type parameters, and an implicit converter for each (scalac 2.11 does
not infer them from an expected type when the parameter is an ``Array``), so the JSON values read at run time become ``Int`` (range-checked), ``Long``, ``Short``,
``Byte``, ``BigInt``, ``Double``, ``Float``, ``Boolean``, ``Char`` (one-character strings),
``String``, ``List``/``Vector``/``Seq``/``IndexedSeq``/``Array``/``ArrayBuffer``/``Set`` of those,
and ``Map[String, T]`` (immutable or mutable). Arguments are not secret, so they travel as data
(no method-size limit for big inputs); the expected values never enter the sandbox. The result is
printed by its runtime class: numbers, ``Boolean``, ``Char``/``String``, ``Option`` (``None`` is
null), ``Unit`` (null), maps with string keys, arrays, any ``Iterable`` and tuples (as lists);
anything else (an object whose ``equals`` always says yes) cannot be reported and fails the test.
An exception in the call is that test's failure; ``OutOfMemoryError`` is rethrown.
"""

from __future__ import annotations

import json
import re

from rlcode.judge.drivers.base import Driver
from rlcode.judge.drivers.signature import Signature, check_int64
from rlcode.languages.scala import MAIN_CLASS_FILE, object_with

KEYWORDS = frozenset("""abstract case catch class def do else extends false final finally for forSome if implicit
import lazy macro match new null object override package private protected return sealed super this throw trait
try true type val var while with yield""".split())

ARGS_FILE = "rlcode-args.jsonl"
DRIVER_OBJECT = "RlcodeDriver"
WRAPPER = "RlcodeCandidate"

RUNTIME = r"""
import scala.collection.mutable

object RlcodeDriver {
  sealed trait V
  case class VNum(text: String) extends V
  case class VStr(s: String) extends V
  case class VBool(b: Boolean) extends V
  case object VNull extends V
  case class VList(xs: Vector[V]) extends V
  case class VObj(kv: Vector[(String, V)]) extends V

  final class Parser(s: String) {
    var i = 0
    def fail(): Nothing = throw new IllegalArgumentException("bad argument line at " + i)
    def ws(): Unit = while (i < s.length && " \t\r\n".indexOf(s.charAt(i)) >= 0) i += 1
    def lit(word: String): Boolean = if (s.startsWith(word, i)) { i += word.length; true } else false
    def value(): V = {
      ws()
      if (i >= s.length) fail()
      s.charAt(i) match {
        case '[' =>
          i += 1; ws(); val b = Vector.newBuilder[V]
          if (s.charAt(i) == ']') i += 1
          else { var go = true; while (go) { b += value(); ws(); if (s.charAt(i) == ',') i += 1 else if (s.charAt(i) == ']') { i += 1; go = false } else fail() } }
          VList(b.result())
        case '{' =>
          i += 1; ws(); val b = Vector.newBuilder[(String, V)]
          if (s.charAt(i) == '}') i += 1
          else { var go = true; while (go) { ws(); val k = str(); ws(); if (s.charAt(i) != ':') fail(); i += 1; b += ((k, value())); ws(); if (s.charAt(i) == ',') i += 1 else if (s.charAt(i) == '}') { i += 1; go = false } else fail() } }
          VObj(b.result())
        case '"' => VStr(str())
        case _ =>
          if (lit("true")) VBool(true) else if (lit("false")) VBool(false) else if (lit("null")) VNull
          else if (lit("NaN")) VNum("NaN") else if (lit("Infinity")) VNum("Infinity") else if (lit("-Infinity")) VNum("-Infinity")
          else { val j = i; while (i < s.length && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i += 1; if (i == j) fail(); VNum(s.substring(j, i)) }
      }
    }
    def str(): String = {
      if (s.charAt(i) != '"') fail()
      i += 1; val b = new StringBuilder
      while (s.charAt(i) != '"') {
        val c = s.charAt(i)
        if (c == '\\') {
          s.charAt(i + 1) match {
            case 'u' => b += Integer.parseInt(s.substring(i + 2, i + 6), 16).toChar; i += 4
            case 'n' => b += '\n'
            case 't' => b += '\t'
            case 'r' => b += '\r'
            case 'b' => b += '\b'
            case 'f' => b += '\f'
            case other => b += other
          }
          i += 2
        } else { b += c; i += 1 }
      }
      i += 1
      b.toString
    }
  }

  trait Conv[T] { def apply(v: V): T }
  def conv[T](f: PartialFunction[V, T], what: String): Conv[T] = new Conv[T] {
    def apply(v: V): T = if (f.isDefinedAt(v)) f(v) else throw new IllegalArgumentException("cannot pass " + v.toString.take(80) + " as a " + what)
  }
  def integral(t: String): BigInt = if (t.exists(c => c == '.' || c == 'e' || c == 'E')) throw new IllegalArgumentException(t + " is not an integer") else BigInt(t)
  def fits(x: BigInt, lo: Long, hi: Long, what: String): Long = if (x < lo || x > hi) throw new ArithmeticException(x + " does not fit " + what) else x.toLong
  implicit val convLong: Conv[Long] = conv({ case VNum(t) => fits(integral(t), Long.MinValue, Long.MaxValue, "a Long") }, "Long")
  implicit val convInt: Conv[Int] = conv({ case VNum(t) => fits(integral(t), Int.MinValue, Int.MaxValue, "an Int").toInt }, "Int")
  implicit val convShort: Conv[Short] = conv({ case VNum(t) => fits(integral(t), Short.MinValue, Short.MaxValue, "a Short").toShort }, "Short")
  implicit val convByte: Conv[Byte] = conv({ case VNum(t) => fits(integral(t), Byte.MinValue, Byte.MaxValue, "a Byte").toByte }, "Byte")
  implicit val convBigInt: Conv[BigInt] = conv({ case VNum(t) => integral(t) }, "BigInt")
  implicit val convDouble: Conv[Double] = conv({ case VNum(t) => t.toDouble }, "Double")
  implicit val convFloat: Conv[Float] = conv({ case VNum(t) => t.toFloat }, "Float")
  implicit val convBoolean: Conv[Boolean] = conv({ case VBool(b) => b }, "Boolean")
  implicit val convString: Conv[String] = conv({ case VStr(s) => s }, "String")
  implicit val convChar: Conv[Char] = conv({ case VStr(s) if s.length == 1 => s.charAt(0) }, "Char")
  def items[A](v: V, what: String)(implicit a: Conv[A]): Vector[A] = v match {
    case VList(xs) => xs.map(x => a(x))
    case _ => throw new IllegalArgumentException("cannot pass " + v.toString.take(80) + " as a " + what)
  }
  implicit def convList[A](implicit a: Conv[A]): Conv[List[A]] = new Conv[List[A]] { def apply(v: V) = items[A](v, "List").toList }
  implicit def convVector[A](implicit a: Conv[A]): Conv[Vector[A]] = new Conv[Vector[A]] { def apply(v: V) = items[A](v, "Vector") }
  implicit def convSeq[A](implicit a: Conv[A]): Conv[Seq[A]] = new Conv[Seq[A]] { def apply(v: V) = items[A](v, "Seq").toList }
  implicit def convIndexedSeq[A](implicit a: Conv[A]): Conv[IndexedSeq[A]] = new Conv[IndexedSeq[A]] { def apply(v: V) = items[A](v, "IndexedSeq") }
  implicit def convSet[A](implicit a: Conv[A]): Conv[Set[A]] = new Conv[Set[A]] { def apply(v: V) = items[A](v, "Set").toSet }
  implicit def convArray[A](implicit a: Conv[A], tag: scala.reflect.ClassTag[A]): Conv[Array[A]] = new Conv[Array[A]] { def apply(v: V) = items[A](v, "Array").toArray }
  implicit def convBuffer[A](implicit a: Conv[A]): Conv[mutable.ArrayBuffer[A]] = new Conv[mutable.ArrayBuffer[A]] { def apply(v: V) = mutable.ArrayBuffer(items[A](v, "ArrayBuffer"): _*) }
  def pairs[A](v: V)(implicit a: Conv[A]): Vector[(String, A)] = v match {
    case VObj(kv) => kv.map { case (k, x) => (k, a(x)) }
    case _ => throw new IllegalArgumentException("cannot pass " + v.toString.take(80) + " as a Map")
  }
  implicit def convMap[A](implicit a: Conv[A]): Conv[Map[String, A]] = new Conv[Map[String, A]] { def apply(v: V) = pairs[A](v).toMap }
  implicit def convMutableMap[A](implicit a: Conv[A]): Conv[mutable.Map[String, A]] = new Conv[mutable.Map[String, A]] { def apply(v: V) = mutable.Map(pairs[A](v): _*) }
@CALLER@

  def quote(b: StringBuilder, s: String): Unit = {
    b += '"'
    for (c <- s) {
      if (c == '"' || c == '\\') { b += '\\'; b += c }
      else if (c >= 0x20 && c < 0x7f) b += c
      else b ++= "\\u%04x".format(c.toInt)
    }
    b += '"'
  }
  def double(b: StringBuilder, d: Double): Unit =
    if (d.isNaN) b ++= "NaN" else if (d.isInfinite) b ++= (if (d > 0) "Infinity" else "-Infinity") else b ++= d.toString
  def seq(b: StringBuilder, xs: Iterator[Any], depth: Int): Unit = {
    b += '['
    var first = true
    for (x <- xs) { if (!first) b += ','; first = false; json(b, x, depth + 1) }
    b += ']'
  }
  def json(b: StringBuilder, v: Any, depth: Int): Unit = {
    if (depth > 200) throw new IllegalArgumentException("result nested too deeply")
    v match {
      case null | () | None => b ++= "null"
      case Some(x) => json(b, x, depth + 1)
      case x: Boolean => b ++= x.toString
      case x: Double => double(b, x)
      case x: Float => double(b, x.toDouble)
      case x: Char => quote(b, x.toString)
      case x: String => quote(b, x)
      case x: Byte => b ++= x.toString
      case x: Short => b ++= x.toString
      case x: Int => b ++= x.toString
      case x: Long => b ++= x.toString
      case x: BigInt => b ++= x.toString
      case x: java.math.BigInteger => b ++= x.toString
      case x: scala.collection.Map[_, _] =>
        b += '{'
        var first = true
        for ((k, x) <- x) {
          if (!k.isInstanceOf[String]) throw new IllegalArgumentException("cannot report a map whose keys are not strings")
          if (!first) b += ','; first = false; quote(b, k.asInstanceOf[String]); b += ':'; json(b, x, depth + 1)
        }
        b += '}'
      case x: Array[_] => seq(b, x.iterator, depth)
      case x: scala.collection.TraversableOnce[_] => seq(b, x.toIterator, depth)
      case x: java.lang.Iterable[_] =>
        val it = x.iterator; seq(b, new Iterator[Any] { def hasNext = it.hasNext; def next() = it.next() }, depth)
      case x: Product if x.getClass.getName.startsWith("scala.Tuple") => seq(b, x.productIterator, depth)
      case x => throw new IllegalArgumentException("cannot report a result of type " + x.getClass.getName)
    }
  }

  def main(argv: Array[String]): Unit = {
    val out = new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8")
    val lines = scala.io.Source.fromFile("@ARGS@", "UTF-8").getLines().toVector
    for (text <- lines) {
      val line = try {
        val a = new Parser(text).value() match { case VList(xs) => xs; case _ => Vector.empty[V] }
        val result: Any = @CALL@
        val b = new StringBuilder("= ")
        json(b, result, 0)
        b.toString
      } catch {
        case e: OutOfMemoryError => throw e
        case e: Throwable =>
          val b = new StringBuilder("! ")
          quote(b, e.toString.take(500))
          b.toString
      }
      out.print("\n" + @NONCE@ + " " + line + "\n")
      out.flush()
    }
    out.flush()
  }
}
"""


def scala_string(s: str) -> str:
    return json.dumps(s).replace("$", "\\u0024")  # JSON's escapes are Scala's (\uXXXX included)


def owner(code: str, entry: str) -> tuple[str | None, str | None]:
    """(package, the top-level object whose body declares ``def <entry>``, or None)."""
    return object_with(code, re.compile(rf"\bdef\s+{re.escape(entry)}\b"))


def build(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    package, obj = owner(code, entry)
    if obj is None and package is None:
        code, obj = f"object {WRAPPER} {{ " + code + "\n}\n", WRAPPER
    target = f"_root_.{package}.{obj or 'Main'}" if package else (obj or "Main")
    n = len(sig.params)
    if n == 0:
        caller, call = "", f"{target}.{entry}()"
    else:
        types = ", ".join(f"A{i}" for i in range(n))
        caller = (f"  def rlcodeCall[{types}, R](g: ({types}) => R, a: Vector[V])("
                  + "implicit " + ", ".join(f"c{i}: Conv[A{i}]" for i in range(n)) + "): R =\n"
                  + "    g(" + ", ".join(f"c{i}(a({i}))" for i in range(n)) + ")")
        call = f"rlcodeCall({target}.{entry} _, a)"
    for args in tests:
        check_int64(args, "argument")
    text = (RUNTIME.replace("@CALLER@", caller).replace("@CALL@", call).replace("@NONCE@", scala_string(nonce))
            .replace("@ARGS@", ARGS_FILE))
    lines = "".join(json.dumps(list(args)) + "\n" for args in tests)
    return {"Main.scala": code, f"{DRIVER_OBJECT}.scala": text, ARGS_FILE: lines,
            MAIN_CLASS_FILE: DRIVER_OBJECT + "\n"}


DRIVER = Driver("scala", build, keywords=KEYWORDS)
