"""calls, sms, data_sessions: batched, idempotent inserts (INSERT IGNORE on the natural key)
and per-customer reads. Every insert belongs to an ingest batch whose rows are added to the
rollups in the same transaction (see rollups.apply_batch)."""
from __future__ import annotations

from typing import Sequence

from telco_console.repositories import rollups

CALL_COLS = ("customer_id", "started_at", "direction", "other_party", "duration_s", "billsec", "answered",
             "disposition", "international", "source", "source_ref")
SMS_COLS = ("customer_id", "started_at", "direction", "other_party", "length", "international", "source",
            "source_ref")
APPS = ("social", "google", "email", "youtube", "netflix", "gaming", "other")
DATA_COLS = ("customer_id", "started_at", "ended_at", "duration_ms", "bytes_dl", "bytes_ul",
             *[f"{a}_{d}" for a in APPS for d in ("dl", "ul")],
             "rtt_dl_ms", "rtt_ul_ms", "tp_dl_kbps", "tp_ul_kbps", "tcp_retrans_dl_bytes", "tcp_retrans_ul_bytes",
             "handset_manufacturer", "handset_type", "imsi", "imei", "location", "extra", "source", "source_ref")
TABLES = {"call": ("calls", CALL_COLS), "sms": ("sms", SMS_COLS), "data": ("data_sessions", DATA_COLS)}


def insert_rows(conn, kind: str, batch_id: int, rows: Sequence[Sequence]) -> int:
    """Insert rows (tuples in the kind's column order) under a batch; duplicates of the natural
    key are skipped. Returns how many were inserted. Does not touch the rollups."""
    if not rows:
        return 0
    table, cols = TABLES[kind]
    sql = (f"INSERT IGNORE INTO {table} ({', '.join(cols)}, batch_id) "
           f"VALUES ({', '.join(['%s'] * (len(cols) + 1))})")
    cur = conn.cursor()
    cur.executemany(sql, [tuple(r) + (batch_id,) for r in rows])
    n = cur.rowcount
    cur.close()
    return max(n, 0)


def write_batch(conn, source: str, import_id: int | None, calls=(), sms=(), data=()) -> dict[str, int]:
    """One batch: a batch id, the inserts, and the rollup update, in the caller's transaction.
    Returns {'call': inserted, 'sms': inserted, 'data': inserted}."""
    batch_id = rollups.new_batch(conn, source, import_id)
    counts = {"call": insert_rows(conn, "call", batch_id, calls),
              "sms": insert_rows(conn, "sms", batch_id, sms),
              "data": insert_rows(conn, "data", batch_id, data)}
    if any(counts.values()):
        rollups.apply_batch(conn, batch_id)
    return counts
