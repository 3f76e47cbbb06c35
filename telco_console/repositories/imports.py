"""imports: one row per import of a file (what was read, inserted, skipped; its status)."""
from __future__ import annotations

from datetime import datetime

from telco_console.repositories.base import execute, fetch_all, fetch_one, insert

COUNTERS = ("rows_read", "inserted", "duplicates", "unmatched", "rejected")


def start(conn, fmt: str, file_name: str, started_at: datetime, username: str,
          host: str | None = None, pid: int | None = None) -> int:
    return insert(conn, "INSERT INTO imports (format, file_name, file_sha256, started_at, username, host, pid,"
                        " heartbeat_at) VALUES (%s, %s, %s, %s, %s, %s, %s, NOW(3))",
                  (fmt, file_name[:500], "", started_at, username, (host or "")[:255] or None, pid))


def running(conn, stale_minutes: int) -> list[dict]:
    """The imports still marked running: id, host, pid, and whether the last sign of progress
    (the start or a batch) is older than stale_minutes by the server's clock."""
    return fetch_all(conn, "SELECT id, host, pid, file_name,"
                           " COALESCE(heartbeat_at, started_at) < NOW(3) - INTERVAL %s MINUTE AS stale"
                           " FROM imports WHERE status = 'running'", (stale_minutes,))


def mark_interrupted(conn, ids: list[int], note: str) -> int:
    """Running imports to 'interrupted' (only those still running); returns how many."""
    if not ids:
        return 0
    marks = ", ".join(["%s"] * len(ids))
    cur = conn.cursor()
    cur.execute(f"UPDATE imports SET status = 'interrupted', note = %s, finished_at = COALESCE(finished_at,"
                f" heartbeat_at, started_at) WHERE status = 'running' AND id IN ({marks})", [note[:500]] + list(ids))
    n = cur.rowcount
    cur.close()
    return n


def add_counts(conn, import_id: int, counts: dict[str, int]) -> None:
    """Add one batch's counters (in the batch's transaction, so they match what was written)."""
    cols = [c for c in COUNTERS if counts.get(c)]
    sets = [f"{c} = {c} + %s" for c in cols] + ["heartbeat_at = NOW(3)"]
    execute(conn, f"UPDATE imports SET {', '.join(sets)} WHERE id = %s", [counts[c] for c in cols] + [import_id])


def finish(conn, import_id: int, status: str, finished_at: datetime, sha256: str | None,
           reject_file: str | None, note: str | None = None) -> None:
    execute(conn, "UPDATE imports SET status = %s, finished_at = %s, file_sha256 = COALESCE(%s, file_sha256),"
                  " reject_file = %s, note = %s WHERE id = %s",
            (status, finished_at, sha256, reject_file, (note or "")[:500] or None, import_id))


def by_id(conn, import_id: int) -> dict | None:
    return fetch_one(conn, "SELECT * FROM imports WHERE id = %s", (import_id,))


def recent(conn, limit: int = 20) -> list[dict]:
    return fetch_all(conn, "SELECT * FROM imports ORDER BY id DESC LIMIT %s", (limit,))


def add_customers(conn, rows) -> int:
    """Customers from an import file: (msisdn, name, email, region, plan_id, handset, created_on)
    tuples; a number already on the books is skipped. Returns how many were added."""
    if not rows:
        return 0
    cur = conn.cursor()
    cur.executemany("INSERT IGNORE INTO customers (msisdn, name, email, region, plan_id, handset, created_on)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)", [tuple(r) for r in rows])
    n = cur.rowcount
    cur.close()
    return max(n, 0)


def plan_ids(conn) -> dict[str, tuple[int, bool]]:
    """{plan code: (id, active)}"""
    return {r["code"]: (r["id"], bool(r["active"])) for r in fetch_all(conn, "SELECT id, code, active FROM plans")}
