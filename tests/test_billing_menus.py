"""The Billing and My account menus, driven by keystrokes into their real prompts, and the self-service
services."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest

from billing_support import add_calls
from helpers import make_customer, make_plan
from telco_console.errors import PermissionDenied
from telco_console.reporting.output import Output
from telco_console.repositories.base import fetch_value
from telco_console.services.billing import account, billrun
from telco_console.ui.app import Console, run_action
from telco_console.ui.menus import billing, sections_for, self_service
from typed_input import typing


def _console(ctx):
    buf = io.StringIO()
    return Console(ctx, Output(buf, buf, colour=False)), buf


def test_sections_by_role():
    assert "Billing" in [s.title for s in sections_for("admin")]
    assert "Billing" in [s.title for s in sections_for("regional")]
    assert [s.title for s in sections_for("customer")].count("My account") == 1
    assert "Billing" not in [s.title for s in sections_for("customer")]
    staff = next(s for s in sections_for("staff") if s.title == "Billing")
    assert [i.label for i in staff.visible_items("staff")] == ["Log an enquiry", "Open enquiries",
                                                               "Answer an enquiry", "Close an enquiry"]


def test_admin_runs_bills_and_records_an_overpayment(ctx):
    make_plan(ctx)
    make_customer(ctx)
    console, buf = _console(ctx)
    with typing("2026-10", True, False):
        run_action(console, billing.bill_run)
    assert "2026-10-000001" in buf.getvalue()
    with typing("2026-10-000001", "20.00", "card", "REF9", True):
        run_action(console, billing.record_payment)
    assert "8.00 credited to the next bill" in buf.getvalue()
    with typing("2026-10", "", ""):
        run_action(console, billing.list_bills)
    assert console.last_report.rows[0][-1] == "paid"
    with typing("2026-13", "2026-10", "", "07911123456") as keys:
        run_action(console, billing.list_bills)
    assert keys.refused == ["'2026-13' is not a billing period: use YYYY-MM, e.g. 2026-10"]
    assert console.last_report.filters.get("customer") == "+447911123456"


def test_customer_sees_own_account_only(ctx, as_role):
    make_plan(ctx)
    ann = make_customer(ctx)
    bob = make_customer(ctx, "+447911000002", name="Bob")
    add_calls(ctx, ann["id"], [("2026-10-05 10:00:00", 90)])
    add_calls(ctx, bob["id"], [("2026-10-05 11:00:00", 30)])
    billrun.run(ctx, "2026-10")
    me = as_role("customer", customer_id=ann["id"])
    console, buf = _console(me)
    for handler in (self_service.my_plan, self_service.my_bills, self_service.my_statement,
                    self_service.my_payments):
        run_action(console, handler)
    assert "Bob" not in buf.getvalue() and "Ann Smith" in buf.getvalue()
    with typing("2026-10"):
        run_action(console, self_service.my_calls)
    assert len(console.last_report.rows) == 1 and console.last_report.rows[0][4] == 90
    usage = account.my_usage(me, "2026-10")
    assert usage.totals[-1] == Decimal("12.00")
    with typing("Bill", "Why?"):
        run_action(console, self_service.raise_enquiry)
    eid = ctx.db.run(fetch_value, "SELECT id FROM enquiries")      # not always 1: ids step by 3 on Galera
    assert f"enquiry #{eid} sent" in buf.getvalue()
    with pytest.raises(PermissionDenied):
        account.my_plan(ctx)


@pytest.mark.e2e
def test_billing_menu_end_to_end_in_a_terminal(ctx, cli_env, tmp_path):
    from helpers import make_user
    from test_e2e import PASSWORD, Session

    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    make_customer(ctx)
    s = Session(cli_env, tmp_path)
    s.sign_in("boss", PASSWORD)
    s.expect(r"Signed in as boss \(admin\)")
    s.pick("Billing")
    s.pick("Run the monthly bills")
    s.answer("Period (YYYY-MM):", "2026-13")
    s.expect("is not a billing period")
    s.child.send("\x15")
    s.child.send("2026-10\r")
    s.expect("dry run")
    s.expect(r"Create 1 bills for 2026-10\?")
    s.child.send("y")
    s.expect("2026-10-000001")
    s.expect("Deliver the new bills now")
    s.child.send("n")
    s.pick("Show a bill (invoice)")
    s.answer("Bill number:", "2026-10-999999")
    s.expect("no bill 2026-10-999999")
    s.child.send("\x15")
    s.child.send("2026-10-000001\r")
    s.expect("Invoice 2026-10-000001")
    s.expect("Tax at 20%")
    s.pick("Back")
    s.quit()


def test_menu_bill_run_of_a_month_not_ended_asks_before_a_forced_run(ctx):
    from telco_console.repositories.base import fetch_all

    make_plan(ctx)
    make_customer(ctx)
    console, buf = _console(ctx)
    current = f"{ctx.now():%Y-%m}"
    with typing(current, False):                         # not ended: declined, nothing written
        run_action(console, billing.bill_run)
    assert "has not ended yet" in buf.getvalue()
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bills") == 0
    with typing(current, True, True, False):             # forced: the preview, then the run
        run_action(console, billing.bill_run)
    assert [b["period"] for b in ctx.db.run(fetch_all, "SELECT period FROM bills")] == [current]


def test_menu_reminders_re_ask_for_a_future_date(ctx):
    from datetime import timedelta

    console, buf = _console(ctx)
    tomorrow = ctx.now().date() + timedelta(days=1)
    with typing(str(tomorrow), "") as keys:
        run_action(console, billing.send_reminders)
    assert len(keys.refused) == 1 and f"the as-of date {tomorrow} is in the future" in keys.refused[0]
    assert "Reminders sent as of " + str(ctx.now().date()) in buf.getvalue()
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM reminders") == 0
