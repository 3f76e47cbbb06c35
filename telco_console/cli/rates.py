"""`rates import|import-cgrates|quote|lookup|list|decks`: rate decks priced by destination."""
from __future__ import annotations

from telco_console.cli import add_format, emit


def register(sub) -> None:
    p = sub.add_parser("rates", help="rate decks: import, quote a call, look up, list")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("import", help="import our deck CSV as a new version of a deck")
    a.add_argument("file", metavar="FILE")
    a.add_argument("--deck", required=True, metavar="NAME")
    a.add_argument("--effective-from", metavar="DATE", help="in force from (default: the beginning for a"
                                                             " deck's first version, now for later ones)")
    add_format(a)
    a.set_defaults(func=cmd_import)
    a = ps.add_parser("import-cgrates", help="import one rating plan of a CGRateS tariff plan folder")
    a.add_argument("dir", metavar="DIR")
    a.add_argument("--deck", required=True, metavar="NAME")
    a.add_argument("--rating-plan", required=True, metavar="ID")
    a.add_argument("--allowance", metavar="DEST_ID,...", help="destinations the plan's included minutes cover")
    a.add_argument("--effective-from", metavar="DATE")
    add_format(a)
    a.set_defaults(func=cmd_import_cgrates)
    a = ps.add_parser("quote", help="the cost breakdown of one call (as if no allowance were left)")
    a.add_argument("--plan", required=True, metavar="CODE")
    a.add_argument("--to", required=True, metavar="NUMBER")
    a.add_argument("--at", required=True, metavar="'YYYY-MM-DD HH:MM:SS'", help="local wall-clock start")
    a.add_argument("--duration", required=True, metavar="SECONDS")
    add_format(a)
    a.set_defaults(func=cmd_quote)
    a = ps.add_parser("lookup", help="the deck entry that applies to a number")
    a.add_argument("number", metavar="NUMBER")
    a.add_argument("--deck", required=True, metavar="NAME")
    a.add_argument("--at", metavar="'YYYY-MM-DD HH:MM:SS'", help="local time (default now)")
    add_format(a)
    a.set_defaults(func=cmd_lookup)
    a = ps.add_parser("list", help="page through a deck's entries")
    a.add_argument("--deck", required=True, metavar="NAME")
    a.add_argument("--page", type=int, default=1, metavar="N")
    a.add_argument("--page-size", type=int, default=50, metavar="N")
    a.add_argument("--prefix", metavar="DIGITS", help="only prefixes starting with these")
    a.add_argument("--version", type=int, metavar="N", help="a past version (default the latest)")
    add_format(a)
    a.set_defaults(func=cmd_list)
    a = ps.add_parser("decks", help="every deck and its versions")
    add_format(a)
    a.set_defaults(func=cmd_decks)


def cmd_import(ctx, args, out) -> int:
    from telco_console.services.billing import rates

    res = rates.import_csv(ctx, args.file, args.deck, args.effective_from)
    emit(out, res.report(), args.format, args.output)
    return 0


def cmd_import_cgrates(ctx, args, out) -> int:
    from telco_console.services.billing import rates

    allowance = [x for x in (args.allowance or "").split(",") if x.strip()]
    res = rates.import_cgrates(ctx, args.dir, args.deck, args.rating_plan, allowance, args.effective_from)
    emit(out, res.report(), args.format, args.output)
    return 0


def cmd_quote(ctx, args, out) -> int:
    from telco_console.services.billing import rates

    emit(out, rates.quote(ctx, args.plan, args.to, args.at, args.duration), args.format, args.output)
    return 0


def cmd_lookup(ctx, args, out) -> int:
    from telco_console.services.billing import rates

    emit(out, rates.lookup(ctx, args.number, args.deck, args.at), args.format, args.output)
    return 0


def cmd_list(ctx, args, out) -> int:
    from telco_console.services.billing import rates

    emit(out, rates.list_entries(ctx, args.deck, args.page, args.page_size, args.prefix, args.version),
         args.format, args.output)
    return 0


def cmd_decks(ctx, args, out) -> int:
    from telco_console.services.billing import rates

    emit(out, rates.list_decks(ctx), args.format, args.output)
    return 0
