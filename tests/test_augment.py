"""``rlcode tasks augment`` without a sandbox: signatures, strategies, mutants, seeds, CLI errors."""

from __future__ import annotations

import ast
import json

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from rlcode.augment.mutants import make_mutants
from rlcode.augment.seeds import Unconvertible, json_exact, seeds_of
from rlcode.augment.signature import ANY, matches, parameters, refine, spec_of_value
from rlcode.augment.strategies import PromptHints, arguments, draw, fresh, mutate
from rlcode.cli import app
from rlcode.tasks import load_tasks
from tests.conftest import write_jsonl

# Spec trees of the kinds the prompts' type hints name.
_LEAVES = st.sampled_from([("int",), ("float",), ("str",), ("bool",)])
SPECS = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.tuples(st.just("list"), inner),
    st.tuples(st.just("tuple"), st.lists(inner, min_size=1, max_size=3).map(tuple)),
    st.tuples(st.just("dict"), st.just(("str",)), inner),
    st.tuples(st.just("union"), st.lists(inner, min_size=2, max_size=2).map(tuple)),
), max_leaves=5)


@settings(max_examples=150, deadline=None)
@given(SPECS, st.data())
def test_fresh_values_match_their_spec(spec, data):
    value = data.draw(fresh(spec, [], PromptHints()))
    assert matches(value, spec), (spec, value)
    assert json_exact(value)  # what fn_tests can carry


def _hint(spec) -> str:
    """The type hint a prompt would write for ``spec``."""
    kind = spec[0]
    if kind == "list":
        return f"List[{_hint(spec[1])}]"
    if kind == "tuple":
        return f"Tuple[{', '.join(_hint(s) for s in spec[1])}]"
    if kind == "dict":
        return f"Dict[{_hint(spec[1])}, {_hint(spec[2])}]"
    if kind == "union":
        return f"Union[{', '.join(_hint(s) for s in spec[1])}]"
    return kind


@settings(max_examples=100, deadline=None)
@given(st.lists(SPECS, min_size=1, max_size=3), st.data())
def test_arguments_drawn_for_a_signature_match_its_hints(specs, data):
    hints = ", ".join(f"p{i}: {_hint(s)}" for i, s in enumerate(specs))
    params = parameters(f"from typing import *\n\ndef f({hints}) -> int:\n    \"\"\"Doc.\"\"\"\n", "f")
    assert [p.name for p in params] == [f"p{i}" for i in range(len(specs))]
    args = data.draw(arguments(params, [], PromptHints()))
    assert len(args) == len(specs) and all(matches(a, s) for a, s in zip(args, specs)), (hints, args)


@settings(max_examples=150, deadline=None)
@given(SPECS, st.data())
def test_mutated_test_values_keep_their_type(spec, data):
    seed_value = data.draw(fresh(spec, [], PromptHints()))
    value = data.draw(mutate(seed_value, spec, [seed_value], PromptHints()))
    assert matches(value, spec), (spec, seed_value, value)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=5), st.data())
def test_non_negative_test_values_give_no_negative_ones(seeds, data):
    assert data.draw(fresh(("int",), seeds, PromptHints())) >= 0
    assert data.draw(mutate(seeds[0], ("int",), seeds, PromptHints())) >= 0


def test_signatures_from_type_hints():
    prompt = ("from typing import List, Tuple, Dict, Optional\n\n"
              "def f(a: List[int], b: Tuple[int, str], c: Dict[str, float], d: Optional[str], e, g: 'bool',\n"
              "      h: Tuple[int, ...], i: list[str], j: int | None) -> int:\n    \"\"\"doc\"\"\"\n")
    specs = {p.name: p.spec for p in parameters(prompt, "f")}
    assert specs == {"a": ("list", ("int",)), "b": ("tuple", (("int",), ("str",))),
                     "c": ("dict", ("str",), ("float",)), "d": ("union", (("str",), ("none",))), "e": ANY,
                     "g": ("bool",), "h": ("tuple*", ("int",)), "i": ("list", ("str",)),
                     "j": ("union", (("int",), ("none",)))}
    assert parameters("def g(*args):\n    pass\n", "g") is None
    # No hint: the tests' values say what it is.
    assert refine(ANY, [[1, 2], [3]]) == ("list", ("int",))
    assert spec_of_value({"a": [1.5]}) == ("dict", ("str",), ("list", ("float",)))


def test_draws_are_reproducible_and_distinct():
    params = parameters("from typing import List\ndef f(xs: List[int], k: int) -> int:\n    pass\n", "f")
    strategy = arguments(params, [[[1, 2, 3], 2], [[5], 0]], PromptHints())
    first, again, other = draw(strategy, 40, 7), draw(strategy, 40, 7), draw(strategy, 40, 8)
    assert first == again and first != other
    assert len({repr(a) for a in first}) == len(first) > 20
    assert all(matches(a[0], ("list", ("int",))) and type(a[1]) is int for a in first)


def test_mutants_change_one_thing_and_are_reproducible():
    prompt = "def f(xs, k):\n    \"\"\"doc\"\"\"\n"
    solution = ("    total = 0\n    for x in xs:\n        if x > k and x % 2 == 0:\n            total += x\n"
                "        elif not x:\n            break\n    return total - 1\n")
    mutants = make_mutants("t/0", prompt, solution, limit=100)
    assert {m.operator for m in mutants} >= {"compare", "boolop", "binop", "constant", "branch", "unary", "break"}
    original = ast.dump(ast.parse(prompt + solution))
    assert all(ast.dump(ast.parse(m.code)) != original for m in mutants)
    assert len({m.code for m in mutants}) == len(mutants)
    assert all(m.line >= 3 for m in mutants)  # the prompt (lines 1-2) is never mutated
    assert [m.code for m in make_mutants("t/0", prompt, solution, limit=5)] == [m.code for m in mutants[:5]]


def test_original_calls_become_seeds_only_where_the_check_compares_values():
    tasks = load_tasks("humaneval")
    seeds = seeds_of(tasks["HumanEval/0"])
    assert len(seeds.args) == 7 and seeds.args[0] == [[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3]
    for tid in ("HumanEval/32", "HumanEval/95"):  # a property of the root; a dict with int keys
        with pytest.raises(Unconvertible):
            seeds_of(tasks[tid])
    assert len(seeds_of(tasks["HumanEval/33"]).args) >= 5  # tuple(candidate(x)) == y is still a value


def test_bad_input_exits_2_with_file_line_field(tmp_path):
    runner = CliRunner()
    good = {"task_id": "a", "prompt": "def f(x: int) -> int:\n", "canonical_solution": "    return x\n",
            "entry_point": "f", "test": "def check(candidate):\n    assert candidate(1) == 1\n"}
    bad = dict(good, task_id="b", canonical_solution="    return (x\n")
    path = write_jsonl(tmp_path / "tasks.jsonl", [good, bad])
    result = runner.invoke(app, ["tasks", "augment", str(path), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert f"{path}:2: canonical_solution: does not compile" in " ".join(result.output.split())
    (tmp_path / "t2.jsonl").write_text(json.dumps(good) + "\n{not json\n")
    result = runner.invoke(app, ["tasks", "augment", str(tmp_path / "t2.jsonl"), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "t2.jsonl:2: malformed JSON" in " ".join(result.output.split())
    missing = dict(good, task_id="c")
    del missing["entry_point"]
    path = write_jsonl(tmp_path / "t3.jsonl", [missing])
    result = runner.invoke(app, ["tasks", "augment", str(path), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "t3.jsonl:1: entry_point: required with test" in " ".join(result.output.split())
    result = runner.invoke(app, ["tasks", "augment", str(path), "--out", str(tmp_path / "o.jsonl"), "--per-task", "-1"])
    assert result.exit_code == 2 and "--per-task" in result.output
    assert not (tmp_path / "o.jsonl").exists()
