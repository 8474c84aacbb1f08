"""Haskell driver: the candidate's code as module ``RlcodeCandidate``, then a ``Main`` that calls it.

The candidate writes a top-level function (a ``module`` header of any name and export list is
replaced by ``module RlcodeCandidate where``, so every top-level name is visible; without a
header one is added, with a ``LINE`` pragma so the candidate's line numbers stay). Its own
``main`` is just another function there. Arguments are written as literals, which are
polymorphic in Haskell: an ``int`` fits ``Int``, ``Integer`` or any ``Num``; a ``float``
``Double`` or ``Float``; ``str`` is ``String``; ``list[T]`` is ``[T]``; ``dict[str,T]`` is
``Data.Map.Map String T`` (``Data.Map.Strict`` is the same type). The result is printed through a
type class with instances for ``Int``/``Integer`` and the other integral types, ``Double``/
``Float``, ``Bool``, ``Char`` and ``String``, ``Text``, lists, ``Maybe`` (``Nothing`` is null),
``Map String``/``Map Text``, ``Set`` and tuples (as lists); a result of any other type is a
compile error (so an always-equal type cannot even be returned). Each result is forced in full
inside ``catch``: an exception (``error``, ``head []``) is that test's failure, except
asynchronous ones (heap or stack overflow), which are rethrown so the limit is reported as such.
The driver module is compiled with ``-O0`` (it is only literals and calls); the candidate with ``-O``.
An argument whose literal is long (a big list) goes to ``rlcode-args.txt`` instead, in the
syntax ``read`` takes, and is read at run time as the parameter's type (arguments are not
secret; the expected values never enter the sandbox).
"""

from __future__ import annotations

import re

from rlcode.judge.drivers.base import Driver, Unsupported
from rlcode.judge.drivers.clike import quoted_chars
from rlcode.judge.drivers.signature import Signature, Type, check_int64, float_text
from rlcode.languages.haskell import MAIN_MODULE_FILE, blank

KEYWORDS = frozenset("""case class data default deriving do else foreign if import in infix infixl infixr instance
let module newtype of then type where forall mdo rec proc""".split())

CANDIDATE_MODULE = "RlcodeCandidate"
DATA_FILE = "rlcode-args.txt"
# Longer literals are read from DATA_FILE at run time: GHC compiles a 20 000-element list literal
# in about 6 s, where ``read`` parses it in milliseconds (at the run's cost, not the compile's).
BIG_LITERAL = 2000
_HEADER = re.compile(r"^module\s+[A-Z][\w'.]*\s*", re.M)

RUNTIME = r"""{-# OPTIONS_GHC -O0 -w #-}
{-# LANGUAGE FlexibleInstances #-}
module Main (main) where

import qualified Control.Exception as RlcodeE
import qualified Data.Char as RlcodeChar
import qualified Data.Int as RlcodeInt
import qualified Data.Map as RlcodeMap
import qualified Data.Set as RlcodeSet
import qualified Data.Text as RlcodeText
import qualified Data.Word as RlcodeWord
import qualified Numeric.Natural as RlcodeNat
import qualified System.IO as RlcodeIO
import qualified System.IO.Unsafe as RlcodeUnsafe
import qualified RlcodeCandidate as RlcodeC

class RlcodeJson a where
  rlcodeJson :: a -> String
  rlcodeJsonList :: [a] -> String
  rlcodeJsonList xs = "[" ++ rlcodeCommas (map rlcodeJson xs) ++ "]"

rlcodeCommas :: [String] -> String
rlcodeCommas [] = ""
rlcodeCommas [x] = x
rlcodeCommas (x : xs) = x ++ "," ++ rlcodeCommas xs

rlcodeQuote :: String -> String
rlcodeQuote s = "\"" ++ concatMap esc s ++ "\""
  where
    esc '"' = "\\\""
    esc '\\' = "\\\\"
    esc c
      | n >= 0x20 && n < 0x7f = [c]
      | n < 0x10000 = u n
      | otherwise = u (0xd800 + (m `div` 0x400)) ++ u (0xdc00 + (m `mod` 0x400))
      where
        n = RlcodeChar.ord c
        m = n - 0x10000
    u k = "\\u" ++ [hex (k `div` 4096), hex (k `div` 256 `mod` 16), hex (k `div` 16 `mod` 16), hex (k `mod` 16)]
    hex d = "0123456789abcdef" !! d

rlcodeDouble :: Double -> String
rlcodeDouble d
  | isNaN d = "NaN"
  | isInfinite d = if d > 0 then "Infinity" else "-Infinity"
  | otherwise = show d

instance RlcodeJson Int where rlcodeJson = show
instance RlcodeJson Integer where rlcodeJson = show
instance RlcodeJson RlcodeNat.Natural where rlcodeJson = show
instance RlcodeJson RlcodeInt.Int8 where rlcodeJson = show
instance RlcodeJson RlcodeInt.Int16 where rlcodeJson = show
instance RlcodeJson RlcodeInt.Int32 where rlcodeJson = show
instance RlcodeJson RlcodeInt.Int64 where rlcodeJson = show
instance RlcodeJson Word where rlcodeJson = show
instance RlcodeJson RlcodeWord.Word8 where rlcodeJson = show
instance RlcodeJson RlcodeWord.Word16 where rlcodeJson = show
instance RlcodeJson RlcodeWord.Word32 where rlcodeJson = show
instance RlcodeJson RlcodeWord.Word64 where rlcodeJson = show
instance RlcodeJson Double where rlcodeJson = rlcodeDouble
instance RlcodeJson Float where rlcodeJson = rlcodeDouble . realToFrac
instance RlcodeJson Bool where rlcodeJson b = if b then "true" else "false"
instance RlcodeJson () where rlcodeJson _ = "null"
instance RlcodeJson Char where
  rlcodeJson c = rlcodeQuote [c]
  rlcodeJsonList = rlcodeQuote
instance RlcodeJson RlcodeText.Text where rlcodeJson = rlcodeQuote . RlcodeText.unpack
instance RlcodeJson a => RlcodeJson [a] where rlcodeJson = rlcodeJsonList
instance RlcodeJson a => RlcodeJson (Maybe a) where rlcodeJson = maybe "null" rlcodeJson
instance RlcodeJson a => RlcodeJson (RlcodeSet.Set a) where rlcodeJson = rlcodeJson . RlcodeSet.toList
instance (RlcodeJson a, RlcodeJson b) => RlcodeJson (a, b) where
  rlcodeJson (a, b) = "[" ++ rlcodeJson a ++ "," ++ rlcodeJson b ++ "]"
instance (RlcodeJson a, RlcodeJson b, RlcodeJson c) => RlcodeJson (a, b, c) where
  rlcodeJson (a, b, c) = "[" ++ rlcodeJson a ++ "," ++ rlcodeJson b ++ "," ++ rlcodeJson c ++ "]"
instance RlcodeJson a => RlcodeJson (RlcodeMap.Map String a) where
  rlcodeJson m = "{" ++ rlcodeCommas [rlcodeQuote k ++ ":" ++ rlcodeJson v | (k, v) <- RlcodeMap.toList m] ++ "}"
instance {-# OVERLAPPING #-} RlcodeJson a => RlcodeJson (RlcodeMap.Map RlcodeText.Text a) where
  rlcodeJson m = rlcodeJson (RlcodeMap.mapKeys RlcodeText.unpack m)

{-# NOINLINE rlcodeData #-}
rlcodeData :: [String]
rlcodeData = lines (RlcodeUnsafe.unsafePerformIO (readFile "rlcode-args.txt"))

rlcodeRead :: Read a => Int -> a
rlcodeRead k = read (rlcodeData !! k)

rlcodeRun :: RlcodeJson a => a -> IO ()
rlcodeRun value = do
  got <- RlcodeE.try (RlcodeE.evaluate (let s = rlcodeJson value in length s `seq` s))
  line <- case got of
    Right s -> return ("= " ++ s)
    Left e -> case RlcodeE.fromException e :: Maybe RlcodeE.AsyncException of
      Just async -> RlcodeE.throwIO async
      Nothing -> do
        shown <- RlcodeE.try (RlcodeE.evaluate (let s = show (e :: RlcodeE.SomeException) in length s `seq` s))
        return ("! " ++ rlcodeQuote (either (\x -> const "exception" (x :: RlcodeE.SomeException)) (take 500) shown))
  RlcodeIO.hPutStr RlcodeIO.stdout ("\n" ++ @NONCE@ ++ " " ++ line ++ "\n")
  RlcodeIO.hFlush RlcodeIO.stdout

main :: IO ()
main = do
  RlcodeIO.hSetBinaryMode RlcodeIO.stdout True
  RlcodeIO.hSetBuffering RlcodeIO.stdout (RlcodeIO.BlockBuffering Nothing)
@TESTS@
  return ()
"""


def haskell_string(s: str) -> str:
    """A Haskell string literal: printable ASCII as is, everything else as a decimal escape
    closed by ``\\&`` (so a following digit is not read as part of it)."""
    return quoted_chars(s, lambda o: f"\\{o}\\&", ascii_only=True)


def literal(value, t: Type, read: bool = False) -> str:
    """A Haskell literal; ``read`` gives the syntax ``read`` takes instead (no arithmetic, no
    qualified names: ``NaN``, ``fromList [...]``)."""
    if t.kind == "int":
        check_int64(value, "argument")
        return f"({value})" if value < 0 else str(value)
    if t.kind == "float":
        x = float(value)
        text = float_text(x)
        if text is None:
            if read:
                return "NaN" if x != x else ("Infinity" if x > 0 else "(-Infinity)")
            return "(0/0)" if x != x else ("(1/0)" if x > 0 else "(-1/0)")
        return f"({text})" if text.startswith("-") else text
    if t.kind == "bool":
        return "True" if value else "False"
    if t.kind == "str":
        return haskell_string(value)
    if t.kind == "list":
        return "[" + ", ".join(literal(v, t.item, read) for v in value) + "]"
    return (f"({'' if read else 'RlcodeMap.'}fromList [" + ", ".join(f"({haskell_string(k)}, {literal(v, t.item, read)})"
                                                                     for k, v in value.items()) + "])")


def rewrite(code: str) -> str:
    """The candidate as module ``RlcodeCandidate`` exporting everything; no line moves."""
    blanked = blank(code)
    m = _HEADER.search(blanked)
    if m:
        i = m.end()
        if i < len(blanked) and blanked[i] == "(":  # an export list: skip it, parentheses nested
            depth = 0
            while i < len(blanked):
                depth += {"(": 1, ")": -1}.get(blanked[i], 0)
                i += 1
                if depth == 0:
                    break
        w = re.compile(r"\s*where\b").match(blanked, i)
        if w:
            header = code[m.start():w.end()]
            newlines = "\n" * header.count("\n")
            return code[:m.start()] + f"module {CANDIDATE_MODULE} where" + newlines + code[w.end():]
    first = re.search(r"\S", blanked)
    start = blanked.rfind("\n", 0, first.start()) + 1 if first else len(code)
    line = code.count("\n", 0, start) + 1
    return (code[:start] + f'module {CANDIDATE_MODULE} where\n{{-# LINE {line} "Main.hs" #-}}\n' + code[start:])


class HaskellDriver(Driver):
    def check(self, entry_point: str, sig: Signature) -> None:
        super().check(entry_point, sig)
        if not (entry_point[0].islower() or entry_point[0] == "_"):
            raise Unsupported(f"{entry_point!r} is not a function name in haskell (it starts upper-case)",
                              "entry_point")


def build(code: str, entry: str, sig: Signature, tests: list[list], nonce: str) -> dict[str, str]:
    data: list[str] = []  # big arguments, one per line, read at run time

    def argument(value, t: Type) -> str:
        text = literal(value, t)
        if len(text) <= BIG_LITERAL:
            return text
        data.append(literal(value, t, read=True))
        return f"(rlcodeRead {len(data) - 1})"

    calls = "".join(f"  rlcodeRun (RlcodeC.{entry}"
                    + "".join(f" {argument(v, t)}" for v, t in zip(args, sig.params)) + ")\n" for args in tests)
    text = RUNTIME.replace("@NONCE@", haskell_string(nonce)).replace("@TESTS@", calls.rstrip("\n") or "  return ()")
    return {"Main.hs": text, f"{CANDIDATE_MODULE}.hs": rewrite(code), MAIN_MODULE_FILE: "Main\n",
            DATA_FILE: "".join(line + "\n" for line in data)}


DRIVER = HaskellDriver("haskell", build, keywords=KEYWORDS)
