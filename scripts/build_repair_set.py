#!/usr/bin/env python3
"""Write rlcode/evaluate/data/repair.jsonl, the built-in repair set (``--tasks repair``).

Each task is written here as its faulty program and its reference fix; ``bug_lines`` is what a
line diff of the two marks (rlcode.evaluate.repair.changed_lines), so the reference fix has
localisation precision and recall 1 by construction. Four kinds of bug in each of Python,
C and JavaScript: off-by-one, wrong operator, missing edge case, wrong API use.
tests/test_repair_set.py checks, in the sandboxes, that every faulty program fails its tests and
every fix passes them. Re-run after editing: ``.venv/bin/python scripts/build_repair_set.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rlcode.evaluate.repair import changed_lines  # noqa: E402

OUT = ROOT / "rlcode" / "evaluate" / "data" / "repair.jsonl"


def fn(args, expected):
    return {"args": args, "expected": expected}


def io(inp, out):
    return {"input": inp, "output": out}


TASKS = [
    # ---- Python (fn_tests) ------------------------------------------------------------------
    dict(task_id="repair/python/sum_to", bug="off-by-one", language="python", entry_point="sum_to",
         prompt="sum_to(n) returns 1 + 2 + ... + n (0 for n < 1).",
         buggy="def sum_to(n):\n    total = 0\n    for i in range(1, n):\n        total += i\n    return total\n",
         fixed="def sum_to(n):\n    total = 0\n    for i in range(1, n + 1):\n        total += i\n    return total\n",
         fn_tests=[fn([1], 1), fn([4], 10), fn([0], 0), fn([100], 5050)]),
    dict(task_id="repair/python/average", bug="wrong operator", language="python", entry_point="average",
         prompt="average(xs) returns the arithmetic mean of a non-empty list of numbers.",
         buggy="def average(xs):\n    total = sum(xs)\n    return total // len(xs)\n",
         fixed="def average(xs):\n    total = sum(xs)\n    return total / len(xs)\n",
         fn_tests=[fn([[2, 4]], 3.0), fn([[1, 2]], 1.5), fn([[5]], 5.0), fn([[1, 2, 3, 5]], 2.75)]),
    dict(task_id="repair/python/max_or_none", bug="missing edge case", language="python", entry_point="max_or_none",
         prompt="max_or_none(xs) returns the largest element of xs, or None when xs is empty.",
         buggy="def max_or_none(xs):\n    best = xs[0]\n    for x in xs[1:]:\n        if x > best:\n"
               "            best = x\n    return best\n",
         fixed="def max_or_none(xs):\n    if not xs:\n        return None\n    best = xs[0]\n    for x in xs[1:]:\n"
               "        if x > best:\n            best = x\n    return best\n",
         fn_tests=[fn([[3, 9, 2]], 9), fn([[-4]], -4), fn([[]], None), fn([[1, 1, 0]], 1)]),
    dict(task_id="repair/python/sorted_copy", bug="wrong API use", language="python", entry_point="sorted_copy",
         prompt="sorted_copy(xs) returns a new list with the elements of xs in ascending order.",
         buggy="def sorted_copy(xs):\n    result = list(xs)\n    return result.sort()\n",
         fixed="def sorted_copy(xs):\n    result = list(xs)\n    return sorted(result)\n",
         fn_tests=[fn([[3, 1, 2]], [1, 2, 3]), fn([[]], []), fn([[5, -1, 5]], [-1, 5, 5])]),
    # ---- C (io_tests) -----------------------------------------------------------------------
    dict(task_id="repair/c/sum_list", bug="off-by-one", language="c",
         prompt="Read n and then n integers; print their sum.",
         buggy='#include <stdio.h>\n\nint main(void) {\n    int n;\n    long long x, total = 0;\n'
               '    if (scanf("%d", &n) != 1) return 1;\n    for (int i = 0; i < n - 1; i++) {\n'
               '        if (scanf("%lld", &x) != 1) return 1;\n        total += x;\n    }\n'
               '    printf("%lld\\n", total);\n    return 0;\n}\n',
         fixed='#include <stdio.h>\n\nint main(void) {\n    int n;\n    long long x, total = 0;\n'
               '    if (scanf("%d", &n) != 1) return 1;\n    for (int i = 0; i < n; i++) {\n'
               '        if (scanf("%lld", &x) != 1) return 1;\n        total += x;\n    }\n'
               '    printf("%lld\\n", total);\n    return 0;\n}\n',
         io_tests=[io("3\n1 2 3\n", "6\n"), io("1\n42\n", "42\n"), io("0\n", "0\n"), io("4\n-1 -2 10 3\n", "10\n")]),
    dict(task_id="repair/c/divides", bug="wrong operator", language="c",
         prompt="Read two positive integers a and b; print YES if b divides a, else NO.",
         buggy='#include <stdio.h>\n\nint main(void) {\n    long a, b;\n    if (scanf("%ld %ld", &a, &b) != 2) return 1;\n'
               '    if (a / b == 0) {\n        puts("YES");\n    } else {\n        puts("NO");\n    }\n    return 0;\n}\n',
         fixed='#include <stdio.h>\n\nint main(void) {\n    long a, b;\n    if (scanf("%ld %ld", &a, &b) != 2) return 1;\n'
               '    if (a % b == 0) {\n        puts("YES");\n    } else {\n        puts("NO");\n    }\n    return 0;\n}\n',
         io_tests=[io("10 5\n", "YES\n"), io("7 2\n", "NO\n"), io("3 3\n", "YES\n"), io("2 3\n", "NO\n")]),
    dict(task_id="repair/c/mean", bug="missing edge case", language="c",
         prompt="Read n and then n integers; print their mean rounded down (0 when n is 0).",
         buggy='#include <stdio.h>\n\nint main(void) {\n    int n;\n    long long x, total = 0;\n'
               '    if (scanf("%d", &n) != 1) return 1;\n    for (int i = 0; i < n; i++) {\n'
               '        if (scanf("%lld", &x) != 1) return 1;\n        total += x;\n    }\n'
               '    printf("%lld\\n", total / n);\n    return 0;\n}\n',
         fixed='#include <stdio.h>\n\nint main(void) {\n    int n;\n    long long x, total = 0;\n'
               '    if (scanf("%d", &n) != 1) return 1;\n    if (n == 0) {\n        puts("0");\n        return 0;\n    }\n'
               '    for (int i = 0; i < n; i++) {\n'
               '        if (scanf("%lld", &x) != 1) return 1;\n        total += x;\n    }\n'
               '    printf("%lld\\n", total / n);\n    return 0;\n}\n',
         io_tests=[io("2\n4 6\n", "5\n"), io("3\n1 1 2\n", "1\n"), io("0\n", "0\n")]),
    dict(task_id="repair/c/absolute", bug="wrong API use", language="c",
         prompt="Read one integer x (|x| < 2^62); print |x|.",
         buggy='#include <stdio.h>\n#include <stdlib.h>\n\nint main(void) {\n    long long x;\n'
               '    if (scanf("%lld", &x) != 1) return 1;\n    printf("%lld\\n", (long long)abs((int)x));\n'
               '    return 0;\n}\n',
         fixed='#include <stdio.h>\n#include <stdlib.h>\n\nint main(void) {\n    long long x;\n'
               '    if (scanf("%lld", &x) != 1) return 1;\n    printf("%lld\\n", llabs(x));\n'
               '    return 0;\n}\n',
         io_tests=[io("-5\n", "5\n"), io("7\n", "7\n"), io("-10000000000\n", "10000000000\n"),
                   io("4294967301\n", "4294967301\n")]),
    # ---- JavaScript (fn_tests) -------------------------------------------------------------------
    dict(task_id="repair/javascript/last_n", bug="off-by-one", language="javascript", entry_point="lastN",
         prompt="lastN(xs, n) returns the last n elements of xs (0 <= n <= xs.length), in order.",
         buggy="function lastN(xs, n) {\n  const start = xs.length - n - 1;\n  return xs.slice(start);\n}\n",
         fixed="function lastN(xs, n) {\n  const start = xs.length - n;\n  return xs.slice(start);\n}\n",
         fn_tests=[fn([[1, 2, 3, 4], 2], [3, 4]), fn([[5, 6], 2], [5, 6]), fn([[7, 8, 9], 1], [9])]),
    dict(task_id="repair/javascript/clamp", bug="wrong operator", language="javascript", entry_point="clamp",
         prompt="clamp(x, lo, hi) returns x limited to the range [lo, hi].",
         buggy="function clamp(x, lo, hi) {\n  if (x > lo) {\n    return lo;\n  }\n  if (x > hi) {\n    return hi;\n  }\n"
               "  return x;\n}\n",
         fixed="function clamp(x, lo, hi) {\n  if (x < lo) {\n    return lo;\n  }\n  if (x > hi) {\n    return hi;\n  }\n"
               "  return x;\n}\n",
         fn_tests=[fn([5, 0, 10], 5), fn([-3, 0, 10], 0), fn([12, 0, 10], 10), fn([0, 0, 10], 0)]),
    dict(task_id="repair/javascript/capitalize", bug="missing edge case", language="javascript",
         entry_point="capitalize",
         prompt="capitalize(s) returns s with its first character in upper case ('' stays '').",
         buggy="function capitalize(s) {\n  return s[0].toUpperCase() + s.slice(1);\n}\n",
         fixed="function capitalize(s) {\n  if (s.length === 0) {\n    return \"\";\n  }\n"
               "  return s[0].toUpperCase() + s.slice(1);\n}\n",
         fn_tests=[fn(["hello"], "Hello"), fn(["a"], "A"), fn([""], ""), fn(["Rust"], "Rust")]),
    dict(task_id="repair/javascript/sort_numbers", bug="wrong API use", language="javascript",
         entry_point="sortNumbers",
         prompt="sortNumbers(xs) returns the numbers of xs in ascending numeric order.",
         buggy="function sortNumbers(xs) {\n  const copy = xs.slice();\n  copy.sort();\n  return copy;\n}\n",
         fixed="function sortNumbers(xs) {\n  const copy = xs.slice();\n  copy.sort((a, b) => a - b);\n  return copy;\n}\n",
         fn_tests=[fn([[10, 9, 1]], [1, 9, 10]), fn([[3, 2, 1]], [1, 2, 3]), fn([[100, 25, 3]], [3, 25, 100])]),
]


def rows() -> list[dict]:
    out = []
    for t in TASKS:
        row = {"task_id": t["task_id"], "language": t["language"], "prompt": t["prompt"], "bug_kind": t["bug"],
               "buggy_code": t["buggy"], "bug_lines": changed_lines(t["buggy"], t["fixed"]),
               "canonical_solution": t["fixed"]}
        for name in ("entry_point", "fn_tests", "io_tests"):
            if name in t:
                row[name] = t[name]
        row["limits"] = {"time_s": 2.0, "memory_mb": 256}
        out.append(row)
    return out


def main() -> None:
    OUT.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows()))
    print(f"wrote {len(TASKS)} tasks to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
