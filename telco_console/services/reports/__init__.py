"""The analysts' reports (usage, network, peak hours, handsets, xDR, plans) as ReportSpecs, and
run_report(), the one entry point the CLI and the menu share: it checks the permission matrix, then runs."""
from __future__ import annotations

from telco_console.permissions import MATRIX
from telco_console.services.report_registry import ReportParams, find


def run_report(ctx, name: str, params: ReportParams):
    """Run a registered report as the signed-in user (PermissionDenied when the role may not)."""
    spec = find(name)
    if f"report.{spec.name}" in MATRIX:
        ctx.check(f"report.{spec.name}")
    else:                                       # a report the matrix does not list yet: its own roles
        ctx.require(*spec.roles, action=f"run the report {spec.name}")
    return spec.run(ctx, params)


def params_from(ctx, date_from=None, date_to=None, period=None, **kw) -> ReportParams:
    """ReportParams from typed text: dates through python-dateutil, or a preset (today, yesterday,
    last-7-days, this-month, last-month) that may not be mixed with dates."""
    from telco_console.errors import ValidationError
    from telco_console.timeutil import parse_date, preset_range

    if period:
        if date_from or date_to:
            raise ValidationError("give either --period or --from/--to, not both")
        d_from, d_to = preset_range(period, ctx.tz)
    else:
        d_from = parse_date(date_from, ctx.tz) if isinstance(date_from, str) else date_from
        d_to = parse_date(date_to, ctx.tz) if isinstance(date_to, str) else date_to
    return ReportParams(date_from=d_from, date_to=d_to, **kw)
