"""Small helpers shared by the repositories: rows as dicts, one-row fetches."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def fetch_all(conn, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    # tuples zipped with the column names once: the driver's dictionary cursor looks the names
    # up again for every row, a third of the fetch time of a 10,000-row report
    cur = conn.cursor()
    cur.execute(sql, tuple(params))
    rows = cur.fetchall()
    names = cur.column_names
    cur.close()
    return [dict(zip(names, r)) for r in rows]


def fetch_rows(conn, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    """Rows as tuples, in the SELECT's column order (for large result sets that go straight
    into a report's table)."""
    cur = conn.cursor()
    cur.execute(sql, tuple(params))
    rows = cur.fetchall()
    cur.close()
    return rows


def fetch_one(conn, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
    rows = fetch_all(conn, sql, params)
    return rows[0] if rows else None


def fetch_value(conn, sql: str, params: Iterable[Any] = ()) -> Any:
    cur = conn.cursor()
    cur.execute(sql, tuple(params))
    row = cur.fetchone()
    cur.fetchall()
    cur.close()
    return row[0] if row else None


def execute(conn, sql: str, params: Iterable[Any] = ()) -> int:
    """Run one statement; returns the affected row count (lastrowid via insert())."""
    cur = conn.cursor()
    cur.execute(sql, tuple(params))
    n = cur.rowcount
    cur.close()
    return n


def insert(conn, sql: str, params: Iterable[Any] = ()) -> int:
    cur = conn.cursor()
    cur.execute(sql, tuple(params))
    new_id = cur.lastrowid
    cur.close()
    return new_id


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
