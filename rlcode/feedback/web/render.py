"""Candidate code as escaped, highlighted lines: Pygments tokens become ``<span class=...>`` around
text that went through ``markupsafe.escape``; the only markup is the class names chosen here."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

_LEXERS = {"python": "python", "c": "c", "cpp": "cpp", "java": "java", "javascript": "javascript",
           "typescript": "typescript", "go": "go", "rust": "rust"}


def _css_class(ttype) -> str:
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype]


def highlight_lines(code: str, language: str) -> list[Markup]:
    """One Markup string per line of ``code`` (1-based line n is element n-1)."""
    try:
        lexer = get_lexer_by_name(_LEXERS.get(language, language), stripnl=False, ensurenl=False)
    except ClassNotFound:
        lexer = get_lexer_by_name("text", stripnl=False, ensurenl=False)
    lines: list[list[str]] = [[]]
    for ttype, value in lexer.get_tokens(code):
        css = _css_class(ttype)
        for i, piece in enumerate(value.split("\n")):
            if i:
                lines.append([])
            if piece:
                text = str(escape(piece))
                lines[-1].append(f'<span class="{css}">{text}</span>' if css else text)
    if len(lines) > 1 and not lines[-1] and code.endswith("\n"):
        lines.pop()
    return [Markup("".join(parts)) for parts in lines]


@lru_cache(maxsize=1)
def code_css() -> str:
    """The colours of the token classes, served as a static-like file (no inline style anywhere)."""
    return HtmlFormatter(style="default").get_style_defs(".code")
