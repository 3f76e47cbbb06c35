"""Payments, adjustments and credits. A bill's lines are never edited: a correction is a new
adjustment line (which changes the bill's total) or a credit for the next bill.

Status: issued -> partially_paid -> paid, from total - credit_applied - amount_paid; 'overdue' is
computed when shown (statements.shown_status). What a payment brings beyond the bill's amount due
settles the customer's other unpaid bills, oldest first (as Kill Bill applies account payments);
what is left after that becomes a credit applied to the customer's next bill, accepted only when
the caller says so (the CLI asks, or takes --accept-credit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from telco_console import money
from telco_console.errors import DuplicateError, ValidationError
from telco_console.repositories import bills as bills_repo
from telco_console.repositories import payments as payments_repo
from telco_console.services.billing.statements import get_bill, resolve_customer

METHODS = ("card", "cash", "bank", "direct_debit", "cheque", "other")


def parse_amount(text, what: str = "the amount", minor: int = 2, allow_negative: bool = False,
                 separator: str = "point") -> Decimal:
    """A payment, credit or adjustment: the one money parser (telco_console.money), non-zero,
    under 1,000,000,000; a comma or an exponent is refused, never dropped."""
    return money.parse_money(text, what, minor, allow_zero=False, allow_negative=allow_negative,
                             maximum=Decimal("1000000000"), separator=separator)


def status_for(total: Decimal, credit: Decimal, paid: Decimal) -> str:
    if total - credit - paid <= 0:
        return "paid"
    return "partially_paid" if paid > 0 or credit > 0 else "issued"


@dataclass
class PaymentResult:
    bill_number: str
    payment_id: int
    amount: Decimal
    applied: Decimal
    credit: Decimal
    status: str
    amount_due: Decimal
    settled: list = field(default_factory=list)    # [(bill number, amount)] of older bills settled


def _settlement(conn, bill: dict, excess: Decimal) -> tuple[list[tuple[dict, Decimal]], Decimal]:
    """How an excess settles the customer's other unpaid bills, oldest first: [(bill, amount)]
    and what is left for a credit."""
    plan = []
    for other in bills_repo.unpaid_of_customer(conn, bill["customer_id"], bill["id"]):
        if excess <= 0:
            break
        take = min(excess, other["amount_due"])
        plan.append((other, take))
        excess -= take
    return plan, excess


def overpayment(ctx, number: str, amount) -> Decimal:
    """How much of a payment would be left as a credit (0 when none) once the bill and the customer's
    other unpaid bills are settled: for asking before paying."""
    amt = parse_amount(amount, minor=ctx.config.get("operator", "minor_unit"), separator=money.separator_of(ctx))
    bill = get_bill(ctx, number)
    excess = max(Decimal("0.00"), amt - max(bill["amount_due"], Decimal("0.00")))
    if excess <= 0:
        return excess
    return ctx.db.run(lambda conn: _settlement(conn, bill, excess)[1])


def pay(ctx, number: str, amount, method: str, reference: str, accept_credit: bool = False) -> PaymentResult:
    ctx.check("bill.pay")
    minor = ctx.config.get("operator", "minor_unit")
    amt = parse_amount(amount, minor=minor, separator=money.separator_of(ctx))
    method = (method or "").strip().lower()
    if method not in METHODS:
        raise ValidationError(f"unknown payment method '{method}': use one of {', '.join(METHODS)}")
    reference = (reference or "").strip()
    if not reference or len(reference) > 80:
        raise ValidationError("a payment reference of 1 to 80 characters is required")

    def do(conn):
        bill = get_bill(ctx, number, conn, for_update=True)
        if bill["status"] == "void":
            raise ValidationError(f"bill {bill['bill_number']} is void and takes no payments")
        dup = payments_repo.by_reference(conn, reference)
        if dup:
            raise DuplicateError(f"reference {reference} was already used for a payment of {dup['amount']} "
                                 f"on bill {dup['bill_number']}")
        due = max(bill["amount_due"], Decimal("0.00"))
        if due == 0:
            raise ValidationError(f"bill {bill['bill_number']} is already paid")
        applied = min(amt, due)
        settle, excess = _settlement(conn, bill, amt - applied) if amt > applied else ([], Decimal("0.00"))
        if excess > 0 and not accept_credit:
            older = sum((a for _, a in settle), Decimal("0.00"))
            also = f" and the {older} due on the customer's older bills" if settle else ""
            raise ValidationError(f"{amt} is {excess} more than the {due} due on bill {bill['bill_number']}{also}; "
                                  "confirm to keep the excess as a credit for the next bill")
        now = ctx.now()
        pid = payments_repo.add(conn, bill["id"], bill["customer_id"], amt, method, reference, now,
                                ctx.user.username)
        paid = bill["amount_paid"] + applied
        status = status_for(bill["total"], bill["credit_applied"], paid)
        bills_repo.set_amounts(conn, bill["id"], bill["total"], paid, status)
        for other, take in settle:
            payments_repo.add_credit(conn, bill["customer_id"], take,
                                     f"overpayment of bill {bill['bill_number']} ({reference}) settling bill "
                                     f"{other['bill_number']}", now, pid, applied_bill_id=other["id"])
            bills_repo.add_credit_applied(conn, other["id"], take,
                                          status_for(other["total"], other["credit_applied"] + take,
                                                     other["amount_paid"]))
        if excess > 0:
            payments_repo.add_credit(conn, bill["customer_id"], excess,
                                     f"overpayment of bill {bill['bill_number']} ({reference})", now, pid)
        ctx.audit(conn, "bill.pay", bill["bill_number"], f"{amt} {method} {reference}"
                  + "".join(f"; {t} to {o['bill_number']}" for o, t in settle))
        return PaymentResult(bill["bill_number"], pid, amt, applied, excess, status,
                             bill["total"] - bill["credit_applied"] - paid,
                             [(o["bill_number"], t) for o, t in settle])

    return ctx.db.run(do)


def adjust(ctx, number: str, amount, reason: str) -> dict:
    """Add an adjustment line (positive or negative, tax included) to an issued bill."""
    ctx.check("bill.adjust")
    amt = parse_amount(amount, minor=ctx.config.get("operator", "minor_unit"), allow_negative=True,
                       separator=money.separator_of(ctx))
    reason = (reason or "").strip()
    if not reason or len(reason) > 180:
        raise ValidationError("a reason of 1 to 180 characters is required")

    def do(conn):
        bill = get_bill(ctx, number, conn, for_update=True)
        if bill["status"] == "void":
            raise ValidationError(f"bill {bill['bill_number']} is void")
        total = bill["total"] + amt
        if total < bill["credit_applied"] + bill["amount_paid"]:
            raise ValidationError(f"an adjustment of {amt} would take the total below what has been paid "
                                  f"({bill['credit_applied'] + bill['amount_paid']}); give a credit instead")
        no = bills_repo.add_line(conn, bill["id"], "adjustment", f"Adjustment: {reason}", amt, ctx.user.username)
        status = status_for(total, bill["credit_applied"], bill["amount_paid"])
        bills_repo.set_amounts(conn, bill["id"], total, bill["amount_paid"], status)
        ctx.audit(conn, "bill.adjust", bill["bill_number"], f"{amt}: {reason}")
        return {"bill_number": bill["bill_number"], "line_no": no, "total": total, "status": status}

    return ctx.db.run(do)


def credit(ctx, msisdn: str, amount, reason: str) -> dict:
    """A credit (goodwill, correction) for a customer, applied to their next bill."""
    ctx.check("bill.credit")
    amt = parse_amount(amount, minor=ctx.config.get("operator", "minor_unit"), separator=money.separator_of(ctx))
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationError("a reason of 1 to 200 characters is required")

    def do(conn):
        cust = resolve_customer(ctx, conn, msisdn)
        if cust is None:
            raise ValidationError("the customer's MSISDN is required")
        cid = payments_repo.add_credit(conn, cust["id"], amt, reason, ctx.now())
        ctx.audit(conn, "bill.credit", cust["msisdn"], f"{amt}: {reason}")
        return {"id": cid, "msisdn": cust["msisdn"], "amount": amt}

    return ctx.db.run(do)
