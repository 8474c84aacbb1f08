"""Compile rate must be true: extraction strips fences and prose, never the error of a program
that does not compile (issue 13, item 8).

The unit tests need nothing; the Docker test scores broken programs in every language through
the real scoring path and expects ``compile_error`` for each.
"""

from __future__ import annotations

import pytest

from rlcode.extract import _is_prose, build_program
from rlcode.records import Verdict
from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings
from tests.conftest import write_jsonl

# Python programs that do not compile; each has a prefix or suffix that would.
BROKEN_PYTHON = {
    "unclosed_paren": "import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b",
    "unclosed_list": "import sys\nnums = [int(x) for x in sys.stdin.read().split()]\nprint(sum(nums))\nextra = [1, 2",
    "missing_colon": "import sys\ndef main()\n    a, b = map(int, sys.stdin.read().split())\n    print(a + b)\nmain()",
    "bad_indent": "import sys\na, b = map(int, sys.stdin.read().split())\n  print(a + b)",
    "dangling_operator": "import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b)\ntotal = a +",
    "unclosed_string": "import sys\nprint(sum(map(int, sys.stdin.read().split())))\nprint('done",
}

BROKEN_OTHER = {
    "c": {
        "undeclared": '#include <stdio.h>\nint main(void) {\n    int a, b;\n    scanf("%d %d", &a, &b);\n'
                      '    printf("%d\\n", a + total);\n    return 0;\n}\n',
        "missing_semicolon": '#include <stdio.h>\nint main(void) {\n    int a, b;\n    scanf("%d %d", &a, &b)\n'
                             '    printf("%d\\n", a + b);\n    return 0;\n}\n',
        "unclosed_brace": '#include <stdio.h>\nint main(void) {\n    int a, b;\n    scanf("%d %d", &a, &b);\n'
                          '    printf("%d\\n", a + b);\n    return 0;\n',
    },
    "cpp": {
        "missing_semicolon": '#include <iostream>\nint main() {\n    long a, b;\n    std::cin >> a >> b\n'
                             '    std::cout << a + b << "\\n";\n}\n',
        "undeclared": '#include <iostream>\nint main() {\n    long a, b;\n    std::cin >> a >> b;\n'
                      '    std::cout << a + c << "\\n";\n}\n',
        "unclosed_brace": '#include <iostream>\nint main() {\n    long a, b;\n    std::cin >> a >> b;\n'
                          '    std::cout << a + b << "\\n";\n',
    },
    "java": {
        "type_mismatch": 'import java.util.*;\npublic class Main {\n  public static void main(String[] x) {\n'
                         '    Scanner s = new Scanner(System.in);\n    String total = s.nextLong() + s.nextLong();\n'
                         '    System.out.println(total);\n  }\n}\n',
        "missing_semicolon": 'import java.util.*;\npublic class Main {\n  public static void main(String[] x) {\n'
                             '    Scanner s = new Scanner(System.in);\n    long a = s.nextLong(), b = s.nextLong()\n'
                             '    System.out.println(a + b);\n  }\n}\n',
        "unclosed_brace": 'import java.util.*;\npublic class Main {\n  public static void main(String[] x) {\n'
                          '    Scanner s = new Scanner(System.in);\n    System.out.println(s.nextLong() + s.nextLong());\n'
                          '  }\n',
    },
    "javascript": {
        "reserved_word": 'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\n'
                         'let class = a + b;\nconsole.log(class);\n',
        "unclosed_paren": 'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\n'
                          'console.log(a + b;\n',
        "unclosed_brace": 'function main() {\n  const [a, b] = require("fs").readFileSync(0, "utf8").trim()'
                          '.split(/\\s+/).map(Number);\n  console.log(a + b);\nmain();\n',
    },
    "typescript": {
        "unknown_name": 'const text: string = require("fs").readFileSync(0, "utf8");\n'
                        'const [a, b] = text.trim().split(/\\s+/).map(Number);\nconsole.log(a + c);\n',
        "type_error": 'const text: string = require("fs").readFileSync(0, "utf8");\n'
                      'const [a, b] = text.trim().split(/\\s+/).map(Number);\nconst total: string = a + b;\n'
                      'console.log(total);\n',
        "unclosed_paren": 'const text: string = require("fs").readFileSync(0, "utf8");\n'
                          'const [a, b] = text.trim().split(/\\s+/).map(Number);\nconsole.log(a + b;\n',
    },
    "go": {
        "type_mismatch": 'package main\nimport "fmt"\nfunc main() {\n\tvar a, b int\n'
                         '\tfmt.Scan(&a, &b)\n\tvar s string = a + b\n\tfmt.Println(s)\n}\n',
        "unused_variable": 'package main\nimport "fmt"\nfunc main() {\n\tvar a, b, c int\n'
                           '\tfmt.Scan(&a, &b)\n\tfmt.Println(a + b)\n}\n',
        "unclosed_brace": 'package main\nimport "fmt"\nfunc main() {\n\tvar a, b int\n'
                          '\tfmt.Scan(&a, &b)\n\tfmt.Println(a + b)\n',
    },
    "rust": {
        "undeclared": 'use std::io::Read;\nfn main() {\n    let mut s = String::new();\n'
                      '    std::io::stdin().read_to_string(&mut s).unwrap();\n    println!("{}", total);\n}\n',
        "type_mismatch": 'use std::io::Read;\nfn main() {\n    let mut s = String::new();\n'
                         '    std::io::stdin().read_to_string(&mut s).unwrap();\n'
                         '    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();\n'
                         '    let total: String = v[0] + v[1];\n    println!("{}", total);\n}\n',
        "unclosed_brace": 'use std::io::Read;\nfn main() {\n    let mut s = String::new();\n'
                          '    std::io::stdin().read_to_string(&mut s).unwrap();\n'
                          '    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();\n'
                          '    println!("{}", v[0] + v[1]);\n',
    },
}


def _compiles(code: str) -> bool:
    try:
        compile(code, "<candidate>", "exec")
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(BROKEN_PYTHON))
def test_broken_python_is_run_as_written(name):
    code = BROKEN_PYTHON[name]
    assert not _compiles(code)
    for kind in ("code", "completion"):
        program = build_program("", "main", "python", **{kind: code})
        assert not _compiles(program.code), (name, kind, program.code)
        assert code in program.code and not program.extracted


@pytest.mark.parametrize("name", sorted(BROKEN_PYTHON))
def test_broken_python_in_fences_or_prose_stays_broken(name):
    code = BROKEN_PYTHON[name]
    for text in (f"```python\n{code}\n```", f"Here is my solution.\n\n{code}\n\nThis reads two numbers.",
                 f"```python\n{code}\n```\nIt prints the sum of the two numbers."):
        program = build_program("", None, "python", code=text)
        assert not _compiles(program.code), (name, text, program.code)
        assert code.strip() in program.code


def test_prose_around_working_code_is_still_trimmed():
    text = ("Sure! Here is the fixed code:\n\ndef f(x):\n    return x + 1\n\n"
            "This adds one to x, as asked.\nHope this helps!")
    program = build_program("", "f", "python", code=text)
    assert program.code.strip() == "def f(x):\n    return x + 1" and program.extracted


@pytest.mark.parametrize("text, expected", [
    ("Here's the implementation:\n\ndef f(x):\n    return x + 1\n\n**Explanation:**\n- It returns x plus one.",
     "\ndef f(x):\n    return x + 1\n"),
    ("def f(x):\n    return x + 1\n\nExample usage:\nprint(f(1))  # 2", "def f(x):\n    return x + 1\n\nprint(f(1))  # 2"),
    ("Sure!\ndef f(x):\n    return x + 1", "def f(x):\n    return x + 1"),
])
def test_prose_between_code_goes_and_every_code_line_stays(text, expected):
    program = build_program("", "f", "python", code=text)
    assert program.code == expected and program.extracted


def test_prose_lines_are_told_from_code():
    for prose in ("Here is my answer.", "This adds one.", "Hope this helps!", "", "The function below, fixed:",
                  "**Explanation:**", "Output:", "Sure!", "- It returns x plus one."):
        assert _is_prose(prose), prose
    for code in ("print(a + b", "x = [1, 2", "    return x", "def f(x)", "return x +", "total = a +", ")",
                 "nums.append(3", "import sys", "else:", "try:", "result", "2", "x.y"):
        assert not _is_prose(code), code


@pytest.mark.parametrize("language", sorted(BROKEN_OTHER))
def test_other_languages_are_never_trimmed(language):
    for code in BROKEN_OTHER[language].values():
        assert build_program("", None, language, code=code).code == code
        fenced = build_program("", None, language, code=f"Fixed:\n```{language}\n{code}```\nDone.")
        assert fenced.code == code and fenced.extracted


@pytest.mark.docker
def test_broken_programs_score_compile_error_in_every_language(tmp_path):
    """End to end in the sandboxes: every broken program is a compile_error, never failed."""
    tasks = write_jsonl(tmp_path / "tasks.jsonl", [{"task_id": "sum", "limits": {"time_s": 2.0, "memory_mb": 256},
                                                    "io_tests": [{"input": "2 3\n", "output": "5\n"}]}])
    rows = [{"task_id": "sum", "candidate_id": f"python/{name}", "language": "python", "code": code}
            for name, code in BROKEN_PYTHON.items()]
    rows += [{"task_id": "sum", "candidate_id": f"python/fenced-prose/{name}", "language": "python",
              "code": f"Here is my solution.\n```python\n{code}\n```\nIt prints the sum."}
             for name, code in list(BROKEN_PYTHON.items())[:2]]
    rows += [{"task_id": "sum", "candidate_id": f"{lang}/{name}", "language": lang, "code": code}
             for lang, programs in BROKEN_OTHER.items() for name, code in programs.items()]
    rows.append({"task_id": "sum", "candidate_id": "python/control", "language": "python",
                 "code": "Here you go.\nimport sys\nprint(sum(map(int, sys.stdin.read().split())))\nDone, it works."})
    out = tmp_path / "scored.jsonl"
    settings = load_settings(None, {"sandbox": {"backend": "docker", "workers": 2}, "analysis": {"enabled": False}})
    score_file(write_jsonl(tmp_path / "cands.jsonl", rows), str(tasks), out, settings)
    import json

    scored = {r["candidate_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert scored.pop("python/control")["verdict"] == Verdict.PASSED.value
    wrong = {cid: r["verdict"] for cid, r in scored.items() if r["verdict"] != Verdict.COMPILE_ERROR.value}
    assert not wrong, wrong
    assert len(scored) == len(rows) - 1
