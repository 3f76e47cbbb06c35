"""Usage reports: customer usage summary, network summary, peak hours, top customers, activity
of one number, and the customer's own usage and calls. All figures come from SQL aggregates over
the rollups (repositories/reports.py); numpy only for the hour shares and peak ratios."""
from __future__ import annotations

from telco_console.errors import ValidationError
from telco_console.reporting.report import Bars, Chart, Column, Heatmap, Lines, Plot, Report
from telco_console.repositories import reports as repo
from telco_console.services.report_registry import ReportOption, ReportSpec
from telco_console.services.reports.common import (
    WEEKDAYS,
    currency,
    mb,
    minutes,
    money,
    read_scoped,
    scope,
    sum_columns,
)

GROUP = "Usage and network"
SORTS = repo.SORT_KEYS
METRIC_COLUMNS = {  # --by -> (heading, kind, places)
    "calls": ("Calls", "int", None), "minutes": ("Minutes (min)", "decimal", 1), "sms": ("SMS", "int", None),
    "data": ("Data (MB)", "decimal", 2), "sessions": ("Data sessions", "int", None),
    "duration": ("Session time (h)", "decimal", 1), "spend": ("Spend", "money", None),
}
# --sort -> the usage summary's columns that add up to the measure it is sorted by (for its chart)
SORT_COLUMNS = {sort: tuple(repo.USAGE_COLUMNS.index(c) for c in cols) for sort, cols in {
    "calls": ("calls_out", "calls_in"), "minutes": ("minutes_out", "minutes_in"), "sms": ("sms_out", "sms_in"),
    "data": ("data_mb",), "sessions": ("sessions",), "duration": ("session_hours",), "spend": ("spend",)}.items()}


def _usage_columns(cur: str) -> list[Column]:
    return [Column("MSISDN"), Column("Name"), Column("Region"), Column("Calls out", "int"),
            Column("Calls in", "int"), Column("Minutes out (min)", "decimal", 1),
            Column("Minutes in (min)", "decimal", 1), Column("SMS out", "int"), Column("SMS in", "int"),
            Column("Data (MB)", "decimal", 2), Column("Data sessions", "int"),
            Column("Session time (h)", "decimal", 1), Column(f"Spend ({cur})" if cur else "Spend", "money")]


def usage_summary(ctx, params) -> Report:
    sort = params.extra.get("sort") or "calls"
    s, rows = read_scoped(ctx, params, lambda conn, s: repo.usage_report(
        conn, s.day_from, s.day_to, s.region, s.customer_id, sort, s.top))
    cols = _usage_columns(currency(ctx))
    report = Report("Customer usage summary", cols, filters={**s.filters, "sorted by": sort,
                                                             **({"top": s.top} if s.top else {})},
                    empty_message="no usage for these filters")
    report.rows = rows              # tuples, every figure computed and rounded in SQL
    if report.rows:
        report.totals = sum_columns(report.rows, cols, label="Total" if not s.top else f"Total (top {s.top})")
        label = METRIC_COLUMNS[sort][0]
        top = report.rows[:20]
        values = [float(sum(r[i] for i in SORT_COLUMNS[sort])) for r in top]
        report.charts.append(Chart(f"{label} per customer", [r[0] for r in top], values))
        report.plot = Plot([Bars(f"{label} per customer", [r[0] for r in top], {label: values}, horizontal=True)])
    return report


def top_customers(ctx, params) -> Report:
    by = params.extra.get("by") or "calls"
    top = params.top or 10
    s, rows = read_scoped(ctx, params, lambda conn, s: repo.top_customers(
        conn, by, top, s.day_from, s.day_to, s.region))
    label, kind, places = METRIC_COLUMNS[by]
    if by == "spend" and currency(ctx):
        label = f"Spend ({currency(ctx)})"
    cols = [Column("Rank", "int"), Column("MSISDN"), Column("Name"), Column("Region"),
            Column(label, kind, places),
            Column("Share of all (%)", "percent")]
    report = Report(f"Top {top} customers by {by}", cols, filters={**s.filters, "by": by},
                    empty_message="no usage for these filters")
    report.rows = [[i, msisdn, name, region, value, share or 0.0]
                   for i, (msisdn, name, region, value, share) in enumerate(rows, 1)]
    if report.rows:
        report.charts.append(Chart(f"{label} per customer", [r[1] for r in report.rows],
                                   [float(r[4]) for r in report.rows]))
        report.plot = Plot([Bars(report.title, [r[1] for r in report.rows],
                                 {label: [float(r[4]) for r in report.rows]}, horizontal=True)])
    return report


def network_summary(ctx, params) -> Report:
    s = scope(ctx, params)
    by = params.extra.get("by") or "day"
    totals, regions = ctx.db.read(lambda conn: (repo.network_totals(conn, by, s.day_from, s.day_to, s.region),
                                               repo.network_by_region(conn, s.day_from, s.day_to, s.region)))

    def cols(first: str):
        return [Column(first, "text" if first == "Region" else "date"), Column("Calls", "int"),
                Column("Minutes (min)", "decimal", 1), Column("SMS", "int"), Column("Data sessions", "int"),
                Column("Data (MB)", "decimal", 2), Column("Active customers", "int")]

    def row(r, label):
        return [label, int(r["calls"] or 0), minutes(r["seconds"]), int(r["sms"] or 0), int(r["sessions"] or 0),
                mb(r["bytes"]), int(r["active"] or 0)]

    first = {"day": "Day", "week": "Week from", "month": "Month from"}[by]
    report = Report(f"Network summary per {by}", cols(first), filters={**s.filters, "per": by},
                    empty_message="no usage for these filters")
    report.rows = [row(r, r["bucket"]) for r in totals]
    if report.rows:
        report.totals = sum_columns(report.rows, report.columns)
        report.totals[-1] = None   # active customers do not add up across periods
        report.notes.append("Active customers: customers with any call, SMS or data session in the period.")
        report.charts.append(Chart(f"Data per {by} (MB)", [str(r[0]) for r in report.rows],
                                   [float(r[5]) for r in report.rows]))
        reg = Report("Per region", cols("Region"), [row(r, r["bucket"] or "(none)") for r in regions])
        reg.totals = sum_columns(reg.rows, reg.columns)
        report.sections.append(reg)
        report.plot = Plot([
            Lines(f"Calls, SMS and data sessions per {by}", [str(r[0]) for r in report.rows],
                  {"Calls": [r[1] for r in report.rows], "SMS": [r[3] for r in report.rows],
                   "Data sessions": [r[4] for r in report.rows]}),
            Bars("Data (MB) per region", [r[0] for r in reg.rows], {"Data (MB)": [float(r[5]) for r in reg.rows]})])
    return report


def hour_arrays(rows):
    """hour_profile tuples (wd, hr, calls, seconds, sms, sessions, bytes) -> dict of 7 x 24 numpy
    arrays, one per measure."""
    import numpy as np

    grid = np.zeros((len(repo.HOUR_MEASURES), 7, 24), dtype=np.int64)
    if rows:
        m = np.array(rows, dtype=np.int64)
        grid[:, m[:, 0], m[:, 1]] = m[:, 2:].T
    return dict(zip(repo.HOUR_MEASURES, grid))


def peak_stats(profiles):
    """For each row of a 2-D array of hour profiles: (peak index or None when the row is all
    zero, share in % per slot, peak-to-average ratio), computed together in numpy."""
    import numpy as np

    v = np.asarray(profiles, dtype=float)
    total = v.sum(axis=1)
    some = total > 0
    shares = np.divide(v * 100.0, total[:, None], out=np.zeros_like(v), where=some[:, None])
    ratios = np.divide(v.max(axis=1) * v.shape[1], total, out=np.zeros_like(total), where=some)
    peaks = v.argmax(axis=1).tolist()
    return [(peaks[i] if some[i] else None, shares[i], float(ratios[i])) for i in range(len(v))]


def _peak_report(title: str, rows, filters: dict) -> Report:
    import numpy as np

    a = hour_arrays(rows)
    hourly = {k: v.sum(axis=0) for k, v in a.items()}
    events = hourly["calls"] + hourly["sms"] + hourly["sessions"]
    cols = [Column("Hour"), Column("Calls", "int"), Column("Calls (%)", "percent"), Column("SMS", "int"),
            Column("SMS (%)", "percent"), Column("Data sessions", "int"), Column("Sessions (%)", "percent"),
            Column("Data (MB)", "decimal", 2), Column("All records", "int"), Column("All (%)", "percent")]
    report = Report(title, cols, filters=filters, empty_message="no usage for these filters")
    if events.sum() <= 0:
        return report
    stats = dict(zip(("calls", "sms", "sessions", "all"),
                     peak_stats([hourly["calls"], hourly["sms"], hourly["sessions"], events])))
    hours = [f"{h:02d}" for h in range(24)]
    report.rows = [list(r) for r in zip(
        [f"{h}:00" for h in hours], hourly["calls"].tolist(), stats["calls"][1].tolist(), hourly["sms"].tolist(),
        stats["sms"][1].tolist(), hourly["sessions"].tolist(), stats["sessions"][1].tolist(),
        [mb(b) for b in hourly["bytes"].tolist()], events.tolist(), stats["all"][1].tolist())]
    report.totals = sum_columns(report.rows, cols)
    for i in (2, 4, 6, 9):
        report.totals[i] = 100.0 if report.totals[i - 1] else 0.0
    names = {"all": "all records", "calls": "calls", "sms": "SMS", "sessions": "data sessions"}
    for key in ("all", "calls", "sms", "sessions"):
        peak, _, ratio = stats[key]
        if peak is not None:
            report.notes.append(f"Peak hour for {names[key]}: {peak:02d}:00-{peak:02d}:59, "
                                f"peak-to-average ratio {ratio:.2f}")
    report.charts.append(Chart("All records per hour", hours, [float(x) for x in events.tolist()]))
    grid = a["calls"] + a["sms"] + a["sessions"]
    per_day = grid.sum(axis=1).tolist()
    wk = Report("Weekday by hour (all records)", [Column("Weekday")] + [Column(h, "int") for h in hours]
                + [Column("Total", "int")])
    wk.rows = [[WEEKDAYS[d]] + line + [per_day[d]] for d, line in enumerate(grid.tolist())]
    wk.totals = ["Total"] + grid.sum(axis=0).tolist() + [int(grid.sum())]
    busiest = np.unravel_index(int(np.argmax(grid)), grid.shape)
    wk.notes.append(f"Busiest weekday and hour: {WEEKDAYS[busiest[0]]} {busiest[1]:02d}:00 "
                    f"({int(grid[busiest]):,} records)")
    wk.charts.append(Chart("All records per weekday", list(WEEKDAYS), [float(x) for x in per_day]))
    report.sections.append(wk)
    report.plot = Plot([
        Bars("Records per hour of day", hours,
             {"Calls": hourly["calls"].tolist(), "SMS": hourly["sms"].tolist(),
              "Data sessions": hourly["sessions"].tolist()}, stacked=True, xlabel="hour", ylabel="records"),
        Heatmap("Weekday by hour (records)", list(WEEKDAYS), hours, grid.tolist())])
    return report


def peak_hours(ctx, params) -> Report:
    s, rows = read_scoped(ctx, params, lambda conn, s: repo.hour_profile(conn, s.day_from, s.day_to, s.region,
                                                                         s.customer_id))
    title = "Peak hours" + (f" for {s.customer['msisdn']}" if s.customer else "")
    return _peak_report(title, rows, s.filters)


def activity(ctx, params) -> Report:
    s, a = read_scoped(ctx, params, lambda conn, s: repo.activity(conn, s.customer_id, s.day_from, s.day_to),
                       need_customer=True)
    u, cur = a["usage"], currency(ctx)
    money_unit = f" ({cur})" if cur else ""
    rows = [
        ["Calls made", int(u.get("calls_out") or 0), "calls"],
        ["Calls received", int(u.get("calls_in") or 0), "calls"],
        ["Minutes out", minutes(u.get("seconds_out")), "min"],
        ["Minutes in", minutes(u.get("seconds_in")), "min"],
        ["SMS sent", int(u.get("sms_out") or 0), "SMS"],
        ["SMS received", int(u.get("sms_in") or 0), "SMS"],
        ["Data sessions", int(u.get("sessions") or 0), "sessions"],
        ["Data", mb(u.get("bytes")), "MB"],
        ["Days with usage", int(u.get("days") or 0), "days"],
        ["Bills", int(a["bills"]["n"]), "bills"],
        ["Billed" + money_unit, money(a["bills"]["total"]), cur],
        ["Paid on bills" + money_unit, money(a["bills"]["paid"]), cur],
        ["Payments", int(a["payments"]["n"]), "payments"],
        ["Payments received" + money_unit, money(a["payments"]["total"]), cur],
        ["Enquiries", int(a["enquiries"]["n"]), "enquiries"],
        ["Open enquiries", int(a["enquiries"]["open_n"] or 0), "enquiries"],
    ]
    shown = [[m, f"{v:,}", unit] for m, v, unit in rows]
    report = Report(f"Activity of {s.customer['msisdn']} ({s.customer['name']})",
                    [Column("Measure"), Column("Value"), Column("Unit")], shown, filters=s.filters)
    last = a["last_at"]
    report.notes.append(f"Last activity: {last:%Y-%m-%d %H:%M:%S}" if last else "Last activity: none recorded")
    return report


def my_usage(ctx, params) -> Report:
    s, (rows, profile) = read_scoped(ctx, params, lambda conn, s: (
        repo.daily_for_customer(conn, s.customer_id, s.day_from, s.day_to),
        repo.hour_profile(conn, s.day_from, s.day_to, None, s.customer_id)), need_customer=True)
    cols = [Column("Day", "date"), Column("Calls out", "int"), Column("Calls in", "int"),
            Column("Minutes out (min)", "decimal", 1), Column("Minutes in (min)", "decimal", 1),
            Column("SMS out", "int"), Column("SMS in", "int"), Column("Data sessions", "int"),
            Column("Data (MB)", "decimal", 2)]
    report = Report(f"My usage: {s.customer['msisdn']}", cols, filters=s.filters,
                    empty_message="no usage in this period")
    for r in rows:
        report.rows.append([r["day"], int(r["calls_out"]), int(r["calls_in"]), minutes(r["seconds_out"]),
                            minutes(r["seconds_in"]), int(r["sms_out"]), int(r["sms_in"]), int(r["sessions"]),
                            mb(r["bytes"])])
    if report.rows:
        report.totals = sum_columns(report.rows, cols)
        report.charts.append(Chart("Data per day (MB)", [f"{r[0]:%Y-%m-%d}" for r in report.rows],
                                   [float(r[8]) for r in report.rows]))
        peak = _peak_report("My peak hours", profile, {})
        report.sections.append(peak)
        report.plot = peak.plot
    return report


def my_calls(ctx, params) -> Report:
    limit = params.top or 100
    s, rows = read_scoped(ctx, params, lambda conn, s: repo.call_details(conn, s.customer_id, s.day_from, s.day_to,
                                                                         limit), need_customer=True)
    cols = [Column("Started", "datetime"), Column("Direction"), Column("Other party"),
            Column("Duration (s)", "int"), Column("Billed time (s)", "int"), Column("Answered"),
            Column("International")]
    report = Report(f"My calls: {s.customer['msisdn']} (latest {limit})", cols, filters=s.filters,
                    empty_message="no calls in this period")
    for r in rows:
        report.rows.append([r["started_at"], r["direction"], r["other_party"], int(r["duration_s"]),
                            int(r["billsec"]), "yes" if r["answered"] else "no",
                            "yes" if r["international"] else "no"])
    if report.rows:
        report.totals = ["Total", None, None, sum(r[3] for r in report.rows), sum(r[4] for r in report.rows),
                         None, None]
        import numpy as np

        hours = np.bincount([r[0].hour for r in report.rows], minlength=24)
        report.charts.append(Chart("Calls per hour of day", [f"{h:02d}" for h in range(24)],
                                   [float(x) for x in hours]))
        report.plot = Plot([Bars("My calls per hour of day", [f"{h:02d}" for h in range(24)],
                                 {"Calls": hours.tolist()})])
    return report


def _choice(name, choices):
    def parse(text):
        t = (text or "").strip().lower()
        if t not in choices:
            raise ValidationError(f"--{name} must be one of {', '.join(choices)}")
        return t
    return parse


DATES = ("from", "to", "period")
REPORTS = [
    ReportSpec("usage-summary", "Customer usage summary", GROUP, usage_summary,
               params=DATES + ("region", "customer", "top"),
               options=(ReportOption("sort", "sort by (descending)", "calls", SORTS, _choice("sort", SORTS)),),
               description="per customer: calls out/in, minutes, SMS, data MB, sessions, spend"),
    ReportSpec("network-summary", "Network summary", GROUP, network_summary, params=DATES + ("region",),
               options=(ReportOption("by", "totals per day, week or month", "day", ("day", "week", "month"),
                                     _choice("by", ("day", "week", "month"))),),
               description="totals per day, week or month and per region; active customers"),
    ReportSpec("peak-hours", "Peak hours", GROUP, peak_hours, params=DATES + ("region", "customer"),
               description="hour-of-day and weekday-by-hour distribution of calls, SMS and data"),
    ReportSpec("top-customers", "Top N customers", GROUP, top_customers, params=DATES + ("region", "top"),
               options=(ReportOption("by", "measure to rank by", "calls", SORTS, _choice("by", SORTS)),),
               description="the top N customers by calls, minutes, SMS, data, sessions, duration or spend"),
    ReportSpec("activity", "Activity of one number", GROUP, activity, params=DATES + ("customer",),
               description="calls, SMS, data, bills, payments, enquiries and last activity of one number"),
    ReportSpec("my-usage", "My usage", "My account", my_usage, roles=("customer",), params=DATES,
               description="your usage per day and your peak hours"),
    ReportSpec("my-calls", "My calls", "My account", my_calls, roles=("customer",), params=DATES + ("top",),
               description="your latest calls (--top N, default 100) and when you call"),
]
