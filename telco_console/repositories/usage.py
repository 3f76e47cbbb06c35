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
    counts, tables = {}, []
    for kind, rows in (("call", calls), ("sms", sms), ("data", data)):
        counts[kind] = n = (load_rows(conn, kind, batch_id, rows, path) if len(rows) >= 100
                            else insert_rows(conn, kind, batch_id, rows))
        # every row went in (none was a duplicate): the batch's rows are exactly these, so their
        # rollups are summed here rather than read back; otherwise read back by batch id
        if n and not (n == len(rows) and add_rollups(conn, kind, rows)):
            tables.append(TABLES[kind][0])
    if tables:
        apply_batch_tables(conn, batch_id, tables)
    return counts


_INT_MAX = 2 ** 31 - 1
_BIGINT_MAX = 2 ** 63 - 1


_ISO_MS = None


def _plain(rows, direction_at: int | None, ints: Sequence[int], flags: Sequence[int],
           bigints: Sequence[int] = ()) -> list | None:
    """The rows' start times (datetimes) when the rows hold exactly what the table will store in
    the columns the rollups read (so a sum of them equals a sum of the stored rows); else None.
    A start time may be a naive datetime or text 'YYYY-MM-DD[T ]HH:MM:SS[.mmm]'."""
    import re
    from datetime import datetime

    global _ISO_MS
    if _ISO_MS is None:
        _ISO_MS = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,3})?")
    times = []
    for r in rows:
        cid, at = r[0], r[1]
        if type(at) is str:
            if not _ISO_MS.fullmatch(at):
                return None
            try:
                at = datetime.fromisoformat(at)
            except ValueError:
                return None
        if (type(cid) is not int or not 0 < cid <= _INT_MAX or type(at) is not datetime
                or at.tzinfo is not None or at.microsecond % 1000
                or (direction_at is not None and r[direction_at] not in ("out", "in"))):
            return None
        for i in ints:
            v = r[i]
            if type(v) is not int or not 0 <= v <= _INT_MAX:
                return None
        for i in bigints:
            v = r[i]
            if type(v) is not int or not 0 <= v <= _BIGINT_MAX:
                return None
        for i in flags:
            if r[i] not in (0, 1):
                return None
        times.append(at)
    return times


def add_rollups(conn, kind: str, rows: Sequence[Sequence]) -> bool:
    """Add call, SMS or data session rows that were all inserted to usage_daily, usage_monthly and usage_hourly, summed here
    (the same sums as rollups.apply_batch). Returns False, having written nothing, when the rows
    are not ones it can sum exactly (the caller then reads the batch back)."""
    from telco_console.repositories.base import execute, fetch_all

    if kind == "call":
        times = _plain(rows, 2, (5,), (6, 8))
        if times is None:
            return False
        daily_cols = tuple(rollups._DAILY["calls"])
        hourly_cols = tuple(rollups._HOURLY["calls"])
    elif kind == "sms":
        times = _plain(rows, 2, (), (5,))
        if times is None:
            return False
        daily_cols = tuple(rollups._DAILY["sms"])
        hourly_cols = tuple(rollups._HOURLY["sms"])
    elif kind == "data":
        times = _plain(rows, None, (), (), (3, 4, 5))
        if times is None:
            return False
        daily_cols = tuple(rollups._DAILY["data_sessions"])
        hourly_cols = tuple(rollups._HOURLY["data_sessions"])
    else:
        return False
    ids = sorted({r[0] for r in rows})
    region: dict[int, str] = {}
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        for row in fetch_all(conn, "SELECT id, region FROM customers WHERE id IN ("
                             + ", ".join(["%s"] * len(chunk)) + ")", chunk):
            region[row["id"]] = row["region"]
    daily: dict[tuple, list] = {}
    hourly: dict[tuple, list] = {}
    for r, at in zip(rows, times):
        day = at.date()
        out = r[2] == "out"
        d = daily.get((r[0], day))
        if d is None:
            d = daily[(r[0], day)] = [0] * len(daily_cols)
        reg = region.get(r[0])          # the SQL joins customers: a row without one is not counted
        h = None
        if reg is not None:
            h = hourly.get((day, at.hour, reg))
            if h is None:
                h = hourly[(day, at.hour, reg)] = [0] * len(hourly_cols)
        if kind == "call":
            billsec = r[5]
            if out:                     # calls_out, calls_in, calls_answered_out, call_seconds_out, _in, intl
                d[0] += 1
                d[2] += 1 if r[6] else 0
                d[3] += billsec
            else:
                d[1] += 1
                d[4] += billsec
            d[5] += 1 if r[8] else 0
            if h is not None:           # calls, call_seconds
                h[0] += 1
                h[1] += billsec
        elif kind == "sms":
            d[0 if out else 1] += 1     # sms_out, sms_in
            if h is not None:
                h[0] += 1
        else:                           # data_sessions, data_duration_ms, bytes_dl, bytes_ul
            d[0] += 1
            d[1] += r[3]
            d[2] += r[4]
            d[3] += r[5]
            if h is not None:           # data_sessions, bytes_total
                h[0] += 1
                h[1] += r[4] + r[5]
    monthly: dict[tuple, list] = {}
    for (cid, day), d in daily.items():
        m = monthly.get((cid, day.replace(day=1)))
        if m is None:
            monthly[(cid, day.replace(day=1))] = list(d)
        else:
            for i, v in enumerate(d):
                m[i] += v
    _upsert_rows(conn, execute, "usage_daily", ("customer_id", "day"), daily_cols, daily)
    _upsert_rows(conn, execute, "usage_monthly", ("customer_id", "month"), daily_cols, monthly)
    _upsert_rows(conn, execute, "usage_hourly", ("day", "hour", "region"), hourly_cols, hourly)
    return True


def _upsert_rows(conn, execute, table: str, keys: Sequence[str], cols: Sequence[str], sums: dict) -> None:
    """INSERT ... ON DUPLICATE KEY UPDATE col = col + VALUES(col), in key order, 1,000 rows a
    statement. Numbers and dates are written as literals (they are ints and dates, nothing
    else); text keys (the region) go as parameters."""
    from datetime import date

    items = sorted(sums.items())
    names = ", ".join((*keys, *cols))
    upd = ", ".join(f"{c} = {c} + VALUES({c})" for c in cols)
    for i in range(0, len(items), 1000):
        values, params = [], []
        for key, vals in items[i:i + 1000]:
            parts = []
            for k in key:
                if type(k) is int:
                    parts.append(str(k))
                elif type(k) is date:
                    parts.append(f"'{k.isoformat()}'")
                else:
                    parts.append("%s")
                    params.append(k)
            parts.extend(str(int(v)) for v in vals)
            values.append("(" + ", ".join(parts) + ")")
        execute(conn, f"INSERT INTO {table} ({names}) VALUES {', '.join(values)}"
                      f" ON DUPLICATE KEY UPDATE {upd}", params)


BATCH_INDEX = rollups.BATCH_INDEX


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
        execute(conn, rollups.monthly_from_batch_sql(table), (batch_id,))
        cols = rollups._HOURLY[table]
        names, exprs = ", ".join(cols), ", ".join(cols.values())
        upd = ", ".join(f"{c} = {c} + VALUES({c})" for c in cols)
        execute(conn, f"INSERT INTO usage_hourly (day, hour, region, {names})"
                      f" SELECT DATE(t.started_at), HOUR(t.started_at), c.region, {exprs}"
                      f" FROM {table} t {hint} STRAIGHT_JOIN customers c ON c.id = t.customer_id"
                      f" WHERE t.batch_id = %s GROUP BY DATE(t.started_at), HOUR(t.started_at), c.region"
                      f" ON DUPLICATE KEY UPDATE {upd}", (batch_id,))

