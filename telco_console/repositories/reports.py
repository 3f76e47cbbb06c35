"""SQL of the reports (services/reports): every aggregation happens here, in the database.

Usage figures come from the rollups (usage_monthly per customer and month for the whole months of
a range, usage_daily per customer and day, usage_hourly per day, hour and region) wherever the
report allows; only per-customer hour profiles, call details and the xDR reports read raw records
(through indexes where one fits)."""
from __future__ import annotations

from datetime import date, timedelta

from telco_console.applications import APPS
from telco_console.repositories.base import fetch_all, fetch_one, fetch_rows
from telco_console.timeutil import next_month

# usage_daily/usage_monthly sums per customer: alias -> SQL expression. Whole numbers come back
# as integers (a SUM is a DECIMAL, which costs the driver a Decimal per value)
DAILY_SUMS = {alias: f"CAST(SUM({expr}) AS SIGNED)" for alias, expr in {
    "calls_out": "d.calls_out", "calls_in": "d.calls_in",
    "seconds_out": "d.call_seconds_out", "seconds_in": "d.call_seconds_in",
    "sms_out": "d.sms_out", "sms_in": "d.sms_in",
    "bytes": "d.bytes_dl + d.bytes_ul", "sessions": "d.data_sessions",
    "duration_ms": "d.data_duration_ms",
}.items()}


def _daily_where(day_from, day_to, region, customer_id, alias="d", column="day"):
    where, params = [], []
    if day_from:
        where.append(f"{alias}.{column} >= %s")
        params.append(day_from)
    if day_to:
        where.append(f"{alias}.{column} <= %s")
        params.append(day_to)
    if customer_id is not None:
        where.append(f"{alias}.customer_id = %s")
        params.append(customer_id)
    if region is not None:
        where.append(f"{alias}.customer_id IN (SELECT id FROM customers WHERE region = %s)")
        params.append(region)
    return (" WHERE " + " AND ".join(where)) if where else "", params


def _raw_where(day_from, day_to, region, customer_id, alias="t"):
    where, params = [], []
    if day_from:
        where.append(f"{alias}.started_at >= %s")
        params.append(day_from)
    if day_to:
        where.append(f"{alias}.started_at < %s")
        params.append(day_to + timedelta(days=1))
    if customer_id is not None:
        where.append(f"{alias}.customer_id = %s")
        params.append(customer_id)
    if region is not None:
        where.append(f"{alias}.customer_id IN (SELECT id FROM customers WHERE region = %s)")
        params.append(region)
    return (" WHERE " + " AND ".join(where)) if where else "", params


def _periods(day_from, day_to):
    return (f"{day_from:%Y-%m}" if day_from else "0000-00", f"{day_to:%Y-%m}" if day_to else "9999-99")


def whole_months(day_from, day_to) -> tuple[date | None, date | None] | None:
    """The whole calendar months inside [day_from, day_to] (either end open) as (first month's
    first day or None, first day after the last month or None), or None when no whole month fits."""
    lo = None
    if day_from:
        lo = day_from if day_from.day == 1 else next_month(day_from)
    hi = None
    if day_to:
        after = day_to + timedelta(days=1)
        hi = after if after.day == 1 else day_to.replace(day=1)
    if lo and hi and lo >= hi:
        return None
    return lo, hi


def _usage_parts(day_from, day_to, region, customer_id) -> list[tuple[str, str, list]]:
    """Where the per-customer usage of [day_from, day_to] is read: usage_monthly for the whole
    months inside the range, usage_daily for the days of the months the range cuts, both cut
    months in one pass (a pass over usage_daily costs the same for one day or thirty: it walks
    the primary key, in customer order, rather than look up each day's rows). A list of
    (table, where, params) with alias d."""
    whole = whole_months(day_from, day_to)
    if whole is None:
        return [("usage_daily", *_daily_where(day_from, day_to, region, customer_id))]
    lo, hi = whole
    parts = [("usage_monthly", *_daily_where(lo, hi - timedelta(days=1) if hi else None, region, customer_id,
                                             column="month"))]
    cut = []
    if day_from and day_from < lo:
        cut.append((day_from, lo - timedelta(days=1)))
    if day_to and hi and day_to >= hi:
        cut.append((hi, day_to))
    if cut:
        where, params = _daily_where(None, None, region, customer_id)
        days = " OR ".join("d.day BETWEEN %s AND %s" for _ in cut)
        where = (where + " AND " if where else " WHERE ") + f"({days})"
        parts.append(("usage_daily", where, params + [d for pair in cut for d in pair]))
    return parts


def _per_customer_sql(parts, sums: dict[str, str]) -> tuple[str, list]:
    """Per customer, the sums (alias -> SQL expression over alias d) of the rows _usage_parts
    names: one GROUP BY, or one per part added up (whole months and cut days)."""
    select = ", ".join(f"{expr} AS {alias}" for alias, expr in sums.items())
    if len(parts) == 1:
        table, where, params = parts[0]
        return f"SELECT d.customer_id, {select} FROM {table} d{where} GROUP BY d.customer_id", params
    inner = " UNION ALL ".join(f"SELECT d.customer_id, {select} FROM {table} d{where} GROUP BY d.customer_id"
                               for table, where, _ in parts)
    outer = ", ".join(f"CAST(SUM(d.{alias}) AS SIGNED) AS {alias}" for alias in sums)
    return (f"SELECT d.customer_id, {outer} FROM ({inner}) d GROUP BY d.customer_id",
            [p for _, _, params in parts for p in params])


def usage_per_customer_sql(day_from=None, day_to=None, region=None, customer_id=None):
    """The bare aggregate behind the usage reports: per customer, the sums of usage_monthly over
    the whole months of the range and of usage_daily over the days around them."""
    return _per_customer_sql(_usage_parts(day_from, day_to, region, customer_id), DAILY_SUMS)


# display units computed in SQL, rounded half up (as services/reports/common.py rounds in Python)
# with integer arithmetic, so no intermediate rounding of a division can tip a result
def minutes_sql(seconds: str) -> str:
    return f"CAST(({seconds} + 3) DIV 6 / 10 AS DECIMAL(20,1))"


def mb_sql(nbytes: str) -> str:
    return f"CAST(({nbytes} + 5000) DIV 10000 / 100 AS DECIMAL(20,2))"


def hours_sql(ms: str) -> str:
    return f"CAST(({ms} + 180000) DIV 360000 / 10 AS DECIMAL(20,1))"


# sort keys offered by the usage reports -> (the measure over the per-customer sums u and their
# spend b, the same in the display unit)
MEASURES = {
    "calls": ("u.calls_out + u.calls_in", "u.calls_out + u.calls_in"),
    "minutes": ("u.seconds_out + u.seconds_in", minutes_sql("u.seconds_out + u.seconds_in")),
    "sms": ("u.sms_out + u.sms_in", "u.sms_out + u.sms_in"),
    "data": ("u.bytes", mb_sql("u.bytes")),
    "sessions": ("u.sessions", "u.sessions"),
    "duration": ("u.duration_ms", hours_sql("u.duration_ms")),
    "spend": ("COALESCE(b.spend, 0)", "CAST(COALESCE(b.spend, 0) AS DECIMAL(14,2))"),
}
SORT_KEYS = tuple(MEASURES)
# the usage summary's columns, in the units its table shows
USAGE_COLUMNS = ("msisdn", "name", "region", "calls_out", "calls_in", "minutes_out", "minutes_in", "sms_out",
                 "sms_in", "data_mb", "sessions", "session_hours", "spend")


def _usage_from(day_from, day_to, region, customer_id, with_spend: bool) -> tuple[str, list]:
    """FROM clause: the per-customer sums u, their customer c and (with_spend) their spend b,
    bills.total of the months in the range, not void. STRAIGHT_JOIN (in the SELECT) keeps this
    order: the sums are computed once, then each row looks up its customer and spend (MariaDB
    would otherwise walk the customers and compute each one's sums and spend as a lateral
    subquery, 2x slower at 10,000 customers)."""
    inner, params = usage_per_customer_sql(day_from, day_to, region, customer_id)
    sql = f" FROM ({inner}) u JOIN customers c ON c.id = u.customer_id"
    if with_spend:
        p_from, p_to = _periods(day_from, day_to)
        sql += (" LEFT JOIN (SELECT customer_id, SUM(total) AS spend FROM bills"
                " WHERE period BETWEEN %s AND %s AND status <> 'void' GROUP BY customer_id) b"
                " ON b.customer_id = u.customer_id")
        params = params + [p_from, p_to]
    return sql, params


def usage_report_sql(day_from=None, day_to=None, region=None, customer_id=None, sort: str = "calls",
                     limit: int | None = None) -> tuple[str, list]:
    """The customer usage summary, complete: per customer USAGE_COLUMNS (minutes, MB and hours
    rounded in SQL; spend 0.00 without bills), sorted descending by a SORT_KEYS measure, then by
    number."""
    measure, _ = MEASURES[sort]
    frm, params = _usage_from(day_from, day_to, region, customer_id, with_spend=True)
    sql = (f"SELECT STRAIGHT_JOIN c.msisdn, c.name, c.region, u.calls_out, u.calls_in,"
           f" {minutes_sql('u.seconds_out')} AS minutes_out, {minutes_sql('u.seconds_in')} AS minutes_in,"
           f" u.sms_out, u.sms_in, {mb_sql('u.bytes')} AS data_mb, u.sessions,"
           f" {hours_sql('u.duration_ms')} AS session_hours, {MEASURES['spend'][1]} AS spend"
           f"{frm} ORDER BY {measure} DESC, c.msisdn")
    if limit:
        sql += " LIMIT %s"
        params = params + [int(limit)]
    return sql, params


def usage_report(conn, day_from=None, day_to=None, region=None, customer_id=None, sort: str = "calls",
                 limit: int | None = None) -> list[tuple]:
    """Rows of usage_report_sql, as tuples in USAGE_COLUMNS order."""
    return fetch_rows(conn, *usage_report_sql(day_from, day_to, region, customer_id, sort, limit))


def top_customers_sql(by: str, limit: int, day_from=None, day_to=None, region=None) -> tuple[str, list]:
    """The top `limit` customers by a SORT_KEYS measure: msisdn, name, region, the measure in its
    display unit (value) and its share of the measure summed over all matching customers (share,
    percent; NULL when that sum is 0)."""
    measure, shown = MEASURES[by]
    frm, params = _usage_from(day_from, day_to, region, None, with_spend=(by == "spend"))
    sql = (f"SELECT STRAIGHT_JOIN c.msisdn, c.name, c.region, {shown} AS value,"
           f" CAST(100 * ({measure}) / NULLIF(SUM({measure}) OVER (), 0) AS DOUBLE) AS share"
           f"{frm} ORDER BY {measure} DESC, c.msisdn LIMIT %s")
    return sql, params + [int(limit)]


def top_customers(conn, by: str, limit: int, day_from=None, day_to=None, region=None) -> list[tuple]:
    return fetch_rows(conn, *top_customers_sql(by, limit, day_from, day_to, region))


BUCKETS = {"day": "d.day", "week": "d.day - INTERVAL WEEKDAY(d.day) DAY",
           "month": "d.day - INTERVAL (DAYOFMONTH(d.day) - 1) DAY"}


def network_totals(conn, by: str, day_from=None, day_to=None, region=None) -> list[dict]:
    """Totals per day, week (from Monday) or month, with active customers (any usage)."""
    where, params = _daily_where(day_from, day_to, region, None)
    # usage_daily holds one row per customer and day with usage, so a day's active customers are its
    # rows. Grouping by the day index would read the table in index order (a lookup per row; a loose
    # index scan for COUNT(DISTINCT)): one sequential pass and a small temporary table is faster.
    active = "COUNT(*)" if by == "day" else "COUNT(DISTINCT d.customer_id)"
    return fetch_all(conn, f"SELECT {BUCKETS[by]} AS bucket, {_network_sums(active)} FROM usage_daily d"
                           f" IGNORE INDEX FOR GROUP BY (ix_usage_daily_day)"
                           f" IGNORE INDEX FOR ORDER BY (ix_usage_daily_day){where}"
                           f" GROUP BY bucket ORDER BY bucket", params)


def network_by_region(conn, day_from=None, day_to=None, region=None) -> list[dict]:
    # per customer first (streams along the primary key), then per region: a customer with any
    # usage row in the range is active
    inner, params = usage_per_customer_sql(day_from, day_to, region, None)
    return fetch_all(conn, "SELECT c.region AS bucket, SUM(u.calls_out + u.calls_in) AS calls,"
                           " SUM(u.seconds_out + u.seconds_in) AS seconds, SUM(u.sms_out + u.sms_in) AS sms,"
                           " SUM(u.sessions) AS sessions, SUM(u.bytes) AS bytes, COUNT(*) AS active"
                           f" FROM ({inner}) u JOIN customers c ON c.id = u.customer_id"
                           f" GROUP BY c.region ORDER BY c.region", params)


def _network_sums(active: str = "COUNT(DISTINCT d.customer_id)") -> str:
    return ("SUM(d.calls_out + d.calls_in) AS calls, SUM(d.call_seconds_out + d.call_seconds_in) AS seconds,"
            f" SUM(d.sms_out + d.sms_in) AS sms, SUM(d.data_sessions) AS sessions,"
            f" SUM(d.bytes_dl + d.bytes_ul) AS bytes, {active} AS active")


HOUR_MEASURES = ("calls", "seconds", "sms", "sessions", "bytes")


def hour_profile_sql(day_from=None, day_to=None, region=None):
    """Weekday x hour sums from usage_hourly (the benchmark's floor for peak hours)."""
    where, params = [], []
    if day_from:
        where.append("h.day >= %s")
        params.append(day_from)
    if day_to:
        where.append("h.day <= %s")
        params.append(day_to)
    if region is not None:
        where.append("h.region = %s")
        params.append(region)
    w = (" WHERE " + " AND ".join(where)) if where else ""
    sums = ", ".join(f"CAST(SUM(h.{col}) AS SIGNED) AS {alias}" for alias, col in (
        ("calls", "calls"), ("seconds", "call_seconds"), ("sms", "sms"), ("sessions", "data_sessions"),
        ("bytes", "bytes_total")))
    return f"SELECT WEEKDAY(h.day) AS wd, h.hour AS hr, {sums} FROM usage_hourly h{w} GROUP BY wd, hr", params


def hour_profile(conn, day_from=None, day_to=None, region=None, customer_id=None) -> list[tuple]:
    """Tuples (wd 0=Monday, hr, calls, seconds, sms, sessions, bytes), integers. One customer's
    profile is counted from the records through the (customer_id, started_at) indexes; otherwise
    from usage_hourly."""
    if customer_id is None:
        sql, params = hour_profile_sql(day_from, day_to, region)
        return fetch_rows(conn, sql, params)
    parts, params = [], []
    for table, measures in (("calls", "COUNT(*) AS calls, SUM(t.billsec) AS seconds, 0 AS sms, 0 AS sessions,"
                                      " 0 AS bytes"),
                            ("sms", "0, 0, COUNT(*), 0, 0"),
                            ("data_sessions", "0, 0, 0, COUNT(*), SUM(t.bytes_dl + t.bytes_ul)")):
        where, p = _raw_where(day_from, day_to, None, customer_id)
        parts.append(f"SELECT WEEKDAY(t.started_at) AS wd, HOUR(t.started_at) AS hr, {measures}"
                     f" FROM {table} t{where} GROUP BY wd, hr")
        params += p
    return fetch_rows(conn, "SELECT wd, hr, " + ", ".join(f"CAST(SUM({m}) AS SIGNED) AS {m}" for m in HOUR_MEASURES)
                           + " FROM ("
                           + " UNION ALL ".join(parts) + ") u GROUP BY wd, hr", params)


def activity(conn, customer_id: int, day_from=None, day_to=None) -> dict:
    """One customer's usage sums, bills, payments, enquiries and last activity."""
    where, params = _daily_where(day_from, day_to, None, customer_id)
    usage = fetch_one(conn, f"SELECT COUNT(*) AS days, {', '.join(f'{e} AS {a}' for a, e in DAILY_SUMS.items())}"
                            f" FROM usage_daily d{where}", params) or {}
    p_from, p_to = _periods(day_from, day_to)
    bills = fetch_one(conn, "SELECT COUNT(*) AS n, COALESCE(SUM(total), 0) AS total,"
                            " COALESCE(SUM(amount_paid), 0) AS paid FROM bills"
                            " WHERE customer_id = %s AND period BETWEEN %s AND %s AND status <> 'void'",
                      (customer_id, p_from, p_to))
    pw, pp = [], [customer_id]
    if day_from:
        pw.append("paid_at >= %s")
        pp.append(day_from)
    if day_to:
        pw.append("paid_at < %s")
        pp.append(day_to + timedelta(days=1))
    payments = fetch_one(conn, "SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS total FROM payments"
                               " WHERE customer_id = %s" + "".join(f" AND {w}" for w in pw), pp)
    enquiries = fetch_one(conn, "SELECT COUNT(*) AS n, COALESCE(SUM(status = 'open'), 0) AS open_n"
                                " FROM enquiries WHERE customer_id = %s", (customer_id,))
    last = fetch_one(conn, "SELECT (SELECT MAX(started_at) FROM calls WHERE customer_id = %s) AS c,"
                           " (SELECT MAX(started_at) FROM sms WHERE customer_id = %s) AS s,"
                           " (SELECT MAX(started_at) FROM data_sessions WHERE customer_id = %s) AS d",
                     (customer_id,) * 3) or {}
    times = [v for v in last.values() if v is not None]
    last_at = max(times) if times else None
    return {"usage": usage, "bills": bills, "payments": payments, "enquiries": enquiries, "last_at": last_at}


def daily_for_customer(conn, customer_id: int, day_from=None, day_to=None) -> list[dict]:
    where, params = _daily_where(day_from, day_to, None, customer_id)
    return fetch_all(conn, f"SELECT d.day, {', '.join(f'{e} AS {a}' for a, e in DAILY_SUMS.items())}"
                           f" FROM usage_daily d{where} GROUP BY d.day ORDER BY d.day", params)


def call_details(conn, customer_id: int, day_from=None, day_to=None, limit: int = 100) -> list[dict]:
    where, params = _raw_where(day_from, day_to, None, customer_id)
    return fetch_all(conn, f"SELECT t.started_at, t.direction, t.other_party, t.duration_s, t.billsec, t.answered,"
                           f" t.disposition, t.international FROM calls t{where}"
                           f" ORDER BY t.started_at DESC LIMIT %s", params + [int(limit)])


# ---- xDR (data_sessions) -------------------------------------------------------------------

def _xdr_where(day_from, day_to, region, customer_id):
    return _raw_where(day_from, day_to, region, customer_id)


def handset_counts_sql(day_from=None, day_to=None, region=None, customer_id=None):
    where, params = _xdr_where(day_from, day_to, region, customer_id)
    return (f"SELECT t.handset_manufacturer AS manufacturer, t.handset_type AS handset, COUNT(*) AS sessions"
            f" FROM data_sessions t{where} GROUP BY t.handset_manufacturer, t.handset_type", params)


def handset_counts(conn, day_from=None, day_to=None, region=None, customer_id=None) -> list[dict]:
    """Sessions per (manufacturer, handset): one pass over the ix_data_handset index (or the date
    range); the handsets report ranks these few rows."""
    sql, params = handset_counts_sql(day_from, day_to, region, customer_id)
    return fetch_all(conn, sql, params)


# the per-user xDR sums: alias -> usage_daily/usage_monthly column
XDR_SUMS = {"sessions": "data_sessions", "duration_ms": "data_duration_ms", "bytes_dl": "bytes_dl",
            "bytes_ul": "bytes_ul", **{a: f"{a}_bytes" for a in APPS}}


def xdr_per_user_sql(day_from=None, day_to=None, region=None, customer_id=None):
    """Per customer with data sessions in the range: sessions, total duration, DL, UL and each
    application's volume (DL + UL of the sessions that recorded it; NULL when none did), from the
    rollups: usage_monthly for the whole months, usage_daily for the days of the cut months (the
    sums the records give: tests/test_xdr_rollups.py)."""
    parts = [(table, (where + " AND " if where else " WHERE ") + "d.data_sessions > 0", params)
             for table, where, params in _usage_parts(day_from, day_to, region, customer_id)]
    return _per_customer_sql(parts, {alias: f"CAST(SUM(d.{col}) AS SIGNED)" for alias, col in XDR_SUMS.items()})


def xdr_per_user_raw_sql(day_from=None, day_to=None, region=None, customer_id=None):
    """The same per-user sums counted from the data sessions themselves (what the rollups save;
    `bench/reports.py` times both)."""
    where, params = _xdr_where(day_from, day_to, region, customer_id)
    apps = ", ".join(f"SUM(t.{a}_dl + t.{a}_ul) AS {a}" for a in APPS)
    return (f"SELECT t.customer_id, COUNT(*) AS sessions, SUM(t.duration_ms) AS duration_ms,"
            f" SUM(t.bytes_dl) AS bytes_dl, SUM(t.bytes_ul) AS bytes_ul, {apps}"
            f" FROM data_sessions t{where} GROUP BY t.customer_id", params)


XDR_ORDER = {"sessions": "u.sessions", "duration": "u.duration_ms", "volume": "u.bytes_dl + u.bytes_ul"}


def xdr_report_sql(day_from=None, day_to=None, region=None, customer_id=None, sort: str = "sessions",
                   limit: int | None = None) -> tuple[str, list]:
    """The complete SQL of xdr_per_user: the per-user sums with each user's number, ordered."""
    inner, params = xdr_per_user_sql(day_from, day_to, region, customer_id)
    sql = (f"SELECT STRAIGHT_JOIN c.msisdn, u.* FROM ({inner}) u JOIN customers c ON c.id = u.customer_id"
           f" ORDER BY {XDR_ORDER[sort]} DESC, c.msisdn")
    if limit:
        sql += " LIMIT %s"
        params = params + [int(limit)]
    return sql, params


def xdr_rows(conn, day_from=None, day_to=None, region=None, customer_id=None, sort: str = "sessions",
             limit: int | None = None) -> list[tuple]:
    """xdr_per_user as tuples: (msisdn, customer_id, *XDR_SUMS)."""
    return fetch_rows(conn, *xdr_report_sql(day_from, day_to, region, customer_id, sort, limit))


def xdr_per_user(conn, day_from=None, day_to=None, region=None, customer_id=None, sort: str = "sessions",
                 limit: int | None = None) -> list[dict]:
    """Per user: sessions, total duration, DL, UL and volume (DL + UL) per application. An
    application's volume is NULL for a user none of whose sessions recorded it."""
    return fetch_all(conn, *xdr_report_sql(day_from, day_to, region, customer_id, sort, limit))


# ---- plans ---------------------------------------------------------------------------------

def plan_trends_sql(months: list[tuple[str, date]], region=None) -> tuple[str, list]:
    """Per month and plan: customers on the plan at the month's end (joined on or before it, not
    closed by it), bills and revenue (bills.total, not void) of the month. months: (period
    'YYYY-MM', last day), at least one. Rows (period, plan code, customers, bills, revenue),
    ordered by month and plan code; a plan appears in a month when it has customers or bills."""
    derived = " UNION ALL ".join(["SELECT %s AS period, %s AS month_end"] * len(months))
    params: list = [v for m in months for v in m]
    c_where = b_where = ""
    if region is not None:
        c_where = " AND c.region = %s"
        params.append(region)
    params += [months[0][0], months[-1][0]]
    if region is not None:
        b_where = " AND b.customer_id IN (SELECT id FROM customers WHERE region = %s)"
        params.append(region)
    sql = (f"SELECT x.period, p.code, CAST(SUM(x.customers) AS SIGNED) AS customers,"
           f" CAST(SUM(x.bills) AS SIGNED) AS bills, CAST(SUM(x.revenue) AS DECIMAL(16,2)) AS revenue FROM ("
           f"SELECT m.period, c.plan_id, COUNT(*) AS customers, 0 AS bills, 0 AS revenue FROM ({derived}) m"
           f" JOIN customers c ON c.created_on <= m.month_end"
           f" AND (c.closed_on IS NULL OR c.closed_on > m.month_end){c_where}"
           f" GROUP BY m.period, c.plan_id"
           f" UNION ALL SELECT b.period, b.plan_id, 0, COUNT(*), SUM(b.total) FROM bills b"
           f" WHERE b.period BETWEEN %s AND %s AND b.status <> 'void'{b_where}"
           f" GROUP BY b.period, b.plan_id) x JOIN plans p ON p.id = x.plan_id"
           f" GROUP BY x.period, p.id, p.code ORDER BY x.period, p.code")
    return sql, params


def plan_trends(conn, months: list[tuple[str, date]], region=None) -> list[tuple]:
    return fetch_rows(conn, *plan_trends_sql(months, region)) if months else []


def customer_by_msisdn(conn, msisdn: str) -> dict | None:
    return fetch_one(conn, "SELECT id, msisdn, name, region FROM customers WHERE msisdn = %s", (msisdn,))


def customer_by_id(conn, customer_id: int) -> dict | None:
    return fetch_one(conn, "SELECT id, msisdn, name, region FROM customers WHERE id = %s", (customer_id,))
