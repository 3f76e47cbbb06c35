"""Bills as reports: the bill list (with a totals row), one bill as an invoice, a customer's
statement (bills, payments, credits, balance). Who may see what is decided here:
admin all, regional its own region, customer its own account (ctx.user.customer_id)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from telco_console.errors import NotFoundError, PermissionDenied, ValidationError
from telco_console.phone import normalise_msisdn
from telco_console.reporting.report import Column, Report
from telco_console.repositories import bills as bills_repo
from telco_console.repositories import customers as customers_repo
from telco_console.repositories import payments as payments_repo
from telco_console.timeutil import Period

STATUSES = ("issued", "partially_paid", "paid", "void", "overdue")


def shown_status(bill: dict, today: date) -> str:
    """The stored status, or 'overdue' for an unpaid bill past its due date (computed, never stored)."""
    if bill["status"] in ("issued", "partially_paid") and bill["due_date"] < today and bill["amount_due"] > 0:
        return "overdue"
    return bill["status"]


def check_bill_access(ctx, bill: dict) -> None:
    ctx.check_customer({"id": bill["customer_id"], "region": bill["region"]})


def get_bill(ctx, number: str, conn=None, for_update: bool = False) -> dict:
    ctx.check("bill.show")
    number = (number or "").strip()
    if not number:
        raise ValidationError("a bill number is required (e.g. 2026-10-000001)")
    bill = (bills_repo.by_number(conn, number, for_update) if conn is not None
            else ctx.db.run(bills_repo.by_number, number))
    if not bill:
        raise NotFoundError(f"no bill {number}")
    check_bill_access(ctx, bill)
    return bill


def resolve_customer(ctx, conn, msisdn: str | None) -> dict | None:
    """The customer a request is about: the signed-in customer's own account for the customer role."""
    if ctx.user.role == "customer":
        cust = customers_repo.by_id(conn, ctx.user.customer_id)
        if msisdn and cust and normalise_msisdn(msisdn, ctx.region) != cust["msisdn"]:
            raise PermissionDenied("a customer account sees its own number only")
        return cust
    if not msisdn:
        return None
    number = normalise_msisdn(msisdn, ctx.region)
    cust = customers_repo.by_msisdn(conn, number)
    if not cust:
        raise NotFoundError(f"no customer with number {number}")
    ctx.check_customer(cust)
    return cust


def list_bills(ctx, period: str | None = None, status: str | None = None, region: str | None = None,
               customer: str | None = None, overdue: bool = False, as_of: date | None = None) -> Report:
    ctx.check("bill.list")
    if period:
        period = str(Period.parse(period))
    if status and status not in STATUSES:
        raise ValidationError(f"unknown status '{status}': use one of {', '.join(STATUSES)}")
    today = as_of or ctx.now().date()
    if status == "overdue":
        overdue, status = True, None
    region = ctx.narrow_region(region)

    def do(conn):
        cust = resolve_customer(ctx, conn, customer)
        return bills_repo.find(conn, period, status, region, cust["id"] if cust else None,
                               today if overdue else None)

    rows = ctx.db.run(do)
    report = Report("Bills", [Column("Number"), Column("Period"), Column("MSISDN"), Column("Customer"),
                              Column("Region"), Column("Issued", "date"), Column("Due", "date"),
                              Column("Total", "money"), Column("Credit", "money"), Column("Paid", "money"),
                              Column("Due now", "money"), Column("Status")],
                    filters={"period": period, "status": status or ("overdue" if overdue else None),
                             "region": region, "customer": customer},
                    empty_message="no bills for these filters")
    z = Decimal("0.00")
    tot = [z, z, z, z]
    for b in rows:
        report.rows.append([b["bill_number"], b["period"], b["msisdn"], b["name"], b["region"],
                            b["issued_at"].date(), b["due_date"], b["total"], b["credit_applied"],
                            b["amount_paid"], b["amount_due"], shown_status(b, today)])
        for i, k in enumerate(("total", "credit_applied", "amount_paid", "amount_due")):
            tot[i] += b[k]
    if rows:
        report.totals = [f"{len(rows)} bills", "", "", "", "", None, None, *tot, ""]
    return report


def invoice(ctx, number: str) -> Report:
    """One bill as an invoice: header, lines, and the amounts due."""
    bill = get_bill(ctx, number)
    lines = ctx.db.run(bills_repo.lines, bill["id"])
    today = ctx.now().date()
    r = Report(f"Invoice {bill['bill_number']}",
               [Column("No", "int"), Column("Item"), Column("Quantity", "decimal", 3), Column("Unit"),
                Column("Unit price", "decimal", 4), Column("Amount", "money")],
               filters={"customer": f"{bill['name']} ({bill['msisdn']})", "plan": bill["plan_code"],
                        "period": bill["period"], "issued": str(bill["issued_at"].date()),
                        "due": str(bill["due_date"]), "status": shown_status(bill, today)})
    for ln in lines:
        # a destination line sums calls at several prices: minutes and amount, no single unit price
        r.rows.append([ln["line_no"], ln["description"], ln["quantity"], ln["unit"],
                       None if ln["kind"] == "destination" else ln["unit_price"], ln["amount"]])
    r.totals = ["", "Total", None, "", None, bill["total"]]
    r.notes.append(f"Total {bill['total']}; credit applied {bill['credit_applied']}; "
                   f"paid {bill['amount_paid']}; amount due {bill['amount_due']}")
    return r


def statement(ctx, msisdn: str | None = None) -> Report:
    """A customer's account: bills and payments in date order with a running balance."""
    ctx.check("bill.statement")

    def do(conn):
        cust = resolve_customer(ctx, conn, msisdn)
        if cust is None:
            raise ValidationError("a statement needs the customer's MSISDN")
        return (cust, bills_repo.find(conn, customer_id=cust["id"]),
                payments_repo.for_customer(conn, cust["id"]), payments_repo.credits_for(conn, cust["id"]))

    cust, bills, pays, credits = ctx.db.run(do)
    events = []
    for b in bills:
        events.append((b["issued_at"], 0, "bill", b["bill_number"], b["total"]))
    for p in pays:
        events.append((p["paid_at"], 2, f"payment ({p['method']})", f"{p['bill_number']} {p['reference']}",
                       -p["amount"]))
    for c in credits:
        if c["payment_id"] is None and not c["reason"].startswith("credit remaining"):
            events.append((c["created_at"], 3, "credit", c["reason"], -c["amount"]))
    events.sort(key=lambda e: (e[0], e[1]))
    r = Report(f"Statement for {cust['name']} ({cust['msisdn']})",
               [Column("Date", "datetime"), Column("Item"), Column("Reference"), Column("Amount", "money"),
                Column("Balance", "money")], empty_message="no bills or payments yet")
    bal = Decimal("0.00")
    for when, _, item, ref, amount in events:
        bal += amount
        r.rows.append([when, item, ref, amount, bal])
    open_credit = sum((c["amount"] for c in credits if c["applied_bill_id"] is None), Decimal("0.00"))
    state = "owed by the customer" if bal > 0 else "in the customer's favour" if bal < 0 else "settled"
    r.notes.append(f"Balance {bal} ({state}); open credit for the next bill {open_credit}")
    return r
