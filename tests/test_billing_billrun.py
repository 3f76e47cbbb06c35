"""The bill run: bills and lines, numbering, repeat runs, two runs at once, dry run, credits."""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_support import add_calls, add_data, add_sms
from helpers import make_customer, make_plan, make_user
from telco_console.errors import PermissionDenied, ValidationError
from telco_console.repositories.base import fetch_all, fetch_value
from telco_console.services.billing import billrun, statements

D = Decimal


def _bills(ctx):
    return ctx.db.run(fetch_all, "SELECT * FROM bills ORDER BY seq")


def test_bill_lines_and_totals_hand_computed(ctx):
    # fee 10.00, 100 free minutes at 0.10/0.05, 100 SMS at 0.05, 1000 MB at 0.01, tax 20%
    make_plan(ctx)
    c = make_customer(ctx)
    add_calls(ctx, c["id"], [("2026-10-05 09:00:00", 100 * 60), ("2026-10-05 10:00:00", 125),  # peak: 3 min
                             ("2026-10-10 10:00:00", 61)])                                      # Sat: 2 min
    add_sms(ctx, c["id"], 103)
    add_data(ctx, c["id"], [1_000_000_000, 2_500_000])   # 2.5 MB over -> 3 MB
    r = billrun.run(ctx, "2026-10")
    assert r.bills == 1 and r.first_number == "2026-10-000001"
    bill = _bills(ctx)[0]
    lines = ctx.db.run(fetch_all, "SELECT line_no, kind, description, quantity, amount FROM bill_lines"
                                  " WHERE bill_id = %s"
                                  " ORDER BY line_no", (bill["id"],))
    assert [(ln["kind"], ln["amount"]) for ln in lines] == [
        ("subscription", D("10.00")), ("peak_calls", D("0.30")), ("offpeak_calls", D("0.10")),
        ("sms", D("0.15")), ("data", D("0.03")), ("tax", D("2.12"))]   # 10.58 * 0.2 = 2.116
    assert [ln["line_no"] for ln in lines] == [1, 2, 3, 4, 5, 6]
    assert (lines[0]["description"], lines[-1]["description"]) == ("Monthly fee", "Tax at 20%")
    assert [ln["quantity"] for ln in lines[1:5]] == [D("3"), D("2"), D("3"), D("3")]
    assert (bill["subtotal"], bill["tax"], bill["total"]) == (D("10.58"), D("2.12"), D("12.70"))
    assert bill["total"] == sum(ln["amount"] for ln in lines)
    assert str(bill["due_date"]) == str((bill["issued_at"]).date().fromordinal(bill["issued_at"].toordinal() + 14))


def test_no_usage_gives_subscription_and_tax_only(ctx):
    make_plan(ctx)
    make_customer(ctx)
    billrun.run(ctx, "2026-10")
    kinds = ctx.db.run(fetch_all, "SELECT kind FROM bill_lines ORDER BY line_no")
    assert [k["kind"] for k in kinds] == ["subscription", "tax"]


def test_second_run_creates_nothing_and_numbers_continue_without_gaps(ctx):
    make_plan(ctx)
    for i in range(3):
        make_customer(ctx, f"+44791100000{i}")
    assert billrun.run(ctx, "2026-10").bills == 3
    again = billrun.run(ctx, "2026-10")
    assert again.bills == 0 and "already has a bill" in again.report().notes[0]
    make_customer(ctx, "+447911000009", since="2026-10-20")
    assert billrun.run(ctx, "2026-10").bills == 1
    assert [b["bill_number"] for b in _bills(ctx)] == [f"2026-10-00000{i}" for i in range(1, 5)]
    assert billrun.run(ctx, "2026-09").first_number == "2026-09-000001"


def test_dry_run_writes_nothing(ctx):
    make_plan(ctx)
    make_customer(ctx)
    r = billrun.run(ctx, "2026-10", dry=True)
    assert (r.bills, r.total) == (1, D("12.00"))
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bills") == 0
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bill_runs") == 0


def test_bad_period_and_roles(ctx, as_role):
    with pytest.raises(ValidationError, match="not a billing period"):
        billrun.run(ctx, "2026-13")
    with pytest.raises(ValidationError, match="has not started"):
        billrun.run(ctx, "2099-01")
    with pytest.raises(PermissionDenied):
        billrun.run(as_role("analyst"), "2026-10")


def test_open_credit_is_applied_to_the_next_bill(ctx):
    from telco_console.services.billing import payments

    make_plan(ctx)
    c = make_customer(ctx)
    payments.credit(ctx, c["msisdn"], "5.00", "goodwill")
    payments.credit(ctx, c["msisdn"], "20.00", "refund")
    billrun.run(ctx, "2026-09")
    b = _bills(ctx)[0]
    assert (b["credit_applied"], b["status"]) == (D("12.00"), "paid")
    # 13.00 remains open for October
    billrun.run(ctx, "2026-10")
    oct_bill = _bills(ctx)[1] if _bills(ctx)[1]["period"] == "2026-10" else _bills(ctx)[0]
    assert (oct_bill["credit_applied"], oct_bill["status"]) == (D("12.00"), "paid")
    open_credit = ctx.db.run(fetch_value, "SELECT SUM(amount) FROM customer_credits WHERE applied_bill_id IS NULL")
    assert open_credit == D("1.00")


def test_cli_run_dry_run_and_list(ctx, run_cli):
    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    make_customer(ctx)
    code, out, err = run_cli("bill", "run", "--period", "2026-10", "--dry-run", user="boss",
                             password="correct-horse-9")
    assert code == 0, err
    assert "dry run" in out and "12.00" in out
    code, out, err = run_cli("bill", "run", "--period", "2026-10", user="boss", password="correct-horse-9")
    assert code == 0 and "2026-10-000001" in out
    code, out, err = run_cli("bill", "run", "--period", "2026-1", user="boss", password="correct-horse-9")
    assert code == 1 and "not a billing period" in err


def test_two_runs_at_once_in_two_processes(ctx, cli_env):
    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    n = 40
    for i in range(n):
        c = make_customer(ctx, f"+4479110{i:05d}")
        add_calls(ctx, c["id"], [("2026-10-05 10:00:00", 6000 + i)])
    env = dict(cli_env, TELCO_USER="boss", TELCO_PASSWORD="correct-horse-9")
    cmd = [sys.executable, "-m", "telco_console", "bill", "run", "--period", "2026-10", "--format", "json"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(__file__))) for _ in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    bills = _bills(ctx)
    assert len(bills) == n
    assert [b["seq"] for b in bills] == list(range(1, n + 1))
    assert len({b["customer_id"] for b in bills}) == n
    created = sorted(ctx.db.run(fetch_all, "SELECT bills_created FROM bill_runs"), key=lambda r: r["bills_created"])
    assert [r["bills_created"] for r in created] == [0, n]


def test_invoice_and_list_report(ctx):
    make_plan(ctx)
    make_customer(ctx)
    make_customer(ctx, "+447911000002", name="Bob", region="South")
    billrun.run(ctx, "2026-10")
    inv = statements.invoice(ctx, "2026-10-000001")
    assert inv.title == "Invoice 2026-10-000001" and inv.totals[-1] == D("12.00")
    rep = statements.list_bills(ctx, period="2026-10")
    assert len(rep.rows) == 2 and rep.totals[7] == D("24.00")
    assert len(statements.list_bills(ctx, region="South").rows) == 1


_periods = iter(f"{y}-{m:02d}" for y in range(2000, 2026) for m in range(1, 13))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 27 * 86400), st.integers(0, 4000)), max_size=12),
       st.integers(0, 300), st.integers(0, 30_000_000))
def test_every_bill_total_is_the_sum_of_its_lines_and_never_negative(ctx, calls, sms, data):
    from datetime import datetime, timedelta

    from telco_console.repositories import plans as plans_repo

    if ctx.db.run(plans_repo.by_code, "BASIC") is None:
        make_plan(ctx, included_minutes=3, included_sms=2, included_mb=1)
    period = next(_periods)
    n = ctx.db.run(fetch_value, "SELECT COUNT(*) FROM customers")
    c = make_customer(ctx, f"+4479110{n:05d}", since="1999-01-01")
    start = datetime.fromisoformat(period + "-01")
    if calls:
        add_calls(ctx, c["id"], [(str(start + timedelta(seconds=s)), b) for s, b in calls])
    if sms:
        add_sms(ctx, c["id"], sms, when=f"{period}-02 10:00:00")
    if data:
        add_data(ctx, c["id"], [data], when=f"{period}-03 10:00:00")
    billrun.run(ctx, period)
    bad = ctx.db.run(fetch_all, "SELECT b.bill_number, b.total, SUM(l.amount) AS s FROM bills b"
                                " JOIN bill_lines l ON l.bill_id = b.id GROUP BY b.id"
                                " HAVING b.total <> s OR b.total < 0 OR MIN(l.amount) < 0")
    assert bad == []
