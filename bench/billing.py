"""Billing benchmark: the bill run over N generated customers and M usage records, against the floor:
one hand-written SQL aggregate over the same rows (per customer: rounded call seconds, SMS sent,
bytes), measured in the same run on the same server. Goal: within 2x of the floor.

    .venv/bin/python bench/billing.py [-n CUSTOMERS] [--records M] [--dsn mysql://root@127.0.0.1:3306]
                                      [--keep] [--json]

A throwaway database `telco_bench_<hex>` is created on the server named by --dsn (or TELCO_BENCH_DSN),
migrated, and filled with LOAD DATA LOCAL INFILE: customers on three plans, and records for one month
(60% calls, 20% SMS, 20% data sessions). Then: floor (the aggregate), dry run (rating only), the bill
run (rating, numbering, bills and lines written), and a repeat run (creates nothing). The database is
dropped at the end unless --keep. `run(scale, workdir)` returns dicts: figure, value, unit, floor, ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

_server = common.server_from_dsn
_connect = common.connect


def _config(workdir: Path, server: dict, name: str) -> Path:
    return common.write_config(workdir / "bench-billing.ini", server, name, ["[billing]", "tax_rate = 0.20", "due_days = 14", f"outbox = {workdir / 'outbox'}", ""])

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"
DEFAULT_CUSTOMERS = 10_000
RECORDS_PER_CUSTOMER = 50
PERIOD = "2026-10"
START = datetime(2026, 10, 1)

FLOOR_SQL = """
SELECT customer_id, SUM(s), SUM(n), SUM(b) FROM (
  SELECT customer_id, SUM((billsec + 59) DIV 60 * 60) AS s, 0 AS n, 0 AS b FROM calls
  WHERE started_at >= %s AND started_at < %s AND direction = 'out' AND answered = 1 AND billsec > 0
  GROUP BY customer_id
  UNION ALL
  SELECT customer_id, 0, COUNT(*), 0 FROM sms WHERE started_at >= %s AND started_at < %s AND direction = 'out'
  GROUP BY customer_id
  UNION ALL
  SELECT customer_id, 0, 0, SUM(bytes_dl + bytes_ul) FROM data_sessions WHERE started_at >= %s AND started_at < %s
  GROUP BY customer_id
) x GROUP BY customer_id"""


def _load(cur, path: Path, table: str, cols: str) -> None:
    cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {table} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t'"
                f" ({cols})", (str(path),))


def generate(conn, customers: int, records: int, workdir: Path, seed: int = 11) -> None:
    rnd = random.Random(seed)
    cur = conn.cursor()
    cur.execute("INSERT INTO plans (code, name, monthly_fee, included_minutes, included_sms, included_mb, peak_rate,"
                " offpeak_rate, sms_rate, mb_rate, increment_seconds) VALUES"
                " ('S', 'Small', 8, 60, 50, 500, 0.12, 0.06, 0.05, 0.01, 60),"
                " ('M', 'Medium', 15, 300, 200, 3000, 0.10, 0.05, 0.04, 0.008, 30),"
                " ('L', 'Large', 30, 1000, 1000, 20000, 0.08, 0.04, 0.03, 0.005, 1)")
    cur.execute("SELECT id FROM plans ORDER BY id")
    plans = [r[0] for r in cur.fetchall()]
    with open(workdir / "customers.tsv", "w") as f:
        for i in range(customers):
            joined = "2026-10-15" if i % 50 == 0 else "2025-01-01"
            status = "suspended" if i % 97 == 0 else "active"
            f.write(f"{i + 1}\t+4474{i:08d}\tCustomer {i}\t{('North', 'South', 'East', 'West')[i % 4]}\t"
                    f"{plans[i % 3]}\t{status}\t{joined}\n")
    _load(cur, workdir / "customers.tsv", "customers", "id, msisdn, name, region, plan_id, status, created_on")
    span = 31 * 86400
    n_calls, n_sms = records * 6 // 10, records * 2 // 10
    n_data = records - n_calls - n_sms
    with open(workdir / "calls.tsv", "w") as f:
        for i in range(n_calls):
            t = START + timedelta(seconds=rnd.randrange(span))
            ans = rnd.random() < 0.8
            dur = rnd.randrange(1, 900)
            f.write(f"{rnd.randrange(customers) + 1}\t{t:%Y-%m-%d %H:%M:%S}\t{'out' if rnd.random() < 0.7 else 'in'}"
                    f"\t+447700900000\t{dur}\t{dur if ans else 0}\t{int(ans)}\tbench\tb{i}\t1\n")
    with open(workdir / "sms.tsv", "w") as f:
        for i in range(n_sms):
            t = START + timedelta(seconds=rnd.randrange(span))
            f.write(f"{rnd.randrange(customers) + 1}\t{t:%Y-%m-%d %H:%M:%S}\t{'out' if rnd.random() < 0.6 else 'in'}"
                    f"\t+447700900000\tbench\tb{i}\t1\n")
    with open(workdir / "data.tsv", "w") as f:
        for i in range(n_data):
            t = START + timedelta(seconds=rnd.randrange(span))
            f.write(f"{rnd.randrange(customers) + 1}\t{t:%Y-%m-%d %H:%M:%S}\t{t:%Y-%m-%d %H:%M:%S}\t1000\t"
                    f"{rnd.randrange(1, 400_000_000)}\t{rnd.randrange(1, 40_000_000)}\tbench\tb{i}\t1\n")
    cur.execute("INSERT INTO ingest_batches (id, source) VALUES (1, 'bench')")
    _load(cur, workdir / "calls.tsv", "calls",
          "customer_id, started_at, direction, other_party, duration_s, billsec, answered, source, source_ref,"
          " batch_id")
    _load(cur, workdir / "sms.tsv", "sms",
          "customer_id, started_at, direction, other_party, source, source_ref, batch_id")
    _load(cur, workdir / "data.tsv", "data_sessions",
          "customer_id, started_at, ended_at, duration_ms, bytes_dl, bytes_ul, source, source_ref, batch_id")
    cur.execute("ANALYZE TABLE customers, calls, sms, data_sessions")
    cur.fetchall()
    cur.close()


def floor_time(conn) -> float:
    from telco_console.timeutil import Period

    p = Period.parse(PERIOD)
    cur = conn.cursor()
    t0 = time.perf_counter()
    cur.execute(FLOOR_SQL, (p.start, p.end) * 3)
    cur.fetchall()
    took = time.perf_counter() - t0
    cur.close()
    return took


def run(scale: int = DEFAULT_CUSTOMERS, workdir: str | Path | None = None, dsn: str | None = None,
        records: int | None = None, keep: bool = False, notify=lambda msg: None) -> list[dict]:
    """Generate `scale` customers and records (default 50 per customer), bill them against the floor."""
    import tempfile

    from telco_console.context import SYSTEM, AppContext
    from telco_console.db.pool import Database
    from telco_console.services.billing import billrun

    records = records or scale * RECORDS_PER_CUSTOMER
    workdir = Path(workdir or tempfile.mkdtemp(prefix="bench-billing-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = _server(dsn or os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))
    admin, name, config = common.create_scratch(server, lambda name: _config(workdir, server, name))
    db = None
    try:
        conn = _connect(server, name)
        notify(f"generating {scale:,} customers and {records:,} records in {workdir} ...")
        generate(conn, scale, records, workdir)
        db = Database(config)
        ctx = AppContext(config, db, SYSTEM, progress=False)
        floor_time(conn)                                   # warm the buffer pool
        floor = min(floor_time(conn) for _ in range(2))
        notify(f"floor: one SQL aggregate {floor:.2f} s")
        t0 = time.perf_counter()
        dry = billrun.run(ctx, PERIOD, dry=True)
        t_dry = time.perf_counter() - t0
        notify(f"dry run (rating only): {t_dry:.2f} s, {dry.bills:,} bills, total {dry.total}")
        t0 = time.perf_counter()
        real = billrun.run(ctx, PERIOD)
        t_run = time.perf_counter() - t0
        assert real.bills == scale and real.total == dry.total, (real, dry)
        notify(f"bill run: {t_run:.2f} s, {real.bills:,} bills")
        t0 = time.perf_counter()
        again = billrun.run(ctx, PERIOD)
        t_again = time.perf_counter() - t0
        assert again.bills == 0
        conn.close()
        label = f"({scale:,} customers, {records:,} records)"
        out = [
            {"figure": f"floor: one SQL aggregate {label}", "value": round(floor, 3), "unit": "s",
             "floor": round(floor, 3), "ratio": 1.0},
            {"figure": f"rating only (bill run --dry-run) {label}", "value": round(t_dry, 3), "unit": "s",
             "floor": round(floor, 3), "ratio": round(t_dry / floor, 2)},
            {"figure": f"bill run, bills and lines written {label}", "value": round(t_run, 3), "unit": "s",
             "floor": round(floor, 3), "ratio": round(t_run / floor, 2)},
            {"figure": "repeat bill run (creates nothing)", "value": round(t_again, 3), "unit": "s",
             "floor": round(floor, 3), "ratio": round(t_again / floor, 2)},
        ]
        for r in out:
            r["customers"], r["records"] = scale, records
        return out
    finally:
        if db is not None:
            db.close()
        common.drop_scratch(admin, name, keep)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Bill run over generated customers and usage against one SQL aggregate.")
    ap.add_argument("-n", "--customers", "--scale", dest="customers", type=int, default=DEFAULT_CUSTOMERS,
                    help=f"customers to generate (default {DEFAULT_CUSTOMERS:,})")
    ap.add_argument("--records", type=int, help=f"usage records (default {RECORDS_PER_CUSTOMER} per customer)")
    ap.add_argument("--dsn", help=f"server to create the throwaway database on (default {DEFAULT_DSN})")
    ap.add_argument("--workdir", help="directory for the generated files")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = ap.parse_args(argv)
    results = run(args.customers, args.workdir, args.dsn, args.records, args.keep,
                  notify=lambda m: print(m, file=sys.stderr))
    if not args.json:
        print(f"{'figure':75} {'value':>8} {'unit':>4} {'floor':>8} {'ratio':>6}")
        for r in results:
            print(f"{r['figure']:75} {r['value']:>8} {r['unit']:>4} {r['floor']:>8} {r['ratio']:>6}")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
