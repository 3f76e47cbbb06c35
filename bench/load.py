"""Load test: N sessions at once for a while, each doing what the back office does all day.

    .venv/bin/python bench/load.py [--config FILE] [--sessions 8] [--seconds 60] [--scale 1]

Sessions (by number, round robin): logging one call/SMS/data record at a time (through the
service staff use at the prompt, collection.manual, when present), importing
batches of records (each batch re-sends part of the previous one, as a re-run import would),
running reports, and running the month's bill run again and again. Afterwards it proves:
- every acknowledged write (db.run returned) is in the database exactly once, and nothing
  that was not acknowledged is there (counted per natural key);
- no error reached a session (deadlocks and lock waits are retried inside db.run);
- no bill is duplicated (one per customer per period) and the rollups equal a full recount.
It prints the throughput and its floor measured in the same run (one session alone).

The suite runs a short version (tests/test_reliability_load.py). It writes into the configured
database: point --config at a scratch one. Records it writes have source 'load'.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telco_console.context import SYSTEM, AppContext
from telco_console.db.pool import Database
from telco_console.repositories import usage

PERIOD = "2026-10"
T0 = datetime(2026, 10, 1)
ROLES = ("log", "import", "report", "log", "import", "report", "log", "bill")


@dataclass
class Stats:
    acked: dict = field(default_factory=lambda: {"call": set(), "sms": set(), "data": set()})
    ops: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    tag: str = field(default_factory=lambda: __import__("secrets").token_hex(4))
    bill_runs: int = 0
    bills_created: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, kind: str, refs) -> None:
        with self.lock:
            self.acked[kind].update(refs)

    def op(self, role: str) -> None:
        with self.lock:
            self.ops[role] = self.ops.get(role, 0) + 1

    @property
    def total_ops(self) -> int:
        return sum(self.ops.values())


def _call(cid: int, when: datetime, ref: str) -> tuple:
    secs = 1 + hash(ref) % 600
    return (cid, when, "out", "+447700900123", secs, secs, 1, "ANSWERED", 0, "load", ref)


def _sms(cid: int, when: datetime, ref: str) -> tuple:
    return (cid, when, "out", "+447700900123", 40, 0, "load", ref)


def _data(cid: int, when: datetime, ref: str) -> tuple:
    from telco_console.repositories.usage import DATA_COLS

    row = dict.fromkeys(DATA_COLS)
    row.update(customer_id=cid, started_at=when, ended_at=when + timedelta(minutes=5), duration_ms=300000,
               bytes_dl=1_500_000, bytes_ul=200_000, source="load", source_ref=ref)
    for c in DATA_COLS:
        if c.endswith(("_dl", "_ul")) and row[c] is None and not c.startswith(("rtt", "tp", "tcp")):
            row[c] = 0
    return tuple(row[c] for c in DATA_COLS)


def setup(ctx, customers: int) -> list[tuple[int, str]]:
    """A plan and `customers` customers (idempotent); returns their (id, msisdn)."""
    from telco_console.errors import DuplicateError
    from telco_console.services import customers as cs
    from telco_console.services import plans

    try:
        plans.add_plan(ctx, code="LOAD", name="Load test", monthly_fee="10.00", included_minutes=10,
                       included_sms=10, included_mb=10, peak_rate="0.1000", offpeak_rate="0.0500",
                       sms_rate="0.0500", mb_rate="0.0100", increment_seconds=60)
    except DuplicateError:
        pass
    ids = []
    for i in range(customers):
        msisdn = f"+4479112{i:05d}"
        try:
            ids.append((cs.add_customer(ctx, msisdn, f"Load {i}", "LOAD", "North" if i % 2 else "South",
                                        since="2026-01-01")["id"], msisdn))
        except DuplicateError:
            ids.append((cs.get_customer(ctx, msisdn)["id"], msisdn))
    return ids


def session(n: int, role: str, ctx, custs: list[tuple[int, str]], stop: float, stats: Stats, batch: int) -> None:
    tag = stats.tag
    ids = [c[0] for c in custs]
    manual = _manual()
    importer = _importer()
    workdir = tempfile.mkdtemp(prefix="telco-load-")
    rnd = random.Random(n)
    seq = 0
    previous: list = []
    try:
        while time.monotonic() < stop:
            seq += 1
            if role == "log":
                kind = ("call", "sms", "data")[seq % 3]
                when = T0 + timedelta(seconds=rnd.randrange(30 * 86400))
                if manual is not None:          # the service staff use at the prompt
                    cid, msisdn = rnd.choice(custs)
                    if kind == "call":
                        logged = manual.log_call(ctx, msisdn, "+447700900123", "out", when, rnd.randint(1, 600))
                    elif kind == "sms":
                        logged = manual.log_sms(ctx, msisdn, "+447700900123", "out", when, 40)
                    else:
                        logged = manual.log_data(ctx, msisdn, when, 300, dl=1_500_000, ul=200_000)
                    stats.ack(kind, [logged.record["source_ref"]])
                    stats.op(role)
                    continue
                ref = f"{tag}-s{n}-{seq}"
                row = {"call": _call, "sms": _sms, "data": _data}[kind](rnd.choice(ids), when, ref)
                counts = ctx.db.run(usage.write_batch, "load", None, **{
                    {"call": "calls", "sms": "sms", "data": "data"}[kind]: [row]})
                assert counts[kind] == 1, counts
                stats.ack(kind, [ref])
            elif role == "import" and importer is not None:     # a CDR file through the importer
                rows = [(rnd.choice(custs)[1], T0 + timedelta(seconds=rnd.randrange(30 * 86400)),
                         f"{tag}-i{n}-{seq}-{k}")
                        for k in range(batch)]
                resend = previous[: batch // 4]
                path = Path(workdir) / f"s{n}.csv"
                path.write_text("record_id,caller,callee,started_at,duration_s,billsec,disposition\n" + "".join(
                    f"{ref},{msisdn},+447700900123,{when:%Y-%m-%d %H:%M:%S},61,61,ANSWERED\n"
                    for msisdn, when, ref in rows + resend))
                res = importer.import_file(ctx, "csv", str(path), reject_file=str(Path(workdir) / f"s{n}.rej"))
                assert (res.inserted, res.duplicates, res.rejected) == (len(rows), len(resend), 0), res
                stats.ack("call", [r[-1] for r in rows])
                previous = rows
            elif role == "import":
                rows = [_call(rnd.choice(ids), T0 + timedelta(seconds=rnd.randrange(30 * 86400)),
                              f"{tag}-i{n}-{seq}-{k}")
                        for k in range(batch)]
                resend = previous[: batch // 4]          # part of the previous batch again: skipped
                counts = ctx.db.run(usage.write_batch, "load", None, calls=rows + resend)
                assert counts["call"] == len(rows), counts
                stats.ack("call", [r[-1] for r in rows])
                previous = rows
            elif role == "report":
                _report(ctx, seq)
            elif role == "bill":
                from telco_console.services.billing import billrun

                res = billrun.run(ctx, PERIOD)
                with stats.lock:
                    stats.bill_runs += 1
                    stats.bills_created += res.bills
            stats.op(role)
    except Exception as exc:        # anything here reached a user
        with stats.lock:
            stats.errors.append(f"session {n} ({role}): {type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _report(ctx, seq: int) -> None:
    from telco_console.services import report_registry as reg

    names = ("usage-summary", "peak-hours", "top-customers")
    spec = reg.find(names[seq % len(names)])
    params = reg.ReportParams(date(2026, 10, 1), date(2026, 10, 31), top=10,
                              extra={o.name: o.default for o in spec.options})
    spec.run(ctx, params)


def _importer():
    try:
        from telco_console.services.collection import importer
    except ImportError:
        return None
    return importer


def _manual():
    try:
        from telco_console.services.collection import manual
    except ImportError:
        return None
    return manual


def has_billing() -> bool:
    import importlib.util

    return importlib.util.find_spec("telco_console.services.billing.billrun") is not None


def verify(db: Database, stats: Stats) -> dict:
    """What the database holds against what was acknowledged."""
    tables = {"call": "calls", "sms": "sms", "data": "data_sessions"}

    def do(conn):
        from telco_console.repositories import rollups

        cur = conn.cursor()
        out = {}
        for kind, table in tables.items():
            cur.execute(f"SELECT source_ref, COUNT(*) FROM {table} WHERE source_ref LIKE %s"
                        " GROUP BY source_ref", (stats.tag + "-%",))
            tagged = dict(cur.fetchall())         # rows this run wrote directly
            cur.execute(f"SELECT source_ref, COUNT(*) FROM {table} WHERE source = 'manual' GROUP BY source_ref")
            logged = {ref: k for ref, k in cur.fetchall() if ref in stats.acked[kind]}   # through the service
            found = {**tagged, **logged}
            acked = stats.acked[kind]
            out[kind] = {"acked": len(acked), "rows": sum(found.values()),
                         "missing": len(acked - found.keys()), "unacked": len(tagged.keys() - acked),
                         "duplicated": sum(1 for v in found.values() if v != 1)}
        cur.execute("SELECT COUNT(*), COUNT(DISTINCT customer_id, period) FROM bills")
        out["bills"], out["distinct_bills"] = cur.fetchone()
        cur.execute("SELECT COUNT(*), COUNT(DISTINCT bill_number) FROM bills")
        out["bill_numbers_unique"] = len(set(cur.fetchone())) == 1
        out["rollup_differences"] = len(rollups.differences(conn))
        return out

    return db.run(do)


def run_load(config, sessions: int = 8, seconds: float = 60, customers: int = 40, batch: int = 200,
             clear: bool = False) -> dict:
    """Run the load; returns the stats and the verification (see the module's docstring)."""
    db = Database(config)
    ctx = AppContext(config, db, SYSTEM, progress=False)
    ids = setup(ctx, customers)
    stats = Stats()
    roles = list((ROLES * (sessions // len(ROLES) + 1))[:sessions])
    if not has_billing():
        roles = ["log" if r == "bill" else r for r in roles]
    stop = time.monotonic() + seconds
    threads = [threading.Thread(target=session, args=(i, roles[i], ctx, ids, stop, stats, batch), daemon=True)
               for i in range(sessions)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    result = verify(db, stats)
    db.close()
    return {"stats": stats, "verify": result, "elapsed": elapsed, "roles": roles}


def problems(res: dict) -> list[str]:
    """Every broken promise in a run_load result (empty when all hold)."""
    out = list(res["stats"].errors)
    v = res["verify"]
    for kind in ("call", "sms", "data"):
        k = v[kind]
        if k["missing"] or k["unacked"] or k["duplicated"] or k["rows"] != k["acked"]:
            out.append(f"{kind}: {k}")
    if v["bills"] != v["distinct_bills"] or not v["bill_numbers_unique"]:
        out.append(f"duplicated bills: {v['bills']} bills, {v['distinct_bills']} customer-periods")
    if v["rollup_differences"]:
        out.append(f"rollups differ from a recount in {v['rollup_differences']} rows")
    return out


def main(argv=None) -> int:
    from telco_console.config import load_config

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", help="settings file (default: config.ini / TELCO_CONFIG)")
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--scale", "-n", type=float, default=1.0, help="multiplies customers and batch size")
    args = ap.parse_args(argv)
    config = load_config(args.config)
    from telco_console.db import migrations

    migrations.migrate(Database(config, owner=True))
    customers, batch = max(4, int(40 * args.scale)), max(4, int(200 * args.scale))
    floor_s = min(10.0, args.seconds / 4)
    floor = run_load(config, 1, floor_s, customers, batch)
    res = run_load(config, args.sessions, args.seconds, customers, batch)
    st, v = res["stats"], res["verify"]
    print(f"floor: 1 session ({floor['roles'][0]}) {floor['stats'].total_ops / floor['elapsed']:.1f} ops/s")
    print(f"load: {args.sessions} sessions {res['roles']} for {res['elapsed']:.1f} s: "
          f"{st.total_ops} operations ({st.total_ops / res['elapsed']:.1f} ops/s) {st.ops}")
    acked = sum(v[k]["acked"] for k in ("call", "sms", "data"))
    print(f"acknowledged records: {acked} (calls {v['call']['acked']}, sms {v['sms']['acked']}, "
          f"data {v['data']['acked']}); in the database exactly once: "
          f"{'yes' if not problems(res) else 'NO'}")
    print(f"bill runs: {st.bill_runs} (bills created {st.bills_created}; bills {v['bills']}, "
          f"one per customer and period: {v['bills'] == v['distinct_bills']})")
    bad = problems(res) + problems(floor)
    for p in bad:
        print("PROBLEM:", p)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
