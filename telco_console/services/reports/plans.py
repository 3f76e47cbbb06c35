"""Plan trends: customers and revenue per plan per month (customers from the customers table,
revenue from bills; no bills yet means revenue 0)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from telco_console.errors import ValidationError
from telco_console.reporting.report import Bars, Chart, Column, Lines, Plot, Report
from telco_console.repositories import reports as repo
from telco_console.services.report_registry import ReportSpec
from telco_console.services.reports.common import currency, read_scoped
from telco_console.timeutil import Period

MAX_MONTHS = 120


def months_between(day_from: date, day_to: date) -> list[Period]:
    out, p, last = [], Period(day_from.year, day_from.month), Period(day_to.year, day_to.month)
    while (p.year, p.month) <= (last.year, last.month) and len(out) < MAX_MONTHS:
        out.append(p)
        p = p.next()
    return out


def plan_trends(ctx, params) -> Report:
    today = ctx.now().date()

    def work(conn, s):
        day_to = s.day_to or today
        day_from = s.day_from or Period(day_to.year, day_to.month).first_day - relativedelta(months=11)
        months = months_between(day_from, day_to)
        if not months:
            raise ValidationError(f"the start date {day_from} is after the end date {day_to}")
        return months, repo.plan_trends(conn, [(str(m), m.last_day) for m in months], s.region)

    s, (months, rows) = read_scoped(ctx, params, work)
    cur = currency(ctx)
    cols = [Column("Month"), Column("Plan"), Column("Customers (month end)", "int"), Column("Bills", "int"),
            Column(f"Revenue ({cur})" if cur else "Revenue", "money")]
    filters = dict(s.filters)
    filters.setdefault("from", str(months[0]))
    filters.setdefault("to", str(months[-1]))
    report = Report("Plan trends: customers and revenue per plan per month", cols, filters=filters,
                    empty_message="no customers or bills in these months")
    report.rows = [list(r) for r in rows]
    if not report.rows:
        return report
    report.totals = ["Total", None, None, sum(r[3] for r in report.rows), sum((r[4] for r in report.rows),
                                                                           Decimal("0.00"))]
    per_month: dict[str, Decimal] = {}
    for r in report.rows:
        per_month[r[0]] = per_month.get(r[0], Decimal(0)) + r[4]
    report.charts.append(Chart(f"Revenue per month{f' ({cur})' if cur else ''}", list(per_month),
                               [float(v) for v in per_month.values()]))
    if not report.totals[3]:
        report.notes.append("No bills in these months yet: revenue is 0.")
    codes = sorted({r[1] for r in report.rows})
    month_list = [str(m) for m in months]
    series = {code: [next((r[2] for r in report.rows if r[0] == m and r[1] == code), 0) for m in month_list]
              for code in codes}
    report.plot = Plot([
        Lines("Customers per plan", month_list, series, ylabel="customers"),
        Bars("Revenue per month", list(per_month), {"Revenue": [float(v) for v in per_month.values()]})])
    return report


REPORTS = [
    ReportSpec("plan-trends", "Plan trends", "Plans and revenue", plan_trends,
               params=("from", "to", "period", "region"),
               description="customers and revenue per plan per month (default: the last 12 months)"),
]
