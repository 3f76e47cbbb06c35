"""Benchmark: the model reports as a person feels them in the console, on the demo data set.

    .venv/bin/python bench/console.py [--customers 1500] [--days 30] [--dsn mysql://root@127.0.0.1:3306]
                                      [--repeat 3] [--json]

It creates a throwaway database `telco_bench_<hex>` on the server named by --dsn (or
TELCO_BENCH_DSN), loads the demo data (`demo load`, default 1,500 customers over 30 days), and in
one process, as the console does after sign-in:
  1. times the background import of the model libraries (services/analytics/preload.py), which the
     console starts right after sign-in while the person reads the menu;
  2. times engagement, experience, satisfaction and churn-risk, each `--repeat` times (the first
     churn-risk run makes the model selection, stored as a model run; later runs reuse it, as the
     console does after the first list of the day). The goal: under 2 s each.
The first churn-risk time (with the selection) is reported apart. Nothing is asserted: compare the
figures with the goal and with the machine's load (printed).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"
GOAL_S = 2.0
REPORTS = ("engagement", "experience", "satisfaction", "churn-risk")


def run(scale: int = 1500, workdir: str | Path | None = None, dsn: str | None = None, days: int = 30,
        repeat: int = 3, notify=lambda msg: None) -> list[dict]:
    """`scale` demo customers; figures: the preload, then each report's median and best of `repeat`."""
    from telco_console.context import SYSTEM, AppContext
    from telco_console.db.pool import Database

    workdir = Path(workdir or tempfile.mkdtemp(prefix="bench-console-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = common.server_from_dsn(dsn or os.environ.get("TELCO_BENCH_DSN", DEFAULT_DSN))
    admin, name, config = common.create_scratch(
        server, lambda n: common.write_config(workdir / "bench.ini", server, n,
                                              ["[analytics]", f"models_dir = {workdir / 'models'}"]))
    db = None
    try:
        db = Database(config)
        ctx = AppContext(config, db, SYSTEM, progress=False)
        from telco_console.services import demo

        notify(f"loading {scale:,} demo customers over {days} days into {name} ...")
        t0 = time.perf_counter()
        demo.load_demo(ctx, customers=scale, days=days, seed=42, bootstrap=True)
        notify(f"loaded in {time.perf_counter() - t0:.1f} s")
        results = []

        from telco_console.services.analytics import preload

        t0 = time.perf_counter()
        preload.start("analyst").join()
        took = time.perf_counter() - t0
        results.append(_figure("background import of the model libraries (after sign-in)", [took], scale))

        from telco_console.services.report_registry import ReportParams, find

        for name_ in REPORTS:
            spec = find(name_)
            times = []
            for _ in range(repeat + (1 if name_ == "churn-risk" else 0)):
                t0 = time.perf_counter()
                spec.run(ctx, ReportParams(top=10))
                times.append(time.perf_counter() - t0)
            if name_ == "churn-risk":
                results.append(_figure("churn-risk, first of the day (model selection + time split)", times[:1],
                                       scale))
                times = times[1:]
            results.append(_figure(f"{name_} (in the console, libraries loaded)", times, scale))
            notify(f"{name_}: median {statistics.median(times):.2f} s")
        return results
    finally:
        if db is not None:
            db.close()
        common.drop_scratch(admin, name, False)


def _figure(what: str, times: list[float], scale: int) -> dict:
    med = statistics.median(times)
    return {"figure": what, "value": round(med, 3), "best": round(min(times), 3), "runs": len(times),
            "unit": "s", "floor": GOAL_S, "ratio": round(med / GOAL_S, 3), "customers": scale}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=1500)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--dsn", help=f"server for the throwaway database (default {DEFAULT_DSN})")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results = run(args.customers, None, args.dsn, args.days, args.repeat,
                  notify=lambda m: print(m, file=sys.stderr))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; goal {GOAL_S:.1f} s a report")
    for r in results:
        print(f"{r['figure']:<66} median {r['value']:6.2f} s  best {r['best']:6.2f} s  ({r['runs']} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
