"""regions: declared regions; a region also exists while a customer is in it."""
from __future__ import annotations

from telco_console.repositories.base import execute, fetch_all, fetch_value


def find(conn, name: str) -> str | None:
    """The region's stored spelling (declared first, else a customer's), or None."""
    return fetch_value(conn, "SELECT name FROM (SELECT name, 0 AS o FROM regions WHERE name = %s"
                             " UNION ALL SELECT region, 1 FROM customers WHERE region = %s) r"
                             " ORDER BY o LIMIT 1", (name, name))


def declare(conn, name: str, by: str | None) -> int:
    return execute(conn, "INSERT IGNORE INTO regions (name, declared_by) VALUES (%s, %s)", (name, by))


def list_regions(conn, only: str | None = None) -> list[dict]:
    """Every region (declared or used by a customer) with its customers and accounts."""
    where, params = "", []
    if only is not None:
        where, params = " WHERE r.name = %s", [only]
    return fetch_all(conn, "SELECT r.name, MAX(r.declared) AS declared,"
                           " (SELECT COUNT(*) FROM customers c WHERE c.region = r.name) AS customers,"
                           " (SELECT COUNT(*) FROM staff_users u WHERE u.region = r.name) AS accounts"
                           " FROM (SELECT name, 1 AS declared FROM regions"
                           "       UNION ALL SELECT DISTINCT region, 0 FROM customers WHERE region <> '') r"
                           f"{where} GROUP BY r.name ORDER BY r.name", params)
