"""plans: tariffs with allowances, rates, increment and peak window."""
from __future__ import annotations

from telco_console.repositories.base import execute, fetch_all, fetch_one, insert

FIELDS = ("code", "name", "monthly_fee", "included_minutes", "included_sms", "included_mb", "peak_rate",
          "offpeak_rate", "sms_rate", "mb_rate", "increment_seconds", "peak_days", "peak_start", "peak_end",
          "active", "deck_id")
SELECT = ("SELECT id, " + ", ".join(FIELDS) + ", created_at, updated_at,"
          " (SELECT d.name FROM rate_decks d WHERE d.id = plans.deck_id) AS deck FROM plans")


def add(conn, values: dict) -> int:
    cols = [f for f in FIELDS if f in values]
    return insert(conn, f"INSERT INTO plans ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                  [values[c] for c in cols])


def update(conn, plan_id: int, values: dict) -> int:
    cols = [f for f in FIELDS if f in values]
    if not cols:
        return 0
    return execute(conn, f"UPDATE plans SET {', '.join(f'{c} = %s' for c in cols)} WHERE id = %s",
                   [values[c] for c in cols] + [plan_id])


def by_code(conn, code: str) -> dict | None:
    return fetch_one(conn, SELECT + " WHERE code = %s", (code,))


def by_id(conn, plan_id: int) -> dict | None:
    return fetch_one(conn, SELECT + " WHERE id = %s", (plan_id,))


def list_plans(conn, include_inactive: bool = True) -> list[dict]:
    sql = ("SELECT p.id, " + ", ".join(f"p.{f}" for f in FIELDS) +
           ", (SELECT COUNT(*) FROM customers c WHERE c.plan_id = p.id AND c.status <> 'closed') AS customers"
           " FROM plans p")
    if not include_inactive:
        sql += " WHERE p.active = 1"
    return fetch_all(conn, sql + " ORDER BY p.monthly_fee, p.code")
