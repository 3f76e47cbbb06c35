"""`import FORMAT FILE...`, `imports` (history) and `unmatched list|reprocess`."""
from __future__ import annotations

from telco_console.cli import add_format, emit
from telco_console.cli.argtypes import BATCH_SIZE, LIMIT, MAX_REJECTS, PAGE, PAGE_SIZE


def register(sub) -> None:
    p = sub.add_parser("import", help="import CDR/xDR files or our own CSV (staff, admin)",
                       description="Import files: asterisk (Master.csv, no header), freeswitch (mod_cdr_csv "
                                   "default template), tellco (55-column xDR CSV with header), csv (our own "
                                   "customers/calls/sms/data CSV, chosen by its header; customers need admin). "
                                   "Rejected rows go to a reject file; importing the same file again "
                                   "inserts nothing.")
    p.add_argument("fmt", metavar="FORMAT", choices=("asterisk", "freeswitch", "tellco", "csv"),
                   help="the files' format: asterisk, freeswitch, tellco or csv")
    p.add_argument("files", nargs="+", metavar="FILE", help="one or more files")
    p.add_argument("--region", help="ISO region for numbers written nationally (default [operator] "
                                    "default_region; RU for the Russian Asterisk sample)")
    p.add_argument("--reject-file", metavar="F", help="where rejected rows go (file, line, original line, "
                   "reason); default rejects/FILE.IMPORTID.rejects.csv in the data folder ([paths] data_dir)")
    p.add_argument("--max-rejects", type=MAX_REJECTS, metavar="N",
                   help="stop the import after N rejected rows (default 10,000)")
    p.add_argument("--batch-size", type=BATCH_SIZE, help="rows per transaction (default 25,000)")
    p.add_argument("--no-load-data", action="store_true",
                   help="use INSERT IGNORE instead of LOAD DATA LOCAL INFILE")
    add_format(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("imports", help="recent imports and their counts")
    p.add_argument("--limit", type=LIMIT, default=20, help="how many (1 to 10,000; default 20)")
    add_format(p)
    p.set_defaults(func=cmd_imports)

    p = sub.add_parser("unmatched", help="records whose subscriber is not on our books")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("list", help="list unmatched records (pending by default)")
    a.add_argument("--status", choices=("pending", "processed", "all"), default="pending")
    a.add_argument("--kind", choices=("call", "sms", "data"))
    a.add_argument("--source", help="asterisk, freeswitch, tellco or csv")
    a.add_argument("--page", type=PAGE, default=1, help="page number (1 to 1,000,000)")
    a.add_argument("--page-size", type=PAGE_SIZE, default=50, help="rows per page (1 to 1,000)")
    add_format(a)
    a.set_defaults(func=cmd_unmatched_list)
    a = ps.add_parser("reprocess", help="match pending records again against the customers on the books now")
    add_format(a)
    a.set_defaults(func=cmd_unmatched_reprocess)


def cmd_import(ctx, args, out) -> int:
    from telco_console.services.collection import importer

    size = importer.BATCH_SIZE if args.batch_size is None else args.batch_size
    limit = importer.DEFAULT_MAX_REJECTS if args.max_rejects is None else args.max_rejects
    importer.check_reject_file(args.reject_file, args.files)
    results = [importer.import_file(ctx, args.fmt, f, args.region, args.reject_file, size,
                                    fast=not args.no_load_data, max_rejects=limit) for f in args.files]
    emit(out, importer.summary(results), args.format, args.output)
    return 0


def cmd_imports(ctx, args, out) -> int:
    from telco_console.services.collection import importer

    emit(out, importer.recent_imports(ctx, args.limit), args.format, args.output)
    return 0


def cmd_unmatched_list(ctx, args, out) -> int:
    from telco_console.services.collection import unmatched

    emit(out, unmatched.list_unmatched(ctx, None if args.status == "all" else args.status, args.kind,
                                       args.source, args.page_size, args.page), args.format, args.output)
    return 0


def cmd_unmatched_reprocess(ctx, args, out) -> int:
    from telco_console.services.collection import unmatched

    emit(out, unmatched.reprocess(ctx).report(), args.format, args.output)
    return 0
