"""Rating rules, hand-computed (DESIGN.md "Rating rules", docs/billing.md)."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_support import add_calls, add_data, add_sms
from helpers import make_customer, make_plan
from telco_console.repositories.base import fetch_value
from telco_console.services.billing import rating
from telco_console.services.billing.rating import Call, rate_usage

D = Decimal


def _rate(ctx, cid, period="2026-10", **kw):
    return ctx.db.run(lambda conn: rating.rate_customers(conn, period, customer_ids=[cid], **kw))[cid]


def test_peak_boundary_19_59_30_is_peak_and_20_00_is_offpeak(ctx):
    make_plan(ctx, included_minutes=0, peak_rate="0.1000", offpeak_rate="0.0500")
    c = make_customer(ctx)
    # 2026-10-05 is a Monday
    add_calls(ctx, c["id"], [("2026-10-05 19:59:30", 60), ("2026-10-05 20:00:00", 60)])
    r = _rate(ctx, c["id"])
    assert (r.peak_s, r.offpeak_s) == (60, 60)
    assert (r.peak_amount, r.offpeak_amount) == (D("0.10"), D("0.05"))


def test_weekend_is_offpeak_and_plan_window_is_used(ctx):
    make_plan(ctx, included_minutes=0, peak_window="Sat-Sun 10:00-12:00")
    c = make_customer(ctx)
    add_calls(ctx, c["id"], [("2026-10-10 10:30:00", 60), ("2026-10-05 10:30:00", 60)])  # Sat, Mon
    r = _rate(ctx, c["id"])
    assert (r.peak_s, r.offpeak_s) == (60, 60)


@pytest.mark.parametrize("inc,expected", [(1, 61 + 1), (30, 90 + 30), (60, 120 + 60)])
def test_increments_round_up_per_call(ctx, inc, expected):
    make_plan(ctx, included_minutes=0, increment_seconds=inc, offpeak_rate="0.6000")
    c = make_customer(ctx)
    add_calls(ctx, c["id"], [("2026-10-04 10:00:00", 61), ("2026-10-04 11:00:00", 1)])  # Sunday: off-peak
    r = _rate(ctx, c["id"])
    assert r.offpeak_s == expected
    # 0.60 a minute = 0.01 a second
    assert r.offpeak_amount == D(expected) / 100


def test_only_outgoing_answered_calls_with_billsec_are_rated(ctx):
    make_plan(ctx, included_minutes=0)
    c = make_customer(ctx)
    add_calls(ctx, c["id"], [("2026-10-04 10:00:00", 60)], direction="in")
    add_calls(ctx, c["id"], [("2026-10-04 10:05:00", 60)], answered=0)
    add_calls(ctx, c["id"], [("2026-10-04 10:10:00", 0)])
    add_calls(ctx, c["id"], [("2026-09-30 23:59:59", 60), ("2026-11-01 00:00:00", 60)])  # other periods
    r = _rate(ctx, c["id"])
    assert r.peak_s == r.offpeak_s == r.call_s == 0


def test_allowance_used_up_across_peak_and_offpeak_in_chronological_order(ctx):
    # 10 free minutes. 07:55 Mon off-peak 6 min, 09:00 Mon peak 6 min (4 free + 2 charged peak),
    # 21:00 Mon off-peak 3 min (all charged off-peak).
    make_plan(ctx, included_minutes=10, peak_rate="0.2000", offpeak_rate="0.1000")
    c = make_customer(ctx)
    add_calls(ctx, c["id"], [("2026-10-05 21:00:00", 180), ("2026-10-05 07:55:00", 360),
                             ("2026-10-05 09:00:00", 360)])
    r = _rate(ctx, c["id"])
    assert (r.peak_s, r.offpeak_s) == (120, 180)
    assert (r.peak_amount, r.offpeak_amount) == (D("0.40"), D("0.30"))


def test_ties_on_start_time_are_ordered_by_record_id(ctx):
    # Two calls at the same instant: the first inserted (lower id) uses the allowance.
    make_plan(ctx, included_minutes=1, increment_seconds=60, peak_rate="1.0000", offpeak_rate="1.0000")
    c = make_customer(ctx)
    add_calls(ctx, c["id"], [("2026-10-05 10:00:00", 60), ("2026-10-05 10:00:00", 120)])
    r = _rate(ctx, c["id"])
    assert r.peak_s == 120


def test_sms_and_data_rounding(ctx):
    make_plan(ctx, included_sms=2, sms_rate="0.0500", included_mb=1, mb_rate="0.0100")
    c = make_customer(ctx)
    add_sms(ctx, c["id"], 5)
    add_sms(ctx, c["id"], 4, direction="in")
    # 1 MB free; total 2,000,001 bytes -> 1,000,001 beyond -> 2 started MB
    add_data(ctx, c["id"], [1_500_000, 500_001])
    r = _rate(ctx, c["id"])
    assert (r.sms_n, r.sms_amount) == (3, D("0.15"))
    assert (r.mb_n, r.data_amount) == (2, D("0.02"))


def test_tax_rounds_half_up_per_line(ctx):
    make_plan(ctx, monthly_fee="10.25", included_minutes=0)
    c = make_customer(ctx)
    r = _rate(ctx, c["id"], tax_rate=D("0.175"))
    assert r.tax == D("1.79")  # 10.25 * 0.175 = 1.79375
    r = _rate(ctx, c["id"], tax_rate=D("0.02"))
    assert r.tax == D("0.21")  # 0.205 rounds half up
    assert r.total == D("10.46")


def test_proration_by_days_active(ctx):
    make_plan(ctx, monthly_fee="31.00")
    joined = make_customer(ctx, "+447911000001", since="2026-10-22")      # 10 of 31 days
    full = make_customer(ctx, "+447911000002", since="2026-01-01")
    from telco_console.services import customers

    left = make_customer(ctx, "+447911000003", since="2026-01-01")
    customers.close_customer(ctx, left["msisdn"], "2026-10-03")             # 3 of 31 days
    gone = make_customer(ctx, "+447911000004", since="2026-01-01")
    customers.close_customer(ctx, gone["msisdn"], "2026-09-30")             # not billed
    rated = ctx.db.run(lambda conn: rating.rate_customers(conn, "2026-10"))
    assert rated[joined["id"]].fee_amount == D("10.00")
    assert rated[full["id"]].fee_amount == D("31.00")
    assert rated[left["id"]].fee_amount == D("3.00")
    assert gone["id"] not in rated


def test_suspended_customers_are_billed_like_active(ctx):
    from telco_console.services import customers

    make_plan(ctx, monthly_fee="12.00")
    c = make_customer(ctx)
    customers.edit_customer(ctx, c["msisdn"], status="suspended")
    r = _rate(ctx, c["id"])
    assert r.fee_amount == D("12.00")


def test_plan_override_rerates_without_writing(ctx):
    from telco_console.repositories import plans as plans_repo

    make_plan(ctx, included_minutes=0, peak_rate="0.1000")
    make_plan(ctx, code="BIG", name="Big", monthly_fee="20.00", included_minutes=500)
    c = make_customer(ctx)
    add_calls(ctx, c["id"], [("2026-10-05 10:00:00", 600)])
    big = ctx.db.run(plans_repo.by_code, "BIG")
    own = _rate(ctx, c["id"])
    other = _rate(ctx, c["id"], plan_override=big)
    assert own.peak_amount == D("1.00") and own.fee_amount == D("10.00")
    assert other.peak_amount == D("0.00") and other.fee_amount == D("20.00")
    assert other.plan_id == big["id"]
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM bills") == 0


# -- the pure reference and properties -------------------------------------------------------------

PLAN = dict(monthly_fee="10.00", included_minutes=5, included_sms=3, included_mb=2, peak_rate="0.1234",
            offpeak_rate="0.0567", sms_rate="0.0510", mb_rate="0.0125", increment_seconds=30,
            peak_days="0,1,2,3,4", peak_start="08:00:00", peak_end="20:00:00")

calls_st = st.lists(st.tuples(st.integers(0, 30 * 24 * 3600 - 1), st.integers(0, 3000)), max_size=25)


def _calls(spec):
    return [Call(datetime(2026, 10, 1) + timedelta(seconds=s), b, i) for i, (s, b) in enumerate(spec)]


@given(calls_st, st.integers(0, 50), st.integers(0, 50_000_000), st.integers(1, 31))
def test_total_is_sum_of_lines_and_never_negative(spec, sms, data, days):
    r = rate_usage(PLAN, _calls(spec), sms, data, days, 31)
    assert r.total == sum(r.lines.values())
    assert all(v >= 0 for v in r.lines.values()) and r.total >= 0


@given(calls_st, st.tuples(st.integers(0, 30 * 24 * 3600 - 1), st.integers(1, 3000)),
       st.integers(0, 50), st.integers(0, 50_000_000), st.integers(0, 5), st.integers(0, 3_000_000))
def test_rating_is_monotonic_in_usage(spec, extra, sms, data, more_sms, more_data):
    base = rate_usage(PLAN, _calls(spec), sms, data)
    more = rate_usage(PLAN, _calls(spec + [extra]), sms + more_sms, data + more_data)
    assert more.total >= base.total


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls_st, st.integers(0, 8), st.integers(0, 9_000_000))
def test_sql_rating_matches_the_reference(ctx, spec, sms, data):
    from telco_console.repositories import plans as plans_repo

    plan = ctx.db.run(plans_repo.by_code, "P")
    if plan is None:
        make_plan(ctx, code="P", name="P", **{k: v for k, v in PLAN.items()
                                               if k not in ("peak_days", "peak_start", "peak_end")})
    n = ctx.db.run(fetch_value, "SELECT COUNT(*) FROM customers")
    c = make_customer(ctx, f"+4479110{n:05d}", plan="P")
    add_calls(ctx, c["id"], [(str(x.started_at), x.billsec) for x in _calls(spec)])
    if sms:
        add_sms(ctx, c["id"], sms)
    if data:
        add_data(ctx, c["id"], [data])
    got = _rate(ctx, c["id"])
    want = rate_usage(PLAN, _calls(spec), sms, data, 31, 31)
    assert (got.peak_s, got.offpeak_s, got.sms_n, got.mb_n) == (want.peak_s, want.offpeak_s,
                                                                           want.sms_n, want.mb_n)
    assert got.total == want.total
