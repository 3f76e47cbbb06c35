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


def churn_features(conn, today: date) -> list[dict]:
    """Every customer with tenure, calls and minutes by time of day (day 07-17h, evening 17-22h,
    night 22-07h), international calls, SMS, data, enquiries, overdue bills and plan."""
    return fetch_all(conn, f"""
        SELECT c.id, c.msisdn, c.status, p.code AS plan_code,
               GREATEST(DATEDIFF(COALESCE(c.closed_on, %s), c.created_on), 1) AS tenure_days,
               COALESCE(k.day_minutes, 0) AS day_minutes, COALESCE(k.day_calls, 0) AS day_calls,
               COALESCE(k.eve_minutes, 0) AS eve_minutes, COALESCE(k.eve_calls, 0) AS eve_calls,
               COALESCE(k.night_minutes, 0) AS night_minutes, COALESCE(k.night_calls, 0) AS night_calls,
               COALESCE(k.intl_calls, 0) AS intl_calls, COALESCE(k.intl_minutes, 0) AS intl_minutes,
               COALESCE(u.sms, 0) AS sms, COALESCE(u.data_mb, 0) AS data_mb,
               COALESCE(e.enquiries, 0) AS enquiries, COALESCE(b.overdue_bills, 0) AS overdue_bills
        FROM customers c
        JOIN plans p ON p.id = c.plan_id
        LEFT JOIN (
          SELECT customer_id,
                 SUM(IF(HOUR(started_at) BETWEEN 7 AND 16, billsec, 0)) / 60 AS day_minutes,
                 SUM(HOUR(started_at) BETWEEN 7 AND 16) AS day_calls,
                 SUM(IF(HOUR(started_at) BETWEEN 17 AND 21, billsec, 0)) / 60 AS eve_minutes,
                 SUM(HOUR(started_at) BETWEEN 17 AND 21) AS eve_calls,
                 SUM(IF(HOUR(started_at) >= 22 OR HOUR(started_at) < 7, billsec, 0)) / 60 AS night_minutes,
                 SUM(HOUR(started_at) >= 22 OR HOUR(started_at) < 7) AS night_calls,
                 SUM(international) AS intl_calls, SUM(IF(international = 1, billsec, 0)) / 60 AS intl_minutes
          FROM calls GROUP BY customer_id) k ON k.customer_id = c.id
        LEFT JOIN (
          SELECT customer_id, SUM(sms_out + sms_in) AS sms, SUM(bytes_dl + bytes_ul) / 1000000 AS data_mb
          FROM usage_monthly GROUP BY customer_id) u ON u.customer_id = c.id
        LEFT JOIN (SELECT customer_id, COUNT(*) AS enquiries FROM enquiries GROUP BY customer_id) e
          ON e.customer_id = c.id
        LEFT JOIN ({_BILLS}) b ON b.customer_id = c.id
        ORDER BY c.id""", (today, today, today, "0000-00"))


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
