"""`bill run|list|show|pay|remind|reminders|statement|adjust|credit`."""
from __future__ import annotations

import sys

from telco_console.cli import add_format, emit


def register(sub) -> None:
    p = sub.add_parser("bill", help="bill runs, bills, payments, reminders, statements")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    a = ps.add_parser("run", help="create the period's bills for every billable customer (safe to repeat)")
    a.add_argument("--period", required=True, help="billing month, YYYY-MM")
    a.add_argument("--dry-run", action="store_true", help="show the totals without writing anything")
    a.add_argument("--send", action="store_true", help="deliver the new bills (e-mail or outbox)")
    a.add_argument("--skip-unrated", action="store_true",
                   help="bill even when some calls have no rate in their plan's deck (they stay unbilled, listed)")
    a.add_argument("--force", action="store_true",
                   help="bill a period that has not ended yet in the operator's time zone")
    add_format(a)
    a.set_defaults(func=cmd_run)

    a = ps.add_parser("list", help="list bills with a totals row")
    a.add_argument("--period", help="YYYY-MM")
    a.add_argument("--status", choices=("issued", "partially_paid", "paid", "void", "overdue"))
    a.add_argument("--region", help="customers of one region")
    a.add_argument("--customer", metavar="MSISDN", help="one customer's bills")
    a.add_argument("--overdue", action="store_true", help="unpaid bills past their due date")
    add_format(a)
    a.set_defaults(func=cmd_list)

    a = ps.add_parser("show", help="one bill as an invoice")
    a.add_argument("number", help="bill number, e.g. 2026-10-000001")
    add_format(a, formats=("table", "json", "csv", "html"))
    a.set_defaults(func=cmd_show)

    a = ps.add_parser("pay", help="record a payment (partial payments allowed)")
    a.add_argument("number", help="bill number")
    a.add_argument("amount", help="amount paid, e.g. 12.50")
    a.add_argument("--method", required=True, help="card, cash, bank, direct_debit, cheque or other")
    a.add_argument("--reference", required=True, help="the payment's unique reference")
    a.add_argument("--accept-credit", action="store_true",
                   help="accept an overpayment without asking: the excess is credited to the next bill")
    a.set_defaults(func=cmd_pay)

    a = ps.add_parser("remind", help="send reminders for overdue bills (one per bill per level)")
    a.add_argument("--as-of", help="date to judge lateness on (default today; never a future date)")
    add_format(a)
    a.set_defaults(func=cmd_remind)

    a = ps.add_parser("reminders", help="list the reminders sent")
    a.add_argument("--bill", metavar="NUMBER", help="the reminders of one bill")
    add_format(a)
    a.set_defaults(func=cmd_reminders)

    a = ps.add_parser("statement", help="a customer's bills, payments and balance")
    a.add_argument("msisdn", nargs="?", help="the customer's number (customers: their own by default)")
    add_format(a, formats=("table", "json", "csv", "html"))
    a.set_defaults(func=cmd_statement)

    a = ps.add_parser("adjust", help="add an adjustment line to a bill (tax included; negative reduces)")
    a.add_argument("number", help="bill number")
    a.add_argument("amount", help="e.g. -5.00 or 2.50")
    a.add_argument("--reason", required=True, help="shown on the bill's new line")
    a.set_defaults(func=cmd_adjust)

    a = ps.add_parser("credit", help="give a customer a credit, applied to their next bill")
    a.add_argument("msisdn", help="the customer's number")
    a.add_argument("amount", help="e.g. 5.00")
    a.add_argument("--reason", required=True, help="why the credit is given")
    a.set_defaults(func=cmd_credit)


def cmd_run(ctx, args, out) -> int:
    from telco_console.services.billing import billrun, delivery
    from telco_console.services.billing.rates import UnratedCalls

    try:
        result = billrun.run(ctx, args.period, dry=args.dry_run, skip_unrated=args.skip_unrated,
                             force=args.force)
    except UnratedCalls as exc:
        emit(out, exc.report(), args.format)     # the calls that stopped the run, then the error line
        raise
    emit(out, result.report(), args.format, args.output)
    if args.send and not args.dry_run and result.run_id:
        sent = delivery.send_run_bills(ctx, result.run_id)
        out.success(f"delivered {sent} bills")
    return 0


def cmd_list(ctx, args, out) -> int:
    from telco_console.services.billing import statements

    emit(out, statements.list_bills(ctx, args.period, args.status, args.region, args.customer, args.overdue),
         args.format, args.output, ctx)
    return 0


def cmd_show(ctx, args, out) -> int:
    from telco_console.services.billing import statements

    emit(out, statements.invoice(ctx, args.number), args.format, args.output, ctx)
    return 0


def cmd_pay(ctx, args, out) -> int:
    from telco_console.services.billing import payments

    accept = args.accept_credit
    if not accept:
        excess = payments.overpayment(ctx, args.number, args.amount)
        if excess > 0 and sys.stdin.isatty():
            answer = input(f"{args.amount} is {excess} more than is due; keep {excess} as a credit for the "
                           "next bill? [y/N] ")
            accept = answer.strip().lower() in ("y", "yes")
            if not accept:
                out.warning("payment not recorded")
                return 1
    r = payments.pay(ctx, args.number, args.amount, args.method, args.reference, accept_credit=accept)
    msg = f"recorded {r.amount} on {r.bill_number}: status {r.status}, due {max(r.amount_due, 0)}"
    for number, amount in r.settled:
        msg += f"; {amount} settled older bill {number}"
    if r.credit:
        msg += f"; {r.credit} credited to the next bill"
    out.success(msg)
    return 0


def cmd_remind(ctx, args, out) -> int:
    from telco_console.services.billing import reminders

    emit(out, reminders.send_reminders(ctx, args.as_of), args.format, args.output)
    return 0


def cmd_reminders(ctx, args, out) -> int:
    from telco_console.services.billing import reminders

    emit(out, reminders.list_reminders(ctx, args.bill), args.format, args.output, ctx)
    return 0


def cmd_statement(ctx, args, out) -> int:
    from telco_console.services.billing import statements

    emit(out, statements.statement(ctx, args.msisdn), args.format, args.output, ctx)
    return 0


def cmd_adjust(ctx, args, out) -> int:
    from telco_console.services.billing import payments

    r = payments.adjust(ctx, args.number, args.amount, args.reason)
    out.success(f"added line {r['line_no']} to {r['bill_number']}: total {r['total']}, status {r['status']}")
    return 0


def cmd_credit(ctx, args, out) -> int:
    from telco_console.services.billing import payments

    r = payments.credit(ctx, args.msisdn, args.amount, args.reason)
    out.success(f"credited {r['amount']} to {r['msisdn']} (applied to the next bill)")
    return 0
