"""Analytics and reports: every registered report as a numbered item, grouped, asking only the
parameters each report declares (with date presets), shown paged and kept for saving."""
from __future__ import annotations

from telco_console.errors import ValidationError
from telco_console.errors import digits as _digits
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section

RANGES = ["all time", "today", "yesterday", "last-7-days", "this-month", "last-month", "dates"]


def _positive(text: str) -> int:
    t = text.strip()
    if not _digits(t) or int(t) < 1:
        raise ValidationError("type a whole number of 1 or more")
    return int(t)


def ask_params(console, spec):
    """Prompt for the parameters the spec declares; returns ReportParams."""
    from telco_console.services.reports import params_from
    from telco_console.timeutil import parse_date

    ctx = console.ctx
    role = console.user.role
    declared = set(spec.params)
    date_from = date_to = period = None
    if declared & {"from", "to", "period"}:
        choice = prompts.choose("Dates", RANGES, default="all time")
        if choice == "dates":
            date_from = prompts.ask("From (e.g. 2026-10-01, optional):", lambda t: parse_date(t, ctx.tz),
                                    required=False)
            date_to = prompts.ask("To, inclusive (optional):", lambda t: parse_date(t, ctx.tz), required=False)
        elif choice != "all time":
            period = choice
    region = customer = top = None
    if "region" in declared and role != "customer" and console.user.scope_region is None:
        region = prompts.ask("Region (optional, Enter for all):", required=False)
    if "customer" in declared and role != "customer":
        optional = spec.name != "activity"
        customer = prompts.ask_customer(console, "Customer MSISDN" + (" (optional):" if optional else ":"),
                                        required=not optional)
    if "top" in declared:
        top = prompts.ask("How many rows (optional, Enter for the default):", _positive, required=False)
    extra = {}
    for opt in spec.options:
        if opt.choices:
            extra[opt.name] = prompts.choose(opt.help[:1].upper() + opt.help[1:], list(opt.choices),
                                             default=opt.default)
        else:
            value = prompts.ask(f"{opt.help} (optional):", opt.parse, required=False)
            extra[opt.name] = opt.default if value is None else value
    return params_from(ctx, date_from, date_to, period, region=region, customer=customer, top=top, extra=extra)


def run_spec(console, spec) -> None:
    from telco_console.services.reports import run_report

    params = ask_params(console, spec)
    report = run_report(console.ctx, spec.name, params)
    console.show(report)
    if report.plot and not report.is_empty():
        path = prompts.ask_output_file("Save the chart as PNG (file name, optional):", suffix=".png",
                                       required=False)
        if path:
            from telco_console.reporting.plot import save

            save(report, path, overwrite=True)
            console.out.success(f"saved the chart to {path}")


def _handler(spec):
    return lambda console: run_spec(console, spec)


def section() -> Section:
    from telco_console.services.report_registry import all_reports

    specs = all_reports()
    groups: list[str] = []
    for s in specs:
        if s.group not in groups:
            groups.append(s.group)
    from telco_console.permissions import MATRIX

    items = [Item(f"{s.group}: {s.title}", _handler(s), tuple(s.roles),
                  f"report.{s.name}" if f"report.{s.name}" in MATRIX else None)
             for g in groups for s in specs if s.group == g]
    roles = tuple(sorted({r for s in specs for r in s.roles} | {"analyst", "admin", "regional"}))
    return Section("Analytics and reports", roles, items)
