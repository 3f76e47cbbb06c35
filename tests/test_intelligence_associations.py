"""Association rules between applications from per-user xDR baskets."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from telco_console.errors import ValidationError
from telco_console.repositories import usage
from telco_console.services.intelligence import associations
from telco_console.services.report_registry import ReportParams, find
from tests.helpers import make_customer, make_plan


def test_rules_support_confidence_lift():
    b = [frozenset(x) for x in (["youtube", "netflix"], ["youtube", "netflix"], ["youtube", "social"],
                                ["social"], ["email"])]
    rules = {(r["antecedent"], r["consequent"]): r for r in associations.rules(b, 0.1, 0.1)}
    r = rules[("netflix", "youtube")]
    assert r["support"] == pytest.approx(0.4) and r["confidence"] == pytest.approx(1.0)
    assert r["lift"] == pytest.approx(1.0 / 0.6)
    r = rules[("youtube", "netflix")]
    assert r["confidence"] == pytest.approx(2 / 3) and r["lift"] == pytest.approx((2 / 3) / 0.4)
    assert ("email", "social") not in rules
    assert associations.rules(b, 0.5, 0.1) == []
    assert associations.rules([], 0.1, 0.1) == []


def _session(cid, ref, apps: dict[str, int]):
    row = dict.fromkeys(usage.DATA_COLS)
    start = datetime(2026, 10, 3, 12, 0)
    row.update(customer_id=cid, started_at=start, ended_at=start + timedelta(minutes=5), duration_ms=300000,
               bytes_dl=sum(apps.values()), bytes_ul=0, source="test", source_ref=ref)
    for app, n in apps.items():
        row[f"{app}_dl"] = n
        row[f"{app}_ul"] = 0
    return tuple(row[c] for c in usage.DATA_COLS)


def test_report_from_xdr_baskets(ctx):
    make_plan(ctx)
    big, small = 5_000_000, 10_000
    plan = [{"youtube": big, "netflix": big}, {"youtube": big, "netflix": big}, {"youtube": big, "gaming": small},
            {"email": big}]
    data = []
    for i, apps in enumerate(plan):
        c = make_customer(ctx, f"+4479111236{i:02d}", f"U{i}")
        data.append(_session(c["id"], f"d{i}", apps))
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, data=data))
    rep = find("app-associations").run(ctx, ReportParams(extra={"min-support": 0.2, "min-confidence": 0.5,
                                                                "used": "any"}))
    got = {(r[0], r[1]): r for r in rep.rows}
    assert got[("netflix", "youtube")][2] == 2 and got[("netflix", "youtube")][4] == pytest.approx(100.0)
    assert ("gaming", "youtube") in got                       # used at all (bytes > 0)
    rep = associations.associations_report(ctx, 0.2, 0.5, min_mb=1, used="any")   # gaming (0.01 MB) no longer counts
    assert ("gaming", "youtube") not in {(r[0], r[1]) for r in rep.rows}
    # above the median customer: youtube medians 5 MB (not above), netflix 2.5 MB, email/gaming 0
    bs = associations.baskets(ctx, used="above-median")
    assert sorted(sorted(b) for b in bs) == [["email"], ["gaming"], ["netflix"], ["netflix"]]
    # share of own traffic: gaming's 10 KB of U2's 5 MB is under 10%
    bs = associations.baskets(ctx)
    assert sorted(sorted(b) for b in bs) == [["email"], ["netflix", "youtube"], ["netflix", "youtube"], ["youtube"]]
    with pytest.raises(ValidationError):
        associations.associations_report(ctx, 1.5)


def test_a_planted_three_item_rule_is_found_with_its_figures():
    """40 baskets: 12 hold {gaming, youtube, social}; gaming alone or with one of the two is rarer.
    {gaming, youtube} -> social holds with confidence 12/14 and lift (12/14) / (20/40)."""
    b = ([frozenset({"gaming", "youtube", "social"})] * 12 + [frozenset({"gaming", "youtube"})] * 2
         + [frozenset({"gaming"})] * 2 + [frozenset({"social"})] * 8 + [frozenset({"youtube"})] * 6
         + [frozenset({"email"})] * 10)
    found = {(r["antecedent"], r["consequent"]): r for r in associations.rules(b, 0.1, 0.6, max_len=3)}
    r = found[("gaming + youtube", "social")]
    assert r["count"] == 12 and r["support"] == pytest.approx(0.3)
    assert r["confidence"] == pytest.approx(12 / 14) and r["lift"] == pytest.approx((12 / 14) / 0.5)
    assert r["items"] == 3
    assert not any(r["items"] == 3 for r in associations.rules(b, 0.1, 0.6, max_len=2))


def test_three_item_rules_in_the_report(ctx):
    make_plan(ctx)
    mb = 1_000_000
    mix = [{"gaming": 40 * mb, "youtube": 30 * mb, "social": 30 * mb}] * 6 + [{"email": 50 * mb}] * 4 \
        + [{"youtube": 90 * mb, "other": 10 * mb}] * 2 + [{"social": 95 * mb, "google": 5 * mb}] * 2
    data = []
    for i, apps in enumerate(mix):
        c = make_customer(ctx, f"+4479111237{i:02d}", f"U{i}")
        data.append(_session(c["id"], f"e{i}", apps))
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, data=data))
    rep = find("app-associations").run(ctx, ReportParams(extra={"min-support": 0.3, "min-confidence": 0.9,
                                                                "max-len": "3"}))
    got = {(r[0], r[1]): r for r in rep.rows}
    assert ("gaming + youtube", "social") in got and got[("gaming + youtube", "social")][2] == 6
    assert rep.filters["max_len"] == 3 and rep.filters["used"] == "share"
    with pytest.raises(ValidationError):
        find("app-associations").run(ctx, ReportParams(extra={"max-len": "1"}))
