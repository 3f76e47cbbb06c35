"""Bulk writes for the demo data set: many customers in one statement."""
from __future__ import annotations

from collections.abc import Sequence

from telco_console.repositories.base import fetch_value

CUSTOMER_COLS = ("msisdn", "name", "email", "region", "plan_id", "handset", "status", "created_on", "closed_on")


def customer_count(conn) -> int:
    return fetch_value(conn, "SELECT COUNT(*) FROM customers")


def insert_customers(conn, rows: Sequence[Sequence]) -> int:
    """Insert customers (tuples in CUSTOMER_COLS order) in multi-row statements."""
    if not rows:
        return 0
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO customers ({', '.join(CUSTOMER_COLS)}) "
                    f"VALUES ({', '.join(['%s'] * len(CUSTOMER_COLS))})", [tuple(r) for r in rows])
    n = cur.rowcount
    cur.close()
    return n
