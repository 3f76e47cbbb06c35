"""`report list` and `report NAME [filters] [--format] [--output] [--plot FILE.png]`.

The subcommands are built from the report catalogue (services/report_registry), so a report
registered by any module appears here with its own options."""
from __future__ import annotations

from telco_console.cli import add_output, emit
from telco_console.cli.argtypes import TOP

COMMON_HELP = {
    "from": ("--from", dict(dest="date_from", metavar="DATE", help="first day (e.g. 2026-10-01, '3 Oct', today)")),
    "to": ("--to", dict(dest="date_to", metavar="DATE", help="last day, inclusive")),
    "period": ("--period", dict(metavar="PRESET", help="today, yesterday, last-7-days, this-month or last-month "
                                                        "(instead of --from/--to)")),
    "region": ("--region", dict(help="one region only (a regional manager always sees their own)")),
    "customer": ("--customer", dict(metavar="MSISDN", help="one customer's number")),
    "top": ("--top", dict(metavar="N", type=TOP, help="show the first N rows (1 to 10,000)")),
}


def register(sub) -> None:
    from telco_console.services.report_registry import all_reports

    p = sub.add_parser("report", help="analytics reports: `report list` names them all",
                       description="Run a report. `telco-console report list` names the reports.")
    ps = p.add_subparsers(dest="report", metavar="NAME", required=True)
    a = ps.add_parser("list", help="list the reports you may run")
    a.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    a.set_defaults(func=cmd_list)
    for spec in all_reports():
        a = ps.add_parser(spec.name, help=spec.description or spec.title,
                          description=f"{spec.title}: {spec.description}" if spec.description else spec.title)
        for name in spec.params:
            if name in COMMON_HELP:
                flag, kw = COMMON_HELP[name]
                a.add_argument(flag, **kw)
        for opt in spec.options:
            shown_default = opt.default is not None and "default" not in opt.help
            kw = dict(dest=f"opt_{opt.name.replace('-', '_')}", default=opt.default,
                      metavar=opt.name.upper().replace("-", "_"),
                      help=opt.help + (f" (default {opt.default})" if shown_default else ""))
            if opt.choices:
                kw["choices"] = opt.choices
                kw["metavar"] = "{" + ",".join(opt.choices) + "}"
            a.add_argument(f"--{opt.name}", **kw)
        a.add_argument("--format", choices=("table", "csv", "json", "html"), default="table",
                       help="output format (default table)")
        add_output(a, plot=True)
        a.set_defaults(func=cmd_run, spec_name=spec.name)


def cmd_list(ctx, args, out) -> int:
    from telco_console.reporting.report import Column, Report
    from telco_console.services.report_registry import all_reports

    report = Report("Reports", [Column("Name"), Column("Group"), Column("Title"), Column("What it shows")])
    from telco_console import permissions

    for spec in all_reports():
        name = f"report.{spec.name}"
        if permissions.allowed(ctx.user, name) if name in permissions.MATRIX else ctx.user.role in spec.roles:
            report.rows.append([spec.name, spec.group, spec.title, spec.description])
    emit(out, report, args.format)
    return 0


def cmd_run(ctx, args, out) -> int:
    from telco_console.errors import ValidationError
    from telco_console.services.report_registry import find
    from telco_console.services.reports import params_from, run_report

    spec = find(args.spec_name)
    extra = {}
    for opt in spec.options:
        value = getattr(args, f"opt_{opt.name.replace('-', '_')}")
        if isinstance(value, str) and opt.parse is not None:
            value = opt.parse(value)
        extra[opt.name] = value
    if args.plot and not args.plot.lower().endswith(".png"):
        raise ValidationError(f"--plot needs a file name ending in .png, not '{args.plot}'")
    params = params_from(ctx, getattr(args, "date_from", None), getattr(args, "date_to", None),
                         getattr(args, "period", None), region=getattr(args, "region", None),
                         customer=getattr(args, "customer", None), top=getattr(args, "top", None),
                         extra=extra, plot=args.plot)
    report = run_report(ctx, spec.name, params)
    if report.is_empty() and args.format == "table" and not args.output:
        out.info(f"{report.title}: {report.empty_message}")
    else:
        emit(out, report, args.format, args.output, ctx)
    if args.plot:
        if report.is_empty():
            out.warning(f"no chart saved: {report.empty_message}")
        else:
            from telco_console.reporting.plot import save

            save(report, args.plot, overwrite=args.overwrite)
            out.success(f"saved the chart to {args.plot}")
    return 0
