"""The host-side judge of HumanEval-layout checks: which asserts count, what recording finds, and
that concurrent workers build each judge once. No sandbox: calls are answered in this process."""

import threading
import time

from rlcode.judge import check
from rlcode.judge.check import CheckJudge, judge_for
from tests.conftest import make_task

# Asserts in every place a statement can be: top level of check (counted), inside loops,
# conditionals, try/except/else/finally, with, match, helper functions and class methods (not
# counted: they end the check when they fail), and a message that calls the candidate again.
# The nested ones fail against recording's stand-in result ("not" of it is false): recording must
# neutralise them to see the calls after them.
NESTED = """
class Helper:
    def twice(self, candidate, x):
        assert not candidate(x) - (x + 1)
        return candidate(x + 100)

def helper(candidate):
    assert not candidate(200) - 201, candidate(201)

def check(candidate):
    assert candidate(1) == 2
    for x in (10, 11):
        assert not candidate(x) - (x + 1)
    if True:
        assert not candidate(20) - 21
    else:
        assert not candidate(21) - 22
    try:
        assert not candidate(30) - 31
    except ValueError:
        assert not candidate(31) - 32
    else:
        assert not candidate(32) - 33
    finally:
        assert not candidate(33) - 34
    match 1:
        case 1:
            assert not candidate(40) - 41
    Helper().twice(candidate, 50)
    helper(candidate)
    assert candidate(2) is not None, candidate(3)
    assert candidate(4) == 5
"""


def _arguments(plan):
    return [args[0] for args, _kwargs in plan.calls]


def test_top_level_asserts_of_check_count_and_nested_ones_are_recorded():
    judge = CheckJudge(make_task(NESTED))
    assert judge.total == 3  # the three asserts directly in check's body
    # Recording meets every call, nested and in messages, in order; the stand-in result makes
    # "is not None" true, so the message call is recorded from the message itself.
    assert _arguments(judge.record()) == [1, 10, 11, 20, 30, 32, 33, 40, 50, 150, 200, 201, 2, 3, 4]


def test_a_failing_nested_assert_ends_the_check_and_counted_ones_do_not():
    judge = CheckJudge(make_task(NESTED))
    right = judge.run(lambda args, kwargs: args[0] + 1)
    assert (right.passed, right.total, right.failures) == (3, 3, [])
    # Wrong only at 11, inside the loop: the loop's assert ends the check after one counted pass.
    early = judge.run(lambda args, kwargs: 0 if args[0] == 11 else args[0] + 1)
    assert early.passed == 1 and early.failures[0]["kind"] == "assertion"
    # Wrong only at 4, the last counted assert: the others still count.
    late = judge.run(lambda args, kwargs: 0 if args[0] == 4 else args[0] + 1)
    assert (late.passed, len(late.failures)) == (2, 1)


def test_concurrent_workers_build_each_judge_once(monkeypatch):
    task = make_task(NESTED, task_id="t/concurrent")
    check._JUDGES.clear()
    builds = []
    real_build = CheckJudge._build

    def counted_build(self, t):
        builds.append(t.task_id)
        time.sleep(0.05)  # a build long enough that the other threads ask while it runs
        real_build(self, t)

    monkeypatch.setattr(CheckJudge, "_build", counted_build)
    start = threading.Barrier(8)
    judges = []

    def worker():
        start.wait()
        judges.append(judge_for(task))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert builds == ["t/concurrent"]
    assert len({id(j) for j in judges}) == 1 and judges[0].record() is not None


# A multi-line assert (message on the next line, a comment inside), then a failing one: the
# rewritten test keeps every line where it was, so failures report the test's own line numbers.
MULTILINE = """
def check(candidate):
    assert candidate(
        1) == 2, (  # the message follows
        "one")
    assert candidate(2) == 4, \\
        "two"
    assert candidate(3) == 5
"""


def test_the_rewritten_test_keeps_its_lines():
    import ast

    source, counted = check._rewrite(MULTILINE, check._asserts(ast.parse(MULTILINE), MULTILINE)[0])
    assert counted == 3 and source.count("\n") == MULTILINE.count("\n") and "assert" not in source
    outcome = CheckJudge(make_task(MULTILINE)).run(lambda args, kwargs: args[0] + 1)
    assert (outcome.passed, outcome.total) == (1, 3)
    assert [(f["line"], f["message"]) for f in outcome.failures] == [(6, "AssertionError: two"),
                                                                      (8, "AssertionError")]


# Where an assert cannot become a lambda call (class-body names, a walrus binding a name the next
# assert uses), the test's tree is rewritten instead, with the same meaning.
FALLBACKS = {
    "class body": """
def check(candidate):
    class Fixture:
        x = candidate(1)
        assert x == 2
    assert Fixture.x == 2
    assert candidate(2) == 3
""",
    "walrus": """
def check(candidate):
    assert (y := candidate(1)) == 2
    assert y + candidate(2) == 5
    assert candidate(3) == 0
""",
}


def test_asserts_a_lambda_cannot_hold_fall_back_to_the_tree():
    import ast

    for name, test in FALLBACKS.items():
        assert check._asserts(ast.parse(test), test)[1] is False, name  # not every assert can be a lambda call
        judge = CheckJudge(make_task(test))
        assert judge.record_code is not judge.test_code, name  # two compiles of the tree
        outcome = judge.run(lambda args, kwargs: args[0] + 1)
        assert (outcome.passed, outcome.total, len(outcome.failures)) == (2, 2 + (name == "walrus"), name == "walrus"), name
        assert _arguments(judge.record()) == [1, 2] + [3] * (name == "walrus"), name
