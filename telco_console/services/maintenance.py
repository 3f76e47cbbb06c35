"""Growth maintenance for the usage tables: monthly partitions, archiving old months to
compressed files and restoring them, and proving the rollups equal a full recount.

Archive (per month, per table): split the month into a partition of its own, EXCHANGE it with an
empty unpartitioned staging table (an atomic metadata swap, so records arriving meanwhile are
not caught half-way), write the staging rows to a zip of CSV files with a manifest (row counts,
SHA-256 of each CSV), check the counts, record the archive, then drop the staging tables and the
emptied partitions. Any failure before the record puts the rows back. While a month is archived
its rollups are kept, so reports still show it, and the rollup check skips it.

Restore verifies every checksum and count before writing anything, splits the month out again,
and re-inserts the rows with their original ids (INSERT IGNORE: running it twice adds nothing).

Partition changes (ALTER TABLE) run as the schema owner (ctx.owner_db()).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from telco_console.errors import TelcoError, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import partitions as parts
from telco_console.repositories import rollups
from telco_console.repositories import usage as usage_repo
from telco_console.timeutil import Period

FORMAT = "telco-usage-archive/1"
NULL = r"\N"
BATCH = 2000


def _month(text: str) -> date:
    return Period.parse(text).first_day


def _mstr(d: date) -> str:
    return d.strftime("%Y-%m")


# -- partitions -----------------------------------------------------------------------------
def list_partitions(ctx) -> Report:
    ctx.check("db.partitions")
    rows = []
    with ctx.owner_db().connection() as conn:
        for table in parts.PARTITIONED_TABLES:
            for p in parts.partitions(conn, table):
                rows.append([table, p.name, p.months, p.lower, p.upper, p.rows])
        conn.commit()
    if not rows:
        return Report("Usage partitions", [Column("Table")], [],
                      empty_message="the usage tables are not partitioned (run `telco-console db migrate`)")
    return Report("Usage partitions", [Column("Table"), Column("Partition"), Column("Months"),
                                       Column("From", "date"), Column("Before", "date"),
                                       Column("Rows (estimate)", "int")], rows,
                  notes=["row counts are InnoDB's estimates; `db rollups check` counts exactly"])


def add_future_months(ctx, months: int = 3) -> dict[str, list[str]]:
    """Give every month from now to `months` ahead its own partition (split from pmax).
    Idempotent; meant for a monthly cron job."""
    ctx.check("db.partitions")
    if not 0 <= months <= 120:
        raise ValidationError("--add-months must be between 0 and 120")
    today = ctx.now().date()
    through = date(today.year, today.month, 1)
    for _ in range(months):
        through = parts.next_month(through)
    added = {}
    with ctx.owner_db().connection() as conn:
        for table in parts.PARTITIONED_TABLES:
            added[table] = parts.add_months(conn, table, through)
        conn.commit()
    return added


# -- archive ------------------------------------------------------------------------------
def _cell(v) -> str:
    if v is None:
        return NULL
    if isinstance(v, (datetime, date, Decimal, int)):
        return str(v)
    if isinstance(v, (bytes, bytearray)):
        v = v.decode("utf-8", "replace")
    v = str(v)
    return "\\" + v if v.startswith("\\") else v


def _uncell(v: str):
    if v == NULL:
        return None
    return v[1:] if v.startswith("\\") else v


@dataclass
class ArchiveResult:
    month: str
    file: str | None
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""


def months_to_archive(conn, before: date) -> list[date]:
    found: set[date] = set()
    for table in parts.USAGE_TABLES:
        lo, _ = parts.bounds_of_rows(conn, table)
        if lo is None:
            continue
        m = date(lo.year, lo.month, 1)
        while m < before:
            found.add(m)
            m = parts.next_month(m)
    return sorted(found)


def archive(ctx, before: str, directory: str | os.PathLike | None = None,
            progress=None) -> list[ArchiveResult]:
    """Export every month before `before` (YYYY-MM) that has records to DIR/usage-YYYY-MM.zip
    (default archive/ in the data folder) and drop its partitions. Refuses the current and
    future months."""
    ctx.check("db.archive")
    cutoff = _month(before)
    today = ctx.now().date()
    if cutoff > date(today.year, today.month, 1):
        raise ValidationError(f"--before {before} is in the future: only past months can be archived")
    out_dir = Path(directory) if directory else ctx.config.data_dir / "archive"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"cannot create the archive directory {out_dir}: {exc.strerror}") from None
    if not os.access(out_dir, os.W_OK):
        raise ValidationError(f"cannot write to the archive directory {out_dir}")
    results = []
    owner = ctx.owner_db()
    with owner.connection() as conn:
        months = months_to_archive(conn, cutoff)
        conn.commit()
        for i, first in enumerate(months, 1):
            if progress:
                progress(f"archiving {_mstr(first)} ({i}/{len(months)})")
            results.append(_archive_month(ctx, conn, first, out_dir))
    return [r for r in results if r.file or r.note]


def _archive_month(ctx, conn, first: date, out_dir: Path) -> ArchiveResult:
    month = _mstr(first)
    staged: dict[str, tuple[str, str]] = {}   # table -> (partition, staging)
    final = out_dir / f"usage-{month}.zip"
    tmp = out_dir / f".usage-{month}.zip.part"
    try:
        for table in parts.USAGE_TABLES:
            p = parts.split_out_month(conn, table, first)
            staging = parts.create_staging(conn, table, first)
            parts.exchange(conn, table, p.name, staging)
            staged[table] = (p.name, staging)
        conn.commit()
        counts = {t: parts.table_count(conn, s)
                  for t, (_, s) in staged.items()}
        conn.commit()
        if not any(counts.values()):
            _drop_staged(conn, staged)
            return ArchiveResult(month, None, counts)
        if final.exists():
            raise ValidationError(f"{final} already exists: move it away or choose another --dir")
        manifest = {"format": FORMAT, "month": month, "database": ctx.owner_db().name,
                    "created_at": ctx.now().isoformat(timespec="seconds"), "tables": {}}
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for table, (_, staging) in staged.items():
                cols = parts.columns(conn, staging)
                digest, n = hashlib.sha256(), 0
                with zf.open(f"{table}.csv", "w") as raw:
                    buf = io.StringIO()
                    w = csv.writer(buf, lineterminator="\n")

                    def flush(buf=buf, digest=digest, raw=raw):
                        data = buf.getvalue().encode("utf-8")
                        digest.update(data)
                        raw.write(data)
                        buf.seek(0)
                        buf.truncate()
                    w.writerow(cols)
                    for row in parts.stream_rows(conn, staging, cols):
                        w.writerow([_cell(v) for v in row])
                        n += 1
                        if n % BATCH == 0:
                            flush()
                    flush()
                conn.commit()
                if n != counts[table]:
                    raise TelcoError(f"archive of {table} {month} wrote {n} rows, expected {counts[table]}")
                manifest["tables"][table] = {"rows": n, "columns": cols, "sha256": digest.hexdigest()}
            zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        sha = _file_sha256(tmp)
        os.replace(tmp, final)
        parts.record_archive(conn, month, str(final.resolve()), counts, sha, ctx.now(), ctx.user.username)
        ctx.audit(conn, "usage.archive", month,
                  json.dumps({"file": str(final), **counts}))
        conn.commit()
    except BaseException:
        try:
            conn.rollback()
        except Exception:
            pass
        _put_back(conn, staged)
        if tmp.exists():
            tmp.unlink()
        raise
    late = _drop_staged(conn, staged)
    note = (f"{late} record(s) for {month} arrived during the archive and stay in the tables" if late else "")
    return ArchiveResult(month, str(final), counts, note)


def _drop_staged(conn, staged) -> int:
    """Drop the staging tables and the emptied partitions; returns records that arrived meanwhile."""
    late = 0
    for table, (pname, staging) in staged.items():
        parts.drop_table(conn, staging)
        n = parts.row_count(conn, table, pname)
        conn.commit()
        if n == 0:
            parts.drop_partition(conn, table, pname)
        late += n
    conn.commit()
    return late


def _put_back(conn, staged) -> None:
    for table, (_, staging) in staged.items():
        try:
            parts.copy_back(conn, table, staging)
            conn.commit()
            parts.drop_table(conn, staging)
        except Exception:
            pass


def _file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- restore ------------------------------------------------------------------------------
def read_manifest(path: str | os.PathLike) -> dict:
    """The archive's manifest, after checking every CSV's checksum and row count."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"no archive file {p}")
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile:
        raise ValidationError(f"{p} is not a usage archive (not a zip file)") from None
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (KeyError, ValueError):
            raise ValidationError(f"{p} has no readable manifest.json: not a usage archive") from None
        if manifest.get("format") != FORMAT:
            raise ValidationError(f"{p} is not a usage archive of format {FORMAT}")
        Period.parse(manifest.get("month", ""))
        for table, info in manifest["tables"].items():
            if table not in parts.USAGE_TABLES:
                raise ValidationError(f"{p} holds an unknown table {table}")
            digest, lines = hashlib.sha256(), 0
            try:
                with zf.open(f"{table}.csv") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
                with zf.open(f"{table}.csv") as fh:
                    lines = sum(1 for _ in csv.reader(io.TextIOWrapper(fh, encoding="utf-8", newline=""))) - 1
            except (KeyError, zipfile.BadZipFile, OSError) as exc:
                raise ValidationError(f"{p} is damaged: {table}.csv cannot be read ({exc})") from None
            if digest.hexdigest() != info["sha256"]:
                raise ValidationError(f"{p} is damaged: the checksum of {table}.csv does not match its manifest")
            if lines != info["rows"]:
                raise ValidationError(f"{p} is damaged: {table}.csv has {lines} rows, the manifest says {info['rows']}")
    return manifest


def restore_archive(ctx, path: str | os.PathLike, progress=None) -> dict:
    """Bring an archived month back. Returns {'month', 'counts' (rows in the file), 'inserted'}."""
    ctx.check("db.restore-archive")
    manifest = read_manifest(path)
    month = manifest["month"]
    first = _month(month)
    inserted = {}
    owner = ctx.owner_db()
    with owner.connection() as conn:
        for table, info in manifest["tables"].items():
            have = parts.columns(conn, table)
            missing = [c for c in info["columns"] if c not in have]
            if missing:
                raise ValidationError(f"the archive's {table} has columns the table lacks: {', '.join(missing)}")
        conn.commit()
        for table in manifest["tables"]:
            parts.split_out_month(conn, table, first)
            conn.commit()
            n = 0
            with zipfile.ZipFile(path) as zf, zf.open(f"{table}.csv") as fh:
                reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8", newline=""))
                cols = next(reader)
                batch = []
                for row in reader:
                    batch.append(tuple(_uncell(v) for v in row))
                    if len(batch) >= BATCH:
                        n += parts.insert_rows(conn, table, cols, batch)
                        conn.commit()
                        batch = []
                        if progress:
                            progress(f"{table}: {n} restored")
                n += parts.insert_rows(conn, table, cols, batch)
                conn.commit()
            inserted[table] = n
        end = parts.next_month(first)
        # an archive made before started_utc existed restores it empty: filled as `db migrate` does
        usage_repo.fill_started_utc(conn, ctx.tz, datetime.combine(first, time()), datetime.combine(end, time()))
        conn.commit()
        diffs = parts.rollup_differences(conn, first, end, limit=1)
        conn.commit()
        rebuilt = False
        if diffs:
            rollups.rebuild(conn, first, end - timedelta(days=1))
            rebuilt = True
        parts.mark_restored(conn, month, ctx.now(), ctx.user.username)
        ctx.audit(conn, "usage.restore", month, json.dumps({"file": str(path), **inserted}))
        conn.commit()
    counts = {t: i["rows"] for t, i in manifest["tables"].items()}
    return {"month": month, "counts": counts, "inserted": inserted, "rollups_rebuilt": rebuilt}


def list_archives(ctx) -> Report:
    ctx.check("db.archives")
    rows = ctx.db.run(parts.archives)
    return Report("Usage archives", [Column("Id", "int"), Column("Month"), Column("File"), Column("Calls", "int"),
                                     Column("SMS", "int"), Column("Data sessions", "int"),
                                     Column("Archived", "datetime"), Column("By"),
                                     Column("Restored", "datetime"), Column("Restored by")],
                  [[r["id"], r["month"], r["file"], r["calls"], r["sms"], r["data_sessions"], r["archived_at"],
                    r["archived_by"], r["restored_at"], r["restored_by"] or ""] for r in rows],
                  empty_message="no month has been archived")


# -- rollups ------------------------------------------------------------------------------
def _live_months(conn, month: str | None) -> list[date]:
    archived = set(parts.archived_months(conn))
    if month:
        first = _month(month)
        if month in archived:
            raise ValidationError(f"{month} is archived: restore it first (`db restore-archive FILE`)")
        return [first]
    return [m for m in parts.months_with_usage(conn) if _mstr(m) not in archived]


def check_rollups(ctx, month: str | None = None, limit: int = 20) -> Report:
    """Compare usage_daily and usage_hourly with a full recount of the records, month by month
    (archived months are skipped). An empty report means they are equal."""
    ctx.check("db.rollups")

    def work(conn):
        found, months = [], _live_months(conn, month)
        for m in months:
            found += parts.rollup_differences(conn, m, parts.next_month(m), limit=limit)
            if len(found) >= limit:
                break
        return found[:limit], months

    found, months = ctx.db.run(work)
    span = f"{_mstr(months[0])} to {_mstr(months[-1])}" if months else "no months"
    return Report("Rollup check", [Column("Rollup"), Column("Day", "date"), Column("Customer", "int"),
                                   Column("Hour", "int"), Column("Region"), Column("Problem")],
                  [[d["rollup"], d["day"], d["customer_id"], d["hour"], d["region"], d["problem"]] for d in found],
                  filters={"months": span},
                  empty_message=f"the rollups equal a full recount ({span})",
                  notes=[f"showing the first {limit} differences; `db rollups rebuild` recounts them"]
                  if found else [])


def rebuild_rollups(ctx, month: str | None = None, progress=None) -> list[str]:
    """Recount usage_daily and usage_hourly from the records, one month per transaction
    (all live months, or one). Archived months keep their rollups. Returns the months rebuilt."""
    ctx.check("db.rollups.rebuild")
    months = ctx.db.run(lambda conn: _live_months(conn, month))
    for i, m in enumerate(months, 1):
        if progress:
            progress(f"rebuilding {_mstr(m)} ({i}/{len(months)})")
        ctx.db.run(rollups.rebuild, m, parts.next_month(m) - timedelta(days=1))
    if months:
        ctx.db.run(lambda conn: ctx.audit(conn, "rollups.rebuild", month or "all", ", ".join(map(_mstr, months))))
    return [_mstr(m) for m in months]
