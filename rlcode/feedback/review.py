"""``rlcode feedback review``: the terminal review (Textual). One item at a time: the task prompt,
the candidate with syntax highlighting and line numbers, its verdict, failing tests, what it
printed and its lint findings. Keys write events to the store; the review starts at the first item
this rater has not judged (``store.next_item``), so quitting and coming back resumes.

Everything shown is hostile text: it goes into rich ``Text``/``Syntax`` objects, never markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, Label, Static

from rlcode.feedback.events import RUBRIC, FeedbackEvent
from rlcode.feedback.itemview import evidence
from rlcode.feedback.store import FeedbackStore, Item


@dataclass
class ReviewSummary:
    """What one review session wrote, for the command to print."""

    events: int = 0
    judged: int = 0
    skipped: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def parse_lines(text: str, n_lines: int) -> list[int]:
    """``"3"`` or ``"3-5"`` -> ``[first, last]`` within 1..n_lines; ValueError says what is wrong."""
    parts = text.replace(" ", "").split("-")
    if len(parts) > 2 or not all(p.isdigit() for p in parts):
        raise ValueError("lines: write one line (7) or a range (3-5)")
    first, last = int(parts[0]), int(parts[-1])
    if not 1 <= first <= last <= n_lines:
        raise ValueError(f"lines: need 1 <= first <= last <= {n_lines}")
    return [first, last]


class AnnotateScreen(ModalScreen[dict | None]):
    """Asks for a line range, a label and a comment; returns them, or None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    AnnotateScreen { align: center middle; }
    #annotate { width: 70; height: auto; border: thick $accent; background: $panel; padding: 1 2; }
    #annotate-error { color: $error; }
    """

    def __init__(self, n_lines: int):
        super().__init__()
        self.n_lines = n_lines

    def compose(self) -> ComposeResult:
        with Vertical(id="annotate"):
            yield Label(f"Annotate lines 1-{self.n_lines} · Enter: next field, then save · Esc: cancel")
            yield Input(placeholder="lines: 7 or 3-5", id="ann-lines")
            yield Input(placeholder="label: bug, edge case, inefficient, unclear, style, ...", id="ann-label")
            yield Input(placeholder="comment (optional)", id="ann-comment")
            yield Label("", id="annotate-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = ["ann-lines", "ann-label", "ann-comment"]
        if event.input.id != "ann-comment":
            self.query_one(f"#{order[order.index(event.input.id) + 1]}", Input).focus()
            return
        error = self.query_one("#annotate-error", Label)
        try:
            lines = parse_lines(self.query_one("#ann-lines", Input).value, self.n_lines)
        except ValueError as exc:
            error.update(str(exc))
            self.query_one("#ann-lines", Input).focus()
            return
        label = self.query_one("#ann-label", Input).value.strip()
        if not label:
            error.update("label: empty")
            self.query_one("#ann-label", Input).focus()
            return
        self.dismiss({"lines": lines, "label": label[:100],
                      "comment": self.query_one("#ann-comment", Input).value.strip() or None})

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewApp(App[ReviewSummary]):
    """Review the store's items as ``rater``; ``app.summary`` says what was written."""

    TITLE = "rlcode feedback review"
    CSS = """
    #body { height: 1fr; }
    #left { width: 3fr; border-right: solid $primary; }
    #right { width: 2fr; padding: 0 1; }
    #prompt { color: $text-muted; margin-bottom: 1; }
    #status { background: $boost; padding: 0 1; }
    """
    BINDINGS = [
        Binding("p", "judge('pass')", "pass"),
        Binding("f", "judge('fail')", "fail"),
        *(Binding(str(v), f"rate({v})", "rate 1-5" if v == 1 else "", show=v == 1) for v in range(1, 6)),
        Binding("d", "dimension", "next dimension"),
        Binding("a", "annotate", "annotate lines"),
        Binding("s", "skip", "skip"),
        Binding("q", "quit_review", "quit"),
    ]

    def __init__(self, store: FeedbackStore, rater: str, rubric: tuple[str, ...] = tuple(RUBRIC)):
        super().__init__()
        self.store, self.rater, self.rubric = store, rater, tuple(rubric)
        self.summary = ReviewSummary()
        self.order: list[Item] = store.items()
        self.judged = {(e.task_id, e.candidate_id) for e in store.events(kind="judgement", rater=rater)}
        self.skipped: set[tuple[str, str]] = set()
        first = store.next_item(rater)
        self.index = self._index_of(first) if first else None
        self.dim = 0
        self.ratings: dict[str, int] = {}
        self.note = ""

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with VerticalScroll(id="left"):
                yield Static(id="prompt")
                yield Static(id="code")
            with VerticalScroll(id="right"):
                yield Static(id="evidence")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.rater
        self._show()

    @property
    def item(self) -> Item | None:
        return None if self.index is None else self.order[self.index]

    def _index_of(self, item: Item) -> int | None:
        for i, it in enumerate(self.order):
            if (it.task_id, it.candidate_id) == (item.task_id, item.candidate_id):
                return i
        return None

    def _show(self) -> None:
        item = self.item
        left = len(self.order) - len(self.judged)
        if item is None:
            self.query_one("#prompt", Static).update(Text(f"Nothing left to review: {len(self.judged)} of "
                                                          f"{len(self.order)} items judged by {self.rater}"
                                                          f"{f', {len(self.skipped)} skipped' if self.skipped else ''}."
                                                          " Press q to quit."))
            self.query_one("#code", Static).update("")
            self.query_one("#evidence", Static).update("")
            self.query_one("#status", Static).update(Text(self.note))
            return
        self.title = f"{item.task_id} / {item.candidate_id}"
        self.query_one("#prompt", Static).update(Text.assemble(("Task\n", "bold"), item.prompt.rstrip()))
        self.query_one("#code", Static).update(Syntax(item.code.rstrip("\n") or " ", item.language or "text", line_numbers=True,
                                                      word_wrap=True, theme="ansi_dark"))
        self.query_one("#evidence", Static).update(self._evidence(item))
        rated = "  ".join(f"{'>' if i == self.dim else ' '}{d}={self.ratings.get(d, '-')}"
                          for i, d in enumerate(self.rubric))
        self.query_one("#status", Static).update(Text(f"{left} unjudged · rating: {rated}   {self.note}"))

    def _evidence(self, item: Item) -> Group:
        ev = evidence(item.details)
        style = "bold green" if item.verdict == "passed" else "bold red"
        parts = [Text.assemble((item.verdict, style), f"  {item.tests_passed}/{item.tests_total} tests passed",
                               f"  reward {item.reward:.3f}" if item.reward is not None else "")]
        if ev.failures:
            parts.append(Text("\nFailing tests", style="bold"))
            parts.extend(Text(f.one_line()) for f in ev.failures)
        for source, text in ev.printed:
            parts.append(Text(f"\n{source}", style="bold"))
            parts.append(Text(text))
        if ev.findings:
            parts.append(Text("\nLint findings", style="bold"))
            parts.extend(Text(f"line {f.line or '-'} [{f.severity}] {f.tool} {f.code}: {f.message}")
                         for f in ev.findings)
        return Group(*parts)

    # -- writing events --------------------------------------------------------------------------
    def _write(self, kind: str, **fields) -> None:
        item = self.item
        self.store.add_event(FeedbackEvent(task_id=item.task_id, candidate_id=item.candidate_id, rater=self.rater,
                                           kind=kind, time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                           **fields))
        self.summary.events += 1
        self.summary.kinds[kind] = self.summary.kinds.get(kind, 0) + 1

    def _advance(self) -> None:
        """To the next item (in store order, wrapping) this rater has neither judged nor skipped."""
        self.ratings, self.dim = {}, 0
        n = len(self.order)
        start = -1 if self.index is None else self.index
        for step in range(1, n + 1):
            it = self.order[(start + step) % n]
            key = (it.task_id, it.candidate_id)
            if key not in self.judged and key not in self.skipped:
                self.index = (start + step) % n
                return
        self.index = None

    def action_judge(self, value: str) -> None:
        if self.item is None:
            return
        self._write("judgement", value=value)
        self.judged.add((self.item.task_id, self.item.candidate_id))
        self.summary.judged += 1
        self.note = f"judged {self.item.task_id} / {self.item.candidate_id}: {value}"
        self._advance()
        self._show()

    def action_rate(self, value: int) -> None:
        if self.item is None:
            return
        dim = self.rubric[self.dim]
        self._write("rating", dimension=dim, value=value)
        self.ratings[dim] = value
        self.dim = (self.dim + 1) % len(self.rubric)
        self.note = f"rated {dim} {value}"
        self._show()

    def action_dimension(self) -> None:
        self.dim = (self.dim + 1) % len(self.rubric)
        self._show()

    def action_annotate(self) -> None:
        if self.item is None:
            return

        def done(result: dict | None) -> None:
            if result:
                self._write("annotation", **result)
                self.note = f"annotated lines {result['lines'][0]}-{result['lines'][1]}: {result['label']}"
                self._show()

        self.push_screen(AnnotateScreen(max(1, len(self.item.code.splitlines()))), done)

    def action_skip(self) -> None:
        if self.item is None:
            return
        self.skipped.add((self.item.task_id, self.item.candidate_id))
        self.summary.skipped += 1
        self.note = f"skipped {self.item.task_id} / {self.item.candidate_id}"
        self._advance()
        self._show()

    def action_quit_review(self) -> None:
        self.exit(self.summary)


def run_review(store: FeedbackStore, rater: str, rubric: tuple[str, ...] = tuple(RUBRIC)) -> ReviewSummary:
    """Runs the review in this terminal until the rater quits; returns what was written."""
    app = ReviewApp(store, rater, rubric)
    app.run()
    return app.summary
