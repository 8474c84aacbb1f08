"""The command line: attaches commands, catches known errors once. No logic lives here."""

from __future__ import annotations

import os

import typer
from rich.markup import escape
from typer.core import TyperGroup

from rlcode import __version__, console
from rlcode.commands import analyze as analyze_cmd
from rlcode.commands import compare as compare_cmd
from rlcode.commands import eval as eval_cmd
from rlcode.commands import feedback as feedback_cmd
from rlcode.commands import generate as generate_cmd
from rlcode.commands import sandbox as sandbox_cmd
from rlcode.commands import score as score_cmd
from rlcode.commands import tasks as tasks_cmd
from rlcode.commands import train as train_cmd
from rlcode.errors import RlcodeError



class _Group(TyperGroup):
    """Turns known errors into one line, the hint, and the exit status (RLCODE_DEBUG=1: traceback)."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except RlcodeError as exc:
            if os.environ.get("RLCODE_DEBUG"):
                raise
            # Escaped: messages quote user data and hints name extras (``rlcode[vllm]``), not markup.
            console.err.print(f"[bold red]error:[/bold red] {escape(exc.message)}", soft_wrap=True)
            if exc.hint:
                console.err.print(f"  hint: {escape(exc.hint)}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            console.err.print("interrupted: rows already written are kept; re-run the same command to continue")
            raise typer.Exit(130) from None


app = typer.Typer(name="rlcode", cls=_Group, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, help="Trustworthy, fast rewards for RL of code models.")
app.command("generate")(generate_cmd.generate)
app.command("score")(score_cmd.score)
app.command("train")(train_cmd.train)
app.command("analyze")(analyze_cmd.analyze)
app.command("eval")(eval_cmd.eval_)
app.command("compare")(compare_cmd.compare)
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(feedback_cmd.app, name="feedback")
app.add_typer(tasks_cmd.app, name="tasks")


def _version(value: bool) -> None:
    if value:
        console.out.print(f"rlcode {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """rlcode: generate, score, train and evaluate code models with execution-based rewards."""


def main() -> None:
    app()
