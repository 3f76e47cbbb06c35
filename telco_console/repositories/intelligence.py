"""Per-customer feature tables for customer intelligence (segments, churn, outliers, application
baskets). One set-based query per table, whatever the number of customers."""
from __future__ import annotations

from datetime import date

from telco_console.applications import APPS
from telco_console.repositories.base import fetch_all

# bills per customer: revenue, count, overdue history (unpaid past due, or paid after the due date)
_BILLS = """
  SELECT b.customer_id, COUNT(*) AS bills, SUM(b.total) AS revenue,
         SUM(CASE WHEN b.status IN ('issued', 'partially_paid') AND b.due_date < %s THEN 1
                  WHEN b.status = 'paid' AND pay.last_paid >= b.due_date + INTERVAL 1 DAY THEN 1
                  ELSE 0 END) AS overdue_bills,
         SUM(CASE WHEN b.status IN ('issued', 'partially_paid') AND b.due_date < %s
                  THEN b.total - b.amount_paid - b.credit_applied ELSE 0 END) AS outstanding
  FROM bills b
  LEFT JOIN (SELECT bill_id, MAX(paid_at) AS last_paid FROM payments GROUP BY bill_id) pay ON pay.bill_id = b.id
  WHERE b.status <> 'void' AND b.period >= %s
  GROUP BY b.customer_id
"""


def churn_snapshot(conn, cutoff: date, history_days: int, window_days: int) -> list[dict]:
    """Point-in-time churn features: every customer who had joined before `cutoff` and had not closed
    by it, with what was known on that day only: tenure, usage per day of the `history_days` before the
    cut-off (from usage_daily), the events of the second half of that history against the first (a
    fading customer), the days since the last active day, enquiries and bills overdue before the
    cut-off; plan (today's: plan changes are not kept). `closes` is 1 when the account closed within
    `window_days` from the cut-off (0 for a cut-off whose window has not ended yet means: not yet)."""
    from datetime import timedelta

    start = cutoff - timedelta(days=history_days)
    mid = cutoff - timedelta(days=history_days // 2)
    end = cutoff + timedelta(days=window_days)
    cut, start_s, mid_s, end_s = cutoff.isoformat(), start.isoformat(), mid.isoformat(), end.isoformat()
    return fetch_all(conn, """
        SELECT c.id, c.msisdn, c.status, p.code AS plan_code,
               DATEDIFF(%s, c.created_on) AS tenure_days,
               LEAST(DATEDIFF(%s, c.created_on), %s) AS observed_days,
               COALESCE(u.calls, 0) AS calls, COALESCE(u.minutes, 0) AS minutes,
               COALESCE(u.intl_calls, 0) AS intl_calls, COALESCE(u.sms, 0) AS sms,
               COALESCE(u.sessions, 0) AS sessions, COALESCE(u.data_mb, 0) AS data_mb,
               COALESCE(u.recent_events, 0) AS recent_events, COALESCE(u.earlier_events, 0) AS earlier_events,
               COALESCE(u.active_days, 0) AS active_days,
               DATEDIFF(%s, COALESCE(u.last_day, GREATEST(c.created_on, %s))) AS idle_days,
               COALESCE(e.enquiries, 0) AS enquiries, COALESCE(b.overdue_bills, 0) AS overdue_bills,
               IF(c.closed_on IS NOT NULL AND c.closed_on < %s, 1, 0) AS closes
        FROM customers c
        JOIN plans p ON p.id = c.plan_id
        LEFT JOIN (
          SELECT customer_id, SUM(calls_out + calls_in) AS calls,
                 SUM(call_seconds_out + call_seconds_in) / 60 AS minutes, SUM(calls_international) AS intl_calls,
                 SUM(sms_out + sms_in) AS sms, SUM(data_sessions) AS sessions,
                 SUM(bytes_dl + bytes_ul) / 1000000 AS data_mb,
                 SUM(IF(day >= %s, calls_out + sms_out + data_sessions, 0)) AS recent_events,
                 SUM(IF(day < %s, calls_out + sms_out + data_sessions, 0)) AS earlier_events,
                 COUNT(*) AS active_days, MAX(day) AS last_day
          FROM usage_daily WHERE day >= %s AND day < %s GROUP BY customer_id) u ON u.customer_id = c.id
        LEFT JOIN (SELECT customer_id, COUNT(*) AS enquiries FROM enquiries WHERE created_at < %s
                   GROUP BY customer_id) e ON e.customer_id = c.id
        LEFT JOIN (
          SELECT b.customer_id,
                 SUM(pay.last_paid IS NULL OR pay.last_paid >= %s OR pay.last_paid >= b.due_date + INTERVAL 1 DAY)
                   AS overdue_bills
          FROM bills b
          LEFT JOIN (SELECT bill_id, MAX(paid_at) AS last_paid FROM payments GROUP BY bill_id) pay
            ON pay.bill_id = b.id
          WHERE b.status <> 'void' AND b.due_date < %s
          GROUP BY b.customer_id) b ON b.customer_id = c.id
        WHERE c.created_on < %s AND (c.closed_on IS NULL OR c.closed_on >= %s)
        ORDER BY c.id""", (cut, cut, history_days, cut, start_s, end_s, mid_s, mid_s, start_s, cut, cut,
                           cut, cut, cut, cut))


def value_features(conn, today: date, since: date) -> list[dict]:
    """Active and suspended customers with revenue billed, bills, overdue history and outstanding
    amount (bills of periods from `since`), usage (minutes, SMS, MB from usage_daily since `since`),
    plan, region and handset."""
    return fetch_all(conn, f"""
        SELECT c.id, c.msisdn, c.name, c.status, c.region, COALESCE(c.handset, '') AS handset,
               p.code AS plan_code, c.created_on,
               COALESCE(b.revenue, 0) AS revenue, COALESCE(b.bills, 0) AS bills,
               COALESCE(b.overdue_bills, 0) AS overdue_bills, COALESCE(b.outstanding, 0) AS outstanding,
               COALESCE(u.minutes, 0) AS minutes, COALESCE(u.sms, 0) AS sms, COALESCE(u.data_mb, 0) AS data_mb
        FROM customers c
        JOIN plans p ON p.id = c.plan_id
        LEFT JOIN ({_BILLS}) b ON b.customer_id = c.id
        LEFT JOIN (
          SELECT customer_id, SUM(call_seconds_out + call_seconds_in) / 60 AS minutes,
                 SUM(sms_out + sms_in) AS sms, SUM(bytes_dl + bytes_ul) / 1000000 AS data_mb
          FROM usage_daily WHERE day >= %s GROUP BY customer_id) u ON u.customer_id = c.id
        WHERE c.status <> 'closed'
        ORDER BY c.id""", (today, today, since.strftime("%Y-%m"), since))


def usage_features(conn, since: date, until: date) -> list[dict]:
    """Per active customer usage in [since, until): calls, minutes, international calls, SMS, MB,
    data sessions (from usage_daily)."""
    return fetch_all(conn, """
        SELECT c.id, c.msisdn, c.name,
               COALESCE(SUM(u.calls_out + u.calls_in), 0) AS calls,
               COALESCE(SUM(u.call_seconds_out + u.call_seconds_in), 0) / 60 AS minutes,
               COALESCE(SUM(u.calls_international), 0) AS intl_calls,
               COALESCE(SUM(u.sms_out + u.sms_in), 0) AS sms,
               COALESCE(SUM(u.bytes_dl + u.bytes_ul), 0) / 1000000 AS data_mb,
               COALESCE(SUM(u.data_sessions), 0) AS sessions
        FROM customers c
        LEFT JOIN usage_daily u ON u.customer_id = c.id AND u.day >= %s AND u.day < %s
        WHERE c.status = 'active'
        GROUP BY c.id, c.msisdn, c.name
        ORDER BY c.id""", (since, until))




def app_bytes(conn, since: date | None = None) -> list[dict]:
    """Per customer, total bytes (DL + UL) per application over the xDR data sessions."""
    cols = ", ".join(f"SUM(COALESCE({a}_dl, 0) + COALESCE({a}_ul, 0)) AS {a}" for a in APPS)
    where, params = ("WHERE started_at >= %s", (since,)) if since else ("", ())
    return fetch_all(conn, f"SELECT customer_id, {cols} FROM data_sessions {where} GROUP BY customer_id", params)


def customer_ids_by_msisdn(conn, msisdn: str) -> dict | None:
    rows = fetch_all(conn, "SELECT id, msisdn, status FROM customers WHERE msisdn = %s", (msisdn,))
    return rows[0] if rows else None


def plans_for_offers(conn) -> list[dict]:
    return fetch_all(conn, "SELECT * FROM plans WHERE active = 1 ORDER BY code")


def customers_brief(conn) -> list[dict]:
    return fetch_all(conn, "SELECT c.id, c.msisdn, c.name, c.status, c.plan_id, p.code AS plan_code"
                           " FROM customers c JOIN plans p ON p.id = c.plan_id WHERE c.status <> 'closed'")
