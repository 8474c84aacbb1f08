"""Every language's sandbox, end to end: stdin/stdout programs through rlcode's real scoring path.

One ``score_file`` call scores every program below (eight languages, each with a program per
verdict, a forged exit and a correct-but-slow solution, plus compiler bombs) in real containers;
the tests then assert on the scored rows. A few tests at the end need no Docker.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from rlcode.languages import get_language, language_names
from rlcode.languages.java import MAIN_CLASS_FILE, prepare as java_prepare, scan as java_scan
from rlcode.records import Verdict
from rlcode.scoring.execute import memory_verdict
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from tests.conftest import write_jsonl

LANGUAGES = ("python", "c", "cpp", "java", "javascript", "typescript", "go", "rust")
MOD = 1_000_000_007
BIG_N = 10**12


def _fib(n: int) -> int:
    """F(n) mod MOD by fast doubling."""

    def pair(k: int) -> tuple[int, int]:
        if k == 0:
            return 0, 1
        a, b = pair(k // 2)
        c = a * ((2 * b - a) % MOD) % MOD
        d = (a * a + b * b) % MOD
        return (d, (c + d) % MOD) if k % 2 else (c, d)

    return pair(n)[0]


LIMITS = {"time_s": 1.0, "memory_mb": 256}
TASKS = [
    # Sums of pairs, one per line. Line 1 of the first test is 2 2 -> 4, which a program that
    # multiplies gets right; line 2 (3 4 -> 7) is where it first differs.
    {"task_id": "sum", "limits": LIMITS, "io_tests": [
        {"input": "3\n2 2\n3 4\n10 -5\n", "output": "4\n7\n5\n"},
        {"input": "1\n1000000000 1000000000\n", "output": "2000000000\n"},
        {"input": "2\n0 0\n-7 3\n", "output": "0\n-4\n"},
    ]},
    # F(n) mod 1e9+7: a loop is right and instant for n = 10, and never finishes for n = 10**12.
    {"task_id": "fib", "limits": LIMITS, "io_tests": [
        {"input": "10\n", "output": "55\n"},
        {"input": f"{BIG_N}\n", "output": f"{_fib(BIG_N)}\n"},
    ]},
]

# Each language: the verdict cases, all stdin/stdout programs. "passed"/"failed" solve the sum
# task (failed multiplies); "forgery" exits 0 before printing the right answer; "slow" is the
# correct loop for fib. Where the compiler warns, "passed" carries something to warn about.
PROGRAMS: dict[str, dict[str, str]] = {
    "python": {
        "passed": """
            import sys
            data = sys.stdin.read().split()
            t = int(data[0])
            print("\\n".join(str(int(data[1 + 2 * i]) + int(data[2 + 2 * i])) for i in range(t)))
        """,
        "failed": """
            import sys
            data = sys.stdin.read().split()
            t = int(data[0])
            print("\\n".join(str(int(data[1 + 2 * i]) * int(data[2 + 2 * i])) for i in range(t)))
        """,
        "compile_error": "def main(:\n    pass\n",
        "runtime_error": "import sys\nsys.stdin.read()\nprint(1 // 0)\n",
        "timeout": "while True:\n    pass\n",
        "memory_exceeded": "hog = []\nwhile True:\n    hog.append(bytearray(b'x' * (1 << 20)))\n",
        "output_exceeded": "while True:\n    print('x' * 64)\n",
        "forgery": """
            import sys
            sys.exit(0)
            data = sys.stdin.read().split()
            t = int(data[0])
            print("\\n".join(str(int(data[1 + 2 * i]) + int(data[2 + 2 * i])) for i in range(t)))
        """,
        "slow": """
            n = int(input())
            a, b = 0, 1
            for _ in range(n):
                a, b = b, (a + b) % 1000000007
            print(a)
        """,
    },
    "c": {
        "passed": """
            #include <stdio.h>
            int main(void) {
                int t, unused;
                if (scanf("%d", &t) != 1) return 1;
                while (t--) {
                    long long a, b;
                    if (scanf("%lld %lld", &a, &b) != 2) return 1;
                    printf("%lld\\n", a + b);
                }
                return 0;
            }
        """,
        "failed": """
            #include <stdio.h>
            int main(void) {
                int t;
                if (scanf("%d", &t) != 1) return 1;
                while (t--) {
                    long long a, b;
                    if (scanf("%lld %lld", &a, &b) != 2) return 1;
                    printf("%lld\\n", a * b);
                }
                return 0;
            }
        """,
        "compile_error": "#include <stdio.h>\nint main(void) {\n    printf(\"hi\\n\")\n    return 0;\n}\n",
        # t = 3 on the first test: an integer division by zero (SIGFPE).
        "runtime_error": """
            #include <stdio.h>
            int main(void) {
                int t;
                if (scanf("%d", &t) != 1) return 1;
                printf("%d\\n", 100 / (t - 3));
                return 0;
            }
        """,
        "timeout": "int main(void) {\n    volatile unsigned long i = 0;\n    for (;;) i++;\n}\n",
        # malloc returns NULL at the address-space limit and the program then faults: a crash
        # at the limit is memory_exceeded.
        "memory_exceeded": """
            #include <stdlib.h>
            #include <string.h>
            int main(void) {
                for (;;) { char *p = malloc(1 << 20); memset(p, 1, 1 << 20); }
            }
        """,
        "output_exceeded": "#include <stdio.h>\nint main(void) {\n    for (;;) puts(\"xxxxxxxxxxxxxxxx\");\n}\n",
        "forgery": """
            #include <stdio.h>
            #include <stdlib.h>
            int main(void) {
                exit(0);
                int t;
                if (scanf("%d", &t) != 1) return 1;
                while (t--) { long long a, b; if (scanf("%lld %lld", &a, &b) != 2) return 1; printf("%lld\\n", a + b); }
                return 0;
            }
        """,
        "slow": """
            #include <stdio.h>
            int main(void) {
                unsigned long long n, a = 0, b = 1;
                if (scanf("%llu", &n) != 1) return 1;
                for (unsigned long long i = 0; i < n; i++) { unsigned long long c = (a + b) % 1000000007ULL; a = b; b = c; }
                printf("%llu\\n", a);
                return 0;
            }
        """,
        "bomb_dev_zero": '#include "/dev/zero"\nint main(void) { return 0; }\n',
    },
    "cpp": {
        "passed": """
            #include <bits/stdc++.h>
            using namespace std;
            int main() {
                int t, unused;
                cin >> t;
                for (int i = 0; i < t; i++) { long long a, b; cin >> a >> b; cout << a + b << '\\n'; }
            }
        """,
        "failed": """
            #include <iostream>
            int main() {
                int t;
                std::cin >> t;
                while (t--) { long long a, b; std::cin >> a >> b; std::cout << a * b << '\\n'; }
            }
        """,
        "compile_error": "#include <iostream>\nint main() {\n    std::cout << undeclared_thing << std::endl;\n}\n",
        "runtime_error": """
            #include <stdexcept>
            int main() { throw std::runtime_error("boom"); }
        """,
        "timeout": "int main() {\n    volatile unsigned long i = 0;\n    for (;;) i = i + 1;\n}\n",
        "memory_exceeded": """
            #include <vector>
            int main() {
                std::vector<std::vector<char>> hog;
                for (;;) hog.emplace_back(1 << 20, 'x');
            }
        """,
        "output_exceeded": "#include <iostream>\nint main() {\n    for (;;) std::cout << \"xxxxxxxxxxxxxxxx\\n\";\n}\n",
        "forgery": """
            #include <cstdlib>
            #include <iostream>
            int main() {
                std::exit(0);
                int t;
                std::cin >> t;
                while (t--) { long long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }
            }
        """,
        "slow": """
            #include <iostream>
            int main() {
                unsigned long long n, a = 0, b = 1;
                std::cin >> n;
                for (unsigned long long i = 0; i < n; i++) { unsigned long long c = (a + b) % 1000000007ULL; a = b; b = c; }
                std::cout << a << std::endl;
            }
        """,
        # Each level doubles a parameter pack: 2**30 types, far past the compiler's memory.
        "bomb_templates": """
            template <class... T> struct L {};
            template <int N, class... T> struct G { using type = typename G<N - 1, T..., T...>::type; };
            template <class... T> struct G<0, T...> { using type = L<T...>; };
            int main() { typename G<30, int>::type x; (void)x; }
        """,
    },
    "java": {
        # Any public class name; a helper class first, so the main class has to be found.
        "passed": """
            import java.io.*;
            import java.util.*;

            class Helper {
                static long add(long a, long b) { return a + b; }
            }

            public class Adder {
                public static void main(String[] args) throws IOException {
                    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
                    int t = Integer.parseInt(in.readLine().trim());
                    List raw = new ArrayList();  // -Xlint: rawtypes
                    StringBuilder out = new StringBuilder();
                    for (int i = 0; i < t; i++) {
                        StringTokenizer st = new StringTokenizer(in.readLine());
                        out.append(Helper.add(Long.parseLong(st.nextToken()), Long.parseLong(st.nextToken()))).append('\\n');
                    }
                    System.out.print(out);
                }
            }
        """,
        "failed": """
            import java.util.*;
            public class Main {
                public static void main(String[] args) {
                    Scanner sc = new Scanner(System.in);
                    int t = sc.nextInt();
                    for (int i = 0; i < t; i++) System.out.println(sc.nextLong() * sc.nextLong());
                }
            }
        """,
        "compile_error": "public class Main {\n    public static void main(String[] args) {\n        int x = \"s\";\n    }\n}\n",
        "runtime_error": """
            public class Main {
                public static void main(String[] args) {
                    int[] a = new int[1];
                    System.out.println(a[args.length + 5]);
                }
            }
        """,
        "timeout": "public class Main {\n    public static void main(String[] args) {\n        while (true) { }\n    }\n}\n",
        "memory_exceeded": """
            import java.util.*;
            public class Main {
                public static void main(String[] args) {
                    List<long[]> hog = new ArrayList<>();
                    while (true) hog.add(new long[1 << 17]);
                }
            }
        """,
        "output_exceeded": """
            public class Main {
                public static void main(String[] args) {
                    while (true) System.out.println("xxxxxxxxxxxxxxxx");
                }
            }
        """,
        "forgery": """
            import java.util.*;
            public class Solution {
                public static void main(String[] args) {
                    System.exit(0);
                    Scanner sc = new Scanner(System.in);
                    int t = sc.nextInt();
                    for (int i = 0; i < t; i++) System.out.println(sc.nextLong() + sc.nextLong());
                }
            }
        """,
        "slow": """
            import java.util.*;
            class Fib {
                public static void main(String[] args) {
                    long n = new Scanner(System.in).nextLong(), a = 0, b = 1;
                    for (long i = 0; i < n; i++) { long c = (a + b) % 1000000007L; a = b; b = c; }
                    System.out.println(a);
                }
            }
        """,
    },
    "javascript": {
        "passed": """
            const data = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);
            const out = [];
            for (let i = 0; i < data[0]; i++) out.push(data[1 + 2 * i] + data[2 + 2 * i]);
            console.log(out.join("\\n"));
        """,
        "failed": """
            const data = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);
            const out = [];
            for (let i = 0; i < data[0]; i++) out.push(data[1 + 2 * i] * data[2 + 2 * i]);
            console.log(out.join("\\n"));
        """,
        "compile_error": "function broken( {\n  return 1;\n}\n",
        "runtime_error": "const thing = null;\nconsole.log(thing.boom);\n",
        "timeout": "for (;;) {}\n",
        "memory_exceeded": "const hog = [];\nfor (;;) hog.push(new Array(1 << 16).fill(1.5));\n",
        # Blocking writes to fd 1: console.log queues in memory once the pipe is full and a busy
        # loop never flushes it, so under load the CPU limit could win that race.
        "output_exceeded": "const fs = require('fs');\nfor (;;) fs.writeSync(1, 'xxxxxxxxxxxxxxxx\\n');\n",
        "forgery": """
            process.exit(0);
            const data = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);
            const out = [];
            for (let i = 0; i < data[0]; i++) out.push(data[1 + 2 * i] + data[2 + 2 * i]);
            console.log(out.join("\\n"));
        """,
        "slow": """
            const n = Number(require("fs").readFileSync(0, "utf8").trim());
            let a = 0, b = 1;
            for (let i = 0; i < n; i++) { const c = (a + b) % 1000000007; a = b; b = c; }
            console.log(a);
        """,
    },
    "typescript": {
        "passed": """
            import * as fs from "fs";
            const data: number[] = fs.readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);
            const out: string[] = [];
            for (let i = 0; i < data[0]; i++) out.push(String(data[1 + 2 * i] + data[2 + 2 * i]));
            console.log(out.join("\\n"));
        """,
        "failed": """
            const lines: string[] = require("fs").readFileSync(0, "utf8").trim().split("\\n");
            for (const line of lines.slice(1)) {
                const [a, b] = line.split(" ").map(Number);
                process.stdout.write(`${a * b}\\n`);
            }
        """,
        "compile_error": "const total: number = \"not a number\";\nconsole.log(total);\n",
        "runtime_error": "function boom(): number {\n  throw new Error(\"boom\");\n}\nconsole.log(boom());\n",
        "timeout": "for (;;) {}\n",
        "memory_exceeded": "const hog: number[][] = [];\nfor (;;) hog.push(new Array<number>(1 << 16).fill(1.5));\n",
        "output_exceeded": "import * as fs from \"fs\";\nfor (;;) fs.writeSync(1, \"xxxxxxxxxxxxxxxx\\n\");\n",
        # process.exit returns never: called directly, tsc would reject the unreachable rest.
        "forgery": """
            import { readFileSync } from "fs";
            function leave(): void { process.exit(0); }
            leave();
            const data = readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);
            for (let i = 0; i < data[0]; i++) console.log(data[1 + 2 * i] + data[2 + 2 * i]);
        """,
        "slow": """
            import * as readline from "readline";
            const rl = readline.createInterface({ input: process.stdin });
            rl.on("line", (line: string) => {
                const n = Number(line);
                let a = 0, b = 1;
                for (let i = 0; i < n; i++) { const c = (a + b) % 1000000007; a = b; b = c; }
                console.log(a);
                rl.close();
            });
        """,
    },
    "go": {
        "passed": """
            package main

            import (
                "bufio"
                "fmt"
                "os"
            )

            func main() {
                in := bufio.NewReader(os.Stdin)
                out := bufio.NewWriter(os.Stdout)
                defer out.Flush()
                var t int
                fmt.Fscan(in, &t)
                for i := 0; i < t; i++ {
                    var a, b int64
                    fmt.Fscan(in, &a, &b)
                    fmt.Fprintln(out, a+b)
                }
            }
        """,
        "failed": """
            package main

            import "fmt"

            func main() {
                var t int
                fmt.Scan(&t)
                for i := 0; i < t; i++ {
                    var a, b int64
                    fmt.Scan(&a, &b)
                    fmt.Println(a * b)
                }
            }
        """,
        "compile_error": "package main\n\nfunc main() {\n\tx := 1\n}\n",
        "runtime_error": """
            package main

            import (
                "fmt"
                "os"
            )

            func main() {
                xs := []int{1}
                fmt.Println(xs[len(os.Args)+4])
            }
        """,
        "timeout": "package main\n\nfunc main() {\n\tfor {\n\t}\n}\n",
        "memory_exceeded": """
            package main

            import "fmt"

            func main() {
                var hog [][]byte
                for {
                    b := make([]byte, 1<<20)
                    for i := range b {
                        b[i] = 1
                    }
                    hog = append(hog, b)
                    if len(hog) == -1 {
                        fmt.Println(len(hog))
                    }
                }
            }
        """,
        "output_exceeded": "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfor {\n\t\tfmt.Println(\"xxxxxxxxxxxxxxxx\")\n\t}\n}\n",
        "forgery": """
            package main

            import (
                "fmt"
                "os"
            )

            func main() {
                os.Exit(0)
                var t int
                fmt.Scan(&t)
                for i := 0; i < t; i++ {
                    var a, b int64
                    fmt.Scan(&a, &b)
                    fmt.Println(a + b)
                }
            }
        """,
        "slow": """
            package main

            import "fmt"

            func main() {
                var n uint64
                fmt.Scan(&n)
                var a, b uint64 = 0, 1
                for i := uint64(0); i < n; i++ {
                    a, b = b, (a+b)%1000000007
                }
                fmt.Println(a)
            }
        """,
    },
    "rust": {
        "passed": """
            use std::io::{self, Read, Write};

            fn main() {
                let unused = 5;
                let mut input = String::new();
                io::stdin().read_to_string(&mut input).unwrap();
                let mut it = input.split_whitespace().map(|x| x.parse::<i64>().unwrap());
                let t = it.next().unwrap();
                let mut out = String::new();
                for _ in 0..t {
                    let (a, b) = (it.next().unwrap(), it.next().unwrap());
                    out.push_str(&format!("{}\\n", a + b));
                }
                io::stdout().write_all(out.as_bytes()).unwrap();
            }
        """,
        "failed": """
            use std::io::Read;

            fn main() {
                let mut input = String::new();
                std::io::stdin().read_to_string(&mut input).unwrap();
                let v: Vec<i64> = input.split_whitespace().map(|x| x.parse().unwrap()).collect();
                for i in 0..v[0] as usize {
                    println!("{}", v[1 + 2 * i] * v[2 + 2 * i]);
                }
            }
        """,
        "compile_error": "fn main() {\n    let x: i32 = \"not a number\";\n    println!(\"{}\", x);\n}\n",
        "runtime_error": "fn main() {\n    let word = \"boom\";\n    let n: i32 = word.parse().unwrap();\n    println!(\"{}\", n);\n}\n",
        "timeout": "fn main() {\n    loop {}\n}\n",
        "memory_exceeded": """
            fn main() {
                let mut hog: Vec<Vec<u8>> = Vec::new();
                loop {
                    hog.push(vec![1u8; 1 << 20]);
                }
            }
        """,
        "output_exceeded": "fn main() {\n    loop {\n        println!(\"xxxxxxxxxxxxxxxx\");\n    }\n}\n",
        "forgery": """
            use std::io::Read;

            fn main() {
                std::process::exit(0);
                let mut input = String::new();
                std::io::stdin().read_to_string(&mut input).unwrap();
                let v: Vec<i64> = input.split_whitespace().map(|x| x.parse().unwrap()).collect();
                for i in 0..v[0] as usize {
                    println!("{}", v[1 + 2 * i] + v[2 + 2 * i]);
                }
            }
        """,
        "slow": """
            fn main() {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).unwrap();
                let n: u64 = line.trim().parse().unwrap();
                let (mut a, mut b) = (0u64, 1u64);
                for _ in 0..n {
                    let c = (a + b) % 1_000_000_007;
                    a = b;
                    b = c;
                }
                println!("{}", a);
            }
        """,
        "bomb_dev_zero": 'static ZERO: &[u8] = include_bytes!("/dev/zero");\nfn main() {\n    println!("{}", ZERO.len());\n}\n',
    },
}

CASES = [(lang, case) for lang in LANGUAGES for case in PROGRAMS[lang]]
WARNS = {"c": "unused variable", "cpp": "unused variable", "java": "rawtypes", "rust": "unused variable"}


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Score every program once (two workers, languages in turn) and index the rows."""
    root = tmp_path_factory.mktemp("languages")
    tasks = write_jsonl(root / "tasks.jsonl", TASKS)
    rows = [{"task_id": "fib" if case == "slow" else "sum", "candidate_id": f"{lang}/{case}", "language": lang,
             "code": textwrap.dedent(code)} for lang, case in CASES for code in [PROGRAMS[lang][case]]]
    candidates = write_jsonl(root / "candidates.jsonl", rows)
    out = root / "scored.jsonl"
    # No result cache: every row here must come from a real run of the code as it is now.
    settings = load_settings(None, {"sandbox": {"workers": 2, "cache": False}})
    summary = score_file(candidates, str(tasks), out, settings)
    assert summary is not None
    scored_rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(scored_rows) == len(CASES)
    assert not any(r["details"].get("cached") for r in scored_rows)
    return {tuple(r["candidate_id"].split("/")): r for r in scored_rows}


def _why(row: dict) -> str:
    return json.dumps({k: row.get(k) for k in ("verdict", "tests_passed", "tests_total", "details")}, default=str)[:3000]


def _case(scored, lang: str, case: str) -> dict:
    return scored[(lang, case)]


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_right_answer_passes(scored, lang):
    row = _case(scored, lang, "passed")
    assert row["verdict"] == "passed", _why(row)
    assert (row["tests_passed"], row["tests_total"]) == (3, 3)
    assert row["components"]["runtime"] == 1.0 and row["reward"] > 0.5
    assert row["details"]["language"] == lang
    if lang in WARNS:  # compiled with warnings on
        assert WARNS[lang] in row["details"]["compile"]["warnings"], _why(row)


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrong_answer_fails_at_its_first_differing_line(scored, lang):
    row = _case(scored, lang, "failed")
    assert row["verdict"] == "failed", _why(row)
    assert row["tests_passed"] == 0  # 1e9 * 1e9 and -7 * 3 are wrong too
    first = row["details"]["first_failure"]
    assert first["test"] == 0
    assert first["mismatch"] == "line 2: expected '7', got '12'", _why(row)
    assert row["components"]["runtime"] == 0.0


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_compile_error(scored, lang):
    row = _case(scored, lang, "compile_error")
    assert row["verdict"] == "compile_error", _why(row)
    assert row["tests_passed"] == 0
    assert row["details"]["compile"]["diagnostics"].strip(), _why(row)
    assert "tests" not in row["details"]  # nothing ran


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_runtime_error(scored, lang):
    row = _case(scored, lang, "runtime_error")
    assert row["verdict"] == "runtime_error", _why(row)
    first = row["details"]["first_failure"]
    assert first.get("exit_code") not in (0, None) or first.get("signal"), _why(row)
    assert not first.get("limit"), _why(row)


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_infinite_loop_times_out(scored, lang):
    row = _case(scored, lang, "timeout")
    assert row["verdict"] == "timeout", _why(row)
    assert row["details"]["first_failure"]["limit"] in ("cpu_time", "wall_time"), _why(row)
    assert len(row["details"]["tests"]) == 1  # a limit hit stops the candidate's other tests


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_memory_hog_is_memory_exceeded(scored, lang):
    row = _case(scored, lang, "memory_exceeded")
    assert row["verdict"] == "memory_exceeded", _why(row)
    assert row["tests_passed"] == 0


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_output_flood_is_output_exceeded(scored, lang):
    row = _case(scored, lang, "output_exceeded")
    assert row["verdict"] == "output_exceeded", _why(row)
    assert row["details"]["first_failure"]["limit"] == "output", _why(row)


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_exit_zero_before_the_answer_gains_nothing(scored, lang):
    row = _case(scored, lang, "forgery")
    assert row["verdict"] == "failed", _why(row)
    assert row["tests_passed"] == 0
    assert row["reward"] == 0.0
    assert "got '<end of output>'" in row["details"]["first_failure"]["mismatch"], _why(row)


@pytest.mark.docker
@pytest.mark.parametrize("lang", LANGUAGES)
def test_correct_but_slow_solution_times_out(scored, lang):
    row = _case(scored, lang, "slow")
    assert row["verdict"] == "timeout", _why(row)
    assert (row["tests_passed"], row["tests_total"]) == (1, 2)  # right on n = 10, too slow for 10**12
    assert row["details"]["first_failure"]["test"] == 1
    assert row["components"]["runtime"] == 0.0


@pytest.mark.docker
@pytest.mark.parametrize("lang, case", [(lang, case) for lang, case in CASES if case.startswith("bomb_")])
def test_compiler_bombs_are_compile_errors_not_hangs(scored, lang, case):
    row = _case(scored, lang, case)
    assert row["verdict"] == "compile_error", _why(row)
    compile_limit = get_language(lang).compile_time_s
    assert row["details"]["compile"]["wall_s"] < 2 * compile_limit, _why(row)


# -- no Docker needed ------------------------------------------------------------------------------


def test_every_language_is_registered_with_a_sandbox():
    from rlcode.sandbox.images import dockerfile

    assert set(LANGUAGES) <= language_names()
    for lang in LANGUAGES:
        text = dockerfile(get_language(lang)).read_text()
        assert "ARG BASE_IMAGE" in text and "USER 10001:10001" in text and "runner.py" in text


@pytest.mark.parametrize("code, source, main_class", [
    ("public class Main { public static void main(String[] a) {} }", "Main.java", "Main"),
    ("class Helper {}\n// public class Fake {\npublic final class Solution<T> {\n"
     "  String s = \"public class X { static void main(\";\n  public static void main(String... args) {}\n}",
     "Solution.java", "Solution"),
    ("package a.b;\nclass Node {}\nclass Prog { static public void main(String[] x) {} }", "Main.java", "a.b.Prog"),
    ("record P(int x) { public static void main(String[] a) {} }", "Main.java", "P"),
    ("class X { char c = '{'; public static void main(String[] a) {} }", "Main.java", "X"),
])
def test_java_files_are_named_after_the_public_class_and_main_is_found(code, source, main_class):
    files = java_prepare(code)
    assert set(files) == {source, MAIN_CLASS_FILE}
    assert files[source] == code
    assert files[MAIN_CLASS_FILE].strip() == main_class
    assert java_scan(code)[2] == main_class.rsplit(".", 1)[-1]


def test_limits_fill_the_run_commands():
    java, go, node = get_language("java"), get_language("go"), get_language("javascript")
    lim = {"memory_mb": 1024}
    assert "-Xmx512m" in java.argv(java.run, lim)[-1]  # the heap is the task's limit, before the factor
    assert "GOMEMLIMIT=930MiB" in go.argv(go.run, lim)
    assert "--max-old-space-size=682" in node.argv(node.run, lim)
    assert get_language("c").argv(get_language("c").run, lim) == ["./main"]


def test_memory_verdict_from_peak_resident_size():
    lim = {"memory_mb": 100}
    near, over, low = {"peak_kb": 95 * 1024}, {"peak_kb": 101 * 1024}, {"peak_kb": 10 * 1024}
    assert memory_verdict(Verdict.RUNTIME_ERROR, near, lim) is Verdict.MEMORY_EXCEEDED  # crashed at the limit
    assert memory_verdict(Verdict.RUNTIME_ERROR, low, lim) is Verdict.RUNTIME_ERROR
    assert memory_verdict(None, near, lim) is None  # finished cleanly under the limit
    assert memory_verdict(None, over, lim) is Verdict.MEMORY_EXCEEDED  # finished, but used too much
    assert memory_verdict(Verdict.TIMEOUT, over, lim) is Verdict.TIMEOUT
