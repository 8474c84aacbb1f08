"""Per-language cost of one stdin/stdout candidate: compile + 4 I/O tests, rlcode vs the bare host.

For each language, the same program (a right answer to "sum the pairs") is scored ``--reps``
times, each time with a different trailing comment so no cache could serve it:

* rlcode  ``Worker.run`` on a warm Docker sandbox (the container is started by a first, untimed
          candidate; its cost is shown apart): write, compile under limits, 4 runs under limits,
          the trusted-side comparison, the clean-up between candidates;
* host    the language's own compile and run commands (``rlcode/languages/<name>.py``, limits
          filled in) run with ``subprocess`` in a fresh temporary directory with the host's
          toolchain, no sandbox and no limits, outputs compared the same way. ``n/a`` where the
          host lacks the toolchain.

* bare    the same compile and runs inside a plain container of the same image, timed inside it
          (same toolchain version as rlcode's, no runner, no limits): ``/bare`` is rlcode's own
          overhead.

Medians per candidate, in milliseconds; ``/host`` = rlcode / host. Toolchain versions differ
between the images (Debian bookworm) and the host (node 18 vs 20, rustc 1.63 vs 1.95), so
``/host`` mixes sandbox overhead with compiler differences; ``/bare`` does not.
Run: ``.venv/bin/python benchmarks/bench_languages.py [--reps 5] [--language c ...]``.
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rlcode.judge.compare import compare_output
from rlcode.languages import Language, get_language
from rlcode.records import Limits, Task
from rlcode.sandbox import open_backend
from rlcode.scoring.pool import Worker
from rlcode.settings import load_settings

TESTS = [
    {"input": "3\n2 2\n3 4\n10 -5\n", "output": "4\n7\n5\n"},
    {"input": "1\n1000000000 1000000000\n", "output": "2000000000\n"},
    {"input": "2\n0 0\n-7 3\n", "output": "0\n-4\n"},
    {"input": "4\n1 1\n2 2\n3 3\n4 4\n", "output": "2\n4\n6\n8\n"},
]
TASK = Task(task_id="bench/sum", io_tests=TESTS)
LIMITS = Limits()

PROGRAMS = {
    "python": """import sys
data = sys.stdin.read().split()
t = int(data[0])
print("\\n".join(str(int(data[1 + 2 * i]) + int(data[2 + 2 * i])) for i in range(t)))
""",
    "c": """#include <stdio.h>
int main(void) {
    int t;
    if (scanf("%d", &t) != 1) return 1;
    while (t--) { long long a, b; if (scanf("%lld %lld", &a, &b) != 2) return 1; printf("%lld\\n", a + b); }
    return 0;
}
""",
    "cpp": """#include <iostream>
int main() {
    std::ios::sync_with_stdio(false);
    int t;
    std::cin >> t;
    while (t--) { long long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }
}
""",
    "java": """import java.io.*;
import java.util.*;
public class Sum {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int t = Integer.parseInt(in.readLine().trim());
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < t; i++) {
            StringTokenizer st = new StringTokenizer(in.readLine());
            out.append(Long.parseLong(st.nextToken()) + Long.parseLong(st.nextToken())).append('\\n');
        }
        System.out.print(out);
    }
}
""",
    "javascript": """const data = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);
const out = [];
for (let i = 0; i < data[0]; i++) out.push(data[1 + 2 * i] + data[2 + 2 * i]);
console.log(out.join("\\n"));
""",
    "typescript": """import * as fs from "fs";
const data: number[] = fs.readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);
const out: string[] = [];
for (let i = 0; i < data[0]; i++) out.push(String(data[1 + 2 * i] + data[2 + 2 * i]));
console.log(out.join("\\n"));
""",
    "go": """package main

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
    "rust": """use std::io::{self, Read};
fn main() {
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).unwrap();
    let v: Vec<i64> = input.split_whitespace().map(|x| x.parse().unwrap()).collect();
    let mut out = String::new();
    for i in 0..v[0] as usize {
        out.push_str(&format!("{}\\n", v[1 + 2 * i] + v[2 + 2 * i]));
    }
    print!("{}", out);
}
""",
    "haskell": """import qualified Data.ByteString.Char8 as B
import Data.Maybe (mapMaybe)

main :: IO ()
main = do
  xs <- map fst . mapMaybe B.readInt . B.words <$> B.getContents
  B.putStr (B.unlines [B.pack (show (xs !! (1 + 2 * i) + xs !! (2 + 2 * i))) | i <- [0 .. head xs - 1]])
""",
    "scala": """object Sum {
  def main(args: Array[String]): Unit = {
    val in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in))
    val t = in.readLine().trim.toInt
    val out = new StringBuilder
    for (_ <- 0 until t) {
      val st = new java.util.StringTokenizer(in.readLine())
      out.append(st.nextToken().toLong + st.nextToken().toLong).append('\\n')
    }
    print(out)
  }
}
""",
}
# The same C++ through <bits/stdc++.h>, which the cpp image has precompiled (the host has not).
EXTRA = {"cpp+stdc++.h": ("cpp", "#include <bits/stdc++.h>\n" + PROGRAMS["cpp"].split("\n", 1)[1])}
ROWS = {name: (name, code) for name, code in PROGRAMS.items()} | EXTRA


def variant(language: str, code: str, rep: int) -> str:
    mark = {"python": "#", "haskell": "--"}.get(language, "//")
    return f"{code}\n{mark} rep {rep} {time.time_ns()}\n"


# -- rlcode ------------------------------------------------------------------------------------------


def bench_rlcode(backend, language: str, code: str, reps: int) -> tuple[float, list[float]]:
    """(first candidate's seconds, container start included; steady-state seconds per candidate)."""
    worker = Worker(backend, retries=0)
    try:
        t0 = time.perf_counter()
        first = worker.run(TASK, variant(language, code, -1), language, LIMITS)
        cold = time.perf_counter() - t0
        if first.verdict.value != "passed":
            raise RuntimeError(f"{language}: rlcode verdict {first.verdict.value}: {first.details}")
        times = []
        for rep in range(reps):
            t0 = time.perf_counter()
            result = worker.run(TASK, variant(language, code, rep), language, LIMITS)
            times.append(time.perf_counter() - t0)
            if result.verdict.value != "passed":
                raise RuntimeError(f"{language}: rlcode verdict {result.verdict.value}: {result.details}")
        return cold, times
    finally:
        worker.close()


# -- host --------------------------------------------------------------------------------------------


# The host runs see the sandbox's environment (HOME and TMPDIR in the work dir), plus what the
# host's toolchains need to be found: rustup's homes, and the real interpreter ahead of any pyenv
# shim (a shell script that would add its own start-up to every run).
HOST_PATH = os.pathsep.join([str(Path(sys.base_prefix) / "bin"), os.environ.get("PATH", "/usr/bin:/bin")])
HOST_TOOL_ENV = {name: os.environ.get(name, str(Path.home() / default))
                 for name, default in (("RUSTUP_HOME", ".rustup"), ("CARGO_HOME", ".cargo"))}


def _host_argv(lang: Language, template: tuple[str, ...], lim: dict, workdir: str) -> list[str]:
    # The sandbox's work dir is /tmp; on the host it is a fresh temporary directory.
    return [arg.replace("/tmp/", workdir + "/") for arg in lang.argv(template, lim)]


def host_available(lang: Language) -> bool:
    probe = {"c": ["gcc"], "cpp": ["g++"], "java": ["javac", "java"], "javascript": ["node"],
             "typescript": ["node"], "go": ["go"], "rust": ["rustc", "cc"], "python": ["python3"],
             "haskell": ["ghc"], "scala": ["scalac", "java"]}[lang.name]
    if not all(shutil.which(tool, path=HOST_PATH) for tool in probe):
        return False
    return all(os.path.exists(arg) for arg in (lang.compile or ()) if arg.startswith("/usr/"))


def bench_host(lang: Language, code: str, reps: int) -> list[float]:
    lim = LIMITS.scaled(lang.time_factor, lang.memory_factor).for_runner(lang.address_space)
    clim = dict(lim, memory_mb=lang.compile_memory_mb)
    times = []
    for rep in range(reps + 1):  # the first is a warm-up (page cache), as rlcode's is
        with tempfile.TemporaryDirectory(prefix="rlcode-bench-host-") as work:
            env = {"PATH": HOST_PATH, "HOME": work, "TMPDIR": work, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                   **HOST_TOOL_ENV}
            t0 = time.perf_counter()
            for name, content in lang.files_for(variant(lang.name, code, rep)).items():
                Path(work, name).write_text(content)
            if lang.compile:
                done = subprocess.run(_host_argv(lang, lang.compile, clim, work), cwd=work, env=env,
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"{lang.name}: host compile failed: {(done.stderr + done.stdout)[-500:]}")
            for test in TESTS:
                done = subprocess.run(_host_argv(lang, lang.run, lim, work), cwd=work, env=env, input=test["input"],
                                      capture_output=True, text=True)
                if done.returncode != 0 or compare_output("tokens", test["output"], done.stdout) is not None:
                    raise RuntimeError(f"{lang.name}: host run wrong: {done.returncode} {done.stderr[-300:]}")
            if rep:
                times.append(time.perf_counter() - t0)
    return times


# -- bare: the image's own toolchain, no runner, no limits ---------------------------------------------


def bench_bare(backend, lang: Language, code: str, reps: int) -> list[float]:
    """The same compile and runs inside a plain container of the same image, timed inside it:
    the same toolchain version as rlcode's, so the ratio isolates rlcode's own overhead."""
    import io
    import shlex
    import tarfile

    lim = LIMITS.scaled(lang.time_factor, lang.memory_factor).for_runner(lang.address_space)
    clim = dict(lim, memory_mb=lang.compile_memory_mb)
    container = backend.client.containers.run(
        backend.image_for(lang.name), entrypoint=["sleep", "3600"], detach=True, network_mode="none",
        user="10001:10001", remove=True)  # no tmpfs: docker cp (put_archive) cannot write into one
    times = []
    try:
        for rep in range(reps + 1):
            work = f"/var/tmp/w{rep}"
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as tar:
                folder = tarfile.TarInfo(f"w{rep}")
                folder.type, folder.mode, folder.uid, folder.gid = tarfile.DIRTYPE, 0o755, 10001, 10001
                tar.addfile(folder)
                files = dict(lang.files_for(variant(lang.name, code, rep)))
                files.update({f"in{i}": t["input"] for i, t in enumerate(TESTS)})
                for name, content in files.items():
                    data = content.encode()
                    info = tarfile.TarInfo(f"w{rep}/{name}")
                    info.size, info.mode, info.uid, info.gid = len(data), 0o644, 10001, 10001
                    tar.addfile(info, io.BytesIO(data))
            buf.seek(0)
            container.put_archive("/var/tmp", buf.getvalue())

            def sh(template, limits, work=work):
                return " ".join(shlex.quote(a.replace("/tmp/", work + "/")) for a in lang.argv(template, limits))

            steps = [sh(lang.compile, clim)] if lang.compile else []
            steps += [f"{sh(lang.run, lim)} < in{i} > out{i}" for i in range(len(TESTS))]
            script = (f"cd {work} && export HOME={work} TMPDIR={work} LANG=C.UTF-8 && s=$(date +%s%N) && "
                      + " && ".join(steps) + " && e=$(date +%s%N) && echo $((e - s))")
            code_, out = container.exec_run(["sh", "-c", script])
            if code_ != 0:
                raise RuntimeError(f"{lang.name}: bare run failed: {out.decode(errors='replace')[-300:]}")
            if rep:
                times.append(int(out.decode().strip().splitlines()[-1]) / 1e9)
    finally:
        container.kill()
    return times


def host_version(lang: Language) -> str:
    try:
        done = subprocess.run(list(lang.version), capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, PATH=HOST_PATH))
    except (OSError, subprocess.TimeoutExpired):
        return "-"
    return ((done.stdout or done.stderr).strip().splitlines() or ["-"])[0]


def image_version(backend, lang: Language) -> str:
    client = backend.client
    try:
        out = client.containers.run(backend.image_for(lang.name), entrypoint=list(lang.version), network_mode="none",
                                    remove=True, stdout=True, stderr=True)
    except Exception:  # noqa: BLE001 - a label, not a measurement
        return "-"
    return (out.decode(errors="replace").strip().splitlines() or ["-"])[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5, help="timed candidates per language and path")
    ap.add_argument("--language", "-l", action="append", help="only these rows (repeatable)")
    args = ap.parse_args()
    rows = [r for r in ROWS if not args.language or r in args.language]
    settings = load_settings(None, {"sandbox": {"workers": 1, "cache": False}})
    backend = open_backend(settings)
    table = []
    try:
        for row in rows:
            language, code = ROWS[row]
            lang = get_language(language)
            cold, rl = bench_rlcode(backend, language, code, args.reps)
            host = bench_host(lang, code, args.reps) if host_available(lang) else None
            bare_ms = statistics.median(bench_bare(backend, lang, code, args.reps)) * 1000
            rl_ms = statistics.median(rl) * 1000
            host_ms = statistics.median(host) * 1000 if host else None
            table.append((row, rl_ms, bare_ms, host_ms, cold * 1000, image_version(backend, lang),
                          host_version(lang) if host else "-"))
            print(f"  {row}: rlcode {rl_ms:.0f} ms, bare {bare_ms:.0f} ms, "
                  f"host {'n/a' if host_ms is None else f'{host_ms:.0f} ms'}", flush=True)
    finally:
        backend.close()
    print()
    print(f"compile + {len(TESTS)} I/O tests per candidate, median of {args.reps} (ms); "
          f"first = first candidate incl. container start")
    print("bare = the image's own toolchain in a plain container (same version, no runner, no limits); "
          "host = the host's toolchain (other versions)")
    head = (f"{'language':<14}{'rlcode':>9}{'bare':>8}{'/bare':>7}{'host':>8}{'/host':>7}{'first':>8}"
            f"   sandbox toolchain  |  host toolchain")
    print(head)
    print("-" * len(head))
    for row, rl_ms, bare_ms, host_ms, cold_ms, image_v, host_v in table:
        host_s = "n/a" if host_ms is None else f"{host_ms:.0f}"
        ratio = "n/a" if host_ms is None else f"{rl_ms / host_ms:.2f}"
        print(f"{row:<14}{rl_ms:>9.0f}{bare_ms:>8.0f}{rl_ms / bare_ms:>7.2f}{host_s:>8}{ratio:>7}{cold_ms:>8.0f}"
              f"   {image_v[:30]}  |  {host_v[:30]}")


if __name__ == "__main__":
    main()
