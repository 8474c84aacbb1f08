"""Haskell and Scala sandboxes, end to end: a candidate of every verdict kind in each language, for
stdin/stdout tasks and for function tasks (``fn_tests``), plus the red-team cases (forged exits,
forged result lines, always-equal values, a search of the file system for the
expected values), all scored by one ``score_file`` call in real containers.
The tests at the end need no Docker: drivers, rewrites, scans and diagnostics.
"""

from __future__ import annotations

import textwrap

import pytest

from rlcode.analysis.compiler import parse_diagnostics
from rlcode.judge.drivers import Unsupported, build_driver, check_task
from rlcode.judge.drivers.haskell import rewrite as haskell_rewrite
from rlcode.judge.drivers.scala import owner as scala_owner
from rlcode.languages import get_language, language_names
from rlcode.languages.haskell import module_name
from rlcode.languages.scala import scan as scala_scan
from tests.test_fn_languages_docker import score_cases, why

LANGUAGES = ("haskell", "scala")
LIMITS = {"time_s": 1.0, "memory_mb": 256}
TASKS = [
    # Line 1 of the first test is 2 2 -> 4, which a program that multiplies gets right.
    {"task_id": "sum", "limits": LIMITS, "io_tests": [
        {"input": "3\n2 2\n3 4\n10 -5\n", "output": "4\n7\n5\n"},
        {"input": "1\n1000000000 1000000000\n", "output": "2000000000\n"},
        {"input": "2\n0 0\n-7 3\n", "output": "0\n-4\n"},
    ]},
    # Only the second test expects 0: what a forger printing "<nonce> = 0" can get at most.
    {"task_id": "add", "entry_point": "add", "limits": LIMITS, "fn_tests": [
        {"args": [1, 2], "expected": 3},
        {"args": [-5, 5], "expected": 0},
        {"args": [918273, 1], "expected": 918274},
    ]},
    {"task_id": "join", "entry_point": "join", "limits": LIMITS,
     "signature": {"params": ["list[str]", "str"], "returns": "str"}, "fn_tests": [
         {"args": [["a", "b", "c"], "-"], "expected": "a-b-c"},
         {"args": [[], ","], "expected": ""},
         {"args": [["héllo", 'wörld "q"\\', "😀1"], " ? "], "expected": 'héllo ? wörld "q"\\ ? 😀1'},
     ]},
    # A big argument: Haskell reads it at run time (rlcode-args.txt) instead of compiling a literal.
    {"task_id": "total", "entry_point": "total", "limits": LIMITS, "fn_tests": [
        {"args": [list(range(-3, 20000))], "expected": sum(range(-3, 20000))},
        {"args": [[]], "expected": 0},
        {"args": [[-1, 2]], "expected": 1},
    ]},
]

PROGRAMS: dict[str, dict[str, str]] = {
    "haskell": {
        "passed": """
            import qualified Data.ByteString.Char8 as B
            import Data.Maybe (mapMaybe)

            main :: IO ()
            main = do
              xs <- map fst . mapMaybe B.readInt . B.words <$> B.getContents
              let t = head xs
                  unused = 3 :: Int
              mapM_ (\\i -> print (xs !! (1 + 2 * i) + xs !! (2 + 2 * i))) [0 .. t - 1]
        """,
        "failed": """
            module Main where

            main :: IO ()
            main = do
              xs <- map read . words <$> getContents :: IO [Integer]
              mapM_ (\\i -> print (xs !! (1 + 2 * i) * xs !! (2 + 2 * i))) [0 .. fromIntegral (head xs) - 1]
        """,
        "compile_error": 'main :: IO ()\nmain = putStrLn (1 + "x")\n',
        "runtime_error": "main :: IO ()\nmain = getContents >>= \\s -> print (length s `div` 0)\n",
        "timeout": """
            main :: IO ()
            main = print (go 0)
              where
                go :: Int -> Int
                go n = if n < 0 then n else go (n + 1)
        """,
        "memory_exceeded": """
            import qualified Data.ByteString.Char8 as B

            main :: IO ()
            main = do
              let chunks = [B.replicate 1048576 (toEnum (i `mod` 256)) | i <- [0 :: Int ..]]
              print (sum (map B.length chunks), length chunks)
        """,
        "output_exceeded": 'main :: IO ()\nmain = mapM_ (\\_ -> putStrLn "xxxxxxxxxxxxxxxx") [1 :: Int ..]\n',
        "forgery": 'import System.Exit\n\nmain :: IO ()\nmain = exitSuccess >> putStrLn "4"\n',
        "fork_bomb": """
            import Control.Exception (SomeException, try)
            import Control.Monad (forever)
            import System.Posix.Process (forkProcess)

            bomb :: IO ()
            bomb = forever (try (forkProcess bomb) >>= either (\\e -> const (return ()) (e :: SomeException)) (const (return ())))

            main :: IO ()
            main = bomb
        """,
        # Function tasks. A module header with an export list that leaves add out, and a main.
        "fn_passed": """
            module Solution (other) where
            import Data.List (foldl')

            add :: Int -> Int -> Int
            add a b = foldl' (+) 0 [a, b]

            other :: Int
            other = 1

            main :: IO ()
            main = putStrLn "never runs"
        """,
        "fn_join": "import Data.List (intercalate)\n\njoin :: [String] -> String -> String\njoin xs sep = intercalate sep xs\n",
        "fn_failed": "add :: Integer -> Integer -> Integer\nadd a b = if a > 1000 then a else a + b\n",
        "fn_runtime_error": "add :: Int -> Int -> Int\nadd a b = if a > 1000 then error \"boom\" else a + b\n",
        # Reads the nonce out of the driver's source and prints forged result lines, then exits:
        # the exit is an exception the driver catches, and the forged values are its own guesses.
        "fn_forged_lines": """
            import System.IO.Unsafe (unsafePerformIO)
            import System.Exit (exitSuccess)
            import Data.List (isPrefixOf, tails)

            add :: Int -> Int -> Int
            add _ _ = unsafePerformIO $ do
              src <- readFile "Main.hs"
              let nonce = takeWhile (/= '"') (head [drop 1 t | t <- tails src, "\\"rl" `isPrefixOf` t, length (takeWhile (/= '"') (drop 1 t)) == 34])
              mapM_ (\\_ -> putStrLn ("\\n" ++ nonce ++ " = 0")) [1 :: Int .. 3]
              exitSuccess
        """,
        "fn_total": "total :: [Integer] -> Integer\ntotal = sum\n",
        # Passes only if it finds an expected value (918274, never sent to the sandbox) in a file it can read;
        # the value is spelt backwards in its source, which lies in the working directory too.
        "fn_find_tests": """
            import Control.Exception (SomeException, try)
            import qualified Data.ByteString.Char8 as B
            import System.Directory (doesDirectoryExist, doesFileExist, listDirectory, pathIsSymbolicLink)
            import System.IO (IOMode (ReadMode), withBinaryFile)
            import System.IO.Unsafe (unsafePerformIO)

            walk :: FilePath -> IO [FilePath]
            walk p = either (\\e -> const [] (e :: SomeException)) id <$> try (do
              link <- pathIsSymbolicLink p
              dir <- doesDirectoryExist p
              file <- doesFileExist p
              if link then return []
              else if dir then concat <$> (listDirectory p >>= mapM (walk . ((p ++ "/") ++)))
              else if file then do
                s <- withBinaryFile p ReadMode (\\h -> B.hGet h 2000000)
                return [p | B.pack (reverse "472819") `B.isInfixOf` s]
              else return [])

            hits :: [FilePath]
            hits = unsafePerformIO (concat <$> mapM walk
              ["/tmp", "/opt", "/etc", "/home", "/root", "/var", "/run", "/srv", "/mnt", "/dev/shm", "/usr/local", "."])
            {-# NOINLINE hits #-}

            add :: Int -> Int -> Int
            add a b = if null hits then 0 else a + b
        """,
        # A value equal to everything: there is no JSON for it, so the driver does not compile.
        "fn_always_equal": """
            data Yes = Yes

            instance Eq Yes where
              _ == _ = True

            add :: Int -> Int -> Yes
            add _ _ = Yes
        """,
    },
    "scala": {
        "passed": """
            object Solution {
              def main(args: Array[String]): Unit = {
                val xs = scala.io.Source.stdin.getLines().flatMap(_.split("\\\\s+")).filter(_.nonEmpty).map(_.toLong).toVector
                val erased = (Seq(1): Any) match { case _: List[String] => 1; case _ => 0 }
                for (i <- 0 until xs(0).toInt) println(xs(1 + 2 * i) + xs(2 + 2 * i) + erased * 0)
              }
            }
        """,
        "failed": """
            package contest

            object Helper { val unused = 1 }

            object Prog extends App {
              val xs = scala.io.Source.stdin.mkString.split("\\\\s+").filter(_.nonEmpty).map(_.toLong)
              for (i <- 0 until xs(0).toInt) println(xs(1 + 2 * i) * xs(2 + 2 * i))
            }
        """,
        "compile_error": 'object Main {\n  def main(args: Array[String]): Unit = {\n    val x: Int = "s"\n  }\n}\n',
        "runtime_error": "object Main {\n  def main(args: Array[String]): Unit = println(args.length / args.length)\n}\n",
        "timeout": "object Main {\n  def main(args: Array[String]): Unit = {\n    var i = 0L\n    while (i >= 0) i += 1\n    println(i)\n  }\n}\n",
        "memory_exceeded": """
            object Main {
              def main(args: Array[String]): Unit = {
                val hog = scala.collection.mutable.ArrayBuffer[Array[Byte]]()
                while (true) {
                  val b = new Array[Byte](1 << 20)
                  java.util.Arrays.fill(b, 1.toByte)
                  hog += b
                }
              }
            }
        """,
        "output_exceeded": 'object Main {\n  def main(args: Array[String]): Unit = while (true) println("xxxxxxxxxxxxxxxx")\n}\n',
        "forgery": "object Main {\n  def main(args: Array[String]): Unit = {\n    sys.exit(0)\n    println(4)\n  }\n}\n",
        "fork_bomb": """
            object Main {
              def main(args: Array[String]): Unit = while (true) {
                try new ProcessBuilder("java", "-cp", System.getProperty("java.class.path"), "Main").start()
                catch { case _: Throwable => () }
              }
            }
        """,
        "fn_passed": "object Solution {\n  def add(a: Int, b: Int): Int = a + b\n}\n",
        "fn_join": "object Joiner {\n  def join(xs: Array[String], sep: String): String = xs.mkString(sep)\n}\n",
        # Bare defs (not allowed at the top level in Scala 2): wrapped in an object by the driver.
        "fn_failed": "def add(a: Long, b: BigInt): BigInt = if (a > 1000) BigInt(a) else b + a\n",
        "fn_runtime_error": "object S {\n  def add(a: Int, b: Int): Int = if (a > 1000) sys.error(\"boom\") else a + b\n}\n",
        "fn_forged_lines": """
            object Solution {
              def add(a: Long, b: Long): Long = {
                val src = scala.io.Source.fromFile("RlcodeDriver.scala").mkString
                val nonce = "\\"(rl[0-9a-f]{32})\\"".r.findFirstMatchIn(src).get.group(1)
                for (_ <- 1 to 3) println("\\n" + nonce + " = 0")
                System.out.flush()
                sys.exit(0)
              }
            }
        """,
        "fn_find_tests": """
            object Solution {
              lazy val hits: Seq[String] = {
                val found = scala.collection.mutable.ArrayBuffer[String]()
                def walk(f: java.io.File): Unit = try {
                  if (java.nio.file.Files.isSymbolicLink(f.toPath)) ()
                  else if (f.isDirectory) Option(f.listFiles).getOrElse(Array[java.io.File]()).foreach(walk)
                  else if (f.isFile) {
                    val in = new java.io.FileInputStream(f)
                    try { if (new String(in.readNBytes(2000000), "ISO-8859-1").contains("472819".reverse)) found += f.getPath }
                    finally in.close()
                  }
                } catch { case _: Throwable => () }
                Seq("/tmp", "/opt", "/etc", "/home", "/root", "/var", "/run", "/srv", "/mnt", "/dev/shm", "/usr/local", ".")
                  .foreach(t => walk(new java.io.File(t)))
                found.toSeq
              }
              def add(a: Int, b: Int): Int = if (hits.isEmpty) 0 else a + b
            }
        """,
        "fn_always_equal": """
            class Yes {
              override def equals(o: Any): Boolean = true
              override def hashCode: Int = 0
            }
            object Solution {
              def add(a: Int, b: Int): Any = new Yes
            }
        """,
    },
}

# case -> (verdict, tests passed) for every language.
EXPECTED = {
    "passed": ("passed", 3),
    "failed": ("failed", 0),  # 1e9 * 1e9 and -7 * 3 are wrong too
    "compile_error": ("compile_error", 0),
    "runtime_error": ("runtime_error", 0),
    "timeout": ("timeout", 0),
    "memory_exceeded": ("memory_exceeded", 0),
    "output_exceeded": ("output_exceeded", 0),
    "forgery": ("failed", 0),
    "fn_passed": ("passed", 3),
    "fn_join": ("passed", 3),
    "fn_total": ("passed", 3),
    "fn_failed": ("failed", 2),
    "fn_runtime_error": ("runtime_error", 2),  # the exception fails that test only: the others ran
    "fn_forged_lines": ("failed", 1),  # its forged 0 is right for add(-5, 5), and nothing else
    "fn_find_tests": ("failed", 1),  # found nothing, so 0 always: right for add(-5, 5) only
}
# Haskell: no instance to print it (compile error); Scala: the driver cannot report it (an exception per test).
ALWAYS_EQUAL = {"haskell": ("compile_error", 0), "scala": ("runtime_error", 0)}
WARNS = {"haskell": ("-Wunused-local-binds", "Defined but not used"), "scala": ("unchecked", "is unchecked")}
CASES = [(lang, case) for lang in LANGUAGES for case in PROGRAMS[lang]]


def _task_of(case: str) -> str:
    return {"fn_join": "join", "fn_total": "total"}.get(case, "add" if case.startswith("fn_") else "sum")


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> dict[tuple[str, str], dict]:
    rows = [{"task_id": _task_of(case), "candidate_id": f"{lang}/{case}", "language": lang,
             "code": textwrap.dedent(PROGRAMS[lang][case])} for lang, case in CASES]
    return score_cases(tmp_path_factory.mktemp("haskell-scala"), TASKS, rows)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("lang,case", [c for c in CASES if c[1] in EXPECTED])
def test_verdicts(scored, lang, case):
    row = scored[(lang, case)]
    verdict, passed = EXPECTED[case]
    assert (row["verdict"], row["tests_passed"], row["tests_total"]) == (verdict, passed, 3), why(row)
    assert (row["reward"] > 0) == (verdict == "passed"), why(row)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_red_team_cases_gain_nothing(scored, lang):
    passed = scored[(lang, "passed")]
    assert WARNS[lang][1] in passed["details"]["compile"]["warnings"], why(passed)
    findings = passed["details"]["static"]["findings"]  # the compiler's warnings, parsed (ghc / scalac)
    assert any(f["code"] == WARNS[lang][0] and f["severity"] == "warning" for f in findings), why(passed)
    forged_exit = scored[(lang, "forgery")]
    assert "got '<end of output>'" in forged_exit["details"]["first_failure"]["mismatch"], why(forged_exit)
    always = scored[(lang, "fn_always_equal")]
    assert (always["verdict"], always["tests_passed"]) == ALWAYS_EQUAL[lang], why(always)
    failures = scored[(lang, "fn_failed")]["details"]["failures"]
    assert failures == [{"test": 2, "kind": "wrong_answer", "expected": "918274", "got": "918273"}]
    bomb = scored[(lang, "fork_bomb")]
    assert bomb["verdict"] in ("timeout", "runtime_error", "memory_exceeded"), why(bomb)
    assert bomb["details"]["wall_s"] < 2 * LIMITS["time_s"] * get_language(lang).time_factor + 2, why(bomb)
    for case, limits in (("timeout", ("cpu_time", "wall_time")), ("output_exceeded", ("output",))):
        row = scored[(lang, case)]
        assert row["details"]["first_failure"].get("limit") in limits, why(row)


# -- no Docker below --------------------------------------------------------------------------------

def test_languages_are_registered_with_images_and_drivers():
    from rlcode.sandbox.images import dockerfile

    assert set(LANGUAGES) <= language_names()
    for lang in LANGUAGES:
        text = dockerfile(get_language(lang)).read_text()
        assert "USER 10001" in text and "/opt/rlcode" in text
    assert get_language("haskell").data_limit and not get_language("haskell").address_space
    assert get_language("scala").memory_factor == 2.0


def test_drivers_refuse_what_the_language_cannot_take():
    with pytest.raises(Unsupported, match="upper-case"):
        check_task("haskell", "Add", None, [{"args": [1], "expected": 1}])
    for lang in LANGUAGES:
        with pytest.raises(Unsupported, match="64-bit"):
            check_task(lang, "f", None, [{"args": [2**63], "expected": 1}])


def test_haskell_candidate_becomes_a_module_with_its_line_numbers():
    headed = "{-# LANGUAGE BangPatterns #-}\nmodule Solution\n  ( other\n  ) where\nadd :: Int -> Int -> Int\n"
    out = haskell_rewrite(headed)
    assert out.splitlines()[4] == "add :: Int -> Int -> Int" and "module RlcodeCandidate where" in out
    bare = "{-# LANGUAGE BangPatterns #-}\n-- a comment\nimport Data.List\nadd a b = a + b\n"
    out = haskell_rewrite(bare)
    assert 'module RlcodeCandidate where\n{-# LINE 3 "Main.hs" #-}\nimport Data.List' in out
    assert module_name("-- module Fake where\nmodule Real.Name (main) where\n") == "Real.Name"
    assert module_name("main = print 1\n") == "Main"


def test_scala_finds_the_main_object_and_the_function_owner():
    assert scala_scan('package a.b\n// object Fake\nobject Helper\nobject Prog extends App {\n}\n') == ("a.b", "Prog")
    assert scala_scan('object X { def main(args: Array[String]) = () }\n') == (None, "X")
    code = 'object A { val s = "def add(" }\nobject Solution {\n  def add(a: Int) = a\n}\n'
    assert scala_owner(code, "add") == (None, "Solution")
    files = build_driver("scala", "def add(a: Long): Long = a\n", "add",
                         check_task("scala", "add", None, [{"args": [1], "expected": 1}]),
                         [{"args": [1], "expected": 1}], "rlN")
    assert files["Main.scala"].startswith("object RlcodeCandidate { def add(") and files["rlcode-args.jsonl"] == "[1]\n"


def test_ghc_and_scalac_diagnostics_are_findings():
    ghc = parse_diagnostics("Main.hs:8:7: warning: [-Wunused-local-binds]\n    Defined but not used: `unused'\n"
                            "Main.hs:(3,1)-(4,9): error:\n    \u2022 No instance for (Num String)\n", "ghc")
    assert [(f.code, f.line, f.message) for f in ghc] == [
        ("-Wunused-local-binds", 8, "Defined but not used: `unused'"), ("error", 3, "No instance for (Num String)")]
    scalac = parse_diagnostics("Main.scala:3: warning: method x in object Y is deprecated\n"
                               "Main.scala:5: error: type mismatch;\n", "scalac")
    assert [(f.code, f.line) for f in scalac] == [("deprecation", 3), ("error", 5)]


def test_haskell_reads_big_arguments_at_run_time():
    tests = [{"args": [list(range(5000)), {"k": [float("nan"), -1.5]}], "expected": 1},
             {"args": [[-1], {"k": [float("-inf")]}], "expected": 1}]
    sig = check_task("haskell", "f", None, tests)
    files = build_driver("haskell", "f xs m = 1\n", "f", sig, tests, "rlN")
    assert len(files["Main.hs"]) < 6000 and "(rlcodeRead 0)" in files["Main.hs"]
    assert files["rlcode-args.txt"].startswith("[0, 1, 2, ") and files["rlcode-args.txt"].count("\n") == 1
    assert '(RlcodeMap.fromList [("k", [(0/0), (-1.5)])])' in files["Main.hs"]
    assert '(RlcodeMap.fromList [("k", [(-1/0)])])' in files["Main.hs"] and "[(-1)]" in files["Main.hs"]
