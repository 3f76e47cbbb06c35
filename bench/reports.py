"""Report benchmark: each report timed against the raw SQL of its own aggregate (the floor),
both measured in the same run on the same generated data.

    .venv/bin/python bench/reports.py [-n RECORDS] [--dsn mysql://root@127.0.0.1:3306] [--keep] [--json]
                                      [--only usage-summary,peak-hours] [--rollups-only] [--reuse DB]

It creates a throwaway database `telco_bench_<hex>` on the server named by --dsn (or
TELCO_BENCH_DSN), applies the migrations, generates RECORDS usage records (default 1,000,000:
60% calls, 25% SMS, 15% data sessions over 90 days, one customer per 1,000 records, peaky hours),
loads them with LOAD DATA LOCAL INFILE, rebuilds the rollups (repositories/rollups.rebuild), and
then times every report and its floor, alternating, best of many runs (_versus). The database is dropped at the end
unless --keep. `run(scale, workdir)` returns the figures as dicts: figure, value, unit, floor, ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

_server = common.server_from_dsn
_connect = common.connect


def _config(workdir: Path, server: dict, name: str) -> Path:
    return common.write_config(workdir / "bench-reports.ini", server, name)

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"
DAYS = 90
START = date(2026, 7, 1)
PAIRS_MIN = 15
MID = (date(2026, 7, 10), date(2026, 9, 20))      # a range with partial months at both ends
REGIONS = ("North", "South", "East", "West", "Central")
HANDSETS = (("Huawei", "Huawei B528S-23A"), ("Apple", "Apple iPhone 6S (A1688)"), ("Apple", "Apple iPhone 7"),
            ("Samsung", "Samsung Galaxy S8"), ("Samsung", "Samsung Galaxy A5"), ("Apple", "Apple iPhone 8"),
            ("Huawei", "Huawei P20 Lite"), ("Xiaomi", "Xiaomi Redmi 5"), ("undefined", "undefined"))


def generate(conn, scale: int, workdir: Path, seed: int = 7) -> dict:
    """Customers, one plan, and `scale` records loaded with LOAD DATA LOCAL INFILE; rollups rebuilt."""
    import numpy as np

    from telco_console.repositories import rollups

    rng = np.random.default_rng(seed)
    n_cust = max(50, scale // 1000)
    cur = conn.cursor()
    cur.execute("INSERT INTO plans (code, name, monthly_fee, peak_rate, offpeak_rate, sms_rate, mb_rate)"
                " VALUES ('BENCH', 'Bench', 10, 0.1, 0.05, 0.05, 0.01)")
    plan_id = cur.lastrowid
    cur.executemany("INSERT INTO customers (msisdn, name, region, plan_id, created_on) VALUES (%s, %s, %s, %s, %s)",
                    [(f"+4479{i:08d}", f"Customer {i}", REGIONS[i % len(REGIONS)], plan_id, "2026-01-01")
                     for i in range(n_cust)])
    cur.execute("INSERT INTO ingest_batches (source) VALUES ('bench')")
    batch = cur.lastrowid
    conn.commit()
    cur.execute("SELECT MIN(id) FROM customers")
    first_id = cur.fetchone()[0]
    hour_weight = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 11, 12, 12, 11, 11, 12, 14, 16, 14, 10, 7, 4, 2],
                           dtype=float)
    hour_weight /= hour_weight.sum()
    base = np.datetime64(START.isoformat() + "T00:00:00")

    def times(n):
        day = rng.integers(0, DAYS, n)
        hour = rng.choice(24, n, p=hour_weight)
        sec = rng.integers(0, 3600, n)
        t = base + (day * 86400 + hour * 3600 + sec).astype("timedelta64[s]")
        return np.char.replace(t.astype(str), "T", " ")

    counts = {"calls": int(scale * 0.60), "sms": int(scale * 0.25)}
    counts["data_sessions"] = scale - counts["calls"] - counts["sms"]
    files = {}
    for table, n in counts.items():
        cust = first_id + rng.integers(0, n_cust, n)
        started = times(n)
        path = workdir / f"{table}.tsv"
        with open(path, "w") as fh:
            if table == "calls":
                out = rng.random(n) < 0.55
                secs = rng.integers(0, 900, n)
                ans = rng.random(n) < 0.85
                for i in range(n):
                    b = int(secs[i]) if ans[i] else 0
                    fh.write(f"{cust[i]}\t{started[i]}\t{'out' if out[i] else 'in'}\t+447700900000\t{secs[i]}\t{b}\t"
                             f"{int(ans[i])}\t{'ANSWERED' if ans[i] else 'NO ANSWER'}\t0\tbench\tc{i}\t{batch}\n")
                cols = "customer_id, started_at, direction, other_party, duration_s, billsec, answered, disposition," \
                       " international, source, source_ref, batch_id"
            elif table == "sms":
                out = rng.random(n) < 0.5
                for i in range(n):
                    fh.write(f"{cust[i]}\t{started[i]}\t{'out' if out[i] else 'in'}\t+447700900000\t40\t0\tbench\t"
                             f"s{i}\t{batch}\n")
                cols = "customer_id, started_at, direction, other_party, length, international, source, source_ref," \
                       " batch_id"
            else:
                dur = rng.integers(1_000, 3_600_000, n)
                apps = rng.integers(0, 5_000_000, (n, 14))
                hs = rng.integers(0, len(HANDSETS), n)
                for i in range(n):
                    a = apps[i]
                    dl, ul = int(a[0::2].sum()), int(a[1::2].sum())
                    m, h = HANDSETS[hs[i]]
                    fh.write(f"{cust[i]}\t{started[i]}\t{started[i]}\t{dur[i]}\t{dl}\t{ul}\t"
                             + "\t".join(str(x) for x in a) + f"\t{m}\t{h}\tbench\td{i}\t{batch}\n")
                app_cols = ", ".join(f"{x}_{d}" for x in ("social", "google", "email", "youtube", "netflix",
                                                          "gaming", "other") for d in ("dl", "ul"))
                cols = f"customer_id, started_at, ended_at, duration_ms, bytes_dl, bytes_ul, {app_cols}," \
                       " handset_manufacturer, handset_type, source, source_ref, batch_id"
        files[table] = (path, cols)
    t0 = time.perf_counter()
    for table, (path, cols) in files.items():
        cur.execute(f"LOAD DATA LOCAL INFILE '{path}' IGNORE INTO TABLE {table} FIELDS TERMINATED BY '\\t' ({cols})")
        conn.commit()
        path.unlink()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rollups.rebuild(conn)
    conn.commit()
    cur.close()
    add_bills(conn)
    return {"customers": n_cust, "load_s": load_s, "rollup_s": time.perf_counter() - t0, **counts}


def add_bills(conn) -> int:
    """One issued bill per customer for each month of the generated range, totals spread from
    10 to 60, a few void: what the usage reports' spend column and plan trends read."""
    months = sorted({f"{START.year + (START.month - 1 + k) // 12}-{(START.month - 1 + k) % 12 + 1:02d}"
                     for k in range((DAYS + 30) // 31)})
    cur = conn.cursor()
    derived = " UNION ALL ".join(f"SELECT '{m}' AS period" for m in months)
    cur.execute("INSERT INTO bills (bill_number, period, seq, customer_id, plan_id, issued_at, due_date, subtotal,"
                " tax, total, status)"
                " SELECT CONCAT('B', REPLACE(m.period, '-', ''), '-', c.id), m.period, c.id, c.id, c.plan_id,"
                " CONCAT(m.period, '-28 00:00:00'), CONCAT(m.period, '-28'), 10 + c.id % 5000 / 100,"
                " (10 + c.id % 5000 / 100) * 0.2, (10 + c.id % 5000 / 100) * 1.2,"
                " IF(c.id % 97 = 0, 'void', 'issued')"
                f" FROM customers c CROSS JOIN ({derived}) m")
    n = cur.rowcount
    conn.commit()
    cur.close()
    return n


ROLLUP_REPORTS = ("usage-summary", "top-customers", "peak-hours", "network-summary", "xdr-overview", "xdr-stats")


def generate_rollups(conn, scale: int, workdir: Path, seed: int = 7) -> dict:
    """The rollup rows that `scale` records would produce (one customer per 1,000 records, every
    customer active every day of 90, 24 hours x 5 regions), loaded without the records: for timing
    the reports that read only the rollups at a scale the raw load would take too long to build."""
    import numpy as np

    from telco_console.repositories import rollups

    rng = np.random.default_rng(seed)
    n_cust = max(50, scale // 1000)
    cur = conn.cursor()
    cur.execute("INSERT INTO plans (code, name, monthly_fee, peak_rate, offpeak_rate, sms_rate, mb_rate)"
                " VALUES ('BENCH', 'Bench', 10, 0.1, 0.05, 0.05, 0.01)")
    plan_id = cur.lastrowid
    cur.executemany("INSERT INTO customers (msisdn, name, region, plan_id, created_on) VALUES (%s, %s, %s, %s, %s)",
                    [(f"+4479{i:08d}", f"Customer {i}", REGIONS[i % len(REGIONS)], plan_id, "2026-01-01")
                     for i in range(n_cust)])
    conn.commit()
    cur.execute("SELECT MIN(id) FROM customers")
    first_id = cur.fetchone()[0]
    per_day = scale / (n_cust * DAYS)
    path = workdir / "usage_daily.tsv"
    days = [np.datetime64(START.isoformat()) + np.timedelta64(d, "D") for d in range(DAYS)]
    with open(path, "w") as fh:
        for c in range(n_cust):
            v = rng.poisson(per_day * np.array([0.33, 0.27, 0.125, 0.125, 0.15]), (DAYS, 5))
            app = rng.integers(0, 5_000_000, (DAYS, 7))
            for d in range(DAYS):
                co, ci, so, si, ds = (int(x) for x in v[d])
                # each application's bytes, or NULL (\N) on a day none of the sessions recorded it
                apps = "\t".join(str(int(app[d, k]) * ds) if ds and (k + d + c) % 5 else "\\N" for k in range(7))
                fh.write(f"{first_id + c}\t{days[d]}\t{co}\t{ci}\t{co}\t{co * 180}\t{ci * 180}\t0\t{so}\t{si}\t{ds}"
                         f"\t{ds * 600000}\t{ds * 30_000_000}\t{ds * 3_000_000}\t{apps}\n")
    cur.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE usage_daily FIELDS TERMINATED BY '\\t'"
                " (customer_id, day, calls_out, calls_in, calls_answered_out, call_seconds_out, call_seconds_in,"
                " calls_international, sms_out, sms_in, data_sessions, data_duration_ms, bytes_dl, bytes_ul, "
                + ", ".join(rollups.APP_COLS) + ")")
    conn.commit()
    path.unlink()
    rollups.rebuild_monthly(conn)
    conn.commit()
    per_slot = scale / (DAYS * 24 * len(REGIONS))
    cur.executemany("INSERT INTO usage_hourly (day, hour, region, calls, call_seconds, sms, data_sessions, bytes_total)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [(str(days[d]), h, r, int(per_slot * 0.6), int(per_slot * 0.6) * 180, int(per_slot * 0.25),
                      int(per_slot * 0.15), int(per_slot * 0.15) * 33_000_000)
                     for d in range(DAYS) for h in range(24) for r in REGIONS])
    conn.commit()
    cur.close()
    add_bills(conn)
    return {"customers": n_cust, "load_s": 0.0, "rollup_s": 0.0}


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _sql_runner(conn, sql: str, params=()):
    def go():
        cur = conn.cursor()
        cur.execute(sql, tuple(params))
        rows = cur.fetchall()
        cur.close()
        return rows
    return go


def measure(ctx, conn, customer_msisdn: str, customer_id: int, only: tuple[str, ...] = ()) -> list[dict]:
    """Every report against its floor: the SQL the report runs (the repository's *_sql functions,
    or its repository calls; for a report about one number, looking the number up and then its
    figures) run raw on an open autocommit connection, fetching the same rows. The report adds
    what the console does around that SQL: the role check, reading the number (phonenumbers,
    remembered per process), the pool checkout, the transaction and its commit, and what the
    service computes and lays out in Python."""
    from telco_console.repositories import reports as repo
    from telco_console.services.report_registry import ReportParams
    from telco_console.services.reports import run_report

    months = [("2026-07", date(2026, 7, 31)), ("2026-08", date(2026, 8, 31)), ("2026-09", date(2026, 9, 30))]
    cases = [
        ("usage-summary", ReportParams(), _sql_runner(conn, *repo.usage_report_sql())),
        ("usage-summary --top 10 --sort data", ReportParams(top=10, extra={"sort": "data"}),
         _sql_runner(conn, *repo.usage_report_sql(sort="data", limit=10))),
        ("usage-summary --from 2026-07-10 --to 2026-09-20", ReportParams(date_from=MID[0], date_to=MID[1]),
         _sql_runner(conn, *repo.usage_report_sql(*MID))),
        ("peak-hours", ReportParams(), _sql_runner(conn, *repo.hour_profile_sql())),
        ("peak-hours --customer", ReportParams(customer=customer_msisdn),
         lambda: (repo.customer_by_msisdn(conn, customer_msisdn), repo.hour_profile(conn, customer_id=customer_id))),
        ("top-customers --by spend", ReportParams(top=10, extra={"by": "spend"}),
         _sql_runner(conn, *repo.top_customers_sql("spend", 10))),
        ("network-summary", ReportParams(extra={"by": "day"}),
         lambda: (repo.network_totals(conn, "day"), repo.network_by_region(conn))),
        ("activity", ReportParams(customer=customer_msisdn),
         lambda: (repo.customer_by_msisdn(conn, customer_msisdn), repo.activity(conn, customer_id))),
        ("handsets", ReportParams(),
         _sql_runner(conn, *repo.handset_counts_sql())),
        ("xdr-overview", ReportParams(), _sql_runner(conn, *repo.xdr_report_sql(limit=20))),
        ("xdr-stats", ReportParams(), _sql_runner(conn, *repo.xdr_report_sql())),
        ("plan-trends", ReportParams(date_from=START, date_to=date(2026, 9, 30)),
         _sql_runner(conn, *repo.plan_trends_sql(months))),
    ]
    out = []
    for figure, params, floor_fn in cases:
        name = figure.split()[0]
        if only and name not in only:
            continue
        out.append(_versus(figure, lambda name=name, params=params: run_report(ctx, name, params), floor_fn))
    # what the usage summary's SQL adds to the bare per-customer sums (naming, spend, units, order)
    if not only or "usage-summary" in only:
        full = _sql_runner(conn, *repo.usage_report_sql())
        out.append(_versus("usage-summary's SQL vs its bare per-customer sums", full,
                           _sql_runner(conn, *repo.usage_per_customer_sql())))
    # what the rollups save the xDR reports: the per-user sums counted from the data sessions
    if not only or "xdr-overview" in only or "xdr-stats" in only:
        rolled = _best(_sql_runner(conn, *repo.xdr_per_user_sql()))
        raw = _best(_sql_runner(conn, *repo.xdr_per_user_raw_sql()), 1)
        out.append({"figure": "xDR per-user sums: data_sessions vs the rollups", "value": round(rolled, 4),
                    "unit": "s", "floor": round(raw, 4), "ratio": round(rolled / raw, 3) if raw > 0 else None})
    # what the monthly rollup saves: the same per-customer sums read from a row per customer and day
    per_customer_sql, pc_params = repo.usage_per_customer_sql()
    daily_sql = per_customer_sql.replace("usage_monthly", "usage_daily")
    monthly = _best(_sql_runner(conn, per_customer_sql, pc_params))
    daily = _best(_sql_runner(conn, daily_sql, pc_params))
    out.append({"figure": "per-customer sums: usage_daily vs usage_monthly", "value": round(monthly, 4), "unit": "s",
                "floor": round(daily, 4), "ratio": round(monthly / daily, 3) if daily > 0 else None})
    # what the rollups save: the hour distribution counted from the raw records
    raw = _best(_sql_runner(conn, "SELECT HOUR(started_at), COUNT(*) FROM calls GROUP BY 1"), 1)
    rolled = _best(_sql_runner(conn, *repo.hour_profile_sql()))
    out.append({"figure": "hour counts of calls: raw scan vs usage_hourly", "value": round(rolled, 4), "unit": "s",
                "floor": round(raw, 4), "ratio": round(rolled / raw, 3) if raw > 0 else None})
    return out


def _versus(figure: str, fn, floor_fn) -> dict:
    """fn against floor_fn: best of many runs, alternating one of each (so both see the same load
    and the same state of the server), as many pairs as fit in about 4 s (PAIRS_MIN to 200: the
    time of one statement over 10,000 rows varies by a third from run to run here)."""
    floor_fn()                                   # warm the buffer pool for both
    t0 = time.perf_counter()
    fn()
    pairs = max(PAIRS_MIN, min(200, int(2.0 / max(time.perf_counter() - t0, 1e-4))))
    values, floors = [], []
    for i in range(pairs):
        for side in ((0, 1) if i % 2 else (1, 0)):
            t0 = time.perf_counter()
            (fn if side == 0 else floor_fn)()
            (values if side == 0 else floors).append(time.perf_counter() - t0)
    value, floor = min(values), min(floors)
    v_med, f_med = statistics.median(values), statistics.median(floors)
    return {"figure": figure, "value": round(value, 4), "unit": "s", "floor": round(floor, 4),
            "ratio": round(value / floor, 2) if floor > 0 else None,
            "median_ratio": round(v_med / f_med, 2) if f_med > 0 else None, "pairs": pairs}


def run(scale: int = 1_000_000, workdir: str | Path | None = None, dsn: str | None = None,
        keep: bool = False, notify=lambda msg: None, only: tuple[str, ...] = (),
        rollups_only: bool = False, reuse: str | None = None) -> list[dict]:
    """Generate `scale` records in a throwaway database, time every report against its floor.
    reuse: the name of a database an earlier run kept (--keep) with the same scale and mode,
    timed again as it is (nothing generated, nothing dropped)."""
    import tempfile

    from telco_console.context import SYSTEM, AppContext
    from telco_console.db.pool import Database

    workdir = Path(workdir or tempfile.mkdtemp(prefix="bench-reports-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = _server(dsn or os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))
    if reuse:
        from telco_console.config import load_config

        admin, name, keep = None, reuse, True
        config = load_config(_config(workdir, server, name), environ={})
    else:
        admin, name, config = common.create_scratch(server, lambda name: _config(workdir, server, name))
    db = None
    try:
        conn = _connect(server, name)
        if reuse:
            cur = conn.cursor()
            cur.execute("SELECT COUNT(*) FROM customers")
            info = {"customers": cur.fetchone()[0], "load_s": 0.0, "rollup_s": 0.0}
            cur.close()
            if rollups_only:
                only = tuple(n for n in (only or ROLLUP_REPORTS) if n in ROLLUP_REPORTS)
        elif rollups_only:
            notify(f"generating the rollups of {scale:,} records in {name} ...")
            info = generate_rollups(conn, scale, workdir)
            only = tuple(n for n in (only or ROLLUP_REPORTS) if n in ROLLUP_REPORTS)
        else:
            notify(f"generating {scale:,} records in {name} ...")
            info = generate(conn, scale, workdir)
        if reuse:
            notify(f"timing the kept database {name} ({info['customers']:,} customers)")
        elif rollups_only:
            notify(f"rollup rows loaded ({info['customers']:,} customers x {DAYS} days)")
        else:
            notify(f"loaded in {info['load_s']:.1f} s, rollups rebuilt in {info['rollup_s']:.1f} s "
                   f"({info['customers']:,} customers)")
        cur = conn.cursor()
        cur.execute("SELECT id, msisdn FROM customers ORDER BY id LIMIT 1")
        cid, msisdn = cur.fetchone()
        cur.close()
        db = Database(config)
        ctx = AppContext(config, db, SYSTEM, progress=False)
        results = measure(ctx, conn, msisdn, cid, only)
        if rollups_only:
            # no records here: nothing to count them against
            results = [r for r in results if not r["figure"].startswith(("hour counts", "xDR per-user sums"))
                       and "--customer" not in r["figure"]]
        conn.close()
        for r in results:
            r["records"] = scale
        return results
    finally:
        if db is not None:
            db.close()
        if admin is not None:
            common.drop_scratch(admin, name, keep)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Time every report against the raw SQL of its own aggregate.")
    ap.add_argument("-n", "--scale", type=int, default=1_000_000, help="usage records to generate (default 1,000,000)")
    ap.add_argument("--dsn", help=f"server to create the throwaway database on (default {DEFAULT_DSN})")
    ap.add_argument("--workdir", help="directory for the generated files")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--rollups-only", action="store_true",
                    help="load only the rollup rows RECORDS records would produce, and time the reports that read "
                         "only the rollups (for 10,000,000 without loading the records)")
    ap.add_argument("--reuse", metavar="DATABASE",
                    help="time a database an earlier run kept with --keep (same -n and --rollups-only) as it is")
    ap.add_argument("--only", metavar="NAMES", default="", help="comma-separated report names to time (default all)")
    args = ap.parse_args(argv)
    only = tuple(n.strip() for n in args.only.split(",") if n.strip())
    results = run(args.scale, args.workdir, args.dsn, args.keep, notify=lambda m: print(m, file=sys.stderr),
                  only=only, rollups_only=args.rollups_only, reuse=args.reuse)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'figure':45} {'report (s)':>11} {'floor (s)':>10} {'ratio':>6} {'of medians':>10}")
    for r in results:
        med = f"{r['median_ratio']:.2f}" if r.get("median_ratio") is not None else "-"
        print(f"{r['figure']:45} {r['value']:>11.4f} {r['floor']:>10.4f} {r['ratio'] or 0:>6.2f} {med:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
