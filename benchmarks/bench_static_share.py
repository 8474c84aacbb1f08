"""What static analysis adds to scoring the 656-sample HumanEval mix (Docker backend, 2 workers).

Baseline: ``rlcode score`` with analysis off, measured in the same run as the default analyzers
(ruff + tree-sitter) and with pylint added (cold cache, then warm). Prints ratios; asserts nothing.
Run: ``.venv/bin/python benchmarks/bench_static_share.py``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from rlcode.scoring.scorer import score_file
from rlcode.settings import load_settings

MIX = Path(__file__).parents[1] / "examples" / "humaneval_mix.jsonl"


def timed(tmp: Path, name: str, analysis: dict) -> float:
    settings = load_settings(None, {"sandbox": {"workers": 2, "cache": False}, "analysis": analysis})
    started = time.perf_counter()
    score_file(MIX, "humaneval", tmp / f"{name}.jsonl", settings)
    return time.perf_counter() - started


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="rlcode-static-"))
    cache = tmp / "cache"
    try:
        timed(tmp, "warmup", {"enabled": False})
        runs = [
            ("analysis off (baseline)", {"enabled": False}),
            ("ruff + tree-sitter (default)", {"analyzers": ["ruff", "treesitter", "compiler"],
                                              "cache_dir": str(cache)}),
            ("+ pylint, cold cache", {"analyzers": ["ruff", "pylint", "treesitter", "compiler"],
                                      "cache_dir": str(cache)}),
            ("+ pylint, warm cache", {"analyzers": ["ruff", "pylint", "treesitter", "compiler"],
                                      "cache_dir": str(cache)}),
        ]
        results = [(label, timed(tmp, f"run{i}", cfg)) for i, (label, cfg) in enumerate(runs)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = results[0][1]
    print(f"{'scoring the HumanEval mix (656)':34}{'wall s':>9}{'vs baseline':>13}")
    for label, seconds in results:
        print(f"{label:34}{seconds:9.2f}{seconds / base:12.2f}x")


if __name__ == "__main__":
    main()
