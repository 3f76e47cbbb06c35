"""`config show` (every setting, its value and where it came from) and `config init`."""
from __future__ import annotations

from telco_console.cli import add_format, emit
from telco_console.services import settings


def register(sub) -> None:
    p = sub.add_parser("config", help="show the settings, or write a settings file to edit",
                       description="The settings in use.")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    text = ("list every setting with its value and its source (file, env = a TELCO_<SECTION>_<KEY> "
            "variable, or default); passwords are masked; needs no sign-in and no database")
    a = ps.add_parser("show", help=text, description=text)
    add_format(a)
    a.set_defaults(func=cmd_show, auth=False)
    text = ("write the commented default settings to FILE (default ~/.config/telco-console/config.ini, "
            "which is then used when neither --config nor TELCO_CONFIG is given); never overwrites")
    a = ps.add_parser("init", help=text, description=text)
    a.add_argument("file", nargs="?", metavar="FILE", help="where to write it")
    a.set_defaults(func=cmd_init, auth=False)


def cmd_show(ctx, args, out) -> int:
    emit(out, settings.settings_report(ctx.config), args.format, args.output)
    return 0


def cmd_init(ctx, args, out) -> int:
    path = settings.write_default_config(args.file)
    out.success(f"wrote the default settings to {path}; relative paths in it start from its folder")
    return 0
