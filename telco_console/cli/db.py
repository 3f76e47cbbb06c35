"""`db migrate|status`: the schema."""
from __future__ import annotations

from telco_console.cli import add_format, emit
from telco_console.reporting.report import Column, Report


def register(sub) -> None:
    p = sub.add_parser("db", help="database schema and maintenance")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("migrate", help="apply pending schema migrations (owner account)")
    a.set_defaults(func=cmd_migrate, auth=False)
    a = ps.add_parser("status", help="list the migrations and when each was applied")
    add_format(a)
    a.set_defaults(func=cmd_status, auth=False)
    import importlib

    for name in DB_ACTIONS:
        importlib.import_module(name).register_db(ps)


# modules that add more `db` actions: each has register_db(actions_subparsers)
DB_ACTIONS = ["telco_console.cli.backup", "telco_console.cli.maintenance"]


def cmd_migrate(ctx, args, out) -> int:
    from telco_console.db import migrations

    done = migrations.migrate(ctx.owner_db(), progress=out.info, tz=ctx.tz)
    out.success(f"applied {len(done)} migration(s)" if done else "the schema is up to date")
    return 0


def cmd_status(ctx, args, out) -> int:
    from telco_console.db import migrations

    rows = migrations.status(ctx.owner_db())
    emit(out, Report("Schema migrations", [Column("Version", "int"), Column("Name"), Column("Applied")],
                     [list(r) for r in rows]), args.format, args.output)
    return 0
