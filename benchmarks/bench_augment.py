"""Stronger HumanEval tests: mutants only the augmented tests kill, and pass@1 under both.

    .venv/bin/python benchmarks/bench_augment.py [--limit K] [--candidates examples/humaneval_mix.jsonl]

1. ``rlcode tasks augment humaneval`` (resumed if ``--out`` already holds it).
2. The mutants of every augmented task (regenerated: the same seed gives the same mutants) are
   scored by the ordinary Scorer against the original tasks and against the augmented ones; the
   figure is the count and share of mutants that pass the original tests and fail the augmented
   ones. (The augment run's own counts come from its call matrix; this checks them end to end.)
3. pass@1 of the candidates file under the original tests, under the original tests' calls as
   fn_tests alone (what converting a check to fn_tests changes by itself), and under the augmented
   tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rlcode.augment.mutants import make_mutants  # noqa: E402
from rlcode.augment.run import AugmentOptions, augment_file  # noqa: E402
from rlcode.jsonl import read_jsonl  # noqa: E402
from rlcode.scoring.scorer import score_file  # noqa: E402
from rlcode.settings import load_settings  # noqa: E402


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# Small edits of the kinds real slips are (the first occurrence of each), as in tests/test_humaneval_docker.py.
TEXT_EDITS = [(" < ", " <= "), (" > ", " >= "), (" <= ", " < "), (" >= ", " > "), (" + 1", " + 2"), (" - 1", ""),
              (" == ", " != "), ("True", "False"), (" - ", " + "), ("[0]", "[-1]"), ("return ", "return not "),
              (" and ", " or "), (" or ", " and "), ("range(1, ", "range(0, "), ("range(0, ", "range(1, ")]


def _text_edits(rows: list[dict]) -> list[dict]:
    """Per task: the canonical solution and each distinct single text edit of it."""
    out = []
    for r in rows:
        solution = r["canonical_solution"]
        seen = {solution}
        out.append({"task_id": r["task_id"], "candidate_id": "canonical", "completion": solution})
        for i, (old, new) in enumerate(TEXT_EDITS):
            edited = solution.replace(old, new, 1)
            if edited not in seen:
                seen.add(edited)
                out.append({"task_id": r["task_id"], "candidate_id": f"edit{i}", "completion": edited})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="first K HumanEval tasks (default: all 164)")
    ap.add_argument("--candidates", default="examples/humaneval_mix.jsonl")
    ap.add_argument("--out", default="out/augment", help="folder for the augmented tasks and scored files")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-new", type=int, default=0, help="rlcode tasks augment --min-new")
    ap.add_argument("--holdout", action="store_true",
                    help="choose the kept inputs with every other mutant; measure on the others")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = load_settings(None, {"analysis": {"enabled": False}})
    options = AugmentOptions(seed=args.seed, limit=args.limit, holdout=args.holdout, min_new=args.min_new)
    suffix = ((f"-{args.limit}" if args.limit else "") + ("-holdout" if args.holdout else "")
              + (f"-min{args.min_new}" if args.min_new else ""))
    augmented = out / f"humaneval+{suffix}.jsonl"

    started = time.perf_counter()
    summary = augment_file("humaneval", augmented, settings, options)
    augment_s = time.perf_counter() - started
    rows = [row for _, row in read_jsonl(augmented)]
    live = [r for r in rows if r["augment"]["status"] == "augmented"]
    ids = {r["task_id"] for r in rows}

    # Original tasks (the same ones), and the original calls alone as fn_tests.
    originals = _write(out / f"original{suffix}.jsonl", [{k: v for k, v in r.items() if k not in ("fn_tests", "augment")}
                                                          for r in rows])
    converted = _write(out / f"converted{suffix}.jsonl", [
        dict(r, fn_tests=r["fn_tests"][: r["augment"]["original_tests"]]) if r["augment"]["status"] == "augmented" else r for r in rows])

    # 2. Mutants, end to end through the Scorer.
    mutants = []
    for r in live:
        made = make_mutants(r["task_id"], r["prompt"], r["canonical_solution"], options.mutants, options.seed)
        for m in (made[1::2] if args.holdout else made):  # held out: those augment did not see
            mutants.append({"task_id": r["task_id"], "candidate_id": m.mutant_id, "code": m.code})
    mutant_file = _write(out / f"mutants{suffix}.jsonl", mutants)
    mutant_settings = load_settings(None, {"analysis": {"enabled": False},
                                           "sandbox": {"time_s": options.mutant_limits.time_s}})
    verdicts = {}
    for name, tasks in (("original", originals), ("augmented", augmented)):
        scored = out / f"mutants-{name}{suffix}.jsonl"
        scored.unlink(missing_ok=True)
        score_file(mutant_file, str(tasks), scored, mutant_settings)
        verdicts[name] = {(row["task_id"], row["candidate_id"]): row["verdict"] for _, row in read_jsonl(scored)}
    keys = [k for k in verdicts["original"] if "sandbox_error" not in (verdicts["original"][k], verdicts["augmented"][k])]
    survive = [k for k in keys if verdicts["original"][k] == "passed"]
    caught = [k for k in survive if verdicts["augmented"][k] != "passed"]
    lost = [k for k in keys if verdicts["original"][k] != "passed" and verdicts["augmented"][k] == "passed"]

    # 3. pass@1 of the candidates under each test set: the given file, and plausible wrong programs
    #    made by plain text edits of the canonical solutions (not this project's AST mutants).
    files = {"given": _write(out / f"cands{suffix}.jsonl",
                             [row for _, row in read_jsonl(args.candidates) if row["task_id"] in ids]),
             "text edits": _write(out / f"edits{suffix}.jsonl", _text_edits(rows))}
    pass1, sizes, changed = {}, {}, {}
    for label, cands in files.items():
        pass1[label] = {}
        by_tests = {}
        for name, tasks in (("original", originals), ("original calls as fn_tests", converted),
                            ("augmented", augmented)):
            scored = out / f"{cands.stem}-{name.replace(' ', '_')}.jsonl"
            scored.unlink(missing_ok=True)
            scored_summary = score_file(cands, str(tasks), scored, settings)  # cands: only the tasks in ``ids``
            pass1[label][name] = round(scored_summary["pass_at_k"]["pass@1"], 4)
            by_tests[name] = {(r["task_id"], r["candidate_id"]): r["verdict"] for _, r in read_jsonl(scored)}
        sizes[label] = len(by_tests["original"])
        # verdicts that differ from the original tests' (same candidates, other tests)
        changed[label] = {name: sum(v != by_tests["original"][k] for k, v in verdicts_of.items())
                          for name, verdicts_of in by_tests.items() if name != "original"}

    report = {
        "tasks": len(rows), "augmented_tasks": len(live), "mutants_measured": "held out" if args.holdout else "all",
        "min_new": args.min_new, "augment_s": round(augment_s, 1),
        "tests_original": summary["original_tests"], "tests_added": summary["added"],
        "inputs_drawn": summary["generated"], "inputs_valid": summary["valid"],
        "mutants": len(keys), "mutants_passing_original": len(survive),
        "killed_only_by_augmented": len(caught),
        "killed_only_by_augmented_share_of_survivors": round(len(caught) / len(survive), 4) if survive else None,
        "killed_only_by_augmented_share_of_mutants": round(len(caught) / len(keys), 4) if keys else None,
        "killed_by_original_but_pass_augmented": len(lost),
        "augment_run_counts": {k: summary[k] for k in ("mutants", "killed_by_original", "survivors",
                                                        "killed_only_by_augmented")},
        "pass@1": pass1, "candidates_scored": sizes, "verdicts_changed_from_original": changed,
        "skipped_reasons": summary["skipped_reasons"], "total_s": round(time.perf_counter() - started, 1),
        "candidates": args.candidates,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
