"""Usage reports on a small data set with known answers (services/reports/usage.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reports_data import A, B, basic
from telco_console.errors import PermissionDenied, ValidationError
from telco_console.services.report_registry import ReportParams
from telco_console.services.reports import run_report


def col(report, name):
    i = report.headers.index(name)
    return [r[i] for r in report.rows]


def test_usage_summary_per_customer_with_totals(ctx):
    basic(ctx)
    r = run_report(ctx, "usage-summary", ReportParams())
    assert col(r, "MSISDN") == [A, B]            # sorted by calls
    assert col(r, "Calls out") == [3, 1]
    assert col(r, "Calls in") == [1, 0]
    assert col(r, "Minutes out (min)") == [Decimal("6.0"), Decimal("1.0")]
    assert col(r, "Minutes in (min)") == [Decimal("0.5"), Decimal("0.0")]
    assert col(r, "SMS out") == [2, 1]
    assert col(r, "Data (MB)") == [Decimal("0.00"), Decimal("3.00")]
    assert col(r, "Data sessions") == [0, 2]
    assert col(r, "Spend (GBP)") == [Decimal("0.00"), Decimal("0.00")]   # no bills yet: 0
    assert r.totals[r.headers.index("Calls out")] == 4
    assert r.totals[0] == "Total"
    r = run_report(ctx, "usage-summary", ReportParams(top=1, extra={"sort": "data"}))
    assert col(r, "MSISDN") == [B]


def test_usage_summary_dates_and_empty(ctx):
    basic(ctx)
    r = run_report(ctx, "usage-summary", ReportParams(date_from=date(2026, 10, 6), date_to=date(2026, 10, 6)))
    assert col(r, "MSISDN") == [B]
    r = run_report(ctx, "usage-summary", ReportParams(date_from=date(2026, 9, 1), date_to=date(2026, 9, 30)))
    assert r.is_empty() and r.empty_message == "no usage for these filters"
    with pytest.raises(ValidationError):
        run_report(ctx, "usage-summary", ReportParams(date_from=date(2026, 10, 6), date_to=date(2026, 10, 1)))


def test_peak_hours_overall(ctx):
    basic(ctx)
    r = run_report(ctx, "peak-hours", ReportParams())
    assert len(r.rows) == 24
    allrec = col(r, "All records")
    assert allrec[18] == 6 and sum(allrec) == 10
    assert col(r, "Calls")[18] == 4
    assert col(r, "All (%)")[18] == pytest.approx(60.0)
    assert "Peak hour for all records: 18:00-18:59, peak-to-average ratio 14.40" in r.notes
    wk = r.sections[0]
    assert wk.rows[0][0] == "Mon" and wk.rows[0][1 + 18] == 5    # 3 calls + 2 SMS on Monday 18:00
    assert wk.rows[1][1 + 18] == 1 and wk.totals[-1] == 10
    assert r.charts and r.charts[0].values[18] == 6.0


def test_peak_hours_one_customer_and_region(ctx):
    basic(ctx)
    r = run_report(ctx, "peak-hours", ReportParams(customer=B))
    assert r.title == f"Peak hours for {B}"
    assert col(r, "All records")[12] == 2 and sum(col(r, "All records")) == 4
    assert any(n.startswith("Peak hour for all records: 12:00") for n in r.notes)
    r = run_report(ctx, "peak-hours", ReportParams(region="North"))
    assert sum(col(r, "All records")) == 6


def test_network_summary_per_day_and_region(ctx):
    basic(ctx)
    r = run_report(ctx, "network-summary", ReportParams(extra={"by": "day"}))
    assert col(r, "Day") == [date(2026, 10, 5), date(2026, 10, 6)]
    assert col(r, "Calls") == [4, 1]
    assert col(r, "Active customers") == [1, 1]
    assert r.totals[1] == 5
    reg = r.sections[0]
    assert [row[0] for row in reg.rows] == ["North", "South"]
    r = run_report(ctx, "network-summary", ReportParams(extra={"by": "month"}))
    assert col(r, "Month from") == [date(2026, 10, 1)]
    assert col(r, "Active customers") == [2]
    r = run_report(ctx, "network-summary", ReportParams(extra={"by": "week"}))
    assert col(r, "Week from") == [date(2026, 10, 5)]


def test_top_customers(ctx):
    basic(ctx)
    r = run_report(ctx, "top-customers", ReportParams(top=1, extra={"by": "minutes"}))
    assert r.rows[0][:2] == [1, A]
    assert r.rows[0][4] == Decimal("6.5")
    assert r.rows[0][5] == pytest.approx(6.5 / 7.5 * 100)
    r = run_report(ctx, "top-customers", ReportParams(extra={"by": "sessions"}))
    assert r.rows[0][1] == B and r.rows[0][5] == pytest.approx(100.0)


def test_activity_of_one_number(ctx):
    basic(ctx)
    r = run_report(ctx, "activity", ReportParams(customer=A))
    values = {row[0]: row[1] for row in r.rows}
    assert values["Calls made"] == "3" and values["SMS sent"] == "2" and values["Bills"] == "0"
    assert "Last activity: 2026-10-05 18:40:00" in r.notes
    with pytest.raises(ValidationError):
        run_report(ctx, "activity", ReportParams())


def test_regional_sees_own_region_only(ctx, as_role):
    basic(ctx)
    south = as_role("regional", region="South")
    r = run_report(south, "usage-summary", ReportParams())
    assert col(r, "MSISDN") == [B]
    assert r.filters["region"] == "South"
    with pytest.raises(PermissionDenied):
        run_report(south, "usage-summary", ReportParams(region="North"))
    with pytest.raises(PermissionDenied):
        run_report(south, "peak-hours", ReportParams(customer=A))


def test_customer_sees_own_usage_and_calls(ctx, as_role):
    d = basic(ctx)
    me = as_role("customer", customer_id=d["a"]["id"])
    r = run_report(me, "my-usage", ReportParams())
    assert [row[0] for row in r.rows] == [date(2026, 10, 5)]
    assert r.rows[0][1] == 3
    assert r.sections[0].title == "My peak hours"
    calls = run_report(me, "my-calls", ReportParams())
    assert len(calls.rows) == 4 and calls.totals[4] == 390
    assert calls.charts[0].values[18] == 3.0
    with pytest.raises(PermissionDenied):
        run_report(me, "my-usage", ReportParams(customer=B))
    with pytest.raises(PermissionDenied):
        run_report(me, "usage-summary", ReportParams())
    with pytest.raises(PermissionDenied):
        run_report(ctx.with_user(me.user.__class__(None, "x", "staff")), "peak-hours", ReportParams())


@pytest.mark.parametrize("by", ["calls", "minutes", "sms", "data", "sessions", "duration", "spend"])
def test_top_customers_agree_with_the_usage_summary_for_every_measure(ctx, by):
    """Both reports rank in SQL; for each measure the top list is the usage summary sorted the
    same way, its value the summary's figures added up, and the shares add up to 100 (0 when
    nobody has any, e.g. spend before the first bill run)."""
    basic(ctx)
    summary = run_report(ctx, "usage-summary", ReportParams(extra={"sort": by}))
    top = run_report(ctx, "top-customers", ReportParams(top=5, extra={"by": by}))
    assert [r[1] for r in top.rows] == col(summary, "MSISDN")
    headers = {"calls": ("Calls out", "Calls in"), "minutes": ("Minutes out (min)", "Minutes in (min)"),
               "sms": ("SMS out", "SMS in"), "data": ("Data (MB)",), "sessions": ("Data sessions",),
               "duration": ("Session time (h)",), "spend": ("Spend (GBP)",)}[by]
    for i, r in enumerate(top.rows):
        assert r[4] == sum(summary.rows[i][summary.headers.index(h)] for h in headers)
    shares = [r[5] for r in top.rows]
    assert sum(shares) == pytest.approx(0.0 if by == "spend" else 100.0)     # no bills in this data
    assert summary.charts[0].values == [float(r[4]) for r in top.rows]


def test_totals_row_sums_numbers_skips_empty_cells_and_leaves_shares_blank():
    from telco_console.reporting.report import Column
    from telco_console.services.reports.common import sum_columns

    cols = [Column("Name"), Column("Calls", "int"), Column("Data (MB)", "decimal", 2), Column("Share", "percent"),
            Column("Spend", "money")]
    rows = [("a", 1, Decimal("1.50"), 40.0, None), ("b", None, Decimal("2.25"), 60.0, None),
            ("c", 4, None, 0.0, None)]
    assert sum_columns(rows, cols) == ["Total", 5, Decimal("3.75"), None, None]
    assert sum_columns([], cols, label="All") == ["All", None, None, None, None]
