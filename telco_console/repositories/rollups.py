"""Rollups kept current as records arrive: usage_daily (per customer per day), usage_monthly (per
customer per month: the same sums as usage_daily's days of that month) and usage_hourly (per day,
hour and region). apply_batch() adds exactly the rows one ingest batch inserted, in the same
transaction as the insert; rebuild() recounts a range; differences() proves them equal to a full
recount (usage_monthly equal to the sums of usage_daily, which equals a recount)."""
from __future__ import annotations

from datetime import date, timedelta

from telco_console.applications import APPS
from telco_console.repositories.base import execute, fetch_all, insert
from telco_console.timeutil import next_month

# per application, the bytes (DL + UL) of the sessions that recorded it: NULL when none did
APP_COLS = tuple(f"{a}_bytes" for a in APPS)
DAILY_COLS = ("calls_out", "calls_in", "calls_answered_out", "call_seconds_out", "call_seconds_in",
              "calls_international", "sms_out", "sms_in", "data_sessions", "data_duration_ms",
              "bytes_dl", "bytes_ul", *APP_COLS)
# the first day of a record's month, and of a usage_daily row's month
MONTH_OF_RECORD = "(DATE(t.started_at) - INTERVAL (DAYOFMONTH(t.started_at) - 1) DAY)"
MONTH_OF_DAY = "(day - INTERVAL (DAYOFMONTH(day) - 1) DAY)"
HOURLY_COLS = ("calls", "call_seconds", "sms", "data_sessions", "bytes_total")

# per source table: the daily columns it feeds, as SELECT expressions
_DAILY = {
    "calls": {"calls_out": "SUM(t.direction = 'out')", "calls_in": "SUM(t.direction = 'in')",
              "calls_answered_out": "SUM(t.direction = 'out' AND t.answered = 1)",
              "call_seconds_out": "SUM(IF(t.direction = 'out', t.billsec, 0))",
              "call_seconds_in": "SUM(IF(t.direction = 'in', t.billsec, 0))",
              "calls_international": "SUM(t.international)"},
    "sms": {"sms_out": "SUM(t.direction = 'out')", "sms_in": "SUM(t.direction = 'in')"},
    "data_sessions": {"data_sessions": "COUNT(*)", "data_duration_ms": "SUM(t.duration_ms)",
                      "bytes_dl": "SUM(t.bytes_dl)", "bytes_ul": "SUM(t.bytes_ul)",
                      **{f"{a}_bytes": f"SUM(t.{a}_dl + t.{a}_ul)" for a in APPS}},
}
_HOURLY = {
    "calls": {"calls": "COUNT(*)", "call_seconds": "SUM(t.billsec)"},
    "sms": {"sms": "COUNT(*)"},
    "data_sessions": {"data_sessions": "COUNT(*)", "bytes_total": "SUM(t.bytes_dl + t.bytes_ul)"},
}


def new_batch(conn, source: str, import_id: int | None = None) -> int:
    """An id for one write of usage records (every inserted row carries it)."""
    return insert(conn, "INSERT INTO ingest_batches (source, import_id) VALUES (%s, %s)", (source, import_id))


def add_to(col: str) -> str:
    """The ON DUPLICATE KEY UPDATE term adding a new row's value to a rollup column: NULL-aware
    for the application columns (NULL + NULL stays NULL, NULL + x is x, as SUM)."""
    if col in APP_COLS:
        return f"{col} = IF(VALUES({col}) IS NULL, {col}, COALESCE({col}, 0) + VALUES({col}))"
    return f"{col} = {col} + VALUES({col})"


def upsert_terms(cols) -> str:
    return ", ".join(add_to(c) for c in cols)


# each record table's index on batch_id
BATCH_INDEX = {"calls": "ix_calls_batch", "sms": "ix_sms_batch", "data_sessions": "ix_data_batch"}


def apply_batch(conn, batch_id: int) -> None:
    """Add the rows of one batch to the rollups (call inside the batch's transaction). The batch
    is read through its batch_id index: left to itself, the optimizer may walk all of a customer's
    records (customers first), which grows with the table."""
    for table, cols in _DAILY.items():
        names = ", ".join(cols)
        exprs = ", ".join(cols.values())
        execute(conn, f"INSERT INTO usage_daily (customer_id, day, {names})"
                      f" SELECT t.customer_id, DATE(t.started_at), {exprs}"
                      f" FROM {table} t FORCE INDEX ({BATCH_INDEX[table]})"
                      f" WHERE t.batch_id = %s GROUP BY t.customer_id, DATE(t.started_at)"
                      f" ON DUPLICATE KEY UPDATE {upsert_terms(cols)}", (batch_id,))
        execute(conn, monthly_from_batch_sql(table), (batch_id,))
    for table, cols in _HOURLY.items():
        names = ", ".join(cols)
        exprs = ", ".join(cols.values())
        execute(conn, f"INSERT INTO usage_hourly (day, hour, region, {names})"
                      f" SELECT DATE(t.started_at), HOUR(t.started_at), c.region, {exprs}"
                      f" FROM {table} t FORCE INDEX ({BATCH_INDEX[table]})"
                      f" STRAIGHT_JOIN customers c ON c.id = t.customer_id"
                      f" WHERE t.batch_id = %s GROUP BY DATE(t.started_at), HOUR(t.started_at), c.region"
                      f" ON DUPLICATE KEY UPDATE {upsert_terms(cols)}", (batch_id,))


def monthly_from_batch_sql(table: str) -> str:
    """INSERT ... SELECT adding one batch's rows of `table` to usage_monthly (param: batch id)."""
    cols = _DAILY[table]
    names, exprs = ", ".join(cols), ", ".join(cols.values())
    return (f"INSERT INTO usage_monthly (customer_id, month, {names})"
            f" SELECT t.customer_id, {MONTH_OF_RECORD}, {exprs}"
            f" FROM {table} t FORCE INDEX ({BATCH_INDEX[table]})"
            f" WHERE t.batch_id = %s GROUP BY t.customer_id, {MONTH_OF_RECORD}"
            f" ON DUPLICATE KEY UPDATE {upsert_terms(cols)}")


def _monthly_from_daily_sql(where: str) -> str:
    """Per customer and month, the sums of usage_daily rows matching `where` (on column day)."""
    sums = ", ".join(f"SUM({c}) AS {c}" for c in DAILY_COLS)
    return (f"SELECT customer_id, {MONTH_OF_DAY} AS month, {sums} FROM usage_daily"
            f" WHERE {where} GROUP BY customer_id, {MONTH_OF_DAY}")


def _month_range(day_from: date | None, day_to: date | None) -> tuple[str, str, list]:
    """The whole months holding [day_from, day_to]: (where on usage_monthly.month, where on
    usage_daily.day, params)."""
    first = day_from.replace(day=1) if day_from else None
    last = None
    if day_to:
        last = next_month(day_to) - timedelta(days=1)
    _, on_day, params = _range(first, last)
    return on_day.replace("day", "month"), on_day, params


def rebuild_monthly(conn, day_from: date | None = None, day_to: date | None = None) -> None:
    """Recount usage_monthly, from usage_daily, for the whole months holding [day_from, day_to]."""
    mon, day, params = _month_range(day_from, day_to)
    execute(conn, f"DELETE FROM usage_monthly WHERE {mon}", params)
    execute(conn, f"INSERT INTO usage_monthly (customer_id, month, {', '.join(DAILY_COLS)}) "
            + _monthly_from_daily_sql(day), params)


def monthly_differences(conn, day_from: date | None = None, day_to: date | None = None,
                        limit: int = 20) -> list[dict]:
    """Rows of usage_monthly, in the whole months holding [day_from, day_to], that differ from the
    sums of usage_daily (both directions): customer_id, day (the month's first day), problem."""
    mon, day, params = _month_range(day_from, day_to)
    neq = " OR ".join(f"NOT (r.{c} <=> u.{c})" for c in DAILY_COLS)
    out = fetch_all(conn, f"SELECT r.customer_id, r.month AS day,"
                          f" IF(u.customer_id IS NULL, 'missing from the rollup', 'differs from the daily sums')"
                          f" AS problem FROM ({_monthly_from_daily_sql(day)}) r LEFT JOIN usage_monthly u"
                          f" ON u.customer_id = r.customer_id AND u.month = r.month"
                          f" WHERE u.customer_id IS NULL OR {neq} LIMIT {int(limit)}", params)
    out += fetch_all(conn, f"SELECT u.customer_id, u.month AS day, 'in the rollup but no daily rows' AS problem"
                           f" FROM usage_monthly u LEFT JOIN ({_monthly_from_daily_sql(day)}) r"
                           f" ON u.customer_id = r.customer_id AND u.month = r.month"
                           f" WHERE {mon.replace('month', 'u.month')} AND r.customer_id IS NULL LIMIT {int(limit)}",
                     params * 2)
    return [dict(r, rollup="usage_monthly") for r in out]


def _recount_daily_sql(where: str) -> str:
    parts = []
    for table, cols in _DAILY.items():
        sel = ", ".join(f"{cols.get(c, 'NULL' if c in APP_COLS else '0')} AS {c}" for c in DAILY_COLS)
        parts.append(f"SELECT t.customer_id, DATE(t.started_at) AS day, {sel} FROM {table} t"
                     f" WHERE {where} GROUP BY t.customer_id, DATE(t.started_at)")
    sums = ", ".join(f"SUM({c}) AS {c}" for c in DAILY_COLS)
    return f"SELECT customer_id, day, {sums} FROM ({' UNION ALL '.join(parts)}) u GROUP BY customer_id, day"


def _recount_hourly_sql(where: str) -> str:
    # records first, then their customer: left to itself the optimizer starts from customers and
    # reads every record of each customer through (customer_id, ...) to keep one month's, so a
    # month's recount read the whole table (13 months of 10 M calls: over 20 minutes)
    parts = []
    for table, cols in _HOURLY.items():
        sel = ", ".join(f"{cols.get(c, '0')} AS {c}" for c in HOURLY_COLS)
        parts.append(f"SELECT DATE(t.started_at) AS day, HOUR(t.started_at) AS hour, c.region, {sel}"
                     f" FROM {table} t STRAIGHT_JOIN customers c ON c.id = t.customer_id WHERE {where}"
                     f" GROUP BY DATE(t.started_at), HOUR(t.started_at), c.region")
    sums = ", ".join(f"SUM({c}) AS {c}" for c in HOURLY_COLS)
    return f"SELECT day, hour, region, {sums} FROM ({' UNION ALL '.join(parts)}) u GROUP BY day, hour, region"


def _range(day_from: date | None, day_to: date | None) -> tuple[str, str, list]:
    """(where on records, where on rollups, params)"""
    rec, roll, params = ["1=1"], ["1=1"], []
    if day_from:
        rec.append("t.started_at >= %s")
        roll.append("day >= %s")
        params.append(day_from)
    if day_to:
        rec.append("t.started_at < %s + INTERVAL 1 DAY")
        roll.append("day <= %s")
        params.append(day_to)
    return " AND ".join(rec), " AND ".join(roll), params


def rebuild(conn, day_from: date | None = None, day_to: date | None = None) -> None:
    """Recount the rollups for a range of days (all days when no range) from the records."""
    rec, roll, params = _range(day_from, day_to)
    execute(conn, f"DELETE FROM usage_daily WHERE {roll}", params)
    execute(conn, f"DELETE FROM usage_hourly WHERE {roll}", params)
    execute(conn, f"INSERT INTO usage_daily (customer_id, day, {', '.join(DAILY_COLS)}) "
            + _recount_daily_sql(rec), params * 3)
    execute(conn, f"INSERT INTO usage_hourly (day, hour, region, {', '.join(HOURLY_COLS)}) "
            + _recount_hourly_sql(rec), params * 3)
    rebuild_monthly(conn, day_from, day_to)


def differences(conn, limit: int = 20) -> list[dict]:
    """Rows where the rollups differ from a full recount (empty when they agree)."""
    out: list[dict] = []
    rec, _, _ = _range(None, None)
    daily_neq = " OR ".join(f"NOT (r.{c} <=> u.{c})" for c in DAILY_COLS)
    out += [dict(r, rollup="usage_daily") for r in fetch_all(
        conn, f"SELECT r.customer_id, r.day, 'recount has a row the rollup lacks or differs' AS problem"
              f" FROM ({_recount_daily_sql(rec)}) r LEFT JOIN usage_daily u"
              f" ON u.customer_id = r.customer_id AND u.day = r.day"
              f" WHERE u.customer_id IS NULL OR {daily_neq} LIMIT {int(limit)}")]
    out += [dict(r, rollup="usage_daily") for r in fetch_all(
        conn, f"SELECT u.customer_id, u.day, 'rollup has a row with no records' AS problem FROM usage_daily u"
              f" LEFT JOIN ({_recount_daily_sql(rec)}) r ON u.customer_id = r.customer_id AND u.day = r.day"
              f" WHERE r.customer_id IS NULL LIMIT {int(limit)}")]
    hourly_neq = " OR ".join(f"NOT (r.{c} <=> u.{c})" for c in HOURLY_COLS)
    out += [dict(r, rollup="usage_hourly") for r in fetch_all(
        conn, f"SELECT r.day, r.hour, r.region, 'recount has a row the rollup lacks or differs' AS problem"
              f" FROM ({_recount_hourly_sql(rec)}) r LEFT JOIN usage_hourly u"
              f" ON u.day = r.day AND u.hour = r.hour AND u.region = r.region"
              f" WHERE u.day IS NULL OR {hourly_neq} LIMIT {int(limit)}")]
    out += [dict(r, rollup="usage_hourly") for r in fetch_all(
        conn, f"SELECT u.day, u.hour, u.region, 'rollup has a row with no records' AS problem"
              f" FROM usage_hourly u LEFT JOIN ({_recount_hourly_sql(rec)}) r"
              f" ON u.day = r.day AND u.hour = r.hour AND u.region = r.region"
              f" WHERE r.day IS NULL LIMIT {int(limit)}")]
    out += monthly_differences(conn, limit=limit)
    return out
