"""payments and customer_credits."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from telco_console.repositories.base import fetch_all, fetch_one, insert


def by_reference(conn, reference: str) -> dict | None:
    return fetch_one(conn, "SELECT p.*, b.bill_number FROM payments p JOIN bills b ON b.id = p.bill_id"
                           " WHERE p.reference = %s", (reference,))


def add(conn, bill_id: int, customer_id: int, amount: Decimal, method: str, reference: str, at: datetime,
        username: str) -> int:
    return insert(conn, "INSERT INTO payments (bill_id, customer_id, amount, method, reference, paid_at, recorded_by)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                  (bill_id, customer_id, amount, method, reference, at, username))


def for_customer(conn, customer_id: int) -> list[dict]:
    return fetch_all(conn, "SELECT p.*, b.bill_number FROM payments p JOIN bills b ON b.id = p.bill_id"
                           " WHERE p.customer_id = %s ORDER BY p.paid_at, p.id", (customer_id,))


def for_bill(conn, bill_id: int) -> list[dict]:
    return fetch_all(conn, "SELECT * FROM payments WHERE bill_id = %s ORDER BY paid_at, id", (bill_id,))


def add_credit(conn, customer_id: int, amount: Decimal, reason: str, at: datetime,
               payment_id: int | None = None, applied_bill_id: int | None = None) -> int:
    """A credit: open for the next bill, or already applied to applied_bill_id (then at `at`)."""
    return insert(conn, "INSERT INTO customer_credits (customer_id, amount, reason, payment_id, created_at,"
                        " applied_bill_id, applied_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                  (customer_id, amount, reason, payment_id, at, applied_bill_id,
                   at if applied_bill_id is not None else None))


def credits_for(conn, customer_id: int) -> list[dict]:
    return fetch_all(conn, "SELECT * FROM customer_credits WHERE customer_id = %s ORDER BY created_at, id",
                     (customer_id,))
