"""One error type, caught once at the top of the CLI: a line for the user and the fix."""

from __future__ import annotations


class RlcodeError(Exception):
    """A known failure. ``exit_code`` follows DESIGN.md: 2 for usage/input errors."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(RlcodeError):
    """Bad user input: ``FILE:LINE: field: reason``, exit status 2."""

    exit_code = 2

    def __init__(self, file: str, line: int | None, field: str | None, reason: str, hint: str | None = None):
        where = f"{file}:{line}" if line else str(file)
        msg = f"{where}: {field}: {reason}" if field else f"{where}: {reason}"
        super().__init__(msg, hint)
        self.file, self.line, self.field, self.reason = file, line, field, reason


class UsageError(RlcodeError):
    exit_code = 2


class SandboxUnavailable(RlcodeError):
    """The sandbox backend cannot run at all (no engine, no image)."""

    exit_code = 2
