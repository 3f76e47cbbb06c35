"""audit_log: who did what, when."""
from __future__ import annotations

from datetime import datetime

from telco_console.repositories.base import execute, fetch_all, fetch_value


def record(conn, at: datetime, username: str, action: str, target: str = "", detail: str | None = None) -> None:
    execute(conn, "INSERT INTO audit_log (at, username, action, target, detail) VALUES (%s, %s, %s, %s, %s)",
            (at, username[:64], action[:64], str(target)[:200], detail))


def recent(conn, limit: int = 50, username: str | None = None, action: str | None = None) -> list[dict]:
    where, params = [], []
    if username:
        where.append("username = %s")
        params.append(username)
    if action:
        where.append("action = %s")
        params.append(action)
    sql = "SELECT at, username, action, target, detail FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT %s"
    params.append(limit)
    return fetch_all(conn, sql, params)


def recent_login_failures(conn, username: str, since: datetime) -> int:
    """Failed sign-ins of a username (known or not) since `since` and after its last sign-in."""
    return fetch_value(conn, "SELECT COUNT(*) FROM audit_log f WHERE f.username = %s AND f.action = 'login.failed'"
                             " AND f.at >= %s AND NOT EXISTS (SELECT 1 FROM audit_log s WHERE s.username = f.username"
                             " AND s.action = 'login' AND s.at >= f.at AND s.at >= %s)", (username, since, since))


def last_actor(conn, action: str, target: str) -> str | None:
    """Who last did `action` to `target` (e.g. who disabled an account)."""
    return fetch_value(conn, "SELECT username FROM audit_log WHERE action = %s AND target = %s"
                             " ORDER BY id DESC LIMIT 1", (action, target))
