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
