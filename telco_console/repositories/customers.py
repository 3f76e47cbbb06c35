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
