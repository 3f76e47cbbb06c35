"""Demo data benchmark: `demo load` of N customers over 30 days, against the floor: the same rows
copied server-side (INSERT ... SELECT) into same-shaped tables (same indexes and partitions, no
client, no parsing, no rollups), measured in the same run on the same server.

    .venv/bin/python bench/demo.py [-n CUSTOMERS] [--days D] [--dsn mysql://root@127.0.0.1:3306] [--json]

It creates a throwaway database `telco_bench_<hex>` on the server named by --dsn (or
TELCO_BENCH_DSN), applies the migrations, runs the load, then the floor, and drops the database.
`run(scale, workdir)` (scale = usage records, about 290 per customer over 30 days) returns dicts:
figure, value, unit, floor, ratio.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

_server = common.server_from_dsn

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"
DEFAULT_CUSTOMERS = 1000
RECORDS_PER_CUSTOMER = 290          # over 30 days, with the demo's rates


def measure(customers: int, days: int, workdir: Path, dsn: str) -> list[dict]:
    import mysql.connector

    from telco_console.config import load_config
    from telco_console.context import SYSTEM, AppContext
    from telco_console.db import migrations
    from telco_console.db.pool import Database
    from telco_console.services import demo

    server = _server(dsn)
    name = f"telco_bench_{secrets.token_hex(4)}"
    admin = mysql.connector.connect(**server, collation="utf8mb4_general_ci", autocommit=True)
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    cfg = workdir / "bench-demo.ini"
    cfg.write_text("\n".join(["[database]", "mode = external", *(f"{k} = {v}" for k, v in server.items()),
                              f"name = {name}", "", "[operator]", "timezone = Europe/London",
                              "default_region = GB", ""]))
    os.chmod(cfg, 0o600)
    try:
        config = load_config(cfg)
        owner = Database(config, owner=True)
        migrations.migrate(owner)
        db = Database(config)
        ctx = AppContext(config, db, SYSTEM, progress=False)
        t = time.perf_counter()
        result = demo.load_demo(ctx, customers, days, seed=42, bootstrap=True)
        load_s = time.perf_counter() - t
        db.close()
        with owner.connection() as conn:
            cur = conn.cursor()
            for table in ("calls", "sms", "data_sessions"):
                cur.execute(f"CREATE TABLE {table}_floor LIKE {table}")
            conn.commit()
            t = time.perf_counter()
            for table in ("calls", "sms", "data_sessions"):
                cur.execute(f"INSERT INTO {table}_floor SELECT * FROM {table}")
            conn.commit()
            floor_s = time.perf_counter() - t
        owner.close()
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()
    records = result.records
    return [
        {"figure": f"demo load: {customers:,} customers x {days} days ({records:,} records)", "value": load_s,
         "unit": "s", "floor": floor_s, "ratio": load_s / floor_s if floor_s else None},
        {"figure": "demo load: records per second", "value": records / load_s, "unit": "rows/s",
         "floor": records / floor_s if floor_s else None,
         "ratio": (records / load_s) / (records / floor_s) if floor_s else None},
    ]


def run(scale: int, workdir: Path) -> list[dict]:
    customers = max(100, scale // RECORDS_PER_CUSTOMER)
    return measure(customers, 30, Path(workdir), os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))


def main(argv=None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--customers", type=int, default=DEFAULT_CUSTOMERS, help="customers (default 1000)")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--dsn", default=os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(args.customers, args.days, Path(tmp), args.dsn)
    common.print_results(rows, args.json, ratio_places=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
