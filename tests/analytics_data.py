"""Data-session builders for the analytics tests (rows inserted through repositories.usage.write_batch)."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from telco_console.repositories import usage

APPS = usage.APPS
# the TellCo sample (5 xDR rows, with missing RTT, TCP and 'undefined' handsets); see its SOURCE.txt
TELLCO_SAMPLE = Path(__file__).resolve().parent / "data" / "tellco" / "xdr_sample.csv"


def session(customer_id: int, n: int, duration_s: float, dl: int, ul: int, *, apps: dict | None = None,
            rtt=(50, 10), tp=(1000, 100), tcp=(10000, 1000), handset: str | None = "Phone A",
            start: datetime = datetime(2026, 3, 1, 10, 0)) -> tuple:
    """One data_sessions row in DATA_COLS order; n makes started_at and source_ref unique."""
    started = start + timedelta(minutes=n)
    app_bytes = []
    for a in APPS:
        v = (apps or {}).get(a)
        app_bytes += [v[0], v[1]] if v else [None, None]
    return (customer_id, started, started + timedelta(seconds=duration_s), int(duration_s * 1000), dl, ul,
            *app_bytes, rtt[0], rtt[1], tp[0], tp[1], tcp[0], tcp[1], "Maker", handset, None, None, None, None,
            "test", f"c{customer_id}-s{n}")


def insert(ctx, rows) -> int:
    def write(conn):
        return usage.write_batch(conn, "test", None, data=rows)["data"]
    return ctx.db.run(write)


def planted_groups(seed: int = 1, varied: bool = False):
    """Three groups of customers (30 light, 20 medium, 10 heavy users), well apart in sessions,
    duration and traffic; with `varied`, RTT and throughput also differ between customers.
    Returns (rows, {group: [customer ids]})."""
    import random

    rnd = random.Random(seed)
    rows, groups = [], {"light": [], "medium": [], "heavy": []}
    spec = [("light", 30, 1, 100, 1_000_000), ("medium", 20, 6, 800, 75_000_000), ("heavy", 10, 12, 1500, 150_000_000)]
    cid = 1
    for name, count, sessions, dur, vol in spec:
        for _ in range(count):
            groups[name].append(cid)
            for n in range(sessions):
                d = dur * rnd.uniform(0.9, 1.1)
                v = int(vol * rnd.uniform(0.9, 1.1))
                extra = {}
                if varied:
                    extra = {"rtt": (20 + (cid * 7) % 90, 5 + cid % 4), "tp": (500 + (cid * 131) % 5000, 50 + cid % 40)}
                rows.append(session(cid, n, d, v, v // 10,
                                    apps={"youtube": (v // 2, v // 20), "social": (v // 10, v // 100),
                                          "gaming": (v // 5, 0)}, **extra))
            cid += 1
    return rows, groups
