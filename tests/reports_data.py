"""Small hand-built usage data sets with known answers, for the report tests."""
from __future__ import annotations

from datetime import datetime, timedelta

from helpers import make_customer, make_plan
from telco_console.repositories import usage

A, B = "+447911000001", "+447911000002"
_seq = [0]


def ref() -> str:
    _seq[0] += 1
    return f"t{_seq[0]}"


def call(cid, at, direction="out", billsec=60, answered=1, other="+447700900000"):
    return (cid, at, direction, other, billsec, billsec, answered, "ANSWERED" if answered else "NO ANSWER", 0,
            "test", ref())


def sms(cid, at, direction="out"):
    return (cid, at, direction, "+447700900000", 20, 0, "test", ref())


def data(cid, at, dl=1_000_000, ul=500_000, duration_ms=60_000, apps=None, manufacturer=None, handset=None):
    """apps: {'social': (dl, ul), ...}; missing applications are NULL."""
    apps = apps or {}
    app_cols = []
    for a in usage.APPS:
        app_cols += list(apps.get(a, (None, None)))
    return (cid, at, at + timedelta(milliseconds=duration_ms), duration_ms, dl, ul, *app_cols,
            None, None, None, None, None, None, manufacturer, handset, None, None, None, None, "test", ref())


def write(ctx, calls=(), sms_rows=(), data_rows=()):
    return ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=list(calls), sms=list(sms_rows),
                                                     data=list(data_rows)))


def basic(ctx) -> dict:
    """Two customers, A (North) and B (South), on Monday 5 and Tuesday 6 October 2026.
    Hour 18 is the peak: 4 calls + 2 SMS of 10 records."""
    make_plan(ctx)
    a = make_customer(ctx, A, "Ann Able", region="North")
    b = make_customer(ctx, B, "Bob Baker", region="South")
    mon, tue = datetime(2026, 10, 5), datetime(2026, 10, 6)
    write(ctx,
          calls=[call(a["id"], mon.replace(hour=18, minute=1), billsec=60),
                 call(a["id"], mon.replace(hour=18, minute=20), billsec=120),
                 call(a["id"], mon.replace(hour=18, minute=40), billsec=180),
                 call(a["id"], mon.replace(hour=9), "in", billsec=30),
                 call(b["id"], tue.replace(hour=18, minute=30), billsec=60)],
          sms_rows=[sms(a["id"], mon.replace(hour=18, minute=5)), sms(a["id"], mon.replace(hour=18, minute=6)),
                    sms(b["id"], tue.replace(hour=7))],
          data_rows=[data(b["id"], tue.replace(hour=12)), data(b["id"], tue.replace(hour=12, minute=30))])
    return {"a": a, "b": b}
