"""The command line: attaches commands, catches known errors once. No logic lives here."""

from __future__ import annotations

import os
import sys

import typer

from rlcode import __version__, console
from rlcode.commands import sandbox as sandbox_cmd
from rlcode.commands import score as score_cmd
from rlcode.errors import RlcodeError

app = typer.Typer(name="rlcode", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Trustworthy, fast rewards for RL of code models.")
app.command("score")(score_cmd.score)
app.add_typer(sandbox_cmd.app, name="sandbox")


def _version(value: bool) -> None:
    if value:
        console.out.print(f"rlcode {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """rlcode: generate, score, train and evaluate code models with execution-based rewards."""


def main() -> None:
    """Entry point: known errors become one line and an exit status; RLCODE_DEBUG=1 shows tracebacks."""
    try:
        app(standalone_mode=False)
    except RlcodeError as exc:
        if os.environ.get("RLCODE_DEBUG"):
            raise
        console.err.print(f"[bold red]error:[/bold red] {exc.message}", soft_wrap=True)
        if exc.hint:
            console.err.print(f"  hint: {exc.hint}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        console.err.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        console.err.print("interrupted: rows already written are kept; re-run the same command to continue")
        sys.exit(130)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        raise
