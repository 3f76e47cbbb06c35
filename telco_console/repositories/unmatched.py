"""unmatched_records: records whose subscriber is not on our books, kept with the reason."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from telco_console.repositories.base import execute, fetch_all, fetch_value

COLS = ("kind", "source", "source_ref", "started_at", "party_a", "party_b", "reason", "payload", "import_id")


def insert_many(conn, rows: Sequence[Sequence]) -> int:
    """Rows in COLS order; a record already kept (same kind, source, ref, start) is skipped.
    Returns how many were added."""
    if not rows:
        return 0
    cur = conn.cursor()
    cur.executemany(f"INSERT IGNORE INTO unmatched_records ({', '.join(COLS)})"
                    f" VALUES ({', '.join(['%s'] * len(COLS))})", [tuple(r) for r in rows])
    n = cur.rowcount
    cur.close()
    return max(n, 0)


def _where(status: str | None, kind: str | None, source: str | None):
    where, params = [], []
    for col, val in (("status", status), ("kind", kind), ("source", source)):
        if val:
            where.append(f"{col} = %s")
            params.append(val)
    return (" WHERE " + " AND ".join(where)) if where else "", params


def find(conn, status: str | None = "pending", kind: str | None = None, source: str | None = None,
         limit: int = 50, offset: int = 0) -> list[dict]:
    where, params = _where(status, kind, source)
    return fetch_all(conn, "SELECT id, kind, source, source_ref, started_at, party_a, party_b, reason, status,"
                           " import_id, created_at, processed_at FROM unmatched_records"
                           f"{where} ORDER BY id LIMIT %s OFFSET %s", params + [limit, offset])


def count(conn, status: str | None = "pending", kind: str | None = None, source: str | None = None) -> int:
    where, params = _where(status, kind, source)
    return int(fetch_value(conn, f"SELECT COUNT(*) FROM unmatched_records{where}", params) or 0)


def pending_after(conn, after_id: int, limit: int) -> list[dict]:
    """The next pending records by id (for re-processing in chunks)."""
    return fetch_all(conn, "SELECT id, kind, source, source_ref, started_at, party_a, party_b, payload"
                           " FROM unmatched_records WHERE status = 'pending' AND id > %s ORDER BY id LIMIT %s",
                     (after_id, limit))


def mark_processed(conn, ids: Sequence[int], at: datetime) -> int:
    if not ids:
        return 0
    return execute(conn, "UPDATE unmatched_records SET status = 'processed', processed_at = %s"
                         f" WHERE status = 'pending' AND id IN ({', '.join(['%s'] * len(ids))})",
                   [at, *ids])


def update_reason(conn, ids: Sequence[int], reason: str) -> int:
    if not ids:
        return 0
    return execute(conn, f"UPDATE unmatched_records SET reason = %s WHERE id IN ({', '.join(['%s'] * len(ids))})",
                   [reason[:255], *ids])
