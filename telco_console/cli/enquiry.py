"""`enquiry add|list|answer|close`."""
from __future__ import annotations

from telco_console.cli import add_format, emit


def register(sub) -> None:
    p = sub.add_parser("enquiry", help="customer enquiries: log, list, answer, close")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("add", help="log an enquiry for a customer")
    a.add_argument("msisdn", nargs="?", help="the customer's number (customers: their own)")
    a.add_argument("--subject", required=True, help="a short title")
    a.add_argument("--body", required=True, help="the customer's question")
    a.set_defaults(func=cmd_add)
    a = ps.add_parser("list", help="list enquiries (open and answered by default)")
    a.add_argument("--status", choices=("open", "answered", "closed", "unclosed"), default="unclosed",
                   help="unclosed (default) = open and answered")
    a.add_argument("--customer", metavar="MSISDN", help="one customer's enquiries")
    add_format(a)
    a.set_defaults(func=cmd_list)
    a = ps.add_parser("answer", help="answer an enquiry")
    a.add_argument("id", help="enquiry number")
    a.add_argument("--text", required=True, help="the answer")
    a.set_defaults(func=cmd_answer)
    a = ps.add_parser("close", help="close an enquiry")
    a.add_argument("id", help="enquiry number")
    a.set_defaults(func=cmd_close)


def cmd_add(ctx, args, out) -> int:
    from telco_console.services.billing import enquiries

    e = enquiries.add(ctx, args.msisdn, args.subject, args.body)
    out.success(f"logged enquiry #{e['id']} for {e['msisdn']}")
    return 0


def cmd_list(ctx, args, out) -> int:
    from telco_console.services.billing import enquiries

    emit(out, enquiries.list_enquiries(ctx, args.status, args.customer), args.format, args.output, ctx)
    return 0


def cmd_answer(ctx, args, out) -> int:
    from telco_console.services.billing import enquiries

    e = enquiries.answer(ctx, args.id, args.text)
    out.success(f"answered enquiry #{e['id']} ({e['answered_by']}, {e['answered_at']:%Y-%m-%d %H:%M})")
    return 0


def cmd_close(ctx, args, out) -> int:
    from telco_console.services.billing import enquiries

    e = enquiries.close(ctx, args.id)
    out.success(f"closed enquiry #{e['id']} ({e['closed_by']}, {e['closed_at']:%Y-%m-%d %H:%M})")
    return 0
