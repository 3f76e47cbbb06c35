"""Value and risk segments: the rule on hand-made customers, campaign lists, KNN placement."""
from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal

import pytest

from telco_console.errors import NotFoundError, PermissionDenied, ValidationError
from telco_console.repositories import usage
from telco_console.repositories.base import execute, fetch_all
from telco_console.services.intelligence import segments
from telco_console.services.report_registry import ReportParams, find
from tests.helpers import make_customer, make_plan

N = {i: f"+4479111234{i:02d}" for i in range(1, 9)}
_BILL_SEQ = itertools.count(1)          # the bills' numbers, unique across the module's tests


def add_bill(conn, cid, period, total, paid_on=None):
    seq = next(_BILL_SEQ)
    due = date(int(period[:4]), int(period[5:]), 28)
    status = "paid" if paid_on else "issued"
    bid = execute(conn, "INSERT INTO bills (bill_number, period, seq, customer_id, plan_id, issued_at, due_date,"
                        " subtotal, tax, total, amount_paid, status) SELECT %s, %s, %s, id, plan_id, %s, %s, %s, 0,"
                        " %s, %s, %s FROM customers WHERE id = %s",
                  (f"T{seq:06d}", period, seq, datetime(2026, 1, 1), due, total, total,
                   total if paid_on else 0, status, cid))
    if paid_on:
        execute(conn, "INSERT INTO payments (bill_id, customer_id, amount, method, reference, paid_at, recorded_by)"
                      " SELECT id, customer_id, total, 'card', CONCAT('P', id), %s, 'test' FROM bills"
                      " WHERE bill_number = %s", (paid_on, f"T{seq:06d}"))
    return bid


@pytest.fixture
def world(ctx):
    make_plan(ctx)
    make_plan(ctx, code="PREMIUM", name="Premium", monthly_fee="40.00")
    c = {}
    c[1] = make_customer(ctx, N[1], "High one", "PREMIUM", region="South", handset="iPhone")
    c[2] = make_customer(ctx, N[2], "High two", "PREMIUM", region="South", handset="iPhone")
    c[3] = make_customer(ctx, N[3], "Heavy cheap", "BASIC")
    c[4] = make_customer(ctx, N[4], "Quiet", "BASIC")
    c[5] = make_customer(ctx, N[5], "Owes", "BASIC")
    c[6] = make_customer(ctx, N[6], "Late payer", "BASIC")
    on_time = datetime(2026, 1, 1)   # before every due date
    bills = {1: 50, 2: 40, 3: 10, 4: 10, 5: 30, 6: 10}

    def setup(conn):
        for i, amount in bills.items():
            for period in ("2026-08", "2026-09", "2026-10"):
                paid = on_time
                if i == 5 and period == "2026-10":
                    paid = None                              # unpaid, due 2026-10-28: overdue now
                if i == 6 and period == "2026-09":
                    paid = datetime(2026, 10, 15)            # paid after the due date
                add_bill(conn, c[i]["id"], period, Decimal(amount), paid)
        calls = [(c[3]["id"], datetime(2026, 10, d, 10), "out", "+447700900001", 600, 590, 1, "ANSWERED", 0,
                  "test", f"k{d}") for d in range(1, 21)]
        sms = [(c[3]["id"], datetime(2026, 10, d, 11), "out", "+447700900001", 20, 0, "test", f"s{d}")
               for d in range(1, 21)]
        usage.write_batch(conn, "test", None, calls=calls, sms=sms)
    ctx.db.run(setup)
    return c


def test_rule_places_hand_made_customers(ctx, world):
    placed = segments.classify(ctx, 6)
    got = {r["msisdn"]: r["segment"] for r in placed.rows}
    assert placed.median_bill == Decimal("20.00")
    assert got == {N[1]: "high-value/low-risk", N[2]: "high-value/low-risk",
                   N[3]: "low-profit/high-value/low-risk", N[4]: "low-value/low-risk",
                   N[5]: "high-risk", N[6]: "high-risk"}
    actions = {r["msisdn"]: r["action"] for r in placed.rows}
    assert actions[N[1]] == "retain" and actions[N[3]] == "up-sell" and actions[N[4]] == "cross-sell"
    assert actions[N[5]] == "collect"


def test_report_sizes_revenue_share_and_model_run(ctx, world):
    rep = find("segments").run(ctx, ReportParams(extra={"months": 6}))
    rows = {r[0]: r for r in rep.rows}
    assert rows["high-value/low-risk"][2] == 2 and rows["high-risk"][2] == 2
    # revenue: high value 270 of 450
    assert rows["high-value/low-risk"][5] == pytest.approx(100 * 270 / 450)
    assert rows["high-value/low-risk"][6] == Decimal("45.00")          # centre: average bill
    assert sum(r[3] for r in rep.rows) == pytest.approx(100.0)
    assert any("rule:" in n for n in rep.notes)
    runs = ctx.db.run(fetch_all, "SELECT model, status, rows_used FROM model_runs")
    assert {"model": "segments-rule", "status": "done", "rows_used": 6} in runs


def test_campaign_list(ctx, world):
    rep = find("campaign-list").run(ctx, ReportParams(extra={"action": "collect"}))
    assert sorted(r[0] for r in rep.rows) == [N[5], N[6]]
    rep = segments.campaign_report(ctx, "up-sell")
    assert [r[0] for r in rep.rows] == [N[3]]
    rep = segments.campaign_report(ctx, "retain")
    rows = {r[0]: r for r in rep.rows}
    # PREMIUM (40.00) with no usage: BASIC would have cost 3 x 12.00 instead of 3 x 48.00 (with tax)
    assert rows[N[1]][10] == "BASIC" and rows[N[1]][11] == Decimal("108.00")
    with pytest.raises(ValidationError, match="action must be"):
        segments.campaign_report(ctx, "spam")


def test_knn_placement(ctx, world):
    p = segments.place(ctx, N[1], k=1)
    assert p["segment"] == "high-value/low-risk" and p["neighbours"][0][0]["msisdn"] == N[2]
    new = make_customer(ctx, N[7], "Newcomer", "PREMIUM", region="South", handset="iPhone", since="2026-11-01")
    rep = find("segment-placement").run(ctx, ReportParams(extra={"msisdn": new["msisdn"]}))
    values = dict(rep.rows)
    assert values["KNN segment"] in segments.ACTIONS and values["Rule segment"] == "low-value/low-risk"
    neighbours = [r[0] for r in rep.sections[0].rows]
    assert len(neighbours) == 5 and N[7] not in neighbours
    with pytest.raises(NotFoundError):
        segments.place(ctx, N[8])
    with pytest.raises(ValidationError, match="--msisdn"):
        find("segment-placement").run(ctx, ReportParams())


def test_categorical_attributes_are_one_hot(ctx, world):
    placed = segments.classify(ctx, 6)
    X, names = segments._matrix(placed.rows)
    assert "plan=PREMIUM" in names and "region=South" in names and "handset=iPhone" in names
    assert X.shape == (6, len(names))


def test_roles_and_bad_input(ctx, world, as_role):
    with pytest.raises(PermissionDenied):
        segments.segments_report(as_role("staff"))
    with pytest.raises(ValidationError):
        segments.classify(ctx, 0)
