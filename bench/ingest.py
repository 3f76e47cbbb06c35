"""Ingest benchmark: N generated calls imported as our CSV and as Asterisk Master.csv, against
the floor: a raw LOAD DATA LOCAL INFILE of the same rows into a same-shaped scratch table,
measured in the same run on the same server.

    .venv/bin/python bench/ingest.py [-n CALLS] [--dsn mysql://root@127.0.0.1:3306] [--keep] [--json]

It creates a throwaway database `telco_bench_<hex>` on the server named by --dsn (or
TELCO_BENCH_DSN), applies the migrations, adds 1 customer per 200 calls (at least 100), writes
the calls in time order over 90 days (70% made by a customer, 30% received by one; 1 in 4
unanswered) as both files, then:
floor (raw LOAD DATA into `calls_floor`, a copy of `calls`), `import csv`, `import asterisk`, the
re-import of the Asterisk file, and `import csv` again with the plan on bench/billing.py's 20,000-prefix
deck, so that the numbers called are resolved for the deck and the calls rated during the import (the
calls table and rollups emptied before each import). The customers call --others numbers (default 20,000). The
database is dropped at the end unless --keep. `run(scale, workdir)` returns dicts: figure, value, unit, floor, ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

_server = common.server_from_dsn
_connect = common.connect


def _config(workdir: Path, server: dict, name: str) -> Path:
    return common.write_config(workdir / "bench-ingest.ini", server, name)

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"
DEFAULT_N = 200_000
OTHERS = 20_000       # the numbers the customers call and are called by
START = datetime(2026, 7, 1)


def generate(conn, scale: int, workdir: Path, seed: int = 11, others: int = 20_000,
             customers: int | None = None) -> dict:
    """Customers in the database; calls.csv (ours), Master.csv (Asterisk, 21 columns) and
    floor.tsv (the rows as stored) in workdir."""
    rnd = random.Random(seed)
    n_cust = customers or max(100, scale // 200)
    cur = conn.cursor()
    cur.execute("INSERT INTO plans (code, name, monthly_fee, peak_rate, offpeak_rate, sms_rate, mb_rate)"
                " VALUES ('BENCH', 'Bench', 10, 0.1, 0.05, 0.05, 0.01)")
    plan_id = cur.lastrowid
    custs = [f"0740{i:07d}" for i in range(n_cust)]
    cur.executemany("INSERT INTO customers (msisdn, name, region, plan_id, created_on) VALUES (%s, %s, %s, %s, %s)",
                    [(f"+44{c[1:]}", f"Customer {i}", ("North", "South", "East", "West")[i % 4], plan_id,
                      START.date()) for i, c in enumerate(custs)])
    cur.execute("SELECT id, msisdn FROM customers")
    ids = {m: i for i, m in cur.fetchall()}
    cur.close()
    others = [f"0750{rnd.randrange(10 ** 7):07d}" for _ in range(others)]
    span = 90 * 86400
    # in time order, as a switch writes its CDRs (the rollups of a batch then touch few days): arrival
    # times of a Poisson process over the span, made one at a time so the generator's memory stays flat
    # (a sorted list of every offset took 110 MB at 3,000,000 calls, more than the import itself)
    gap, at = span / scale, 0.0
    from telco_console.clock import zone

    utc = zone("Europe/London").utc         # the bench config's [operator] timezone
    with open(workdir / "calls.csv", "w", encoding="utf-8") as ours, \
            open(workdir / "Master.csv", "w", encoding="utf-8") as ast, \
            open(workdir / "floor.tsv", "w", encoding="utf-8") as floor:
        ours.write("record_id,caller,callee,started_at,duration_s,billsec,disposition\n")
        for i in range(scale):
            cust, other = custs[rnd.randrange(n_cust)], others[rnd.randrange(len(others))]
            outgoing = rnd.random() < 0.7
            caller, callee = (cust, other) if outgoing else (other, cust)
            at = min(at + rnd.expovariate(1 / gap), span - 1)
            start = START + timedelta(seconds=int(at))
            answered = rnd.random() < 0.75
            dur = rnd.randrange(5, 1800)
            bill = max(0, dur - rnd.randrange(0, 10)) if answered else 0
            disp = "ANSWERED" if answered else rnd.choice(("NO ANSWER", "BUSY"))
            s = f"{start:%Y-%m-%d %H:%M:%S}"
            e = f"{start + timedelta(seconds=dur):%Y-%m-%d %H:%M:%S}"
            ours.write(f"r{i},{caller},{callee},{s},{dur},{bill},{disp}\n")
            uid = f"{int(start.timestamp())}.{i}"
            ast.write(f'"","{caller}","{callee}","from-internal","""{caller}"" <{caller}>","SIP/{caller}-{i:08x}",'
                      f'"SIP/trunk-{i:08x}","Dial","SIP/trunk/{callee},60","{s}","{s if answered else ""}","{e}",'
                      f'{dur},{bill},"{disp}","DOCUMENTATION","{uid}","","","{uid}",{i}\n')
            other_e164 = f"+44{other[1:]}"
            floor.write(f"{ids['+44' + cust[1:]]}\t{s}\t{'out' if outgoing else 'in'}\t{other_e164}\t{dur}\t"
                        f"{bill}\t{int(answered)}\t{disp}\t0\tcsv\tr{i}\t1\t{utc(start)}\n")
    return {"customers": n_cust}


def _empty_usage(conn) -> None:
    cur = conn.cursor()
    for t in ("calls", "usage_daily", "usage_monthly", "usage_hourly", "unmatched_records"):
        cur.execute(f"TRUNCATE TABLE {t}")
    cur.close()


def floor_rate(conn, workdir: Path, scale: int) -> float:
    from telco_console.repositories.usage import CALL_COLS

    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS calls_floor")
    cur.execute("CREATE TABLE calls_floor LIKE calls")
    t0 = time.perf_counter()
    cur.execute(f"LOAD DATA LOCAL INFILE %s IGNORE INTO TABLE calls_floor CHARACTER SET utf8mb4"
                f" FIELDS TERMINATED BY '\\t' ({', '.join(CALL_COLS)}, batch_id, started_utc)",
                (str(workdir / "floor.tsv"),))
    conn.commit()
    secs = time.perf_counter() - t0
    cur.execute("SELECT COUNT(*) FROM calls_floor")
    n = cur.fetchone()[0]
    cur.execute("DROP TABLE calls_floor")
    cur.close()
    assert n == scale, (n, scale)
    return scale / secs


def _deck(conn, ctx, workdir: Path) -> int:
    """bench/billing.py's 20,000-prefix deck, imported and put on the bench's plan; the derived tables
    of an earlier import emptied. Returns the number of prefixes."""
    import random

    from bench.billing import DECK_PREFIXES, write_deck
    from telco_console.services.billing import rates

    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM rate_decks")
    if not cur.fetchone()[0]:
        write_deck(workdir / "deck.csv", DECK_PREFIXES, random.Random(16))
        rates.import_csv(ctx, str(workdir / "deck.csv"), "BENCH")
    for t in ("rate_number_chains", "rate_chain_slices", "rate_chain_prefixes", "rate_chains"):
        cur.execute(f"DELETE FROM {t}")
    cur.execute("UPDATE plans SET deck_id = (SELECT id FROM rate_decks WHERE name = 'BENCH')")
    conn.commit()
    cur.close()
    return DECK_PREFIXES


def run(scale: int = DEFAULT_N, workdir: str | Path | None = None, dsn: str | None = None,
        keep: bool = False, notify=lambda msg: None, others: int = OTHERS, customers: int | None = None) -> list[dict]:
    """Generate `scale` calls in a throwaway database; import them both ways against the floor."""
    import tempfile

    from telco_console.context import SYSTEM, AppContext
    from telco_console.db.pool import Database
    from telco_console.services.collection import importer

    workdir = Path(workdir or tempfile.mkdtemp(prefix="bench-ingest-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = _server(dsn or os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))
    admin, name, config = common.create_scratch(server, lambda name: _config(workdir, server, name))
    db = None
    try:
        conn = _connect(server, name)
        notify(f"generating {scale:,} calls in {workdir} ...")
        info = generate(conn, scale, workdir, others=others, customers=customers)
        db = Database(config)
        ctx = AppContext(config, db, SYSTEM, progress=False)
        results = []
        floor = floor_rate(conn, workdir, scale)
        notify(f"floor: raw LOAD DATA {floor:,.0f} rows/s")
        for fmt, file in (("csv", "calls.csv"), ("asterisk", "Master.csv")):
            _empty_usage(conn)
            r = importer.import_file(ctx, fmt, str(workdir / file), reject_file=str(workdir / f"{fmt}.rejects.csv"))
            assert r.inserted == scale and r.rejected == 0 and r.unmatched == 0, r
            notify(f"import {fmt}: {r.rate:,.0f} rows/s")
            results.append({"figure": f"import {fmt} ({scale:,} calls)", "value": round(r.rate), "unit": "rows/s",
                            "floor": round(floor), "ratio": round(r.rate / floor, 3)})
        t0 = time.perf_counter()
        again = importer.import_file(ctx, "asterisk", str(workdir / "Master.csv"))
        rate = scale / (time.perf_counter() - t0)
        assert again.inserted == 0 and again.duplicates == scale
        results.append({"figure": f"re-import asterisk, all duplicates ({scale:,})", "value": round(rate),
                        "unit": "rows/s", "floor": round(floor), "ratio": round(rate / floor, 3)})
        # the same calls on a decked plan: the numbers called are resolved for the deck and the calls
        # rated (their entry and cost written with them) as they come in
        _empty_usage(conn)
        deck_n = _deck(conn, ctx, workdir)
        r = importer.import_file(ctx, "csv", str(workdir / "calls.csv"), reject_file=str(workdir / "deck.rejects.csv"))
        assert r.inserted == scale and r.rejected == 0 and r.resolved > 0, r
        cur = conn.cursor()
        cur.execute("SELECT COUNT(*) FROM calls WHERE rate_version IS NOT NULL")
        (rated,), = cur.fetchall()
        cur.close()
        assert rated > 0
        notify(f"import csv, decked plan ({r.resolved:,} numbers resolved, {rated:,} calls rated):"
               f" {r.rate:,.0f} rows/s")
        results.append({"figure": f"import csv, decked plan, {r.resolved:,} numbers resolved, {rated:,} calls rated"
                                  f" ({deck_n:,}-prefix deck)",
                        "value": round(r.rate), "unit": "rows/s", "floor": round(floor),
                        "ratio": round(r.rate / floor, 3)})
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        results.append({"figure": "peak memory of the process", "value": round(peak_mb, 1), "unit": "MB",
                        "floor": None, "ratio": None})
        conn.close()
        for r in results:
            r["records"] = scale
            r["customers"] = info["customers"]
        return results
    finally:
        if db is not None:
            db.close()
        common.drop_scratch(admin, name, keep)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Import N generated calls (our CSV, Asterisk) against raw LOAD DATA.")
    ap.add_argument("-n", "--scale", type=int, default=DEFAULT_N, help=f"calls to generate (default {DEFAULT_N:,})")
    ap.add_argument("--dsn", help=f"server to create the throwaway database on (default {DEFAULT_DSN})")
    ap.add_argument("--workdir", help="directory for the generated files")
    ap.add_argument("--customers", type=int, help="customers (default 1 per 200 calls, at least 100)")
    ap.add_argument("--others", type=int, default=OTHERS,
                    help=f"how many numbers the customers call and are called by (default {OTHERS:,})")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = ap.parse_args(argv)
    results = run(args.scale, args.workdir, args.dsn, args.keep, notify=lambda m: print(m, file=sys.stderr),
                  others=args.others, customers=args.customers)
    if not args.json:
        print(f"{'figure':45} {'value':>10} {'unit':>7} {'floor':>10} {'ratio':>6}")
        for r in results:
            floor = f"{r['floor']:,}" if r["floor"] is not None else "-"
            ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
            print(f"{r['figure']:45} {r['value']:>10,} {r['unit']:>7} {floor:>10} {ratio:>6}")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
