"""Entry point: a subcommand when one is given, else the interactive console."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    words, skip = [], False
    for a in argv:            # words other than global options and their values
        if skip:
            skip = False
        elif a == "--config":
            skip = True
        elif not a.startswith("-"):
            words.append(a)
    interactive = not words and not {"--help", "-h", "--version"} & set(argv)
    if interactive:
        from telco_console.ui.app import run_interactive

        return run_interactive(argv)
    from telco_console.cli import run

    return run(argv)
