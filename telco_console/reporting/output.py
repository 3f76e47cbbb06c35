"""The one place that writes to the terminal: info, success, warning, error, and paged text."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import TextIO


class Output:
    """Carries stdout/stderr so that tests can swap them."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None, colour: bool = True):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.colour = colour and self.stdout.isatty() and not os.environ.get("NO_COLOR")

    def _c(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def write(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def info(self, text: str) -> None:
        self.write(text)

    def success(self, text: str) -> None:
        self.write(self._c("32", text))

    def warning(self, text: str) -> None:
        self.stderr.write(self._c("33", f"warning: {text}") + "\n")
        self.stderr.flush()

    def note(self, text: str) -> None:
        """A plain status line on stderr (what is happening, not a problem), so that it never
        mixes with a report written to stdout."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def notify(self, text: str) -> None:
        """The callback for the database layer and services: progress notices (those with
        level "info", such as "starting the managed database server...") as plain lines, the
        rest as warnings."""
        if getattr(text, "level", None) == "info":
            self.note(text)
        else:
            self.warning(text)

    def fail(self, exc: BaseException) -> int:
        """The one way a failure ends a command or the console: its one-line message, and the
        exit status errors.exit_code_for() gives it."""
        from telco_console.errors import exit_code_for

        self.error(str(exc))
        return exit_code_for(exc)

    def error(self, text: str) -> None:
        """One line on stderr."""
        line = " ".join(str(text).split())
        self.stderr.write(self._c("31", f"error: {line}") + "\n")
        self.stderr.flush()

    def page(self, text: str) -> None:
        """Show text; through a pager when it is taller than an interactive screen."""
        rows = shutil.get_terminal_size((120, 40)).lines
        if self.stdout.isatty() and sys.stdin.isatty() and text.count("\n") > rows - 2 \
                and not os.environ.get("TELCO_NO_PAGER"):
            pager = os.environ.get("PAGER", "less -SRFX")
            try:
                subprocess.run(pager, shell=True, input=text.encode("utf-8", "replace"), check=False)
                return
            except OSError:
                pass
        self.write(text)
