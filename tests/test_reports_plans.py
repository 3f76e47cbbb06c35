"""Plan trends (services/reports/plans.py): customers at each month end and revenue from bills."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from helpers import make_customer, make_plan
from telco_console.repositories.base import execute
from telco_console.services import customers
from telco_console.services.report_registry import ReportParams
from telco_console.services.reports import run_report


def bill(ctx, number, period, customer_id, plan_id, total):
    ctx.db.run(execute, "INSERT INTO bills (bill_number, period, seq, customer_id, plan_id, issued_at, due_date,"
                        " subtotal, tax, total) VALUES (%s, %s, %s, %s, %s, NOW(), CURDATE(), %s, 0, %s)",
               (number, period, int(number[-3:]), customer_id, plan_id, total, total))


def test_plan_trends_customers_and_revenue(ctx):
    basic = make_plan(ctx)
    gold = make_plan(ctx, code="GOLD", name="Gold", monthly_fee="30.00")
    a = make_customer(ctx, "+447911000301", "A", since="2026-08-15")
    b = make_customer(ctx, "+447911000302", "B", plan="GOLD", since="2026-09-03")
    make_customer(ctx, "+447911000303", "C", since="2026-09-20")
    customers.close_customer(ctx, "+447911000303", "2026-10-10")
    params = ReportParams(date_from=date(2026, 8, 1), date_to=date(2026, 10, 31))
    r = run_report(ctx, "plan-trends", params)
    got = {(row[0], row[1]): row[2] for row in r.rows}
    assert got == {("2026-08", "BASIC"): 1, ("2026-09", "BASIC"): 2, ("2026-09", "GOLD"): 1,
                   ("2026-10", "BASIC"): 1, ("2026-10", "GOLD"): 1}
    assert "No bills in these months yet: revenue is 0." in r.notes
    assert r.totals[-1] == Decimal("0.00")
    bill(ctx, "2026-09-001", "2026-09", a["id"], basic["id"], "12.00")
    bill(ctx, "2026-09-002", "2026-09", b["id"], gold["id"], "36.00")
    bill(ctx, "2026-10-001", "2026-10", b["id"], gold["id"], "36.50")
    r = run_report(ctx, "plan-trends", params)
    rev = {(row[0], row[1]): row[4] for row in r.rows}
    assert rev[("2026-09", "GOLD")] == Decimal("36.00") and rev[("2026-10", "GOLD")] == Decimal("36.50")
    assert rev[("2026-08", "BASIC")] == Decimal("0.00")
    assert r.totals[3] == 3 and r.totals[4] == Decimal("84.50")
    assert r.charts[0].labels == ["2026-08", "2026-09", "2026-10"]


def test_plan_trends_empty(ctx):
    r = run_report(ctx, "plan-trends", ReportParams())
    assert r.is_empty()
