"""Maintenance benchmark: N calls over 12 months in a throwaway database, then the rollup
rebuild and check (floor: one raw GROUP BY scan of the same rows), archiving the oldest month
(floor: reading that month's rows to the client) and restoring it (floor: raw LOAD DATA of
the same rows into a copy of the table).

    .venv/bin/python bench/maintenance.py [-n CALLS] [--dsn mysql://root@127.0.0.1:3306]

`run(scale, workdir)` returns dicts: figure, value, unit, floor, ratio (value / floor).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"
CUSTOMERS = 2000


def _connect(dsn: str, database: str | None = None):
    import mysql.connector

    u = urlparse(dsn)
    kw = dict(host=u.hostname or "127.0.0.1", port=u.port or 3306, user=unquote(u.username or "root"),
              password=unquote(u.password or ""), collation="utf8mb4_general_ci", allow_local_infile=True,
              autocommit=True)   # no open snapshot may hold a metadata lock against the partition DDL
    if database:
        kw["database"] = database
    return mysql.connector.connect(**kw)


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(scale: int = 1_000_000, workdir: str | Path | None = None, dsn: str | None = None) -> list[dict]:
    import tempfile

    from telco_console.config import load_config
    from telco_console.context import SYSTEM, AppContext
    from telco_console.db import migrations
    from telco_console.db.pool import Database
    from telco_console.services import maintenance

    dsn = dsn or os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="bench-maint-"))
    workdir.mkdir(parents=True, exist_ok=True)
    name = f"telco_bench_{secrets.token_hex(4)}"
    admin = _connect(dsn)
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    u = urlparse(dsn)
    ini = workdir / "bench.ini"
    ini.write_text(f"[database]\nmode = external\nhost = {u.hostname or '127.0.0.1'}\nport = {u.port or 3306}\n"
                   f"user = {unquote(u.username or 'root')}\npassword = {unquote(u.password or '')}\nname = {name}\n"
                   "[operator]\ntimezone = Europe/London\n")
    os.chmod(ini, 0o600)
    config = load_config(ini)
    db = Database(config)
    ctx = AppContext(config, db, SYSTEM, progress=False)
    figures = []
    try:
        migrations.migrate(ctx.owner_db())
        conn = _connect(dsn, name)
        cur = conn.cursor()
        cur.execute("INSERT INTO plans (code, name, monthly_fee, peak_rate, offpeak_rate, sms_rate, mb_rate)"
                    " VALUES ('B', 'Bench', 10, 0.1, 0.05, 0.05, 0.01)")
        cur.execute("SELECT id FROM plans")
        plan = cur.fetchone()[0]
        cur.executemany("INSERT INTO customers (msisdn, name, plan_id, region, status, created_on)"
                        " VALUES (%s, %s, %s, %s, 'active', '2020-01-01')",
                        [(f"+4479{i:08d}", f"C{i}", plan, f"R{i % 5}") for i in range(CUSTOMERS)])
        cur.execute("SELECT MIN(id) FROM customers")
        first_id = cur.fetchone()[0]
        conn.commit()
        today = datetime.now()
        start = datetime(today.year - 1, today.month, 1)
        span = (datetime(today.year, today.month, 1) - start).total_seconds()
        rnd = random.Random(5)
        csv_path = workdir / "calls.csv"
        with open(csv_path, "w") as fh:
            for i in range(scale):
                when = start + timedelta(seconds=rnd.random() * span)
                fh.write(f"{first_id + rnd.randrange(CUSTOMERS)},{when:%Y-%m-%d %H:%M:%S},out,+447700900001,"
                         f"{rnd.randrange(600)},{rnd.randrange(600)},1,ANSWERED,0,bench,r{i},1\n")
        cur.execute("INSERT INTO ingest_batches (source) VALUES ('bench')")
        load = (f"LOAD DATA LOCAL INFILE '{csv_path}' INTO TABLE {{t}} FIELDS TERMINATED BY ','"
                " (customer_id, started_at, direction, other_party, duration_s, billsec, answered, disposition,"
                " international, source, source_ref, batch_id)")
        cur.execute(load.format(t="calls"))
        conn.commit()
        # rollups: rebuild every month, then check
        rebuild = _timed(lambda: maintenance.rebuild_rollups(ctx))

        def scan():
            cur.execute("SELECT customer_id, DATE(started_at), COUNT(*), SUM(billsec) FROM calls"
                        " GROUP BY customer_id, DATE(started_at)")
            cur.fetchall()
        floor_scan = _timed(scan)
        check = _timed(lambda: maintenance.check_rollups(ctx))
        figures += [dict(figure=f"rollups rebuild, all months ({scale:,} calls)", value=rebuild, unit="s",
                         floor=floor_scan, ratio=rebuild / floor_scan),
                    dict(figure=f"rollups check, all months ({scale:,} calls)", value=check, unit="s",
                         floor=floor_scan, ratio=check / floor_scan)]
        # archive the oldest month (it sits in a catch-all partition: the split is included)
        oldest = f"{start:%Y-%m}"
        nxt = datetime(start.year + (start.month == 12), start.month % 12 + 1, 1)
        cur.execute("SELECT COUNT(*) FROM calls WHERE started_at < %s", (nxt,))
        month_rows = cur.fetchone()[0]

        def read_month():
            cur.execute("SELECT * FROM calls WHERE started_at >= %s AND started_at < %s", (start, nxt))
            cur.fetchall()
        floor_read = _timed(read_month)
        conn.commit()
        results = []
        arch = _timed(lambda: results.extend(maintenance.archive(ctx, f"{nxt:%Y-%m}", workdir / "archive")))
        figures.append(dict(figure=f"archive {oldest} ({month_rows:,} calls, incl. partition split)", value=arch,
                            unit="s", floor=floor_read, ratio=arch / floor_read))
        # restore it; floor: raw LOAD DATA of the same rows into a copy
        cur.execute("CREATE TABLE calls_floor LIKE calls")
        month_csv = workdir / "month.csv"
        with open(csv_path) as src, open(month_csv, "w") as dst:
            for line in src:
                if line.split(",", 2)[1] < f"{nxt:%Y-%m-%d}":
                    dst.write(line)
        floor_load = _timed(lambda: (cur.execute(load.format(t="calls_floor").replace(str(csv_path), str(month_csv))),
                                     conn.commit()))
        rest = _timed(lambda: maintenance.restore_archive(ctx, results[0].file))
        figures.append(dict(figure=f"restore {oldest} ({month_rows:,} calls)", value=rest, unit="s",
                            floor=floor_load, ratio=rest / floor_load))
        size = Path(results[0].file).stat().st_size
        figures.append(dict(figure=f"archive file size per call ({oldest})", value=size / max(month_rows, 1),
                            unit="bytes", floor=None, ratio=None))
        conn.close()
    finally:
        db.close()
        ctx.owner_db().close()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()
    return figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Rollup rebuild/check, archive and restore against raw floors.")
    ap.add_argument("-n", "--scale", type=int, default=1_000_000, help="calls to generate (default 1,000,000)")
    ap.add_argument("--dsn", help=f"server for the throwaway database (default {DEFAULT_DSN})")
    ap.add_argument("--json", action="store_true", help="print JSON instead of lines")
    args = ap.parse_args(argv)
    figs = run(args.scale, dsn=args.dsn)
    if args.json:
        print(json.dumps(figs, indent=2, default=str))
    else:
        for f in figs:
            ratio = f"  x{f['ratio']:.2f}" if f["ratio"] else ""
            floor = f"  floor {f['floor']:.3f}" if f["floor"] else ""
            print(f"{f['figure']}: {f['value']:.3f} {f['unit']}{floor}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
