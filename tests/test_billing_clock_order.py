"""Allowances are used in real time order, also in the hour the autumn clock change repeats.

On 25 October 2026 London's clocks go back at 02:00 BST to 01:00 GMT, so 01:40 (BST, 00:40 UTC)
comes before 01:10 (GMT, 01:10 UTC) although it reads later. The bill must use the included minute
on the call that really came first."""
from __future__ import annotations

from decimal import Decimal

from billing_support import add_calls
from helpers import make_customer, make_plan
from telco_console.repositories.base import fetch_all
from telco_console.services.billing import billrun
from telco_console.services.billing.rating import Call, rate_usage


def _set_instants(ctx, cid: int, instants: dict) -> None:
    """What an import with UTC offsets stores: the real start beside the local wall-clock time."""
    def do(conn):
        cur = conn.cursor()
        for local, utc in instants.items():
            cur.execute("UPDATE calls SET started_utc = %s WHERE customer_id = %s AND started_at = %s",
                        (utc, cid, local))
        conn.commit()
    ctx.db.run(do)


def test_the_repeated_hour_uses_the_allowance_in_real_time_order(ctx):
    # one included minute; peak 01:20-02:00 every day, so the two calls are rated differently
    plan = make_plan(ctx, included_minutes=1, peak_window="Mon-Sun 01:20-02:00")
    c = make_customer(ctx)
    add_calls(ctx, c["id"], [("2026-10-25 01:40:00", 60), ("2026-10-25 01:10:00", 60)])
    _set_instants(ctx, c["id"], {"2026-10-25 01:40:00": "2026-10-25 00:40:00",     # BST, first
                                 "2026-10-25 01:10:00": "2026-10-25 01:10:00"})    # GMT, an hour later
    billrun.run(ctx, "2026-10")
    lines = {r["kind"]: r["amount"] for r in ctx.db.run(fetch_all, "SELECT kind, amount FROM bill_lines")}
    # the 01:40 BST call came first and is covered; the 01:10 GMT call is charged off-peak (0.05)
    assert lines.get("offpeak_calls") == Decimal("0.05"), lines
    assert "peak_calls" not in lines or lines["peak_calls"] == 0, lines

    from datetime import datetime
    ref = rate_usage(plan, [Call(datetime(2026, 10, 25, 1, 40), 60, 1, started_utc=datetime(2026, 10, 25, 0, 40)),
                            Call(datetime(2026, 10, 25, 1, 10), 60, 2, started_utc=datetime(2026, 10, 25, 1, 10))],
                     0, 0)
    assert ref.offpeak_s == 60 and ref.peak_s == 0
