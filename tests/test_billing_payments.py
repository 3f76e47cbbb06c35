"""Payments: partial, duplicate reference, overpayment as credit, statuses, void, adjustments, statement."""
from __future__ import annotations

from decimal import Decimal

import pytest

from helpers import make_customer, make_plan, make_user
from telco_console.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from telco_console.repositories.base import execute, fetch_all, fetch_one, fetch_value
from telco_console.services.billing import billrun, payments, statements

D = Decimal
NO = "2026-10-000001"


@pytest.fixture
def billed(ctx):
    make_plan(ctx)                      # 10.00 + 20% tax = 12.00
    c = make_customer(ctx)
    billrun.run(ctx, "2026-10")
    return c


def _bill(ctx):
    return ctx.db.run(fetch_one, "SELECT * FROM bills WHERE bill_number = %s", (NO,))


def test_partial_then_full_payment_statuses(ctx, billed):
    r = payments.pay(ctx, NO, "5.00", "card", "R1")
    assert (r.status, r.amount_due) == ("partially_paid", D("7.00"))
    r = payments.pay(ctx, NO, "7", "bank", "R2")
    assert (r.status, r.amount_due) == ("paid", D("0.00"))
    assert _bill(ctx)["amount_paid"] == D("12.00")
    with pytest.raises(ValidationError, match="already paid"):
        payments.pay(ctx, NO, "1.00", "card", "R3")


def test_duplicate_reference_refused_and_nothing_written(ctx, billed):
    payments.pay(ctx, NO, "5.00", "card", "REF-1")
    with pytest.raises(DuplicateError, match="REF-1 was already used"):
        payments.pay(ctx, NO, "5.00", "card", "REF-1")
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM payments") == 1
    assert _bill(ctx)["amount_paid"] == D("5.00")


@pytest.mark.parametrize("amount,reason", [("-1", "positive"), ("0", "positive"), ("abc", "not a number"),
                                           ("1.234", "decimal places"), ("NaN", "finite")])
def test_bad_amounts(ctx, billed, amount, reason):
    with pytest.raises(ValidationError, match=reason):
        payments.pay(ctx, NO, amount, "card", "X")
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM payments") == 0


def test_unknown_and_void_bill(ctx, billed):
    with pytest.raises(NotFoundError):
        payments.pay(ctx, "2026-10-999999", "1.00", "card", "X")
    ctx.db.run(execute, "UPDATE bills SET status = 'void'")
    with pytest.raises(ValidationError, match="void"):
        payments.pay(ctx, NO, "1.00", "card", "X")
    with pytest.raises(ValidationError, match="payment method"):
        payments.pay(ctx, NO, "1.00", "barter", "X")


def test_overpayment_needs_confirmation_then_becomes_credit_for_next_bill(ctx, billed):
    assert payments.overpayment(ctx, NO, "15.00") == D("3.00")
    with pytest.raises(ValidationError, match=r"3\.00 more than"):
        payments.pay(ctx, NO, "15.00", "card", "OVER")
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM payments") == 0
    r = payments.pay(ctx, NO, "15.00", "card", "OVER", accept_credit=True)
    assert (r.status, r.credit) == ("paid", D("3.00"))
    billrun.run(ctx, "2026-11", force=True)      # November has not ended yet
    nov = ctx.db.run(fetch_one, "SELECT * FROM bills WHERE period = '2026-11'")
    assert (nov["credit_applied"], nov["status"]) == (D("3.00"), "partially_paid")
    assert nov["total"] - nov["credit_applied"] == D("9.00")
    st = statements.statement(ctx, billed["msisdn"])
    assert st.rows[-1][-1] == D("9.00")


def test_overdue_is_computed_from_due_date(ctx, billed):
    due = _bill(ctx)["due_date"]
    from datetime import timedelta

    assert statements.list_bills(ctx, overdue=True, as_of=due).rows == []
    rows = statements.list_bills(ctx, overdue=True, as_of=due + timedelta(days=1)).rows
    assert len(rows) == 1 and rows[0][-1] == "overdue"
    payments.pay(ctx, NO, "12.00", "card", "P")
    assert statements.list_bills(ctx, overdue=True, as_of=due + timedelta(days=1)).rows == []


def test_adjustment_adds_a_line_and_keeps_old_lines(ctx, billed):
    before = ctx.db.run(fetch_all, "SELECT line_no, amount FROM bill_lines ORDER BY line_no")
    r = payments.adjust(ctx, NO, "-2.00", "dropped call refund")
    assert (r["line_no"], r["total"]) == (3, D("10.00"))
    after = ctx.db.run(fetch_all, "SELECT line_no, amount FROM bill_lines ORDER BY line_no")
    assert after[:2] == before and after[2]["amount"] == D("-2.00")
    payments.pay(ctx, NO, "10.00", "card", "P")
    with pytest.raises(ValidationError, match="below what has been paid"):
        payments.adjust(ctx, NO, "-1.00", "more")


def test_roles_and_regions(ctx, billed, as_role):
    other = make_customer(ctx, "+447911000777", name="Zed", region="South")
    with pytest.raises(PermissionDenied):
        payments.pay(as_role("regional", region="South"), NO, "1.00", "card", "X")
    payments.pay(as_role("regional", region="North"), NO, "1.00", "card", "X")
    me = as_role("customer", customer_id=billed["id"])
    assert len(statements.list_bills(me).rows) == 1
    assert statements.invoice(me, NO).title.endswith(NO)
    with pytest.raises(PermissionDenied):               # another number: refused (exit 4)
        statements.invoice(as_role("customer", customer_id=other["id"]), NO)
    with pytest.raises(PermissionDenied):
        payments.pay(me, NO, "1.00", "card", "Y")
    with pytest.raises(PermissionDenied):
        statements.list_bills(as_role("regional", region="North"), region="South")


def test_cli_pay_show_formats_and_statement(ctx, billed, run_cli):
    make_user(ctx, "boss", "admin")
    auth = dict(user="boss", password="correct-horse-9")
    code, out, err = run_cli("bill", "pay", NO, "5", "--method", "card", "--reference", "C1", **auth)
    assert code == 0 and "partially_paid" in out, err
    code, out, err = run_cli("bill", "pay", NO, "50", "--method", "card", "--reference", "C2", **auth)
    assert code == 1 and "confirm" in err
    code, out, err = run_cli("bill", "pay", NO, "50", "--method", "card", "--reference", "C2", "--accept-credit",
                             **auth)
    assert code == 0 and "43.00 credited" in out
    for fmt, marker in (("table", "Monthly fee"), ("json", '"Amount"'), ("csv", "Monthly fee"), ("html", "<table")):
        code, out, err = run_cli("bill", "show", NO, "--format", fmt, **auth)
        assert code == 0 and marker in out, (fmt, err)
    code, out, err = run_cli("bill", "list", "--period", "2026-10", **auth)
    assert code == 0 and "1 bills" in out
    code, out, err = run_cli("bill", "statement", billed["msisdn"], **auth)
    assert code == 0 and "-43.00" in out
    code, out, err = run_cli("bill", "show", "nope", **auth)
    assert code == 1 and "no bill nope" in err
    code, out, err = run_cli("bill", "adjust", NO, "1.00", "--reason", "late fee", **auth)
    assert code == 0 and "line 3" in out
    code, out, err = run_cli("bill", "credit", billed["msisdn"], "2.00", "--reason", "goodwill", **auth)
    assert code == 0 and "credited 2.00" in out
