"""Customer lookup at a prompt (Tab completion and `?words` search, services.customers.find_customers)
over N customers, against the floor: the exact lookup of one MSISDN through its unique index, on
the same server in the same run.

    .venv/bin/python bench/lookup.py [-n CUSTOMERS] [--dsn mysql://root@127.0.0.1:3306] [--json]

It creates a throwaway database `telco_bench_<hex>`, applies the migrations, inserts N customers
(demo names and numbers), times each kind of lookup (the median of 15), and drops the database.
`run(scale, workdir)` (scale = usage records; customers = scale / 10) returns dicts: figure, value,
unit, floor, ratio.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"
DEFAULT_CUSTOMERS = 100_000
REPEAT = 15


def _median_ms(fn) -> float:
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(customers: int, workdir: Path, dsn: str) -> list[dict]:
    import numpy as np

    from telco_console.context import AppContext, User
    from telco_console.db.pool import Database
    from telco_console.repositories import customers as customers_repo
    from telco_console.repositories import demo as demo_repo
    from telco_console.services import customers as customers_service
    from telco_console.services import demo, plans

    server = common.server_from_dsn(dsn)
    admin, name, config = common.create_scratch(
        server, lambda name: common.write_config(workdir / "bench-lookup.ini", server, name))
    try:
        db = Database(config)
        ctx = AppContext(config, db, User(None, "bench", "staff"), progress=False)
        plan_id = plans.add_plan(AppContext(config, db, progress=False), **demo.PLANS[0])["id"]
        rng = np.random.default_rng(7)
        people = demo.draw_population(rng, customers, 30)
        msisdns = demo._msisdn_pool(rng, "GB", customers, set())
        rows = demo.customer_rows(people, msisdns, {p["code"]: plan_id for p in demo.PLANS}, rng,
                                  ctx.now().date())
        for i in range(0, len(rows), 5000):
            ctx.db.run(demo_repo.insert_customers, rows[i:i + 5000])
        some = msisdns[len(msisdns) // 2]
        national = "0" + some[3:8]                     # '+447700...' -> '07700' (a GB national prefix)
        floor = _median_ms(lambda: ctx.db.run(customers_repo.by_msisdn, some))
        found = {}
        figures = [("a national number prefix (Tab on '" + national + "')", national),
                   ("a whole number, international", some),
                   ("part of a name that many have ('smith')", "smith"),
                   ("a name nobody has (the whole table is read)", "zzyzx")]
        out = []
        for label, text in figures:
            found[text] = len(customers_service.find_customers(ctx, text))
            ms = _median_ms(lambda t=text: customers_service.find_customers(ctx, t))
            out.append({"figure": f"lookup over {customers:,} customers: {label}, {found[text]} found",
                        "value": ms, "unit": "ms", "floor": floor, "ratio": ms / floor if floor else None})
        db.close()
    finally:
        common.drop_scratch(admin, name)
    return out


def run(scale: int, workdir: Path) -> list[dict]:
    return measure(max(1000, scale // 10), Path(workdir), os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))


def main(argv=None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--customers", type=int, default=DEFAULT_CUSTOMERS, help="customers (default 100,000)")
    ap.add_argument("--dsn", default=os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(args.customers, Path(tmp), args.dsn)
    common.print_results(rows, args.json, ratio_places=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
