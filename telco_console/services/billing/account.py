"""Self-service for the customer role: own plan, bills, payments, call details and usage so far.
Every function reads the account from ctx.user.customer_id, never from an argument."""
from __future__ import annotations

from decimal import Decimal

from telco_console.errors import NotFoundError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import bills as bills_repo
from telco_console.repositories import customers as customers_repo
from telco_console.repositories import payments as payments_repo
from telco_console.repositories import plans as plans_repo
from telco_console.services.billing import rating
from telco_console.timeutil import Period


def _me(ctx, conn) -> dict:
    ctx.check("account.view")
    cust = customers_repo.by_id(conn, ctx.user.customer_id) if ctx.user.customer_id else None
    if not cust:
        raise NotFoundError("this account is not linked to a customer")
    return cust


def my_plan(ctx) -> Report:
    def do(conn):
        cust = _me(ctx, conn)
        return cust, plans_repo.by_id(conn, cust["plan_id"])

    cust, p = ctx.db.run(do)
    r = Report(f"My plan: {p['name']} ({p['code']})", [Column("Item"), Column("Value")])
    r.rows += [["Number", cust["msisdn"]], ["Monthly fee", str(p["monthly_fee"])],
               ["Included minutes", str(p["included_minutes"])], ["Included SMS", str(p["included_sms"])],
               ["Included MB", str(p["included_mb"])], ["Peak rate per minute", str(p["peak_rate"])],
               ["Off-peak rate per minute", str(p["offpeak_rate"])], ["Rate per SMS", str(p["sms_rate"])],
               ["Rate per MB", str(p["mb_rate"])], ["Billing increment (s)", str(p["increment_seconds"])]]
    return r


def my_payments(ctx) -> Report:
    def do(conn):
        return payments_repo.for_customer(conn, _me(ctx, conn)["id"])

    rows = ctx.db.run(do)
    r = Report("My payments", [Column("Paid", "datetime"), Column("Bill"), Column("Amount", "money"),
                               Column("Method"), Column("Reference")], empty_message="no payments yet")
    for p in rows:
        r.rows.append([p["paid_at"], p["bill_number"], p["amount"], p["method"], p["reference"]])
    if rows:
        r.totals = ["", "", sum((p["amount"] for p in rows), Decimal("0.00")), "", ""]
    return r


def my_calls(ctx, period: str | None = None) -> Report:
    p = Period.parse(period) if period else Period(ctx.now().year, ctx.now().month)

    def do(conn):
        return bills_repo.call_details(conn, _me(ctx, conn)["id"], p.start, p.end)

    rows = ctx.db.run(do)
    r = Report(f"My calls in {p}", [Column("Started", "datetime"), Column("Direction"), Column("Number"),
                                    Column("Seconds", "int"), Column("Billable s", "int"), Column("Result")],
               empty_message="no calls in this period")
    for c in rows:
        r.rows.append([c["started_at"], c["direction"], c["other_party"], c["duration_s"], c["billsec"],
                       c["disposition"] or ("answered" if c["answered"] else "not answered")])
    if len(rows) == 500:
        r.notes.append("the first 500 calls are shown")
    return r


def my_usage(ctx, period: str | None = None) -> Report:
    """Usage in a period and what it costs so far, rated by the billing engine (nothing written)."""
    p = Period.parse(period) if period else Period(ctx.now().year, ctx.now().month)

    def do(conn):
        cust = _me(ctx, conn)
        return rating.rate_customers(conn, p, None, [cust["id"]], tax_rate=ctx.config.get("billing", "tax_rate"),
                                     minor=ctx.config.get("operator", "minor_unit")).get(cust["id"])

    x = ctx.db.run(do)
    r = Report(f"My usage in {p}", [Column("Item"), Column("Used"), Column("Charged beyond allowance"),
                                    Column("Amount", "money")], empty_message="no usage in this period")
    if x:
        r.rows += [["Monthly fee", f"{x.days_active} days", "", x.fee_amount],
                   ["Calls (rounded minutes)", f"{Decimal(x.call_s) / 60:.1f}",
                    f"peak {Decimal(x.peak_s) / 60:.1f}, off-peak {Decimal(x.offpeak_s) / 60:.1f}",
                    x.peak_amount + x.offpeak_amount],
                   ["SMS sent", str(x.sms_sent), str(x.sms_n), x.sms_amount],
                   ["Data (MB)", f"{Decimal(x.bytes_used) / 1000000:.1f}", str(x.mb_n), x.data_amount],
                   ["Tax", "", "", x.tax]]
        r.totals = ["Total so far", "", "", x.total]
    return r
