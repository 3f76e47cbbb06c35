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


# -- LOAD DATA LOCAL INFILE fast path ---------------------------------------------------------
def _tsv_value(v) -> str:
    if v is None:
        return "\\N"
    if v is True:
        return "1"
    if v is False:
        return "0"
    s = str(v)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def load_rows(conn, kind: str, batch_id: int, rows: Sequence[Sequence], path: str) -> int:
    """Like insert_rows, through LOAD DATA LOCAL INFILE ... IGNORE from a scratch file at path
    (tab-separated, written here). Returns how many were inserted (duplicates are skipped)."""
    if not rows:
        return 0
    table, cols = TABLES[kind]
    tsv = _tsv_value
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines("\t".join([tsv(v) for v in r]) + "\n" for r in rows)
    cur = conn.cursor()
    cur.execute(f"LOAD DATA LOCAL INFILE %s IGNORE INTO TABLE {table} CHARACTER SET utf8mb4"
                f" FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'"
                f" ({', '.join(cols)}) SET batch_id = %s", (path, batch_id))
    n = cur.rowcount
    cur.close()
    return max(n, 0)


def load_batch(conn, source: str, import_id: int | None, path: str, calls=(), sms=(), data=()) -> dict[str, int]:
    """write_batch through LOAD DATA LOCAL INFILE (scratch file at path): a batch id, the loads
    and the rollup update, in the caller's transaction. Small batches use INSERT IGNORE."""
    batch_id = rollups.new_batch(conn, source, import_id)
    counts = {}
    for kind, rows in (("call", calls), ("sms", sms), ("data", data)):
        counts[kind] = (load_rows(conn, kind, batch_id, rows, path) if len(rows) >= 100
                        else insert_rows(conn, kind, batch_id, rows))
    if any(counts.values()):
        apply_batch_tables(conn, batch_id, [TABLES[k][0] for k, n in counts.items() if n])
    return counts


BATCH_INDEX = {"calls": "ix_calls_batch", "sms": "ix_sms_batch", "data_sessions": "ix_data_batch"}


def apply_batch_tables(conn, batch_id: int, tables: Sequence[str]) -> None:
    """rollups.apply_batch for the given record tables only (a batch of calls has nothing to add
    from sms or data_sessions, so their statements are skipped)."""
    from telco_console.repositories.base import execute

    for table in tables:
        # read the batch through its index: left to itself, the optimizer may walk all of a
        # customer's calls (the join order customers -> calls), which grows with the table
        hint = f"FORCE INDEX ({BATCH_INDEX[table]})"
        cols = rollups._DAILY[table]
        names, exprs = ", ".join(cols), ", ".join(cols.values())
        upd = ", ".join(f"{c} = {c} + VALUES({c})" for c in cols)
        execute(conn, f"INSERT INTO usage_daily (customer_id, day, {names})"
                      f" SELECT t.customer_id, DATE(t.started_at), {exprs} FROM {table} t {hint}"
                      f" WHERE t.batch_id = %s GROUP BY t.customer_id, DATE(t.started_at)"
                      f" ON DUPLICATE KEY UPDATE {upd}", (batch_id,))
        cols = rollups._HOURLY[table]
        names, exprs = ", ".join(cols), ", ".join(cols.values())
        upd = ", ".join(f"{c} = {c} + VALUES({c})" for c in cols)
        execute(conn, f"INSERT INTO usage_hourly (day, hour, region, {names})"
                      f" SELECT DATE(t.started_at), HOUR(t.started_at), c.region, {exprs}"
                      f" FROM {table} t {hint} STRAIGHT_JOIN customers c ON c.id = t.customer_id"
                      f" WHERE t.batch_id = %s GROUP BY DATE(t.started_at), HOUR(t.started_at), c.region"
                      f" ON DUPLICATE KEY UPDATE {upd}", (batch_id,))

