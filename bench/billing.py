"""Billing benchmark: the bill run over N generated customers and M usage records, against the floor:
one hand-written SQL aggregate over the same rows (per customer: rounded call seconds, SMS sent,
bytes), measured in the same run on the same server. Goal: within 2x of the floor.

    .venv/bin/python bench/billing.py [-n CUSTOMERS] [--records M] [--dsn mysql://root@127.0.0.1:3306]
                                      [--keep] [--json] [--no-deck | --only-deck]

A throwaway database `telco_bench_<hex>` is created on the server named by --dsn (or TELCO_BENCH_DSN),
migrated, and filled with LOAD DATA LOCAL INFILE: customers on three plans, and records for one month
(60% calls, 20% SMS, 20% data sessions). Then: floor (the aggregate), dry run (rating only), the bill
run (rating, numbering, bills and lines written), each the median of REPEATS (the bills are removed
between runs; the floor is measured right before each dry run and run, so that each pair meets the same
phase of the machine and the same background work of the server), and a repeat run (creates nothing). The database is
dropped at the end unless --keep. `run(scale, workdir)` returns dicts: figure, value, unit, floor, ratio.

The deck case (deck_case(), also in run() unless --no-deck): the same customers on plans with a rate deck
of DECK_PREFIXES prefixes (imported with `rates import`, timed against LOAD DATA of the same file), calls
to numbers spread over the deck; the numbers resolved to their deck prefixes (timed on their own: set-based
in SQL, as a rating resolves them, then again as an import resolves them), then the bill run against the
floor: the same aggregate joined to each call's destination (measured again right before each run; each
run figure's floor is the median of those measured next to its runs): first with every call rated from its
number's chain (the calls as generated carry no rating), then with each call's rating worked out as an
import works it out (timed on its own) and stored with it, as an import stores it. Between the two, the
calls re-rated set-based as after a version dated back (rates.rerate_stored, timed), whose ratings must be
the import's for every call the import rates.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

_server = common.server_from_dsn
_connect = common.connect


def _config(workdir: Path, server: dict, name: str) -> Path:
    return common.write_config(workdir / "bench-billing.ini", server, name,
                               ["[billing]", "tax_rate = 0.20", "due_days = 14", f"outbox = {workdir / 'outbox'}", ""])

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"
DEFAULT_CUSTOMERS = 10_000
REPEATS = 3           # the floor and each run: the median of 3 (the bills removed between runs)
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


def unbill(conn) -> None:
    """Remove the period's bills and runs (between repeated runs of the bench)."""
    cur = conn.cursor()
    for table in ("bill_lines", "usage_billed", "customer_credits", "bills", "bill_runs", "bill_periods"):
        cur.execute(f"DELETE FROM {table}")
    conn.commit()
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


DECK_PREFIXES = 20_000
DECK_FLOOR_SQL = """
SELECT customer_id, SUM(s), SUM(n), SUM(b), SUM(c) FROM (
  SELECT k.customer_id, SUM((k.billsec + 59) DIV 60 * 60) AS s, 0 AS n, 0 AS b, SUM(k.billsec * e.connect_fee) AS c
  FROM calls k JOIN bench_dest d ON d.num = k.other_party
  JOIN rate_entries e ON e.version_id = d.version_id AND e.entry_no = d.entry_no
  WHERE k.started_at >= %s AND k.started_at < %s AND k.direction = 'out' AND k.answered = 1 AND k.billsec > 0
  GROUP BY k.customer_id
  UNION ALL
  SELECT customer_id, 0, COUNT(*), 0, 0 FROM sms WHERE started_at >= %s AND started_at < %s AND direction = 'out'
  GROUP BY customer_id
  UNION ALL
  SELECT customer_id, 0, 0, SUM(bytes_dl + bytes_ul), 0 FROM data_sessions
  WHERE started_at >= %s AND started_at < %s GROUP BY customer_id
) x GROUP BY customer_id"""


def write_deck(path: Path, prefixes: int, rnd: random.Random) -> list[str]:
    """A deck CSV of `prefixes` prefixes (2-7 digits after a country code; every third with its '+'),
    half with peak and off-peak timings and a second rate group; one-digit catch-alls. Returns the prefixes."""
    out, seen = [], set()
    rows = ["prefix,destination,group,connect_fee,start,rate,unit,increment,timing,weekdays,time,covered"]
    for d in "123456789":
        rows.append(f"{d},Zone {d},World,0.05,0,0.50,60,60,ALWAYS,,,no")
    while len(out) < prefixes:
        p = rnd.choice(["44", "33", "49", "1", "39", "34", "91", "86"]) + str(rnd.randrange(10 ** rnd.randint(1, 5)))
        p = ("+" + p) if len(out) % 3 == 0 else p
        if p in seen:
            continue
        seen.add(p)
        out.append(p)
        grp = ("National", "Mobile", "Europe", "World")[len(out) % 4]
        cov = "yes" if grp in ("National", "Mobile") else "no"
        if len(out) % 2:
            rows.append(f"{p},D{len(out)},{grp},0.02,0,0.{rnd.randrange(10, 99)},60,30,PEAK,1;2;3;4;5,08:00:00,{cov}")
            rows.append(f"{p},D{len(out)},{grp},0.02,30,0.{rnd.randrange(10, 99)},60,6,PEAK,1;2;3;4;5,08:00:00,{cov}")
            rows.append(f"{p},D{len(out)},{grp},0.01,0,0.0{rnd.randrange(1, 9)},60,60,OFFPEAK,,00:00:00,{cov}")
        else:
            rows.append(f"{p},D{len(out)},{grp},0,0,0.{rnd.randrange(10, 99)},60,1,ALWAYS,,,{cov}")
    path.write_text("\n".join(rows) + "\n")
    return out


def rate_as_imported(conn, db, workdir: Path) -> tuple[float, int]:
    """Every call of the period through IngestResolver.prepare() (the rows an import's Matcher gives,
    in batches of the import's size), its rating then stored with the call. Returns (seconds of
    prepare(), calls rated)."""
    from telco_console.repositories.usage import CALL_COLS
    from telco_console.services.billing.resolution import IngestResolver
    from telco_console.services.collection.importer import BATCH_SIZE

    cur = conn.cursor()
    cur.execute("SELECT id, " + ", ".join(CALL_COLS) + " FROM calls ORDER BY started_at, id")
    rows = cur.fetchall()
    resolver = IngestResolver(db)
    took, out = 0.0, []
    for i in range(0, len(rows), BATCH_SIZE):
        batch = [tuple(r[1:]) for r in rows[i:i + BATCH_SIZE]]
        t0 = time.perf_counter()
        rated, _ = db.run(resolver.prepare, batch)
        took += time.perf_counter() - t0
        out += [(r[0], r[2], *x[len(CALL_COLS):]) for r, x in zip(rows[i:i + BATCH_SIZE], rated)
                if x[len(CALL_COLS)] is not None]
    path = workdir / "ratings.tsv"
    path.write_text("".join(f"{i}\t{at}\t{v}\t{e}\t{ln}\t{c}\n" for i, at, v, e, ln, c in out))
    cur.execute("CREATE TABLE bench_ratings (id BIGINT, started_at DATETIME(3), v INT, ec INT, ln INT,"
                " cost DECIMAL(20,8), PRIMARY KEY (id, started_at))")
    _load(cur, path, "bench_ratings", "id, started_at, v, ec, ln, cost")
    cur.execute("UPDATE calls k JOIN bench_ratings r ON r.id = k.id AND r.started_at = k.started_at"
                " SET k.rate_version = r.v, k.rate_ec = r.ec, k.rate_line = r.ln, k.rate_cost = r.cost")
    conn.commit()
    cur.close()
    return took, resolver.rated


def deck_case(scale: int, records: int, workdir: Path, server: dict, notify=lambda msg: None,
              keep: bool = False) -> list[dict]:
    """The bill run of decked plans against the aggregate joined to resolved destinations."""
    from telco_console.context import SYSTEM, AppContext
    from telco_console.db.pool import Database
    from telco_console.services.billing import billrun, rates

    admin, name, config = common.create_scratch(server, lambda name: _config(workdir, server, name))
    db = None
    try:
        conn = _connect(server, name)
        rnd = random.Random(16)
        prefixes = write_deck(workdir / "deck.csv", DECK_PREFIXES, rnd)
        lines = sum(1 for _ in open(workdir / "deck.csv")) - 1
        db = Database(config)
        ctx = AppContext(config, db, SYSTEM, progress=False)
        t0 = time.perf_counter()
        rates.import_csv(ctx, str(workdir / "deck.csv"), "BENCH")
        t_import = time.perf_counter() - t0
        cur = conn.cursor()
        cur.execute("CREATE TABLE bench_deck_raw (a VARCHAR(32), b VARCHAR(64), c VARCHAR(64), d VARCHAR(20),"
                    " e VARCHAR(20), f VARCHAR(20), g VARCHAR(20), h VARCHAR(20), i VARCHAR(64), j VARCHAR(20),"
                    " k VARCHAR(20), l VARCHAR(8), id INT AUTO_INCREMENT PRIMARY KEY)")
        t0 = time.perf_counter()
        cur.execute("LOAD DATA LOCAL INFILE %s INTO TABLE bench_deck_raw FIELDS TERMINATED BY ','"
                    " IGNORE 1 LINES (a, b, c, d, e, f, g, h, i, j, k, l)", (str(workdir / "deck.csv"),))
        t_load = time.perf_counter() - t0
        notify(f"rates import of {lines:,} rows: {t_import:.2f} s (LOAD DATA {t_load:.2f} s)")
        generate(conn, scale, records, workdir)
        cur.execute("UPDATE plans SET deck_id = (SELECT id FROM rate_decks WHERE name = 'BENCH')")
        # every call to a number of the deck: a prefix and random digits (the E.164 ones with their '+')
        cur.execute("SELECT COUNT(*) FROM calls")
        n_calls = cur.fetchone()[0]
        nums = workdir / "numbers.tsv"
        with open(nums, "w") as f:
            for i in range(n_calls):
                p = rnd.choice(prefixes)
                digits = p.lstrip("+")
                f.write(f"b{i}\t+{digits}{rnd.randrange(10 ** (11 - len(digits)))}\n")
        cur.execute("CREATE TABLE bench_numbers (source_ref VARCHAR(128) PRIMARY KEY, num VARCHAR(64))")
        _load(cur, nums, "bench_numbers", "source_ref, num")
        cur.execute("UPDATE calls k JOIN bench_numbers n ON n.source_ref = k.source_ref SET k.other_party = n.num")
        cur.execute("ANALYZE TABLE calls, rate_entries, rate_groups")
        cur.fetchall()
        # the floor's destinations, resolved outside the timing (the longest prefix of either form)
        from telco_console.services.billing import decks as D

        cur.execute("SELECT version_id, prefix, MIN(entry_no) FROM rate_entries GROUP BY version_id, prefix")
        by_prefix = {p: (v, e) for v, p, e in cur.fetchall()}
        cur.execute("SELECT DISTINCT other_party FROM calls")
        dest = []
        for (num,) in cur.fetchall():
            best = next(p for p in D.candidates(num) if p in by_prefix)
            dest.append((num, *by_prefix[best]))
        cur.execute("CREATE TABLE bench_dest (num VARCHAR(64) PRIMARY KEY, version_id INT, entry_no INT)")
        for i in range(0, len(dest), 5000):
            cur.executemany("INSERT INTO bench_dest VALUES (%s, %s, %s)", dest[i:i + 5000])
        from telco_console.timeutil import Period

        p = Period.parse(PERIOD)

        def floor_once() -> float:
            t0 = time.perf_counter()
            cur.execute(DECK_FLOOR_SQL, (p.start, p.end) * 3)
            cur.fetchall()
            return time.perf_counter() - t0

        floor_once()                                       # warm the buffer pool
        floor = statistics.median(floor_once() for _ in range(REPEATS))
        notify(f"deck floor: aggregate joined to destinations {floor:.2f} s")
        # the numbers' deck prefixes, resolved ahead of the run (as after each ingest), against the
        # same lookups done by the floor's own preparation
        from telco_console.repositories import rates as rates_repo

        def committed(fn, *args):
            """fn(connection, *args) on a connection of its own, committed: (its result, seconds)."""
            t0 = time.perf_counter()
            with db.connection() as c2:
                got = fn(c2, *args)
                c2.commit()
            return got, time.perf_counter() - t0

        resolved, t_resolve = committed(rates_repo.resolve_numbers, p.start, p.end)
        notify(f"resolution of {resolved:,} numbers against the deck: {t_resolve:.2f} s")
        # the same numbers resolved again the way an import resolves them (chains worked out in
        # Python, written set-based, batches of the import's size), from the pairs an import collects
        from telco_console.services.billing.resolution import IngestResolver
        from telco_console.services.collection.importer import BATCH_SIZE

        cur.execute("SELECT version_id, num FROM rate_number_chains ORDER BY version_id, num")
        pairs = [(v, n) for v, n in cur.fetchall()]
        for t in ("rate_number_chains", "rate_chain_slices", "rate_chain_prefixes", "rate_chains"):
            cur.execute(f"DELETE FROM {t}")
        conn.commit()
        resolver = IngestResolver(db)
        t0 = time.perf_counter()
        for i in range(0, len(pairs), BATCH_SIZE):
            db.run(resolver.resolve, pairs[i:i + BATCH_SIZE])
        t_ingest = time.perf_counter() - t0
        assert resolver.resolved == resolved, (resolver.resolved, resolved)
        notify(f"the same numbers resolved as an import resolves them: {t_ingest:.2f} s")
        def bill_runs() -> tuple[float, list[float], float]:
            """(median run, the runs, median of the floors measured next to them): the floor is measured
            right before each run, after the bills of the run before are removed, so that both meet the
            same phase of the machine and the same background work of the server."""
            runs, floors = [], []
            for _ in range(REPEATS):
                unbill(conn)
                floors.append(floor_once())
                t0 = time.perf_counter()
                real = billrun.run(ctx, PERIOD)
                runs.append(time.perf_counter() - t0)
                assert real.bills == scale and not real.unrated, real
            return statistics.median(runs), runs, statistics.median(floors)

        # the calls as generated carry no rating: each is rated from its number's chain (as after a
        # new deck version, a plan change, or for calls logged at the prompt)
        t_chained, runs, floor_chained = bill_runs()
        notify(f"bill run with a {DECK_PREFIXES:,}-prefix deck, calls rated from their chains: {t_chained:.2f} s"
               f" (median of {', '.join(f'{r:.2f}' for r in runs)}; floor next to them {floor_chained:.2f} s)")
        # the calls re-rated set-based, as after a version dated back over them (timed), kept aside
        rerated, t_rerate = committed(rates_repo.rerate_stored, p.start, p.end)
        notify(f"{rerated:,} calls re-rated set-based: {t_rerate:.2f} s")
        cur.execute("CREATE TABLE bench_rerated (PRIMARY KEY (id, started_at)) SELECT id, started_at, rate_version,"
                    " rate_ec, rate_line, rate_cost FROM calls WHERE rate_version IS NOT NULL")
        cur.execute("UPDATE calls SET rate_version = NULL, rate_ec = NULL, rate_line = NULL, rate_cost = NULL")
        conn.commit()
        # then each call's rating worked out as an import works it out (timed: the Python an import
        # adds per call) and stored with the call, as an import writes it; the set-based re-rating
        # must have given every call the import rated the same rating
        t_rating, rated = rate_as_imported(conn, db, workdir)
        notify(f"{rated:,} calls rated as an import rates them: {t_rating:.2f} s")
        cur.execute("SELECT COUNT(*) FROM calls k LEFT JOIN bench_rerated r"
                    " ON r.id = k.id AND r.started_at = k.started_at"
                    " WHERE k.rate_version IS NOT NULL AND NOT (r.rate_version <=> k.rate_version"
                    " AND r.rate_ec <=> k.rate_ec AND r.rate_line <=> k.rate_line AND r.rate_cost <=> k.rate_cost)")
        (differ,), = cur.fetchall()
        assert differ == 0, f"{differ:,} calls rated otherwise by the set-based re-rating than by the import's"
        t_run, runs, floor_run = bill_runs()
        notify(f"bill run with a {DECK_PREFIXES:,}-prefix deck, calls rated at ingest: {t_run:.2f} s (median of"
               f" {', '.join(f'{r:.2f}' for r in runs)}; floor next to them {floor_run:.2f} s), {scale:,} bills")
        cur.close()
        conn.close()
        label = f"({scale:,} customers, {records:,} records, {DECK_PREFIXES:,}-prefix deck)"
        out = [
            {"figure": f"rates import, {lines:,} rows (floor: LOAD DATA of the file)", "value": round(t_import, 3),
             "unit": "s", "floor": round(t_load, 3), "ratio": round(t_import / t_load, 2)},
            {"figure": f"deck floor: aggregate joined to destinations {label}", "value": round(floor, 3),
             "unit": "s", "floor": round(floor, 3), "ratio": 1.0},
            {"figure": f"resolving {resolved:,} new numbers to deck prefixes (set-based, before the run)",
             "value": round(t_resolve, 3), "unit": "s", "floor": round(floor, 3), "ratio": round(t_resolve / floor, 2)},
            {"figure": f"resolving the same {resolved:,} numbers as an import does (chains worked out in Python)",
             "value": round(t_ingest, 3), "unit": "s", "floor": round(floor, 3), "ratio": round(t_ingest / floor, 2)},
            {"figure": f"rating {rated:,} calls as an import rates them (Python, before the write)",
             "value": round(t_rating, 3), "unit": "s", "floor": round(floor, 3), "ratio": round(t_rating / floor, 2)},
            {"figure": f"re-rating {rerated:,} stored calls set-based (as after a version dated back)",
             "value": round(t_rerate, 3), "unit": "s", "floor": round(floor, 3), "ratio": round(t_rerate / floor, 2)},
            {"figure": f"bill run, decked plans, calls rated from their chains {label}", "value": round(t_chained, 3),
             "unit": "s", "floor": round(floor_chained, 3), "ratio": round(t_chained / floor_chained, 2)},
            {"figure": f"bill run, decked plans {label}", "value": round(t_run, 3),
             "unit": "s", "floor": round(floor_run, 3), "ratio": round(t_run / floor_run, 2)},
        ]
        for r in out:
            r["customers"], r["records"] = scale, records
        return out
    finally:
        if db is not None:
            db.close()
        common.drop_scratch(admin, name, keep)


def run(scale: int = DEFAULT_CUSTOMERS, workdir: str | Path | None = None, dsn: str | None = None,
        records: int | None = None, keep: bool = False, notify=lambda msg: None, deck: bool = True) -> list[dict]:
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
        # the floor measured right before each dry run and run (after the bills of the run before are
        # removed), so that both meet the same phase of the machine and the same background work
        floors, t_dry, t_run = [], [], []
        for i in range(REPEATS):
            if i:
                unbill(conn)
            floors.append(floor_time(conn))
            t0 = time.perf_counter()
            dry = billrun.run(ctx, PERIOD, dry=True)
            t_dry.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            real = billrun.run(ctx, PERIOD)
            t_run.append(time.perf_counter() - t0)
            assert real.bills == scale and real.total == dry.total, (real, dry)
            notify(f"dry run {t_dry[-1]:.2f} s, bill run {t_run[-1]:.2f} s: {real.bills:,} bills, total {real.total}")
        t_dry, t_run = statistics.median(t_dry), statistics.median(t_run)
        floor = statistics.median(floors)
        notify(f"floor: one SQL aggregate {floor:.2f} s (median of {', '.join(f'{f:.2f}' for f in floors)})")
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
    finally:
        if db is not None:
            db.close()
        common.drop_scratch(admin, name, keep)
    if deck:
        out += deck_case(scale, records, workdir, server, notify, keep)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Bill run over generated customers and usage against one SQL aggregate.")
    ap.add_argument("-n", "--customers", "--scale", dest="customers", type=int, default=DEFAULT_CUSTOMERS,
                    help=f"customers to generate (default {DEFAULT_CUSTOMERS:,})")
    ap.add_argument("--records", type=int, help=f"usage records (default {RECORDS_PER_CUSTOMER} per customer)")
    ap.add_argument("--dsn", help=f"server to create the throwaway database on (default {DEFAULT_DSN})")
    ap.add_argument("--workdir", help="directory for the generated files")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    ap.add_argument("--no-deck", action="store_true", help="leave out the rate deck case")
    ap.add_argument("--only-deck", action="store_true", help="only the rate deck case")
    args = ap.parse_args(argv)
    notify = lambda m: print(m, file=sys.stderr)   # noqa: E731
    if args.only_deck:
        import tempfile

        workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-billing-"))
        workdir.mkdir(parents=True, exist_ok=True)
        server = _server(args.dsn or os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))
        results = deck_case(args.customers, args.records or args.customers * RECORDS_PER_CUSTOMER, workdir, server,
                            notify, args.keep)
    else:
        results = run(args.customers, args.workdir, args.dsn, args.records, args.keep, notify=notify,
                      deck=not args.no_deck)
    if not args.json:
        print(f"{'figure':75} {'value':>8} {'unit':>4} {'floor':>8} {'ratio':>6}")
        for r in results:
            print(f"{r['figure']:75} {r['value']:>8} {r['unit']:>4} {r['floor']:>8} {r['ratio']:>6}")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
