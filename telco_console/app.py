"""Entry point: one argparse parser whose subcommand is optional; with none, the interactive
console. Global options (--config FILE or --config=FILE) mean the same in both."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from telco_console.cli import build_parser, run_command

    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if not args.command:
        from telco_console.ui.app import run_interactive

        return run_interactive(args.config)
    return run_command(args)
