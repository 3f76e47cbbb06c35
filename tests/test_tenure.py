"""Tenure: a record belongs to a customer only from the day they joined to the day they closed
(both included). Usage outside goes to unmatched with a reason that says so, and `unmatched
reprocess` takes it once the dates are corrected; the prompts refuse it. Closing on a future day
is refused; a day/month that reads both ways is refused, and the date read is echoed."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from test_numbering import operator_ctx

from helpers import make_customer, make_plan, make_user
from telco_console.errors import ValidationError
from telco_console.services import customers
from telco_console.services.collection import importer, manual, unmatched

PW = "correct-horse-9"


def _unmatched(ctx):
    def do(conn):
        cur = conn.cursor()
        cur.execute("SELECT source_ref, reason, status FROM unmatched_records ORDER BY source_ref")
        return cur.fetchall()
    return ctx.db.run(do)


def _refs(ctx, table="calls"):
    def do(conn):
        cur = conn.cursor()
        cur.execute(f"SELECT source_ref, direction FROM {table} ORDER BY source_ref")
        return cur.fetchall()
    return ctx.db.run(do)


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "general-path"])
def test_usage_outside_tenure_is_unmatched_then_reprocessed(ctx, tmp_path, fast):
    octx = operator_ctx(ctx, "US", "America/New_York")
    make_plan(octx)
    make_customer(octx, "(415) 555-0101", name="Joined late", since="2026-10-22")
    make_customer(octx, "(415) 555-0102", name="Left early", since="2026-01-01")
    customers.close_customer(octx, "415-555-0102", "2026-10-15")
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "record_id,caller,callee,started_at,duration_s,billsec,disposition\n"
        "c1,(415) 555-0101,+33612345678,2026-10-10 10:00:00,60,50,ANSWERED\n"     # before joining
        "c2,(415) 555-0101,+33612345678,2026-10-22 00:00:00,60,50,ANSWERED\n"     # the first day
        "c3,(415) 555-0102,+33612345678,2026-10-15 23:59:59,60,50,ANSWERED\n"     # the closing day
        "c4,(415) 555-0102,+33612345678,2026-10-16 00:00:00,60,50,ANSWERED\n"     # after closing
        "c5,(415) 555-0102,(415) 555-0101,2026-10-23 09:00:00,60,50,ANSWERED\n"   # caller gone: callee's
        "c6,(415) 555-0101,(415) 555-0102,2026-10-18 09:00:00,60,50,ANSWERED\n")  # neither at the time
    data = tmp_path / "data.csv"
    data.write_text("record_id,msisdn,started_at,ended_at,bytes_dl,bytes_ul\n"
                    "d1,(415) 555-0101,2026-10-21 23:00:00,2026-10-21 23:30:00,1000,10\n"
                    "d2,(415) 555-0101,2026-10-22 08:00:00,2026-10-22 08:30:00,1000,10\n")
    r = importer.import_file(octx, "csv", str(calls), fast=fast)
    assert (r.inserted, r.unmatched) == (3, 3)
    r = importer.import_file(octx, "csv", str(data), fast=fast)
    assert (r.inserted, r.unmatched) == (1, 1)
    assert _refs(octx) == [("c2", "out"), ("c3", "out"), ("c5", "in")]
    assert _unmatched(octx) == [
        ("c1", "+14155550101 was not a customer on 2026-10-10 (since 2026-10-22)", "pending"),
        ("c4", "+14155550102 was not a customer on 2026-10-16 (closed on 2026-10-15)", "pending"),
        ("c6", "+14155550101 was not a customer on 2026-10-18 (since 2026-10-22); "
               "+14155550102 was not a customer on 2026-10-18 (closed on 2026-10-15)", "pending"),
        ("d1", "+14155550101 was not a customer on 2026-10-21 (since 2026-10-22)", "pending")]

    # the dates corrected: re-processing takes what now falls within the tenure
    customers.edit_customer(octx, "(415) 555-0101", since="2026-10-05")
    got = unmatched.reprocess(octx)
    assert (got.examined, got.inserted, got.still_unmatched) == (4, 3, 1)
    customers.edit_customer(octx, "(415) 555-0102", closed_on="2026-10-20")
    got = unmatched.reprocess(octx)
    assert (got.examined, got.inserted, got.still_unmatched) == (1, 1, 0)
    assert _refs(octx) == [("c1", "out"), ("c2", "out"), ("c3", "out"), ("c4", "out"), ("c5", "in"),
                           ("c6", "out")]
    assert octx.db.run(lambda c: (lambda cur: (cur.execute("SELECT source_ref FROM data_sessions ORDER BY 1"),
                                               cur.fetchall())[1])(c.cursor())) == [("d1",), ("d2",)]


def test_data_sessions_reprocessed_too(ctx, tmp_path):
    make_plan(ctx)
    make_customer(ctx, "07911123456", since="2026-10-22")
    data = tmp_path / "data.csv"
    data.write_text("record_id,msisdn,started_at,ended_at,bytes_dl,bytes_ul\n"
                    "d1,07911123456,2026-10-21 23:00:00,2026-10-21 23:30:00,1000,10\n")
    assert importer.import_file(ctx, "csv", str(data)).unmatched == 1
    customers.edit_customer(ctx, "07911123456", since="2026-10-21")
    assert unmatched.reprocess(ctx).inserted == 1
    assert ctx.db.run(lambda c: (lambda cur: (cur.execute("SELECT COUNT(*) FROM data_sessions"),
                                              cur.fetchone()[0])[1])(c.cursor())) == 1


def test_prompts_refuse_usage_outside_tenure(ctx):
    make_plan(ctx)
    since = ctx.now().date() - timedelta(days=3)
    cust = manual.customer(ctx, make_customer(ctx, "07911123456", since=str(since))["msisdn"])
    before = since - timedelta(days=1)
    msg = f"\\+447911123456 was not a customer on {before} \\(since {since}\\)"
    with pytest.raises(ValidationError, match=msg):
        manual.start_for(ctx, cust, f"{before} 23:59")           # the prompt's validator re-asks
    with pytest.raises(ValidationError, match=msg):
        manual.log_call(ctx, "07911123456", "07400123456", "out", f"{before} 12:00", duration="60")
    with pytest.raises(ValidationError, match=msg):
        manual.log_sms(ctx, "07911123456", "07400123456", "out", f"{before} 12:00", "5")
    with pytest.raises(ValidationError, match=msg):
        manual.log_data(ctx, "07911123456", f"{before} 12:00", duration="60", dl="1", ul="1")
    assert manual.start_for(ctx, cust, f"{since} 00:00").date() == since


def test_closing_in_the_future_is_refused(ctx, run_cli):
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    make_user(ctx, "boss", "admin")
    tomorrow = ctx.now().date() + timedelta(days=1)
    with pytest.raises(ValidationError, match=f"the closing date {tomorrow} is in the future"):
        customers.close_customer(ctx, "07911123456", str(tomorrow))
    code, out, err = run_cli("customer", "close", "07911123456", "--on", str(tomorrow), user="boss", password=PW)
    assert code == 1 and err.strip().count("\n") == 0 and "in the future" in err
    assert customers.get_customer(ctx, "07911123456")["status"] == "active"
    code, out, err = run_cli("customer", "close", "07911123456", "--on", str(ctx.now().date()), user="boss",
                             password=PW)
    assert code == 0 and f"closed +447911123456 on {ctx.now().date()}" in out


def test_ambiguous_day_and_month_refused_and_the_date_echoed(ctx, run_cli):
    make_plan(ctx)
    make_user(ctx, "boss", "admin")
    code, out, err = run_cli("customer", "add", "--msisdn", "07911123456", "--name", "Ann", "--plan", "BASIC",
                             "--since", "03/10/2026", user="boss", password=PW)
    assert code == 1 and "'03/10/2026' could be 3 Oct or 10 Mar: write the date as YYYY-MM-DD" in err
    code, out, err = run_cli("customer", "add", "--msisdn", "07911123456", "--name", "Ann", "--plan", "BASIC",
                             "--since", "25/10/2026", user="boss", password=PW)
    assert code == 0, err
    assert "2026-10-25" in out                       # the date as read, shown back
    assert customers.get_customer(ctx, "07911123456")["created_on"] == date(2026, 10, 25)
    with pytest.raises(ValidationError, match="could be"):
        manual.when(ctx, "03/10/2026 14:05")           # the prompts' times too
    assert manual.when(ctx, "04/04/2026 14:05").date() == date(2026, 4, 4)


def test_dates_corrected_with_edit_are_checked(ctx):
    make_plan(ctx)
    make_customer(ctx, "07911123456", since="2026-01-10")
    with pytest.raises(ValidationError, match="is not closed"):
        customers.edit_customer(ctx, "07911123456", closed_on="2026-02-01")
    customers.close_customer(ctx, "07911123456", "2026-03-01")
    with pytest.raises(ValidationError, match="before the start date"):
        customers.edit_customer(ctx, "07911123456", since="2026-03-02")
    with pytest.raises(ValidationError, match="only its start and closing dates"):
        customers.edit_customer(ctx, "07911123456", name="New name")
    c = customers.edit_customer(ctx, "07911123456", since="2026-01-05", closed_on="2026-02-20")
    assert (c["created_on"], c["closed_on"], c["status"]) == (date(2026, 1, 5), date(2026, 2, 20), "closed")


def test_menus_re_ask_a_start_outside_tenure_and_correct_dates(ctx, as_role, monkeypatch):
    """The Log a call prompt refuses a start before the customer joined and asks again; the edit
    menu corrects a closed customer's dates."""
    import io

    from telco_console.errors import TelcoError
    from telco_console.reporting.output import Output
    from telco_console.ui import prompts
    from telco_console.ui.app import Console, run_action
    from telco_console.ui.menus import admin, collection

    answers, refused = [], []

    def ask(message, parse=None, default="", required=True, **kw):
        while True:
            text = answers.pop(0)
            if text == "" and default:
                text = default
            try:
                return parse(text) if parse else text
            except TelcoError as exc:
                refused.append(str(exc))
    monkeypatch.setattr(prompts, "ask", ask)
    monkeypatch.setattr(prompts, "choose", lambda message, choices, default=None, **kw: answers.pop(0))
    monkeypatch.setattr(prompts, "confirm", lambda message, default=False, **kw: answers.pop(0))
    make_plan(ctx)
    since = ctx.now().date() - timedelta(days=2)
    make_customer(ctx, "07911123456", since=str(since))
    buf = io.StringIO()
    console = Console(ctx, Output(buf, buf, colour=False))
    before = since - timedelta(days=1)
    answers += ["07911123456", "out", "07400123456", f"{before} 10:00", f"{since} 10:00", "duration", "60",
                "y", True]
    run_action(console, collection.log_call)
    assert refused == [f"+447911123456 was not a customer on {before} (since {since})"]
    assert "saved call" in buf.getvalue()
    customers.close_customer(ctx, "07911123456")
    answers += ["07911123456", str(before), str(ctx.now().date() - timedelta(days=1))]
    run_action(console, admin.edit_customer)
    c = customers.get_customer(ctx, "07911123456")
    assert (c["created_on"], c["closed_on"]) == (before, ctx.now().date() - timedelta(days=1))
