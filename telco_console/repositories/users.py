"""staff_users: accounts, roles, failed-login counters."""
from __future__ import annotations

from datetime import datetime

from telco_console.repositories.base import execute, fetch_all, fetch_one, fetch_value, insert

COLUMNS = ("id, username, password_hash, role, region, customer_id, active, failed_attempts, "
           "locked_until, last_login_at, created_at, created_by")


def count(conn) -> int:
    return fetch_value(conn, "SELECT COUNT(*) FROM staff_users")


def by_username(conn, username: str, for_update: bool = False) -> dict | None:
    """The account, with `scope_region`: its own region, or for a customer account its customer's."""
    cols = ", ".join(f"u.{c.strip()}" for c in COLUMNS.split(","))
    sql = (f"SELECT {cols}, COALESCE(u.region, c.region) AS scope_region FROM staff_users u"
           " LEFT JOIN customers c ON c.id = u.customer_id WHERE u.username = %s")
    if for_update:
        sql += " FOR UPDATE"
    return fetch_one(conn, sql, (username,))


def add(conn, username: str, password_hash: str, role: str, region: str | None,
        customer_id: int | None, created_by: str | None) -> int:
    return insert(conn, "INSERT INTO staff_users (username, password_hash, role, region, customer_id, created_by)"
                        " VALUES (%s, %s, %s, %s, %s, %s)",
                  (username, password_hash, role, region, customer_id, created_by))


def list_users(conn, region: str | None = None) -> list[dict]:
    sql = ("SELECT u.id, u.username, u.role, u.region, c.msisdn, u.active, u.failed_attempts, "
           "u.locked_until, u.last_login_at, u.created_at FROM staff_users u "
           "LEFT JOIN customers c ON c.id = u.customer_id")
    params: list = []
    if region is not None:
        sql += " WHERE COALESCE(u.region, c.region) = %s"
        params.append(region)
    return fetch_all(conn, sql + " ORDER BY u.username", params)


def set_active(conn, username: str, active: bool) -> int:
    return execute(conn, "UPDATE staff_users SET active = %s, failed_attempts = 0, locked_until = NULL"
                         " WHERE username = %s", (1 if active else 0, username))


def set_password(conn, username: str, password_hash: str) -> int:
    return execute(conn, "UPDATE staff_users SET password_hash = %s WHERE username = %s",
                   (password_hash, username))


def login_failed(conn, user_id: int, failed_attempts: int, locked_until: datetime | None) -> None:
    execute(conn, "UPDATE staff_users SET failed_attempts = %s, locked_until = %s WHERE id = %s",
            (failed_attempts, locked_until, user_id))


def login_succeeded(conn, user_id: int, at: datetime) -> None:
    execute(conn, "UPDATE staff_users SET failed_attempts = 0, locked_until = NULL, last_login_at = %s"
                  " WHERE id = %s", (at, user_id))
