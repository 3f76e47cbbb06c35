"""Subcommands for scripts and cron: argparse over the same services as the menus.

Each module in COMMANDS has register(subparsers); a leaf parser sets `func(ctx, args, out) -> int`
and `auth` (False for commands that need no sign-in). Each leaf's `permission` is its words joined by
dots ("customer add" -> customer.add) unless it sets one: the action of the permission matrix
(telco_console/permissions.py) checked once the user has signed in, before the command runs."""
from __future__ import annotations

import argparse
import getpass
import importlib
import os
import signal
import sys

from telco_console import __version__
from telco_console.errors import EXIT_OK, EXIT_USAGE, AuthError, TelcoError
from telco_console.reporting.output import Output
from telco_console.startup import make_context, prepare_database, settings

# modules under telco_console/cli/ that add subcommands, in --help order
COMMANDS = ["server", "db", "users", "customers", "plans", "log", "imports", "leads", "demo", "config_cmd", "report",
            "bill", "rates", "enquiry"]


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line with exit code 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> Parser:
    parser = Parser(prog="telco-console",
                    description="Back-office console for a telecom operator. With no command, "
                                "opens the interactive menu.")
    parser.add_argument("--config", metavar="FILE", help="settings file (default: TELCO_CONFIG, else "
                        "~/.config/telco-console/config.ini when it exists, else the built-in defaults)")
    parser.add_argument("--version", action="version", version=f"telco-console {__version__}")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMANDS:
        importlib.import_module(f"telco_console.cli.{name}").register(sub)
    for path, leaf in leaves(parser):
        if "permission" not in leaf._defaults:
            leaf.set_defaults(permission=".".join(path))
    return parser


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every subcommand that runs something: (words, parser), walking the argparse tree."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        if path:
            yield path, parser
        return
    seen = set()
    for name, child in subs[0].choices.items():
        if id(child) in seen:                    # an alias
            continue
        seen.add(id(child))
        yield from leaves(child, path + (name,))


def add_format(parser, formats=("table", "csv", "json"), output: bool = True) -> None:
    parser.add_argument("--format", choices=formats, default="table", help="output format (default table)")
    if output:
        add_output(parser)


def add_output(parser, plot: bool = False) -> None:
    parser.add_argument("--output", metavar="FILE", help="write to FILE (mode 600) instead of the screen; "
                                                         "the folder must exist")
    if plot:
        parser.add_argument("--plot", metavar="FILE.png", help="also save the report's chart as a PNG "
                                                                "(matplotlib, mode 600)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file "
                                                                 "(at a terminal you are asked)")


_SIGNED_IN: dict = {}     # the signed-in context of the running command, for emit()


def emit(out: Output, report, fmt: str = "table", output: str | None = None, ctx=None,
         overwrite: bool | None = None) -> None:
    """Render a Report in a format, to the screen or a file (recorded in the audit log)."""
    from telco_console.reporting.render import render

    text = render(report, fmt)
    if overwrite is None:
        overwrite = _SIGNED_IN.get("overwrite", False)
    ctx = ctx or _SIGNED_IN.get("ctx")      # every --output of a signed-in command is an audited export
    if output:
        from telco_console.reporting.files import write_private

        write_private(output, text if text.endswith("\n") else text + "\n", overwrite=overwrite)
        out.success(f"wrote {report.title} ({fmt}) to {output}")
        if ctx is not None:
            from telco_console.services import exports

            exports.record_export(ctx, report.title, fmt, output)
    else:
        out.write(text.rstrip("\n"))


def check_outputs(args) -> None:
    """--output and --plot are checked before any work is done: a folder, a missing folder or an
    existing file (without --overwrite, or a yes at a terminal) is refused in one line."""
    from telco_console.errors import ValidationError
    from telco_console.reporting.files import check_output

    overwrite = bool(getattr(args, "overwrite", False))
    for attr in ("output", "plot"):
        path = getattr(args, attr, None)
        if not path:
            continue
        try:
            check_output(path, overwrite)
        except ValidationError:
            import os

            if overwrite or not os.path.isfile(path) or not sys.stdin.isatty():
                raise
            check_output(path, True)
            if input(f"{path} exists. Replace it? [y/N] ").strip().lower() not in ("y", "yes"):
                raise ValidationError(f"{path} was left as it was: nothing done") from None
            overwrite = True
    if overwrite:
        args.overwrite = True
    _SIGNED_IN["overwrite"] = overwrite


def credentials_from_env_or_prompt(out: Output) -> tuple[str, str]:
    user = os.environ.get("TELCO_USER")
    password = os.environ.get("TELCO_PASSWORD")
    if not user:
        if not sys.stdin.isatty():
            raise AuthError("sign in with TELCO_USER and TELCO_PASSWORD (no terminal to ask on)")
        user = input("Username: ")
    if password is None:
        if not sys.stdin.isatty():
            raise AuthError("set TELCO_PASSWORD (no terminal to ask on)")
        password = getpass.getpass("Password: ")
    return user, password


def run(argv: list[str], out: Output | None = None) -> int:
    """Run one subcommand (argv without the program name); no subcommand prints the help."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    return run_command(args, out)


def run_command(args: argparse.Namespace, out: Output | None = None) -> int:
    """Run the subcommand build_parser() parsed into `args`: sign in when it needs it, then
    args.func. Every failure ends as out.fail(): one line and errors.exit_code_for()'s status."""
    out = out or Output()
    if not hasattr(args, "func"):
        build_parser().parse_args([args.command, "--help"])
        return EXIT_USAGE
    _SIGNED_IN.clear()
    previous = _handle_sigterm()
    try:
        check_outputs(args)
        config = settings(args.config, out)
        ctx = make_context(config, out, progress=not args.no_progress and sys.stderr.isatty())
        if getattr(args, "auth", True):
            from telco_console.services import auth

            prepare_database(ctx)
            user, password = credentials_from_env_or_prompt(out)
            ctx = ctx.with_user(auth.login(ctx, user, password))
            _SIGNED_IN["ctx"] = ctx
            from telco_console import permissions

            if getattr(args, "permission", None) in permissions.MATRIX:
                ctx.check(args.permission)
        elif getattr(args, "needs_db", False):
            prepare_database(ctx)
        code = args.func(ctx, args, out)
        return EXIT_OK if code is None else code
    except TelcoError as exc:
        return out.fail(exc)
    except KeyboardInterrupt as exc:
        out.error("stopped by a SIGTERM" if isinstance(exc, Terminated) else "interrupted")
        return 143 if isinstance(exc, Terminated) else 130
    except BrokenPipeError:
        return EXIT_OK
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM: unwinds like Ctrl-C, so an import records itself 'interrupted' and a
    transaction in flight is rolled back."""


def _handle_sigterm():
    """Turn SIGTERM into Terminated while a command runs (main thread only); returns the
    previous handler, or None when it could not be set."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):
        return None
