"""Partition maintenance SQL for the usage tables (calls, sms, data_sessions), which are
partitioned BY RANGE COLUMNS(started_at), one partition per month plus catch-alls.

A partition is named after the last month it can hold: p202605 holds records before
2026-06-01 (and after the previous partition's bound); pmax holds everything beyond the last
bound. ALTER TABLE statements need the schema owner's connection (ctx.owner_db()); they
commit implicitly, so none of these runs inside a larger transaction.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from telco_console.db.driver import DriverError
from telco_console.repositories.base import execute, fetch_all, fetch_one, fetch_value
from telco_console.timeutil import next_month

USAGE_TABLES = ("calls", "sms", "data_sessions")
# partitioned by month too, but never archived: its rows stay while their month's records are archived
ROLLUP_TABLES = ("usage_daily",)
PARTITIONED_TABLES = USAGE_TABLES + ROLLUP_TABLES


@dataclass(frozen=True)
class Partition:
    table: str
    name: str
    position: int
    lower: date | None      # None: the first partition (no lower bound)
    upper: date | None      # None: MAXVALUE
    rows: int               # InnoDB's estimate from information_schema

    @property
    def months(self) -> str:
        lo = self.lower.strftime("%Y-%m") if self.lower else "…"
        if self.upper is None:
            return f"{lo} – …"
        last = month_before(self.upper)
        return f"{lo} – {last.strftime('%Y-%m')}" if lo != last.strftime("%Y-%m") else lo

    def is_month(self, first: date) -> bool:
        return self.lower == first and self.upper == next_month(first)


def month_before(d: date) -> date:
    return date(d.year - (d.month == 1), (d.month - 2) % 12 + 1, 1)


def part_name(upper: date | None) -> str:
    return "pmax" if upper is None else "p" + month_before(upper).strftime("%Y%m")


def _bound(text: str | None) -> date | None:
    if text is None or text.upper() == "MAXVALUE":
        return None
    text = text.strip("'")
    return date.fromisoformat(text[:10])


def partitions(conn, table: str) -> list[Partition]:
    """The partitions of one usage or rollup table in order (empty if it is not partitioned)."""
    if table not in PARTITIONED_TABLES:
        raise ValueError(table)
    rows = fetch_all(conn, "SELECT partition_name AS name, partition_ordinal_position AS pos,"
                           " partition_description AS descr, table_rows AS n"
                           " FROM information_schema.partitions"
                           " WHERE table_schema = DATABASE() AND table_name = %s AND partition_name IS NOT NULL"
                           " ORDER BY partition_ordinal_position", (table,))
    out, lower = [], None
    for r in rows:
        upper = _bound(r["descr"])
        out.append(Partition(table, r["name"], int(r["pos"]), lower, upper, int(r["n"] or 0)))
        lower = upper
    return out


def containing(parts: Sequence[Partition], day: date) -> Partition:
    for p in parts:
        if (p.lower is None or p.lower <= day) and (p.upper is None or day < p.upper):
            return p
    raise LookupError(f"no partition holds {day}")


def ddl(conn, sql: str, attempts: int = 4) -> None:
    """One DDL statement, retried when it times out waiting for a lock (1205: another
    session's DDL or a long transaction on the same table). Runs with autocommit on: with it
    off, MariaDB 10.11's EXCHANGE PARTITION waits for a lock held by its own session."""
    conn.commit()
    execute(conn, "SET SESSION autocommit = 1")   # (a pooled connection's attribute would not reach it)
    try:
        for attempt in range(attempts):
            try:
                execute(conn, sql)
                return
            except DriverError as exc:
                if getattr(exc, "errno", None) != 1205 or attempt == attempts - 1:
                    raise
                time.sleep(0.5 * (attempt + 1))
    finally:
        execute(conn, "SET SESSION autocommit = 0")


def _less_than(upper: date | None) -> str:
    return "MAXVALUE" if upper is None else f"'{upper.isoformat()}'"


def reorganize(conn, table: str, old: Sequence[str], bounds: Sequence[date | None]) -> None:
    """REORGANIZE PARTITION old... INTO one partition per upper bound (the last bound must equal
    the last old partition's bound). Copies the rows of the old partitions."""
    new = ", ".join(f"PARTITION {part_name(b)} VALUES LESS THAN ({_less_than(b)})" for b in bounds)
    ddl(conn, f"ALTER TABLE {table} REORGANIZE PARTITION {', '.join(old)} INTO ({new})")


def split_out_month(conn, table: str, first: date) -> Partition:
    """Make the month starting at `first` a partition of its own (splitting whichever
    partition holds it) and return it."""
    parts = partitions(conn, table)
    p = containing(parts, first)
    if p.is_month(first):
        return p
    bounds: list[date | None] = []
    if p.lower is None or p.lower < first:
        bounds.append(first)
    bounds.append(next_month(first))
    if p.upper is None or p.upper > next_month(first):
        bounds.append(p.upper)
    reorganize(conn, table, [p.name], bounds)
    return containing(partitions(conn, table), first)


def add_months(conn, table: str, through: date) -> list[str]:
    """Split the MAXVALUE partition so every month up to `through` (a first of month) has its
    own partition. Returns the names added."""
    parts = partitions(conn, table)
    if not parts or parts[-1].upper is not None:
        return []
    last = parts[-1]
    start = last.lower or through
    bounds: list[date | None] = []
    m = start
    while m <= through:
        bounds.append(next_month(m))
        m = next_month(m)
    if not bounds:
        return []
    reorganize(conn, table, [last.name], bounds + [None])
    return [part_name(b) for b in bounds]


def row_count(conn, table: str, partition: str) -> int:
    return int(fetch_value(conn, f"SELECT COUNT(*) FROM {table} PARTITION ({partition})"))


def table_count(conn, name: str) -> int:
    if not name.startswith("arch_") and name not in USAGE_TABLES:
        raise ValueError(name)
    return int(fetch_value(conn, f"SELECT COUNT(*) FROM {name}"))


def bounds_of_rows(conn, table: str) -> tuple:
    """(MIN(started_at), MAX(started_at)) of a usage table (index lookups)."""
    r = fetch_one(conn, f"SELECT MIN(started_at) AS lo, MAX(started_at) AS hi FROM {table}")
    return r["lo"], r["hi"]


def staging_name(table: str, first: date) -> str:
    return f"arch_{table}_{first.strftime('%Y%m')}"


def create_staging(conn, table: str, first: date) -> str:
    """An empty, unpartitioned copy of the table's structure for EXCHANGE PARTITION (one DDL:
    the table's CREATE statement without its PARTITION BY clause)."""
    name = staging_name(table, first)
    ddl(conn, f"DROP TABLE IF EXISTS {name}")
    cur = conn.cursor()
    cur.execute(f"SHOW CREATE TABLE {table}")
    create = cur.fetchone()[1]
    cur.close()
    create = re.sub(r"\s*(/\*!\d+\s*)?PARTITION BY .*$", "", create, flags=re.S)
    create = create.replace(f"CREATE TABLE `{table}`", f"CREATE TABLE `{name}`", 1)
    ddl(conn, create)
    return name


def exchange(conn, table: str, partition: str, staging: str) -> None:
    """Swap a partition's rows with a table's rows (metadata only, no copy)."""
    ddl(conn, f"ALTER TABLE {table} EXCHANGE PARTITION {partition} WITH TABLE {staging}")


def drop_partition(conn, table: str, partition: str) -> None:
    ddl(conn, f"ALTER TABLE {table} DROP PARTITION {partition}")


def drop_table(conn, name: str) -> None:
    if not name.startswith("arch_"):
        raise ValueError(name)
    ddl(conn, f"DROP TABLE IF EXISTS {name}")


def copy_back(conn, table: str, staging: str) -> int:
    """Put a staging table's rows back into the live table (duplicates skipped)."""
    return execute(conn, f"INSERT IGNORE INTO {table} SELECT * FROM {staging}")


def columns(conn, table: str) -> list[str]:
    return [r["c"] for r in fetch_all(conn, "SELECT column_name AS c FROM information_schema.columns"
                                            " WHERE table_schema = DATABASE() AND table_name = %s"
                                            " ORDER BY ordinal_position", (table,))]


def stream_rows(conn, table: str, cols: Sequence[str], chunk: int = 5000) -> Iterator[tuple]:
    """Every row of a (staging) table in primary-key order, fetched in chunks."""
    cur = conn.cursor()
    cur.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id, started_at")
    while True:
        rows = cur.fetchmany(chunk)
        if not rows:
            break
        yield from rows
    cur.close()


def insert_rows(conn, table: str, cols: Sequence[str], rows: Sequence[tuple]) -> int:
    """INSERT IGNORE restored rows with their original ids (duplicates of a key skipped)."""
    if not rows:
        return 0
    cur = conn.cursor()
    cur.executemany(f"INSERT IGNORE INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                    list(rows))
    n = cur.rowcount
    cur.close()
    return max(n, 0)


def count_month(conn, table: str, first: date) -> int:
    return int(fetch_value(conn, f"SELECT COUNT(*) FROM {table} WHERE started_at >= %s AND started_at < %s",
                           (first, next_month(first))))


# -- the archive ledger --------------------------------------------------------------------
def record_archive(conn, month: str, file: str, counts: dict, sha256: str, when, user: str) -> int:
    from telco_console.repositories.base import insert

    return insert(conn, "INSERT INTO usage_archives (month, file, calls, sms, data_sessions, sha256,"
                        " archived_at, archived_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                  (month, file, counts.get("calls", 0), counts.get("sms", 0), counts.get("data_sessions", 0),
                   sha256, when, user))


def mark_restored(conn, month: str, when, user: str) -> int:
    return execute(conn, "UPDATE usage_archives SET restored_at = %s, restored_by = %s"
                         " WHERE month = %s AND restored_at IS NULL", (when, user, month))


def archived_months(conn) -> list[str]:
    """Months whose records are archived and not restored (their rollups are kept)."""
    return [r["month"] for r in fetch_all(conn, "SELECT DISTINCT month FROM usage_archives"
                                                " WHERE restored_at IS NULL ORDER BY month")]


def archives(conn) -> list[dict]:
    return fetch_all(conn, "SELECT id, month, file, calls, sms, data_sessions, archived_at, archived_by,"
                           " restored_at, restored_by FROM usage_archives ORDER BY id")


# -- rollups against a recount, month by month ----------------------------------------------
def months_with_usage(conn) -> list[date]:
    """First days of every month that has records or rollups (index-only scans)."""
    found: set[date] = set()
    for table in USAGE_TABLES:
        lo, hi = bounds_of_rows(conn, table)
        if lo is not None:
            m = date(lo.year, lo.month, 1)
            while m <= hi.date():
                found.add(m)
                m = next_month(m)
    r = fetch_one(conn, "SELECT MIN(day) AS lo, MAX(day) AS hi FROM usage_daily")
    r2 = fetch_one(conn, "SELECT MIN(day) AS lo, MAX(day) AS hi FROM usage_hourly")
    for row in (r, r2):
        if row and row["lo"] is not None:
            m = date(row["lo"].year, row["lo"].month, 1)
            while m <= row["hi"]:
                found.add(m)
                m = next_month(m)
    return sorted(found)


def rollup_differences(conn, first: date, last: date, limit: int = 20) -> list[dict]:
    """Rows of usage_daily/usage_hourly for days in [first, last) that differ from a recount
    of the records of those days (both directions), and rows of usage_monthly for the months
    holding those days that differ from the sums of usage_daily."""
    from telco_console.repositories import rollups as r

    rec = "t.started_at >= %s AND t.started_at < %s"
    p = [first, last]
    out: list[dict] = []
    daily_neq = " OR ".join(f"NOT (r.{c} <=> u.{c})" for c in r.DAILY_COLS)
    hourly_neq = " OR ".join(f"NOT (r.{c} <=> u.{c})" for c in r.HOURLY_COLS)
    out += [dict(x, rollup="usage_daily") for x in fetch_all(
        conn, f"SELECT r.customer_id, r.day, NULL AS hour, NULL AS region,"
              f" IF(u.customer_id IS NULL, 'missing from the rollup', 'differs from a recount') AS problem"
              f" FROM ({r._recount_daily_sql(rec)}) r LEFT JOIN usage_daily u"
              f" ON u.customer_id = r.customer_id AND u.day = r.day"
              f" WHERE u.customer_id IS NULL OR {daily_neq} LIMIT {int(limit)}", p * 3)]
    out += [dict(x, rollup="usage_daily") for x in fetch_all(
        conn, f"SELECT u.customer_id, u.day, NULL AS hour, NULL AS region,"
              f" 'in the rollup but no records' AS problem FROM usage_daily u"
              f" LEFT JOIN ({r._recount_daily_sql(rec)}) r ON u.customer_id = r.customer_id AND u.day = r.day"
              f" WHERE u.day >= %s AND u.day < %s AND r.customer_id IS NULL LIMIT {int(limit)}", p * 4)]
    out += [dict(x, rollup="usage_hourly") for x in fetch_all(
        conn, f"SELECT NULL AS customer_id, r.day, r.hour, r.region,"
              f" IF(u.day IS NULL, 'missing from the rollup', 'differs from a recount') AS problem"
              f" FROM ({r._recount_hourly_sql(rec)}) r LEFT JOIN usage_hourly u"
              f" ON u.day = r.day AND u.hour = r.hour AND u.region = r.region"
              f" WHERE u.day IS NULL OR {hourly_neq} LIMIT {int(limit)}", p * 3)]
    out += [dict(x, rollup="usage_hourly") for x in fetch_all(
        conn, f"SELECT NULL AS customer_id, u.day, u.hour, u.region, 'in the rollup but no records' AS problem"
              f" FROM usage_hourly u LEFT JOIN ({r._recount_hourly_sql(rec)}) r"
              f" ON u.day = r.day AND u.hour = r.hour AND u.region = r.region"
              f" WHERE u.day >= %s AND u.day < %s AND r.day IS NULL LIMIT {int(limit)}", p * 4)]
    out += [dict(x, hour=None, region=None)
            for x in r.monthly_differences(conn, first, last - timedelta(days=1), limit=limit)]
    return out
