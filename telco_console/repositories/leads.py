"""leads and listings: upserts from CSV imports and the three reports joined with calls and SMS
on the phone number (leads.phone and calls/sms.other_party are both E.164)."""
from __future__ import annotations

from collections.abc import Sequence

from telco_console.repositories.base import fetch_all, fetch_one, fetch_value


def upsert_listings(conn, rows: Sequence[tuple]) -> tuple[int, int]:
    """rows: (listing_id, title, location, price). Returns (new, updated)."""
    if not rows:
        return 0, 0
    ids = [r[0] for r in rows]
    existing = _existing(conn, "listings", "listing_id", ids)
    cur = conn.cursor()
    cur.executemany("INSERT INTO listings (listing_id, title, location, price) VALUES (%s, %s, %s, %s)"
                    " ON DUPLICATE KEY UPDATE title = VALUES(title), location = VALUES(location),"
                    " price = VALUES(price)", [tuple(r) for r in rows])
    cur.close()
    return len(set(ids) - existing), len(set(ids) & existing)


def upsert_leads(conn, rows: Sequence[tuple]) -> tuple[int, int]:
    """rows: (lead_id, name, phone, listing_id, created_at). Returns (new, updated)."""
    if not rows:
        return 0, 0
    ids = [r[0] for r in rows]
    existing = _existing(conn, "leads", "lead_id", ids)
    cur = conn.cursor()
    cur.executemany("INSERT INTO leads (lead_id, name, phone, listing_id, created_at) VALUES (%s, %s, %s, %s, %s)"
                    " ON DUPLICATE KEY UPDATE name = VALUES(name), phone = VALUES(phone),"
                    " listing_id = VALUES(listing_id), created_at = VALUES(created_at)", [tuple(r) for r in rows])
    cur.close()
    return len(set(ids) - existing), len(set(ids) & existing)


def _existing(conn, table: str, key: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        rows = fetch_all(conn, f"SELECT {key} AS k FROM {table} WHERE {key} IN ("
                         + ", ".join(["%s"] * len(chunk)) + ")", chunk)
        found.update(r["k"] for r in rows)
    return found


def listing_ids(conn) -> set[str]:
    return {r["listing_id"] for r in fetch_all(conn, "SELECT listing_id FROM listings")}


def counts(conn) -> dict:
    return {"leads": fetch_value(conn, "SELECT COUNT(*) FROM leads"),
            "listings": fetch_value(conn, "SELECT COUNT(*) FROM listings")}


# Calls with a lead: calls whose other party is the lead's phone, plus the calls made or received
# by a customer whose own number is the lead's phone.
_LEAD_CALLS = """
  SELECT l.lead_id, ca.billsec, ca.answered
  FROM leads l JOIN calls ca ON ca.other_party = l.phone
  UNION ALL
  SELECT l.lead_id, ca.billsec, ca.answered
  FROM leads l JOIN customers c ON c.msisdn = l.phone JOIN calls ca ON ca.customer_id = c.id
"""

_LEAD_SMS = """
  SELECT l.lead_id, s.direction
  FROM leads l JOIN sms s ON s.other_party = l.phone
  UNION ALL
  SELECT l.lead_id, IF(s.direction = 'out', 'in', 'out')
  FROM leads l JOIN customers c ON c.msisdn = l.phone JOIN sms s ON s.customer_id = c.id
"""


def top_leads_by_calls(conn, limit: int) -> list[dict]:
    return fetch_all(conn, f"""
        SELECT l.lead_id, l.name, l.phone, l.listing_id, li.title,
               COUNT(x.lead_id) AS calls, COALESCE(SUM(x.answered), 0) AS answered,
               COALESCE(SUM(x.billsec), 0) AS seconds
        FROM leads l
        LEFT JOIN ({_LEAD_CALLS}) x ON x.lead_id = l.lead_id
        LEFT JOIN listings li ON li.listing_id = l.listing_id
        GROUP BY l.lead_id, l.name, l.phone, l.listing_id, li.title
        HAVING COUNT(x.lead_id) > 0
        ORDER BY calls DESC, seconds DESC, l.lead_id
        LIMIT %s""", (limit,))


def listings_by_sms(conn, limit: int) -> list[dict]:
    return fetch_all(conn, f"""
        SELECT li.listing_id, li.title, li.location, li.price,
               COUNT(DISTINCT l.lead_id) AS leads,
               COUNT(x.lead_id) AS sms, COALESCE(SUM(x.direction = 'in'), 0) AS sms_from_leads
        FROM listings li
        JOIN leads l ON l.listing_id = li.listing_id
        LEFT JOIN ({_LEAD_SMS}) x ON x.lead_id = l.lead_id
        GROUP BY li.listing_id, li.title, li.location, li.price
        HAVING COUNT(x.lead_id) > 0
        ORDER BY sms DESC, li.listing_id
        LIMIT %s""", (limit,))


def customer_by_msisdn(conn, phone: str) -> dict | None:
    return fetch_one(conn, "SELECT id, msisdn, name, status FROM customers WHERE msisdn = %s", (phone,))


def phone_activity(conn, phone: str) -> dict:
    """Calls and SMS of one number (as our customer, or as the other party of our customers' records),
    the leads it exchanged calls/SMS with, and the listings of those leads and of its own leads."""
    cust = customer_by_msisdn(conn, phone)
    cid = cust["id"] if cust else -1
    calls = fetch_one(conn, """
        SELECT COUNT(*) AS n, COALESCE(SUM(direction = 'out'), 0) AS n_out, COALESCE(SUM(direction = 'in'), 0) AS n_in,
               COALESCE(SUM(answered), 0) AS answered, COALESCE(SUM(billsec), 0) AS seconds
        FROM (SELECT direction, answered, billsec FROM calls WHERE customer_id = %s
              UNION ALL
              SELECT IF(direction = 'out', 'in', 'out'), answered, billsec FROM calls WHERE other_party = %s) t
        """, (cid, phone))
    sms = fetch_one(conn, """
        SELECT COUNT(*) AS n, COALESCE(SUM(direction = 'out'), 0) AS n_out, COALESCE(SUM(direction = 'in'), 0) AS n_in
        FROM (SELECT direction FROM sms WHERE customer_id = %s
              UNION ALL
              SELECT IF(direction = 'out', 'in', 'out') FROM sms WHERE other_party = %s) t
        """, (cid, phone))
    contacted = fetch_all(conn, """
        SELECT l.lead_id, l.name, l.phone, l.listing_id, li.title
        FROM leads l LEFT JOIN listings li ON li.listing_id = l.listing_id
        WHERE l.phone IN (SELECT other_party FROM calls WHERE customer_id = %s
                          UNION SELECT other_party FROM sms WHERE customer_id = %s
                          UNION SELECT c.msisdn FROM calls ca JOIN customers c ON c.id = ca.customer_id
                                WHERE ca.other_party = %s
                          UNION SELECT c.msisdn FROM sms s JOIN customers c ON c.id = s.customer_id
                                WHERE s.other_party = %s)
          AND l.phone <> %s
        ORDER BY l.lead_id""", (cid, cid, phone, phone, phone))
    own = fetch_all(conn, """
        SELECT l.lead_id, l.listing_id, li.title FROM leads l LEFT JOIN listings li ON li.listing_id = l.listing_id
        WHERE l.phone = %s ORDER BY l.lead_id""", (phone,))
    return {"customer": cust, "calls": calls, "sms": sms, "contacted": contacted, "own_leads": own}
