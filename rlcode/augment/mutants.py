"""Mutants of a reference solution, made by AST transformation (not picked by hand).

A mutant is the solution with exactly one small change of the kinds real bugs have: a wrong
arithmetic or boolean operator, a swapped or loosened comparison, an integer constant one off, a
dropped ``not`` or minus sign, a dropped branch (an ``if`` without its body or its ``else``), a
``break`` that does not break. Only the canonical solution's own lines are mutated (line numbers
past ``first_line``), never the prompt's helpers. Which mutants a test set kills is how
``rlcode tasks augment`` chooses its new tests and how its benchmark measures them.
"""

from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass
from typing import Callable, Iterator

_BINOP_SWAPS: dict[type, tuple[type, ...]] = {
    ast.Add: (ast.Sub,), ast.Sub: (ast.Add,), ast.Mult: (ast.Add, ast.FloorDiv), ast.Div: (ast.Mult, ast.FloorDiv),
    ast.FloorDiv: (ast.Div, ast.Mult), ast.Mod: (ast.FloorDiv,), ast.Pow: (ast.Mult,),
    ast.BitAnd: (ast.BitOr,), ast.BitOr: (ast.BitAnd,), ast.LShift: (ast.RShift,), ast.RShift: (ast.LShift,),
}
_CMP_SWAPS: dict[type, tuple[type, ...]] = {
    ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE), ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
}


@dataclass(frozen=True)
class Mutant:
    mutant_id: str  # "<task_id>#m<N>", stable for a given solution and seed
    operator: str  # binop, compare, boolop, constant, unary, branch, break
    line: int  # line in prompt + solution
    code: str  # the whole module (prompt's helpers, the mutated entry point)


# One mutation site yields (operator, line, apply) options; ``apply`` edits the node in place.
_Option = tuple[str, int, Callable[[ast.AST], ast.AST | None]]


def _options(node: ast.AST) -> Iterator[_Option]:
    line = getattr(node, "lineno", 0)
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        for new in _BINOP_SWAPS.get(type(node.op), ()):
            yield "binop", line, lambda n, new=new: _with(n, op=new())
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in _CMP_SWAPS.get(type(op), ()):
                yield "compare", line, lambda n, i=i, new=new: _with(n, ops=n.ops[:i] + [new()] + n.ops[i + 1:])
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield "boolop", line, lambda n, other=other: _with(n, op=other())
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (1, -1):
            yield "constant", line, lambda n, d=delta: ast.copy_location(ast.Constant(n.value + d), n)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        yield "unary", line, lambda n: n.operand
    elif isinstance(node, ast.If):
        if node.orelse:
            yield "branch", line, lambda n: _with(n, orelse=[])  # the else (or elif chain) dropped
            yield "branch", line, lambda n: _with(n, body=[ast.Pass()])  # the if's own body dropped
        else:
            yield "branch", line, lambda n: ast.copy_location(ast.Pass(), n)  # the whole if dropped
    elif isinstance(node, ast.Break):
        yield "break", line, lambda n: ast.copy_location(ast.Pass(), n)


def _with(node: ast.AST, **fields) -> ast.AST:
    for name, value in fields.items():
        setattr(node, name, value)
    return node


class _Apply(ast.NodeTransformer):
    """Applies the ``target``-th option (in walk order) of the nodes past ``first_line``."""

    def __init__(self, first_line: int, target: int):
        self.first_line, self.target, self.seen = first_line, target, 0
        self.done: tuple[str, int] | None = None

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if self.done is None and getattr(node, "lineno", 0) > self.first_line:
            for operator, line, apply in _options(node):
                if self.seen == self.target:
                    self.done = (operator, line)
                    return apply(node)
                self.seen += 1
        return node


def _count(tree: ast.AST, first_line: int) -> int:
    return sum(1 for node in ast.walk(tree) if getattr(node, "lineno", 0) > first_line for _ in _options(node))


def make_mutants(task_id: str, prompt: str, solution: str, limit: int = 20, seed: int = 0) -> list[Mutant]:
    """Up to ``limit`` distinct mutants of ``prompt + solution`` that compile and differ from it,
    drawn reproducibly (``seed``) from every one-edit mutant when there are more. Raises
    SyntaxError when the solution does not compile."""
    source = prompt + solution
    tree = ast.parse(source)
    first_line = prompt.count("\n")
    original = ast.unparse(tree)
    sites = list(range(_count(tree, first_line)))
    random.Random(f"{seed}:{task_id}").shuffle(sites)
    seen, out = {original}, []
    for target in sites:
        if len(out) >= limit:
            break
        mutated = copy.deepcopy(tree)
        applier = _Apply(first_line, target)
        mutated = ast.fix_missing_locations(applier.visit(mutated))
        if applier.done is None:
            continue
        try:
            code = ast.unparse(mutated)
            compile(code, "<mutant>", "exec")
        except (SyntaxError, ValueError, RecursionError):
            continue
        if code in seen:
            continue
        seen.add(code)
        out.append(Mutant(f"{task_id}#m{target}", applier.done[0], applier.done[1], code + "\n"))
    return out
