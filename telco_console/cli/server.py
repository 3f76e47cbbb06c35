"""`server start|stop|status`: the managed private database server."""
from __future__ import annotations

from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report


def register(sub) -> None:
    p = sub.add_parser("server", help="start, stop or show the managed database server")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, fn, text in (("start", cmd_start, "start the private server (initialising it on first use)"),
                           ("stop", cmd_stop, "stop the private server"),
                           ("status", cmd_status, "show whether the private server runs, and where")):
        a = ps.add_parser(name, help=text, description=text)
        a.set_defaults(func=fn, auth=False)


def _server(ctx):
    if ctx.config.get("database", "mode") != "managed":
        raise ValidationError("[database] mode is external: the console does not manage that server")
    return ctx.db.server()


def cmd_start(ctx, args, out) -> int:
    srv = _server(ctx)
    started = srv.start()
    from telco_console.db import migrations

    applied = migrations.migrate(ctx.owner_db(), tz=ctx.tz)
    out.success(("started" if started else "already running") + f": {srv.socket} (127.0.0.1:{srv.port})"
                + (f", applied {len(applied)} migrations" if applied else ""))
    return 0


def cmd_stop(ctx, args, out) -> int:
    srv = _server(ctx)
    out.success("stopped" if srv.stop() else "not running")
    return 0


def cmd_status(ctx, args, out) -> int:
    st = _server(ctx).status()
    report = Report("Managed database server", [Column("Setting"), Column("Value")],
                    [[k, str(v)] for k, v in st.items()])
    from telco_console.reporting.render import render

    out.write(render(report))
    return 0 if st["running"] else 3
