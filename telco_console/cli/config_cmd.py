"""`config show`: every setting with its value and where it came from (secrets masked)."""
from __future__ import annotations

from telco_console.cli import add_format, emit
from telco_console.reporting.report import Column, Report


def register(sub) -> None:
    p = sub.add_parser("config", help="show the settings", description="The settings in use.")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    text = ("list every setting with its value and its source (file, env = a TELCO_<SECTION>_<KEY> "
            "variable, or default); passwords are masked; needs no sign-in and no database")
    a = ps.add_parser("show", help=text, description=text)
    add_format(a)
    a.set_defaults(func=cmd_show, auth=False)


def settings_report(config) -> Report:
    report = Report(f"Settings ({config.path})", [Column("Section"), Column("Key"), Column("Value"),
                                                   Column("Source")])
    report.rows = [list(r) for r in config.displayed()]
    return report


def cmd_show(ctx, args, out) -> int:
    emit(out, settings_report(ctx.config), args.format, args.output)
    return 0
