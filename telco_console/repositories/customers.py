"""customers: subscribers on our books."""
from __future__ import annotations

from datetime import date

from telco_console.repositories.base import execute, fetch_all, fetch_one, fetch_value, insert, like_escape

SELECT = ("SELECT c.id, c.msisdn, c.name, c.email, c.region, c.plan_id, p.code AS plan_code, c.handset,"
          " c.status, c.created_on, c.closed_on, c.created_at, c.updated_at"
          " FROM customers c JOIN plans p ON p.id = c.plan_id")
EDITABLE = ("name", "email", "region", "plan_id", "handset", "status", "created_on", "closed_on")


def add(conn, msisdn: str, name: str, plan_id: int, region: str, handset: str | None,
        created_on: date, email: str | None = None) -> int:
    return insert(conn, "INSERT INTO customers (msisdn, name, email, region, plan_id, handset, created_on)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                  (msisdn, name, email, region, plan_id, handset, created_on))


def by_msisdn(conn, msisdn: str) -> dict | None:
    return fetch_one(conn, SELECT + " WHERE c.msisdn = %s", (msisdn,))


def by_id(conn, customer_id: int) -> dict | None:
    return fetch_one(conn, SELECT + " WHERE c.id = %s", (customer_id,))


def ids_by_msisdn(conn, msisdns: list[str]) -> dict[str, tuple[int, str]]:
    """{msisdn: (id, status)} for the numbers that are customers (one query per 1,000)."""
    out: dict[str, tuple[int, str]] = {}
    for i in range(0, len(msisdns), 1000):
        chunk = msisdns[i:i + 1000]
        if not chunk:
            continue
        rows = fetch_all(conn, "SELECT id, msisdn, status FROM customers WHERE msisdn IN ("
                         + ", ".join(["%s"] * len(chunk)) + ")", chunk)
        out.update({r["msisdn"]: (r["id"], r["status"]) for r in rows})
    return out


def tenure_by_msisdn(conn, msisdns: list[str]) -> dict[str, tuple[int, date, date | None]]:
    """{msisdn: (id, joined on, closed on or None)} for the numbers that are customers (one
    query per 1,000)."""
    out: dict[str, tuple[int, date, date | None]] = {}
    for i in range(0, len(msisdns), 1000):
        chunk = msisdns[i:i + 1000]
        if not chunk:
            continue
        rows = fetch_all(conn, "SELECT id, msisdn, created_on, closed_on FROM customers WHERE msisdn IN ("
                         + ", ".join(["%s"] * len(chunk)) + ")", chunk)
        out.update({r["msisdn"]: (r["id"], r["created_on"], r["closed_on"]) for r in rows})
    return out


def update(conn, customer_id: int, values: dict) -> int:
    cols = [k for k in EDITABLE if k in values]
    if not cols:
        return 0
    return execute(conn, f"UPDATE customers SET {', '.join(f'{c} = %s' for c in cols)} WHERE id = %s",
                   [values[c] for c in cols] + [customer_id])


def close(conn, customer_id: int, closed_on: date) -> int:
    return execute(conn, "UPDATE customers SET status = 'closed', closed_on = %s WHERE id = %s",
                   (closed_on, customer_id))


def _filters(search: str | None, region: str | None, status: str | None, plan_code: str | None,
             numbers: tuple[str | None, str | None] = (None, None)):
    """numbers: the search read as a phone number, (E.164 or None, digits or None)."""
    where, params = [], []
    if search:
        terms = ["c.name LIKE %s", "c.msisdn LIKE %s"]
        pat = f"%{like_escape(search)}%"
        params += [pat, pat]
        e164, digits = numbers
        if e164:
            terms.append("c.msisdn = %s")
            params.append(e164)
        if digits and digits != search:
            terms.append("c.msisdn LIKE %s")
            params.append(f"%{digits}%")
        where.append("(" + " OR ".join(terms) + ")")
    if region:
        where.append("c.region = %s")
        params.append(region)
    if status:
        where.append("c.status = %s")
        params.append(status)
    if plan_code:
        where.append("p.code = %s")
        params.append(plan_code)
    return (" WHERE " + " AND ".join(where)) if where else "", params


def find(conn, search: str | None = None, region: str | None = None, status: str | None = None,
         plan_code: str | None = None, limit: int = 20, offset: int = 0,
         numbers: tuple[str | None, str | None] = (None, None)) -> list[dict]:
    where, params = _filters(search, region, status, plan_code, numbers)
    return fetch_all(conn, SELECT + where + " ORDER BY c.id LIMIT %s OFFSET %s", params + [limit, offset])


def count(conn, search: str | None = None, region: str | None = None, status: str | None = None,
          plan_code: str | None = None, numbers: tuple[str | None, str | None] = (None, None)) -> int:
    where, params = _filters(search, region, status, plan_code, numbers)
    return fetch_value(conn, "SELECT COUNT(*) FROM customers c JOIN plans p ON p.id = c.plan_id" + where, params)


def regions(conn) -> list[str]:
    return [r["region"] for r in fetch_all(conn, "SELECT DISTINCT region FROM customers ORDER BY region")]


def suggest(conn, number_prefixes: list[str], name_part: str | None, region: str | None,
            limit: int = 10) -> list[dict]:
    """Customers whose MSISDN starts with one of the prefixes (the unique index answers these) or
    whose name contains name_part; at most `limit` rows, for a prompt's completion or search."""
    where, params = [], []
    for p in number_prefixes:
        where.append("c.msisdn LIKE %s")
        params.append(like_escape(p) + "%")
    if name_part:
        where.append("c.name LIKE %s")
        params.append("%" + like_escape(name_part) + "%")
    if not where:
        return []
    sql = ("SELECT c.msisdn, c.name, c.region, c.status FROM customers c WHERE (" + " OR ".join(where) + ")"
           + (" AND c.region = %s" if region else "") + " ORDER BY c.msisdn LIMIT %s")
    return fetch_all(conn, sql, params + ([region] if region else []) + [limit])


# -- the plan history (customer_plans) ---------------------------------------------------------------

def plan_history(conn, customer_id: int) -> list[dict]:
    """The plans a customer has been on, oldest first: valid_from, valid_to (the day before the next
    one, None for the current plan), code, name. A customer written without history (bulk loads) is
    on its plan from the day it joined."""
    rows = fetch_all(conn, "SELECT h.valid_from, p.code, p.name, h.created_by FROM customer_plans h"
                           " JOIN plans p ON p.id = h.plan_id WHERE h.customer_id = %s ORDER BY h.valid_from",
                     (customer_id,))
    if not rows:
        rows = fetch_all(conn, "SELECT c.created_on AS valid_from, p.code, p.name, '' AS created_by"
                               " FROM customers c JOIN plans p ON p.id = c.plan_id WHERE c.id = %s", (customer_id,))
    from datetime import timedelta

    for i, r in enumerate(rows):
        r["valid_to"] = rows[i + 1]["valid_from"] - timedelta(days=1) if i + 1 < len(rows) else None
    return rows


def last_billed_period(conn, customer_id: int) -> str | None:
    return fetch_value(conn, "SELECT MAX(period) FROM bills WHERE customer_id = %s", (customer_id,))


def set_plan_from(conn, customer_id: int, plan_id: int, valid_from: date, created_on: date, current_plan_id: int,
                  username: str) -> None:
    """Put the customer on plan_id from valid_from: rows from that day on are replaced (they are not
    billed, the caller checked), a row is added unless the plan in force the day before is the same,
    and customers.plan_id becomes the plan. Locks the customer's history rows."""
    if not fetch_value(conn, "SELECT COUNT(*) FROM customer_plans WHERE customer_id = %s FOR UPDATE",
                       (customer_id,)):
        execute(conn, "INSERT INTO customer_plans (customer_id, valid_from, plan_id, created_by)"
                      " VALUES (%s, %s, %s, %s)", (customer_id, created_on, current_plan_id, username))
    execute(conn, "DELETE FROM customer_plans WHERE customer_id = %s AND valid_from >= %s", (customer_id, valid_from))
    before = fetch_value(conn, "SELECT plan_id FROM customer_plans WHERE customer_id = %s AND valid_from < %s"
                               " ORDER BY valid_from DESC LIMIT 1", (customer_id, valid_from))
    if before != plan_id:
        execute(conn, "INSERT INTO customer_plans (customer_id, valid_from, plan_id, created_by)"
                      " VALUES (%s, %s, %s, %s)", (customer_id, valid_from, plan_id, username))
    execute(conn, "UPDATE customers SET plan_id = %s WHERE id = %s", (plan_id, customer_id))


def start_history(conn, customer_id: int, plan_id: int, created_on: date, username: str) -> None:
    execute(conn, "INSERT INTO customer_plans (customer_id, valid_from, plan_id, created_by) VALUES (%s, %s, %s, %s)",
            (customer_id, created_on, plan_id, username))


def move_history_start(conn, customer_id: int, created_on: date) -> None:
    """A corrected start date: the first history row starts on it (later rows before it are refused
    by the caller)."""
    execute(conn, "UPDATE customer_plans h JOIN (SELECT MIN(valid_from) AS f FROM customer_plans"
                  " WHERE customer_id = %s) m ON h.valid_from = m.f SET h.valid_from = %s WHERE h.customer_id = %s",
            (customer_id, created_on, customer_id))
