"""`customer add|list|show|edit|close`."""
from __future__ import annotations

from telco_console.cli import add_format, emit
from telco_console.cli.argtypes import PAGE, PAGE_SIZE


def register(sub) -> None:
    p = sub.add_parser("customer", help="subscribers: add, list, show, edit, close")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("add", help="add a customer (the number is normalised to E.164)")
    a.add_argument("--msisdn", required=True, help="phone number, national or international")
    a.add_argument("--name", required=True)
    a.add_argument("--plan", required=True, help="plan code")
    a.add_argument("--region")
    a.add_argument("--handset")
    a.add_argument("--email")
    a.add_argument("--since", help="date joined (default today)")
    add_format(a)
    a.set_defaults(func=cmd_add)
    a = ps.add_parser("list", help="list customers, paged and filtered")
    a.add_argument("--search", help="part of a name or number")
    a.add_argument("--region")
    a.add_argument("--status", choices=("active", "suspended", "closed"))
    a.add_argument("--plan", help="plan code")
    a.add_argument("--page", type=PAGE, default=1, help="page number (1 to 1,000,000)")
    a.add_argument("--page-size", type=PAGE_SIZE, help="rows per page (1 to 1,000; default [ui] page_size)")
    add_format(a)
    a.set_defaults(func=cmd_list)
    a = ps.add_parser("show", help="one customer")
    a.add_argument("msisdn")
    add_format(a)
    a.set_defaults(func=cmd_show)
    a = ps.add_parser("edit", help="change name, region, plan, handset, e-mail, status or dates")
    a.add_argument("msisdn")
    a.add_argument("--name")
    a.add_argument("--region")
    a.add_argument("--plan", help="move to this plan (from the first day not billed yet, or --from)")
    a.add_argument("--from", dest="plan_from", metavar="DATE",
                   help="with --plan: the day the new plan starts (YYYY-MM-DD, in a month not billed yet);"
                        " the month's fee is prorated by the days on each plan")
    a.add_argument("--handset")
    a.add_argument("--email")
    a.add_argument("--status", choices=("active", "suspended"))
    a.add_argument("--since", help="correct the date joined (YYYY-MM-DD)")
    a.add_argument("--closed-on", help="correct a closed customer's closing date (YYYY-MM-DD)")
    add_format(a)
    a.set_defaults(func=cmd_edit)
    a = ps.add_parser("close", help="close a customer's account")
    a.add_argument("msisdn")
    a.add_argument("--on", help="closing date, today or earlier (default today)")
    a.set_defaults(func=cmd_close)


def cmd_add(ctx, args, out) -> int:
    from telco_console.services import customers

    c = customers.add_customer(ctx, args.msisdn, args.name, args.plan, args.region, args.handset,
                               args.since, args.email)
    emit(out, customers.customer_report(ctx, c["msisdn"]), args.format, args.output)
    return 0


def cmd_list(ctx, args, out) -> int:
    from telco_console.services import customers

    if args.page < 1:
        from telco_console.errors import ValidationError

        raise ValidationError("--page starts at 1")
    page = customers.list_customers(ctx, args.search, args.region, args.status, args.plan, args.page,
                                    args.page_size)
    emit(out, page.report, args.format, args.output, ctx)
    return 0


def cmd_show(ctx, args, out) -> int:
    from telco_console.services import customers

    emit(out, customers.customer_report(ctx, args.msisdn), args.format, args.output)
    return 0


def cmd_edit(ctx, args, out) -> int:
    from telco_console.services import customers

    c = customers.edit_customer(ctx, args.msisdn, name=args.name, region=args.region, plan=args.plan,
                                handset=args.handset, email=args.email, status=args.status,
                                since=args.since, closed_on=args.closed_on, plan_from=args.plan_from)
    emit(out, customers.customer_report(ctx, c["msisdn"]), args.format, args.output)
    return 0


def cmd_close(ctx, args, out) -> int:
    from telco_console.services import customers

    c = customers.close_customer(ctx, args.msisdn, args.on)
    out.success(f"closed {c['msisdn']} on {c['closed_on']}")
    return 0
