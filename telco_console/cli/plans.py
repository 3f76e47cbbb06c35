"""`plan add|edit|list|show`."""
from __future__ import annotations

from telco_console.cli import add_format, emit


def _plan_fields(a, required: bool) -> None:
    a.add_argument("--name", required=required)
    a.add_argument("--monthly-fee", required=required, metavar="X")
    a.add_argument("--minutes", required=required, metavar="N", help="included minutes")
    a.add_argument("--sms", required=required, metavar="N", help="included SMS")
    a.add_argument("--mb", required=required, metavar="N", help="included MB")
    a.add_argument("--peak-rate", required=required, metavar="X", help="per minute")
    a.add_argument("--offpeak-rate", required=required, metavar="X", help="per minute")
    a.add_argument("--sms-rate", required=required, metavar="X")
    a.add_argument("--mb-rate", required=required, metavar="X")
    a.add_argument("--increment", metavar="SECONDS", help="billing increment (default 60)")
    a.add_argument("--peak-window", metavar="WINDOW", help="e.g. 'Mon-Fri 08:00-20:00' (default; end exclusive)")
    a.add_argument("--deck", metavar="NAME", help="rate calls by this rate deck ('none' to take the plan off it)")


def _values(args) -> dict:
    return dict(name=args.name, monthly_fee=args.monthly_fee, included_minutes=args.minutes,
                included_sms=args.sms, included_mb=args.mb, peak_rate=args.peak_rate,
                offpeak_rate=args.offpeak_rate, sms_rate=args.sms_rate, mb_rate=args.mb_rate,
                increment_seconds=args.increment, peak_window=args.peak_window, deck=args.deck)


def register(sub) -> None:
    p = sub.add_parser("plan", help="tariff plans: add, edit, list, show")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("add", help="add a plan")
    a.add_argument("--code", required=True)
    _plan_fields(a, True)
    add_format(a)
    a.set_defaults(func=cmd_add)
    a = ps.add_parser("edit", help="change a plan's fields")
    a.add_argument("code")
    _plan_fields(a, False)
    a.add_argument("--withdraw", action="store_true", help="take no new customers")
    a.add_argument("--reinstate", action="store_true", help="take new customers again")
    add_format(a)
    a.set_defaults(func=cmd_edit)
    a = ps.add_parser("list", help="list plans")
    add_format(a)
    a.set_defaults(func=cmd_list)
    a = ps.add_parser("show", help="one plan")
    a.add_argument("code")
    add_format(a)
    a.set_defaults(func=cmd_show)


def cmd_add(ctx, args, out) -> int:
    from telco_console.services import plans

    p = plans.add_plan(ctx, code=args.code, **_values(args))
    emit(out, plans.plan_report(ctx, p["code"]), args.format, args.output)
    return 0


def cmd_edit(ctx, args, out) -> int:
    from telco_console.services import plans

    values = _values(args)
    if args.withdraw or args.reinstate:
        values["active"] = bool(args.reinstate)
    p = plans.edit_plan(ctx, args.code, **values)
    emit(out, plans.plan_report(ctx, p["code"]), args.format, args.output)
    return 0


def cmd_list(ctx, args, out) -> int:
    from telco_console.services import plans

    emit(out, plans.list_plans(ctx), args.format, args.output, ctx)
    return 0


def cmd_show(ctx, args, out) -> int:
    from telco_console.services import plans

    emit(out, plans.plan_report(ctx, args.code), args.format, args.output)
    return 0
