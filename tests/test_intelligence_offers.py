"""Targeted offers: the cheapest plan over the last months, re-rated by the billing engine."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from telco_console.errors import ValidationError
from telco_console.repositories import usage
from telco_console.repositories.base import fetch_all
from telco_console.services.intelligence import offers
from telco_console.services.report_registry import ReportParams, find
from tests.helpers import make_customer, make_plan

LIGHT, HEAVY = "+447911123701", "+447911123702"


@pytest.fixture
def world(ctx):
    make_plan(ctx)                                       # BASIC: 10.00, 100 min, 0.10/min peak
    make_plan(ctx, code="PREMIUM", name="Premium", monthly_fee="40.00", included_minutes=1000)
    light = make_customer(ctx, LIGHT, "Overpays", "PREMIUM", since="2026-01-01")
    heavy = make_customer(ctx, HEAVY, "Talks a lot", "BASIC", since="2026-01-01")
    # light: 5 calls of 2 minutes a month; heavy: 600 minutes in October (Tuesdays 10:00, peak)
    calls = [(light["id"], datetime(2026, m, 6, 10, k), "out", "+447700900001", 125, 120, 1, "ANSWERED", 0,
              "test", f"l{m}-{k}") for m in (9, 10) for k in range(5)]
    calls += [(heavy["id"], datetime(2026, 10, 6 + 7 * (k % 3), 10, k), "out", "+447700900001", 3000, 3000, 1,
               "ANSWERED", 0, "test", f"h{k}") for k in range(12)]
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=calls))


def test_customer_built_to_overpay_gets_a_cheaper_plan(ctx, world):
    res = offers.cheapest_plans(ctx, 2)
    assert [str(p) for p in res["periods"]] == ["2026-09", "2026-10"]
    by = {r["customer"]["msisdn"]: r for r in res["customers"].values()}
    light = by[LIGHT]
    assert light["best"] == "BASIC"
    assert light["current"] == Decimal("96.00")                 # 2 x 40.00 + 20% tax
    assert light["costs"]["BASIC"] == Decimal("24.00")           # within BASIC's allowance
    assert light["saving"] == Decimal("72.00")
    # heavy: BASIC 12.00 (Sep) + (10 + 500 min x 0.10) x 1.2 (Oct) = 84.00 < PREMIUM 96.00
    assert by[HEAVY]["best"] == "BASIC" and by[HEAVY]["saving"] == 0
    runs = ctx.db.run(fetch_all, "SELECT model, status FROM model_runs")
    assert runs == [{"model": "offers-rerating", "status": "done"}]


def test_months_matter_and_report(ctx, world):
    rep = find("plan-offers").run(ctx, ReportParams(extra={"months": 1, "overpaying": True}))
    rows = {r[0]: r for r in rep.rows}
    assert set(rows) == {LIGHT, HEAVY}
    assert rows[HEAVY][5] == "PREMIUM" and rows[HEAVY][7] == Decimal("24.00")   # 72.00 - 48.00 in October
    assert rows[LIGHT][8] == "move to BASIC" and rows[LIGHT][7] == Decimal("36.00")
    assert rep.rows[0][0] == LIGHT                                                # biggest saving first
    with pytest.raises(ValidationError):
        offers.cheapest_plans(ctx, 0)
