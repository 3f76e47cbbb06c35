"""usage_monthly: kept equal to the sums of usage_daily by every write path, checked and rebuilt
with the other rollups, and read by the usage reports for the whole months of a range."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from helpers import make_customer, make_plan
from telco_console.repositories import reports as repo
from telco_console.repositories import rollups, usage
from telco_console.repositories.base import execute, fetch_all
from telco_console.services import maintenance
from telco_console.services.reports.common import hours_from_ms, mb, minutes

START = date(2026, 2, 20)
DAYS = 80                      # 20 Feb .. 10 May: two whole months and two partial ones


def _calls(ids, n, seed, tag):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        when = datetime.combine(START, datetime.min.time()) + timedelta(
            days=rng.randrange(DAYS), seconds=rng.randrange(86400))
        out = rng.random() < 0.6
        billsec = rng.randrange(0, 600)
        rows.append((rng.choice(ids), when, "out" if out else "in", "+447700900001", billsec + 5, billsec,
                     1 if billsec else 0, "ANSWERED" if billsec else "NO ANSWER", int(rng.random() < 0.1),
                     "test", f"{tag}{i}"))
    return rows


def _sms(ids, n, seed, tag):
    rng = random.Random(seed)
    return [(rng.choice(ids), datetime.combine(START, datetime.min.time())
             + timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(86400)),
             rng.choice(("out", "in")), "+447700900003", 20, 0, "test", f"{tag}{i}") for i in range(n)]


@pytest.fixture
def spread(ctx, tmp_path):
    """Calls and SMS over 80 days for 4 customers, written by both write paths: INSERT with the
    rollups read back by batch id (write_batch) and LOAD DATA with the rollups summed in Python
    (load_batch, whole batches), and a batch with duplicates (read back)."""
    make_plan(ctx, code="BASIC")
    ids = [make_customer(ctx, f"+44791112345{i}", region=("North", "South")[i % 2])["id"] for i in range(4)]
    scratch = str(tmp_path / "scratch.tsv")
    first = _calls(ids, 300, 1, "a")
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=first[:40], sms=_sms(ids, 30, 2, "s")))
    ctx.db.run(lambda conn: usage.load_batch(conn, "test", None, scratch, calls=first[40:], sms=_sms(ids, 150, 3, "t")))
    # half already stored: not every row goes in, so the batch is read back
    ctx.db.run(lambda conn: usage.load_batch(conn, "test", None, scratch, calls=first[150:] + _calls(ids, 200, 4, "b")))
    # a customer whose only record is on 1 March: a range from 3 March must not list them
    lone = make_customer(ctx, "+447911123499", region="North")["id"]
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=[
        (lone, datetime(2026, 3, 1, 10), "out", "+447700900001", 60, 55, 1, "ANSWERED", 0, "test", "lone")]))
    return ids


def _recount_per_customer(ctx, day_from, day_to):
    """Per customer (calls out, calls in, seconds out, SMS out, SMS in) counted from the records."""
    where, params = ["1=1"], []
    if day_from:
        where.append("started_at >= %s")
        params.append(day_from)
    if day_to:
        where.append("started_at < %s")
        params.append(day_to + timedelta(days=1))
    w = " AND ".join(where)
    out = {}
    for r in ctx.db.run(fetch_all, f"SELECT customer_id, SUM(direction = 'out') AS co, SUM(direction = 'in') AS ci,"
                                   f" SUM(IF(direction = 'out', billsec, 0)) AS so FROM calls WHERE {w}"
                                   f" GROUP BY customer_id", params):
        out[r["customer_id"]] = [int(r["co"]), int(r["ci"]), int(r["so"]), 0, 0]
    for r in ctx.db.run(fetch_all, f"SELECT customer_id, SUM(direction = 'out') AS o, SUM(direction = 'in') AS i"
                                   f" FROM sms WHERE {w} GROUP BY customer_id", params):
        row = out.setdefault(r["customer_id"], [0, 0, 0, 0, 0])
        row[3], row[4] = int(r["o"]), int(r["i"])
    return out


def test_monthly_equals_the_daily_sums_after_every_write_path(ctx, spread):
    got = ctx.db.run(fetch_all, "SELECT customer_id, month, calls_out, calls_in, call_seconds_out, sms_out, sms_in"
                                " FROM usage_monthly ORDER BY customer_id, month")
    want = ctx.db.run(fetch_all, "SELECT customer_id, day - INTERVAL (DAYOFMONTH(day) - 1) DAY AS month,"
                                 " SUM(calls_out) AS calls_out, SUM(calls_in) AS calls_in,"
                                 " SUM(call_seconds_out) AS call_seconds_out, SUM(sms_out) AS sms_out,"
                                 " SUM(sms_in) AS sms_in FROM usage_daily GROUP BY customer_id, month"
                                 " ORDER BY customer_id, month")
    assert [tuple(int(v) if not isinstance(v, date) else v for v in r.values()) for r in got] == \
           [tuple(int(v) if not isinstance(v, date) else v for v in r.values()) for r in want]
    assert {r["month"] for r in got} == {date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)}
    assert ctx.db.run(rollups.differences) == []


def test_a_late_record_for_a_closed_month_reaches_the_monthly_rollup(ctx, spread):
    cid = spread[0]
    before = ctx.db.run(fetch_all, "SELECT calls_in FROM usage_monthly WHERE customer_id = %s AND month = '2026-03-01'",
                        (cid,))
    late = (cid, datetime(2026, 3, 31, 23, 59, 59), "in", "+447700900009", 10, 7, 1, "ANSWERED", 0, "test", "late")
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=[late]))
    after = ctx.db.run(fetch_all, "SELECT calls_in FROM usage_monthly WHERE customer_id = %s AND month = '2026-03-01'",
                       (cid,))
    assert int(after[0]["calls_in"]) == int(before[0]["calls_in"] if before else 0) + 1
    assert maintenance.check_rollups(ctx).rows == []


def test_check_reports_a_wrong_monthly_row_and_rebuild_repairs_it(ctx, spread):
    a, b = spread[:2]
    ctx.db.run(execute, "UPDATE usage_monthly SET calls_out = calls_out + 1 WHERE customer_id = %s"
                        " AND month = '2026-03-01'", (a,))
    ctx.db.run(execute, "DELETE FROM usage_monthly WHERE customer_id = %s AND month = '2026-04-01'", (b,))
    ctx.db.run(execute, "INSERT INTO usage_monthly (customer_id, month, sms_in) VALUES (%s, '2026-01-01', 2)", (a,))
    found = {(r[0], str(r[1]), r[2], r[5]) for r in maintenance.check_rollups(ctx, limit=50).rows}
    assert ("usage_monthly", "2026-03-01", a, "differs from the daily sums") in found
    assert ("usage_monthly", "2026-04-01", b, "missing from the rollup") in found
    assert len(ctx.db.run(rollups.differences)) == 3
    maintenance.rebuild_rollups(ctx, "2026-03")
    left = {(r[0], str(r[1])) for r in maintenance.check_rollups(ctx, limit=50).rows}
    assert ("usage_monthly", "2026-03-01") not in left and ("usage_monthly", "2026-04-01") in left
    ctx.db.run(rollups.rebuild)        # everything, including the stray January row
    assert ctx.db.run(rollups.differences) == []


@pytest.mark.parametrize("day_from,day_to,expected", [
    (None, None, (None, None)),
    (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 3, 1), date(2026, 4, 1))),
    (date(2026, 3, 2), date(2026, 3, 31), None),
    (date(2026, 2, 20), date(2026, 5, 10), (date(2026, 3, 1), date(2026, 5, 1))),
    (date(2026, 2, 20), None, (date(2026, 3, 1), None)),
    (None, date(2026, 4, 29), (None, date(2026, 4, 1))),
    (date(2025, 12, 1), date(2026, 1, 31), (date(2025, 12, 1), date(2026, 2, 1))),
    (date(2026, 3, 5), date(2026, 3, 20), None),
])
def test_whole_months_of_a_range(day_from, day_to, expected):
    assert repo.whole_months(day_from, day_to) == expected


# open ends, month starts and ends, and cuts that keep most of a month or little of it
EDGES = [None, date(2026, 2, 20), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 3), date(2026, 3, 15),
         date(2026, 3, 29), date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 29), date(2026, 4, 30),
         date(2026, 5, 1), date(2026, 5, 9)]


def test_usage_per_customer_equals_a_recount_for_every_range(ctx, spread):
    """Every pair of edges: the per-customer sums (whole months from usage_monthly, the cut months'
    days from usage_daily) equal a recount of the records of that range, and so do the usage
    summary's rows (seconds shown as minutes, rounded half up), which list exactly the customers
    with records in it."""
    ids = {r["id"]: r["msisdn"] for r in ctx.db.run(fetch_all, "SELECT id, msisdn FROM customers")}
    checked = 0
    for day_from in EDGES:
        for day_to in EDGES:
            if day_from and day_to and day_from > day_to:
                continue
            want = _recount_per_customer(ctx, day_from, day_to)
            sums = ctx.db.run(fetch_all, *repo.usage_per_customer_sql(day_from, day_to))
            got = {r["customer_id"]: [r["calls_out"], r["calls_in"], r["seconds_out"], r["sms_out"], r["sms_in"]]
                   for r in sums}
            assert got == want, (day_from, day_to)
            rows = ctx.db.run(repo.usage_report, day_from, day_to)
            cols = repo.USAGE_COLUMNS
            shown = {r[0]: [r[cols.index(c)] for c in ("calls_out", "calls_in", "minutes_out", "sms_out", "sms_in")]
                     for r in rows}
            assert shown == {ids[cid]: [co, ci, minutes(so), o, i] for cid, (co, ci, so, o, i) in want.items()}, \
                (day_from, day_to)
            checked += 1
    assert checked == 12 * 13 // 2 + 12 + 13


def test_minutes_and_megabytes_round_half_up_in_sql_as_in_python(ctx):
    """The usage summary rounds in SQL; activity and the other reports in Python: both half up,
    at exactly the halfway points and either side of them."""
    values = [0, 1, 2, 3, 4, 29, 30, 33, 89, 90, 91, 4_999, 5_000, 5_001, 14_999, 15_000, 179_999, 180_000,
              180_001, 10**12 + 5_000, 10**12 + 4_999]
    sql = "SELECT " + ", ".join(f"{repo.minutes_sql(str(v))}, {repo.mb_sql(str(v))}, {repo.hours_sql(str(v))}"
                                for v in values)
    with ctx.db.connection() as conn:
        cur = conn.cursor()
        cur.execute(sql)
        got = list(cur.fetchone())
        cur.close()
    want = [x for v in values for x in (minutes(v), mb(v), hours_from_ms(v))]
    assert got == want
    assert [str(x) for x in got[:6]] == ["0.0", "0.00", "0.0", "0.0", "0.00", "0.0"]
    assert minutes(3) == Decimal("0.1") and mb(5_000) == Decimal("0.01") and hours_from_ms(180_000) == Decimal("0.1")


def test_network_by_region_reads_the_same_sums(ctx, spread):
    rows = ctx.db.run(repo.network_by_region, date(2026, 2, 25), date(2026, 4, 30))
    recount = _recount_per_customer(ctx, date(2026, 2, 25), date(2026, 4, 30))
    regions = dict(ctx.db.run(lambda conn: [(r["id"], r["region"]) for r in fetch_all(conn, "SELECT id, region"
                                                                                            " FROM customers")]))
    want: dict[str, int] = {}
    for cid, v in recount.items():
        want[regions[cid]] = want.get(regions[cid], 0) + v[0] + v[1]
    assert {r["bucket"]: int(r["calls"]) for r in rows} == want
