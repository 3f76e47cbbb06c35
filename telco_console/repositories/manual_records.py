"""manual_records: the short numbers of records logged one at a time, and undoing one."""
from __future__ import annotations

from datetime import datetime, timedelta

from telco_console.repositories import rollups
from telco_console.repositories.base import execute, fetch_all, fetch_one, insert

TABLES = {"call": "calls", "sms": "sms", "data": "data_sessions"}


def add(conn, kind: str, source_ref: str, started_at: datetime, customer_id: int, username: str,
        at: datetime) -> int:
    return insert(conn, "INSERT INTO manual_records (kind, source_ref, started_at, customer_id, logged_by,"
                        " logged_at) VALUES (%s, %s, %s, %s, %s, %s)",
                  (kind, source_ref, started_at, customer_id, username, at))


def get(conn, number: int, lock: bool = False) -> dict | None:
    return fetch_one(conn, "SELECT m.*, c.msisdn, c.name, c.region FROM manual_records m"
                           " JOIN customers c ON c.id = m.customer_id WHERE m.id = %s"
                     + (" FOR UPDATE" if lock else ""), (number,))


def record(conn, entry: dict) -> dict | None:
    """The call, SMS or data session row an entry points at (None once it is undone)."""
    table = TABLES[entry["kind"]]
    return fetch_one(conn, f"SELECT * FROM {table} WHERE source = 'manual' AND source_ref = %s"
                           f" AND started_at = %s", (entry["source_ref"], entry["started_at"]))


def billed_period(conn, customer_id: int, period: str) -> bool:
    return bool(fetch_all(conn, "SELECT 1 FROM bills WHERE customer_id = %s AND period = %s LIMIT 1",
                          (customer_id, period)))


def remove(conn, entry: dict, username: str, at: datetime) -> int:
    """Delete the record and recount exactly the rollup rows it was counted in (its customer's
    day and month, its hour in the customer's region), in the caller's transaction."""
    table = TABLES[entry["kind"]]
    n = execute(conn, f"DELETE FROM {table} WHERE source = 'manual' AND source_ref = %s AND started_at = %s",
                (entry["source_ref"], entry["started_at"]))
    started = entry["started_at"]
    recount_customer_hour(conn, entry["customer_id"], entry["region"], started)
    execute(conn, "UPDATE manual_records SET undone_by = %s, undone_at = %s WHERE id = %s",
            (username, at, entry["id"]))
    return n


def recount_customer_hour(conn, customer_id: int, region: str, at: datetime) -> None:
    """Recount usage_daily (customer, day), usage_monthly (customer, month) and usage_hourly (day,
    hour, region) from the records: each reads one customer's day, or one hour, through an index."""
    day = at.date()
    hour = at.replace(minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    execute(conn, "DELETE FROM usage_daily WHERE customer_id = %s AND day = %s", (customer_id, day))
    where = "t.customer_id = %s AND t.started_at >= %s AND t.started_at < %s + INTERVAL 1 DAY"
    execute(conn, f"INSERT INTO usage_daily (customer_id, day, {', '.join(rollups.DAILY_COLS)}) "
            + rollups._recount_daily_sql(where), (customer_id, day, day) * 3)
    execute(conn, "DELETE FROM usage_hourly WHERE day = %s AND hour = %s AND region = %s",
            (day, hour.hour, region))
    where = "t.started_at >= %s AND t.started_at < %s + INTERVAL 1 HOUR AND c.region = %s"
    execute(conn, f"INSERT INTO usage_hourly (day, hour, region, {', '.join(rollups.HOURLY_COLS)}) "
            + rollups._recount_hourly_sql(where), (hour, hour, region) * 3)
    execute(conn, "DELETE FROM usage_monthly WHERE customer_id = %s AND month = %s", (customer_id, month))
    execute(conn, f"INSERT INTO usage_monthly (customer_id, month, {', '.join(rollups.DAILY_COLS)}) "
            + rollups._monthly_from_daily_sql("customer_id = %s AND day >= %s AND day < %s"),
            (customer_id, month, next_month))


def recent(conn, since: datetime, username: str | None, limit: int = 50, region: str | None = None) -> list[dict]:
    """Records logged since `since`, of one user's and of one region's customers when given."""
    where, params = ["m.logged_at >= %s"], [since]
    if username:
        where.append("m.logged_by = %s")
        params.append(username)
    if region is not None:
        where.append("c.region = %s")
        params.append(region)
    return fetch_all(conn, "SELECT m.*, c.msisdn, c.name FROM manual_records m JOIN customers c"
                           " ON c.id = m.customer_id WHERE " + " AND ".join(where) + " ORDER BY m.id DESC LIMIT %s",
                     params + [limit])
