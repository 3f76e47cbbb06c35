"""`leads import-leads FILE`, `leads import-listings FILE`, and `ask "COMMAND"` (one typed command
of the intelligence prompt, e.g. ask "show top 5 leads by call volume")."""
from __future__ import annotations

from telco_console.cli import add_format, emit


def register(sub) -> None:
    p = sub.add_parser("leads", help="leads and listings: import from CSV")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("import-leads", help="import leads from CSV (lead id, name, phone, listing id, created)")
    a.add_argument("file", metavar="FILE", help="CSV file with a header row")
    a.set_defaults(func=cmd_import_leads)
    a = ps.add_parser("import-listings", help="import listings from CSV (listing id, title, location, price)")
    a.add_argument("file", metavar="FILE", help="CSV file with a header row")
    a.set_defaults(func=cmd_import_listings)
    a = sub.add_parser("ask", help='run one typed command, e.g. ask "show top 5 leads by call volume" '
                                   '(ask help lists them)')
    a.add_argument("words", nargs="+", metavar="COMMAND", help="the command (quote it or type the words)")
    add_format(a)
    a.set_defaults(func=cmd_ask)


def cmd_import_leads(ctx, args, out) -> int:
    from telco_console.services.intelligence import leads

    out.success(leads.import_leads(ctx, args.file).summary())
    return 0


def cmd_import_listings(ctx, args, out) -> int:
    from telco_console.services.intelligence import leads

    out.success(leads.import_listings(ctx, args.file).summary())
    return 0


def cmd_ask(ctx, args, out) -> int:
    from telco_console.services.intelligence import leads

    report = leads.run_command(ctx, " ".join(args.words))
    if report is not None:
        emit(out, report, args.format, args.output, ctx)
    return 0
