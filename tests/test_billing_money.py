"""Issue 14 (money): dates reach SQL as dates in both driver modes, late usage is billed once on the
next bill, a period that has not ended is billed only when forced, the minor unit is one the money
columns hold, and an overpayment settles the oldest unpaid bill before it becomes a credit."""
from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal

import mysql.connector
import pytest

from billing_support import add_calls, add_sms, set_clock
from helpers import make_customer, make_plan, make_user
from telco_console.config import load_config
from telco_console.context import SYSTEM, AppContext
from telco_console.db.pool import Database
from telco_console.errors import ConfigError, ValidationError
from telco_console.repositories import rollups, usage
from telco_console.repositories.base import fetch_all, fetch_one, fetch_value
from telco_console.services import customers, maintenance
from telco_console.services.billing import billrun, payments, statements

D = Decimal
FLAT = dict(code="FLAT", name="Flat", monthly_fee="15.00", included_minutes=0, included_sms=0, included_mb=0,
            peak_rate="0.1000", offpeak_rate="0.0500", sms_rate="0.1000", mb_rate="0.0100", increment_seconds=60)


@pytest.fixture(params=["c-extension", "pure-python"])
def driver_ctx(request, config, clean_db, monkeypatch):
    """An admin context whose connections use the connector's C extension, or its pure-Python
    protocol (the two send parameters differently)."""
    pure = request.param == "pure-python"
    if not pure and not mysql.connector.HAVE_CEXT:
        pytest.skip("the connector's C extension is not installed")
    args = Database.connect_args
    monkeypatch.setattr(Database, "connect_args", lambda self: {**args(self), "use_pure": pure})
    db = Database(config)
    with db.connection() as conn:
        assert type(conn).__name__ == ("MySQLConnection" if pure else "CMySQLConnection")
    yield AppContext(config, db, SYSTEM, progress=False)
    db.close()


def _lines(ctx, number: str) -> list[tuple]:
    return [(ln["kind"], ln["description"], ln["amount"]) for ln in ctx.db.run(
        fetch_all, "SELECT l.kind, l.description, l.amount FROM bill_lines l JOIN bills b ON b.id = l.bill_id"
                   " WHERE b.bill_number = %s ORDER BY l.line_no", (number,))]


# -- defect 1: dates -------------------------------------------------------------------------------

def test_every_date_parameter_reaches_the_server_zero_padded(driver_ctx):
    def probe(conn):
        cur = conn.cursor()
        cur.execute("SELECT %s, %s, LEAST(%s, '2026-11-23'), GREATEST(%s, '2026-10-01')",
                    (date(2026, 9, 30), datetime(2026, 9, 3, 4, 5, 6), date(2026, 9, 30), date(2026, 9, 30)))
        row = cur.fetchone()
        cur.execute("SELECT %(d)s", {"d": date(2026, 1, 2)})
        named = cur.fetchone()
        cur.execute("CREATE TEMPORARY TABLE probe_dates (d VARCHAR(20))")
        cur.executemany("INSERT INTO probe_dates VALUES (%s)", [(date(2026, 2, 3),), (date(2026, 12, 4),)])
        cur.execute("SELECT d FROM probe_dates ORDER BY d")
        many = cur.fetchall()
        cur.execute("DROP TEMPORARY TABLE probe_dates")
        return row, named, many
    row, named, many = driver_ctx.db.run(probe)
    assert [str(v) for v in row] == ["2026-09-30", "2026-09-03 04:05:06", "2026-09-30", "2026-10-01"]
    assert named == ("2026-01-02",) and many == [("2026-02-03",), ("2026-12-04",)]


def test_a_customer_closing_in_november_pays_one_septembers_fee(driver_ctx):
    """Issue 14, defect 1: with the C extension, date(2026, 9, 30) reached LEAST() as '2026-9-30',
    and September's fee of a customer closing on 23 November was 42.00 (84 days) instead of 15.00."""
    ctx = driver_ctx
    make_plan(ctx, **FLAT)
    make_customer(ctx, "+447911000001", plan="FLAT", since="2026-01-01")
    make_customer(ctx, "+447911000002", name="Bo", plan="FLAT", since="2026-09-11")      # joins mid-month
    customers.close_customer(ctx, "+447911000001", on=date(2026, 11, 23))
    for month in ("2026-09", "2026-02", "2026-10"):
        billrun.run(ctx, month)
    assert _lines(ctx, "2026-09-000001") == [("subscription", "Monthly fee", D("15.00")),
                                             ("tax", "Tax at 20%", D("3.00"))]
    assert _lines(ctx, "2026-09-000002")[0] == ("subscription", "Monthly fee, 20 of 30 days", D("10.00"))
    assert _lines(ctx, "2026-02-000001")[0] == ("subscription", "Monthly fee", D("15.00"))
    assert _lines(ctx, "2026-10-000001")[0] == ("subscription", "Monthly fee", D("15.00"))
    nov = billrun.run(ctx, "2026-11", dry=True, force=True)
    assert nov.bills == 2 and nov.subtotal == D("11.50") + D("15.00")     # 23 of 30 days, and a full month


# -- defect 5: late usage ---------------------------------------------------------------------------

@pytest.fixture
def september_billed(ctx):
    make_plan(ctx, **FLAT)
    c = make_customer(ctx, plan="FLAT", since="2026-01-01")
    add_calls(ctx, c["id"], [("2026-09-07 10:00:00", 60)])               # Monday peak: 0.10
    assert billrun.run(ctx, "2026-09").bills == 1
    return c


def test_late_usage_goes_on_the_next_bill_once(ctx, september_billed):
    """Issue 14, defect 5: records for a period already billed were never billed."""
    c = september_billed
    add_calls(ctx, c["id"], [("2026-09-08 10:00:00", 90), ("2026-09-12 10:00:00", 60)])  # 0.20 peak, 0.05 Sat
    add_sms(ctx, c["id"], 2, when="2026-09-20 09:00:00")                                     # 0.20
    assert billrun.run(ctx, "2026-09").bills == 0                  # the period itself: nothing new
    billrun.run(ctx, "2026-10")
    assert _lines(ctx, "2026-10-000001") == [
        ("subscription", "Monthly fee", D("15.00")), ("late_usage", "Usage of 2026-09 received late", D("0.45")),
        ("tax", "Tax at 20%", D("3.09"))]
    oct_bill = ctx.db.run(fetch_one, "SELECT * FROM bills WHERE period = '2026-10'")
    assert (oct_bill["subtotal"], oct_bill["total"]) == (D("15.45"), D("18.54"))
    period = ctx.db.run(fetch_value, "SELECT usage_period FROM bill_lines WHERE kind = 'late_usage'")
    assert period == "2026-09"
    set_clock(ctx, datetime(2027, 1, 3, 9, 0))
    billrun.run(ctx, "2026-11")
    billrun.run(ctx, "2026-12")
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bill_lines WHERE kind = 'late_usage'") == 1
    add_calls(ctx, c["id"], [("2026-09-30 23:59:59", 1), ("2026-11-02 21:00:00", 120)])  # two periods late
    assert billrun.run(ctx, "2027-01", force=True).bills == 1
    assert _lines(ctx, "2027-01-000001")[1:3] == [
        ("late_usage", "Usage of 2026-09 received late", D("0.05")),   # Wednesday 23:59: off-peak, 1 minute
        ("late_usage", "Usage of 2026-11 received late", D("0.10"))]


def test_late_usage_waits_for_the_customers_next_bill(ctx, september_billed):
    c = september_billed
    other = make_customer(ctx, "+447911000009", name="New", plan="FLAT", since="2026-09-20")
    add_calls(ctx, c["id"], [("2026-09-08 10:00:00", 60)])                 # late, 0.10
    make_customer(ctx, "+447911000010", name="Newer", plan="FLAT", since="2026-09-25")
    billrun.run(ctx, "2026-09")                     # bills the two new customers, not the first one
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bill_lines WHERE kind = 'late_usage'") == 0
    billrun.run(ctx, "2026-10")
    late = ctx.db.run(fetch_all, "SELECT b.customer_id, l.amount FROM bill_lines l JOIN bills b ON b.id = l.bill_id"
                                 " WHERE l.kind = 'late_usage'")
    assert late == [{"customer_id": c["id"], "amount": D("0.10")}]
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bills WHERE customer_id = %s", (other["id"],)) == 2


def test_usage_rated_with_the_period_allowance_and_plan_of_its_bill(ctx):
    """Late usage is the period re-rated minus what was billed: an earlier late call uses the
    allowance first and pushes the billed call beyond it (allowance in chronological order)."""
    make_plan(ctx, **{**FLAT, "included_minutes": 1})
    make_plan(ctx, **{**FLAT, "code": "DEAR", "name": "Dear", "peak_rate": "9.0000"})
    c = make_customer(ctx, plan="FLAT")
    add_calls(ctx, c["id"], [("2026-09-07 10:00:00", 60)])                 # within the allowance
    billrun.run(ctx, "2026-09")
    customers.edit_customer(ctx, c["msisdn"], plan="DEAR")                 # a new plan from October
    add_calls(ctx, c["id"], [("2026-09-01 21:00:00", 60)])                 # earlier, off-peak: takes the allowance
    billrun.run(ctx, "2026-10")
    assert _lines(ctx, "2026-10-000001")[1] == ("late_usage", "Usage of 2026-09 received late", D("0.10"))


def test_what_was_billed_survives_archive_and_restore(ctx, september_billed, tmp_path):
    c = september_billed
    file = maintenance.archive(ctx, "2026-10", tmp_path)[0].file
    add_calls(ctx, c["id"], [("2026-09-09 10:00:00", 60)])          # late, while September is archived
    billrun.run(ctx, "2026-10")                                       # waits for the month to come back
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bill_lines WHERE kind = 'late_usage'") == 0
    maintenance.restore_archive(ctx, file)
    set_clock(ctx, datetime(2026, 12, 1, 9, 0))
    billrun.run(ctx, "2026-11")
    assert _lines(ctx, "2026-11-000001")[1] == ("late_usage", "Usage of 2026-09 received late", D("0.10"))
    maintenance.restore_archive(ctx, file)                            # twice: adds nothing
    set_clock(ctx, datetime(2027, 1, 1, 9, 0))
    billrun.run(ctx, "2026-12")
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bill_lines WHERE kind = 'late_usage'") == 1


def test_an_import_committing_after_the_run_with_an_older_batch_id_is_billed_late(ctx, september_billed):
    """Batch ids are taken when an import starts and commits in any order: the run that rated
    without the slow import's rows bills them on the next bill."""
    c = september_billed
    slow = ctx.db.connection()
    conn = slow.__enter__()
    rows = [(c["id"], datetime(2026, 10, 5, 10, 0), "out", "+447700900000", 60, 60, 1, "ANSWERED", 0, "slow",
             "slow-1"),
            (c["id"], datetime(2026, 9, 15, 10, 0), "out", "+447700900000", 60, 60, 1, "ANSWERED", 0, "slow",
             "slow-2")]
    batch = rollups.new_batch(conn, "slow")                            # its id is taken first
    other = make_customer(ctx, "+447911000077", name="Other", plan="FLAT", since="2026-01-01")
    add_sms(ctx, other["id"], 1, when="2026-10-06 14:00:00")          # a later batch, committed first
    assert ctx.db.run(fetch_value, "SELECT MAX(id) FROM ingest_batches") > batch
    done = []
    t = threading.Thread(target=lambda: done.append(billrun.run(ctx, "2026-10")))
    t.start()
    usage.insert_rows(conn, "call", batch, rows)                       # while the run is under way
    t.join(60)
    assert done and done[0].bills == 2                                  # not blocked by the open import
    rollups.apply_batch(conn, batch)
    conn.commit()
    slow.__exit__(None, None, None)
    assert _lines(ctx, "2026-10-000001") == [("subscription", "Monthly fee", D("15.00")),
                                             ("tax", "Tax at 20%", D("3.00"))]
    assert _lines(ctx, "2026-10-000002")[1] == ("sms", "SMS beyond the allowance", D("0.10"))
    set_clock(ctx, datetime(2026, 12, 1, 9, 0))
    billrun.run(ctx, "2026-11")
    assert _lines(ctx, "2026-11-000001")[1:3] == [
        ("late_usage", "Usage of 2026-09 received late", D("0.10")),
        ("late_usage", "Usage of 2026-10 received late", D("0.10"))]


def test_dry_run_counts_the_late_usage(ctx, september_billed):
    add_calls(ctx, september_billed["id"], [("2026-09-08 10:00:00", 600)])   # 1.00
    r = billrun.run(ctx, "2026-10", dry=True)
    assert (r.subtotal, r.tax, r.total) == (D("16.00"), D("3.20"), D("19.20"))
    assert billrun.run(ctx, "2026-10").total == D("19.20")


# -- defect 5: a period that has not ended ----------------------------------------------------------

def test_a_period_not_yet_ended_is_refused_unless_forced(ctx, run_cli):
    make_plan(ctx)
    make_customer(ctx)
    make_user(ctx, "boss", "admin")
    auth = dict(user="boss", password="correct-horse-9")
    now = ctx.now()
    current = f"{now:%Y-%m}"
    for extra in ((), ("--dry-run",)):
        code, out, err = run_cli("bill", "run", "--period", current, *extra, **auth)
        assert code == 1 and f"period {current} has not ended yet" in err and "--force" in err
        assert len(err.strip().splitlines()) == 1
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bills") == 0
    code, out, err = run_cli("bill", "run", "--period", current, "--dry-run", "--force", **auth)
    assert code == 0 and "dry run" in out
    code, out, err = run_cli("bill", "run", "--period", current, "--force", **auth)
    assert code == 0 and ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bills") == 1
    set_clock(ctx, datetime(2026, 10, 31, 23, 59, 59))                 # the last second of October
    with pytest.raises(ValidationError, match="2026-10 has not ended yet"):
        billrun.run(ctx, "2026-10")
    set_clock(ctx, datetime(2026, 11, 1, 0, 0))
    assert billrun.run(ctx, "2026-10").bills == 1


# -- defect 6: minor unit and overpayment ----------------------------------------------------------

@pytest.mark.parametrize("digits", ["3", "4"])
def test_a_minor_unit_the_money_columns_cannot_hold_is_refused(tmp_path, digits):
    """Issue 14, defect 6: minor_unit 3 and 4 were accepted, and 0.018 was stored as 0.02."""
    p = tmp_path / "c.ini"
    p.write_text(f"[operator]\nminor_unit = {digits}\n")
    with pytest.raises(ConfigError, match="amounts are stored with 2 decimals"):
        load_config(p, environ={})
    empty = tmp_path / "empty.ini"
    empty.write_text("")
    with pytest.raises(ConfigError, match="TELCO_OPERATOR_MINOR_UNIT"):
        load_config(empty, environ={"TELCO_OPERATOR_MINOR_UNIT": digits})
    assert load_config(empty, environ={"TELCO_OPERATOR_MINOR_UNIT": "0"}).get("operator", "minor_unit") == 0


def test_overpayment_settles_the_oldest_unpaid_bill_then_becomes_a_credit(ctx, run_cli):
    make_plan(ctx)                                                     # 12.00 a month with tax
    c = make_customer(ctx)
    for month in ("2026-08", "2026-09", "2026-10"):
        billrun.run(ctx, month)
    payments.pay(ctx, "2026-09-000001", "2.00", "card", "PART")       # September: 10.00 still due
    assert payments.overpayment(ctx, "2026-10-000001", "30.00") == D("0.00")
    r = payments.pay(ctx, "2026-10-000001", "30.00", "bank", "BIG")   # 12.00 here, then August, then September
    assert r.settled == [("2026-08-000001", D("12.00")), ("2026-09-000001", D("6.00"))] and r.credit == 0
    due = {b["bill_number"]: (b["status"], b["amount_due"]) for b in ctx.db.run(fetch_all, statements_sql())}
    assert due == {"2026-08-000001": ("paid", D("0.00")), "2026-09-000001": ("partially_paid", D("4.00")),
                   "2026-10-000001": ("paid", D("0.00"))}
    assert payments.overpayment(ctx, "2026-09-000001", "10.00") == D("6.00")
    with pytest.raises(ValidationError, match=r"6\.00 more than the 4\.00 due"):
        payments.pay(ctx, "2026-09-000001", "10.00", "card", "MORE")
    r = payments.pay(ctx, "2026-09-000001", "10.00", "card", "MORE", accept_credit=True)
    assert (r.settled, r.credit, r.status) == ([], D("6.00"), "paid")
    st = statements.statement(ctx, c["msisdn"])
    assert st.rows[-1][-1] == D("-6.00")                          # 36.00 billed, 42.00 paid
    assert "open credit for the next bill 6.00" in st.notes[0]
    billrun.run(ctx, "2026-07")
    b = ctx.db.run(fetch_one, "SELECT * FROM bills WHERE period = '2026-07'")
    assert (b["credit_applied"], b["status"]) == (D("6.00"), "partially_paid")   # the open credit went there
    billrun.run(ctx, "2026-06")
    make_user(ctx, "boss", "admin")
    code, out, err = run_cli("bill", "pay", "2026-07-000001", "18.00", "--method", "card", "--reference", "CLI",
                             user="boss", password="correct-horse-9")
    assert code == 0 and "12.00 settled older bill 2026-06-000001" in out, err


def statements_sql() -> str:
    return "SELECT bill_number, status, total - credit_applied - amount_paid AS amount_due FROM bills"


def test_late_calls_of_a_plan_rated_by_a_deck(ctx, tmp_path):
    from test_billing_destinations import add_calls as add_numbered_calls
    from test_billing_destinations import deck_file

    from telco_console.services.billing import rates

    rates.import_csv(ctx, deck_file(tmp_path), "RETAIL")
    make_plan(ctx, **{**FLAT, "code": "DECK", "name": "Decked", "deck": "RETAIL"})
    c = make_customer(ctx, plan="DECK")
    add_numbered_calls(ctx, c["id"], [("2026-09-07 12:00:00", 7, "+12125550100")])     # 12 s at 0.07: 0.014
    billrun.run(ctx, "2026-09")
    assert _lines(ctx, "2026-09-000001")[1][2] == D("0.01")
    add_numbered_calls(ctx, c["id"], [("2026-09-05 07:00:00", 61, "+33612345678")])    # off-peak: 0.05 + 0.40
    billrun.run(ctx, "2026-10")
    assert _lines(ctx, "2026-10-000001")[1] == ("late_usage", "Usage of 2026-09 received late", D("0.45"))
    set_clock(ctx, datetime(2026, 12, 1, 9, 0))
    billrun.run(ctx, "2026-11")
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bill_lines WHERE kind = 'late_usage'") == 1
