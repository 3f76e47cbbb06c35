"""reminders and deliveries."""
from __future__ import annotations

from datetime import date, datetime

from telco_console.repositories.base import fetch_all

REMINDER_SELECT = ("SELECT r.id, r.bill_id, r.level, r.as_of, r.amount_due, r.created_at, r.outbox_path,"
                   " b.bill_number, b.due_date, b.period, c.id AS customer_id, c.msisdn, c.name, c.email, c.region"
                   " FROM reminders r JOIN bills b ON b.id = r.bill_id JOIN customers c ON c.id = b.customer_id")


def create_due(conn, as_of: date, level_days: list[int], at: datetime) -> int:
    """One reminder per unpaid bill at the highest level its lateness has reached, unless a
    reminder of that level or higher exists (set-based; the unique key forbids a level twice)."""
    cases = " ".join(f"WHEN DATEDIFF(%(as_of)s, b.due_date) >= {int(d)} THEN {i}"
                     for i, d in reversed(list(enumerate(level_days, 1))))
    cur = conn.cursor()
    cur.execute(f"""
INSERT IGNORE INTO reminders (bill_id, level, as_of, amount_due, created_at)
SELECT x.id, x.lvl, %(as_of)s, x.due, %(at)s FROM (
  SELECT b.id, CASE {cases} END AS lvl, b.total - b.credit_applied - b.amount_paid AS due
  FROM bills b
  WHERE b.status IN ('issued', 'partially_paid') AND b.total - b.credit_applied - b.amount_paid > 0
    AND DATEDIFF(%(as_of)s, b.due_date) >= %(first)s
) x
WHERE NOT EXISTS (SELECT 1 FROM reminders r WHERE r.bill_id = x.id AND r.level >= x.lvl)""",
                dict(as_of=as_of, at=at, first=int(level_days[0])))
    n = cur.rowcount
    cur.close()
    return n


def unwritten(conn) -> list[dict]:
    return fetch_all(conn, REMINDER_SELECT + " WHERE r.outbox_path IS NULL ORDER BY r.id")


def set_paths(conn, paths: list[tuple[str, int]]) -> None:
    if paths:
        cur = conn.cursor()
        cur.executemany("UPDATE reminders SET outbox_path = %s WHERE id = %s", paths)
        cur.close()


def find(conn, bill_number: str | None = None, region: str | None = None, customer_id: int | None = None) -> list[dict]:
    where, params = [], []
    if bill_number:
        where.append("b.bill_number = %s")
        params.append(bill_number)
    if region is not None:
        where.append("c.region = %s")
        params.append(region)
    if customer_id is not None:
        where.append("c.id = %s")
        params.append(customer_id)
    return fetch_all(conn, REMINDER_SELECT + (" WHERE " + " AND ".join(where) if where else "")
                     + " ORDER BY r.created_at, r.id", params)


def record_deliveries(conn, rows: list[tuple]) -> None:
    """rows: (kind, ref_id, channel, recipient, sent_at, status, detail)."""
    if rows:
        cur = conn.cursor()
        cur.executemany("INSERT INTO deliveries (kind, ref_id, channel, recipient, sent_at, status, detail)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
        cur.close()


def deliveries(conn, kind: str | None = None, ref_id: int | None = None) -> list[dict]:
    where, params = [], []
    if kind:
        where.append("kind = %s")
        params.append(kind)
    if ref_id is not None:
        where.append("ref_id = %s")
        params.append(ref_id)
    return fetch_all(conn, "SELECT * FROM deliveries" + (" WHERE " + " AND ".join(where) if where else "")
                     + " ORDER BY id", params)
