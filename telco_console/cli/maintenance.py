"""`db partitions|archive|restore-archive|archives|rollups`: growth maintenance of the usage
tables (added to the `db` command through cli/db.py DB_ACTIONS)."""
from __future__ import annotations

from telco_console.cli import add_format, emit
from telco_console.cli.argtypes import whole


def register_db(ps) -> None:
    """Add the maintenance actions to the `db` command's subparsers."""
    a = ps.add_parser("partitions", help="list the monthly partitions of the usage tables; "
                                         "--add-months N gives the next N months their own partitions")
    a.add_argument("--add-months", type=whole(1, 120, "a number of months"), metavar="N",
                   help="split the catch-all so each month from "
                   "now to N months ahead has its own partition (for a monthly cron job)")
    add_format(a)
    a.set_defaults(func=cmd_partitions)
    a = ps.add_parser("archive", help="export each month before YYYY-MM to DIR/usage-YYYY-MM.zip "
                                      "(CSV + manifest with row counts and checksums) and drop its partitions")
    a.add_argument("--before", required=True, metavar="YYYY-MM", help="archive the months before this one")
    a.add_argument("--dir", metavar="DIR", help="where to write (default archive/ in the data folder, "
                   "[paths] data_dir)")
    a.set_defaults(func=cmd_archive)
    a = ps.add_parser("restore-archive", help="verify an archive file and bring its month back")
    a.add_argument("file", metavar="FILE", help="a usage-YYYY-MM.zip written by `db archive`")
    a.set_defaults(func=cmd_restore)
    a = ps.add_parser("archives", help="list the months archived and restored")
    add_format(a)
    a.set_defaults(func=cmd_archives)
    a = ps.add_parser("rollups", help="check the rollups against a full recount, or rebuild them")
    a.add_argument("what", choices=("check", "rebuild"), help="check: list differences (exit 1 if any); "
                   "rebuild: recount from the records")
    a.add_argument("--month", metavar="YYYY-MM", help="only this month (default: every month not archived)")
    add_format(a)
    a.set_defaults(func=cmd_rollups)


def cmd_partitions(ctx, args, out) -> int:
    from telco_console.services import maintenance

    if args.add_months is not None:
        added = maintenance.add_future_months(ctx, args.add_months)
        n = sum(len(v) for v in added.values())
        out.success(f"added {n} partition(s)" if n else "every month already has its partition")
    emit(out, maintenance.list_partitions(ctx), args.format, args.output)
    return 0


def cmd_archive(ctx, args, out) -> int:
    from telco_console.services import maintenance

    results = maintenance.archive(ctx, args.before, args.dir, progress=out.info)
    if not results:
        out.success(f"nothing to archive before {args.before}")
        return 0
    for r in results:
        if r.file:
            out.success(f"archived {r.month}: {r.counts.get('calls', 0)} calls, {r.counts.get('sms', 0)} SMS, "
                        f"{r.counts.get('data_sessions', 0)} data sessions -> {r.file}")
        if r.note:
            out.warning(r.note)
    return 0


def cmd_restore(ctx, args, out) -> int:
    from telco_console.services import maintenance

    r = maintenance.restore_archive(ctx, args.file, progress=out.info)
    c, i = r["counts"], r["inserted"]
    out.success(f"restored {r['month']}: " + ", ".join(f"{i.get(t, 0)} of {c[t]} {t}" for t in c)
                + (" (the rest were already present)" if sum(i.values()) < sum(c.values()) else ""))
    if r["rollups_rebuilt"]:
        out.info(f"the rollups of {r['month']} were recounted")
    return 0


def cmd_archives(ctx, args, out) -> int:
    from telco_console.services import maintenance

    emit(out, maintenance.list_archives(ctx), args.format, args.output)
    return 0


def cmd_rollups(ctx, args, out) -> int:
    from telco_console.services import maintenance

    if args.what == "rebuild":
        months = maintenance.rebuild_rollups(ctx, args.month, progress=out.info)
        out.success(f"rebuilt the rollups of {len(months)} month(s)" if months else "no usage to recount")
        return 0
    report = maintenance.check_rollups(ctx, args.month)
    if report.rows or args.format != "table" or args.output:
        emit(out, report, args.format, args.output)
    if report.rows:
        out.error(f"the rollups differ from a recount ({len(report.rows)} shown): "
                  "run `telco-console db rollups rebuild`")
        return 1
    if args.format == "table" and not args.output:
        out.success(report.empty_message)      # the one line that says so (no empty table before it)
    return 0
