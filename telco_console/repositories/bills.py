"""Bills, bill lines, bill runs and the rating query (set-based SQL over all customers).

The rating query (rating_sql) rates a whole period for every eligible customer in one statement:
calls are rounded up to the plan's increment, the allowance of minutes is consumed in
chronological order with a running sum (window function, ordered by started_at, id), and the
part of each call beyond the allowance is charged at that call's peak or off-peak rate."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from telco_console.repositories.base import execute, fetch_all, fetch_one, fetch_value, insert
from telco_console.repositories.rates import CUST_DRIVES, Drives, deck_ctes, deck_line_ctes, drives

PLAN_FIELDS = ("monthly_fee", "included_minutes", "included_sms", "included_mb", "peak_rate", "offpeak_rate",
               "sms_rate", "mb_rate", "increment_seconds", "peak_days", "peak_start", "peak_end")

BILL_SELECT = ("SELECT b.id, b.bill_number, b.period, b.seq, b.customer_id, b.plan_id, b.bill_run_id, b.issued_at,"
               " b.due_date, b.subtotal, b.tax, b.total, b.credit_applied, b.amount_paid, b.status,"
               " b.total - b.credit_applied - b.amount_paid AS amount_due,"
               " c.msisdn, c.name, c.email, c.region, p.code AS plan_code, p.name AS plan_name"
               " FROM bills b JOIN customers c ON c.id = b.customer_id JOIN plans p ON p.id = b.plan_id")


def _rows(conn, sql: str, params: dict | Iterable[Any] = ()) -> list[dict]:
    cur = conn.cursor(dictionary=True)
    cur.execute(sql, params if isinstance(params, dict) else tuple(params))
    rows = cur.fetchall()
    cur.close()
    return rows


def _exec(conn, sql: str, params: dict | Iterable[Any] = ()) -> int:
    cur = conn.cursor()
    cur.execute(sql, params if isinstance(params, dict) else tuple(params))
    n = cur.rowcount
    cur.close()
    return n


# a call's seconds rounded up to the plan's increment, and whether it starts in the plan's peak window
ROUNDED = "(u.billsec + cu.inc - 1) DIV cu.inc * cu.inc"
IS_PEAK = ("((cu.peak_mask >> WEEKDAY(u.started_at)) & 1 = 1 AND TIME_TO_SEC(u.started_at) >= cu.peak_start_s"
           " AND TIME_TO_SEC(u.started_at) < cu.peak_end_s)")
# the plan's peak weekdays (a list such as '0,1,2,3,4', 0 = Monday) as bits, and its peak window in seconds
# of the day (a call's time of day with its fraction: 09:14:59.999 is before 09:15:00), worked out once per segment
PEAK_MASK = " + ".join(f"(FIND_IN_SET('{d}', REPLACE(p.peak_days, ' ', '')) > 0) * {1 << d}" for d in range(7))
SEGMENT_JOIN = ("u.customer_id = cu.customer_id AND u.started_at >= cu.hfrom"
                " AND (cu.hto IS NULL OR u.started_at < cu.hto)")
RATED_CALL = "u.direction = 'out' AND u.answered = 1 AND u.billsec > 0 AND cu.deck_id IS NULL"


def _usage_ctes(time_filter: str, key: str, drive: Drives = CUST_DRIVES) -> str:
    """The rating of usage (calls, SMS, data) of the rows of a `cust` CTE, grouped by `key`
    (customer_id, or customer_id and period): ca (call seconds charged), sa (SMS sent), da (bytes).
    time_filter restricts each usage table (alias u) to the rated period. The allowance's running
    sum (cc) is taken in the same step as the join of the calls, so the rows are sorted once.
    drive: how the calls of plain segments, and the SMS and data sessions, are read (rates.drives())."""
    on = SEGMENT_JOIN
    # the customers' segments drive each join (STRAIGHT_JOIN): read in their key's order, each one's
    # usage by the index (customer_id, started_at), so the groups come out in order; for many plain
    # segments the period's calls are read in their stored order instead, each joined to its segment
    keys_cu = ", ".join(f"cu.{k.strip()}" for k in key.split(","))
    charged = "GREATEST(0, cum - GREATEST(cum - r, allow_s))"
    calls = (f"calls u STRAIGHT_JOIN cust cu ON {on} AND cu.deck_id IS NULL" if drive.plain == "calls"
             else f"cust cu STRAIGHT_JOIN calls u ON {on}")
    sms, data = (f"{t} u STRAIGHT_JOIN cust cu ON {on}" if drive.usage == "calls"
                 else f"cust cu STRAIGHT_JOIN {t} u ON {on}" for t in ("sms", "data_sessions"))
    return f"""
cc AS (
  SELECT {keys_cu}, {ROUNDED} AS r, {IS_PEAK} AS is_peak, cu.allow_s,
         SUM({ROUNDED}) OVER (PARTITION BY {keys_cu} ORDER BY u.started_utc, u.id ROWS UNBOUNDED PRECEDING) AS cum
  FROM {calls}
  WHERE {time_filter} AND {RATED_CALL}
),
ca AS (
  SELECT {key},
         SUM(r) AS used_s,
         SUM(CASE WHEN is_peak THEN {charged} ELSE 0 END) AS peak_s,
         SUM(CASE WHEN is_peak THEN 0 ELSE {charged} END) AS offpeak_s
  FROM cc GROUP BY {key}
),
sa AS (
  SELECT {keys_cu}, COUNT(*) AS n
  FROM {sms}
  WHERE {time_filter} AND u.direction = 'out'
  GROUP BY {keys_cu}
),
da AS (
  SELECT {keys_cu}, SUM(u.bytes_dl + u.bytes_ul) AS b
  FROM {data}
  WHERE {time_filter}
  GROUP BY {keys_cu}
)"""


# the usage fingerprint of a customer's month (usage_monthly um), kept in usage_billed
FINGERPRINT = ("COALESCE(um.calls_out + um.calls_in, 0) AS n_calls, COALESCE(um.sms_out + um.sms_in, 0) AS n_sms,"
               " COALESCE(um.data_sessions, 0) AS n_data, COALESCE(um.call_seconds_out, 0) AS call_seconds_out,"
               " COALESCE(um.bytes_dl + um.bytes_ul, 0) AS data_bytes")


def segments_sql(first: str, last: str, where: str, plan_override: dict | None = None,
                 extra: str = "", join: str = "") -> str:
    """The `cust` CTE body: one row per customer and plan segment of the period [first, last] (names
    of date parameters), from the plan history (customer_plans; a customer without history rows is on
    customers.plan_id throughout). Columns: customer_id, hfrom/hto (the segment's days, hfrom of the
    first segment ever is 1000-01-01, hto NULL for the current plan), plan and its fields, days_active
    (the customer's days in the period), seg_days (those on this plan), the allowances of the segment
    prorated by seg_days / days_active (a customer on one plan keeps them whole), is_last.
    plan_override: that plan throughout instead (p_* parameters)."""
    if plan_override:
        hist = ("SELECT c.id AS customer_id, CAST('1000-01-01' AS DATE) AS hfrom, CAST(NULL AS DATE) AS hto"
                " FROM customers c")
        plan_src = ("CROSS JOIN (SELECT %(p_id)s AS id, CAST(%(p_code)s AS CHAR(20)) AS code,"
                    " CAST(%(p_monthly_fee)s AS DECIMAL(12,2)) AS monthly_fee,"
                    " CAST(%(p_included_minutes)s AS SIGNED) AS included_minutes,"
                    " CAST(%(p_included_sms)s AS SIGNED) AS included_sms,"
                    " CAST(%(p_included_mb)s AS SIGNED) AS included_mb,"
                    " CAST(%(p_peak_rate)s AS DECIMAL(12,4)) AS peak_rate,"
                    " CAST(%(p_offpeak_rate)s AS DECIMAL(12,4)) AS offpeak_rate,"
                    " CAST(%(p_sms_rate)s AS DECIMAL(12,4)) AS sms_rate,"
                    " CAST(%(p_mb_rate)s AS DECIMAL(12,4)) AS mb_rate,"
                    " CAST(%(p_increment_seconds)s AS SIGNED) AS increment_seconds,"
                    " CAST(%(p_peak_days)s AS CHAR(13)) AS peak_days,"
                    " CAST(%(p_peak_start)s AS TIME) AS peak_start, CAST(%(p_peak_end)s AS TIME) AS peak_end,"
                    " CAST(%(p_deck_id)s AS SIGNED) AS deck_id) p")
    else:
        hist = HISTORY
        plan_src = "JOIN plans p ON p.id = h.plan_id"
    days_active = (f"DATEDIFF(LEAST(COALESCE(c.closed_on, %({last})s), %({last})s), "
                   f"GREATEST(c.created_on, %({first})s)) + 1")
    seg_days = (f"GREATEST(0, DATEDIFF(LEAST(COALESCE(c.closed_on, %({last})s), %({last})s,"
                f" COALESCE(h.hto - INTERVAL 1 DAY, %({last})s)), GREATEST(c.created_on, %({first})s, h.hfrom)) + 1)")
    return f"""
  SELECT c.id AS customer_id, h.hfrom, h.hto, p.id AS plan_id, p.code AS plan_code, c.status,
         {days_active} AS days_active, {seg_days} AS seg_days,
         (h.hto IS NULL OR h.hto > %({last})s) AS is_last,
         p.monthly_fee, p.included_minutes, p.included_sms, p.included_mb, p.peak_rate, p.offpeak_rate,
         p.sms_rate, p.mb_rate, GREATEST(p.increment_seconds, 1) AS inc, REPLACE(p.peak_days, ' ', '') AS peak_days,
         {PEAK_MASK} AS peak_mask, p.peak_start, p.peak_end, TIME_TO_SEC(p.peak_start) AS peak_start_s,
         TIME_TO_SEC(p.peak_end) AS peak_end_s, p.deck_id,
         p.included_minutes * 60 * {seg_days} DIV ({days_active}) AS allow_s,
         p.included_sms * {seg_days} DIV ({days_active}) AS allow_sms,
         p.included_mb * 1000000 * {seg_days} DIV ({days_active}) AS allow_b{extra}
  FROM customers c {join}
  JOIN ({hist}) h ON h.customer_id = c.id AND h.hfrom <= %({last})s AND (h.hto IS NULL OR h.hto > %({first})s)
  {plan_src}
  WHERE {where}"""


# the plan history as spans [hfrom, hto): the first span of a customer from the beginning of time
def history_sql(customers: str | None = None) -> str:
    """The plan history as segments (customer_id, plan_id, hfrom, hto); `customers`: a SQL list of
    customer ids to read only theirs (the filter inside, so that only their rows are windowed)."""
    cp = f" WHERE customer_id IN ({customers})" if customers else ""
    cn = f" cn.id IN ({customers}) AND" if customers else ""
    return f"""
SELECT hh.customer_id, hh.plan_id,
       IF(ROW_NUMBER() OVER (PARTITION BY hh.customer_id ORDER BY hh.valid_from) = 1,
          CAST('1000-01-01' AS DATE), hh.valid_from) AS hfrom,
       LEAD(hh.valid_from) OVER (PARTITION BY hh.customer_id ORDER BY hh.valid_from) AS hto
FROM (SELECT customer_id, plan_id, valid_from FROM customer_plans{cp}
      UNION ALL
      SELECT cn.id, cn.plan_id, cn.created_on FROM customers cn
      WHERE{cn} NOT EXISTS (SELECT 1 FROM customer_plans cx WHERE cx.customer_id = cn.id)) hh"""


HISTORY = history_sql()


def cust_sql(plan_override: dict | None = None, customer_ids: list[int] | None = None,
             exclude_billed: bool = False) -> str:
    """The rated customers' plan segments of the period (segments_sql with the eligibility rules;
    named parameters first, last, period and p_* for an overridden plan)."""
    where = ["c.created_on <= %(last)s", "(c.closed_on IS NULL OR c.closed_on >= %(first)s)",
             "(c.status <> 'closed' OR c.closed_on IS NOT NULL)"]
    if customer_ids is not None:
        ids = [int(i) for i in customer_ids] or [0]
        where.append("c.id IN (" + ", ".join(str(i) for i in ids) + ")")
    if exclude_billed:
        where.append("NOT EXISTS (SELECT 1 FROM bills bx WHERE bx.customer_id = c.id AND bx.period = %(period)s)")
    return segments_sql("first", "last", " AND ".join(where), plan_override)


def set_work_memory(conn, mb: int) -> None:
    """Let this session's temporary tables stay in memory up to `mb` MB (tmp_table_size and
    max_heap_table_size): the rating's calls with their running sums are about 1 KB a row in memory,
    and at the server's default of 16 MB they went to disk (twice the rating's time at 335,000 calls).
    A pooled connection is reset when it goes back to the pool."""
    size = int(mb) * 1024 * 1024
    _exec(conn, f"SET SESSION tmp_table_size = {size}, max_heap_table_size = {size}")


def materialise_cust(conn, table: str, params: dict, plan_override: dict | None = None,
                     customer_ids: list[int] | None = None, exclude_billed: bool = False) -> None:
    """The rated customers' segments (cust_sql) into a temporary table, read by rating_sql(cust_table=...):
    the rating refers to them from each usage type and from the deck's CTEs, and a CTE is worked out
    again at each reference."""
    _exec(conn, f"DROP TEMPORARY TABLE IF EXISTS {table}")
    _exec(conn, f"CREATE TEMPORARY TABLE {table} (PRIMARY KEY (customer_id, hfrom)) "
          + cust_sql(plan_override, customer_ids, exclude_billed), params)


# a destination line's description: its group, and its minutes by timing where the deck has timings
DESTINATION = ("LEFT(CONCAT(dest_group, IF(by_timing = '', '', CONCAT(' (min: ', by_timing, ')'))), 200)")


def materialise_deck_lines(conn, table: str, params: dict, cust_table: str, drive: str) -> bool:
    """The destination lines of the decked customers of a table made by materialise_cust() into a
    temporary table (one row per customer and destination group: rates.deck_line_ctes()' `dgl`, with
    the line's description and its rank among the customer's destination lines by description),
    read by rating_sql(deck_table=...) and by the bill lines: no JSON between the two. Returns
    False, making nothing, when no segment is on a decked plan (drive: rates.drives()' deck)."""
    _exec(conn, f"DROP TEMPORARY TABLE IF EXISTS {table}")
    if drive == "none":
        return False
    _exec(conn, f"CREATE TEMPORARY TABLE {table} (KEY (customer_id)) WITH cust AS (SELECT DISTINCT * FROM"
                f" {cust_table}){deck_line_ctes('cust', drive)},"
                f" dgd AS (SELECT dgl.*, {DESTINATION} AS description FROM dgl)"
                " SELECT customer_id, dest_group, s, amount, n, description, IF(dest_group IS NULL, NULL,"
                "  ROW_NUMBER() OVER (PARTITION BY customer_id, dest_group IS NULL ORDER BY description)) AS rn"
                " FROM dgd", params)
    return True


def rating_sql(plan_override: dict | None = None, customer_ids: list[int] | None = None,
               exclude_billed: bool = False, for_run: bool = False, cust_table: str | None = None,
               drive: Drives = CUST_DRIVES, deck_table: str | None = None) -> str:
    """The rating SELECT (named parameters: first, last, start, end, days, minor, tax_rate, period,
    and p_* for an overridden plan). One row per eligible customer with quantities and amounts,
    and the usage fingerprint of the month (read in the same statement as the records rated).
    for_run adds the bill run's working columns (late_amount, late_lines). cust_table: the
    customers' segments from a table made by materialise_cust() (with the same arguments) instead
    of worked out in the statement. drive: how the usage is read (rates.drives()). deck_table: the
    destination lines from a table made by materialise_deck_lines() (deck_lines is then NULL)."""
    time_filter = "u.started_at >= %(start)s AND u.started_at < %(end)s"
    run_columns = ",\n       CAST(0 AS DECIMAL(14,2)) AS late_amount, 0 AS late_lines" if for_run else ""
    # DISTINCT: each reference gets its own copy of the table (MariaDB merges a plain SELECT, and
    # then pushes join conditions into the grouped CTEs against the wrong instance of the same
    # temporary table: SMS went missing from bills in tests/test_billing_differential.py)
    cust = (f"SELECT DISTINCT * FROM {cust_table}" if cust_table
            else cust_sql(plan_override, customer_ids, exclude_billed))
    return f"""
WITH cust AS ({cust}
),{_usage_ctes(time_filter, "customer_id, hfrom", drive)}{deck_ctes("cust", drive.deck, deck_table)},
qs AS (
  SELECT cu.customer_id, cu.hfrom, cu.plan_id, cu.plan_code, cu.is_last, cu.status, cu.days_active, cu.seg_days,
         cu.monthly_fee, cu.peak_rate, cu.offpeak_rate, cu.sms_rate, cu.mb_rate,
         COALESCE(ca.used_s, 0) AS call_s, COALESCE(sa.n, 0) AS sms_sent, COALESCE(da.b, 0) AS bytes_used,
         COALESCE(ca.peak_s, 0) AS peak_s, COALESCE(ca.offpeak_s, 0) AS offpeak_s,
         GREATEST(0, COALESCE(sa.n, 0) - cu.allow_sms) AS sms_n,
         (GREATEST(0, COALESCE(da.b, 0) - cu.allow_b) + 999999) DIV 1000000 AS mb_n
  FROM cust cu LEFT JOIN ca ON ca.customer_id = cu.customer_id AND ca.hfrom = cu.hfrom
       LEFT JOIN sa ON sa.customer_id = cu.customer_id AND sa.hfrom = cu.hfrom
       LEFT JOIN da ON da.customer_id = cu.customer_id AND da.hfrom = cu.hfrom
),
qc AS (
  SELECT customer_id, MAX(IF(is_last, plan_id, NULL)) AS plan_id, MAX(status) AS status,
         MAX(days_active) AS days_active, COUNT(*) AS n_plans,
         IF(COUNT(*) > 1, LEFT(CONCAT('Monthly fee, ', GROUP_CONCAT(CONCAT(plan_code, ' ', seg_days, ' days')
            ORDER BY hfrom SEPARATOR ', '), ' of ', %(days)s), 200), NULL) AS fee_desc,
         SUM(call_s) AS call_s, SUM(sms_sent) AS sms_sent, SUM(bytes_used) AS bytes_used,
         SUM(peak_s) AS peak_s, SUM(offpeak_s) AS offpeak_s, SUM(sms_n) AS sms_n, SUM(mb_n) AS mb_n,
         SUM(monthly_fee * seg_days) AS fee_x, SUM(peak_s * peak_rate) AS peak_x,
         SUM(offpeak_s * offpeak_rate) AS offpeak_x, SUM(sms_n * sms_rate) AS sms_x, SUM(mb_n * mb_rate) AS mb_x,
         MAX(IF(is_last, monthly_fee, NULL)) AS fee_last, MAX(IF(is_last, peak_rate, NULL)) AS peak_last,
         MAX(IF(is_last, offpeak_rate, NULL)) AS offpeak_last, MAX(IF(is_last, sms_rate, NULL)) AS sms_last,
         MAX(IF(is_last, mb_rate, NULL)) AS mb_last
  FROM qs GROUP BY customer_id
),
q AS (
  SELECT qc.customer_id, qc.plan_id, qc.status, qc.days_active, qc.n_plans, qc.fee_desc,
         IF(n_plans > 1, ROUND(fee_x / days_active, 4), fee_last) AS monthly_fee,
         IF(n_plans > 1 AND peak_s > 0, ROUND(peak_x / peak_s, 4), peak_last) AS peak_rate,
         IF(n_plans > 1 AND offpeak_s > 0, ROUND(offpeak_x / offpeak_s, 4), offpeak_last) AS offpeak_rate,
         IF(n_plans > 1 AND sms_n > 0, ROUND(sms_x / sms_n, 4), sms_last) AS sms_rate,
         IF(n_plans > 1 AND mb_n > 0, ROUND(mb_x / mb_n, 4), mb_last) AS mb_rate,
         qc.fee_x, qc.peak_x, qc.offpeak_x, qc.sms_x, qc.mb_x,
         qc.call_s, qc.sms_sent, qc.bytes_used, qc.peak_s, qc.offpeak_s, qc.sms_n, qc.mb_n,
         COALESCE(dsum.deck_amount, 0) AS deck_amount, dsum.deck_lines, COALESCE(dsum.unrated_n, 0) AS unrated_n,
         COALESCE(dsum.deck_n, 0) AS deck_n,
         {FINGERPRINT}
  FROM qc LEFT JOIN dsum ON dsum.customer_id = qc.customer_id
       LEFT JOIN usage_monthly um ON um.customer_id = qc.customer_id AND um.month = %(first)s
),
a AS (
  SELECT q.*,
         ROUND(fee_x / %(days)s, %(minor)s) AS fee_amount,
         ROUND(peak_x / 60, %(minor)s) AS peak_amount,
         ROUND(offpeak_x / 60, %(minor)s) AS offpeak_amount,
         ROUND(sms_x, %(minor)s) AS sms_amount,
         ROUND(mb_x, %(minor)s) AS data_amount
  FROM q
),
s AS (
  SELECT a.*, fee_amount + peak_amount + offpeak_amount + sms_amount + data_amount + deck_amount AS subtotal FROM a
)
SELECT s.*, ROUND(subtotal * CAST(%(tax_rate)s AS DECIMAL(10,6)), %(minor)s) AS tax,
       subtotal + ROUND(subtotal * CAST(%(tax_rate)s AS DECIMAL(10,6)), %(minor)s) AS total{run_columns}
FROM s"""


def late_sql(billed_now: str) -> str:
    """The late usage of one earlier period (late_period, bounds start/end, p_first its first day) of
    the customers billed now (billed_now: a condition on customers c): for each customer whose
    usage_monthly no longer matches the fingerprint in usage_billed (and whose month is not
    archived), the period re-rated on the plan of its bill, with the new fingerprint and what is
    still to bill of each amount (late_*: new minus billed, never below 0) and their sum
    `late_amount`. Other named parameters: period (the run's), minor."""
    where = (f"ub.period = %(late_period)s AND ub.period <> %(period)s AND ({billed_now}) AND ({LATE_CHANGED})")
    extra = (",\n         ub.period, ub.peak_amount AS billed_peak, ub.offpeak_amount AS billed_offpeak,"
             " ub.sms_amount AS billed_sms, ub.data_amount AS billed_data, ub.deck_amount AS billed_deck")
    join = ("JOIN usage_billed ub ON ub.customer_id = c.id"
            " LEFT JOIN usage_monthly um ON um.customer_id = ub.customer_id AND um.month = %(p_first)s")
    return f"""
WITH cust AS ({segments_sql("p_first", "p_last", where, None, extra, join)}
),{_usage_ctes("u.started_at >= %(start)s AND u.started_at < %(end)s", "customer_id, hfrom")}{deck_ctes("cust")},
qs AS (
  SELECT cu.customer_id, cu.period, cu.plan_id, cu.is_last, cu.billed_peak, cu.billed_offpeak, cu.billed_sms,
         cu.billed_data, cu.billed_deck, COALESCE(ca.peak_s, 0) AS peak_s, COALESCE(ca.offpeak_s, 0) AS offpeak_s,
         GREATEST(0, COALESCE(sa.n, 0) - cu.allow_sms) AS sms_n,
         (GREATEST(0, COALESCE(da.b, 0) - cu.allow_b) + 999999) DIV 1000000 AS mb_n,
         cu.peak_rate, cu.offpeak_rate, cu.sms_rate, cu.mb_rate
  FROM cust cu
  LEFT JOIN ca ON ca.customer_id = cu.customer_id AND ca.hfrom = cu.hfrom
  LEFT JOIN sa ON sa.customer_id = cu.customer_id AND sa.hfrom = cu.hfrom
  LEFT JOIN da ON da.customer_id = cu.customer_id AND da.hfrom = cu.hfrom
),
q AS (
  SELECT qs.customer_id, MAX(qs.period) AS period, MAX(IF(qs.is_last, qs.plan_id, NULL)) AS plan_id,
         MAX(billed_peak) AS billed_peak, MAX(billed_offpeak) AS billed_offpeak, MAX(billed_sms) AS billed_sms,
         MAX(billed_data) AS billed_data, MAX(billed_deck) AS billed_deck,
         SUM(peak_s) AS peak_s, SUM(offpeak_s) AS offpeak_s, SUM(sms_n) AS sms_n, SUM(mb_n) AS mb_n,
         SUM(peak_s * peak_rate) AS peak_x, SUM(offpeak_s * offpeak_rate) AS offpeak_x,
         SUM(sms_n * sms_rate) AS sms_x, SUM(mb_n * mb_rate) AS mb_x,
         MAX(COALESCE(dsum.deck_amount, 0)) AS deck_amount, MAX(COALESCE(dsum.unrated_n, 0)) AS unrated_n
  FROM qs LEFT JOIN dsum ON dsum.customer_id = qs.customer_id
  GROUP BY qs.customer_id
),
a AS (
  SELECT q.*,
         ROUND(peak_x / 60, %(minor)s) AS peak_amount,
         ROUND(offpeak_x / 60, %(minor)s) AS offpeak_amount,
         ROUND(sms_x, %(minor)s) AS sms_amount,
         ROUND(mb_x, %(minor)s) AS data_amount,
         {FINGERPRINT}
  FROM q LEFT JOIN usage_monthly um ON um.customer_id = q.customer_id AND um.month = %(p_first)s
),
d AS (
  SELECT a.*, GREATEST(0, peak_amount - billed_peak) AS late_peak,
         GREATEST(0, offpeak_amount - billed_offpeak) AS late_offpeak, GREATEST(0, sms_amount - billed_sms) AS late_sms,
         GREATEST(0, data_amount - billed_data) AS late_data, GREATEST(0, deck_amount - billed_deck) AS late_deck
  FROM a
)
SELECT d.*, late_peak + late_offpeak + late_sms + late_data + late_deck AS late_amount FROM d"""


# a billed period whose usage changed since (its fingerprint), or with calls left unrated then
LATE_CHANGED = """(ub.n_calls, ub.n_sms, ub.n_data, ub.call_seconds_out, ub.data_bytes)
        <> (COALESCE(um.calls_out + um.calls_in, 0), COALESCE(um.sms_out + um.sms_in, 0),
            COALESCE(um.data_sessions, 0), COALESCE(um.call_seconds_out, 0), COALESCE(um.bytes_dl + um.bytes_ul, 0))
        OR ub.unrated_n > 0"""


def late_periods(conn, billed_now: str, params: dict) -> list[str]:
    """The earlier periods with late usage to rate for the customers billed now (months archived
    wait until they are restored)."""
    return [r["period"] for r in _rows(conn, f"""
SELECT DISTINCT ub.period FROM usage_billed ub
JOIN customers c ON c.id = ub.customer_id
LEFT JOIN usage_monthly um ON um.customer_id = ub.customer_id AND um.month = CAST(CONCAT(ub.period, '-01') AS DATE)
WHERE ub.period <> %(period)s AND ({billed_now})
  AND (""" + LATE_CHANGED + """)
  AND NOT EXISTS (SELECT 1 FROM usage_archives ar WHERE ar.month = ub.period AND ar.restored_at IS NULL)
ORDER BY ub.period""", params)]


def _late_params(period, late: str, minor: int, **extra) -> dict:
    from telco_console.timeutil import Period

    lp = Period.parse(late)
    return dict(extra, period=str(period), late_period=late, start=lp.start, end=lp.end, p_first=lp.first_day,
                p_last=lp.last_day, minor=minor)


def rating_params(period, minor: int, tax_rate: Decimal, plan_override: dict | None = None) -> dict:
    params = dict(first=period.first_day, last=period.last_day, start=period.start, end=period.end,
                  days=period.days, minor=minor, tax_rate=str(tax_rate), period=str(period))
    if plan_override:
        params["p_id"] = plan_override.get("id")
        params["p_deck_id"] = plan_override.get("deck_id")
        params["p_code"] = plan_override.get("code") or ""
        for f in PLAN_FIELDS:
            v = plan_override[f]
            params[f"p_{f}"] = str(v) if not isinstance(v, (int, str)) else v
    return params


def rate(conn, period, minor: int, tax_rate: Decimal, plan_override: dict | None = None,
         customer_ids: list[int] | None = None, exclude_billed: bool = False) -> list[dict]:
    params = rating_params(period, minor, tax_rate, plan_override)
    materialise_cust(conn, "rating_cust", params, plan_override, customer_ids, exclude_billed)
    try:
        sql = rating_sql(plan_override, cust_table="rating_cust", drive=drives(conn, "rating_cust"))
        return _rows(conn, sql + " ORDER BY customer_id", params)
    finally:
        _exec(conn, "DROP TEMPORARY TABLE IF EXISTS rating_cust")


# -- the bill run -------------------------------------------------------------------------------

def lock_period(conn, period: str, at: datetime, wait_s: int = 600) -> None:
    """Take the period's row lock for the rest of the transaction (waiting up to wait_s seconds)."""
    _exec(conn, f"SET SESSION innodb_lock_wait_timeout = {int(wait_s)}")
    _exec(conn, "INSERT INTO bill_periods (period, runs, last_run_at) VALUES (%s, 1, %s)"
                " ON DUPLICATE KEY UPDATE runs = runs + 1, last_run_at = VALUES(last_run_at)", (period, at))


def start_run(conn, period: str, at: datetime, username: str) -> int:
    return insert(conn, "INSERT INTO bill_runs (period, started_at, username) VALUES (%s, %s, %s)",
                  (period, at, username))


def finish_run(conn, run_id: int, at: datetime) -> dict:
    execute(conn, "UPDATE bill_runs r SET finished_at = %s,"
                  " bills_created = (SELECT COUNT(*) FROM bills b WHERE b.bill_run_id = r.id),"
                  " total = (SELECT COALESCE(SUM(total), 0) FROM bills b WHERE b.bill_run_id = r.id)"
                  " WHERE r.id = %s", (at, run_id))
    return fetch_one(conn, "SELECT * FROM bill_runs WHERE id = %s", (run_id,))


BILLED_NOW_IN_RUN = "c.id IN (SELECT bn.customer_id FROM bills bn WHERE bn.bill_run_id = %(run)s)"
BILLED_NOW_IF_RUN = ("c.created_on <= %(q_last)s AND (c.closed_on IS NULL OR c.closed_on >= %(q_first)s)"
                     " AND (c.status <> 'closed' OR c.closed_on IS NOT NULL)"
                     " AND NOT EXISTS (SELECT 1 FROM bills bx WHERE bx.customer_id = c.id AND bx.period = %(period)s)")


def late_usage(conn, period, minor: int) -> list[dict]:
    """The late usage that a bill run of the period would bill now (reads only but for the numbers'
    deck prefixes, derived data; for the dry run)."""
    from telco_console.repositories import rates as rates_repo

    q = dict(q_first=period.first_day, q_last=period.last_day, period=str(period))
    out = []
    sql = late_sql(BILLED_NOW_IF_RUN) + " ORDER BY customer_id"
    for late in late_periods(conn, BILLED_NOW_IF_RUN, q):
        params = _late_params(period, late, minor, q_first=period.first_day, q_last=period.last_day)
        out += rates_repo.rated_resolving(conn, lambda params=params: _rows(conn, sql, params), params["start"],
                                          params["end"])
    return out


def create_bills(conn, period, run_id: int, issued_at: datetime, due_date: date, minor: int,
                 tax_rate: Decimal, username: str, check=None) -> int:
    """Rate every unbilled eligible customer into a temporary table, number and insert the bills,
    rate the late usage of those customers (periods billed before whose usage has changed since),
    add it to the bills, insert the lines and record what is now billed in usage_billed; all
    set-based. Caller holds the per-period lock. `check(conn)`, when given, runs once the rating is
    in billrun_rating and before any bill is written."""
    _exec(conn, "DROP TEMPORARY TABLE IF EXISTS billrun_rating")
    _exec(conn, "DROP TEMPORARY TABLE IF EXISTS billrun_late")
    params = rating_params(period, minor, tax_rate)
    materialise_cust(conn, "billrun_cust", params, exclude_billed=True)
    drive = drives(conn, "billrun_cust")
    decked = materialise_deck_lines(conn, "billrun_deck", params, "billrun_cust", drive.deck)
    _exec(conn, "CREATE TEMPORARY TABLE billrun_rating (PRIMARY KEY (customer_id)) "
          + rating_sql(for_run=True, cust_table="billrun_cust", drive=drive,
                       deck_table="billrun_deck" if decked else None), params)
    _exec(conn, "DROP TEMPORARY TABLE IF EXISTS billrun_cust")
    if check is not None:
        check(conn)
    base = fetch_value(conn, "SELECT COALESCE(MAX(seq), 0) FROM bills WHERE period = %s", (str(period),))
    n = _exec(conn, """
INSERT INTO bills (bill_number, period, seq, customer_id, plan_id, bill_run_id, issued_at, due_date,
                   subtotal, tax, total, status)
SELECT CONCAT(%(period)s, '-', LPAD(%(base)s + rn, 6, '0')), %(period)s, %(base)s + rn, customer_id, plan_id,
       %(run)s, %(issued)s, %(due)s, subtotal, tax, total, IF(total <= 0, 'paid', 'issued')
FROM (SELECT t.*, ROW_NUMBER() OVER (ORDER BY customer_id) AS rn FROM billrun_rating t) x""",
              dict(period=str(period), base=base, run=run_id, issued=issued_at, due=due_date))
    # late usage of the customers billed now (one statement per earlier period that has some),
    # added to their bills before tax
    from telco_console.repositories import rates as rates_repo

    lates = late_periods(conn, BILLED_NOW_IN_RUN, dict(run=run_id, period=str(period)))

    def rate_late(lp: dict) -> list[dict]:      # one late period into billrun_late_p; its unrated calls
        _exec(conn, "DROP TEMPORARY TABLE IF EXISTS billrun_late_p")
        _exec(conn, "CREATE TEMPORARY TABLE billrun_late_p " + late_sql(BILLED_NOW_IN_RUN), lp)
        return _rows(conn, "SELECT COALESCE(SUM(unrated_n), 0) AS unrated_n FROM billrun_late_p")

    for i, late in enumerate(lates):
        lp = _late_params(period, late, minor, run=run_id)
        rates_repo.rated_resolving(conn, lambda lp=lp: rate_late(lp), lp["start"], lp["end"])
        _exec(conn, ("CREATE TEMPORARY TABLE billrun_late " if i == 0 else "INSERT INTO billrun_late ")
              + "SELECT * FROM billrun_late_p")
        _exec(conn, "DROP TEMPORARY TABLE billrun_late_p")
    late = lates and fetch_value(conn, "SELECT COUNT(*) FROM billrun_late WHERE late_amount > 0")
    if late:
        _exec(conn, """
    UPDATE billrun_rating t JOIN (SELECT customer_id, SUM(late_amount) AS late, COUNT(*) AS n FROM billrun_late
                                  WHERE late_amount > 0 GROUP BY customer_id) l ON l.customer_id = t.customer_id
    SET t.late_amount = l.late, t.late_lines = l.n""")
        # every expression from the values before the update (whatever the order of assignment)
        tax = "ROUND((subtotal + late_amount) * CAST(%(tax_rate)s AS DECIMAL(10,6)), %(minor)s)"
        _exec(conn, f"UPDATE billrun_rating SET tax = {tax}, total = subtotal + late_amount + {tax},"
                    " subtotal = subtotal + late_amount WHERE late_amount > 0",
              dict(tax_rate=str(tax_rate), minor=minor))
        _exec(conn, """
    UPDATE bills b JOIN billrun_rating t ON t.customer_id = b.customer_id
    SET b.subtotal = t.subtotal, b.tax = t.tax, b.total = t.total, b.status = IF(t.total <= 0, 'paid', 'issued')
    WHERE b.period = %(period)s AND b.bill_run_id = %(run)s AND t.late_amount > 0""",
              dict(run=run_id, period=str(period)))
    # each line's number worked out from what precedes it on its bill (the subscription, the usage
    # lines wanted, the destination lines in the order of their description, room for the late
    # usage lines, the tax), so that no window sorts the lines
    args = dict(user=username, days=period.days, tax_desc=f"Tax at {(tax_rate * 100).normalize():f}%",
                tax_rate=str(tax_rate), period=str(period), run=run_id)
    _exec(conn, """
INSERT INTO bill_lines (bill_id, line_no, kind, description, quantity, unit, unit_price, amount, created_by)
SELECT b.id, 1 + (k.k > 1) + (k.k > 2 AND t.peak_s > 0) + (k.k > 3 AND t.offpeak_s > 0) + (k.k > 4 AND t.sms_n > 0)
         + (k.k > 5 AND t.mb_n > 0) + IF(k.k = 6, t.deck_n + t.late_lines, 0),
  ELT(k.k, 'subscription', 'peak_calls', 'offpeak_calls', 'sms', 'data', 'tax'),
  ELT(k.k, COALESCE(t.fee_desc, IF(t.days_active >= %(days)s, 'Monthly fee',
              CONCAT('Monthly fee, ', t.days_active, ' of ', %(days)s, ' days'))),
      'Peak calls beyond the allowance', 'Off-peak calls beyond the allowance', 'SMS beyond the allowance',
      'Data beyond the allowance', %(tax_desc)s),
  ELT(k.k, t.days_active, t.peak_s / 60, t.offpeak_s / 60, t.sms_n, t.mb_n, t.subtotal),
  ELT(k.k, 'days', 'min', 'min', 'sms', 'MB', ''),
  ELT(k.k, t.monthly_fee, t.peak_rate, t.offpeak_rate, t.sms_rate, t.mb_rate, %(tax_rate)s),
  ELT(k.k, t.fee_amount, t.peak_amount, t.offpeak_amount, t.sms_amount, t.data_amount, t.tax), %(user)s
FROM billrun_rating t
JOIN bills b ON b.customer_id = t.customer_id AND b.period = %(period)s AND b.bill_run_id = %(run)s
CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5
            UNION ALL SELECT 6) k
WHERE ELT(k.k, 1, t.peak_s > 0, t.offpeak_s > 0, t.sms_n > 0, t.mb_n > 0, 1)""", args)
    if decked:
        _exec(conn, """
INSERT INTO bill_lines (bill_id, line_no, kind, description, quantity, unit, unit_price, amount, created_by)
SELECT b.id, 1 + (t.peak_s > 0) + (t.offpeak_s > 0) + (t.sms_n > 0) + (t.mb_n > 0) + d.rn, 'destination',
       d.description, d.s / 60, 'min', 0, d.amount, %(user)s
FROM billrun_deck d
JOIN billrun_rating t ON t.customer_id = d.customer_id
JOIN bills b ON b.customer_id = d.customer_id AND b.period = %(period)s AND b.bill_run_id = %(run)s
WHERE d.dest_group IS NOT NULL""", args)
    if late:
        # numbered after the period's own lines, before the tax line (numbered to leave them room)
        _exec(conn, """
INSERT INTO bill_lines (bill_id, line_no, kind, description, quantity, unit, unit_price, amount, created_by,
                        usage_period)
SELECT b.id, tl.line_no - COUNT(*) OVER (PARTITION BY b.id) - 1 + ROW_NUMBER() OVER (PARTITION BY b.id
       ORDER BY l.period), 'late_usage', CONCAT('Usage of ', l.period, ' received late'), 1, '', l.late_amount,
       l.late_amount, %(user)s, l.period
FROM billrun_late l
JOIN bills b ON b.customer_id = l.customer_id AND b.period = %(period)s AND b.bill_run_id = %(run)s
JOIN bill_lines tl ON tl.bill_id = b.id AND tl.kind = 'tax'
WHERE l.late_amount > 0""", dict(user=username, run=run_id, period=str(period)))
    # what is billed now: the period's own usage of the new bills, and the late usage re-rated
    _exec(conn, """
INSERT INTO usage_billed (customer_id, period, plan_id, bill_id, n_calls, n_sms, n_data, call_seconds_out,
                          data_bytes, peak_s, offpeak_s, sms_n, mb_n, peak_amount, offpeak_amount, sms_amount,
                          data_amount, deck_amount, unrated_n, updated_at)
SELECT t.customer_id, %(period)s, t.plan_id, b.id, t.n_calls, t.n_sms, t.n_data, t.call_seconds_out, t.data_bytes,
       t.peak_s, t.offpeak_s, t.sms_n, t.mb_n, t.peak_amount, t.offpeak_amount, t.sms_amount, t.data_amount,
       t.deck_amount, t.unrated_n, %(at)s
FROM billrun_rating t
JOIN bills b ON b.customer_id = t.customer_id AND b.period = %(period)s AND b.bill_run_id = %(run)s
ON DUPLICATE KEY UPDATE plan_id = VALUES(plan_id), bill_id = VALUES(bill_id), n_calls = VALUES(n_calls),
  n_sms = VALUES(n_sms), n_data = VALUES(n_data), call_seconds_out = VALUES(call_seconds_out),
  data_bytes = VALUES(data_bytes), peak_s = VALUES(peak_s), offpeak_s = VALUES(offpeak_s), sms_n = VALUES(sms_n),
  mb_n = VALUES(mb_n), peak_amount = VALUES(peak_amount), offpeak_amount = VALUES(offpeak_amount),
  sms_amount = VALUES(sms_amount), data_amount = VALUES(data_amount), deck_amount = VALUES(deck_amount),
  unrated_n = VALUES(unrated_n), updated_at = VALUES(updated_at)""",
          dict(period=str(period), run=run_id, at=issued_at))
    if lates:
        _exec(conn, """
UPDATE usage_billed ub JOIN billrun_late l ON l.customer_id = ub.customer_id AND l.period = ub.period
SET ub.n_calls = l.n_calls, ub.n_sms = l.n_sms, ub.n_data = l.n_data, ub.call_seconds_out = l.call_seconds_out,
    ub.data_bytes = l.data_bytes, ub.peak_s = l.peak_s, ub.offpeak_s = l.offpeak_s, ub.sms_n = l.sms_n,
    ub.mb_n = l.mb_n, ub.peak_amount = ub.peak_amount + l.late_peak,
    ub.offpeak_amount = ub.offpeak_amount + l.late_offpeak, ub.sms_amount = ub.sms_amount + l.late_sms,
    ub.data_amount = ub.data_amount + l.late_data, ub.deck_amount = ub.deck_amount + l.late_deck,
    ub.unrated_n = l.unrated_n, ub.updated_at = %(at)s""", dict(at=issued_at))
    for table in ("billrun_rating", "billrun_deck", "billrun_late"):
        _exec(conn, f"DROP TEMPORARY TABLE IF EXISTS {table}")
    return n


def apply_open_credits(conn, run_id: int, at: datetime) -> None:
    """Open customer credits go against the bills of this run (set-based); what a bill cannot
    absorb becomes a new open credit for the next bill."""
    _exec(conn, "UPDATE customer_credits cc JOIN bills b ON b.customer_id = cc.customer_id AND b.bill_run_id = %s"
                " SET cc.applied_bill_id = b.id, cc.applied_at = %s"
                " WHERE cc.applied_bill_id IS NULL AND cc.amount > 0", (run_id, at))
    _exec(conn, "UPDATE bills b JOIN (SELECT applied_bill_id, SUM(amount) AS s FROM customer_credits"
                " WHERE applied_bill_id IN (SELECT id FROM bills WHERE bill_run_id = %s) GROUP BY applied_bill_id) c"
                " ON c.applied_bill_id = b.id"
                " SET b.credit_applied = LEAST(b.total, c.s),"
                " b.status = IF(LEAST(b.total, c.s) >= b.total, 'paid', 'partially_paid')", (run_id,))
    _exec(conn, "INSERT INTO customer_credits (customer_id, amount, reason, created_at)"
                " SELECT b.customer_id, c.s - b.credit_applied,"
                " CONCAT('credit remaining after bill ', b.bill_number), %s"
                " FROM bills b JOIN (SELECT applied_bill_id, SUM(amount) AS s FROM customer_credits"
                " WHERE applied_bill_id IN (SELECT id FROM bills WHERE bill_run_id = %s) GROUP BY applied_bill_id) c"
                " ON c.applied_bill_id = b.id WHERE c.s > b.credit_applied", (at, run_id))


def unrated_in_rating(conn) -> int:
    """Calls left unrated (no deck entry) in the bill run's rating table."""
    return int(fetch_value(conn, "SELECT COALESCE(SUM(unrated_n), 0) FROM billrun_rating") or 0)


def run_summary(conn, run_id: int) -> dict:
    return fetch_one(conn, "SELECT COUNT(*) AS bills, COALESCE(SUM(subtotal), 0) AS subtotal,"
                           " COALESCE(SUM(tax), 0) AS tax, COALESCE(SUM(total), 0) AS total,"
                           " COALESCE(MIN(bill_number), '') AS first_number,"
                           " COALESCE(MAX(bill_number), '') AS last_number"
                           " FROM bills WHERE bill_run_id = %s", (run_id,))


def bills_of_run(conn, run_id: int) -> list[dict]:
    return fetch_all(conn, BILL_SELECT + " WHERE b.bill_run_id = %s ORDER BY b.seq", (run_id,))


# -- reading bills -------------------------------------------------------------------------------

def by_number(conn, number: str, for_update: bool = False) -> dict | None:
    return fetch_one(conn, BILL_SELECT + " WHERE b.bill_number = %s" + (" FOR UPDATE" if for_update else ""),
                     (number,))


def lines(conn, bill_id: int) -> list[dict]:
    return fetch_all(conn, "SELECT line_no, kind, description, quantity, unit, unit_price, amount, created_at,"
                           " created_by FROM bill_lines WHERE bill_id = %s ORDER BY line_no", (bill_id,))


def find(conn, period: str | None = None, status: str | None = None, region: str | None = None,
         customer_id: int | None = None, overdue_on: date | None = None, limit: int = 10000) -> list[dict]:
    where, params = [], []
    if period:
        where.append("b.period = %s")
        params.append(period)
    if status:
        where.append("b.status = %s")
        params.append(status)
    if region is not None:
        where.append("c.region = %s")
        params.append(region)
    if customer_id is not None:
        where.append("b.customer_id = %s")
        params.append(customer_id)
    if overdue_on is not None:
        where.append("b.status IN ('issued', 'partially_paid') AND b.due_date < %s"
                     " AND b.total - b.credit_applied - b.amount_paid > 0")
        params.append(overdue_on)
    sql = BILL_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY b.period, b.seq LIMIT %s"
    return fetch_all(conn, sql, (*params, limit))


def add_line(conn, bill_id: int, kind: str, description: str, amount: Decimal, username: str) -> int:
    no = fetch_value(conn, "SELECT COALESCE(MAX(line_no), 0) + 1 FROM bill_lines WHERE bill_id = %s", (bill_id,))
    insert(conn, "INSERT INTO bill_lines (bill_id, line_no, kind, description, quantity, unit, unit_price, amount,"
                 " created_by) VALUES (%s, %s, %s, %s, 1, '', %s, %s, %s)",
           (bill_id, no, kind, description, amount, amount, username))
    return no


def set_amounts(conn, bill_id: int, total: Decimal, amount_paid: Decimal, status: str) -> None:
    execute(conn, "UPDATE bills SET total = %s, amount_paid = %s, status = %s WHERE id = %s",
            (total, amount_paid, status, bill_id))


def unpaid_of_customer(conn, customer_id: int, exclude_id: int | None = None) -> list[dict]:
    """The customer's bills with something still due, oldest first (period, then number), locked."""
    return fetch_all(conn, BILL_SELECT + " WHERE b.customer_id = %s AND b.id <> %s"
                                         " AND b.status IN ('issued', 'partially_paid')"
                                         " AND b.total - b.credit_applied - b.amount_paid > 0"
                                         " ORDER BY b.period, b.seq FOR UPDATE", (customer_id, exclude_id or 0))


def add_credit_applied(conn, bill_id: int, amount: Decimal, status: str) -> None:
    execute(conn, "UPDATE bills SET credit_applied = credit_applied + %s, status = %s WHERE id = %s",
            (amount, status, bill_id))


def next_open_bill(conn, customer_id: int) -> dict | None:
    return fetch_one(conn, BILL_SELECT + " WHERE b.customer_id = %s AND b.status IN ('issued', 'partially_paid')"
                                         " ORDER BY b.period LIMIT 1", (customer_id,))


def lines_of_run(conn, run_id: int) -> dict[int, list[dict]]:
    """{bill_id: lines} for every bill of a run, in one query."""
    out: dict[int, list[dict]] = {}
    for ln in fetch_all(conn, "SELECT l.bill_id, l.line_no, l.kind, l.description, l.quantity, l.unit,"
                              " l.unit_price, l.amount FROM bill_lines l JOIN bills b ON b.id = l.bill_id"
                              " WHERE b.bill_run_id = %s ORDER BY l.bill_id, l.line_no", (run_id,)):
        out.setdefault(ln["bill_id"], []).append(ln)
    return out


def call_details(conn, customer_id: int, start: datetime, end: datetime, limit: int = 500) -> list[dict]:
    return fetch_all(conn, "SELECT started_at, direction, other_party, duration_s, billsec, answered, disposition"
                           " FROM calls WHERE customer_id = %s AND started_at >= %s AND started_at < %s"
                           " ORDER BY started_at, id LIMIT %s", (customer_id, start, end, limit))
