"""The learning demo (``make demo-train``): RL with rlcode's reward measurably teaches a tiny model.

Everything is made here, offline, in seconds: a family of small Python function tasks with
tests (``add_7(x)``: "Return x plus 7.", and the like over five operators and 19 constants),
split into 76 training and 19 held-out tasks (new combinations of an operator and a constant,
never seen in training); a byte-level BPE tokenizer and a Llama-style model of about 370,000
parameters; and a short supervised warm start on the *training* tasks whose answers are
noisy: every prompt is taught its right answer and a wrong one (the same shape with another
operator), so the warm-started model writes well-formed code and copies the constant, but picks
the right operator only about half the time, on held-out tasks too. Then GRPO rounds with the
sandbox's verdict as the reward: the only signal telling the right answer from the wrong one.
Round 0 of ``rounds.jsonl`` is the warm-started model; the held-out gain after it is RL's own.
``untrained.json`` holds the same figures for the model before its warm start.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from rlcode.jsonl import JsonlAppender

OPERATORS = {  # word in the docstring, function-name prefix, operator
    "plus": ("add", "+"),
    "minus": ("sub", "-"),
    "times": ("mul", "*"),
    "modulo": ("mod", "%"),
    "floor-divided by": ("div", "//"),
}
CONSTANTS = tuple(range(2, 21))  # not 1: x * 1 == x // 1
ARG_NAMES = ("x", "n", "a", "v")


def is_heldout(op_index: int, constant: int) -> bool:
    """A fifth of the (operator, constant) pairs, spread so that every operator and every
    constant still appears in training: held-out tasks are new combinations of known parts."""
    return (op_index + constant) % 5 == 0
ARGS = (0, 1, 5, 12, 23, 100)


def _apply(op: str, x: int, c: int) -> int:
    return {"+": x + c, "-": x - c, "*": x * c, "%": x % c, "//": x // c}[op]


def make_tasks() -> list[dict]:
    """The task family, in DESIGN.md's task layout (function tasks with fn_tests)."""
    tasks = []
    for i, (word, (prefix, op)) in enumerate(OPERATORS.items()):
        for c in CONSTANTS:
            name = f"{prefix}_{c}"
            x = ARG_NAMES[(i + c) % len(ARG_NAMES)]
            tasks.append({
                "task_id": f"demo/{name}", "language": "python", "entry_point": name,
                "prompt": f'def {name}({x}):\n    """Return {x} {word} {c}."""\n',
                "canonical_solution": f"    return {x} {op} {c}\n",
                "fn_tests": [{"args": [x], "expected": _apply(op, x, c)} for x in ARGS],
                "difficulty": 1.0 if op in "+-*" else 2.0,
                "heldout": is_heldout(i, c),
            })
    return tasks


def wrong_answer(task: dict, rng: random.Random) -> str:
    """A plausible wrong answer: the right shape with another operator."""
    _, x, op, c = task["canonical_solution"].split()
    other = rng.choice([o for _, o in OPERATORS.values() if o != op])
    return f"    return {x} {other} {c}\n"


def warm_start_pairs(train: list[dict], seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for task in train:
        pairs.append((task["prompt"], task["canonical_solution"]))
        pairs.append((task["prompt"], wrong_answer(task, rng)))
    return pairs


def write_tasks(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with JsonlAppender(path) as sink:
        for row in rows:
            sink.write(row)
    return path


def prepare(out_dir: str | Path, *, seed: int = 0, warm_steps: int = 300, hidden: int = 128, layers: int = 2) -> dict:
    """Write the tasks and the warm-started tiny model under ``out_dir``; returns their paths.
    Idempotent: what exists is kept (the run resumes)."""
    from rlcode.train.tiny import build_tiny_model

    out = Path(out_dir)
    tasks = make_tasks()
    train = [{k: v for k, v in t.items() if k != "heldout"} for t in tasks if not t["heldout"]]
    heldout = [{k: v for k, v in t.items() if k != "heldout"} for t in tasks if t["heldout"]]
    paths = {"tasks": out / "tasks-train.jsonl", "heldout": out / "tasks-heldout.jsonl", "model": out / "warm-start",
             "untrained": out / "untrained"}
    if not paths["tasks"].exists():
        write_tasks(paths["tasks"], train)
    if not paths["heldout"].exists():
        write_tasks(paths["heldout"], heldout)
    if not (paths["model"] / "config.json").exists() or not (paths["untrained"] / "config.json").exists():
        corpus = [t["prompt"] + t["canonical_solution"] for t in tasks]
        build_tiny_model(paths["model"], pairs=warm_start_pairs(train, seed), corpus=corpus, steps=warm_steps,
                         seed=seed, hidden=hidden, layers=layers, vocab_size=320, untrained=paths["untrained"])
    (out / "demo.json").write_text(json.dumps({k: str(v) for k, v in paths.items()}, indent=2))
    return {k: str(v) for k, v in paths.items()}


def demo_settings(paths: dict, out_dir: Path, *, rounds: int = 8, steps_per_round: int = 60, backend: str | None = None,
                  seed: int = 0):
    from rlcode.settings import load_settings

    return load_settings(None, {
        "train": {"model": paths["model"], "tasks": paths["tasks"], "heldout": paths["heldout"], "rounds": rounds,
                  "steps_per_round": steps_per_round, "batch_size": 16, "num_generations": 8,
                  "max_completion_length": 16, "out_dir": str(out_dir), "threads": 1, "heldout_n": 8, "seed": seed},
        "sandbox": {"backend": backend, "workers": 2}})


def untrained_figures(settings, paths: dict, out: Path, log) -> dict:
    """Held-out figures of the model before its warm start (``untrained.json``, measured once)."""
    from rlcode.train.rounds import TrainingRun

    path = out / "untrained.json"
    if path.exists():
        return json.loads(path.read_text())
    log("held-out evaluation of the model before its warm start")
    figures = TrainingRun(settings).evaluate(paths["untrained"])
    path.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def main(argv: list[str] | None = None) -> int:
    """``python -m rlcode.train.demo [--out out/demo-train]``: prepare, train, print before and after."""
    import argparse

    from rlcode import console
    from rlcode.errors import RlcodeError
    from rlcode.train.rounds import train

    parser = argparse.ArgumentParser(prog="python -m rlcode.train.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="out/demo-train", help="run directory (re-running resumes it)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--steps-per-round", type=int, default=60)
    parser.add_argument("--backend", default=None, help="sandbox backend (default: docker)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    console.quiet_libraries()
    try:
        console.info(f"preparing tasks and the warm-started tiny model under {out}")
        paths = prepare(out, seed=args.seed)
        settings = demo_settings(paths, out, rounds=args.rounds, steps_per_round=args.steps_per_round,
                                 backend=args.backend, seed=args.seed)
        untrained = untrained_figures(settings, paths, out, console.info)
        rows = train(settings, on_round=console.round_line, on_status=console.info)
    except RlcodeError as exc:
        console.err.print(f"error: {exc.message}", markup=False)
        if exc.hint:
            console.err.print(f"  hint: {exc.hint}", markup=False)
        return exc.exit_code
    console.out.print(console.rounds_table(rows))
    before, after = rows[0]["heldout"]["pass@1"], rows[-1]["heldout"]["pass@1"]
    console.out.print(f"held-out pass@1: {untrained['pass@1']:.3f} before any training, {before:.3f} after the "
                      f"warm start alone (round 0), {after:.3f} after {rows[-1]['round']} RL rounds: "
                      f"{100 * (after - before):+.1f} points from RL; "
                      f"wrote {Path(settings.train.out_dir) / 'rounds.jsonl'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
