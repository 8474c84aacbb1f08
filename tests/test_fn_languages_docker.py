"""Function tasks (``fn_tests``) in C, C++, Java, JavaScript, TypeScript, Go and Rust, end to end.

One ``score_file`` call scores every program below in real containers: per language a right
answer, a wrong one, a compile error, a crash, an endless loop and a memory hog on the last test
(the results before it still count), an exit(0) half-way, a language-specific forgery, and two more tasks
with lists and strings. The tests then assert on the scored rows. Signature inference and
validation, result parsing and driver generation are tested at the end without Docker.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from rlcode.errors import InputError
from rlcode.judge.drivers import (DRIVERS, Unsupported, build_driver, check_task, infer_signature, new_nonce,
                                  parse_results, parse_signature)
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from rlcode.tasks import load_tasks
from tests.conftest import write_jsonl

LANGUAGES = ("c", "cpp", "java", "javascript", "typescript", "go", "rust")
LIMITS = {"time_s": 1.0, "memory_mb": 256}

TASKS = [
    # No signature: inferred as (int, int) -> int. The last test is where the crash and loop
    # candidates go wrong, so the first two count for them.
    {"task_id": "add", "entry_point": "add", "limits": LIMITS, "fn_tests": [
        {"args": [1, 2], "expected": 3},
        {"args": [-5, 5], "expected": 0},
        {"args": [918273, 1], "expected": 918274},
    ]},
    {"task_id": "join", "entry_point": "join", "limits": LIMITS,
     "signature": {"params": ["list[str]", "str"], "returns": "str"}, "fn_tests": [
         {"args": [["a", "b", "c"], "-"], "expected": "a-b-c"},
         {"args": [[], ","], "expected": ""},
         {"args": [["héllo", 'wörld "q"\\'], " ? "], "expected": 'héllo ? wörld "q"\\'},
     ]},
    # An empty list in one test: its element type comes from the others.
    {"task_id": "reverse", "entry_point": "reverse", "limits": LIMITS, "fn_tests": [
        {"args": [[1, 2, 3]], "expected": [3, 2, 1]},
        {"args": [[]], "expected": []},
        {"args": [[-7, 9000000000]], "expected": [9000000000, -7]},
    ]},
]

PROGRAMS: dict[str, dict[str, str]] = {
    "c": {
        # Prints without a newline (the result line must survive it) and has a main of its own,
        # which never runs.
        "passed": """
            #include <stdio.h>
            long long add(long long a, long long b) {
                printf("adding %lld and %lld", a, b);
                return a + b;
            }
            int main(void) { return 3; }
        """,
        "failed": "long long add(long long a, long long b) { return a > 900000 ? a : a + b; }\n",
        "compile_error": "long long add(long long a, long long b) { return a + ; }\n",
        "runtime_error": """
            #include <stddef.h>
            long long add(long long a, long long b) {
                if (a > 900000) { volatile int *volatile p = NULL; *p = 1; }  /* volatile: a real store */
                return a + b;
            }
        """,
        "timeout": "long long add(long long a, long long b) { if (a > 900000) for (;;) {} return a + b; }\n",
        "memory": """
            #include <stdlib.h>
            #include <string.h>
            long long add(long long a, long long b) {
                if (a > 900000) for (;;) { char *p = malloc(1 << 20); if (!p) abort(); memset(p, 1, 1 << 20); }
                return a + b;
            }
        """,
        "exit": """
            #include <stdlib.h>
            long long add(long long a, long long b) { if (a < 0) exit(0); return a + b; }
        """,
        # Reads the nonce from its own source and prints a "result" for every test, then leaves.
        # All it can print is values it chose itself: the expected ones are not in the sandbox.
        "forgery": """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            long long add(long long a, long long b) {
                static char text[1 << 20];
                FILE *f = fopen("main.c", "r");
                size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
                text[n] = 0;
                const char *key = "rlcode_nonce[] = \\"";
                char *at = strstr(text, key);
                if (at) {
                    at += strlen(key);
                    char *end = strchr(at, '"');
                    for (int i = 0; i < 3; i++) printf("\\n%.*s = 42\\n", (int)(end - at), at);
                }
                fflush(stdout);
                exit(0);
                return a + b;
            }
        """,
        "join": """
            #include <stdlib.h>
            #include <string.h>
            char *join(char **words, int words_len, char *sep) {
                size_t size = 1;
                for (int i = 0; i < words_len; i++) size += strlen(words[i]) + strlen(sep);
                char *out = malloc(size);
                out[0] = '\\0';
                for (int i = 0; i < words_len; i++) {
                    if (i) strcat(out, sep);
                    strcat(out, words[i]);
                }
                return out;
            }
        """,
        "reverse": """
            #include <stdlib.h>
            long long *reverse(long long *xs, int xs_len, int *out_len) {
                long long *out = malloc(sizeof *out * (xs_len > 0 ? xs_len : 1));
                for (int i = 0; i < xs_len; i++) out[i] = xs[xs_len - 1 - i];
                *out_len = xs_len;
                return out;
            }
        """,
    },
    "cpp": {
        "passed": """
            #include <bits/stdc++.h>
            using namespace std;
            const vector<int> zero(1, 0);  // a global the driver must not run before
            int add(int a, int b) {
                cout << "thinking";
                return a + b + zero.at(0);
            }
            int main() { cout << add(1, 2) << endl; }  // no return: fine in main
        """,
        "failed": "long long add(long long a, long long b) { return a > 900000 ? a : a + b; }\n",
        "compile_error": "long long add(long long a, long long b) { return a + b }\n",
        "runtime_error": """
            #include <cstdlib>
            long long add(long long a, long long b) { if (a > 900000) std::abort(); return a + b; }
        """,
        "timeout": """
            long long add(long long a, long long b) {
                volatile long long spin = 0;
                if (a > 900000) for (;;) spin = spin + 1;
                return a + b;
            }
        """,
        "memory": """
            #include <vector>
            long long add(long long a, long long b) {
                std::vector<std::vector<char>> hog;
                while (a > 900000) hog.emplace_back(1 << 20, 'x');
                return a + b;
            }
        """,
        "exit": """
            #include <cstdlib>
            long long add(long long a, long long b) { if (a < 0) std::exit(0); return a + b; }
        """,
        # Equal to everything, and a number when asked: the driver prints no class type.
        "forgery": """
            struct Liar {
                template <class T> bool operator==(const T &) const { return true; }
                template <class T> bool operator!=(const T &) const { return false; }
                operator long long() const { return 0; }
            };
            Liar add(long long, long long) { return Liar{}; }
        """,
        "join": """
            #include <string>
            #include <vector>
            using namespace std;
            string join(const vector<string> &words, const string &sep) {
                string out;
                for (size_t i = 0; i < words.size(); i++) {
                    if (i) out += sep;
                    out += words[i];
                }
                return out;
            }
        """,
        # LeetCode's layout, and a name std:: also has.
        "reverse": """
            #include <bits/stdc++.h>
            using namespace std;
            class Solution {
            public:
                vector<long long> reverse(vector<long long> &xs) {
                    std::reverse(xs.begin(), xs.end());
                    return xs;
                }
            };
        """,
    },
    "java": {
        "passed": """
            public class Solution {
                public static int add(int a, int b) {
                    System.out.print("partial output without a newline");
                    return a + b;
                }

                public static void main(String[] args) {
                    System.exit(3);
                }
            }
        """,
        "failed": "class Solution {\n    static long add(long a, long b) { return a > 900000 ? a : a + b; }\n}\n",
        "compile_error": "class Solution {\n    static long add(long a, long b) { return a + b }\n}\n",
        "runtime_error": """
            class Solution {
                static long add(long a, long b) {
                    if (a > 900000) throw new IllegalStateException("boom");
                    return a + b;
                }
            }
        """,
        "timeout": """
            class Solution {
                static long add(long a, long b) {
                    if (a > 900000) while (true) { }
                    return a + b;
                }
            }
        """,
        "memory": """
            import java.util.ArrayList;
            import java.util.List;

            class Solution {
                static long add(long a, long b) {
                    List<long[]> hog = new ArrayList<>();
                    while (a > 900000) hog.add(new long[1 << 20]);
                    return a + b;
                }
            }
        """,
        "exit": """
            class Solution {
                static long add(long a, long b) {
                    if (a < 0) System.exit(0);
                    return a + b;
                }
            }
        """,
        # An object equal to everything that prints as the right answer.
        "forgery": """
            class Solution {
                static Object add(long a, long b) {
                    return new Object() {
                        @Override public boolean equals(Object other) { return true; }
                        @Override public int hashCode() { return 0; }
                        @Override public String toString() { return String.valueOf(a + b); }
                    };
                }
            }
        """,
        # An instance method (a fresh Solution per test), List parameter.
        "join": """
            import java.util.List;

            class Solution {
                public String join(List<String> words, String sep) {
                    return String.join(sep, words);
                }
            }
        """,
        "reverse": """
            public class Reverser {
                public static long[] reverse(long[] xs) {
                    long[] out = new long[xs.length];
                    for (int i = 0; i < xs.length; i++) out[i] = xs[xs.length - 1 - i];
                    return out;
                }
            }
        """,
    },
    "javascript": {
        "passed": 'function add(a, b) {\n  process.stdout.write("no newline here");\n  return a + b;\n}\n',
        "failed": "function add(a, b) { return a > 900000 ? a : a + b; }\n",
        "compile_error": "function add(a, b) { return a + ; }\n",
        "runtime_error": 'function add(a, b) {\n  if (a > 900000) throw new Error("boom");\n  return a + b;\n}\n',
        "timeout": "function add(a, b) {\n  if (a > 900000) for (;;) {}\n  return a + b;\n}\n",
        "memory": "function add(a, b) {\n  const hog = [];\n  while (a > 900000) hog.push(new Array(1 << 16).fill(1.5));\n  return a + b;\n}\n",
        "exit": "function add(a, b) {\n  if (a < 0) process.exit(0);\n  return a + b;\n}\n",
        # Fake result lines (a guessed nonce, a bare "= 3"), and the right digits as a string.
        "forgery": """
            function add(a, b) {
              console.log("\\nrl" + "0".repeat(32) + " = " + (a + b));
              console.log("= 3\\nPASSED");
              return String(a + b);
            }
        """,
        "join": "const join = (words, sep) => words.join(sep);\n",
        "reverse": "async function reverse(xs) {\n  return [...xs].reverse();\n}\n",
    },
    "typescript": {
        "passed": "function add(a: number, b: number): number {\n  return a + b;\n}\n",
        "failed": "function add(a: number, b: number): number {\n  return a > 900000 ? a : a + b;\n}\n",
        "compile_error": "function add(a: number, b: number): string {\n  return a + b;\n}\n",
        "runtime_error": ('function add(a: number, b: number): number {\n  if (a > 900000) throw new Error("boom");\n'
                          "  return a + b;\n}\n"),
        "timeout": "function add(a: number, b: number): number {\n  if (a > 900000) for (;;) {}\n  return a + b;\n}\n",
        "memory": ("function add(a: number, b: number): number {\n  const hog: number[][] = [];\n"
                   "  while (a > 900000) hog.push(new Array<number>(1 << 16).fill(1.5));\n  return a + b;\n}\n"),
        "exit": ("function leave(): void {\n  process.exit(0);\n}\n"
                 "function add(a: number, b: number): number {\n  if (a < 0) leave();\n  return a + b;\n}\n"),
        "forgery": ("function add(a: number, b: number): any {\n"
                    "  return { valueOf: () => a + b, toString: () => String(a + b) };\n}\n"),
        "join": "export function join(words: string[], sep: string): string {\n  return words.join(sep);\n}\n",
        "reverse": "function reverse(xs: number[]): number[] {\n  return xs.slice().reverse();\n}\n",
    },
    "go": {
        "passed": """
            package main

            import "fmt"

            func add(a, b int) int {
                fmt.Print("no newline here")
                return a + b
            }

            func main() {
                fmt.Println(add(1, 2))
            }
        """,
        "failed": "package main\n\nfunc add(a, b int64) int64 {\n\tif a > 900000 {\n\t\treturn a\n\t}\n\treturn a + b\n}\n",
        "compile_error": "package main\n\nfunc add(a, b int) int {\n\tx := 1\n\treturn a + b\n}\n",
        "runtime_error": """
            package main

            func add(a, b int) int {
                if a > 900000 {
                    var table map[string]int
                    table["boom"] = 1
                }
                return a + b
            }
        """,
        "timeout": "package main\n\nfunc add(a, b int) int {\n\tfor a > 900000 {\n\t}\n\treturn a + b\n}\n",
        "memory": """
            package main

            func add(a, b int) int {
                var hog [][]byte
                for a > 900000 {
                    chunk := make([]byte, 1<<20)
                    for i := range chunk {
                        chunk[i] = 1
                    }
                    hog = append(hog, chunk)
                }
                return a + b + len(hog)
            }
        """,
        "exit": "package main\n\nimport \"os\"\n\nfunc add(a, b int) int {\n\tif a < 0 {\n\t\tos.Exit(0)\n\t}\n\treturn a + b\n}\n",
        # A fake line with a guessed nonce, and a value the driver cannot print as JSON.
        "forgery": """
            package main

            import "fmt"

            type liar struct{ value int }

            func (liar) Equal(interface{}) bool { return true }

            func add(a, b int) interface{} {
                fmt.Println("\\nrl00000000000000000000000000000000 = 3")
                return liar{a + b}
            }
        """,
        # Another package name: made main.
        "join": "package solution\n\nimport \"strings\"\n\nfunc join(words []string, sep string) string {\n\treturn strings.Join(words, sep)\n}\n",
        # No package clause at all.
        "reverse": ("func reverse(xs []int) []int {\n\tout := make([]int, 0, len(xs))\n"
                    "\tfor i := len(xs) - 1; i >= 0; i-- {\n\t\tout = append(out, xs[i])\n\t}\n\treturn out\n}\n"),
    },
    "rust": {
        "passed": """
            fn add(a: i32, b: i32) -> i32 {
                print!("no newline here");
                a + b
            }

            fn main() {
                println!("{}", add(1, 2));
            }
        """,
        "failed": "fn add(a: i64, b: i64) -> i64 {\n    if a > 900000 { a } else { a + b }\n}\n",
        "compile_error": "fn add(a: i64, b: i64) -> i64 {\n    let s: i64 = \"text\";\n    a + b + s\n}\n",
        "runtime_error": "fn add(a: i64, b: i64) -> i64 {\n    if a > 900000 {\n        std::process::abort();\n    }\n    a + b\n}\n",
        "timeout": "fn add(a: i64, b: i64) -> i64 {\n    if a > 900000 {\n        loop {}\n    }\n    a + b\n}\n",
        "memory": ("fn add(a: i64, b: i64) -> i64 {\n    let mut hog: Vec<Vec<u8>> = Vec::new();\n"
                   "    while a > 900000 {\n        hog.push(vec![1u8; 1 << 20]);\n    }\n    a + b + hog.len() as i64\n}\n"),
        "exit": "fn add(a: i64, b: i64) -> i64 {\n    if a < 0 {\n        std::process::exit(0);\n    }\n    a + b\n}\n",
        # A fake line, and the right digits as a string.
        "forgery": ("fn add(a: i64, b: i64) -> String {\n    println!(\"\\nrl{} = {}\", \"0\".repeat(32), a + b);\n"
                    "    (a + b).to_string()\n}\n"),
        "join": "fn join(words: &[String], sep: &str) -> String {\n    words.join(sep)\n}\n",
        # LeetCode's layout.
        "reverse": ("pub struct Solution;\n\nimpl Solution {\n    pub fn reverse(xs: Vec<i64>) -> Vec<i64> {\n"
                    "        xs.into_iter().rev().collect()\n    }\n}\n"),
    },
}

# case -> (verdict, tests passed); the forgery only has to gain nothing.
EXPECTED = {
    "passed": ("passed", 3),
    "failed": ("failed", 2),
    "compile_error": ("compile_error", 0),
    "runtime_error": ("runtime_error", 2),
    "timeout": ("timeout", 2),
    "memory": ("memory_exceeded", 2),
    "exit": ("failed", 1),
    "join": ("passed", 3),
    "reverse": ("passed", 3),
}
CASES = [(lang, case) for lang in LANGUAGES for case in PROGRAMS[lang]]


def score_cases(root: Path, tasks: list[dict], rows: list[dict]) -> dict[tuple[str, str], dict]:
    """Score ``rows`` (candidate ids ``<language>/<case>``) in one uncached ``score_file`` call with
    two workers; the scored rows by (language, case). Shared with the Haskell/Scala tests."""
    out = root / "scored.jsonl"
    settings = load_settings(None, {"sandbox": {"workers": 2, "cache": False}})
    score_file(write_jsonl(root / "candidates.jsonl", rows), str(write_jsonl(root / "tasks.jsonl", tasks)), out,
               settings)
    scored_rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(scored_rows) == len(rows)
    return {tuple(r["candidate_id"].split("/")): r for r in scored_rows}


def why(row: dict) -> str:
    """A scored row's verdict, counts and details, for an assertion's message."""
    return json.dumps({k: row.get(k) for k in ("verdict", "tests_passed", "tests_total", "details")}, default=str)[:3000]


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> dict[tuple[str, str], dict]:
    rows = [{"task_id": case if case in ("join", "reverse") else "add", "candidate_id": f"{lang}/{case}",
             "language": lang, "code": textwrap.dedent(PROGRAMS[lang][case])} for lang, case in CASES]
    return score_cases(tmp_path_factory.mktemp("fn-languages"), TASKS, rows)


@pytest.mark.docker
@pytest.mark.parametrize("lang,case", [c for c in CASES if c[1] in EXPECTED])
def test_verdicts(scored, lang, case):
    row = scored[(lang, case)]
    verdict, passed = EXPECTED[case]
    assert (row["verdict"], row["tests_passed"], row["tests_total"]) == (verdict, passed, 3), why(row)
    assert (row["reward"] > 0) == (verdict == "passed"), why(row)


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_forgery_gains_nothing(scored, lang):
    row = scored[(lang, "forgery")]
    assert row["verdict"] != "passed" and row["tests_passed"] == 0, why(row)
    assert row["verdict"] in ("failed", "runtime_error", "compile_error"), why(row)


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_details_say_what_ran(scored, lang):
    add, join = scored[(lang, "passed")], scored[(lang, "join")]
    assert add["details"]["driver"]["signature"] == {"params": ["int", "int"], "returns": "int"}
    assert join["details"]["driver"]["signature"] == {"params": ["list[str]", "str"], "returns": "str"}
    failed = scored[(lang, "failed")]["details"]["failures"]
    assert failed == [{"test": 2, "kind": "wrong_answer", "expected": "918274", "got": "918273"}]
    exited = scored[(lang, "exit")]["details"]["failures"]
    assert [f["kind"] for f in exited] == ["no_result", "no_result"]


# -- no Docker below --------------------------------------------------------------------------------

def _task_file(tmp_path, row: dict) -> str:
    return str(write_jsonl(tmp_path / "tasks.jsonl", [row]))


def test_signature_inference_rules():
    def infer(*tests):
        return infer_signature([{"args": a, "expected": e} for a, e in tests]).to_json()

    assert infer(([1, 2.5, True, "x"], 0)) == {
        "params": ["int", "float", "bool", "str"], "returns": "int"}
    # 2.0 is a float however it looks; a later float makes an int place float.
    assert infer(([1], 2.0), ([1.5], 3)) == {"params": ["float"], "returns": "float"}
    # An empty list takes its element type from a later value; one that stays open is int.
    assert infer(([[]], []), ([[["a"]]], [])) == {"params": ["list[list[str]]"], "returns": "list[int]"}
    assert infer(([{"a": [1]}], {})) == {"params": ["dict[str,list[int]]"], "returns": "dict[str,int]"}
    with pytest.raises(ValueError, match=r"fn_tests\[1\]\.args\[0\] is a str here but a int before"):
        infer(([1], 1), (["x"], 1))
    with pytest.raises(ValueError, match="same number"):
        infer(([1], 1), ([1, 2], 1))
    with pytest.raises(ValueError, match="null"):
        infer(([None], 1))
    with pytest.raises(ValueError, match=r"args\[0\]\[1\] is a bool here but a int before"):
        infer(([[1, True]], 1))


def test_signature_parsing():
    sig = parse_signature({"params": ["int", " list[ list[float] ]", "dict[str, bool]"], "returns": "str"})
    assert sig.to_json() == {"params": ["int", "list[list[float]]", "dict[str,bool]"], "returns": "str"}
    for bad, message in [
        ({"params": ["integer"], "returns": "int"}, r"params\[0\]: unknown type 'integer'"),
        ({"params": ["list[int"], "returns": "int"}, r"params\[0\]: .* ends too early"),
        ({"params": [], "returns": "dict[int,int]"}, "returns: .*dict keys must be str"),
        ({"params": [], "returns": "int", "extra": 1}, "unknown key 'extra'"),
        ({"params": "int", "returns": "int"}, "params: must be a list"),
        ({"params": []}, "returns: missing"),
        (["int"], "must be an object"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_signature(bad)


@pytest.mark.parametrize("row,field,reason", [
    ({"signature": {"params": ["int"], "returns": "nope"}}, "signature", "returns: unknown type 'nope'"),
    ({"signature": {"params": ["int", "int"], "returns": "int"}}, "signature", "passes 1 argument(s)"),
    ({"signature": {"params": ["str"], "returns": "int"}}, "signature", "fn_tests[0].args[0] = 1 is not a str"),
    ({"signature": {"params": ["float"], "returns": "bool"}}, "signature", "fn_tests[0].expected = 2 is not a bool"),
    ({"language": "c", "fn_tests": [{"args": [{"a": 1}], "expected": 1}]}, "signature", "c cannot take"),
    ({"language": "go", "fn_tests": [{"args": [1], "expected": 1}, {"args": ["x"], "expected": 1}]},
     "fn_tests", "cannot infer a signature"),
    ({"language": "rust", "fn_tests": [{"args": [2**63], "expected": 1}]}, "fn_tests", "does not fit a 64-bit"),
    ({"language": "java", "entry_point": "class"}, "entry_point", "reserved"),
    ({"language": "cpp", "entry_point": "my-fn"}, "entry_point", "not an identifier"),
    ({"io_tests": [], "fn_tests": None, "signature": {"params": [], "returns": "int"}}, "signature",
     "only function tasks"),
])
def test_bad_signatures_name_file_line_field(tmp_path, row, field, reason):
    task = {"task_id": "t", "entry_point": "f", "fn_tests": [{"args": [1], "expected": 2}]} | row
    path = _task_file(tmp_path, {k: v for k, v in task.items() if v is not None})
    with pytest.raises(InputError) as err:
        load_tasks(path, set(DRIVERS.names()) | {"python"})
    assert str(err.value).startswith(f"{path}:1: {field}: "), str(err.value)
    assert reason in str(err.value)
    assert err.value.exit_code == 2


def test_a_given_signature_is_kept_normalised(tmp_path):
    path = _task_file(tmp_path, {"task_id": "t", "entry_point": "f", "language": "java",
                                 "signature": {"params": ["list[ float ]"], "returns": "float"},
                                 "fn_tests": [{"args": [[1, 2]], "expected": 1.5}]})
    task = load_tasks(path, {"java"})["t"]
    assert task.signature == {"params": ["list[float]"], "returns": "float"}


def test_result_lines_are_read_strictly():
    nonce = new_nonce()
    other = new_nonce()
    assert nonce != other and len(nonce) == 34
    stdout = "\n".join([
        "noise " + nonce + " = 1",  # not at the start of a line
        f"{other} = 1",  # another run's nonce
        f"{nonce} = [1, 2.5, \"x\"]",
        f"{nonce} ! \"ValueError: boom\"",
        f"{nonce} = {{not json",
        f"{nonce}= 1",  # not "<nonce> ": another token that merely starts with it
        f"{nonce} ? 1",  # neither "=" nor "!"
    ])
    got = parse_results(stdout, nonce, 5)
    assert [o.kind for o in got] == ["value", "raised", "malformed", "malformed", "missing"]
    assert got[0].value == [1, 2.5, "x"] and got[1].text == "ValueError: boom"
    assert [o.kind for o in parse_results(f"{nonce} = 1\n{nonce} = 2\n{nonce} = 3", nonce, 2)] == ["value", "value"]


@pytest.mark.parametrize("lang", LANGUAGES + ("haskell", "scala"))
def test_drivers_carry_arguments_but_never_expected_values(lang):
    tests = [{"args": [["needle-argument", "x"], "-"], "expected": "EXPECTED-SECRET-VALUE"},
             {"args": [[], ""], "expected": "ANOTHER-SECRET"}]
    sig = check_task(lang, "join", {"params": ["list[str]", "str"], "returns": "str"}, tests)
    files = build_driver(lang, "/* candidate */\n", "join", sig, tests, "rlNONCE")
    text = "".join(files.values())
    assert "needle-argument" in text and "rlNONCE" in text
    assert "SECRET" not in text


def test_languages_refuse_what_they_cannot_express():
    tests = [{"args": [[[["deep"]]]], "expected": 1}]
    with pytest.raises(Unsupported, match="c cannot take"):
        check_task("c", "f", None, tests)
    for lang in ("cpp", "java", "javascript", "typescript", "go", "rust"):
        assert check_task(lang, "f", None, tests).params[0].depth() == 3


@pytest.mark.parametrize("lang,code", [
    ("c", "#include <stdio.h>\n\nlong long f(long long a) {\n    return a;\n}\n"),
    ("cpp", "#include <bits/stdc++.h>\nusing namespace std;\nlong long f(long long a) {\n    return a;\n}\n"),
    ("go", "// a comment\npackage solution\n\nfunc f(a int) int {\n\treturn a\n}\n\nfunc main() {\n}\n"),
    ("rust", "use std::io;\n\nfn f(a: i64) -> i64 {\n    a\n}\n\nfn main() {\n}\n"),
    ("javascript", "'use strict';\nfunction f(a) {\n  return a;\n}\n"),
    ("typescript", "function f(a: number): number {\n  return a;\n}\n"),
])
def test_candidate_lines_keep_their_numbers(lang, code):
    """Compiler diagnostics name the candidate's own line numbers: nothing goes before its code."""
    sig = check_task(lang, "f", None, [{"args": [1], "expected": 1}])
    files = build_driver(lang, code, "f", sig, [{"args": [1], "expected": 1}], "rlN")
    source = next(text for name, text in files.items() if name.startswith("main."))
    lines = source.split("\n")
    for number, line in enumerate(code.split("\n")[:-1]):
        if "package" not in line and "main" not in line:  # those two are rewritten in place (Go, Rust)
            assert lines[number] == line


def test_java_finds_the_package_and_every_top_level_class():
    from rlcode.judge.drivers.java import type_names

    code = ('package org.demo;\n// class Fake {}\nimport java.util.*;\n'
            'public class Solution { static class Inner {} String s = "class Nope {"; }\n'
            'interface Shape {}\nrecord Point(int x) {}\nenum Color { RED }\n')
    assert type_names(code) == ("org.demo", ["Solution", "Shape", "Point", "Color"])
    files = build_driver("java", code, "f", check_task("java", "f", None, [{"args": [1], "expected": 1}]),
                         [{"args": [1], "expected": 1}], "rlN")
    assert files["main-class.txt"] == "org.demo.RlcodeDriver\n"
    assert files["RlcodeDriver.java"].startswith("package org.demo;\n")
    assert files["Solution.java"] == code
