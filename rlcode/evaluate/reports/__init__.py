"""Renderers of an evaluation result: JUnit XML (CI test views), Markdown (pull-request
comments), HTML (a self-contained page with inline SVG plots that makes no request)."""

from __future__ import annotations

from pathlib import Path


def write_report(result: dict, path: Path) -> None:
    """``--report``: HTML for ``.html``/``.htm``, Markdown otherwise."""
    if path.suffix.lower() in (".html", ".htm"):
        from rlcode.evaluate.reports.html import render_html

        text = render_html(result)
    else:
        from rlcode.evaluate.reports.markdown import render_markdown

        text = render_markdown(result)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
