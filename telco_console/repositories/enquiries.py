"""enquiries: customer care questions, their answers and closing."""
from __future__ import annotations

from datetime import datetime

from telco_console.repositories.base import execute, fetch_all, fetch_one, insert

SELECT = ("SELECT e.*, c.msisdn, c.name, c.region FROM enquiries e JOIN customers c ON c.id = e.customer_id")


def add(conn, customer_id: int, subject: str, body: str, at: datetime, username: str) -> int:
    return insert(conn, "INSERT INTO enquiries (customer_id, subject, body, created_at, created_by)"
                        " VALUES (%s, %s, %s, %s, %s)", (customer_id, subject, body, at, username))


def by_id(conn, enquiry_id: int, for_update: bool = False) -> dict | None:
    return fetch_one(conn, SELECT + " WHERE e.id = %s" + (" FOR UPDATE" if for_update else ""), (enquiry_id,))


def find(conn, status: str | None = None, region: str | None = None, customer_id: int | None = None) -> list[dict]:
    where, params = [], []
    if status == "unclosed":
        where.append("e.status <> 'closed'")
    elif status:
        where.append("e.status = %s")
        params.append(status)
    if region is not None:
        where.append("c.region = %s")
        params.append(region)
    if customer_id is not None:
        where.append("e.customer_id = %s")
        params.append(customer_id)
    return fetch_all(conn, SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY e.created_at, e.id",
                     params)


def answer(conn, enquiry_id: int, text: str, at: datetime, username: str) -> None:
    execute(conn, "UPDATE enquiries SET answer = %s, answered_at = %s, answered_by = %s, status = 'answered'"
                  " WHERE id = %s", (text, at, username, enquiry_id))


def close(conn, enquiry_id: int, at: datetime, username: str) -> None:
    execute(conn, "UPDATE enquiries SET status = 'closed', closed_at = %s, closed_by = %s WHERE id = %s",
            (at, username, enquiry_id))
