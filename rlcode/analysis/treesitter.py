"""Tree-sitter for every supported language: does it parse, where not, and the program's shape.

Syntax errors come from the grammar's ERROR and MISSING nodes. Metrics:

* ``functions``: function, method, lambda and closure nodes;
* ``max_nesting``: the deepest chain of control structures (an ``else if`` continues its ``if``);
* ``cyclomatic``: 1 + decision points (branches, loops, catch clauses, non-default cases,
  ternaries, ``&&``/``||``/``and``/``or``) over the whole file;
* ``loc``: lines covered by tokens other than comments.

Node type names differ little between grammars; where two grammars share a name it means the
same construct, so one set of names serves every language.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from rlcode.analysis.base import AnalysisError, AnalysisInput, Finding, Report, Severity, StructureMetrics

# language → (module, function returning the grammar)
GRAMMARS = {
    "python": ("tree_sitter_python", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "java": ("tree_sitter_java", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "haskell": ("tree_sitter_haskell", "language"),  # the functional extra
    "scala": ("tree_sitter_scala", "language"),
}

FUNCTIONS = frozenset({
    "function_definition", "lambda",  # python, c, cpp
    "lambda_expression", "method_declaration", "constructor_declaration",  # cpp, java, go
    "function_declaration", "function_expression", "arrow_function", "method_definition",  # js, ts, go
    "generator_function_declaration", "generator_function", "func_literal",
    "function_item", "closure_expression",  # rust
    "function",  # haskell (its lambda is "lambda"; scala's are function_definition, lambda_expression)
})
# Control structures: each one entered is one level of nesting.
NESTING = frozenset({
    "if_statement", "if_expression", "for_statement", "for_in_statement", "enhanced_for_statement",
    "for_range_loop", "for_expression", "while_statement", "while_expression", "do_statement",
    "loop_expression", "try_statement", "with_statement", "switch_statement", "switch_expression",
    "expression_switch_statement", "type_switch_statement", "select_statement", "match_statement",
    "match_expression",
    "conditional", "case", "multi_way_if", "try_expression", "do_while_expression",  # haskell, scala
})
# Decision points; ``loop`` (Rust) and ``try``/``with`` decide nothing, so they are not here.
BRANCHES = frozenset({
    "if_statement", "if_expression", "elif_clause", "for_statement", "for_in_statement",
    "enhanced_for_statement", "for_range_loop", "for_expression", "while_statement", "while_expression",
    "do_statement", "except_clause", "catch_clause", "conditional_expression", "ternary_expression",
    "case_clause", "switch_case", "expression_case", "type_case", "communication_case",
    "boolean_operator",
    "conditional", "alternative", "guards", "do_while_expression",  # haskell, scala
})
_DEFAULT_CASES = frozenset({"case_statement", "switch_label", "match_arm"})  # branches unless the default
_MAX_SYNTAX_FINDINGS = 20  # one broken line can cascade; the first errors say enough


def _grammar(language: str) -> Any:
    from tree_sitter import Language

    module, function = GRAMMARS[language]
    try:
        return Language(getattr(importlib.import_module(module), function)())
    except ImportError:
        raise AnalysisError(f"the tree-sitter grammar for {language} ({module}) is not installed",
                            hint="pip install 'rlcode[analysis]'") from None


def _is_branch(node: Any) -> bool:
    kind = node.type
    if kind in BRANCHES:
        return True
    if kind == "binary_expression":
        op = node.child_by_field_name("operator")
        return op is not None and op.type in ("&&", "||")
    if kind in _DEFAULT_CASES:
        if kind == "match_arm":
            pattern = node.child_by_field_name("pattern")
            return pattern is None or pattern.text.strip() != b"_"
        return not any(child.type == "default" for child in node.children)
    return False


def _continues_if(node: Any) -> bool:
    """``else if``: the inner if sits in an else clause (C, JS, Rust) or is the if's alternative (Java, Go)."""
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "else_clause":
        return True
    return parent.type == node.type and parent.child_by_field_name("alternative") == node


def inspect_tree(root: Any) -> tuple[list[Finding], StructureMetrics]:
    findings: list[Finding] = []
    functions = branches = max_nesting = 0
    code_rows: set[int] = set()
    stack = [(root, 0, False)]
    while stack:
        node, depth, in_error = stack.pop()
        kind = node.type
        if "comment" in kind:
            continue
        if node.is_missing:
            if not in_error:
                findings.append(Finding("treesitter", "missing", Severity.ERROR, node.start_point[0] + 1,
                                        f"missing {kind!r}"))
            continue
        if node.is_error and not in_error:
            # Errors nested in this one are the same mistake seen again: report the outermost only.
            in_error = True
            snippet = node.text.decode("utf-8", "replace").strip().splitlines()
            findings.append(Finding("treesitter", "syntax-error", Severity.ERROR, node.start_point[0] + 1,
                                    f"cannot parse {snippet[0][:60]!r}" if snippet else "cannot parse"))
        if node.is_named:  # keywords are nodes too: Python's `lambda` token shares its node's name
            if kind in FUNCTIONS:
                functions += 1
            if _is_branch(node):
                branches += 1
            if kind in NESTING and not (kind.startswith("if_") and _continues_if(node)):
                depth += 1
                max_nesting = max(max_nesting, depth)
        if node.child_count == 0 or "string" in kind:  # a multi-line string is code on every line
            code_rows.update(range(node.start_point[0], node.end_point[0] + 1))
        stack.extend((child, depth, in_error) for child in reversed(node.children))
    findings.sort(key=lambda f: f.line)
    return findings[:_MAX_SYNTAX_FINDINGS], StructureMetrics(functions, max_nesting, 1 + branches, len(code_rows))


class TreeSitterAnalyzer:
    name = "treesitter"
    languages = frozenset(GRAMMARS)

    def __init__(self, config: object = None):
        self._parsers: dict[str, Any] = {}

    def applies(self, item: AnalysisInput) -> bool:
        return item.language in self.languages

    def parser(self, language: str) -> Any:
        if language not in self._parsers:
            from tree_sitter import Parser

            self._parsers[language] = Parser(_grammar(language))
        return self._parsers[language]

    def analyze(self, items: Sequence[AnalysisInput]) -> list[Report]:
        reports = []
        for item in items:
            tree = self.parser(item.language).parse(item.code.encode("utf-8", "surrogatepass"))
            findings, metrics = inspect_tree(tree.root_node)
            reports.append(Report(findings=findings, parses=not tree.root_node.has_error, metrics=metrics))
        return reports
