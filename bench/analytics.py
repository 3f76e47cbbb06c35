"""Benchmark: engagement clustering of N customers through the pipeline (z-scores, k-means or
MiniBatchKMeans above the threshold, clusters renumbered by engagement) against scikit-learn called
directly on the same numpy array with the same parameters, in the same run. Goal: within 1.3x.

    .venv/bin/python bench/analytics.py            # 200,000 customers
    .venv/bin/python bench/analytics.py -n 1000000 # or --million
    .venv/bin/python bench/analytics.py --db mysql://root@127.0.0.1:3306 -n 100000
        # also: the features read from SQL into numpy, and the whole engagement report, in a
        # throwaway database on that server (dropped afterwards)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_SCALE = 200_000
GOAL = 1.3


def make_metrics(n: int, seed: int = 7):
    """n customers' sessions, duration (ms) and traffic (bytes), drawn from three usage levels."""
    import numpy as np

    rng = np.random.default_rng(seed)
    level = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    s = rng.poisson(np.array([2, 8, 25])[level]) + 1
    d = s * rng.lognormal(np.log([60_000, 200_000, 600_000])[level], 0.4)
    t = s * rng.lognormal(np.log([5e6, 5e7, 3e8])[level], 0.5)
    return np.column_stack([s, d, t]).astype(np.float64)


def _best_of_pairs(a, b, repeat: int) -> tuple[float, float]:
    """Best time of each, the two run alternately so that both see the same machine load."""
    best_a = best_b = float("inf")
    for _ in range(repeat):
        for fn, which in ((a, "a"), (b, "b")):
            t0 = time.perf_counter()
            fn()
            took = time.perf_counter() - t0
            if which == "a":
                best_a = min(best_a, took)
            else:
                best_b = min(best_b, took)
    return best_a, best_b


def run(scale: int = DEFAULT_SCALE, workdir: str | Path | None = None, repeat: int = 3) -> list[dict]:
    """Figures: the pipeline's clustering time, with scikit-learn's on the same array as the floor
    (ratio = pipeline / floor)."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    from telco_console.services.analytics import engagement
    from telco_console.services.analytics.features import DEFAULT_MINIBATCH_THRESHOLD

    X = make_metrics(int(scale))
    threshold = DEFAULT_MINIBATCH_THRESHOLD
    _, _, _, cl = engagement.cluster_metrics(X, 3, threshold)      # warm-up, and the parameters used
    params = cl.params

    def direct():
        Z = (X - X.mean(axis=0)) / X.std(axis=0)
        model = MiniBatchKMeans(**params) if cl.algorithm == "MiniBatchKMeans" else KMeans(**params)
        model.fit(Z)

    def ours():
        engagement.cluster_metrics(X, 3, threshold)

    floor, value = _best_of_pairs(direct, ours, repeat)
    sizes = sorted(int((cl.labels == c).sum()) for c in range(3))
    figures = [
        {"figure": f"engagement clustering, {scale:,} customers ({cl.algorithm})", "value": round(value, 4),
         "unit": "s", "floor": round(floor, 4), "ratio": round(value / floor, 3) if floor else None},
    ]
    if workdir:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        (Path(workdir) / "analytics-bench.json").write_text(json.dumps({"figures": figures, "cluster_sizes": sizes},
                                                                       indent=2))
    return figures


def _db_figures(dsn: str, scale: int, workdir: Path, repeat: int) -> list[dict]:
    """Load `scale` customers' sessions into a throwaway database, then time the features read
    (SQL GROUP BY streamed into numpy) against the same query fetched whole by the connector, and
    the whole engagement report."""
    import secrets
    from datetime import datetime, timedelta
    from urllib.parse import unquote, urlparse

    import mysql.connector

    from telco_console.config import load_config
    from telco_console.context import SYSTEM, AppContext
    from telco_console.db import migrations
    from telco_console.db.pool import Database
    from telco_console.repositories import analytics as repo
    from telco_console.repositories import usage
    from telco_console.services.analytics import engagement
    from telco_console.services.analytics import features as F
    from telco_console.services.report_registry import ReportParams

    u = urlparse(dsn)
    host, port = u.hostname or "127.0.0.1", u.port or 3306
    user, password = unquote(u.username or "root"), unquote(u.password or "")
    name = f"telco_bench_{secrets.token_hex(4)}"
    admin = mysql.connector.connect(host=host, port=port, user=user, password=password,
                                    collation="utf8mb4_general_ci")
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    workdir.mkdir(parents=True, exist_ok=True)
    ini = workdir / "bench.ini"
    ini.write_text(f"[database]\nmode = external\nhost = {host}\nport = {port}\nuser = {user}\n"
                   f"password = {password}\nname = {name}\n\n[analytics]\nmodels_dir = {workdir / 'models'}\n")
    ini.chmod(0o600)
    try:
        config = load_config(ini)
        owner = Database(config, owner=True)
        migrations.migrate(owner)
        owner.close()
        db = Database(config)
        ctx = AppContext(config, db, SYSTEM, progress=False)
        X = make_metrics(scale)
        start = datetime(2026, 3, 1)
        apps_null = [None] * (2 * len(usage.APPS))
        batch = []

        def flush(conn, rows):
            usage.insert_rows(conn, "data", 0, rows)

        for i in range(scale):
            dl = int(X[i, 2] * 0.9)
            t = start + timedelta(seconds=i)
            batch.append((i + 1, t, t, int(X[i, 1]), dl, int(X[i, 2]) - dl, *apps_null, 40, 10, 900, 90,
                          1000, 100, "M", "T", None, None, None, None, "bench", str(i)))
            if len(batch) == 5000:
                db.run(flush, batch)
                batch = []
        if batch:
            db.run(flush, batch)
        filters = {"date_from": None, "date_to": None, "region": None}

        def plain(conn):   # the same query, fetched whole, no conversion
            for _ in repo.engagement_chunks(conn, **filters, chunk=scale + 1):
                pass

        floor, value = _best_of_pairs(lambda: db.run(plain), lambda: F.load_engagement(ctx, filters), repeat)
        t0 = time.perf_counter()
        engagement.report(ctx, ReportParams())
        whole = time.perf_counter() - t0
        db.close()
        rows = scale
        return [
            {"figure": f"engagement features read from SQL into numpy, {rows:,} customers", "value": round(value, 4),
             "unit": "s", "floor": round(floor, 4), "ratio": round(value / floor, 3) if floor else None},
            {"figure": f"whole engagement report (read, cluster, elbow, top lists, artefact, run), {rows:,} customers",
             "value": round(whole, 3), "unit": "s", "floor": None, "ratio": None},
        ]
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="engagement clustering: pipeline vs scikit-learn directly")
    p.add_argument("-n", "--scale", type=int, default=DEFAULT_SCALE, help="customers (default 200,000)")
    p.add_argument("--million", action="store_true", help="1,000,000 customers")
    p.add_argument("--repeat", type=int, default=3, help="best of this many timings (default 3)")
    p.add_argument("--workdir", help="also write the figures as JSON here")
    p.add_argument("--db", metavar="DSN", help="also time the SQL read and the whole report in a throwaway "
                                               "database on this server (mysql://user:pass@host:port)")
    args = p.parse_args(argv)
    scale = 1_000_000 if args.million else args.scale
    figures = run(scale, args.workdir, args.repeat)
    if args.db:
        import tempfile

        workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="telco-bench-"))
        figures += _db_figures(args.db, scale, workdir, args.repeat)
    for f in figures:
        floor = f" (floor {f['floor']:,} {f['unit']}, ratio {f['ratio']})" if f["floor"] is not None else ""
        print(f"{f['figure']}: {f['value']:,} {f['unit']}{floor}")
    ratio = figures[0]["ratio"]
    print(f"goal: within {GOAL}x of scikit-learn directly: {'met' if ratio and ratio <= GOAL else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
